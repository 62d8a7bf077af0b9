//! An independent attacker: given a published table and the rules of publication, which
//! hidden figures can it pin down to a single value?
//!
//! Deliberately not the algorithm under test: no networks, no cycles. It writes down what is
//! published as integer variables with bounds and linear constraints, and searches
//! exhaustively (depth first, with bounds propagation to prune) for a completion in which a
//! hidden figure differs from its true value. A figure for which no such completion exists
//! is determined. Values shown as `–` have no upper bound; the search caps them at one more
//! than the largest true figure of the table, which only makes the attacker stronger (fewer
//! completions), so a table this attacker cannot break is safe.

use zicht_figures::{Cell, Protected, Table};

/// A linear term: a coefficient (+1 or −1) times a variable.
type Term = (i64, usize);

/// `Σ terms + constant = 0`, or `≤ 0`.
struct Constraint {
    terms: Vec<Term>,
    constant: i64,
    equality: bool,
}

struct Problem {
    names: Vec<String>,
    truth: Vec<i64>,
    domains: Vec<(i64, i64)>,
    constraints: Vec<Constraint>,
}

/// A published figure: a known number or a variable.
#[derive(Clone, Copy)]
enum Known {
    Number(i64),
    Variable(usize),
}

impl Problem {
    fn figure(&mut self, name: String, published: Cell, truth: u64, t: u64, cap: u64) -> Known {
        match published {
            Cell::Shown(v) => {
                assert_eq!(v, truth, "{name} is shown as {v}, but is {truth}");
                Known::Number(v as i64)
            }
            Cell::Hidden { primary } => {
                let upper = if primary { t - 1 } else { cap };
                self.names.push(name);
                self.truth.push(truth as i64);
                self.domains.push((1, upper as i64));
                Known::Variable(self.truth.len() - 1)
            }
        }
    }

    /// `Σ plus − Σ minus  (= or ≤)  0`.
    fn relate(&mut self, plus: &[Known], minus: &[Known], equality: bool) {
        let mut constraint = Constraint {
            terms: Vec::new(),
            constant: 0,
            equality,
        };
        for (sign, side) in [(1, plus), (-1, minus)] {
            for known in side {
                match *known {
                    Known::Number(v) => constraint.constant += sign * v,
                    Known::Variable(i) => constraint.terms.push((sign, i)),
                }
            }
        }
        self.constraints.push(constraint);
    }
}

/// The names of the hidden figures of `published` that the attacker can determine.
pub fn determined(table: &Table, published: &Protected) -> Vec<String> {
    let t = published.threshold().get();
    let counts = table.counts();
    let (n_c, n_p) = (counts.len(), table.periods().len());
    let largest = counts
        .iter()
        .flatten()
        .chain(table.totals())
        .chain(table.row_sums())
        .chain([&table.grand_total()])
        .max()
        .copied()
        .unwrap_or(0);
    let cap = largest + 1;
    let mut problem = Problem {
        names: vec![],
        truth: vec![],
        domains: vec![],
        constraints: vec![],
    };

    let mut cells = vec![vec![Known::Number(0); n_p]; n_c];
    for (c, row) in cells.iter_mut().enumerate() {
        for (p, cell) in row.iter_mut().enumerate() {
            let shown = published.cells()[c][p];
            *cell = problem.figure(format!("cell ({c}, {p})"), shown, counts[c][p], t, cap);
        }
    }
    let totals: Vec<Known> = (0..n_p)
        .map(|p| {
            let shown = published.totals()[p];
            problem.figure(format!("total {p}"), shown, table.totals()[p], t, cap)
        })
        .collect();
    for p in 0..n_p {
        let column: Vec<Known> = (0..n_c).map(|c| cells[c][p]).collect();
        if table.multi_valued() {
            // Each cell is at most the number of records of its period.
            for cell in column {
                problem.relate(&[cell], &[totals[p]], false);
            }
        } else {
            problem.relate(&column, &[totals[p]], true);
        }
    }
    if let (Some(rows), Some(grand)) = (published.row_totals(), published.grand_total()) {
        for c in 0..n_c {
            let row_total = problem.figure(
                format!("row total {c}"),
                rows[c],
                table.row_sums()[c],
                t,
                cap,
            );
            problem.relate(&cells[c], &[row_total], true);
        }
        let grand = problem.figure("grand total".into(), grand, table.grand_total(), t, cap);
        problem.relate(&totals, &[grand], true);
    }

    (0..problem.truth.len())
        .filter(|&v| !problem.has_other_value(v))
        .map(|v| problem.names[v].clone())
        .collect()
}

impl Problem {
    /// Whether some completion gives variable `v` a value other than its true one.
    ///
    /// The search looks for completions that differ from the truth in at most `k`
    /// figures, for k = 1, 2, … up to all of them: the last round alone would be complete,
    /// but completions that change few figures are found far sooner this way.
    fn has_other_value(&self, v: usize) -> bool {
        let truth = self.truth[v];
        let (lo, hi) = self.domains[v];
        let mut budget = 20_000_000u64;
        (1..=self.truth.len()).any(|k| {
            [(lo, truth - 1), (truth + 1, hi)].into_iter().any(|range| {
                if range.0 > range.1 {
                    return false;
                }
                let mut domains = self.domains.clone();
                domains[v] = range;
                self.search(domains, k, &mut budget)
            })
        })
    }

    /// Depth-first search for a completion within `domains` that differs from the truth in
    /// at most `k` figures.
    fn search(&self, mut domains: Vec<(i64, i64)>, k: usize, budget: &mut u64) -> bool {
        *budget = budget
            .checked_sub(1)
            .expect("the attacker's search did not finish");
        if !self.propagate(&mut domains) {
            return false;
        }
        let differing = (0..domains.len())
            .filter(|&i| !(domains[i].0..=domains[i].1).contains(&self.truth[i]))
            .count();
        if differing > k {
            return false;
        }
        let Some(i) = self.next_variable(&domains) else {
            return true;
        };
        let (lo, hi) = domains[i];
        // The true value first, then the values nearest it.
        let mut values: Vec<i64> = (lo..=hi).collect();
        values.sort_by_key(|value| (value - self.truth[i]).abs());
        values.into_iter().any(|value| {
            let mut narrowed = domains.clone();
            narrowed[i] = (value, value);
            self.search(narrowed, k, budget)
        })
    }

    /// The variable to branch on: in the equation with the fewest undecided variables (so
    /// that equations close, and contradictions show, early), the one with the smallest
    /// domain; `None` if all are decided.
    fn next_variable(&self, domains: &[(i64, i64)]) -> Option<usize> {
        let open = |i: usize| domains[i].0 < domains[i].1;
        let width = |i: usize| domains[i].1 - domains[i].0;
        let in_equation = self
            .constraints
            .iter()
            .filter(|constraint| constraint.equality)
            .filter_map(|constraint| {
                let open: Vec<usize> = constraint
                    .terms
                    .iter()
                    .map(|&(_, i)| i)
                    .filter(|&i| open(i))
                    .collect();
                let narrowest = open.iter().copied().min_by_key(|&i| width(i))?;
                Some((open.len(), width(narrowest), narrowest))
            })
            .min()
            .map(|(_, _, i)| i);
        in_equation.or_else(|| {
            (0..domains.len())
                .filter(|&i| open(i))
                .min_by_key(|&i| width(i))
        })
    }

    /// Narrows the domains to bounds consistency; false if one becomes empty.
    fn propagate(&self, domains: &mut [(i64, i64)]) -> bool {
        let mut changed = true;
        while changed {
            changed = false;
            for constraint in &self.constraints {
                // The smallest and largest value of each term.
                let range = |(a, i): Term, domains: &[(i64, i64)]| {
                    let (lo, hi) = domains[i];
                    if a > 0 {
                        (lo, hi)
                    } else {
                        (-hi, -lo)
                    }
                };
                let (sum_lo, sum_hi) = constraint.terms.iter().fold((0, 0), |(lo, hi), &term| {
                    let (l, h) = range(term, domains);
                    (lo + l, hi + h)
                });
                if sum_lo + constraint.constant > 0
                    || (constraint.equality && sum_hi + constraint.constant < 0)
                {
                    return false;
                }
                for &(a, i) in &constraint.terms {
                    let (l, h) = range((a, i), domains);
                    // a·x ≤ −constant − (Σ of the other terms' minimum), and for an
                    // equality also ≥ −constant − (Σ of their maximum).
                    let most = -constraint.constant - (sum_lo - l);
                    let least = if constraint.equality {
                        -constraint.constant - (sum_hi - h)
                    } else {
                        i64::MIN / 4
                    };
                    let (new_lo, new_hi) = if a > 0 {
                        (least, most)
                    } else {
                        (-most, -least)
                    };
                    let (lo, hi) = domains[i];
                    let narrowed = (lo.max(new_lo), hi.min(new_hi));
                    if narrowed.0 > narrowed.1 {
                        return false;
                    }
                    if narrowed != (lo, hi) {
                        domains[i] = narrowed;
                        changed = true;
                    }
                }
                if changed {
                    break;
                }
            }
        }
        true
    }
}

/// The attacker itself must find what it should: hand-made publications.
mod own_tests {
    use super::determined;
    use zicht_figures::{Category, Period, Protected, Table};

    fn column(counts: &[u64], multi_total: Option<u64>) -> Table {
        let categories = (0..counts.len())
            .map(|i| Category::new(format!("c{i}"), "C"))
            .collect();
        let periods = vec![Period::month(2026, 7).unwrap()];
        let counts = counts.iter().map(|&n| vec![n]).collect();
        match multi_total {
            None => Table::single_valued("D", categories, periods, counts).unwrap(),
            Some(total) => Table::new("D", categories, periods, counts, vec![total], true).unwrap(),
        }
    }

    fn publication(table: &Table, cells: &str, total: &str) -> Protected {
        let json = format!(
            r#"{{"threshold":5,"dimension":"D","multi_valued":{},"categories":{},
               "periods":["2026-07"],"cells":{cells},"totals":[{total}],
               "row_totals":null,"grand_total":null}}"#,
            table.multi_valued(),
            serde_json::to_string(table.categories()).unwrap(),
        );
        serde_json::from_str(&json).unwrap()
    }

    const SMALL: &str = r#"{"hidden":{"primary":true}}"#;
    const DASH: &str = r#"{"hidden":{"primary":false}}"#;

    #[test]
    fn subtracting_from_the_total_is_found() {
        let table = column(&[3, 12], None);
        let cells = format!(r#"[[{SMALL}],[{{"shown":12}}]]"#);
        let published = publication(&table, &cells, r#"{"shown":15}"#);
        assert_eq!(determined(&table, &published), ["cell (0, 0)"]);
        let cells = format!(r#"[[{SMALL}],[{DASH}]]"#);
        let published = publication(&table, &cells, r#"{"shown":15}"#);
        assert!(determined(&table, &published).is_empty());
    }

    #[test]
    fn two_small_counts_that_sum_to_two_are_found() {
        let table = column(&[1, 1, 10], None);
        let cells = format!(r#"[[{SMALL}],[{SMALL}],[{{"shown":10}}]]"#);
        let published = publication(&table, &cells, r#"{"shown":12}"#);
        assert_eq!(
            determined(&table, &published),
            ["cell (0, 0)", "cell (1, 0)"]
        );
    }

    #[test]
    fn a_small_total_bounds_the_cells_under_it() {
        // Total <5 over cells <5 and –: the – is at most 3, but still not determined.
        let table = column(&[1, 1], None);
        let cells = format!(r#"[[{SMALL}],[{DASH}]]"#);
        let published = publication(&table, &cells, SMALL);
        assert!(determined(&table, &published).is_empty());
        // Multi-valued: a total of 2 known from a shown cell of... nothing: cells ≤ total.
        let table = column(&[2, 2], Some(2));
        let cells = format!(r#"[[{SMALL}],[{SMALL}]]"#);
        let published = publication(&table, &cells, SMALL);
        assert!(determined(&table, &published).is_empty());
    }
}
