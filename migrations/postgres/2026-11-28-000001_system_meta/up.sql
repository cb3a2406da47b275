-- Facts about this Rujukan installation (schema family, when it was installed).
-- Later issues add their own tables in their own migrations.
CREATE TABLE system_meta (
    key        TEXT      NOT NULL PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 100),
    value      TEXT      NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);

INSERT INTO system_meta (key, value) VALUES ('schema', 'rujukan');
