//! The audit trail and retention as the user sees them: thin `Zicht` methods over
//! [`crate::audit`] (the hash chain) and [`crate::retention`] (deadlines and the purge), which
//! themselves only work on the vault and the session's index.

use crate::audit;
use crate::error::{CoreError, Result};
use crate::ids::Now;
use crate::retention;
use crate::session::Zicht;
use std::path::{Path, PathBuf};
use zicht_model::*;

impl Zicht {
    /// Records that personal data was viewed, durably (used by the detail views).
    pub(crate) fn audit_view(&self, now: Now, subject: AuditSubject, record: &str) -> Result<()> {
        self.audit(now, AuditAction::View, subject, Some(record), "")?;
        self.kv.sync()
    }

    /// The audit trail, oldest first; only entries about `record` when given.
    pub fn audit_log(&self, record: Option<&str>) -> Result<Vec<AuditEntry>> {
        audit::log(&self.vault()?, record)
    }

    /// Checks the whole chain.
    pub fn verify_audit(&self) -> Result<AuditVerification> {
        audit::verify(&self.vault()?)
    }

    /// Writes the audit trail for the privacy officer as JSON lines (with `prev` and `hash`, so
    /// it can be checked outside Zicht) to `<dir>/`[`audit::file_name`], atomically. The export
    /// itself is audited.
    pub fn export_audit(&self, dir: &Path, now: Now) -> Result<PathBuf> {
        self.export_audit_to(&dir.join(audit::file_name(now)), now)
    }

    /// [`Zicht::export_audit`] to the path the user chose (in a "save as" dialog).
    pub fn export_audit_to(&self, path: &Path, now: Now) -> Result<PathBuf> {
        self.audit(now, AuditAction::Export, AuditSubject::Audit, None, "")?;
        self.kv.sync()?;
        let (text, entries) = audit::to_json_lines(&self.vault()?)?;
        let (dir, name) = crate::fsutil::split(path)?;
        let path = crate::fsutil::write_atomic(dir, name, &text)?;
        tracing::info!(entries, "audit log exported");
        Ok(path)
    }

    /// Removes every record whose retention term has passed on `now`'s date. Durable on
    /// return; the report (counts only) is kept to show the user.
    pub fn purge_expired(&mut self, now: Now) -> Result<PurgeReport> {
        let session = self.session.as_mut().ok_or(CoreError::Locked)?;
        session.ledger.replace(None);
        let v = crate::vault::Vault::new(&self.kv, &session.key);
        retention::purge_expired(
            &v,
            &mut session.index,
            &session.settings.retention,
            &session.profile.name,
            &session.profile.municipality,
            now,
        )
    }

    /// Runs the purge once per calendar day (at unlock and from the app's timer). Returns the
    /// report when it ran.
    pub fn purge_if_due(&mut self, now: Now) -> Result<Option<PurgeReport>> {
        if !self.is_unlocked() || !retention::purge_due(&self.vault()?, now)? {
            return Ok(None);
        }
        self.purge_expired(now).map(Some)
    }

    /// The last purge run's report, if any.
    pub fn last_purge(&self) -> Result<Option<PurgeReport>> {
        retention::last_purge(&self.vault()?)
    }
}
