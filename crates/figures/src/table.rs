//! Count tables: one dimension's categories (rows) × periods (columns), with a total per
//! period and, optionally, a total per category over all periods.

use serde::{Deserialize, Serialize};

use crate::period::{Period, PeriodError};

/// The Dutch label of the total row and column.
pub const TOTAL_LABEL: &str = "Totaal";

/// A category of the table's dimension: a stable key and the Dutch label the caller shows.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Category {
    pub key: String,
    pub label: String,
}

impl Category {
    pub fn new(key: impl Into<String>, label: impl Into<String>) -> Self {
        Category {
            key: key.into(),
            label: label.into(),
        }
    }
}

/// Why a table cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("{actual} rows of counts for {expected} categories")]
    RowCount { expected: usize, actual: usize },
    #[error("category {category:?} has {actual} counts for {expected} periods")]
    ColumnCount {
        category: String,
        expected: usize,
        actual: usize,
    },
    #[error("{actual} totals for {expected} periods")]
    TotalCount { expected: usize, actual: usize },
    #[error("category key {0:?} occurs twice")]
    DuplicateCategory(String),
    #[error("period {label}: {source}")]
    InvalidPeriod { label: String, source: PeriodError },
    #[error("periods {0} and {1} overlap")]
    OverlappingPeriods(String, String),
    #[error("period {period}: the counts add up to {sum}, the total is {total} (single-valued dimension)")]
    TotalMismatch {
        period: String,
        sum: u64,
        total: u64,
    },
    #[error("period {period}: category {category:?} counts {count}, more than the total {total}")]
    CountExceedsTotal {
        category: String,
        period: String,
        count: u64,
        total: u64,
    },
    #[error("the counts overflow")]
    Overflow,
}

/// A table of counts, checked on construction.
///
/// `counts[c][p]` is the number of records of period `p` in category `c`; `totals[p]` the
/// number of records of period `p`. Each record falls in exactly one period (by its date),
/// so a category's total over the periods is always the sum of its row, and the grand total
/// is the sum of the period totals.
///
/// - **Single-valued** dimension (a record has exactly one category, e.g. the municipality):
///   each period's total is the sum of its column; the constructor checks that.
/// - **Multi-valued** dimension (a record may count under several categories, e.g. the forms
///   of exploitation): the total is the number of records, not the sum of the cells; the
///   caller passes it, and the constructor only checks that no cell exceeds it.
///
/// Row totals (per category over all periods, plus the grand total) are published only
/// when asked for with [`Table::with_row_totals`]: a monthly trend shown beside the
/// quarter's figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    dimension: String,
    multi_valued: bool,
    categories: Vec<Category>,
    periods: Vec<Period>,
    counts: Vec<Vec<u64>>,
    totals: Vec<u64>,
    row_sums: Vec<u64>,
    grand_total: u64,
    row_totals: bool,
}

impl Table {
    /// A table whose period totals the caller passes (required for a multi-valued
    /// dimension). `counts` has one row per category, each with one count per period.
    ///
    /// Errors: mismatched lengths, a repeated category key, an invalid period, overlapping
    /// periods, a single-valued total that is not its column's sum, a multi-valued count
    /// above its total, or a sum beyond `u64`.
    pub fn new(
        dimension: impl Into<String>,
        categories: Vec<Category>,
        periods: Vec<Period>,
        counts: Vec<Vec<u64>>,
        totals: Vec<u64>,
        multi_valued: bool,
    ) -> Result<Self, TableError> {
        check_shape(&categories, &periods, &counts)?;
        if totals.len() != periods.len() {
            return Err(TableError::TotalCount {
                expected: periods.len(),
                actual: totals.len(),
            });
        }
        for (p, period) in periods.iter().enumerate() {
            let total = totals[p];
            if multi_valued {
                for (c, category) in categories.iter().enumerate() {
                    if counts[c][p] > total {
                        return Err(TableError::CountExceedsTotal {
                            category: category.key.clone(),
                            period: period.label(),
                            count: counts[c][p],
                            total,
                        });
                    }
                }
            } else {
                let sum = checked_sum(counts.iter().map(|row| row[p]))?;
                if sum != total {
                    return Err(TableError::TotalMismatch {
                        period: period.label(),
                        sum,
                        total,
                    });
                }
            }
        }
        let row_sums = counts
            .iter()
            .map(|row| checked_sum(row.iter().copied()))
            .collect::<Result<Vec<_>, _>>()?;
        let grand_total = checked_sum(totals.iter().copied())?;
        Ok(Table {
            dimension: dimension.into(),
            multi_valued,
            categories,
            periods,
            counts,
            totals,
            row_sums,
            grand_total,
            row_totals: false,
        })
    }

    /// A single-valued table; the period totals are the column sums.
    pub fn single_valued(
        dimension: impl Into<String>,
        categories: Vec<Category>,
        periods: Vec<Period>,
        counts: Vec<Vec<u64>>,
    ) -> Result<Self, TableError> {
        check_shape(&categories, &periods, &counts)?;
        let totals = (0..periods.len())
            .map(|p| checked_sum(counts.iter().map(|row| row[p])))
            .collect::<Result<Vec<_>, _>>()?;
        Table::new(dimension, categories, periods, counts, totals, false)
    }

    /// Also publish each category's total over all periods and the grand total.
    #[must_use]
    pub fn with_row_totals(mut self) -> Self {
        self.row_totals = true;
        self
    }

    /// The dimension's Dutch name, e.g. "Vorm van uitbuiting".
    pub fn dimension(&self) -> &str {
        &self.dimension
    }

    /// Whether a record may count under several categories.
    pub fn multi_valued(&self) -> bool {
        self.multi_valued
    }

    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    pub fn periods(&self) -> &[Period] {
        &self.periods
    }

    /// `counts()[c][p]`: category `c` in period `p`.
    pub fn counts(&self) -> &[Vec<u64>] {
        &self.counts
    }

    /// The number of records per period.
    pub fn totals(&self) -> &[u64] {
        &self.totals
    }

    /// Whether the row totals and the grand total are published.
    pub fn has_row_totals(&self) -> bool {
        self.row_totals
    }

    /// Each category's count over all periods (computed whether published or not).
    pub fn row_sums(&self) -> &[u64] {
        &self.row_sums
    }

    /// The number of records over all periods.
    pub fn grand_total(&self) -> u64 {
        self.grand_total
    }
}

fn check_shape(
    categories: &[Category],
    periods: &[Period],
    counts: &[Vec<u64>],
) -> Result<(), TableError> {
    if counts.len() != categories.len() {
        return Err(TableError::RowCount {
            expected: categories.len(),
            actual: counts.len(),
        });
    }
    for (category, row) in categories.iter().zip(counts) {
        if row.len() != periods.len() {
            return Err(TableError::ColumnCount {
                category: category.key.clone(),
                expected: periods.len(),
                actual: row.len(),
            });
        }
    }
    for (i, category) in categories.iter().enumerate() {
        if categories[..i]
            .iter()
            .any(|earlier| earlier.key == category.key)
        {
            return Err(TableError::DuplicateCategory(category.key.clone()));
        }
    }
    for (i, period) in periods.iter().enumerate() {
        period
            .validate()
            .map_err(|source| TableError::InvalidPeriod {
                label: period.label(),
                source,
            })?;
        for earlier in &periods[..i] {
            // Both validated, so `overlaps` cannot fail.
            if earlier.overlaps(period).unwrap_or(true) {
                return Err(TableError::OverlappingPeriods(
                    earlier.label(),
                    period.label(),
                ));
            }
        }
    }
    Ok(())
}

fn checked_sum(mut values: impl Iterator<Item = u64>) -> Result<u64, TableError> {
    values
        .try_fold(0u64, |sum, v| sum.checked_add(v))
        .ok_or(TableError::Overflow)
}
