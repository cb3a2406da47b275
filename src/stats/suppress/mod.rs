//! Statistical disclosure control for count tables: primary and secondary
//! cell suppression.
//!
//! # Threat model
//!
//! Rujukan publishes counts of gender-based violence cases broken down by one
//! or two categories (for example district x type of violence). A count of 1
//! or 2 can point at a single survivor, so no published figure may reveal a
//! small non-zero count. The observer we defend against:
//!
//! * sees every figure this module marks as shown: inner cells, row totals,
//!   column totals and the grand total;
//! * knows the additive structure of the table: each row's cells add up to
//!   its row total, each column's cells to its column total, and the row
//!   totals as well as the column totals add up to the grand total;
//! * knows that every figure is a non-negative integer and, because zeros are
//!   always shown, that every suppressed figure is an integer `>= 1`;
//! * has unlimited computing power.
//!
//! A suppressed figure is *derivable* when it has the same value in every
//! integer table consistent with that knowledge. After [`protect`] no
//! suppressed figure is derivable. In addition (see "Masking small values"
//! below) every primary-suppressed figure normally has a consistent table in
//! which it is `>= threshold`, so the observer cannot even tell that it is
//! small.
//!
//! Publish suppressed figures uniformly (for example as a dash): never reveal
//! whether a suppressed figure is primary or secondary, since "primary" means
//! "small".
//!
//! Out of scope: combining several different tables or requests (differencing
//! two breakdowns that share a margin, the same breakdown with and without a
//! filter, or two points in time), and observers who know individual cases
//! (for example a survivor's relative who knows one case of the cell). The
//! caller must make sure that requests cannot be combined that way, e.g. by
//! publishing only a fixed set of breakdowns or by protecting their common
//! margins consistently.
//!
//! # Algorithm
//!
//! 1. **Primary suppression.** Every figure (inner cell, row total, column
//!    total or grand total) with `1 <= value < threshold` is suppressed.
//!    Zeros are always shown: a zero identifies nobody.
//! 2. **Secondary suppression** with an exact audit. The table with its
//!    margins is a *circulation* on a small directed graph: there is a node
//!    `R_i` per row (plus `R_total` for the row of column totals) and a node
//!    `C_j` per column (plus `C_total` for the column of row totals); every
//!    figure is an arc: inner cell `(i, j)`: `R_i -> C_j`, row total `i`:
//!    `C_total -> R_i`, column total `j`: `C_j -> R_total`, grand total:
//!    `R_total -> C_total`. The additive structure says exactly that flow is
//!    conserved at every node. (Equivalently, the constraint matrix is the
//!    incidence matrix of a directed graph and therefore totally unimodular.)
//!    The observer's feasible set is the set of integer circulations that
//!    agree with the shown arcs and put at least 1 on every suppressed arc.
//!
//!    The true table `x` is one such circulation. By the standard flow
//!    decomposition argument, any other feasible circulation `y` differs from
//!    `x` by a sum of cycles of the *residual graph* of `x` (each suppressed
//!    arc can always carry more, and can carry less by up to `x_e - 1`; shown
//!    arcs cannot change). Conversely, pushing one unit around a residual
//!    cycle gives another feasible integer table. Hence a suppressed figure
//!    `e = (u -> v)` is derivable if and only if the residual graph without
//!    `e` has no path `v -> u` (to increase it) and, when `x_e > 1`, no path
//!    `u -> v` (to decrease it). The largest value it can take is `x_e` plus
//!    the maximum `v -> u` flow in that residual graph. These are exact
//!    integer statements; no floating point LP is involved, and the bounds
//!    coincide with the LP bounds of the (totally unimodular) system.
//!
//!    Suppressed figures are audited one after another. When a figure fails
//!    its audit, the cheapest path that would give it a residual cycle is
//!    computed (Dijkstra; a shown figure costs its value, so small non-zero
//!    figures are preferred; zeros are never used) and every shown figure on
//!    that path is suppressed and queued for its own audit. Suppressing more
//!    figures only enlarges the observer's feasible set (the new unknowns may
//!    keep their true values, which are `>= 1`), so a figure that passed its
//!    audit keeps passing and needs no re-audit. Every repair suppresses at
//!    least one more figure, so the loop ends after at most one audit per
//!    figure plus at most one repair per figure (an explicit bound guards
//!    this; if it were ever hit, everything is suppressed, which is safe).
//! 3. **Masking small values.** For primary-suppressed figures the audit asks
//!    for more than non-derivability: the feasible maximum must reach
//!    `threshold` (a `v -> u` max-flow of `threshold - value` units; while it
//!    falls short, the cheapest augmenting path through shown figures is
//!    suppressed, as above). If that stronger protection would leave no non-zero figure
//!    shown, [`protect`] falls back to the exactness-only protection and
//!    reports it in [`Protected::small_values_masked`].
//! 4. If even exactness-only protection leaves no non-zero figure shown,
//!    [`protect`] returns [`Error::AllSuppressed`].
//!
//! The result is deterministic: every loop runs in a fixed index order.
//! The work is roughly `O(S * F * threshold)` for `S` suppressed figures and
//! `F = (rows + 1) * (cols + 1)` figures. In release mode a 40 x 40 table
//! with 30% small cells takes about 5 ms, but 100 x 100 already about 200 ms:
//! callers serving HTTP requests should cap the table size.
//!
//! # Shape conventions
//!
//! A one-dimensional breakdown is a `1 x n` table. Its single row total is the
//! grand total and its column totals are the cells themselves. All four
//! groups are still reported, always with identical values and identical
//! suppression status, so a caller may simply display `cells` and
//! `grand_total`. The same holds for `n x 1` tables with rows and columns
//! swapped.
//!
//! # Code
//!
//! `grid` holds the table with its margins as the circulation graph, `solver` the audits and
//! repairs; this module the public types and [`protect`].

mod grid;
mod solver;

use std::fmt;

use grid::Grid;
use solver::Solver;

/// A count table of `rows x cols` inner cells, stored row-major. Margins are
/// computed by [`protect`]; a one-dimensional breakdown is `1 x n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Number of rows (at least 1).
    pub rows: usize,
    /// Number of columns (at least 1).
    pub cols: usize,
    /// `rows * cols` counts, row-major: cell `(i, j)` is `cells[i * cols + j]`.
    pub cells: Vec<u64>,
}

impl Table {
    /// A one-dimensional breakdown: a `1 x n` table.
    #[must_use]
    pub fn one_dimensional(cells: Vec<u64>) -> Self {
        Self {
            rows: 1,
            cols: cells.len(),
            cells,
        }
    }
}

/// What may be published of one figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shown {
    /// The figure may be published as is (zeros are always shown).
    Value(u64),
    /// The figure must be hidden.
    ///
    /// `primary` is true when the figure itself is below the threshold and
    /// false when it was hidden only to protect other figures. It is meant
    /// for internal logs and tests: **never publish it**, because telling
    /// which hidden figures are primary reveals that they are small.
    Suppressed {
        /// True for primary (small value) suppression.
        primary: bool,
    },
}

impl Shown {
    /// The publishable value, or `None` when suppressed.
    #[must_use]
    pub fn value(self) -> Option<u64> {
        match self {
            Self::Value(v) => Some(v),
            Self::Suppressed { .. } => None,
        }
    }

    /// True when the figure must be hidden.
    #[must_use]
    pub fn is_suppressed(self) -> bool {
        matches!(self, Self::Suppressed { .. })
    }
}

/// The protected version of a [`Table`]: for every figure, what may be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protected {
    /// `rows * cols` inner cells, row-major like [`Table::cells`].
    pub cells: Vec<Shown>,
    /// One per row. For a `1 x n` table the single entry is the grand total.
    pub row_totals: Vec<Shown>,
    /// One per column. For a `1 x n` table these are the cells themselves.
    pub col_totals: Vec<Shown>,
    /// The sum of all cells.
    pub grand_total: Shown,
    /// True when every primary-suppressed figure could, as far as the shown
    /// figures tell, be at least `threshold` (nobody can tell it is small).
    /// False when that stronger protection would have hidden every non-zero
    /// figure and the exactness-only protection was used instead: every
    /// suppressed figure still has at least two possible values, but an
    /// observer may learn that some hidden figure is below the threshold.
    pub small_values_masked: bool,
}

/// Why a table could not be protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The threshold must be at least 1.
    ZeroThreshold,
    /// The table has no rows or no columns.
    Empty,
    /// `cells.len()` differs from `rows * cols`.
    ShapeMismatch {
        /// `rows * cols`.
        expected: usize,
        /// `cells.len()`.
        actual: usize,
    },
    /// A margin does not fit in a `u64` (or `rows * cols` overflows).
    Overflow,
    /// Protecting the table would hide every non-zero figure: there is
    /// nothing useful left to show (HTTP 422 "this breakdown would show only
    /// suppressed cells").
    AllSuppressed,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroThreshold => write!(f, "suppression threshold must be at least 1"),
            Self::Empty => write!(f, "table has no rows or no columns"),
            Self::ShapeMismatch { expected, actual } => write!(
                f,
                "table shape needs {expected} cells but {actual} were given"
            ),
            Self::Overflow => write!(f, "table totals overflow"),
            Self::AllSuppressed => write!(f, "this breakdown would show only suppressed cells"),
        }
    }
}

impl std::error::Error for Error {}

/// Protects `table` against disclosure of counts below `threshold`.
///
/// Every figure with `1 <= value < threshold` is suppressed (primary), and
/// further figures are suppressed (secondary) until no suppressed figure can
/// be derived exactly from the shown ones; see the module documentation for
/// the guarantees. `threshold == 1` suppresses nothing.
///
/// # Errors
///
/// [`Error::ZeroThreshold`], [`Error::Empty`], [`Error::ShapeMismatch`] and
/// [`Error::Overflow`] for invalid input; [`Error::AllSuppressed`] when no
/// non-zero figure could be shown.
pub fn protect(table: &Table, threshold: u64) -> Result<Protected, Error> {
    if threshold == 0 {
        return Err(Error::ZeroThreshold);
    }
    let grid = Grid::new(table)?;
    let mut small_values_masked = true;
    let mut status = Solver::new(&grid, threshold).run(true);
    if grid.all_nonzero_hidden(&status) {
        small_values_masked = false;
        status = Solver::new(&grid, threshold).run(false);
        if grid.all_nonzero_hidden(&status) {
            return Err(Error::AllSuppressed);
        }
    }
    Ok(grid.publish(&status, small_values_masked))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const S: Shown = Shown::Suppressed { primary: false };
    const P: Shown = Shown::Suppressed { primary: true };

    fn table(rows: usize, cols: usize, cells: &[u64]) -> Table {
        Table {
            rows,
            cols,
            cells: cells.to_vec(),
        }
    }

    #[test]
    fn one_dimensional_small_cell_needs_a_second_suppression() {
        // Total 13 shown: hiding only the 1 would give it away as 13 - 5 - 7.
        let p = protect(&Table::one_dimensional(vec![1, 5, 7]), 3).unwrap();
        assert_eq!(p.cells, vec![P, S, Shown::Value(7)]);
        assert_eq!(p.grand_total, Shown::Value(13));
        assert_eq!(p.row_totals, vec![Shown::Value(13)]);
        // Column totals of a 1 x n table are the cells themselves.
        assert_eq!(p.col_totals, p.cells);
        // 1 + 5 = 6 with both >= 1: the 1 could be anything up to 5.
        assert!(p.small_values_masked);
    }

    #[test]
    fn two_by_two_block_of_ones_is_not_enough() {
        // The four 1s alone satisfy "two suppressions per line" but are
        // pinned by the margins (each line's two hidden cells sum to 2).
        let t = table(3, 3, &[1, 1, 8, 1, 1, 9, 6, 7, 10]);
        let p = protect(&t, 2).unwrap();
        for idx in [0, 1, 3, 4] {
            assert_eq!(p.cells[idx], P);
        }
        let hidden = p.cells.iter().filter(|s| s.is_suppressed()).count();
        assert!(hidden > 4, "needs secondary suppression: {p:?}");
        assert_eq!(p.grand_total, Shown::Value(44));
    }

    #[test]
    fn small_row_total_is_suppressed_and_protected() {
        let t = table(2, 2, &[1, 1, 5, 6]);
        let p = protect(&t, 3).unwrap();
        assert_eq!(p.row_totals[0], P); // 2 < 3
        assert_eq!(p.cells[0], P);
        assert_eq!(p.cells[1], P);
        // The grand total (13) is shown, so row total 1 must be hidden too.
        assert!(p.row_totals[1].is_suppressed());
        assert_eq!(p.grand_total, Shown::Value(13));
    }

    #[test]
    fn threshold_one_shows_everything() {
        let t = table(2, 2, &[1, 0, 2, 3]);
        let p = protect(&t, 1).unwrap();
        assert_eq!(
            p.cells,
            vec![
                Shown::Value(1),
                Shown::Value(0),
                Shown::Value(2),
                Shown::Value(3)
            ]
        );
        assert_eq!(p.row_totals, vec![Shown::Value(1), Shown::Value(5)]);
        assert_eq!(p.col_totals, vec![Shown::Value(3), Shown::Value(3)]);
        assert_eq!(p.grand_total, Shown::Value(6));
    }

    #[test]
    fn zeros_are_shown_and_never_used_for_protection() {
        // The 1 sits in a row of zeros: the only way to protect it is through
        // non-zero figures, never the zeros.
        let t = table(2, 3, &[1, 0, 0, 9, 8, 7]);
        let p = protect(&t, 3).unwrap();
        assert_eq!(p.cells[1], Shown::Value(0));
        assert_eq!(p.cells[2], Shown::Value(0));
        assert_eq!(p.cells[0], P);
        assert_eq!(p.row_totals[0], P);
        let all_zero = protect(&table(2, 2, &[0, 0, 0, 0]), 5).unwrap();
        assert!(all_zero.cells.iter().all(|s| *s == Shown::Value(0)));
        assert_eq!(all_zero.grand_total, Shown::Value(0));
    }

    #[test]
    fn all_small_table_is_rejected() {
        let t = table(2, 2, &[1, 1, 1, 1]);
        assert_eq!(protect(&t, 5), Err(Error::AllSuppressed));
        assert_eq!(
            protect(&Table::one_dimensional(vec![2]), 3),
            Err(Error::AllSuppressed)
        );
    }

    #[test]
    fn falls_back_to_exactness_when_masking_would_hide_everything() {
        // Total 3 is publishable, but both parts are below 3 whatever they are.
        let p = protect(&Table::one_dimensional(vec![1, 2]), 3).unwrap();
        assert!(!p.small_values_masked);
        assert_eq!(p.cells, vec![P, P]);
        assert_eq!(p.grand_total, Shown::Value(3));
    }

    #[test]
    fn bad_input_is_rejected() {
        assert_eq!(protect(&table(1, 2, &[5, 5]), 0), Err(Error::ZeroThreshold));
        assert_eq!(
            protect(&table(2, 2, &[1, 2, 3]), 3),
            Err(Error::ShapeMismatch {
                expected: 4,
                actual: 3
            })
        );
        assert_eq!(protect(&table(0, 3, &[]), 3), Err(Error::Empty));
        assert_eq!(
            protect(&table(1, 2, &[u64::MAX, 1]), 3),
            Err(Error::Overflow)
        );
    }

    #[test]
    fn large_table_is_deterministic() {
        let t = pseudo_random_table(40, 40, 7, 30);
        let a = protect(&t, 5).unwrap();
        let b = protect(&t, 5).unwrap();
        assert_eq!(a, b);
        for (s, &v) in a.cells.iter().zip(&t.cells) {
            match s {
                Shown::Value(shown) => assert_eq!(*shown, v),
                Shown::Suppressed { primary } => {
                    assert!(v > 0);
                    assert_eq!(*primary, v < 5);
                }
            }
        }
    }

    /// Pseudo-random table: `small_pct`% of cells in `1..threshold`, 10%
    /// zeros, the rest in `threshold..threshold + 60`.
    fn pseudo_random_table(rows: usize, cols: usize, seed: u64, small_pct: u64) -> Table {
        let threshold = 5;
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let cells = (0..rows * cols)
            .map(|_| {
                let roll = next() % 100;
                if roll < small_pct {
                    1 + next() % (threshold - 1)
                } else if roll < small_pct + 10 {
                    0
                } else {
                    threshold + next() % 60
                }
            })
            .collect();
        Table { rows, cols, cells }
    }
}
