-- Top-N as of a position. Rows are grouped by the 65,536-position bucket of their valid_from; within a bucket
-- the index is in value order and carries the validity columns, so a query at position p walks each bucket up
-- to p's from the best value down, reading the index only, and skips just the rows of that bucket that are not
-- valid at p. Replaces 0004's single value-ordered index, whose walk crossed every later version first.
DROP INDEX backtest_metrics_by_value;
CREATE INDEX backtest_metrics_by_bucket_value ON backtest_metrics
    (formula, metric, (valid_from >> 16), value, valid_from, valid_to, backtest_id);
