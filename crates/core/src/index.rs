//! The in-memory search index over signals. Built from the decrypted store at unlock and
//! dropped (text zeroed) at lock: the index never touches the disk, so it cannot leak
//! personal text there.

use chrono::NaiveDateTime;
use memchr::memmem;
use zeroize::Zeroize;
use zicht_model::{Form, Sector, Signal, SignalFilter, SignalStatus, SignalSummary};

struct Entry {
    forms: u8,
    sector: Sector,
    status: SignalStatus,
    observed_at: NaiveDateTime,
    control_id: Option<String>,
    /// Lower-cased observation and location.
    haystack: String,
    summary: SignalSummary,
}

impl Entry {
    /// Zeroes the entry's text before it is dropped (a replaced or removed signal).
    fn wipe(mut self) {
        self.haystack.zeroize();
        self.summary.location.zeroize();
    }
}

fn form_bit(f: Form) -> u8 {
    1 << (Form::ALL.iter().position(|x| *x == f).unwrap_or(0) as u8)
}

#[derive(Default)]
pub struct Index {
    /// In insertion order; queries sort their (usually small) result.
    entries: Vec<Entry>,
    /// Signal id → position in `entries`.
    positions: std::collections::HashMap<String, usize>,
    /// What the monitor counts of each signal (no text), at the same position as its entry,
    /// densely: a report walks all of them per period.
    codes: Vec<crate::facts::Code>,
    municipalities: crate::facts::Interner,
    controls: crate::facts::Interner,
}

impl Index {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Adds or replaces the entry for `s`.
    pub fn upsert(&mut self, s: &Signal) {
        let code = crate::facts::Code::of(s, &mut self.municipalities, &mut self.controls);
        let entry = Entry {
            forms: s.forms.iter().fold(0, |acc, f| acc | form_bit(*f)),
            sector: s.sector,
            status: s.status,
            observed_at: s.observed_at,
            control_id: s.control_id.clone(),
            haystack: format!("{}\n{}", s.observation, s.location.description).to_lowercase(),
            summary: SignalSummary {
                id: s.id.clone(),
                kind: s.kind,
                observed_at: s.observed_at,
                sector: s.sector,
                forms: s.forms.clone(),
                location: s.location.description.clone(),
                urgency: s.urgency,
                status: s.status,
                indicator_count: s.indicators.len(),
            },
        };
        match self.positions.get(&s.id) {
            Some(&i) => {
                std::mem::replace(&mut self.entries[i], entry).wipe();
                self.codes[i] = code;
            }
            None => {
                self.positions.insert(s.id.clone(), self.entries.len());
                self.entries.push(entry);
                self.codes.push(code);
            }
        }
    }

    /// Every signal as the monitor counts it, with the municipality and control names its
    /// numbers stand for.
    pub(crate) fn monitor_codes(&self) -> crate::facts::Codes<'_> {
        crate::facts::Codes {
            codes: &self.codes,
            municipalities: &self.municipalities.names,
            controls: &self.controls.names,
        }
    }

    /// When signal `id` was observed, if it is held.
    pub(crate) fn observed_at(&self, id: &str) -> Option<NaiveDateTime> {
        self.positions.get(id).map(|&i| self.entries[i].observed_at)
    }

    /// Removes the entry for `id` (a purged signal); its text is zeroed.
    pub fn remove(&mut self, id: &str) {
        let Some(i) = self.positions.remove(id) else {
            return;
        };
        self.entries.swap_remove(i).wipe();
        self.codes.swap_remove(i);
        if let Some(moved) = self.entries.get(i) {
            self.positions.insert(moved.summary.id.clone(), i);
        }
    }

    /// Signals matching every given criterion, newest observation first.
    pub fn query(&self, f: &SignalFilter) -> Vec<SignalSummary> {
        let needle = f
            .text
            .as_deref()
            .map(|t| t.trim().to_lowercase())
            .filter(|t| !t.is_empty());
        let finder = needle.as_deref().map(memmem::Finder::new);
        let form = f.form.map(form_bit);
        let mut out: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| form.is_none_or(|b| e.forms & b != 0))
            .filter(|e| f.sector.is_none_or(|s| e.sector == s))
            .filter(|e| f.status.is_none_or(|s| e.status == s))
            .filter(|e| f.from.is_none_or(|d| e.observed_at.date() >= d))
            .filter(|e| f.to.is_none_or(|d| e.observed_at.date() <= d))
            .filter(|e| {
                f.control_id
                    .as_ref()
                    .is_none_or(|c| e.control_id.as_ref() == Some(c))
            })
            .filter(|e| {
                finder
                    .as_ref()
                    .is_none_or(|fi| fi.find(e.haystack.as_bytes()).is_some())
            })
            .collect();
        out.sort_by(|a, b| {
            b.observed_at
                .cmp(&a.observed_at)
                .then_with(|| b.summary.id.cmp(&a.summary.id))
        });
        out.into_iter().map(|e| e.summary.clone()).collect()
    }
}

impl Drop for Index {
    fn drop(&mut self) {
        for e in &mut self.entries {
            e.haystack.zeroize();
            e.summary.location.zeroize();
        }
    }
}
