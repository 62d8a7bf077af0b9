//! # zicht-figures: the statistical core of the monitor (*aard en omvang*)
//!
//! Periods, count tables, and the disclosure control that every figure passes before it
//! leaves the core: to the screen, to a CSV, xlsx or PDF export, or in a monitoring bundle
//! to the region. Pure: no I/O, no clock (callers pass dates), no other workspace crate.
//!
//! - [`period`]: [`Period`] (month, quarter, year, date range) with its arithmetic
//!   (previous period, a year earlier, splitting a year into months) and labels
//!   (`"2026-07"`, `"2026-Q3"`, `"2026"`, `"2026-01-15..2026-03-31"`);
//! - [`table`]: [`Table`], counts of one dimension's categories per period, with totals;
//! - [`disclosure`]: [`protect`], which turns a [`Table`] into a [`Protected`] table, the
//!   only form in which figures may be published.
//!
//! ## Why figures are protected
//!
//! The monitor counts people in vulnerable positions in small municipalities. A published
//! "2" (two victims of labour exploitation in the car washes of a village in March) can be
//! enough for a neighbour, an employer or an exploiter to know who they are. So:
//!
//! **Primary suppression.** Every count from 1 to `threshold − 1` (threshold 5 by default,
//! never below 3) is hidden and shown as `<5`. Zeros are shown: "none" identifies nobody,
//! and hiding zeros would make every other hidden count look larger than it is.
//! Totals are counts too: a total from 1 to 4 is shown as `<5` as well.
//!
//! **Secondary suppression.** Hiding the small counts alone is not enough, because the
//! published figures are related. Take one month with a single-valued dimension:
//!
//! | Bron    | 2026-07 |
//! |---------|--------:|
//! | Politie |      <5 |
//! | Zorg    |      12 |
//! | Totaal  |      15 |
//!
//! Anyone can subtract: Politie = 15 − 12 = 3. So one more figure must go: here the 12,
//! shown as `–`. Now Politie + Zorg = 15 with Politie between 1 and 4 leaves four
//! possibilities. Likewise two hidden counts whose sum is known to be 2 must both be 1, and
//! when the monitor shows both a monthly trend and the quarter's figure per category, a
//! count hidden in July is the quarter's figure minus August and September unless another
//! month is hidden too. [`protect`] hides further cells (the smallest first) or, only when
//! no cell will do, totals, until **no hidden count can be worked out** from everything
//! that is published, with everything an attacker knows: the shown figures, the totals, that
//! `<5` means 1 to 4, and that `–` means "at least 1" (zeros are never hidden).
//!
//! For a **multi-valued** dimension (a record can count under several categories, e.g. the
//! forms of exploitation) the total is the number of records, not the sum of the cells;
//! the only relation is that no cell exceeds its total. [`disclosure`] explains how that is
//! taken into account, and the algorithm.
//!
//! **Durations and other figures over records** (a median duration of a care trajectory)
//! are shown only when computed over at least `threshold` records: [`protect_duration`].
//!
//! Every published table with hidden figures carries the [`Protected::footnote`], in Dutch.
//!
//! ```
//! use zicht_figures::{protect, Category, Period, Table, Threshold};
//!
//! let months = Period::quarter(2026, 3)?.split(zicht_figures::Granularity::Month)?;
//! let table = Table::single_valued(
//!     "Vorm van uitbuiting",
//!     vec![
//!         Category::new("seksueel", "Seksuele uitbuiting"),
//!         Category::new("arbeid", "Arbeidsuitbuiting"),
//!         Category::new("crimineel", "Criminele uitbuiting"),
//!     ],
//!     months,
//!     vec![vec![6, 7, 9], vec![2, 8, 5], vec![0, 6, 5]],
//! )?
//! .with_row_totals();
//! let protected = protect(&table, Threshold::DEFAULT);
//! let july: Vec<String> = protected.cells().iter().map(|row| protected.text(row[0])).collect();
//! // The 2 is hidden; so is a second July count, or July's total would give it away.
//! assert_eq!(july[1], "<5");
//! assert!(july.iter().filter(|text| text.as_str() == "–").count() >= 1);
//! assert_eq!(protected.text(protected.cells()[2][0]), "0");
//! assert!(protected.footnote().is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod disclosure;
mod network;
pub mod period;
pub mod table;

pub use disclosure::{
    footnote, protect, protect_duration, Cell, Protected, Threshold, ThresholdError,
};
pub use period::{Granularity, Period, PeriodError, MAX_YEAR, MIN_YEAR};
pub use table::{Category, Table, TableError, TOTAL_LABEL};
