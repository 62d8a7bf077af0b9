//! Building count tables: what the constructors accept and refuse.

use zicht_figures::{Category, Period, Table, TableError};

fn categories(keys: &[&str]) -> Vec<Category> {
    keys.iter()
        .map(|key| Category::new(*key, key.to_uppercase()))
        .collect()
}

fn months(labels: &[&str]) -> Vec<Period> {
    labels
        .iter()
        .map(|label| Period::parse(label).unwrap())
        .collect()
}

#[test]
fn single_valued_totals_are_the_column_sums() {
    let table = Table::single_valued(
        "Gemeente",
        categories(&["a", "b"]),
        months(&["2026-07", "2026-08"]),
        vec![vec![1, 2], vec![3, 4]],
    )
    .unwrap();
    assert_eq!(table.totals(), [4, 6]);
    assert_eq!(table.row_sums(), [3, 7]);
    assert_eq!(table.grand_total(), 10);
    assert!(!table.multi_valued() && !table.has_row_totals());
    assert!(table.clone().with_row_totals().has_row_totals());
    assert_eq!(table.dimension(), "Gemeente");
    assert_eq!(table.categories()[1].label, "B");
    assert_eq!(table.periods()[0].label(), "2026-07");
    assert_eq!(table.counts()[1], [3, 4]);
}

#[test]
fn constructor_errors() {
    let ok_periods = || months(&["2026-07", "2026-08"]);
    let cases: Vec<(&str, Result<Table, TableError>, TableError)> = vec![
        (
            "single-valued total not the sum",
            Table::new(
                "D",
                categories(&["a", "b"]),
                ok_periods(),
                vec![vec![1, 2], vec![3, 4]],
                vec![4, 7],
                false,
            ),
            TableError::TotalMismatch {
                period: "2026-08".into(),
                sum: 6,
                total: 7,
            },
        ),
        (
            "multi-valued count above its total",
            Table::new(
                "D",
                categories(&["a", "b"]),
                ok_periods(),
                vec![vec![1, 2], vec![3, 4]],
                vec![2, 4],
                true,
            ),
            TableError::CountExceedsTotal {
                category: "b".into(),
                period: "2026-07".into(),
                count: 3,
                total: 2,
            },
        ),
        (
            "rows",
            Table::single_valued("D", categories(&["a", "b"]), ok_periods(), vec![vec![1, 2]]),
            TableError::RowCount {
                expected: 2,
                actual: 1,
            },
        ),
        (
            "columns",
            Table::single_valued("D", categories(&["a"]), ok_periods(), vec![vec![1]]),
            TableError::ColumnCount {
                category: "a".into(),
                expected: 2,
                actual: 1,
            },
        ),
        (
            "totals",
            Table::new(
                "D",
                categories(&["a"]),
                ok_periods(),
                vec![vec![1, 1]],
                vec![1],
                true,
            ),
            TableError::TotalCount {
                expected: 2,
                actual: 1,
            },
        ),
        (
            "duplicate key",
            Table::single_valued(
                "D",
                categories(&["a", "a"]),
                ok_periods(),
                vec![vec![1, 1], vec![1, 1]],
            ),
            TableError::DuplicateCategory("a".into()),
        ),
        (
            "overlapping periods",
            Table::single_valued(
                "D",
                categories(&["a"]),
                months(&["2026-Q3", "2026-08"]),
                vec![vec![1, 1]],
            ),
            TableError::OverlappingPeriods("2026-Q3".into(), "2026-08".into()),
        ),
        (
            "invalid period",
            Table::single_valued(
                "D",
                categories(&["a"]),
                vec![Period::Month {
                    year: 2026,
                    month: 13,
                }],
                vec![vec![1]],
            ),
            TableError::InvalidPeriod {
                label: "2026-13".into(),
                source: zicht_figures::PeriodError::InvalidMonth(13),
            },
        ),
        (
            "overflow",
            Table::single_valued(
                "D",
                categories(&["a", "b"]),
                months(&["2026-07"]),
                vec![vec![u64::MAX], vec![1]],
            ),
            TableError::Overflow,
        ),
    ];
    let failures: Vec<String> = cases
        .into_iter()
        .filter_map(|(name, result, expected)| match result {
            Err(e) if e == expected => None,
            other => Some(format!("{name}: expected {expected:?}, got {other:?}")),
        })
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn multi_valued_totals_need_not_be_the_sum() {
    let table = Table::new(
        "Vorm van uitbuiting",
        categories(&["seksueel", "arbeid"]),
        months(&["2026-07"]),
        vec![vec![5], vec![4]],
        vec![7],
        true,
    )
    .unwrap();
    assert_eq!(table.totals(), [7]);
    assert_eq!(table.grand_total(), 7);
    assert_eq!(table.row_sums(), [5, 4]);
}

#[test]
fn empty_tables_are_allowed() {
    let table = Table::single_valued("D", vec![], months(&["2026-07"]), vec![]).unwrap();
    assert_eq!(table.totals(), [0]);
    let protected = zicht_figures::protect(&table, zicht_figures::Threshold::DEFAULT);
    assert_eq!(protected.totals(), [zicht_figures::Cell::Shown(0)]);
    let table = Table::single_valued("D", categories(&["a"]), vec![], vec![vec![]]).unwrap();
    assert!(
        zicht_figures::protect(&table, zicht_figures::Threshold::DEFAULT)
            .totals()
            .is_empty()
    );
}
