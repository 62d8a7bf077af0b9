//! The audit trail, for display.

use zicht_model::AuditEntry;

/// The first 8 characters of a record id (enough to tell records apart on screen).
pub fn short_record(record: Option<&str>) -> String {
    record
        .map(|r| r.chars().take(8).collect())
        .unwrap_or_default()
}

/// The entries newest first.
pub fn newest_first(mut entries: Vec<AuditEntry>) -> Vec<AuditEntry> {
    entries.sort_by_key(|e| std::cmp::Reverse(e.seq));
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use zicht_model::{AuditAction, AuditSubject};

    fn entry(seq: u64) -> AuditEntry {
        AuditEntry {
            seq,
            at: NaiveDate::from_ymd_opt(2026, 11, 22)
                .unwrap()
                .and_hms_opt(10, 0, 0)
                .unwrap(),
            actor: "A".into(),
            action: AuditAction::View,
            subject: AuditSubject::Signal,
            record: None,
            detail: String::new(),
            prev: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn records_are_shortened() {
        assert_eq!(
            short_record(Some("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")),
            "0193a1b2"
        );
        assert_eq!(short_record(Some("abc")), "abc");
        assert_eq!(short_record(None), "");
    }

    #[test]
    fn newest_entries_come_first() {
        let got: Vec<u64> = newest_first(vec![entry(1), entry(3), entry(2)])
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(got, [3, 2, 1]);
    }
}
