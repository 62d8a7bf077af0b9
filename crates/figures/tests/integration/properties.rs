//! Property tests: random tables protected and then attacked by the independent attacker;
//! random periods and labels.

use proptest::collection::vec;
use proptest::prelude::*;
use zicht_figures::{protect, Category, Cell, Granularity, Period, Table, Threshold};

use crate::attacker::determined;

/// Counts with many zeros and small values, some large.
fn count() -> impl Strategy<Value = u64> {
    prop_oneof![3 => Just(0u64), 5 => 1u64..5, 2 => 5u64..10, 2 => 10u64..30]
}

#[derive(Clone, Debug)]
struct Case {
    counts: Vec<Vec<u64>>,
    /// Multi-valued: for each period, how many records more than its largest count.
    extra: Option<Vec<u64>>,
    row_totals: bool,
    threshold: u64,
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..=8, 1usize..=6).prop_flat_map(|(n_c, n_p)| {
        let extra = prop_oneof![2 => Just(0u64), 1 => 1u64..4, 1 => 4u64..12];
        (
            vec(vec(count(), n_p), n_c),
            prop::option::of(vec(extra, n_p)),
            any::<bool>(),
            3u64..=10,
        )
            .prop_map(|(counts, extra, row_totals, threshold)| Case {
                counts,
                extra,
                row_totals,
                threshold,
            })
    })
}

fn table(case: &Case) -> Table {
    let n_c = case.counts.len();
    let n_p = case.counts[0].len();
    let categories = (0..n_c).map(|c| Category::new(format!("c{c}"), format!("Categorie {c}")));
    let mut periods = vec![Period::month(2025, 11).unwrap()];
    while periods.len() < n_p {
        periods.push(periods.last().unwrap().next().unwrap());
    }
    let table = match &case.extra {
        None => Table::single_valued("D", categories.collect(), periods, case.counts.clone()),
        Some(extra) => {
            let totals = (0..n_p)
                .map(|p| case.counts.iter().map(|row| row[p]).max().unwrap() + extra[p])
                .collect();
            Table::new(
                "D",
                categories.collect(),
                periods,
                case.counts.clone(),
                totals,
                true,
            )
        }
    }
    .unwrap();
    if case.row_totals {
        table.with_row_totals()
    } else {
        table
    }
}

/// Every published figure with its true value and a name.
fn figures(table: &Table, protected: &zicht_figures::Protected) -> Vec<(String, Cell, u64)> {
    let mut all = Vec::new();
    for (c, row) in protected.cells().iter().enumerate() {
        for (p, &cell) in row.iter().enumerate() {
            all.push((format!("cell ({c}, {p})"), cell, table.counts()[c][p]));
        }
    }
    for (p, &cell) in protected.totals().iter().enumerate() {
        all.push((format!("total {p}"), cell, table.totals()[p]));
    }
    if let Some(rows) = protected.row_totals() {
        for (c, &cell) in rows.iter().enumerate() {
            all.push((format!("row total {c}"), cell, table.row_sums()[c]));
        }
    }
    if let Some(cell) = protected.grand_total() {
        all.push(("grand total".into(), cell, table.grand_total()));
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn no_hidden_count_can_be_worked_out(case in case()) {
        let table = table(&case);
        let t = case.threshold;
        let protected = protect(&table, Threshold::new(t).unwrap());
        prop_assert_eq!(protected.cells().len(), table.counts().len());
        prop_assert_eq!(protected.row_totals().is_some(), case.row_totals);
        prop_assert_eq!(protected.grand_total().is_some(), case.row_totals);
        for (name, cell, truth) in figures(&table, &protected) {
            match cell {
                Cell::Shown(v) => {
                    prop_assert_eq!(v, truth, "{} shown wrongly", name);
                    prop_assert!(v == 0 || v >= t, "{} = {} shown below the threshold {}", name, v, t);
                }
                Cell::Hidden { primary: true } => {
                    prop_assert!((1..t).contains(&truth), "{} = {} hidden as <{}", name, truth, t);
                }
                Cell::Hidden { primary: false } => {
                    prop_assert!(truth >= 1, "{} is a hidden zero", name);
                }
            }
        }
        let broken = determined(&table, &protected);
        prop_assert!(broken.is_empty(), "the attacker determines {:?}", broken);
    }

    #[test]
    fn protection_is_deterministic(case in case()) {
        let table = table(&case);
        let threshold = Threshold::new(case.threshold).unwrap();
        prop_assert_eq!(protect(&table, threshold), protect(&table, threshold));
    }

    #[test]
    fn labels_round_trip(
        year in 1i32..=9999,
        month in 1u32..=12,
        quarter in 1u32..=4,
        days in 0u64..800,
    ) {
        let from = Period::month(year, month).unwrap().first_day().unwrap();
        let mut periods = vec![
            Period::month(year, month).unwrap(),
            Period::quarter(year, quarter).unwrap(),
            Period::year(year).unwrap(),
        ];
        if let Some(to) = from.checked_add_days(chrono::Days::new(days)) {
            periods.extend(Period::range(from, to).ok());
        }
        for period in periods {
            prop_assert_eq!(Period::parse(&period.label()), Ok(period));
            if let Ok(previous) = period.previous() {
                prop_assert_eq!(previous.next(), Ok(period));
            }
            if let Ok(months) = period.split(Granularity::Month) {
                let first = months.first().unwrap().first_day().unwrap();
                let last = months.last().unwrap().last_day().unwrap();
                prop_assert_eq!((first, last), (period.first_day().unwrap(), period.last_day().unwrap()));
                prop_assert_eq!(months.len(), period.months().unwrap().len());
            }
        }
    }

    #[test]
    fn parsing_and_arithmetic_never_panic(
        label in "\\PC{0,24}",
        year in any::<i32>(),
        field in any::<u32>(),
    ) {
        if let Ok(period) = Period::parse(&label) {
            prop_assert_eq!(period.label(), label);
        }
        for period in [
            Period::Month { year, month: field },
            Period::Quarter { year, quarter: field },
            Period::Year(year),
        ] {
            let _ = (period.label(), period.first_day(), period.last_day(), period.months());
            let _ = (period.previous(), period.next(), period.year_earlier());
            let _ = period.split(Granularity::Month);
        }
    }
}

#[test]
fn threshold_below_three_is_refused() {
    for t in 0..3 {
        assert!(Threshold::new(t).is_err());
    }
}
