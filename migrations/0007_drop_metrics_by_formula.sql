-- Listing every backtest's metrics as of a position reads backtest_metrics_by_backtest in (backtest_id, metric)
-- order with the formula fixed by equality, which needs no sort; the (formula, metric, valid_from) index only
-- added a sort after it and cost every write and every rebuild an index.
DROP INDEX backtest_metrics_by_formula;
