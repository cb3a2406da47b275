DROP TABLE system_meta;
