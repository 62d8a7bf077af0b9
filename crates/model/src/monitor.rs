//! The monitor *aard en omvang*: what the UI asks for and what it gets back. Every figure in a
//! [`MonitorReport`] has passed the core's disclosure control (small-cell suppression): the UI
//! shows `text` as it is and never computes a figure itself.

use crate::{Form, Sector, Source};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// Default threshold for small cells: counts of 1 up to this minus one are shown as `<5`.
pub const DEFAULT_SMALL_CELL_THRESHOLD: u64 = 5;
/// The lowest threshold a user may set.
pub const MIN_SMALL_CELL_THRESHOLD: u64 = 3;

/// The Dutch month names, January first (period titles in the core and the UI).
pub const MONTH_NAMES: [&str; 12] = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
];

/// The Dutch name of month 1..=12.
pub fn month_name(month: u32) -> Option<&'static str> {
    MONTH_NAMES.get(month.checked_sub(1)? as usize).copied()
}

labelled_enum! {
    /// How long the period of a monitor view is.
    PeriodKind {
        Month => "month", "Maand";
        Quarter => "quarter", "Kwartaal";
        Year => "year", "Jaar";
        Range => "range", "Eigen periode";
    }
}

labelled_enum! {
    /// The file formats the monitor exports to.
    MonitorFormat {
        Csv => "csv", "CSV voor Excel";
        Xlsx => "xlsx", "Excel-werkmap";
    }
}

impl MonitorFormat {
    /// The file extension (and the word in the audit trail).
    pub fn extension(self) -> &'static str {
        self.wire()
    }
}

labelled_enum! {
    /// What a record is in the monitor: the three kinds the plans distinguish, and controls.
    MonitorKind {
        Adviesvraag => "adviesvraag", "Adviesvragen";
        Signaal => "signaal", "Signalen";
        Casus => "casus", "Casussen";
    }
}

/// Which period and which records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorQuery {
    pub period: PeriodKind,
    pub year: i32,
    /// Month 1..=12 or quarter 1..=4; ignored for a year or a range.
    #[serde(default)]
    pub part: u32,
    /// First and last day, for a range (inclusive).
    #[serde(default)]
    pub from: Option<NaiveDate>,
    #[serde(default)]
    pub to: Option<NaiveDate>,
    #[serde(default)]
    pub filter: MonitorFilter,
}

/// Narrows the records counted. Filters other than municipality and kind apply only to
/// records still held (the ledger of purged records keeps no combinations); the report
/// says so when it matters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorFilter {
    #[serde(default)]
    pub municipality: Option<String>,
    #[serde(default)]
    pub kind: Option<MonitorKind>,
    #[serde(default)]
    pub form: Option<Form>,
    #[serde(default)]
    pub sector: Option<Sector>,
    #[serde(default)]
    pub source: Option<Source>,
}

/// One published figure: its text (`"12"`, `"<5"`, `"–"`) and, when shown, its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure {
    pub text: String,
    #[serde(default)]
    pub value: Option<u64>,
    /// Hidden to protect small numbers (primary: itself small; else hidden so that a small
    /// one cannot be worked out).
    #[serde(default)]
    pub hidden: bool,
}

/// A key figure at the top: this period, the previous one, the same period a year earlier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFigure {
    pub kind: MonitorKind,
    pub current: Figure,
    pub previous: Figure,
    pub year_earlier: Figure,
    /// "+3 ten opzichte van …", or `None` when a figure is hidden.
    #[serde(default)]
    pub change: Option<String>,
}

/// One breakdown: categories (rows) × periods (columns), after disclosure control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorTable {
    /// Stable id (`form`, `sector`, …) for exports and tests.
    pub id: String,
    /// Dutch title, e.g. "Vorm van uitbuiting".
    pub title: String,
    /// A record may count under several categories; the total counts records.
    pub multi_valued: bool,
    /// Period labels of the columns (`2026-Q3`, …).
    pub columns: Vec<String>,
    pub rows: Vec<MonitorRow>,
    /// Per column: the number of records (`Totaal`).
    pub totals: Vec<Figure>,
    /// Notes under the table (in Dutch).
    #[serde(default)]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorRow {
    /// Stable key (the wire name of the category).
    pub key: String,
    pub label: String,
    pub cells: Vec<Figure>,
}

/// A duration between two moments of a record's life, in days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DurationFigure {
    pub label: String,
    /// Records it is computed over (shown only from the threshold up).
    pub records: Figure,
    /// Median, shortest, longest in days; `None` when over too few records.
    #[serde(default)]
    pub median_days: Option<i64>,
    #[serde(default)]
    pub min_days: Option<i64>,
    #[serde(default)]
    pub max_days: Option<i64>,
}

/// A municipality that shared its figures with the regional table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionalSource {
    pub municipality: String,
    /// When the newest share was sent and received.
    #[serde(default)]
    pub sent_at: Option<NaiveDateTime>,
    #[serde(default)]
    pub received_at: Option<NaiveDateTime>,
    /// The months it covers, `YYYY-MM`.
    pub from: String,
    pub to: String,
}

/// The monitor for one query, ready to show or export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitorReport {
    /// `2026-Q3`, and the comparison periods.
    pub period: String,
    pub previous: String,
    pub year_earlier: String,
    /// "3e kwartaal 2026", for titles.
    pub period_title: String,
    pub municipality: String,
    pub threshold: u64,
    pub key_figures: Vec<KeyFigure>,
    pub tables: Vec<MonitorTable>,
    /// Records per month of the period, per kind (rows: kinds, columns: months).
    pub trend: MonitorTable,
    pub durations: Vec<DurationFigure>,
    /// The suppression note, in Dutch (also under every export).
    pub footnote: String,
    /// A few sentences that say what the figures show, for screen readers and the report.
    pub summary: String,
    /// Months of the period whose purged records are counted from the ledger.
    #[serde(default)]
    pub ledger_months: Vec<String>,
    pub made_at: NaiveDateTime,
}
