-- 0002_decisions: what the planner records in deployment_decisions (issue #4). Every plan the service computes
-- (POST /api/v1/cost/simulate, GET /api/v1/optimization/recommendations) is one row: the whole plan as JSON in
-- recommended_deployment, its savings in cost_savings, per-pool utilisation before/after in
-- performance_impact, and now also who asked (source) and whether the plan meets every constraint (feasible).
ALTER TABLE deployment_decisions ADD COLUMN source TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE deployment_decisions ADD COLUMN feasible BOOLEAN;
-- Newest first, for listing recent decisions.
CREATE INDEX deployment_decisions_time_idx ON deployment_decisions (timestamp DESC, id DESC);
