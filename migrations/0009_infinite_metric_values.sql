-- backtest_metric_values now holds +inf and -inf (stored as the strings "+inf" and "-inf" in metric_values) as
-- REAL infinities, so top-N by a metric orders them as numbers, as the full scan does ('undefined' stays out).
-- Files written before hold no such rows; this migration marks them as older than this build's schema, so the
-- next read rebuilds them from the log. The view is recreated to show infinities in `value` as well.
DROP VIEW backtest_metrics;
CREATE VIEW backtest_metrics AS
SELECT k.backtest_id AS backtest_id, f.formula AS formula, m.key AS metric,
       CASE WHEN m.type IN ('integer', 'real') THEN CAST(m.value AS REAL)
            WHEN m.value = '+inf' THEN 9e999 WHEN m.value = '-inf' THEN -9e999 END AS value,
       CASE WHEN m.type = 'text' THEN m.value END AS value_text,
       s.runtime_position AS runtime_position, s.valid_from AS valid_from, s.valid_to AS valid_to
FROM backtest_metric_sets s
JOIN backtest_keys k ON k.backtest_key = s.backtest_key
JOIN metric_formulas f ON f.formula_key = s.formula_key,
     json_each(s.metric_values) m;
