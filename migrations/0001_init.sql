-- 0001_init: Governator's first schema. Runs unchanged on PGlite and on PostgreSQL 15+.
-- Applied by the runner in src/adapters/storage/sql/migrations.ts inside one transaction (no BEGIN/COMMIT
-- here). Never edit this file once released: its checksum is recorded; add 0002_… instead.

-- ------------------------------------------------------------------------------------------- telemetry
-- Samples as in the Governator seed. node_id is TEXT, not UUID: node ids are provider ids (i-0abc…, gke-…).
CREATE TABLE metrics (
  id           BIGSERIAL PRIMARY KEY,
  timestamp    TIMESTAMPTZ NOT NULL,
  node_id      TEXT NOT NULL,
  metric_name  VARCHAR(255) NOT NULL,
  metric_value DOUBLE PRECISION NOT NULL,
  tags         JSONB
);
CREATE INDEX metrics_node_metric_time_idx ON metrics (node_id, metric_name, timestamp);

-- --------------------------------------------------------------------------------------------- prices
CREATE TABLE cost_history (
  id            BIGSERIAL PRIMARY KEY,
  timestamp     TIMESTAMPTZ NOT NULL,
  provider      VARCHAR(50) NOT NULL,
  resource_type VARCHAR(100) NOT NULL,
  resource_id   VARCHAR(255) NOT NULL,
  cost_per_hour NUMERIC(12, 6) NOT NULL,
  currency      VARCHAR(3) NOT NULL DEFAULT 'USD'
);
CREATE INDEX cost_history_resource_time_idx ON cost_history (provider, resource_id, timestamp);

-- ---------------------------------------------------------------------------------------- decisions
CREATE TABLE deployment_decisions (
  id                     BIGSERIAL PRIMARY KEY,
  timestamp              TIMESTAMPTZ NOT NULL,
  workload_id            TEXT NOT NULL,
  recommended_deployment JSONB NOT NULL,
  cost_savings           NUMERIC(12, 4),
  performance_impact     JSONB
);
CREATE INDEX deployment_decisions_workload_time_idx ON deployment_decisions (workload_id, timestamp);

-- --------------------------------------------------------------------------------------------- providers
-- Providers configured at run time (those in the config file need no row). Credentials are stored only
-- encrypted, by the application; the database never sees them in clear.
CREATE TABLE providers (
  name                  TEXT PRIMARY KEY,
  kind                  TEXT NOT NULL,
  config                JSONB NOT NULL DEFAULT '{}'::jsonb,
  credentials_encrypted BYTEA,
  enabled               BOOLEAN NOT NULL DEFAULT true,
  created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- ------------------------------------------------------------------------------------------------ nodes
-- One row per governed machine: every field of core/model/node.ts Node. The id sorts bytewise (COLLATE "C")
-- so keyset pagination orders ids the same on every server whatever its locale. Sizes and price are DOUBLE
-- PRECISION, not NUMERIC: they are informational copies of the offering, must come back as the exact JS
-- number that was stored, and vCPUs can be fractional (shared-core instances).
CREATE TABLE nodes (
  id             TEXT COLLATE "C" PRIMARY KEY,
  provider       TEXT NOT NULL,
  region         TEXT,
  zone           TEXT,
  instance_type  TEXT,
  offering_id    TEXT,
  pool           TEXT,
  state          TEXT NOT NULL
                 CHECK (state IN ('pending', 'running', 'stopping', 'stopped', 'terminated', 'unknown')),
  labels         JSONB NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(labels) = 'object'),
  vcpus          DOUBLE PRECISION CHECK (vcpus >= 0),
  memory_gib     DOUBLE PRECISION CHECK (memory_gib >= 0),
  gpu_model      TEXT,
  gpu_count      INTEGER CHECK (gpu_count >= 0),
  price_per_hour DOUBLE PRECISION CHECK (price_per_hour >= 0),
  started_at     TIMESTAMPTZ,
  updated_at     TIMESTAMPTZ NOT NULL,
  CONSTRAINT nodes_gpu_complete CHECK ((gpu_model IS NULL) = (gpu_count IS NULL))
);
CREATE INDEX nodes_provider_idx ON nodes (provider);
CREATE INDEX nodes_pool_idx ON nodes (pool);
CREATE INDEX nodes_state_idx ON nodes (state);

-- --------------------------------------------------------------------------------------------- api keys
-- Only a salted hash of each secret is stored. A name is unique among active keys; a revoked key's name
-- may be reused.
CREATE TABLE api_keys (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  role       TEXT NOT NULL,
  salt       TEXT NOT NULL,
  hash       TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  created_by TEXT NOT NULL,
  revoked_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX api_keys_active_name_key ON api_keys (name) WHERE revoked_at IS NULL;
CREATE INDEX api_keys_created_at_idx ON api_keys (created_at);

-- ---------------------------------------------------------------------------------------------- audit log
-- A hash chain (core/audit/chain.ts). No sequence: each id is the head's id + 1, chosen under a lock by the
-- appender, so ids have no gaps and a missing row is visible.
CREATE TABLE audit_log (
  id        BIGINT PRIMARY KEY CHECK (id > 0),
  at        TIMESTAMPTZ NOT NULL,
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  target    TEXT,
  outcome   TEXT NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
  details   JSONB NOT NULL DEFAULT '{}'::jsonb,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);

-- Append-only: UPDATE, DELETE and TRUNCATE raise. (A table owner can still disable triggers or drop the
-- table; the hash chain is what makes such tampering detectable.)
CREATE FUNCTION audit_log_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Audit entries are never changed or removed; append a new entry instead.';
END
$$;

CREATE TRIGGER audit_log_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_reject_change();

CREATE TRIGGER audit_log_no_truncate
  BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_reject_change();
