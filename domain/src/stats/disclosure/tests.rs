use proptest::prelude::*;

use super::*;

const THRESHOLD: u32 = 3;
const MAX: u64 = 5;

/// A table of `rows × cols` counts of pupils with its row, column and grand totals, as
/// a report publishes a breakdown: the ids of the interior cells (row-major), the row
/// totals, the column totals and the grand total.
fn table(values: &[Vec<u64>]) -> (Disclosure, Vec<CellId>, Vec<CellId>, Vec<CellId>, CellId) {
    let mut d = Disclosure::new();
    let cols = values[0].len();
    let cells: Vec<CellId> = values
        .iter()
        .flatten()
        .map(|&v| d.pupils(v, THRESHOLD))
        .collect();
    let row_totals: Vec<CellId> = values
        .iter()
        .map(|row| d.pupils(row.iter().sum(), THRESHOLD))
        .collect();
    let col_totals: Vec<CellId> = (0..cols)
        .map(|c| d.pupils(values.iter().map(|row| row[c]).sum(), THRESHOLD))
        .collect();
    let grand = d.pupils(values.iter().flatten().sum(), THRESHOLD);
    for (r, total) in row_totals.iter().enumerate() {
        d.sum(*total, (0..cols).map(|c| cells[r * cols + c]).collect());
    }
    for (c, total) in col_totals.iter().enumerate() {
        d.sum(
            *total,
            (0..values.len()).map(|r| cells[r * cols + c]).collect(),
        );
    }
    d.sum(grand, row_totals.clone());
    d.sum(grand, col_totals.clone());
    (d, cells, row_totals, col_totals, grand)
}

/// Every completion of the suppressed interior cells that agrees with everything
/// published. A reader knows that a suppressed count is at least 1 (zeros are
/// published) and, not which are small, nothing more of it: searched from 1 up to
/// twice the largest cell.
fn completions(values: &[Vec<u64>], published: &Disclosure) -> Vec<Vec<u64>> {
    let cols = values[0].len();
    let (_, cells, rows, cols_t, grand) = table(values);
    let hidden: Vec<usize> = (0..cells.len())
        .filter(|&i| published.is_hidden(cells[i]))
        .collect();
    let range = |_: usize| 1..=2 * MAX;
    let fits = |cell: CellId, value: u64| published.value(cell).is_none_or(|v| v == value);
    let mut found = Vec::new();
    let mut guess: Vec<u64> = values.iter().flatten().copied().collect();
    fn walk(
        at: usize,
        hidden: &[usize],
        guess: &mut Vec<u64>,
        range: &dyn Fn(usize) -> std::ops::RangeInclusive<u64>,
        check: &dyn Fn(&[u64]) -> bool,
        found: &mut Vec<Vec<u64>>,
    ) {
        if at == hidden.len() {
            if check(guess) {
                found.push(guess.clone());
            }
            return;
        }
        for v in range(hidden[at]) {
            guess[hidden[at]] = v;
            walk(at + 1, hidden, guess, range, check, found);
        }
    }
    let check = |g: &[u64]| {
        let row_sums: Vec<u64> = g.chunks(cols).map(|r| r.iter().sum()).collect();
        let col_sums: Vec<u64> = (0..cols)
            .map(|c| g.iter().skip(c).step_by(cols).sum())
            .collect();
        let total: u64 = g.iter().sum();
        rows.iter().zip(&row_sums).all(|(&c, &v)| fits(c, v))
            && cols_t.iter().zip(&col_sums).all(|(&c, &v)| fits(c, v))
            && fits(grand, total)
    };
    walk(0, &hidden, &mut guess, &range, &check, &mut found);
    found
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the table, every suppressed interior cell has at least two values
    /// that agree with all that is published: it cannot be worked out.
    #[test]
    fn no_suppressed_cell_can_be_worked_out_from_the_published_ones(
        values in prop::collection::vec(prop::collection::vec(0..=MAX, 3), 2),
    ) {
        let (mut d, cells, ..) = table(&values);
        let primary: Vec<bool> = (0..d.cells.len()).map(|c| d.is_hidden(c)).collect();
        d.protect();
        for (c, v) in cells.iter().zip(values.iter().flatten()) {
            if primary[*c] {
                prop_assert!(d.is_hidden(*c), "a small count stays hidden");
            }
            if !d.is_hidden(*c) {
                prop_assert_eq!(d.value(*c), Some(*v));
            }
        }
        let found = completions(&values, &d);
        prop_assert!(!found.is_empty(), "the truth is a completion");
        for (i, c) in cells.iter().enumerate() {
            if d.is_hidden(*c) {
                let seen: std::collections::BTreeSet<u64> = found.iter().map(|g| g[i]).collect();
                prop_assert!(seen.len() >= 2, "cell {} ({}) is worked out: {:?} from {:?}", i, values.iter().flatten().nth(i).copied().unwrap_or(0), seen, values);
            }
        }
    }
}

#[test]
fn one_small_cell_of_a_row_hides_another_of_its_row_and_column() {
    // 2 pupils in the first cell: hidden, and with it enough others that neither its
    // row nor its column gives it away.
    let values = vec![vec![2, 4, 5], vec![3, 5, 4]];
    let (mut d, cells, ..) = table(&values);
    d.protect();
    assert!(d.is_hidden(cells[0]));
    let hidden = cells.iter().filter(|c| d.is_hidden(**c)).count();
    assert!(hidden >= 4, "a rectangle of four at least: {hidden}");
}

#[test]
fn nothing_small_nothing_hidden() {
    let (mut d, cells, ..) = table(&[vec![3, 4], vec![5, 0]]);
    d.protect();
    assert!(cells.iter().all(|c| !d.is_hidden(*c)));
}
