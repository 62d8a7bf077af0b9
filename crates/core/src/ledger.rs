//! The ledger: what retention leaves of purged records for the monitor. Per calendar month,
//! record kind, municipality and breakdown category, a count; no ids, no text, nothing per
//! person (issue 15: "figures outlive retention"). Sealed like every record, in the slot
//! `monitor/ledger`, and written in the same purge as the deletions it counts.

use crate::facts::{Dim, Fact};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a ledger count is of: `record` is `adviesvraag`, `signaal`, `casus` or `controle`;
/// `dim` is empty for the count of records itself.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LedgerKey {
    /// `YYYY-MM`.
    pub month: String,
    pub record: String,
    pub municipality: String,
    pub dim: String,
    pub category: String,
}

/// The stored form: a list (JSON maps need string keys).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    entries: Vec<(LedgerKey, u64)>,
    /// Records (tree name, key) that these counts include but that a purge has not deleted
    /// yet: written with the counts, before the deletions, and cleared after them.
    #[serde(default)]
    pending: Vec<(String, Vec<u8>)>,
}

/// The ledger in memory, for counting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerCounts(pub BTreeMap<LedgerKey, u64>);

pub fn month_of(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

impl Ledger {
    pub fn counts(&self) -> LedgerCounts {
        LedgerCounts(self.entries.iter().cloned().collect())
    }

    pub fn from_counts(c: &LedgerCounts) -> Ledger {
        Ledger {
            entries: c.0.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            pending: Vec::new(),
        }
    }

    pub fn with_pending(mut self, pending: Vec<(String, Vec<u8>)>) -> Ledger {
        self.pending = pending;
        self
    }

    pub fn without_pending(mut self) -> Ledger {
        self.pending.clear();
        self
    }

    pub fn pending(&self) -> &[(String, Vec<u8>)] {
        &self.pending
    }
}

impl LedgerCounts {
    fn add(&mut self, key: LedgerKey) {
        *self.0.entry(key).or_default() += 1;
    }

    /// Counts a purged signal, adviesvraag or case; `control` is the type of the control a
    /// signal was recorded in, if that is known.
    pub fn absorb(&mut self, f: &Fact, control: Option<&str>) {
        let key = |dim: &str, category: &str| LedgerKey {
            month: month_of(f.date),
            record: f.kind.wire().to_string(),
            municipality: f.municipality.clone(),
            dim: dim.to_string(),
            category: category.to_string(),
        };
        self.add(key("", ""));
        for (d, c) in &f.categories {
            self.add(key(d.id(), c));
        }
        if let Some(t) = control {
            self.add(key(Dim::ControlSignals.id(), t));
        }
    }

    /// Counts a purged field control.
    pub fn absorb_control(&mut self, date: chrono::NaiveDate, municipality: &str, kind: &str) {
        self.add(LedgerKey {
            month: month_of(date),
            record: "controle".into(),
            municipality: municipality.into(),
            dim: Dim::ControlType.id().into(),
            category: kind.into(),
        });
    }

    /// The counts of one month (`YYYY-MM`), for `record` kinds that pass `keep`.
    pub fn month<'a>(&'a self, month: &str) -> impl Iterator<Item = (&'a LedgerKey, u64)> + 'a {
        let key = |month: String| LedgerKey {
            month,
            record: String::new(),
            municipality: String::new(),
            dim: String::new(),
            category: String::new(),
        };
        // Keys sort by month first: one range, not a scan.
        self.0
            .range(key(month.to_string())..key(format!("{month}\u{10FFFF}")))
            .map(|(k, v)| (k, *v))
    }

    /// Months with any count.
    pub fn months(&self) -> std::collections::BTreeSet<&str> {
        self.0.keys().map(|k| k.month.as_str()).collect()
    }
}
