-- Text compares and sorts byte by byte, as SQLite's does, whatever the database's default collation: the
-- read commands given --postgres must list rows in the order they do on SQLite. The view over the metric
-- sets is recreated around the change (PostgreSQL will not retype a column a view reads).
--
-- The metric numbers are indexed by bucket of positions, as SQLite's are (below).
--
-- Three tables the read commands need beyond the read models proper: the formula and metric names each
-- ledger's metrics used (so a typo in --formula or --sort is refused, as on SQLite), and the events
-- themselves (envelope and canonical payload), for `history`, for turning --as-of TIME into a ledger's
-- position, and for knowing a ledger's formulas.

-- Rows synced under 0001 lack the events and names, so they are dropped: each ledger's next sync loads it
-- again in bulk (the shared read models are a projection, rebuilt from the logs at any time).
TRUNCATE projection_state, labs, backtests, backtest_metric_sets, backtest_metric_values, executions,
    history_cutoffs, cache_index, fetches, imported_files, scripts, sweeps, sweep_trials;

DROP VIEW backtest_metrics;
DROP INDEX backtest_metric_values_by_value;
ALTER TABLE backtest_metric_sets
    ALTER COLUMN ledger_id TYPE TEXT COLLATE "C",
    ALTER COLUMN backtest_id TYPE TEXT COLLATE "C",
    ALTER COLUMN formula TYPE TEXT COLLATE "C",
    ALTER COLUMN metric_values TYPE TEXT COLLATE "C";
ALTER TABLE backtest_metric_values
    ALTER COLUMN ledger_id TYPE TEXT COLLATE "C",
    ALTER COLUMN formula TYPE TEXT COLLATE "C",
    ALTER COLUMN metric TYPE TEXT COLLATE "C",
    ALTER COLUMN backtest_id TYPE TEXT COLLATE "C";
ALTER TABLE backtests
    ALTER COLUMN ledger_id TYPE TEXT COLLATE "C",
    ALTER COLUMN backtest_id TYPE TEXT COLLATE "C",
    ALTER COLUMN lab_id TYPE TEXT COLLATE "C",
    ALTER COLUMN market TYPE TEXT COLLATE "C",
    ALTER COLUMN script_id TYPE TEXT COLLATE "C",
    ALTER COLUMN script_name TYPE TEXT COLLATE "C",
    ALTER COLUMN parameters TYPE TEXT COLLATE "C",
    ALTER COLUMN account_id TYPE TEXT COLLATE "C",
    ALTER COLUMN script_version TYPE TEXT COLLATE "C";
ALTER TABLE cache_index
    ALTER COLUMN ledger_id TYPE TEXT COLLATE "C",
    ALTER COLUMN blob_hash TYPE TEXT COLLATE "C",
    ALTER COLUMN kind TYPE TEXT COLLATE "C",
    ALTER COLUMN subject TYPE TEXT COLLATE "C";
ALTER TABLE executions
    ALTER COLUMN ledger_id TYPE TEXT COLLATE "C",
    ALTER COLUMN lab_id TYPE TEXT COLLATE "C",
    ALTER COLUMN backtest_id TYPE TEXT COLLATE "C",
    ALTER COLUMN step TYPE TEXT COLLATE "C",
    ALTER COLUMN detail TYPE TEXT COLLATE "C";
ALTER TABLE fetches
    ALTER COLUMN ledger_id TYPE TEXT COLLATE "C",
    ALTER COLUMN run_id TYPE TEXT COLLATE "C",
    ALTER COLUMN channel TYPE TEXT COLLATE "C",
    ALTER COLUMN subject TYPE TEXT COLLATE "C",
    ALTER COLUMN failure TYPE TEXT COLLATE "C",
    ALTER COLUMN body_hash TYPE TEXT COLLATE "C";
ALTER TABLE history_cutoffs
    ALTER COLUMN ledger_id TYPE TEXT COLLATE "C",
    ALTER COLUMN market TYPE TEXT COLLATE "C",
    ALTER COLUMN cutoff TYPE TEXT COLLATE "C",
    ALTER COLUMN method TYPE TEXT COLLATE "C",
    ALTER COLUMN precision TYPE TEXT COLLATE "C";
ALTER TABLE imported_files
    ALTER COLUMN ledger_id TYPE TEXT COLLATE "C",
    ALTER COLUMN run_id TYPE TEXT COLLATE "C",
    ALTER COLUMN path TYPE TEXT COLLATE "C",
    ALTER COLUMN kind TYPE TEXT COLLATE "C",
    ALTER COLUMN sha256 TYPE TEXT COLLATE "C",
    ALTER COLUMN status TYPE TEXT COLLATE "C",
    ALTER COLUMN reason TYPE TEXT COLLATE "C";
ALTER TABLE labs
    ALTER COLUMN ledger_id TYPE TEXT COLLATE "C",
    ALTER COLUMN lab_id TYPE TEXT COLLATE "C",
    ALTER COLUMN name TYPE TEXT COLLATE "C",
    ALTER COLUMN script_id TYPE TEXT COLLATE "C";
ALTER TABLE projection_state
    ALTER COLUMN ledger_id TYPE TEXT COLLATE "C",
    ALTER COLUMN name TYPE TEXT COLLATE "C",
    ALTER COLUMN event_hash TYPE TEXT COLLATE "C";
ALTER TABLE scripts
    ALTER COLUMN ledger_id TYPE TEXT COLLATE "C",
    ALTER COLUMN script_id TYPE TEXT COLLATE "C",
    ALTER COLUMN name TYPE TEXT COLLATE "C",
    ALTER COLUMN version TYPE TEXT COLLATE "C";
ALTER TABLE sweep_trials
    ALTER COLUMN ledger_id TYPE TEXT COLLATE "C",
    ALTER COLUMN sweep_id TYPE TEXT COLLATE "C",
    ALTER COLUMN backtest_id TYPE TEXT COLLATE "C",
    ALTER COLUMN parameters TYPE TEXT COLLATE "C",
    ALTER COLUMN method TYPE TEXT COLLATE "C",
    ALTER COLUMN state TYPE TEXT COLLATE "C",
    ALTER COLUMN broken TYPE TEXT COLLATE "C",
    ALTER COLUMN reason TYPE TEXT COLLATE "C";
ALTER TABLE sweeps
    ALTER COLUMN ledger_id TYPE TEXT COLLATE "C",
    ALTER COLUMN sweep_id TYPE TEXT COLLATE "C",
    ALTER COLUMN script_id TYPE TEXT COLLATE "C",
    ALTER COLUMN market TYPE TEXT COLLATE "C",
    ALTER COLUMN objective TYPE TEXT COLLATE "C",
    ALTER COLUMN direction TYPE TEXT COLLATE "C",
    ALTER COLUMN formula TYPE TEXT COLLATE "C",
    ALTER COLUMN sampler TYPE TEXT COLLATE "C",
    ALTER COLUMN definition TYPE TEXT COLLATE "C",
    ALTER COLUMN state TYPE TEXT COLLATE "C",
    ALTER COLUMN stop_reason TYPE TEXT COLLATE "C";

CREATE VIEW backtest_metrics AS
SELECT s.ledger_id, s.backtest_id, s.formula, m.key AS metric,
       CASE WHEN jsonb_typeof(m.value) = 'number' THEN (m.value #>> '{}')::double precision
            WHEN m.value #>> '{}' = '+inf' THEN 'Infinity'::double precision
            WHEN m.value #>> '{}' = '-inf' THEN '-Infinity'::double precision END AS value,
       CASE WHEN jsonb_typeof(m.value) = 'string' THEN m.value #>> '{}' END AS value_text,
       s.runtime_position, s.valid_from, s.valid_to
FROM backtest_metric_sets s, jsonb_each(s.metric_values::jsonb) m;

-- A top-N as of a position walks, for each bucket of 65,536 positions (valid_from >> 16) up to that position's,
-- the numbers in value order, skipping only versions closed by then; and a row is never read from the heap.
CREATE INDEX backtest_metric_values_by_bucket ON backtest_metric_values
    (ledger_id, formula, metric, (valid_from >> 16), value DESC, backtest_id) INCLUDE (valid_from, valid_to);

CREATE TABLE metric_formulas (
    ledger_id TEXT COLLATE "C" NOT NULL,
    formula TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (ledger_id, formula)
);

CREATE TABLE metric_names (
    ledger_id TEXT COLLATE "C" NOT NULL,
    metric TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (ledger_id, metric)
);

CREATE TABLE events (
    ledger_id TEXT COLLATE "C" NOT NULL,
    position BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,      -- µs since 1970
    stream TEXT COLLATE "C" NOT NULL,
    type TEXT COLLATE "C" NOT NULL,
    source TEXT COLLATE "C" NOT NULL,
    correlation_id TEXT COLLATE "C",
    causation BIGINT,
    event_hash TEXT COLLATE "C" NOT NULL,
    payload TEXT COLLATE "C" NOT NULL, -- canonical JSON, the log's bytes
    PRIMARY KEY (ledger_id, position)
);
CREATE INDEX events_by_stream ON events (ledger_id, stream, position);
CREATE INDEX events_by_time ON events (ledger_id, recorded_at, position);
CREATE INDEX events_by_type ON events (ledger_id, type, position);
