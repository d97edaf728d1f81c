-- 0006_actions: the action engine's durable journal (issue #7). A plan per pool (action_plans) and one row per
-- node-level action (actions). The intent of every provider call, with its idempotency token, is written here
-- BEFORE the call and its outcome after, so a restarted Governator can reconcile what was in flight against
-- the providers: no duplicate starts, no orphaned nodes. control_state holds the global kill switch.

CREATE TABLE action_plans (
  id          BIGSERIAL PRIMARY KEY,
  created_at  TIMESTAMPTZ NOT NULL,
  updated_at  TIMESTAMPTZ NOT NULL,
  pool        TEXT NOT NULL,
  mode        TEXT NOT NULL CHECK (mode IN ('recommend', 'approve', 'auto', 'manual')),
  status      TEXT NOT NULL CHECK (status IN ('recommended', 'pending-approval', 'approved', 'running', 'succeeded',
                                              'failed', 'rolled-back', 'rejected', 'blocked', 'superseded', 'halted')),
  source      TEXT NOT NULL,
  -- The deployment_decisions row the plan came from, when it came from the planner.
  decision_id BIGINT,
  -- The plan's actions for this pool (core/model/plan.ts PlanAction[]).
  actions     JSONB NOT NULL CHECK (jsonb_typeof(actions) = 'array'),
  summary     TEXT NOT NULL,
  detail      TEXT,
  decided_by  TEXT,
  decided_at  TIMESTAMPTZ,
  started_at  TIMESTAMPTZ,
  finished_at TIMESTAMPTZ
);
CREATE INDEX action_plans_created_idx ON action_plans (created_at DESC, id DESC);
CREATE INDEX action_plans_pool_idx ON action_plans (pool, created_at DESC);
CREATE INDEX action_plans_open_idx ON action_plans (status) WHERE status IN ('pending-approval', 'approved', 'running');

CREATE TABLE actions (
  id                BIGSERIAL PRIMARY KEY,
  plan_id           BIGINT NOT NULL REFERENCES action_plans (id),
  seq               INTEGER NOT NULL,
  kind              TEXT NOT NULL CHECK (kind IN ('start', 'stop')),
  pool              TEXT NOT NULL,
  provider          TEXT NOT NULL,
  offering_id       TEXT,
  node_id           TEXT,
  -- Unique per intended node: a retried or resumed start reuses it, so the provider never starts two.
  idempotency_token TEXT NOT NULL UNIQUE,
  status            TEXT NOT NULL CHECK (status IN ('planned', 'pending', 'in-progress', 'succeeded', 'failed',
                                                    'rolled-back', 'skipped')),
  attempts          INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  actor             TEXT NOT NULL,
  error_code        TEXT,
  detail            TEXT,
  created_at        TIMESTAMPTZ NOT NULL,
  updated_at        TIMESTAMPTZ NOT NULL,
  finished_at       TIMESTAMPTZ,
  UNIQUE (plan_id, seq)
);
CREATE INDEX actions_created_idx ON actions (created_at);
CREATE INDEX actions_pool_finished_idx ON actions (pool, finished_at);
CREATE INDEX actions_open_idx ON actions (status) WHERE status IN ('pending', 'in-progress');

CREATE TABLE control_state (
  key        TEXT PRIMARY KEY,
  paused     BOOLEAN NOT NULL,
  reason     TEXT,
  updated_by TEXT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);
