//! Disclosure control on hand-made tables, each checked against the expected publication
//! and against the independent attacker.

use zicht_figures::{
    footnote, protect, protect_duration, Category, Cell, Period, Protected, Table, Threshold,
};

use crate::attacker::determined;

fn categories(n: usize) -> Vec<Category> {
    (0..n)
        .map(|i| Category::new(format!("c{i}"), format!("Categorie {i}")))
        .collect()
}

fn months(n: usize) -> Vec<Period> {
    let mut periods = vec![Period::month(2026, 1).unwrap()];
    while periods.len() < n {
        periods.push(periods.last().unwrap().next().unwrap());
    }
    periods
}

fn single(counts: &[&[u64]]) -> Table {
    let n_p = counts.first().map_or(0, |row| row.len());
    let rows = counts.iter().map(|row| row.to_vec()).collect();
    Table::single_valued("Dimensie", categories(counts.len()), months(n_p), rows).unwrap()
}

fn multi(counts: &[&[u64]], totals: &[u64]) -> Table {
    let counts: Vec<Vec<u64>> = counts.iter().map(|row| row.to_vec()).collect();
    let n = counts.len();
    Table::new(
        "Dimensie",
        categories(n),
        months(totals.len()),
        counts,
        totals.to_vec(),
        true,
    )
    .unwrap()
}

/// The publication as text: one line per category (its cells, then its row total if
/// published), then the totals line (then the grand total).
fn render(protected: &Protected) -> Vec<String> {
    let text = |cell: Cell| protected.text(cell);
    let mut lines: Vec<String> = protected
        .cells()
        .iter()
        .enumerate()
        .map(|(c, row)| {
            let mut figures: Vec<String> = row.iter().map(|&cell| text(cell)).collect();
            if let Some(rows) = protected.row_totals() {
                figures.push(text(rows[c]));
            }
            figures.join(" ")
        })
        .collect();
    let mut totals: Vec<String> = protected.totals().iter().map(|&cell| text(cell)).collect();
    totals.extend(protected.grand_total().map(text));
    lines.push(totals.join(" "));
    lines
}

/// Protects each table and compares the rendering; also runs the attacker on it.
fn check(cases: &[(&str, Table, u64, &[&str])]) {
    let mut failures = Vec::new();
    for (name, table, threshold, expected) in cases {
        let protected = protect(table, Threshold::new(*threshold).unwrap());
        let actual = render(&protected);
        if actual != *expected {
            failures.push(format!(
                "{name}: expected {expected:?}\n{:>w$}got {actual:?}",
                "",
                w = name.len() + 2
            ));
        }
        let broken = determined(table, &protected);
        if !broken.is_empty() {
            failures.push(format!(
                "{name}: the attacker determines {broken:?} in {actual:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn one_column() {
    check(&[
        (
            "nothing small",
            single(&[&[7], &[12]]),
            5,
            &["7", "12", "19"],
        ),
        (
            "one small cell and a total: a second cell goes",
            single(&[&[3], &[12]]),
            5,
            &["<5", "–", "15"],
        ),
        (
            "the smallest partner goes",
            single(&[&[3], &[20], &[9], &[14]]),
            5,
            &["<5", "20", "–", "14", "46"],
        ),
        (
            "1 and 1 summing to 2: more goes",
            single(&[&[1], &[1], &[10]]),
            5,
            &["<5", "<5", "–", "12"],
        ),
        (
            "1 and 3 can swap",
            single(&[&[1], &[3], &[10]]),
            5,
            &["<5", "<5", "10", "14"],
        ),
        (
            "all zeros",
            single(&[&[0], &[0], &[0]]),
            5,
            &["0", "0", "0", "0"],
        ),
        (
            "only one positive cell, large",
            single(&[&[0], &[7], &[0]]),
            5,
            &["0", "7", "0", "7"],
        ),
        (
            "only one positive cell, small",
            single(&[&[0], &[3], &[0]]),
            5,
            &["0", "<5", "0", "<5"],
        ),
        // Both cells are 1 and the total <3 says they sum to at most 2: the total's bound
        // has to go.
        (
            "small total pins small cells",
            single(&[&[1], &[1]]),
            3,
            &["<3", "<3", "–"],
        ),
    ]);
}

#[test]
fn thresholds() {
    let table = || single(&[&[3], &[6], &[12]]);
    check(&[
        ("threshold 3", table(), 3, &["3", "6", "12", "21"]),
        ("threshold 5", table(), 5, &["<5", "–", "12", "21"]),
        ("threshold 10", table(), 10, &["<10", "<10", "12", "21"]),
        (
            "threshold 10, both small cells 1..9 summing to 9",
            single(&[&[4], &[5], &[12]]),
            10,
            &["<10", "<10", "12", "21"],
        ),
    ]);
    assert!(Threshold::new(2).is_err());
    assert_eq!(Threshold::new(3).unwrap().get(), 3);
    assert_eq!(Threshold::default(), Threshold::DEFAULT);
    assert!(serde_json::from_str::<Threshold>("1").is_err());
}

#[test]
fn months_without_row_totals() {
    // Columns are independent when no row totals are published.
    check(&[(
        "two months",
        single(&[&[3, 8], &[12, 9]]),
        5,
        &["<5 8", "– 9", "15 17"],
    )]);
}

#[test]
fn months_with_row_totals() {
    check(&[
        (
            // The 2 needs a partner in its column and one in its row, and those a fourth
            // to close the rectangle: 2 → 6 (same month) → 9 (same category as the 6) → 5.
            "a rectangle",
            single(&[&[6, 7, 9], &[2, 8, 5], &[0, 6, 5]]).with_row_totals(),
            5,
            &["– 7 – 22", "<5 8 – 15", "0 6 5 11", "8 21 19 48"],
        ),
        (
            // A month's small count is not recoverable from the quarter's figure.
            "one category",
            single(&[&[3, 10, 10]]).with_row_totals(),
            5,
            &["<5 – 10 23", "<5 – 10 23"],
        ),
        (
            // The rectangle 1, 2 / 10, 10 protects the cells; the row total 3 would still
            // be 33 − 30, so the 30 goes too.
            "small row total",
            single(&[&[1, 2, 0], &[10, 10, 10]]).with_row_totals(),
            5,
            &["<5 <5 0 <5", "– – 10 –", "11 12 10 33"],
        ),
    ]);
}

#[test]
fn multi_valued() {
    check(&[
        // The total is not the sum: 13 − 12 gives nothing away.
        (
            "no equation",
            multi(&[&[3], &[12]], &[13]),
            5,
            &["<5", "12", "13"],
        ),
        (
            "small total",
            multi(&[&[1], &[2]], &[2]),
            5,
            &["<5", "<5", "<5"],
        ),
        (
            "a category in every record",
            multi(&[&[4], &[1]], &[4]),
            5,
            &["<5", "<5", "<5"],
        ),
        (
            // Row totals are exact even for a multi-valued dimension.
            "row equation",
            multi(&[&[3, 10, 12], &[9, 9, 9]], &[10, 15, 16]).with_row_totals(),
            5,
            &["<5 – 12 25", "9 9 9 27", "10 15 16 41"],
        ),
        (
            "small period total with a published grand total",
            multi(&[&[2, 6], &[1, 7]], &[3, 9]).with_row_totals(),
            5,
            &["<5 – 8", "<5 – 8", "<5 – 12"],
        ),
    ]);
}

#[test]
fn protected_table_accessors_and_footnote() {
    let table = single(&[&[3], &[12]]);
    let protected = protect(&table, Threshold::DEFAULT);
    assert_eq!(protected.cell(0, 0), Some(Cell::Hidden { primary: true }));
    assert_eq!(protected.cell(5, 0), None);
    assert_eq!(protected.totals(), [Cell::Shown(15)]);
    assert_eq!(protected.row_totals(), None);
    assert_eq!(protected.grand_total(), None);
    assert_eq!(protected.footnote(), Some(footnote(Threshold::DEFAULT)));
    assert_eq!(
        footnote(Threshold::DEFAULT),
        "Aantallen van 1 tot en met 4 staan als <5 in de tabel, zodat niemand herkenbaar is. \
         Om dezelfde reden zijn ook enkele andere aantallen of totalen weggelaten (–); anders \
         zouden de verborgen aantallen uit de overige cijfers te herleiden zijn."
    );
    assert_eq!(
        protect(&single(&[&[7], &[12]]), Threshold::DEFAULT).footnote(),
        None
    );
    let only_primary = protect(&single(&[&[0], &[3]]), Threshold::new(10).unwrap());
    assert_eq!(
        only_primary.footnote().unwrap(),
        "Aantallen van 1 tot en met 9 staan als <10 in de tabel, zodat niemand herkenbaar is."
    );
    assert_eq!(Cell::Shown(0).value(), Some(0));
    assert!(Cell::Hidden { primary: false }.is_hidden());

    // The UI receives it as JSON and reads it back.
    let json = serde_json::to_string(&protected).unwrap();
    assert!(json.contains(r#"{"hidden":{"primary":true}}"#), "{json}");
    assert_eq!(serde_json::from_str::<Protected>(&json).unwrap(), protected);
}

#[test]
fn durations() {
    let t = Threshold::new(5).unwrap();
    for (n, shown) in [(0, false), (1, false), (4, false), (5, true), (500, true)] {
        assert_eq!(
            protect_duration(n, 12u32, t).is_some(),
            shown,
            "{n} records"
        );
    }
    assert_eq!(
        protect_duration(2, "3 mnd", Threshold::new(3).unwrap()),
        None
    );
}
