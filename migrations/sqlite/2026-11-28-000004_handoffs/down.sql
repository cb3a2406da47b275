DROP TABLE handoffs;
DROP TABLE agreement_versions;
