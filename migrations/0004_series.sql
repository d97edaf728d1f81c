-- 0004_series: telemetry series and their samples at three resolutions (issue #5; docs/telemetry.md, "Storage").
-- The seed's `metrics` table (0001) stays for compatibility; it stores one row per sample with JSONB tags and
-- a node id, which is too wide and too slow to index for remote_write rates. Samples live here instead:
-- one narrow row per (series, timestamp), the labels once per series.
--
-- Timestamps are BIGINT Unix milliseconds, Prometheus' own unit: exact, 8 bytes, and bucket arithmetic
-- (ts - ts % 60000) needs no time-zone rules. No foreign key from samples to series: the check would cost
-- every insert, and samples are only written for series the writer has just registered.

CREATE TABLE series (
  id          BIGSERIAL PRIMARY KEY,
  -- hex hash of the canonical key metric{a="x",b="y"} (src/core/telemetry/series.ts)
  fingerprint TEXT NOT NULL UNIQUE CHECK (length(fingerprint) BETWEEN 1 AND 64),
  metric      TEXT NOT NULL,
  labels      JSONB NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(labels) = 'object'),
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX series_metric_idx ON series (metric);

-- Raw samples. The primary key serves per-series range reads and makes re-sent samples a no-op
-- (ON CONFLICT DO NOTHING); the BRIN index serves time-range scans (rollups, retention) at almost no cost
-- per insert, because rows arrive roughly in time order.
CREATE TABLE series_samples (
  series_id BIGINT NOT NULL,
  ts        BIGINT NOT NULL,
  value     DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (series_id, ts)
);
CREATE INDEX series_samples_ts_brin ON series_samples USING brin (ts);

-- Rollups: one row per series per bucket [ts, ts + width). count/sum/min/max merge exactly into coarser buckets.
CREATE TABLE series_rollup_1m (
  series_id BIGINT NOT NULL,
  ts        BIGINT NOT NULL CHECK (ts % 60000 = 0),
  count     INTEGER NOT NULL CHECK (count > 0),
  sum       DOUBLE PRECISION NOT NULL,
  min       DOUBLE PRECISION NOT NULL,
  max       DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (series_id, ts)
);
CREATE INDEX series_rollup_1m_ts_brin ON series_rollup_1m USING brin (ts);

CREATE TABLE series_rollup_1h (
  series_id BIGINT NOT NULL,
  ts        BIGINT NOT NULL CHECK (ts % 3600000 = 0),
  count     INTEGER NOT NULL CHECK (count > 0),
  sum       DOUBLE PRECISION NOT NULL,
  min       DOUBLE PRECISION NOT NULL,
  max       DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (series_id, ts)
);
CREATE INDEX series_rollup_1h_ts_brin ON series_rollup_1h USING brin (ts);

-- How far each rollup is complete (exclusive, Unix ms), so a restart resumes where the last run stopped.
CREATE TABLE series_rollup_state (
  resolution TEXT PRIMARY KEY CHECK (resolution IN ('1m', '1h')),
  done_until BIGINT NOT NULL
);
