-- Statistics (docs/STATISTICS.md): counts kept up to date in the same transaction as the change
-- that moves them, so that every indicator is answered from a few thousand rows, not a scan of the
-- cases. One row per indicator, month (local, YYYY-MM), province, agency, dimension and value; the
-- dimension `all` (value `all`) counts the indicator's units. Only aggregates live here.
CREATE TABLE stats_rollup (
    indicator TEXT   NOT NULL,
    month     TEXT   NOT NULL,
    province  TEXT   NOT NULL,
    agency_id BIGINT NOT NULL,
    dim       TEXT   NOT NULL,
    value     TEXT   NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (indicator, dim, month, province, agency_id, value)
);

-- What a breach or escalation counts as in the statistics, recorded with the step so that a
-- rebuild of the counts agrees with the counts kept by the sweeps.
ALTER TABLE deadline_notices ADD COLUMN rule TEXT NULL;
ALTER TABLE deadline_notices ADD COLUMN outcome TEXT NULL;
ALTER TABLE deadline_notices ADD COLUMN agency_id BIGINT NULL;
