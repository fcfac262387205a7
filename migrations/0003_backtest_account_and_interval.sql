-- For `export csv` (pyHaasAPI's backtests_analytics.csv columns): the account, leverage and interval of a
-- backtest. Existing files get NULLs until a rebuild fills them from the log.
ALTER TABLE backtests ADD COLUMN account_id TEXT;
ALTER TABLE backtests ADD COLUMN leverage REAL;
ALTER TABLE backtests ADD COLUMN interval INTEGER;
