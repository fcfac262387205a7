-- What the events after a position changed, table by table, for `project sync --postgres`: the versions they
-- added (valid_from) and the versions they closed (valid_to), and the rows they appended or moved (position,
-- last_position). Without these, one new event cost a scan of every table.
CREATE INDEX labs_by_valid_from ON labs (valid_from);
CREATE INDEX labs_by_valid_to ON labs (valid_to) WHERE valid_to IS NOT NULL;
CREATE INDEX backtests_by_valid_from ON backtests (valid_from);
CREATE INDEX backtests_by_valid_to ON backtests (valid_to) WHERE valid_to IS NOT NULL;
CREATE INDEX backtest_metric_sets_by_valid_from ON backtest_metric_sets (valid_from);
CREATE INDEX backtest_metric_sets_by_valid_to ON backtest_metric_sets (valid_to) WHERE valid_to IS NOT NULL;
CREATE INDEX history_cutoffs_by_valid_from ON history_cutoffs (valid_from);
CREATE INDEX history_cutoffs_by_valid_to ON history_cutoffs (valid_to) WHERE valid_to IS NOT NULL;
CREATE INDEX scripts_by_valid_from ON scripts (valid_from);
CREATE INDEX scripts_by_valid_to ON scripts (valid_to) WHERE valid_to IS NOT NULL;
CREATE INDEX sweeps_by_valid_from ON sweeps (valid_from);
CREATE INDEX sweeps_by_valid_to ON sweeps (valid_to) WHERE valid_to IS NOT NULL;
CREATE INDEX sweep_trials_by_valid_from ON sweep_trials (valid_from);
CREATE INDEX sweep_trials_by_valid_to ON sweep_trials (valid_to) WHERE valid_to IS NOT NULL;
CREATE INDEX executions_by_position ON executions (position);
CREATE INDEX fetches_by_position ON fetches (position);
CREATE INDEX cache_index_by_last_position ON cache_index (last_position);
