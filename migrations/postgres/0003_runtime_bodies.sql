-- The recorded runtimes' bodies, so that `report --postgres` (each detailed backtest's equity, drawdown and
-- trades) and `export xlsx --trades --postgres` read what they read from the log: the body of every
-- haas.backtest.runtime.fetched event, byte for byte as the log's blob store gives it back, keyed by its
-- SHA-256 (the payload's body_sha256), once per ledger. PostgreSQL compresses them itself (TOAST), with lz4
-- where the server has it: a first sync of 10,000 runtimes (244 MB of bodies) took 9.6 s with it and 13.4 s
-- with the default pglz, which kept them in 104 MB against lz4's 113 MB.
--
-- Ledgers synced before this migration have no bodies here, so their rows are dropped, as 0002 did: each
-- ledger's next sync loads it again in bulk, bodies included.
TRUNCATE projection_state, labs, backtests, backtest_metric_sets, backtest_metric_values, executions,
    history_cutoffs, cache_index, fetches, imported_files, scripts, sweeps, sweep_trials, metric_formulas,
    metric_names, events;

CREATE TABLE runtime_bodies (
    ledger_id TEXT COLLATE "C" NOT NULL,
    sha256 TEXT COLLATE "C" NOT NULL,
    body BYTEA NOT NULL,
    PRIMARY KEY (ledger_id, sha256)
);

DO $$
BEGIN
    ALTER TABLE runtime_bodies ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    NULL; -- a server built without lz4 keeps pglz
END
$$;
