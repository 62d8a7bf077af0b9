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

    /// Saves the monitor for `q` in `format` in `dir` (the download folder); audited (the
    /// format and period, no figures). Returns the path.
    pub fn export_monitor(
        &self,
        q: &MonitorQuery,
        format: MonitorFormat,
        dir: &Path,
        now: Now,
    ) -> Result<PathBuf> {
        let name = self.monitor_file_name(q, format, now)?;
        self.export_monitor_to(q, format, &dir.join(name), now)
    }

    /// The file name [`Zicht::export_monitor`] would use, for a "save as" dialog:
    /// `zicht-aard-en-omvang-<period>.<csv|xlsx>`.
    pub fn monitor_file_name(
        &self,
        q: &MonitorQuery,
        format: MonitorFormat,
        now: Now,
    ) -> Result<String> {
        let r = self.monitor(q, now)?;
        Ok(format!(
            "zicht-aard-en-omvang-{}.{}",
            r.period.replace("..", "_"),
            format.extension()
        ))
    }

    /// [`Zicht::export_monitor`] to the path the user chose.
    pub fn export_monitor_to(
        &self,
        q: &MonitorQuery,
        format: MonitorFormat,
        path: &Path,
        now: Now,
    ) -> Result<PathBuf> {
        let r = self.monitor(q, now)?;
        let bytes = match format {
            MonitorFormat::Csv => csv::to_csv(&r).into_bytes(),
            MonitorFormat::Xlsx => xlsx::to_xlsx(&r).map_err(|e| {
                tracing::warn!(error = %e, "xlsx not written");
                CoreError::Storage("xlsx".into())
            })?,
        };
        let kind = match format {
            MonitorFormat::Csv => "CSV",
            MonitorFormat::Xlsx => "Excel",
        };
        self.export_monitor_file(&r, &bytes, kind, path, now)
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
