-- 0003_cost_history_index: indexes for reading price history (CostHistoryRepository.list in
-- src/adapters/storage/sql/cost-history.ts). 0001's index leads with provider, so it cannot serve the two
-- common reads: one offering's history (by resource_id, whatever the provider) and "every change in a time
-- window" (by timestamp). The table grows only with price CHANGES (the refresher skips unchanged prices).
CREATE INDEX cost_history_resource_id_time_idx ON cost_history (resource_id, timestamp);
CREATE INDEX cost_history_time_idx ON cost_history (timestamp);
