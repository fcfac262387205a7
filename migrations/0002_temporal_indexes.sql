-- Indexes for current and as-of lookups: (key, valid_from) finds the row valid at a position.
CREATE INDEX labs_by_id ON labs (lab_id, valid_from);
CREATE INDEX backtests_by_id ON backtests (backtest_id, valid_from);
CREATE INDEX backtests_by_lab ON backtests (lab_id, valid_from);
CREATE INDEX backtest_metrics_by_backtest ON backtest_metrics (backtest_id, formula, metric, valid_from);
CREATE INDEX backtest_metrics_by_formula ON backtest_metrics (formula, metric, valid_from);
CREATE INDEX executions_by_lab ON executions (lab_id, position);
CREATE INDEX history_cutoffs_by_market ON history_cutoffs (market, valid_from);
CREATE UNIQUE INDEX cache_index_by_hash ON cache_index (blob_hash);
CREATE INDEX fetches_by_subject ON fetches (subject, position);
