//! Reporting periods: calendar months, quarters, years and arbitrary date ranges.
//!
//! Every method is total: a period built by hand with an impossible field (month 13,
//! quarter 0, a range that ends before it starts, a year outside [`MIN_YEAR`]..=[`MAX_YEAR`])
//! gives a [`PeriodError`], never a panic. A period travels to the UI as its label
//! (`"2026-07"`, `"2026-Q3"`, `"2026"`, `"2026-01-15..2026-03-31"`), and deserialising
//! checks it like [`Period::parse`] does.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The first year a period may lie in.
pub const MIN_YEAR: i32 = 1;
/// The last year a period may lie in (labels have four-digit years).
pub const MAX_YEAR: i32 = 9999;

/// A reporting period. Build one with the checking constructors ([`Period::month`],
/// [`Period::quarter`], [`Period::year`], [`Period::range`]) or [`Period::parse`]; the
/// variants are public for matching, and every method re-checks them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Period {
    /// A calendar month; `month` is 1..=12.
    Month { year: i32, month: u32 },
    /// A calendar quarter; `quarter` is 1..=4 (Q1 is January to March).
    Quarter { year: i32, quarter: u32 },
    /// A calendar year.
    Year(i32),
    /// The days `from` to `to`, both inclusive.
    Range { from: NaiveDate, to: NaiveDate },
}

/// The calendar unit a period is split into, from fine to coarse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Month,
    Quarter,
    Year,
}

/// Why a period is not valid, or an operation on it has no answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("month {0} is not between 1 and 12")]
    InvalidMonth(u32),
    #[error("quarter {0} is not between 1 and 4")]
    InvalidQuarter(u32),
    #[error("year {0} is outside {MIN_YEAR}..={MAX_YEAR}")]
    YearOutOfRange(i32),
    #[error("range starts on {from} after it ends on {to}")]
    EmptyRange { from: NaiveDate, to: NaiveDate },
    #[error("{0:?} is not a period label (expected e.g. 2026-07, 2026-Q3, 2026 or 2026-01-15..2026-03-31)")]
    Unparsable(String),
    #[error("a {period} cannot be split into {granularity:?}s, which are longer")]
    CoarserSplit {
        period: String,
        granularity: Granularity,
    },
}

fn check_year(year: i32) -> Result<i32, PeriodError> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(year)
    } else {
        Err(PeriodError::YearOutOfRange(year))
    }
}

fn check_date(date: NaiveDate) -> Result<NaiveDate, PeriodError> {
    check_year(date.year()).map(|_| date)
}

fn ymd(year: i32, month: u32, day: u32) -> Result<NaiveDate, PeriodError> {
    check_year(year)?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or(PeriodError::InvalidMonth(month))
}

/// The last day of a (checked) calendar month.
fn month_end(year: i32, month: u32) -> Result<NaiveDate, PeriodError> {
    let first = ymd(year, month, 1)?;
    let next = first
        .checked_add_months(Months::new(1))
        .ok_or(PeriodError::YearOutOfRange(year))?;
    next.pred_opt().ok_or(PeriodError::YearOutOfRange(year))
}

impl Period {
    /// A calendar month, checked.
    pub fn month(year: i32, month: u32) -> Result<Self, PeriodError> {
        let period = Period::Month { year, month };
        period.validate().map(|()| period)
    }

    /// A calendar quarter, checked.
    pub fn quarter(year: i32, quarter: u32) -> Result<Self, PeriodError> {
        let period = Period::Quarter { year, quarter };
        period.validate().map(|()| period)
    }

    /// A calendar year, checked.
    pub fn year(year: i32) -> Result<Self, PeriodError> {
        let period = Period::Year(year);
        period.validate().map(|()| period)
    }

    /// The days `from` to `to` inclusive, checked (`from` ≤ `to`).
    pub fn range(from: NaiveDate, to: NaiveDate) -> Result<Self, PeriodError> {
        let period = Period::Range { from, to };
        period.validate().map(|()| period)
    }

    /// The month, quarter or year (by `granularity`) that `date` falls in.
    pub fn containing(date: NaiveDate, granularity: Granularity) -> Result<Self, PeriodError> {
        let year = check_year(date.year())?;
        Ok(match granularity {
            Granularity::Month => Period::Month {
                year,
                month: date.month(),
            },
            Granularity::Quarter => Period::Quarter {
                year,
                quarter: date.month0() / 3 + 1,
            },
            Granularity::Year => Period::Year(year),
        })
    }

    /// Checks the fields: month 1..=12, quarter 1..=4, years within
    /// [`MIN_YEAR`]..=[`MAX_YEAR`], a range's start not after its end.
    pub fn validate(&self) -> Result<(), PeriodError> {
        match *self {
            Period::Month { year, month } => {
                check_year(year)?;
                if !(1..=12).contains(&month) {
                    return Err(PeriodError::InvalidMonth(month));
                }
            }
            Period::Quarter { year, quarter } => {
                check_year(year)?;
                if !(1..=4).contains(&quarter) {
                    return Err(PeriodError::InvalidQuarter(quarter));
                }
            }
            Period::Year(year) => {
                check_year(year)?;
            }
            Period::Range { from, to } => {
                check_date(from)?;
                check_date(to)?;
                if from > to {
                    return Err(PeriodError::EmptyRange { from, to });
                }
            }
        }
        Ok(())
    }

    /// The calendar unit of a month, quarter or year; `None` for a range.
    pub fn granularity(&self) -> Option<Granularity> {
        match self {
            Period::Month { .. } => Some(Granularity::Month),
            Period::Quarter { .. } => Some(Granularity::Quarter),
            Period::Year(_) => Some(Granularity::Year),
            Period::Range { .. } => None,
        }
    }

    /// The first day of the period.
    pub fn first_day(&self) -> Result<NaiveDate, PeriodError> {
        self.validate()?;
        match *self {
            Period::Month { year, month } => ymd(year, month, 1),
            Period::Quarter { year, quarter } => ymd(year, quarter * 3 - 2, 1),
            Period::Year(year) => ymd(year, 1, 1),
            Period::Range { from, .. } => Ok(from),
        }
    }

    /// The last day of the period (inclusive).
    pub fn last_day(&self) -> Result<NaiveDate, PeriodError> {
        self.validate()?;
        match *self {
            Period::Month { year, month } => month_end(year, month),
            Period::Quarter { year, quarter } => month_end(year, quarter * 3),
            Period::Year(year) => ymd(year, 12, 31),
            Period::Range { to, .. } => Ok(to),
        }
    }

    /// The number of days in the period.
    pub fn days(&self) -> Result<u64, PeriodError> {
        let span = self.last_day()? - self.first_day()?;
        // Validated: last ≥ first, so the difference is not negative.
        Ok(span.num_days().unsigned_abs() + 1)
    }

    /// Whether `date` lies in the period.
    pub fn contains(&self, date: NaiveDate) -> Result<bool, PeriodError> {
        Ok(self.first_day()? <= date && date <= self.last_day()?)
    }

    /// Whether the two periods share at least one day.
    pub fn overlaps(&self, other: &Period) -> Result<bool, PeriodError> {
        Ok(self.first_day()? <= other.last_day()? && other.first_day()? <= self.last_day()?)
    }

    /// The calendar months `(year, month)` the period overlaps, in order.
    pub fn months(&self) -> Result<Vec<(i32, u32)>, PeriodError> {
        let (first, last) = (self.first_day()?, self.last_day()?);
        let mut months = Vec::new();
        let (mut year, mut month) = (first.year(), first.month());
        while (year, month) <= (last.year(), last.month()) {
            months.push((year, month));
            (year, month) = if month == 12 {
                (year + 1, 1)
            } else {
                (year, month + 1)
            };
        }
        Ok(months)
    }

    /// The period of the same length immediately before: the previous month, quarter or
    /// year; for a range, the same number of days ending the day before it starts.
    pub fn previous(&self) -> Result<Period, PeriodError> {
        self.validate()?;
        let previous = match *self {
            Period::Month { year, month: 1 } => Period::Month {
                year: year - 1,
                month: 12,
            },
            Period::Month { year, month } => Period::Month {
                year,
                month: month - 1,
            },
            Period::Quarter { year, quarter: 1 } => Period::Quarter {
                year: year - 1,
                quarter: 4,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter - 1,
            },
            Period::Year(year) => Period::Year(year - 1),
            Period::Range { from, .. } => {
                let days = self.days()?;
                let to = from
                    .pred_opt()
                    .ok_or(PeriodError::YearOutOfRange(from.year()))?;
                let from = from
                    .checked_sub_days(Days::new(days))
                    .ok_or(PeriodError::YearOutOfRange(from.year()))?;
                Period::Range { from, to }
            }
        };
        previous.validate().map(|()| previous)
    }

    /// The period of the same length immediately after: the next month, quarter or year;
    /// for a range, the same number of days starting the day after it ends.
    pub fn next(&self) -> Result<Period, PeriodError> {
        self.validate()?;
        let next = match *self {
            Period::Month { year, month: 12 } => Period::Month {
                year: year + 1,
                month: 1,
            },
            Period::Month { year, month } => Period::Month {
                year,
                month: month + 1,
            },
            Period::Quarter { year, quarter: 4 } => Period::Quarter {
                year: year + 1,
                quarter: 1,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter + 1,
            },
            Period::Year(year) => Period::Year(year + 1),
            Period::Range { to, .. } => {
                let days = self.days()?;
                let from = to
                    .succ_opt()
                    .ok_or(PeriodError::YearOutOfRange(to.year()))?;
                let to = to
                    .checked_add_days(Days::new(days))
                    .ok_or(PeriodError::YearOutOfRange(to.year()))?;
                Period::Range { from, to }
            }
        };
        next.validate().map(|()| next)
    }

    /// The same period one year earlier. A range keeps its calendar dates; a date that does
    /// not exist a year earlier (29 February) becomes the last day of that month, so
    /// `2024-02-01..2024-02-29` becomes `2023-02-01..2023-02-28`.
    pub fn year_earlier(&self) -> Result<Period, PeriodError> {
        self.validate()?;
        let earlier = match *self {
            Period::Month { year, month } => Period::Month {
                year: year - 1,
                month,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year: year - 1,
                quarter,
            },
            Period::Year(year) => Period::Year(year - 1),
            Period::Range { from, to } => {
                let back = |date: NaiveDate| {
                    date.checked_sub_months(Months::new(12))
                        .ok_or(PeriodError::YearOutOfRange(date.year() - 1))
                };
                Period::Range {
                    from: back(from)?,
                    to: back(to)?,
                }
            }
        };
        earlier.validate().map(|()| earlier)
    }

    /// The label: `"2026-07"`, `"2026-Q3"`, `"2026"` or `"2026-01-15..2026-03-31"`.
    /// [`Period::parse`] reads it back. An invalid period still gets a label (which
    /// `parse` refuses).
    pub fn label(&self) -> String {
        match *self {
            Period::Month { year, month } => format!("{year:04}-{month:02}"),
            Period::Quarter { year, quarter } => format!("{year:04}-Q{quarter}"),
            Period::Year(year) => format!("{year:04}"),
            Period::Range { from, to } => format!("{}..{}", date_label(from), date_label(to)),
        }
    }

    /// Reads a label as written by [`Period::label`], exactly (no spaces, four-digit years,
    /// two-digit months and days, an upper-case `Q`), and checks it.
    pub fn parse(label: &str) -> Result<Period, PeriodError> {
        let unparsable = || PeriodError::Unparsable(label.to_owned());
        if !label.is_ascii() {
            return Err(unparsable());
        }
        let period = if let Some((from, to)) = label.split_once("..") {
            let from = parse_date(from).ok_or_else(unparsable)?;
            let to = parse_date(to).ok_or_else(unparsable)?;
            Period::Range { from, to }
        } else {
            let bytes = label.as_bytes();
            let year = bytes.get(..4).and_then(digits).ok_or_else(unparsable)?;
            let year = i32::try_from(year).map_err(|_| unparsable())?;
            match bytes.get(4..) {
                Some([]) => Period::Year(year),
                Some([b'-', b'Q', q]) => Period::Quarter {
                    year,
                    quarter: digits(&[*q]).ok_or_else(unparsable)?,
                },
                Some([b'-', m1, m2]) => Period::Month {
                    year,
                    month: digits(&[*m1, *m2]).ok_or_else(unparsable)?,
                },
                _ => return Err(unparsable()),
            }
        };
        period.validate().map(|()| period)
    }

    /// Splits the period into calendar months, quarters or years, in order. Whole units
    /// come out as [`Period::Month`], [`Period::Quarter`] or [`Period::Year`]; the partial
    /// units at the ends of a range as [`Period::Range`]. Splitting into the period's own
    /// unit gives the period itself; into a longer unit is an error.
    pub fn split(&self, granularity: Granularity) -> Result<Vec<Period>, PeriodError> {
        let (first, last) = (self.first_day()?, self.last_day()?);
        if let Some(own) = self.granularity() {
            if granularity > own {
                return Err(PeriodError::CoarserSplit {
                    period: self.label(),
                    granularity,
                });
            }
        }
        let mut pieces = Vec::new();
        let mut unit = Period::containing(first, granularity)?;
        loop {
            let (unit_first, unit_last) = (unit.first_day()?, unit.last_day()?);
            let (from, to) = (unit_first.max(first), unit_last.min(last));
            pieces.push(if (from, to) == (unit_first, unit_last) {
                unit
            } else {
                Period::Range { from, to }
            });
            if unit_last >= last {
                return Ok(pieces);
            }
            unit = unit.next()?;
        }
    }
}

fn date_label(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// The value of a non-empty run of ASCII digits.
fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || bytes.len() > 9 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0, |n, b| n * 10 + u32::from(b - b'0')))
}

/// `YYYY-MM-DD`, exactly.
fn parse_date(text: &str) -> Option<NaiveDate> {
    match text.as_bytes() {
        [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] => {
            let year = i32::try_from(digits(&[*y1, *y2, *y3, *y4])?).ok()?;
            NaiveDate::from_ymd_opt(year, digits(&[*m1, *m2])?, digits(&[*d1, *d2])?)
        }
        _ => None,
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl FromStr for Period {
    type Err = PeriodError;
    fn from_str(label: &str) -> Result<Self, Self::Err> {
        Period::parse(label)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.label())
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let label = String::deserialize(deserializer)?;
        Period::parse(&label).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_refuses_signs_and_empties() {
        assert_eq!(digits(b"0042"), Some(42));
        assert_eq!(digits(b""), None);
        assert_eq!(digits(b"+1"), None);
        assert_eq!(digits(b"1 "), None);
    }

    #[test]
    fn month_end_handles_december_and_leap_years() {
        assert_eq!(
            month_end(2026, 12).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
        assert_eq!(
            month_end(2024, 2).unwrap(),
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
        assert_eq!(
            month_end(9999, 12).unwrap(),
            NaiveDate::from_ymd_opt(9999, 12, 31).unwrap()
        );
        assert!(month_end(2026, 13).is_err());
    }
}
