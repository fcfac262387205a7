-- Metrics as versioned sets plus a value-ordered list of numbers, keyed by small integers.
--
-- backtest_metrics held one row per metric version, each repeating the backtest id, formula and metric name as
-- text, under two indexes; a rebuild of 1 M events wrote ~6 M such rows and sorted them twice, at a tenth of a
-- raw insert loop's rate. Now:
--   backtest_metric_sets    one row per version of a backtest's values under one formula: the `values` object
--                           of the metrics.computed event, kept as its canonical JSON (the exact text of every
--                           number), valid from the event that set it until the one that replaced it.
--   backtest_metric_values  one row per number of each set version, for top-N by value. A row is valid while
--                           its set is; rows are never updated. A rebuild writes them sorted by (formula, metric,
--                           bucket, value) and records each group's rowid range in backtest_metric_value_ranges,
--                           so walking a group in value order needs no index, and fills valid_to for sets already
--                           closed then (a walk skips those rows without looking at their set). NULL valid_to:
--                           the set was open when the row was written; its set row says whether it still is.
--                           Rows that catch-up adds later are marked caught_up = 1 and found through the partial
--                           index.
--   bucket = valid_from >> 16: a query as of position p walks only the buckets up to p's.
-- The backtest_metrics view keeps the old shape for `haasledger sql`; value_text now holds only values that
-- are not numbers ('+inf', 'undefined'); numbers are in value, their exact text in metric_values.
DROP TABLE backtest_metrics;

CREATE TABLE backtest_keys (backtest_key INTEGER PRIMARY KEY, backtest_id TEXT NOT NULL UNIQUE);
CREATE TABLE metric_formulas (formula_key INTEGER PRIMARY KEY, formula TEXT NOT NULL UNIQUE);
CREATE TABLE metric_names (metric_key INTEGER PRIMARY KEY, metric TEXT NOT NULL UNIQUE);

CREATE TABLE backtest_metric_sets (
    backtest_key INTEGER NOT NULL,
    formula_key INTEGER NOT NULL,
    valid_from INTEGER NOT NULL,
    valid_to INTEGER,
    runtime_position INTEGER NOT NULL,  -- the runtime the values were computed from (the event's causation)
    metric_values TEXT NOT NULL         -- canonical JSON object: metric name -> number or text
);
-- Carries valid_to, so checking whether a set is valid at a position reads the index alone.
CREATE INDEX backtest_metric_sets_by_key ON backtest_metric_sets (backtest_key, formula_key, valid_from, valid_to);

CREATE TABLE backtest_metric_values (
    formula_key INTEGER NOT NULL,
    metric_key INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    value REAL NOT NULL,
    backtest_key INTEGER NOT NULL,
    valid_from INTEGER NOT NULL,        -- the set's valid_from
    valid_to INTEGER,                   -- the set's valid_to when it was already closed as the row was written
    caught_up INTEGER                   -- 1: added by catch-up, after the sorted rows a rebuild wrote
);
CREATE INDEX backtest_metric_values_caught_up ON backtest_metric_values (formula_key, metric_key, bucket, value)
    WHERE caught_up = 1;

CREATE TABLE backtest_metric_value_ranges (
    formula_key INTEGER NOT NULL,
    metric_key INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    first_row INTEGER NOT NULL,
    last_row INTEGER NOT NULL,
    PRIMARY KEY (formula_key, metric_key, bucket)
) WITHOUT ROWID;

CREATE VIEW backtest_metrics AS
SELECT k.backtest_id AS backtest_id, f.formula AS formula, m.key AS metric,
       CASE WHEN m.type IN ('integer', 'real') THEN CAST(m.value AS REAL) END AS value,
       CASE WHEN m.type = 'text' THEN m.value END AS value_text,
       s.runtime_position AS runtime_position, s.valid_from AS valid_from, s.valid_to AS valid_to
FROM backtest_metric_sets s
JOIN backtest_keys k ON k.backtest_key = s.backtest_key
JOIN metric_formulas f ON f.formula_key = s.formula_key,
     json_each(s.metric_values) m;
