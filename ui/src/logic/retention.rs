//! Retention (bewaartermijnen) and purges, for display.

use crate::logic::format::datetime_nl;
use chrono::NaiveDate;
use zicht_model::PurgeReport;

/// "2 signalen, 0 adviesvragen, 1 casus, 3 ontvangen en 0 verzonden bundels".
pub fn purge_counts_text(r: &PurgeReport) -> String {
    let n = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let mut text = format!(
        "{}, {}, {}, {} ontvangen en {} verzonden {}",
        n(r.signals, "signaal", "signalen"),
        n(r.adviesvragen, "adviesvraag", "adviesvragen"),
        n(r.cases, "casus", "casussen"),
        r.received,
        r.sent,
        if r.received + r.sent == 1 {
            "bundel"
        } else {
            "bundels"
        }
    );
    // Controls and drafts are named only when there were any.
    if r.controls > 0 {
        text += &format!("; {}", n(r.controls, "controle", "controles"));
    }
    if r.drafts > 0 {
        text += &format!("; {}", n(r.drafts, "concept", "concepten"));
    }
    text
}

/// The last purge for the settings screen.
pub fn last_purge_text(r: Option<&PurgeReport>) -> String {
    match r {
        Some(r) => {
            let when =
                r.at.map(|at| format!(" {}", datetime_nl(&at)))
                    .unwrap_or_default();
            format!(
                "Laatste opschoning{when}: {} verwijderd.",
                purge_counts_text(r)
            )
        }
        None => "Nog niet opgeschoond.".into(),
    }
}

/// The notice after unlocking: only when today's purge removed something.
pub fn purge_notice(r: Option<&PurgeReport>, today: NaiveDate) -> Option<String> {
    let r = r?;
    let at = r.at?;
    (r.total() > 0 && at.date() == today).then(|| {
        format!(
            "Bewaartermijn verstreken: {} verwijderd.",
            purge_counts_text(r)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> PurgeReport {
        PurgeReport {
            at: NaiveDate::from_ymd_opt(2026, 11, 22)
                .unwrap()
                .and_hms_opt(9, 30, 0),
            signals: 2,
            adviesvragen: 0,
            cases: 1,
            received: 3,
            sent: 0,
            ..PurgeReport::default()
        }
    }

    #[test]
    fn counts_in_words() {
        assert_eq!(
            purge_counts_text(&report()),
            "2 signalen, 0 adviesvragen, 1 casus, 3 ontvangen en 0 verzonden bundels"
        );
        let r = PurgeReport {
            received: 1,
            ..PurgeReport::default()
        };
        assert_eq!(
            purge_counts_text(&r),
            "0 signalen, 0 adviesvragen, 0 casussen, 1 ontvangen en 0 verzonden bundel"
        );
    }

    #[test]
    fn last_purge() {
        assert_eq!(last_purge_text(None), "Nog niet opgeschoond.");
        assert_eq!(
            last_purge_text(Some(&report())),
            "Laatste opschoning 22-11-2026 09:30: 2 signalen, 0 adviesvragen, 1 casus, 3 ontvangen en 0 verzonden bundels verwijderd."
        );
    }

    #[test]
    fn notice_only_today_and_only_when_something_went() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let r = report();
        assert_eq!(
            purge_notice(Some(&r), today).unwrap(),
            "Bewaartermijn verstreken: 2 signalen, 0 adviesvragen, 1 casus, 3 ontvangen en 0 verzonden bundels verwijderd."
        );
        assert_eq!(purge_notice(Some(&r), today.succ_opt().unwrap()), None);
        assert_eq!(
            purge_notice(
                Some(&PurgeReport {
                    at: r.at,
                    ..PurgeReport::default()
                }),
                today
            ),
            None
        );
        assert_eq!(purge_notice(None, today), None);
    }
}
