-- 0005_forecasts: the forecasting layer's lifecycle (issue #6, docs/forecasting.md). Every fit of a series records
-- one row per candidate model (forecast_models: its version, parameters and the data window it was fitted on);
-- the forecast it produced (forecasts: points with 50/90/99% intervals, weights, backtest accuracy); accuracy
-- measured once actuals arrived for forecast steps (forecast_accuracy); and anomalies found in the fitted
-- history (anomalies, one row per anomaly however many fits saw it).
--
-- A series is named by a key such as demand{pool="llm"}; `pool` is set for pool demand series.

CREATE TABLE forecast_models (
  id           BIGSERIAL PRIMARY KEY,
  series_key   TEXT NOT NULL,
  pool         TEXT,
  model        TEXT NOT NULL,
  -- Per series: every fit is one version, shared by the rows of the models it evaluated.
  version      INTEGER NOT NULL CHECK (version >= 1),
  parameters   JSONB NOT NULL CHECK (jsonb_typeof(parameters) = 'object'),
  window_from  TIMESTAMPTZ NOT NULL,
  window_to    TIMESTAMPTZ NOT NULL,
  window_points INTEGER NOT NULL CHECK (window_points >= 0),
  step_seconds DOUBLE PRECISION NOT NULL CHECK (step_seconds > 0),
  reason       TEXT NOT NULL,
  fitted_at    TIMESTAMPTZ NOT NULL,
  CHECK (window_to >= window_from),
  UNIQUE (series_key, version, model)
);
CREATE INDEX forecast_models_series_idx ON forecast_models (series_key, version DESC);

CREATE TABLE forecasts (
  id           BIGSERIAL PRIMARY KEY,
  series_key   TEXT NOT NULL,
  pool         TEXT,
  version      INTEGER NOT NULL CHECK (version >= 1),
  created_at   TIMESTAMPTZ NOT NULL,
  -- 'ensemble' or the one model that carries all the weight ('naive' for a fallback).
  model        TEXT NOT NULL,
  step_seconds DOUBLE PRECISION NOT NULL CHECK (step_seconds > 0),
  window_from  TIMESTAMPTZ NOT NULL,
  window_to    TIMESTAMPTZ NOT NULL,
  -- [{t, mean, lo50, hi50, lo90, hi90, lo99, hi99}], t in Unix seconds.
  points       JSONB NOT NULL CHECK (jsonb_typeof(points) = 'array'),
  weights      JSONB NOT NULL CHECK (jsonb_typeof(weights) = 'object'),
  -- Backtest accuracy per model and 'ensemble': {mase, smape, coverage90, points}.
  accuracy     JSONB NOT NULL CHECK (jsonb_typeof(accuracy) = 'object'),
  periods      JSONB NOT NULL CHECK (jsonb_typeof(periods) = 'array'),
  notes        JSONB NOT NULL CHECK (jsonb_typeof(notes) = 'array'),
  fallback     BOOLEAN NOT NULL,
  reason       TEXT NOT NULL
);
CREATE INDEX forecasts_pool_idx ON forecasts (pool, created_at DESC, id DESC);
CREATE INDEX forecasts_series_idx ON forecasts (series_key, created_at DESC, id DESC);

CREATE TABLE forecast_accuracy (
  id           BIGSERIAL PRIMARY KEY,
  series_key   TEXT NOT NULL,
  pool         TEXT,
  model        TEXT NOT NULL,
  -- The fit (forecast_models.version / forecasts.version) whose forecast was scored.
  version      INTEGER NOT NULL CHECK (version >= 1),
  -- The actuals scored: [actual_from, actual_to] (both inclusive, Unix time of the steps), `points` of them.
  actual_from  TIMESTAMPTZ NOT NULL,
  actual_to    TIMESTAMPTZ NOT NULL,
  points       INTEGER NOT NULL CHECK (points >= 1),
  -- NULL for a flat history (no seasonal-naive scale) that the forecast missed: infinitely worse than naive.
  mase         DOUBLE PRECISION,
  smape        DOUBLE PRECISION NOT NULL,
  -- Share inside the 90% interval; NULL for a member model (intervals belong to the combination).
  coverage90   DOUBLE PRECISION,
  evaluated_at TIMESTAMPTZ NOT NULL,
  CHECK (actual_to >= actual_from)
);
CREATE INDEX forecast_accuracy_series_idx ON forecast_accuracy (series_key, evaluated_at DESC);

CREATE TABLE anomalies (
  id           BIGSERIAL PRIMARY KEY,
  series_key   TEXT NOT NULL,
  pool         TEXT,
  kind         TEXT NOT NULL CHECK (kind IN ('spike', 'dip', 'outage', 'level_shift')),
  -- [t_start, t_end): the anomalous steps (a level shift: its first step).
  t_start      TIMESTAMPTZ NOT NULL,
  t_end        TIMESTAMPTZ NOT NULL,
  value        DOUBLE PRECISION NOT NULL,
  expected     DOUBLE PRECISION NOT NULL,
  score        DOUBLE PRECISION NOT NULL,
  detector     TEXT NOT NULL,
  -- First and latest fits that reported it.
  detected_at  TIMESTAMPTZ NOT NULL,
  last_seen_at TIMESTAMPTZ NOT NULL,
  CHECK (t_end >= t_start),
  UNIQUE (series_key, kind, t_start)
);
CREATE INDEX anomalies_t_idx ON anomalies (t_start DESC, id DESC);
CREATE INDEX anomalies_pool_idx ON anomalies (pool, t_start DESC);
