//! Statistical disclosure control for the city's figures: counts of pupils under the
//! tenant's threshold are suppressed (primary suppression), and then more cells are
//! suppressed until no suppressed count can be worked out from the published ones
//! (complementary suppression).
//!
//! The figures are cells tied by sums (a school's pupils are the sum of its grades', a
//! grade's pupils the sum of its encounter counts, …). A suppressed count is never 0
//! (zeros are published, and never chosen to hide another cell), so what a reader knows
//! of each suppressed cell is that it is at least 1, and the sums. A suppressed cell
//! counts as worked out when either
//! - the sums determine it exactly by adding and subtracting: its unit vector lies in
//!   the row space of the sums restricted to the suppressed cells (the reduced row
//!   echelon form then holds exactly that row), or
//! - bounds pin it: propagating `x ≥ 1` through every sum (each cell at most what the
//!   sum leaves when every other is at its least, and so on, to a fixed point) leaves
//!   it one value.
//!
//! While a cell is worked out, the smallest non-zero published cell of a sum it takes
//! part in is suppressed too (the one that costs the least information). Each round
//! suppresses one more cell, so it ends. This is the audit a spreadsheet could run;
//! integer reasoning beyond bounds is not modelled.

/// A cell of the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cell {
    value: u64,
    hidden: bool,
}

/// The cells of one report and the sums that tie them.
#[derive(Debug, Clone, Default)]
pub struct Disclosure {
    cells: Vec<Cell>,
    /// `(total, parts)`: `cells[total] = Σ cells[parts]`.
    sums: Vec<(usize, Vec<usize>)>,
}

/// A cell, by its index in its [`Disclosure`].
pub type CellId = usize;

impl Disclosure {
    pub fn new() -> Self {
        Self::default()
    }

    /// A count of pupils: suppressed from 1 to `threshold - 1`.
    pub fn pupils(&mut self, value: u64, threshold: u32) -> CellId {
        let hidden = value > 0 && value < u64::from(threshold);
        self.cells.push(Cell { value, hidden });
        self.cells.len() - 1
    }

    /// `total` is published as the sum of `parts`.
    pub fn sum(&mut self, total: CellId, parts: Vec<CellId>) {
        self.sums.push((total, parts));
    }

    /// The cell's value, or `None` when suppressed.
    pub fn value(&self, cell: CellId) -> Option<u64> {
        self.cells.get(cell).filter(|c| !c.hidden).map(|c| c.value)
    }

    /// Whether the cell is suppressed.
    pub fn is_hidden(&self, cell: CellId) -> bool {
        self.cells.get(cell).is_some_and(|c| c.hidden)
    }

    /// Suppresses more cells until no suppressed one can be worked out from the
    /// published ones and the sums.
    pub fn protect(&mut self) {
        while let Some(exposed) = self.first_determined().or_else(|| self.first_pinned()) {
            let Some(next) = self.complement_for(exposed) else {
                return;
            };
            self.cells[next].hidden = true;
        }
    }

    /// A suppressed cell whose bounds, propagated from `x ≥ 1` through the sums, leave
    /// it one value.
    fn first_pinned(&self) -> Option<CellId> {
        // Each sum as `Σ coef·x = constant` over the suppressed cells.
        let equations: Vec<(Vec<(CellId, i128)>, i128)> = self
            .sums
            .iter()
            .map(|(total, parts)| {
                let mut terms = Vec::new();
                let mut constant = 0i128;
                for (cell, coef) in
                    std::iter::once((*total, 1i128)).chain(parts.iter().map(|p| (*p, -1i128)))
                {
                    let c = self.cells[cell];
                    if c.hidden {
                        terms.push((cell, coef));
                    } else {
                        constant -= coef * i128::from(c.value);
                    }
                }
                (terms, constant)
            })
            .filter(|(terms, _)| !terms.is_empty())
            .collect();
        const UNBOUNDED: i128 = i128::MAX / 4;
        let mut low: Vec<i128> = vec![1; self.cells.len()];
        let mut high: Vec<i128> = vec![UNBOUNDED; self.cells.len()];
        for _ in 0..64 {
            let mut moved = false;
            for (terms, constant) in &equations {
                for &(cell, coef) in terms {
                    // coef·x = constant − Σ others: its least and greatest value.
                    let (mut least, mut most) = (*constant, *constant);
                    for &(other, c) in terms.iter().filter(|(o, _)| *o != cell) {
                        let (lo, hi) = (low[other], high[other]);
                        if c > 0 {
                            least = least.saturating_sub(hi);
                            most = most.saturating_sub(lo);
                        } else {
                            least = least.saturating_add(lo);
                            most = most.saturating_add(hi);
                        }
                    }
                    let (lo, hi) = if coef > 0 {
                        (least, most)
                    } else {
                        (-most, -least)
                    };
                    if lo > low[cell] && lo < UNBOUNDED {
                        low[cell] = lo;
                        moved = true;
                    }
                    if hi < high[cell] && hi > -UNBOUNDED {
                        high[cell] = hi;
                        moved = true;
                    }
                }
            }
            if !moved {
                break;
            }
        }
        (0..self.cells.len()).find(|&c| self.cells[c].hidden && low[c] >= high[c])
    }

    /// The sums as equations over the suppressed cells (`total - Σ parts`), with
    /// the suppressed cells' column of each.
    fn system(&self) -> (Vec<CellId>, Vec<Vec<f64>>) {
        let hidden: Vec<CellId> = (0..self.cells.len())
            .filter(|&i| self.cells[i].hidden)
            .collect();
        let column = |cell: CellId| hidden.iter().position(|&h| h == cell);
        let rows = self
            .sums
            .iter()
            .filter_map(|(total, parts)| {
                let mut row = vec![0.0; hidden.len()];
                let mut any = false;
                for (cell, sign) in
                    std::iter::once((*total, 1.0)).chain(parts.iter().map(|p| (*p, -1.0)))
                {
                    if let Some(c) = column(cell) {
                        row[c] += sign;
                        any = true;
                    }
                }
                any.then_some(row)
            })
            .collect();
        (hidden, rows)
    }

    /// A suppressed cell the published figures determine, if any.
    fn first_determined(&self) -> Option<CellId> {
        let (hidden, mut rows) = self.system();
        let width = hidden.len();
        const EPS: f64 = 1e-9;
        // Reduced row echelon form.
        let mut pivot_row = 0;
        let mut pivots = Vec::new();
        for col in 0..width {
            let Some(best) = (pivot_row..rows.len())
                .filter(|&r| rows[r][col].abs() > EPS)
                .max_by(|&a, &b| rows[a][col].abs().total_cmp(&rows[b][col].abs()))
            else {
                continue;
            };
            rows.swap(pivot_row, best);
            let lead = rows[pivot_row][col];
            for x in &mut rows[pivot_row] {
                *x /= lead;
            }
            let pivot = rows[pivot_row].clone();
            for (r, row) in rows.iter_mut().enumerate() {
                if r != pivot_row && row[col].abs() > EPS {
                    let factor = row[col];
                    for (x, p) in row.iter_mut().zip(&pivot) {
                        *x -= factor * p;
                    }
                }
            }
            pivots.push((pivot_row, col));
            pivot_row += 1;
            if pivot_row == rows.len() {
                break;
            }
        }
        pivots.into_iter().find_map(|(r, col)| {
            let alone = rows[r]
                .iter()
                .enumerate()
                .all(|(c, x)| c == col || x.abs() <= EPS);
            alone.then(|| hidden[col])
        })
    }

    /// The published cell to suppress next so that `exposed` is no longer worked out:
    /// a non-zero published cell of a sum it takes part in — of a sum where it is the
    /// only suppressed cell first (the plain subtraction), then the one in the fewest
    /// sums (hiding it gives the least away elsewhere), then the smallest — else of
    /// any sum with a suppressed cell. `None` when no non-zero cell is left.
    fn complement_for(&self, exposed: CellId) -> Option<CellId> {
        let members = |(total, parts): &(CellId, Vec<CellId>)| {
            std::iter::once(*total)
                .chain(parts.iter().copied())
                .collect::<Vec<_>>()
        };
        let sums: Vec<Vec<CellId>> = self.sums.iter().map(members).collect();
        let memberships = |cell: CellId| sums.iter().filter(|s| s.contains(&cell)).count();
        let hidden_in = |sum: &[CellId]| sum.iter().filter(|&&c| self.cells[c].hidden).count();
        let candidates = |keep: &dyn Fn(&[CellId]) -> bool| {
            sums.iter()
                .filter(|sum| keep(sum))
                .flatten()
                .copied()
                .filter(|&c| !self.cells[c].hidden && self.cells[c].value > 0)
                .min_by_key(|&c| (memberships(c), self.cells[c].value, c))
        };
        candidates(&|sum| sum.contains(&exposed) && hidden_in(sum) == 1)
            .or_else(|| candidates(&|sum| sum.contains(&exposed)))
            .or_else(|| candidates(&|sum| hidden_in(sum) > 0))
    }
}

#[cfg(test)]
mod tests;
