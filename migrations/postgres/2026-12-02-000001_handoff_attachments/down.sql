DROP TABLE handoff_submissions;
DROP TABLE handoff_documents;
