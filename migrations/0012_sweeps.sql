-- Parameter sweeps (haas.sweep.*): one row version per change of a sweep (started, each trial told, finished)
-- and of each trial (asked, told), so both answer as of any position. A trial's metrics are its backtest's,
-- in the metric tables, joined by backtest_id.
CREATE TABLE sweeps (
    sweep_id TEXT NOT NULL,
    script_id TEXT, market TEXT,
    objective TEXT, direction TEXT, formula TEXT, sampler TEXT, seed INTEGER, budget INTEGER,
    definition TEXT,                 -- canonical JSON, in the form a definition file takes
    started_at INTEGER,              -- recorded_at of haas.sweep.started, µs
    state TEXT,                      -- running, finished, cancelled
    told INTEGER, best_trial INTEGER, best_objective, stop_reason TEXT,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);
CREATE INDEX sweeps_by_id ON sweeps (sweep_id, valid_from);

CREATE TABLE sweep_trials (
    sweep_id TEXT NOT NULL,
    trial INTEGER NOT NULL,
    backtest_id TEXT, parameters TEXT, method TEXT, informed_by INTEGER,
    state TEXT,                      -- asked, complete, infeasible, failed, cancelled
    objective,                       -- a number, or '+inf' / '-inf'; NULL when undefined
    broken TEXT,                     -- the constraints it broke, as a JSON array
    reason TEXT,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);
CREATE INDEX sweep_trials_by_sweep ON sweep_trials (sweep_id, trial, valid_from);
CREATE INDEX sweep_trials_by_backtest ON sweep_trials (backtest_id, valid_from);
