//! Property tests for `suppress::protect`, checked by an independent
//! auditor that uses only the public API and shares no code (and no method)
//! with the flow-based audit inside the module.
//!
//! The auditor is an exhaustive integer search: for every suppressed figure
//! it looks for a whole table that agrees with every shown figure, satisfies
//! every row/column/total equation, gives every suppressed figure an integer
//! value `>= 1` (zeros are always shown, so an observer knows that), and
//! gives this figure a value different from the true one. The true table is
//! one consistent table, so finding a second one proves the figure takes at
//! least two values. Values are capped by the shown grand total (every figure
//! is at most the grand total) or, when the grand total is hidden, by
//! `true grand total + threshold`; a cap can only make the auditor stricter,
//! because every table it finds is a genuine consistent table. Requiring
//! `>= 1` rather than `>= 0` also only makes it stricter. When
//! `small_values_masked` is set, it also looks for a consistent table in which
//! each primary-suppressed figure is `>= threshold`.
//!
//! Sizes: the main property uses 1..=4 x 1..=4 tables and thresholds 2..=6
//! (256 cases, `PROPTEST_CASES` overrides); a second one uses up to 7 x 7 and
//! thresholds up to 10 (64 cases). Both run in well under a second in debug.

use super::suppress::{Error, Protected, Shown, Table, protect};
use proptest::prelude::*;

/// The table extended with its margins, `(rows + 1) x (cols + 1)` row-major
/// (last column: row totals, last row: column totals, last entry: grand total),
/// computed here independently of the module.
fn extend(t: &Table) -> Vec<u64> {
    let w = t.cols + 1;
    let mut ext = vec![0u64; (t.rows + 1) * w];
    for i in 0..t.rows {
        for j in 0..t.cols {
            let v = t.cells[i * t.cols + j];
            ext[i * w + j] = v;
            ext[i * w + t.cols] += v;
            ext[t.rows * w + j] += v;
            ext[t.rows * w + t.cols] += v;
        }
    }
    ext
}

/// The published figures in the same extended order.
fn published(p: &Protected, rows: usize, cols: usize) -> Vec<Shown> {
    let mut out = Vec::with_capacity((rows + 1) * (cols + 1));
    for i in 0..rows {
        out.extend_from_slice(&p.cells[i * cols..(i + 1) * cols]);
        out.push(p.row_totals[i]);
    }
    out.extend_from_slice(&p.col_totals);
    out.push(p.grand_total);
    out
}

/// The additive structure of the extended table as (parts, total) lines:
/// every row (including the row of column totals) and every column
/// (including the column of row totals).
fn equations(rows: usize, cols: usize) -> Vec<(Vec<usize>, usize)> {
    let w = cols + 1;
    let mut lines = Vec::new();
    for i in 0..=rows {
        lines.push(((0..cols).map(|j| i * w + j).collect(), i * w + cols));
    }
    for j in 0..=cols {
        lines.push(((0..rows).map(|i| i * w + j).collect(), rows * w + j));
    }
    lines
}

#[derive(Debug)]
struct Inconclusive;

/// Exhaustive search (branch and prune) for an integer table consistent with
/// the published figures. Every figure has a domain `lo..=hi`: shown figures
/// are fixed, suppressed ones start at `1..=cap`. Domains are narrowed by
/// interval reasoning on each line (a total lies between the sums of its
/// parts' bounds; a part between the total's bounds minus the other parts'
/// bounds), which never removes a solution; the search then splits a domain
/// and recurses. A branch where every domain is a single value that survives
/// the narrowing is a consistent table, so a `true` answer is always backed
/// by an explicit table, and `false` means the whole space was covered.
struct Search<'a> {
    lines: Vec<(Vec<usize>, usize)>,
    /// Splitting order hint (the true table); does not restrict the search.
    hint: &'a [u64],
    budget: u64,
}

impl Search<'_> {
    /// Narrows `dom` to a fixpoint; `false` when some domain became empty.
    fn narrow(&self, dom: &mut [(u64, u64)]) -> bool {
        loop {
            let mut changed = false;
            for (parts, total) in &self.lines {
                let lo_sum: u64 = parts.iter().map(|&q| dom[q].0).sum();
                let hi_sum: u64 = parts.iter().map(|&q| dom[q].1).fold(0, u64::saturating_add);
                let (tlo, thi) = dom[*total];
                let (nlo, nhi) = (tlo.max(lo_sum), thi.min(hi_sum));
                if nlo > nhi {
                    return false;
                }
                if (nlo, nhi) != (tlo, thi) {
                    dom[*total] = (nlo, nhi);
                    changed = true;
                }
                let (tlo, thi) = dom[*total];
                for &q in parts {
                    let (qlo, qhi) = dom[q];
                    let others_lo = lo_sum - qlo;
                    let others_hi = hi_sum.saturating_sub(qhi);
                    // q = total - others, with others in others_lo..=others_hi
                    // (others_hi is only a valid bound if it did not saturate).
                    let plo = if hi_sum == u64::MAX {
                        qlo
                    } else {
                        qlo.max(tlo.saturating_sub(others_hi))
                    };
                    let phi = qhi.min(thi.saturating_sub(others_lo));
                    if thi < others_lo || plo > phi {
                        return false;
                    }
                    if (plo, phi) != (qlo, qhi) {
                        dom[q] = (plo, phi);
                        changed = true;
                    }
                }
            }
            if !changed {
                return true;
            }
        }
    }

    fn solve(&mut self, mut dom: Vec<(u64, u64)>) -> Result<bool, Inconclusive> {
        if self.budget == 0 {
            return Err(Inconclusive);
        }
        self.budget -= 1;
        if !self.narrow(&mut dom) {
            return Ok(false);
        }
        // Split the smallest open domain: first its hinted value, then the
        // values below, then the values above.
        let open = (0..dom.len())
            .filter(|&q| dom[q].0 < dom[q].1)
            .min_by_key(|&q| (dom[q].1 - dom[q].0, q));
        let Some(q) = open else {
            return Ok(true); // every figure fixed and all lines add up
        };
        let (lo, hi) = dom[q];
        let h = self.hint[q].clamp(lo, hi);
        let mut parts = vec![(h, h)];
        if lo < h {
            parts.push((lo, h - 1));
        }
        if h < hi {
            parts.push((h + 1, hi));
        }
        for range in parts {
            let mut sub = dom.clone();
            sub[q] = range;
            if self.solve(sub)? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// Is there a consistent table (shown figures as published, every other
/// figure an integer in `1..=cap`) whose figure `target` lies in `range` and
/// differs from `avoid`? `Err` when the node budget ran out.
fn exists(
    rows: usize,
    cols: usize,
    known: &[Option<u64>],
    cap: u64,
    target: (usize, u64, u64),
    avoid: Option<u64>,
    hint: &[u64],
) -> Result<bool, Inconclusive> {
    let (k, lo, hi) = target;
    let mut dom: Vec<(u64, u64)> = known
        .iter()
        .map(|s| s.map_or((1, cap), |v| (v, v)))
        .collect();
    dom[k] = (dom[k].0.max(lo), dom[k].1.min(hi));
    let mut search = Search {
        lines: equations(rows, cols),
        hint,
        budget: 1_000_000,
    };
    // Excluding one value splits the target's domain in two.
    let pieces = match avoid {
        Some(a) => vec![(dom[k].0, a.saturating_sub(1)), (a + 1, dom[k].1)],
        None => vec![dom[k]],
    };
    for (plo, phi) in pieces {
        if plo <= phi {
            let mut sub = dom.clone();
            sub[k] = (plo, phi);
            if search.solve(sub)? {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Independent audit of a published table. Returns a description of the
/// first problem found.
fn audit(t: &Table, threshold: u64, p: &Protected) -> Result<(), String> {
    let truth = extend(t);
    let figs = published(p, t.rows, t.cols);
    let known: Vec<Option<u64>> = figs.iter().map(|s| s.value()).collect();
    audit_known(
        t.rows,
        t.cols,
        &truth,
        &known,
        threshold,
        p.small_values_masked,
    )?;
    for (k, (s, &v)) in figs.iter().zip(&truth).enumerate() {
        if let Shown::Suppressed { primary } = s
            && *primary != (v >= 1 && v < threshold)
        {
            return Err(format!("figure {k} ({v}) has wrong primary flag"));
        }
    }
    Ok(())
}

/// The checks on a pattern of known figures (also used on hand-made
/// patterns to show the checker is not vacuous).
fn audit_known(
    rows: usize,
    cols: usize,
    truth: &[u64],
    known: &[Option<u64>],
    threshold: u64,
    masked: bool,
) -> Result<(), String> {
    let grand = truth[truth.len() - 1];
    // Every figure is at most the grand total, so a shown grand total bounds
    // the search; otherwise any cap is sound (a found table is a real one).
    let cap = known[known.len() - 1].unwrap_or(grand + threshold);
    for (k, (&shown, &v)) in known.iter().zip(truth).enumerate() {
        match shown {
            Some(s) if s != v => return Err(format!("figure {k} shown as {s}, is {v}")),
            Some(_) if v >= 1 && v < threshold => {
                return Err(format!("small figure {k} ({v}) is shown"));
            }
            Some(_) => {}
            None if v == 0 => return Err(format!("zero figure {k} is suppressed")),
            None => {
                let other = exists(rows, cols, known, cap, (k, 1, cap), Some(v), truth)
                    .map_err(|_| format!("search budget exhausted for figure {k}"))?;
                if !other {
                    return Err(format!("suppressed figure {k} ({v}) is derivable"));
                }
                if masked && v < threshold {
                    let big = exists(rows, cols, known, cap, (k, threshold, cap), None, truth)
                        .map_err(|_| format!("search budget exhausted for figure {k}"))?;
                    if !big {
                        return Err(format!("primary figure {k} ({v}) is provably small"));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Tables of `1..=max_rows` x `1..=max_cols` cells, mostly in `0..=12` so
/// that small cells and zeros are common.
fn table_strategy(max_rows: usize, max_cols: usize) -> impl Strategy<Value = Table> {
    (1..=max_rows, 1..=max_cols).prop_flat_map(|(rows, cols)| {
        let value = prop_oneof![8 => 0u64..=12, 1 => 13u64..=40];
        proptest::collection::vec(value, rows * cols).prop_map(move |cells| Table {
            rows,
            cols,
            cells,
        })
    })
}

/// Protects `t` and audits the result independently.
fn check(t: &Table, threshold: u64) -> Result<(), TestCaseError> {
    let result = protect(t, threshold);
    prop_assert_eq!(&result, &protect(t, threshold), "not deterministic");
    match result {
        Ok(p) => {
            if let Err(problem) = audit(t, threshold, &p) {
                return Err(TestCaseError::fail(format!("{problem}: {p:?}")));
            }
        }
        Err(Error::AllSuppressed) => {
            // Only possible if there was something to hide.
            prop_assert!(extend(t).iter().any(|&v| v >= 1 && v < threshold));
        }
        Err(e) => return Err(TestCaseError::fail(format!("unexpected error {e}"))),
    }
    Ok(())
}

// 256 cases by default (proptest's default); set PROPTEST_CASES for more.
proptest! {
    #[test]
    fn no_suppressed_figure_is_derivable(t in table_strategy(4, 4), threshold in 2u64..=6) {
        check(&t, threshold)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Bigger tables and thresholds (fixed 64 cases).
    #[test]
    fn larger_tables_are_protected(t in table_strategy(7, 7), threshold in 2u64..=10) {
        check(&t, threshold)?;
    }
}

#[test]
fn checker_catches_the_naive_two_per_line_pattern() {
    // 2x2 block of 1s hidden, everything else shown: two per line, yet pinned.
    let t = Table {
        rows: 3,
        cols: 3,
        cells: vec![1, 1, 8, 1, 1, 9, 6, 7, 10],
    };
    let truth = extend(&t);
    let w = 4;
    let mut known: Vec<Option<u64>> = truth.iter().map(|&v| Some(v)).collect();
    for (i, j) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
        known[i * w + j] = None;
    }
    let err = audit_known(3, 3, &truth, &known, 2, false).unwrap_err();
    assert!(err.contains("derivable"), "{err}");
    // And two hidden cells summing to 3 with bound >= 1 are not pinned...
    let t = Table::one_dimensional(vec![1, 2, 9]);
    let truth = extend(&t);
    let mut known: Vec<Option<u64>> = truth.iter().map(|&v| Some(v)).collect();
    for k in [0, 1, 4, 5] {
        known[k] = None; // cells 0, 1 and their column totals
    }
    assert!(audit_known(1, 3, &truth, &known, 2, false).is_ok());
    // ...but a primary 1 among them is provably small (max 2 < threshold 3).
    let err = audit_known(1, 3, &truth, &known, 3, true).unwrap_err();
    assert!(err.contains("provably small"), "{err}");
}

#[test]
fn concrete_cases_pass_the_independent_audit() {
    let cases = [
        (Table::one_dimensional(vec![1, 5, 7]), 3),
        (
            Table {
                rows: 3,
                cols: 3,
                cells: vec![1, 1, 8, 1, 1, 9, 6, 7, 10],
            },
            2,
        ),
        (
            Table {
                rows: 2,
                cols: 2,
                cells: vec![1, 1, 5, 6],
            },
            3,
        ),
        (
            Table {
                rows: 2,
                cols: 3,
                cells: vec![1, 0, 0, 9, 8, 7],
            },
            3,
        ),
        (Table::one_dimensional(vec![1, 2]), 3),
        (
            Table {
                rows: 4,
                cols: 1,
                cells: vec![3, 0, 12, 1],
            },
            4,
        ),
    ];
    for (t, threshold) in cases {
        let p = protect(&t, threshold).unwrap();
        audit(&t, threshold, &p).unwrap();
    }
}
