-- Read models of HaasLedger (DESIGN §6). Every entity row carries valid_from (the log position that made it
-- true) and valid_to (the position that replaced it, or NULL while current), so any query can be answered as
-- of a position without replaying the log. Rebuilt from the log on demand; never the source of truth.

CREATE TABLE projection_state (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL,        -- last log position applied, written in the same transaction as the rows
    recorded_at INTEGER,              -- recordedAt (µs) of that event
    updated_at INTEGER NOT NULL
);

CREATE TABLE labs (
    lab_id TEXT NOT NULL,
    name TEXT, script_id TEXT, status INTEGER, scheduled_backtests INTEGER, completed_backtests INTEGER,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);

CREATE TABLE backtests (
    backtest_id TEXT NOT NULL,
    lab_id TEXT NOT NULL,
    generation INTEGER, population INTEGER, market TEXT, script_id TEXT, script_name TEXT,
    started_at INTEGER, ended_at INTEGER, parameters TEXT,
    reported_roi REAL, reported_realized_profits REAL, reported_gross_profits REAL, reported_roi_margin REAL,
    reported_price_change_pct REAL, reported_total_fee_costs REAL, reported_sharpe REAL, reported_sortino REAL,
    reported_profit_factor REAL, reported_win_percentage REAL, reported_closed_positions INTEGER,
    reported_winning_positions INTEGER,
    runtime_position INTEGER,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);

CREATE TABLE backtest_metrics (
    backtest_id TEXT NOT NULL,
    formula TEXT NOT NULL,            -- id@version
    metric TEXT NOT NULL,
    value REAL,                       -- NULL when not finite: see value_text
    value_text TEXT,                  -- '+inf', '-inf', 'undefined' (or the number as text)
    runtime_position INTEGER NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);

CREATE TABLE executions (
    lab_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    status INTEGER, progress REAL, completed_backtests INTEGER, scheduled_backtests INTEGER
);

CREATE TABLE history_cutoffs (
    market TEXT NOT NULL,
    status INTEGER, synched INTEGER, max_months INTEGER, cutoff TEXT, method TEXT, precision TEXT,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);

CREATE TABLE cache_index (
    blob_hash TEXT NOT NULL,
    kind TEXT NOT NULL,               -- the channel or cache-file kind
    subject TEXT,                     -- stream of the first event that referred to it
    bytes INTEGER NOT NULL,
    first_position INTEGER NOT NULL,
    last_position INTEGER NOT NULL,
    fetch_count INTEGER NOT NULL
);

CREATE TABLE fetches (
    position INTEGER NOT NULL,
    run_id TEXT,
    channel TEXT NOT NULL,
    subject TEXT,
    http_status INTEGER,
    success INTEGER,
    failure TEXT,
    latency_us INTEGER,
    body_hash TEXT,
    recorded_at INTEGER NOT NULL
);
