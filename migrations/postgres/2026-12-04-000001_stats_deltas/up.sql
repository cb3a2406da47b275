-- Count changes waiting to be folded into stats_rollup. A change appends its deltas here in its own
-- transaction (inserts never wait on each other); a background fold sums them into the rollup and
-- deletes them; an answer adds what is not folded yet. No change of an agency waits on another's
-- count rows.
CREATE TABLE stats_deltas (
    id        BIGSERIAL PRIMARY KEY,
    indicator TEXT   NOT NULL,
    dim       TEXT   NOT NULL,
    month     TEXT   NOT NULL,
    province  TEXT   NOT NULL,
    agency_id BIGINT NOT NULL,
    value     TEXT   NOT NULL,
    n         BIGINT NOT NULL
);
CREATE INDEX stats_deltas_key_idx ON stats_deltas (indicator, dim, month);
