//! Rujukan: case referral and coordination for SPPT-PKKTP, Indonesia's integrated criminal
//! justice system for violence against women. See `docs/ARCHITECTURE.md` for the layers.

pub mod agreements;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod deadlines;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod letter_pdf;
pub mod notify;
pub mod seed;
pub mod services;
pub mod startup;
pub mod stats;
pub mod telemetry;
pub mod web;
