-- Top-N by a metric walks this index in value order and stops once it has N rows valid at the position asked for.
CREATE INDEX backtest_metrics_by_value ON backtest_metrics (formula, metric, value);
