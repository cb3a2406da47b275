//! Rujukan's integration tests: one binary, each database or HTTP test on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod helpers;

mod access;
mod account_journey;
mod administration;
mod audit;
mod auth;
mod browser;
mod budget;
mod cases;
mod casework;
mod casework_journey;
mod cli;
mod deadlines;
mod demo_seed;
mod errors;
mod followup;
mod handoffs;
mod holding;
mod hygiene;
mod keys;
mod letter;
mod migrations;
mod ops;
mod pages;
mod probe;
mod receiver_journey;
mod receiving;
mod scale;
mod search;
mod stats;
mod storage;
mod timeline;
mod trafficking;
mod words;
