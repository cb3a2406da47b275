-- The receiving agency's side of a handoff.
-- Documents of the case the sender attached to a handoff: its receiver reads exactly these.
CREATE TABLE handoff_documents (
    handoff_id  BIGINT NOT NULL REFERENCES handoffs (id),
    document_id BIGINT NOT NULL REFERENCES documents (id),
    PRIMARY KEY (handoff_id, document_id)
);
CREATE INDEX handoff_documents_document_idx ON handoff_documents (document_id);
-- The one-time token of each send form: a second submit of the same form (a double click, the back
-- button) finds the handoff the first one created instead of sending again.
CREATE TABLE handoff_submissions (
    token      TEXT   PRIMARY KEY,
    handoff_id BIGINT NOT NULL REFERENCES handoffs (id)
);
