DROP TABLE outbox;
DROP TABLE deadline_notices;
