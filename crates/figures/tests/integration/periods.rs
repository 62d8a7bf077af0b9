//! Period arithmetic, labels and parsing, as tables of input and expected output.

use chrono::NaiveDate;
use zicht_figures::{Granularity, Period, PeriodError};

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn p(label: &str) -> Period {
    Period::parse(label).unwrap_or_else(|e| panic!("{label}: {e}"))
}

/// Applies `f` to each input and compares with the expected output, reporting every
/// mismatch at once.
fn check<I: std::fmt::Debug, O: PartialEq<E> + std::fmt::Debug, E: std::fmt::Debug>(
    cases: &[(I, E)],
    f: impl Fn(&I) -> O,
) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(input, expected)| {
            let actual = f(input);
            (actual != *expected)
                .then(|| format!("{input:?}: expected {expected:?}, got {actual:?}"))
        })
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn label(result: Result<Period, PeriodError>) -> String {
    match result {
        Ok(period) => period.label(),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn labels() {
    check(
        &[
            (
                Period::Month {
                    year: 2026,
                    month: 7,
                },
                "2026-07",
            ),
            (
                Period::Month {
                    year: 2026,
                    month: 12,
                },
                "2026-12",
            ),
            (
                Period::Quarter {
                    year: 2026,
                    quarter: 3,
                },
                "2026-Q3",
            ),
            (Period::Year(2026), "2026"),
            (Period::Year(987), "0987"),
            (
                Period::Range {
                    from: date("2026-01-15"),
                    to: date("2026-03-31"),
                },
                "2026-01-15..2026-03-31",
            ),
            (
                Period::Range {
                    from: date("2026-05-01"),
                    to: date("2026-05-01"),
                },
                "2026-05-01..2026-05-01",
            ),
            // Invalid periods still get a label; parse refuses it.
            (
                Period::Month {
                    year: 2026,
                    month: 13,
                },
                "2026-13",
            ),
        ],
        |period| period.label(),
    );
}

#[test]
fn parse_round_trips_and_refuses_everything_else() {
    let valid = [
        "2026-07",
        "2026-01",
        "2026-Q1",
        "2026-Q4",
        "2026",
        "0001",
        "9999-12",
        "2024-02-29..2024-02-29",
        "2025-12-20..2026-02-01",
    ];
    check(&valid.map(|l| (l, Ok(l.to_owned()))), |l| {
        Period::parse(l).map(|p| p.label())
    });
    let invalid = [
        "",
        "2026-13",
        "2026-00",
        "2026-Q0",
        "2026-Q5",
        "2026-q3",
        "2026-7",
        "26",
        "0000",
        "10000",
        "+2026",
        " 2026",
        "2026 ",
        "2026-07-01",
        "2026-W30",
        "２０２６",
        "2026-02-30..2026-03-01",
        "2026-03-01..2026-02-01",
        "2026-03-01..",
        "..2026-03-01",
        "2026-03-01..2026-03-01..2026-03-02",
        "2026-3-01..2026-03-02",
        "-001",
    ];
    check(&invalid.map(|l| (l, true)), |l| Period::parse(l).is_err());
}

#[test]
fn first_and_last_days_with_leap_years() {
    check(
        &[
            ("2026-07", "2026-07-01 2026-07-31"),
            ("2024-02", "2024-02-01 2024-02-29"),
            ("2023-02", "2023-02-01 2023-02-28"),
            ("2000-02", "2000-02-01 2000-02-29"),
            ("2100-02", "2100-02-01 2100-02-28"),
            ("2026-Q1", "2026-01-01 2026-03-31"),
            ("2026-Q4", "2026-10-01 2026-12-31"),
            ("2024", "2024-01-01 2024-12-31"),
            ("9999-12", "9999-12-01 9999-12-31"),
            ("2026-01-15..2026-03-31", "2026-01-15 2026-03-31"),
        ],
        |l| {
            let period = p(l);
            format!(
                "{} {}",
                period.first_day().unwrap(),
                period.last_day().unwrap()
            )
        },
    );
    check(
        &[
            ("2024", 366),
            ("2023", 365),
            ("2024-Q1", 91),
            ("2026-01-15..2026-03-31", 76),
        ],
        |l| p(l).days().unwrap(),
    );
}

#[test]
fn previous_next_and_year_earlier() {
    check(
        &[
            ("2026-07", "2026-06"),
            ("2026-01", "2025-12"),
            ("2026-Q3", "2026-Q2"),
            ("2027-Q1", "2026-Q4"),
            ("2026", "2025"),
            ("2026-01-15..2026-03-31", "2025-10-31..2026-01-14"),
            ("2024-02-01..2024-03-31", "2023-12-03..2024-01-31"),
            ("2026-05-01..2026-05-01", "2026-04-30..2026-04-30"),
            ("0001-01", "error: year 0 is outside 1..=9999"),
            ("0001", "error: year 0 is outside 1..=9999"),
        ],
        |l| label(p(l).previous()),
    );
    check(
        &[
            ("2026-12", "2027-01"),
            ("2026-Q4", "2027-Q1"),
            ("2026-Q2", "2026-Q3"),
            ("2026", "2027"),
            ("2025-10-31..2026-01-14", "2026-01-15..2026-03-31"),
            ("9999-12", "error: year 10000 is outside 1..=9999"),
        ],
        |l| label(p(l).next()),
    );
    check(
        &[
            ("2026-07", "2025-07"),
            ("2026-Q1", "2025-Q1"),
            ("2026", "2025"),
            ("2026-01-15..2026-03-31", "2025-01-15..2025-03-31"),
            ("2024-02-01..2024-02-29", "2023-02-01..2023-02-28"),
            ("2024-02-29..2024-03-31", "2023-02-28..2023-03-31"),
            ("0001-Q2", "error: year 0 is outside 1..=9999"),
        ],
        |l| label(p(l).year_earlier()),
    );
}

#[test]
fn previous_and_next_are_inverse_and_keep_the_length() {
    for l in [
        "2026-03",
        "2026-01",
        "2026-Q1",
        "2024",
        "2024-02-10..2024-03-05",
        "2026-12-31..2027-01-01",
    ] {
        let period = p(l);
        let previous = period.previous().unwrap();
        assert_eq!(previous.next().unwrap(), period, "{l}");
        assert_eq!(
            previous.last_day().unwrap().succ_opt().unwrap(),
            period.first_day().unwrap(),
            "{l}"
        );
        if let Period::Range { .. } = period {
            assert_eq!(previous.days().unwrap(), period.days().unwrap(), "{l}");
        }
    }
}

#[test]
fn months_contains_and_containing() {
    check(
        &[
            ("2026-07", vec![(2026, 7)]),
            ("2026-Q4", vec![(2026, 10), (2026, 11), (2026, 12)]),
            (
                "2025-12-20..2026-02-01",
                vec![(2025, 12), (2026, 1), (2026, 2)],
            ),
            ("2026-03-31..2026-03-31", vec![(2026, 3)]),
        ],
        |l| p(l).months().unwrap(),
    );
    assert_eq!(p("2026").months().unwrap().len(), 12);
    check(
        &[
            (("2026-07", "2026-07-31"), true),
            (("2026-07", "2026-08-01"), false),
            (("2024-02", "2024-02-29"), true),
            (("2026-Q3", "2026-06-30"), false),
            (("2026-Q3", "2026-09-30"), true),
            (("2026-01-15..2026-03-31", "2026-01-14"), false),
            (("2026-01-15..2026-03-31", "2026-01-15"), true),
        ],
        |(l, d)| p(l).contains(date(d)).unwrap(),
    );
    check(
        &[
            (("2026-11-05", Granularity::Month), "2026-11"),
            (("2026-11-05", Granularity::Quarter), "2026-Q4"),
            (("2026-03-31", Granularity::Quarter), "2026-Q1"),
            (("2026-04-01", Granularity::Quarter), "2026-Q2"),
            (("2026-11-05", Granularity::Year), "2026"),
        ],
        |(d, g)| Period::containing(date(d), *g).unwrap().label(),
    );
}

#[test]
fn split() {
    let labels = |result: Result<Vec<Period>, PeriodError>| match result {
        Ok(periods) => periods
            .iter()
            .map(Period::label)
            .collect::<Vec<_>>()
            .join(" "),
        Err(e) => format!("error: {e}"),
    };
    check(
        &[
            (
                ("2026", Granularity::Quarter),
                "2026-Q1 2026-Q2 2026-Q3 2026-Q4".to_owned(),
            ),
            (("2026", Granularity::Year), "2026".to_owned()),
            (
                ("2026-Q3", Granularity::Month),
                "2026-07 2026-08 2026-09".to_owned(),
            ),
            (("2026-07", Granularity::Month), "2026-07".to_owned()),
            (
                ("2026-01-15..2026-03-31", Granularity::Month),
                "2026-01-15..2026-01-31 2026-02 2026-03".to_owned(),
            ),
            (
                ("2025-11-15..2026-04-01", Granularity::Quarter),
                "2025-11-15..2025-12-31 2026-Q1 2026-04-01..2026-04-01".to_owned(),
            ),
            (
                ("2026-02-10..2026-02-12", Granularity::Year),
                "2026-02-10..2026-02-12".to_owned(),
            ),
            (
                ("2026-07", Granularity::Quarter),
                "error: a 2026-07 cannot be split into Quarters, which are longer".to_owned(),
            ),
        ],
        |(l, g)| labels(p(l).split(*g)),
    );
    let months = p("2024").split(Granularity::Month).unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(months[1].last_day().unwrap(), date("2024-02-29"));
}

#[test]
fn invalid_fields_give_errors_not_panics() {
    let invalid = [
        Period::Month {
            year: 2026,
            month: 0,
        },
        Period::Month {
            year: 2026,
            month: 13,
        },
        Period::Month {
            year: i32::MIN,
            month: 1,
        },
        Period::Quarter {
            year: 2026,
            quarter: 0,
        },
        Period::Quarter {
            year: 2026,
            quarter: u32::MAX,
        },
        Period::Year(0),
        Period::Year(i32::MAX),
        Period::Range {
            from: date("2026-03-01"),
            to: date("2026-02-01"),
        },
        Period::Range {
            from: NaiveDate::MIN,
            to: NaiveDate::MAX,
        },
    ];
    for period in invalid {
        assert!(period.validate().is_err(), "{period:?}");
        assert!(
            period.first_day().is_err() && period.last_day().is_err(),
            "{period:?}"
        );
        assert!(
            period.previous().is_err() && period.next().is_err(),
            "{period:?}"
        );
        assert!(
            period.year_earlier().is_err() && period.months().is_err(),
            "{period:?}"
        );
        assert!(period.split(Granularity::Month).is_err(), "{period:?}");
        assert!(period.contains(date("2026-02-15")).is_err(), "{period:?}");
        let _ = period.label();
    }
    assert_eq!(Period::month(2026, 13), Err(PeriodError::InvalidMonth(13)));
    assert_eq!(
        Period::quarter(2026, 5),
        Err(PeriodError::InvalidQuarter(5))
    );
    assert_eq!(
        Period::year(10_000),
        Err(PeriodError::YearOutOfRange(10_000))
    );
}

#[test]
fn serde_uses_the_label_and_checks_it() {
    let periods = vec![
        p("2026-07"),
        p("2026-Q3"),
        p("2026"),
        p("2026-01-15..2026-03-31"),
    ];
    let json = serde_json::to_string(&periods).unwrap();
    assert_eq!(
        json,
        r#"["2026-07","2026-Q3","2026","2026-01-15..2026-03-31"]"#
    );
    assert_eq!(serde_json::from_str::<Vec<Period>>(&json).unwrap(), periods);
    assert!(serde_json::from_str::<Period>(r#""2026-13""#).is_err());
    assert!(serde_json::from_str::<Period>("2026").is_err());
    assert_eq!(
        serde_json::to_string(&Granularity::Quarter).unwrap(),
        r#""quarter""#
    );
}
