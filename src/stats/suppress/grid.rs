//! The table extended with its margins, seen as a circulation graph: one arc per figure between
//! a row node and a column node (see the module documentation of [`super`]).

use super::{Error, Protected, Shown, Table};

/// Audit state of one figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Shown,
    Primary,
    Secondary,
}

/// The table extended with its margins: `(rows + 1) x (cols + 1)` figures,
/// row-major, where column `cols` holds the row totals, row `rows` the column
/// totals and the last figure the grand total.
pub(super) struct Grid {
    rows: usize,
    cols: usize,
    pub(super) values: Vec<u64>,
    /// `(tail, head)` node of every figure, see [`Grid::arc`].
    ends: Vec<(usize, usize)>,
}

impl Grid {
    pub(super) fn new(table: &Table) -> Result<Self, Error> {
        let (rows, cols) = (table.rows, table.cols);
        if rows == 0 || cols == 0 {
            return Err(Error::Empty);
        }
        let expected = rows.checked_mul(cols).ok_or(Error::Overflow)?;
        if table.cells.len() != expected {
            return Err(Error::ShapeMismatch {
                expected,
                actual: table.cells.len(),
            });
        }
        let width = cols + 1;
        let len = (rows + 1).checked_mul(width).ok_or(Error::Overflow)?;
        let mut values = vec![0u64; len];
        for i in 0..rows {
            for j in 0..cols {
                let v = table.cells[i * cols + j];
                values[i * width + j] = v;
                let row_total = &mut values[i * width + cols];
                *row_total = row_total.checked_add(v).ok_or(Error::Overflow)?;
                let col_total = &mut values[rows * width + j];
                *col_total = col_total.checked_add(v).ok_or(Error::Overflow)?;
                let grand = &mut values[rows * width + cols];
                *grand = grand.checked_add(v).ok_or(Error::Overflow)?;
            }
        }
        let ends = (0..len).map(|e| Self::arc(rows, cols, e)).collect();
        Ok(Self {
            rows,
            cols,
            values,
            ends,
        })
    }

    fn width(&self) -> usize {
        self.cols + 1
    }

    pub(super) fn node_count(&self) -> usize {
        self.rows + self.cols + 2
    }

    /// Tail and head node of figure `e` in the circulation graph. Row nodes
    /// are `0..=rows` (the last one is `R_total`), column nodes follow.
    fn arc(rows: usize, cols: usize, e: usize) -> (usize, usize) {
        let w = cols + 1;
        let (i, j) = (e / w, e % w);
        let row = i;
        let col = rows + 1 + j;
        if (i < rows) == (j < cols) {
            // Inner cell (R_i -> C_j) or grand total (R_total -> C_total).
            (row, col)
        } else {
            // Row total (C_total -> R_i) or column total (C_j -> R_total).
            (col, row)
        }
    }

    /// Tail and head node of figure `e` (precomputed [`Grid::arc`]).
    pub(super) fn ends(&self, e: usize) -> (usize, usize) {
        self.ends[e]
    }

    /// The other end of figure `e` seen from node `from`.
    pub(super) fn other_end(&self, e: usize, from: usize) -> usize {
        let (tail, head) = self.ends(e);
        if from == tail { head } else { tail }
    }

    /// Figures incident to `node`: its whole row or column of the grid.
    pub(super) fn incident(&self, node: usize) -> impl Iterator<Item = usize> + use<> {
        let w = self.width();
        let (start, step, count) = if node <= self.rows {
            (node * w, 1, w)
        } else {
            (node - self.rows - 1, w, self.rows + 1)
        };
        (0..count).map(move |t| start + t * step)
    }

    /// True when something is suppressed and no non-zero figure is shown.
    pub(super) fn all_nonzero_hidden(&self, status: &[Status]) -> bool {
        let mut any_hidden = false;
        for (s, &v) in status.iter().zip(&self.values) {
            match s {
                Status::Shown if v > 0 => return false,
                Status::Shown => {}
                Status::Primary | Status::Secondary => any_hidden = true,
            }
        }
        any_hidden
    }

    pub(super) fn publish(&self, status: &[Status], small_values_masked: bool) -> Protected {
        let w = self.width();
        let shown = |e: usize| match status[e] {
            Status::Shown => Shown::Value(self.values[e]),
            Status::Primary => Shown::Suppressed { primary: true },
            Status::Secondary => Shown::Suppressed { primary: false },
        };
        Protected {
            cells: (0..self.rows)
                .flat_map(|i| (0..self.cols).map(move |j| i * w + j))
                .map(shown)
                .collect(),
            row_totals: (0..self.rows).map(|i| shown(i * w + self.cols)).collect(),
            col_totals: (0..self.cols).map(|j| shown(self.rows * w + j)).collect(),
            grand_total: shown(self.rows * w + self.cols),
            small_values_masked,
        }
    }
}
