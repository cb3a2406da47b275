-- What each user has seen: when the user last opened the "Sent" page (the menu counts the
-- outgoing handoffs answered since then). A user without a row counts from the account's creation.
CREATE TABLE user_marks (
    user_id      BIGINT    PRIMARY KEY REFERENCES users (id),
    sent_seen_at TIMESTAMP NULL
);
-- The menu's count of answered outgoing handoffs looks only at the sender's recently changed rows.
CREATE INDEX handoffs_from_updated_idx ON handoffs (from_agency_id, updated_at);
