//! The monitor *aard en omvang*: the figures on nature and scale that a municipality and a
//! region must report, computed from the records and the ledger of purged ones, every figure
//! protected against disclosure of small numbers (`zicht-figures`).
//!
//! - `report.rs`: the figures of one query (breakdowns, trend, durations) and the rules that
//!   keep hidden figures hidden across tables;
//! - `csv.rs`, `xlsx.rs`: the CSV and Excel exports.
//!
//! Signals come from the in-memory index (their dense [`crate::facts::Code`]s); cases and
//! controls, which are few, are read from the store; on the regional table's device, the
//! municipalities' shared counts (`regional.rs`) take the place of records.

pub mod csv;
pub mod regional;
pub(crate) mod report;
pub mod xlsx;

use crate::error::{CoreError, Result};
use crate::facts::Fact;
use crate::ids::Now;
use crate::schema::{CASES, CONTROLS, MONITOR_LEDGER};
use crate::session::Zicht;
use std::path::{Path, PathBuf};
use zicht_model::*;

impl Zicht {
    /// The monitor for `q` (figures protected with the threshold of the settings).
    pub fn monitor(&self, q: &MonitorQuery, now: Now) -> Result<MonitorReport> {
        let session = self.session()?;
        let v = self.vault()?;
        let mut cases = Vec::new();
        v.for_each(&CASES, |_, c: Case| {
            cases.push(case_row(&c, &session.index));
            Ok(())
        })?;
        let mut controls = Vec::new();
        v.for_each(&CONTROLS, |_, c: Control| {
            controls.push(report::ControlRow {
                id: c.id,
                date: c.started_at.date(),
                kind: c.kind,
            });
            Ok(())
        })?;
        // The regional table sees the region: the municipalities' shared counts, no records.
        let regional = session.profile.role == Role::RegionaleTafel;
        let cached = session.ledger.borrow().clone();
        let ledger = match cached {
            Some(l) if !regional => l,
            _ if regional => std::sync::Arc::new(self.regional_counts()?),
            _ => {
                let l = std::sync::Arc::new(v.get(&MONITOR_LEDGER)?.unwrap_or_default().counts());
                session.ledger.replace(Some(l.clone()));
                l
            }
        };
        if regional {
            cases.clear();
            controls.clear();
        }
        let none = crate::facts::Codes {
            codes: &[],
            municipalities: &[],
            controls: &[],
        };
        let input = report::Inputs {
            signals: if regional {
                none
            } else {
                session.index.monitor_codes()
            },
            cases,
            controls,
            ledger,
            municipality: if regional {
                "de regio".into()
            } else {
                session.profile.municipality.clone()
            },
        };
        let threshold = zicht_figures::Threshold::new(session.settings.small_cell_threshold)
            .unwrap_or(zicht_figures::Threshold::DEFAULT);
        let period_error = |e: report::ReportError| match e {
            report::ReportError::Period(why) => {
                CoreError::field("period", &format!("Deze periode bestaat niet: {why}."))
            }
        };
        // The region's figures are counts per municipality and category, not records: they
        // cannot be cut by form, sector or source, and one municipality's own figures are
        // its own to publish (the "Gemeente" table shows them side by side, protected
        // together).
        if regional && q.filter != MonitorFilter::default() {
            return Err(CoreError::field(
                "filter",
                "De cijfers van de regio zijn niet te filteren; de tabel Gemeente toont de gemeenten naast elkaar.",
            ));
        }
        let mut r = report::build(&input, q, threshold, now.naive_local()).map_err(period_error)?;
        // A filtered view is a breakdown's cell of the unfiltered one, looked at closely: a
        // period where that cell is hidden in the unfiltered view is withheld in the filtered
        // one, or the filter would give the hidden cell away.
        if q.filter != MonitorFilter::default() {
            let plain = MonitorQuery {
                filter: MonitorFilter::default(),
                ..q.clone()
            };
            let all = report::build(&input, &plain, threshold, now.naive_local())
                .map_err(period_error)?;
            report::gate_filtered(&mut r, &all, &q.filter);
        }
        if regional {
            // Shared counts are not purged records, and durations need records.
            r.ledger_months.clear();
            r.durations.clear();
        }
        Ok(r)
    }

    /// Saves the monitor for `q` as CSV in `dir` (the download folder); audited (kind and
    /// period, no figures).
    pub fn export_monitor_csv(&self, q: &MonitorQuery, dir: &Path, now: Now) -> Result<PathBuf> {
        let r = self.monitor(q, now)?;
        self.export_monitor_csv_to(q, &dir.join(csv::file_name(&r)), now)
    }

    /// The file name [`Zicht::export_monitor_csv`] would use, for a "save as" dialog.
    pub fn monitor_csv_file_name(&self, q: &MonitorQuery, now: Now) -> Result<String> {
        Ok(csv::file_name(&self.monitor(q, now)?))
    }

    /// [`Zicht::export_monitor_csv`] to the path the user chose.
    pub fn export_monitor_csv_to(
        &self,
        q: &MonitorQuery,
        path: &Path,
        now: Now,
    ) -> Result<PathBuf> {
        let r = self.monitor(q, now)?;
        self.export_monitor_file(&r, csv::to_csv(&r).as_bytes(), "CSV", path, now)
    }

    /// Saves the monitor for `q` as an Excel workbook in `dir`; audited like the CSV.
    pub fn export_monitor_xlsx(&self, q: &MonitorQuery, dir: &Path, now: Now) -> Result<PathBuf> {
        let r = self.monitor(q, now)?;
        self.export_monitor_xlsx_to(q, &dir.join(xlsx::file_name(&r)), now)
    }

    /// The file name [`Zicht::export_monitor_xlsx`] would use, for a "save as" dialog.
    pub fn monitor_xlsx_file_name(&self, q: &MonitorQuery, now: Now) -> Result<String> {
        Ok(xlsx::file_name(&self.monitor(q, now)?))
    }

    /// [`Zicht::export_monitor_xlsx`] to the path the user chose.
    pub fn export_monitor_xlsx_to(
        &self,
        q: &MonitorQuery,
        path: &Path,
        now: Now,
    ) -> Result<PathBuf> {
        let r = self.monitor(q, now)?;
        let bytes = xlsx::to_xlsx(&r).map_err(|e| {
            tracing::warn!(error = %e, "xlsx not written");
            CoreError::Storage("xlsx".into())
        })?;
        self.export_monitor_file(&r, &bytes, "Excel", path, now)
    }

    /// Writes an export next to its final place, audits it (the kind and period, no figures),
    /// then puts it in place: an export that is not in the audit trail does not appear.
    fn export_monitor_file(
        &self,
        r: &MonitorReport,
        bytes: &[u8],
        kind: &str,
        path: &Path,
        now: Now,
    ) -> Result<PathBuf> {
        let (dir, name) = crate::fsutil::split(path)?;
        let staged = crate::fsutil::stage(dir, name, bytes)?;
        self.audit(
            now,
            AuditAction::Export,
            AuditSubject::Monitor,
            None,
            &format!("aard en omvang ({kind}), periode {}", r.period),
        )?;
        self.kv.sync()?;
        let path = staged.commit()?;
        tracing::info!(kind, "monitor exported");
        Ok(path)
    }
}

fn case_row(c: &Case, index: &crate::index::Index) -> report::CaseRow {
    let first_signal = c
        .signal_ids
        .iter()
        .filter_map(|id| index.observed_at(id))
        .min();
    let at = |k: StepKind| c.steps.iter().find(|s| s.kind == k).map(|s| s.at);
    report::CaseRow {
        fact: Fact::of_case(c),
        created: c.created_at,
        first_signal,
        forwarded: at(StepKind::Tafel),
        decided: c
            .decision
            .as_ref()
            .map(|d| d.decided_at)
            .or(at(StepKind::Besluit)),
        closed: c.closed_at,
    }
}
