//! Statistics for evidence-based policy with survivors' privacy kept (docs/STATISTICS.md). Pure:
//! the catalogue of indicators and their dimensions ([`catalog`]), what each case and handoff
//! contributes to the counts ([`facts`]), and disclosure control on the tables that leave
//! ([`suppress`]). The counts are kept in `stats_rollup` by `services::stats` in the same
//! transaction as the change that moves them.

pub mod catalog;
pub mod facts;
pub mod suppress;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod suppress_props;
