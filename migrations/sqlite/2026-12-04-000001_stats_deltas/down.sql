DROP TABLE stats_deltas;
