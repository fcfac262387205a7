-- Direct backtests (EXECUTE_BACKTEST) belong to no lab: `backtests.lab_id` may now be NULL, and every backtest
-- can name the script version (the SHA-256 of its source) that produced it. `executions` now holds both a lab's
-- execution updates and each step of a direct backtest (requested, accepted, progress, finished, …), so it
-- gains `backtest_id`, `step` and `detail`, and its `lab_id` may be NULL. SQLite cannot drop NOT NULL in place:
-- both tables are rebuilt with their rows.
CREATE TABLE backtests_v2 (
    backtest_id TEXT NOT NULL,
    lab_id TEXT,
    generation INTEGER, population INTEGER, market TEXT, script_id TEXT, script_name TEXT,
    started_at INTEGER, ended_at INTEGER, parameters TEXT,
    reported_roi REAL, reported_realized_profits REAL, reported_gross_profits REAL, reported_roi_margin REAL,
    reported_price_change_pct REAL, reported_total_fee_costs REAL, reported_sharpe REAL, reported_sortino REAL,
    reported_profit_factor REAL, reported_win_percentage REAL, reported_closed_positions INTEGER,
    reported_winning_positions INTEGER,
    runtime_position INTEGER,
    valid_from INTEGER NOT NULL, valid_to INTEGER,
    account_id TEXT, leverage REAL, interval INTEGER,
    script_version TEXT
);
INSERT INTO backtests_v2 (
    backtest_id, lab_id, generation, population, market, script_id, script_name, started_at, ended_at, parameters,
    reported_roi, reported_realized_profits, reported_gross_profits, reported_roi_margin, reported_price_change_pct,
    reported_total_fee_costs, reported_sharpe, reported_sortino, reported_profit_factor, reported_win_percentage,
    reported_closed_positions, reported_winning_positions, runtime_position, valid_from, valid_to, account_id,
    leverage, interval)
SELECT backtest_id, lab_id, generation, population, market, script_id, script_name, started_at, ended_at, parameters,
    reported_roi, reported_realized_profits, reported_gross_profits, reported_roi_margin, reported_price_change_pct,
    reported_total_fee_costs, reported_sharpe, reported_sortino, reported_profit_factor, reported_win_percentage,
    reported_closed_positions, reported_winning_positions, runtime_position, valid_from, valid_to, account_id,
    leverage, interval
FROM backtests;
DROP TABLE backtests;
ALTER TABLE backtests_v2 RENAME TO backtests;
CREATE INDEX backtests_by_id ON backtests (backtest_id, valid_from);
CREATE INDEX backtests_by_lab ON backtests (lab_id, valid_from);

CREATE TABLE executions_v2 (
    lab_id TEXT,                      -- a lab's execution update
    backtest_id TEXT,                 -- or a step of a direct backtest
    position INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    step TEXT NOT NULL,               -- updated (a lab), requested, accepted, reconciled, progress, finished, cancelled, failed
    status INTEGER, progress REAL, completed_backtests INTEGER, scheduled_backtests INTEGER,
    detail TEXT                       -- what the step adds: the service id, a failure, a reason
);
INSERT INTO executions_v2 (lab_id, position, recorded_at, step, status, progress, completed_backtests, scheduled_backtests)
SELECT lab_id, position, recorded_at, 'updated', status, progress, completed_backtests, scheduled_backtests FROM executions;
DROP TABLE executions;
ALTER TABLE executions_v2 RENAME TO executions;
CREATE INDEX executions_by_lab ON executions (lab_id, position);
CREATE INDEX executions_by_backtest ON executions (backtest_id, position);
