//! The audits of suppressed figures and their repairs: residual paths and flows on the grid's
//! circulation graph (see the module documentation of [`super`]).

use std::collections::VecDeque;

use super::grid::{Grid, Status};

/// Residual capacity standing for "unbounded" (suppressed figures have no
/// upper bound known to the observer). Far above any flow ever pushed, which
/// is at most `u64::MAX`.
const INF: i128 = i128::MAX / 4;

/// Suppression state plus scratch buffers for the flow searches.
pub(super) struct Solver<'a> {
    grid: &'a Grid,
    threshold: u64,
    status: Vec<Status>,
    /// Net flow pushed along each figure (positive: tail to head) during the
    /// current audit, on top of the true table.
    flow: Vec<i128>,
    /// Suppressed figures waiting for their audit.
    work: VecDeque<usize>,
    /// BFS / Dijkstra scratch: (figure, previous node) used to reach a node.
    parent: Vec<(usize, usize)>,
    seen: Vec<bool>,
    frontier: VecDeque<usize>,
}

impl<'a> Solver<'a> {
    pub(super) fn new(grid: &'a Grid, threshold: u64) -> Self {
        let status: Vec<Status> = grid
            .values
            .iter()
            .map(|&v| {
                if v >= 1 && v < threshold {
                    Status::Primary
                } else {
                    Status::Shown
                }
            })
            .collect();
        let work = (0..status.len())
            .filter(|&e| status[e] == Status::Primary)
            .collect();
        let n = grid.node_count();
        Self {
            grid,
            threshold,
            flow: vec![0; status.len()],
            status,
            work,
            parent: vec![(0, 0); n],
            seen: vec![false; n],
            frontier: VecDeque::with_capacity(n),
        }
    }

    /// Audits every suppressed figure, suppressing more until all pass.
    /// `mask_small` asks for the feasible maximum of primary figures to
    /// reach the threshold.
    pub(super) fn run(mut self, mask_small: bool) -> Vec<Status> {
        while let Some(e) = self.work.pop_front() {
            self.secure(e, mask_small);
        }
        self.status
    }

    fn suppress(&mut self, e: usize) {
        if self.status[e] == Status::Shown && self.grid.values[e] > 0 {
            self.status[e] = Status::Secondary;
            self.work.push_back(e);
        }
    }

    /// Last-resort safe state: hide every non-zero figure. Only reachable if
    /// the invariants argued in the module documentation were broken; the
    /// result is then reported as [`super::Error::AllSuppressed`].
    fn suppress_everything(&mut self) {
        for (s, &v) in self.status.iter_mut().zip(&self.grid.values) {
            if *s == Status::Shown && v > 0 {
                *s = Status::Secondary;
            }
        }
        self.work.clear();
    }

    /// Makes suppressed figure `k` pass its audit, suppressing more figures
    /// when needed.
    fn secure(&mut self, k: usize, mask_small: bool) {
        let (u, v) = self.grid.ends(k);
        let x = self.grid.values[k];
        // Every repair suppresses at least one figure, so this bound is never
        // reached; it only guarantees termination.
        let max_repairs = self.status.len() + 1;
        if mask_small && self.status[k] == Status::Primary && x < self.threshold {
            // Need a v -> u flow of `threshold - x` units: then some
            // consistent table has this figure at `threshold` or more.
            let need = i128::from(self.threshold - x);
            self.flow.fill(0);
            let mut have = 0;
            for _ in 0..max_repairs {
                have = self.augment(k, v, u, need, have);
                if have >= need {
                    return;
                }
                match self.cheapest_path(k, v, u) {
                    Some((_, path)) if !path.is_empty() => {
                        for e in path {
                            self.suppress(e);
                        }
                    }
                    _ => break,
                }
            }
            self.suppress_everything();
            return;
        }
        for _ in 0..max_repairs {
            self.flow.fill(0);
            if self.augment(k, v, u, 1, 0) >= 1 {
                return; // can increase
            }
            if x > 1 && self.augment(k, u, v, 1, 0) >= 1 {
                return; // can decrease
            }
            let up = self.cheapest_path(k, v, u);
            let down = if x > 1 {
                self.cheapest_path(k, u, v)
            } else {
                None
            };
            let best = match (up, down) {
                (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
                (a, b) => a.or(b),
            };
            match best {
                Some((_, path)) if !path.is_empty() => {
                    for e in path {
                        self.suppress(e);
                    }
                }
                _ => break,
            }
        }
        self.suppress_everything();
    }

    /// Residual capacity of suppressed figure `e` when traversed from node
    /// `from`, given the current extra flow. Shown figures have none.
    fn residual(&self, e: usize, from: usize) -> i128 {
        if self.status[e] == Status::Shown {
            return 0;
        }
        let (tail, _) = self.grid.ends(e);
        if from == tail {
            INF - self.flow[e]
        } else {
            // The observer only knows the figure is >= 1.
            i128::from(self.grid.values[e]) - 1 + self.flow[e]
        }
    }

    /// Pushes flow from `src` to `dst` through suppressed figures other than
    /// `excluded` (Edmonds-Karp) until `need` units are reached or no
    /// augmenting path is left. Returns the total pushed, starting at `have`.
    fn augment(
        &mut self,
        excluded: usize,
        src: usize,
        dst: usize,
        need: i128,
        mut have: i128,
    ) -> i128 {
        while have < need {
            self.seen.fill(false);
            self.frontier.clear();
            self.seen[src] = true;
            self.frontier.push_back(src);
            while let Some(a) = self.frontier.pop_front() {
                if a == dst {
                    break;
                }
                for e in self.grid.incident(a) {
                    if e == excluded {
                        continue;
                    }
                    let b = self.grid.other_end(e, a);
                    if !self.seen[b] && self.residual(e, a) > 0 {
                        self.seen[b] = true;
                        self.parent[b] = (e, a);
                        self.frontier.push_back(b);
                    }
                }
            }
            if !self.seen[dst] {
                break;
            }
            let mut push = need - have;
            let mut node = dst;
            while node != src {
                let (e, prev) = self.parent[node];
                push = push.min(self.residual(e, prev));
                node = prev;
            }
            let mut node = dst;
            while node != src {
                let (e, prev) = self.parent[node];
                if prev == self.grid.ends(e).0 {
                    self.flow[e] += push;
                } else {
                    self.flow[e] -= push;
                }
                node = prev;
            }
            have += push;
        }
        have
    }

    /// Cheapest path from `src` to `dst` avoiding `excluded`, where residual
    /// arcs of suppressed figures are free and a shown non-zero figure costs
    /// its value (it can be traversed backwards only if it is at least 2).
    /// Returns the cost and the shown figures on the path.
    fn cheapest_path(
        &mut self,
        excluded: usize,
        src: usize,
        dst: usize,
    ) -> Option<(u128, Vec<usize>)> {
        let n = self.grid.node_count();
        let mut dist = vec![u128::MAX; n];
        self.seen.fill(false); // "settled"
        dist[src] = 0;
        loop {
            let mut next: Option<usize> = None;
            for a in 0..n {
                if !self.seen[a] && dist[a] != u128::MAX && next.is_none_or(|b| dist[a] < dist[b]) {
                    next = Some(a);
                }
            }
            let Some(a) = next else { break };
            if a == dst {
                break;
            }
            self.seen[a] = true;
            for e in self.grid.incident(a) {
                if e == excluded {
                    continue;
                }
                let b = self.grid.other_end(e, a);
                if self.seen[b] {
                    continue;
                }
                let cost = if self.status[e] == Status::Shown {
                    let value = self.grid.values[e];
                    let forward = a == self.grid.ends(e).0;
                    if value == 0 || (!forward && value < 2) {
                        continue;
                    }
                    u128::from(value)
                } else if self.residual(e, a) > 0 {
                    0
                } else {
                    continue;
                };
                let candidate = dist[a] + cost;
                if candidate < dist[b] {
                    dist[b] = candidate;
                    self.parent[b] = (e, a);
                }
            }
        }
        if dist[dst] == u128::MAX {
            return None;
        }
        let mut path = Vec::new();
        let mut node = dst;
        while node != src {
            let (e, prev) = self.parent[node];
            if self.status[e] == Status::Shown {
                path.push(e);
            }
            node = prev;
        }
        path.reverse();
        Some((dist[dst], path))
    }
}
