-- The read models of migrations/*.sql, projected into PostgreSQL by `haasledger project sync --postgres`.
-- Several ledgers share one schema: every row carries the ledger_id of the log it came from (the first 16 hex
-- digits of that log's first event hash, shown by `log stats`). Columns, temporal columns (valid_from and
-- valid_to are log positions of that ledger) and the backtest_metrics view are those of SQLite. The metric
-- tables are the one place the shape differs: SQLite keys them by small integers private to one file, here
-- they name the backtest and the formula, and backtest_metric_values keeps its own valid_to, so a top-N as of
-- a position walks one index. Applied by the same migrator rules: in version order, each once, recorded in
-- schema_migrations of this schema.

CREATE TABLE projection_state (
    ledger_id TEXT NOT NULL,
    name TEXT NOT NULL,
    position BIGINT NOT NULL,         -- last log position synced, written in the same transaction as the rows
    recorded_at BIGINT,               -- recordedAt (µs) of that event
    event_hash TEXT,                  -- its hash: a later sync checks the log still holds it
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (ledger_id, name)
);

CREATE TABLE labs (
    ledger_id TEXT NOT NULL,
    lab_id TEXT NOT NULL,
    name TEXT, script_id TEXT, status BIGINT, scheduled_backtests BIGINT, completed_backtests BIGINT,
    valid_from BIGINT NOT NULL, valid_to BIGINT
);
CREATE INDEX labs_by_id ON labs (ledger_id, lab_id, valid_from);

CREATE TABLE backtests (
    ledger_id TEXT NOT NULL,
    backtest_id TEXT NOT NULL,
    lab_id TEXT,
    generation BIGINT, population BIGINT, market TEXT, script_id TEXT, script_name TEXT,
    started_at BIGINT, ended_at BIGINT, parameters TEXT,
    reported_roi DOUBLE PRECISION, reported_realized_profits DOUBLE PRECISION,
    reported_gross_profits DOUBLE PRECISION, reported_roi_margin DOUBLE PRECISION,
    reported_price_change_pct DOUBLE PRECISION, reported_total_fee_costs DOUBLE PRECISION,
    reported_sharpe DOUBLE PRECISION, reported_sortino DOUBLE PRECISION, reported_profit_factor DOUBLE PRECISION,
    reported_win_percentage DOUBLE PRECISION, reported_closed_positions BIGINT, reported_winning_positions BIGINT,
    runtime_position BIGINT,
    valid_from BIGINT NOT NULL, valid_to BIGINT,
    account_id TEXT, leverage DOUBLE PRECISION, interval BIGINT,
    script_version TEXT
);
CREATE INDEX backtests_by_id ON backtests (ledger_id, backtest_id, valid_from);
CREATE INDEX backtests_by_lab ON backtests (ledger_id, lab_id, valid_from);

CREATE TABLE backtest_metric_sets (
    ledger_id TEXT NOT NULL,
    backtest_id TEXT NOT NULL,
    formula TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT,
    runtime_position BIGINT NOT NULL,
    metric_values TEXT NOT NULL       -- canonical JSON object, the exact text SQLite holds
);
CREATE INDEX backtest_metric_sets_by_key ON backtest_metric_sets (ledger_id, backtest_id, formula, valid_from);

-- One row per number of each set version (+inf and -inf as infinities; 'undefined' has no row), valid while
-- its set is.
CREATE TABLE backtest_metric_values (
    ledger_id TEXT NOT NULL,
    formula TEXT NOT NULL,
    metric TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    backtest_id TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT
);
CREATE INDEX backtest_metric_values_by_value ON backtest_metric_values
    (ledger_id, formula, metric, value, backtest_id) INCLUDE (valid_from, valid_to);
CREATE INDEX backtest_metric_values_by_set ON backtest_metric_values (ledger_id, backtest_id, formula, valid_from);

CREATE VIEW backtest_metrics AS
SELECT s.ledger_id, s.backtest_id, s.formula, m.key AS metric,
       CASE WHEN jsonb_typeof(m.value) = 'number' THEN (m.value #>> '{}')::double precision
            WHEN m.value #>> '{}' = '+inf' THEN 'Infinity'::double precision
            WHEN m.value #>> '{}' = '-inf' THEN '-Infinity'::double precision END AS value,
       CASE WHEN jsonb_typeof(m.value) = 'string' THEN m.value #>> '{}' END AS value_text,
       s.runtime_position, s.valid_from, s.valid_to
FROM backtest_metric_sets s, jsonb_each(s.metric_values::jsonb) m;

CREATE TABLE executions (
    ledger_id TEXT NOT NULL,
    lab_id TEXT,
    backtest_id TEXT,
    position BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    step TEXT NOT NULL,
    status BIGINT, progress DOUBLE PRECISION, completed_backtests BIGINT, scheduled_backtests BIGINT,
    detail TEXT
);
CREATE INDEX executions_by_lab ON executions (ledger_id, lab_id, position);
CREATE INDEX executions_by_backtest ON executions (ledger_id, backtest_id, position);

CREATE TABLE history_cutoffs (
    ledger_id TEXT NOT NULL,
    market TEXT NOT NULL,
    status BIGINT, synched BIGINT, max_months BIGINT, cutoff TEXT, method TEXT, precision TEXT,
    valid_from BIGINT NOT NULL, valid_to BIGINT
);
CREATE INDEX history_cutoffs_by_market ON history_cutoffs (ledger_id, market, valid_from);

CREATE TABLE cache_index (
    ledger_id TEXT NOT NULL,
    blob_hash TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT,
    bytes BIGINT NOT NULL,
    first_position BIGINT NOT NULL,
    last_position BIGINT NOT NULL,
    fetch_count BIGINT NOT NULL,
    PRIMARY KEY (ledger_id, blob_hash)
);

CREATE TABLE fetches (
    ledger_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    run_id TEXT,
    channel TEXT NOT NULL,
    subject TEXT,
    http_status BIGINT,
    success BIGINT,
    failure TEXT,
    latency_us BIGINT,
    body_hash TEXT,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX fetches_by_subject ON fetches (ledger_id, subject, position);

CREATE TABLE imported_files (
    ledger_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    run_id TEXT,
    path TEXT NOT NULL,
    kind TEXT,
    sha256 TEXT,
    bytes BIGINT,
    modified_at BIGINT,
    status TEXT NOT NULL,
    reason TEXT,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX imported_files_by_position ON imported_files (ledger_id, position);

CREATE TABLE scripts (
    ledger_id TEXT NOT NULL,
    script_id TEXT NOT NULL,
    name TEXT, type BIGINT, compiled BIGINT, valid BIGINT, version TEXT, source_bytes BIGINT,
    updated_at BIGINT,
    valid_from BIGINT NOT NULL, valid_to BIGINT
);
CREATE INDEX scripts_by_key ON scripts (ledger_id, script_id, valid_from);

CREATE TABLE sweeps (
    ledger_id TEXT NOT NULL,
    sweep_id TEXT NOT NULL,
    script_id TEXT, market TEXT,
    objective TEXT, direction TEXT, formula TEXT, sampler TEXT, seed BIGINT, budget BIGINT,
    definition TEXT,
    started_at BIGINT,
    state TEXT,
    told BIGINT, best_trial BIGINT, best_objective DOUBLE PRECISION, stop_reason TEXT,
    valid_from BIGINT NOT NULL, valid_to BIGINT
);
CREATE INDEX sweeps_by_id ON sweeps (ledger_id, sweep_id, valid_from);

CREATE TABLE sweep_trials (
    ledger_id TEXT NOT NULL,
    sweep_id TEXT NOT NULL,
    trial BIGINT NOT NULL,
    backtest_id TEXT, parameters TEXT, method TEXT, informed_by BIGINT,
    state TEXT,
    objective DOUBLE PRECISION,
    broken TEXT,
    reason TEXT,
    valid_from BIGINT NOT NULL, valid_to BIGINT
);
CREATE INDEX sweep_trials_by_sweep ON sweep_trials (ledger_id, sweep_id, trial, valid_from);
CREATE INDEX sweep_trials_by_backtest ON sweep_trials (ledger_id, backtest_id, valid_from);
