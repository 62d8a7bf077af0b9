//! Exchange between devices, for display: outbox states in words, who may receive a signal,
//! sizes, the identity line for the coordinator and the import messages.

use crate::logic::format::{count_text, datetime_nl, time_nl};
use zicht_model::{
    DeviceIdentity, DirectoryStatus, ImportResult, IncomingSummary, OutboxItem, OutboxState,
    Participant, ParticipantRole, SyncState, SyncStatus,
};

/// The sync state in one Dutch sentence (state in words, never by colour alone). Without the
/// time of the last attempt: this line is read out by screen readers when it changes, and it
/// should change only when the state or its reason does.
pub fn sync_status_text(s: &SyncStatus) -> String {
    format!(
        "Verbinding met het regionale knooppunt: {}. {}",
        s.state.label(),
        s.message
    )
}

/// After "Nu synchroniseren" at `at`, given the state before the click: a round runs only
/// with an endpoint set and this device enrolled; otherwise say what is missing.
pub fn sync_now_text(state: Option<SyncState>, at: &chrono::NaiveDateTime) -> String {
    match state {
        Some(SyncState::NietIngesteld) => {
            "Er is geen regionaal knooppunt ingesteld; dat doet u hieronder.".into()
        }
        Some(SyncState::NietAangemeld) => {
            "Dit apparaat is nog niet aangemeld; dat doet u hieronder met de aanmeldcode.".into()
        }
        _ => format!(
            "Synchronisatie gestart om {}; de regel hierboven toont de uitkomst.",
            time_nl(at)
        ),
    }
}

/// When the last round was tried, if one was.
pub fn sync_time_text(s: &SyncStatus) -> Option<String> {
    s.at.map(|t| format!("Laatste poging: {}.", datetime_nl(&t)))
}

/// Under the outbox, when bundles wait for an endpoint that is not there to take them: what
/// the user can do. `None` when they will go with the next round.
pub fn outbox_waiting_hint(s: &SyncStatus, items: &[OutboxItem]) -> Option<&'static str> {
    if !items.iter().any(|i| i.state == OutboxState::Wacht) {
        return None;
    }
    match s.state {
        SyncState::NietIngesteld => Some(
            "Er is geen regionaal knooppunt ingesteld: wat wacht, gaat pas weg als dat is \
             ingesteld. U kunt een bundel ook als bestand opslaan en zelf naar de ontvanger brengen.",
        ),
        SyncState::NietAangemeld => Some(
            "Dit apparaat is nog niet aangemeld bij het regionale knooppunt: wat wacht, gaat \
             pas weg na het aanmelden. U kunt een bundel ook als bestand opslaan.",
        ),
        _ => None,
    }
}

/// What a received bundle carries besides signals (a case or a decision), in words, for the
/// inbox row; `None` for a bundle of signals only.
pub fn payload_kind_text(item: &IncomingSummary) -> Option<String> {
    if let Some(track) = item.decision {
        Some(format!(
            "Besluit van de regionale tafel: {}. Zie de casus onder Casussen.",
            track.label()
        ))
    } else {
        item.case_title
            .as_ref()
            .map(|_| "Casus voor de regionale tafel; zie Binnengekomen.".to_string())
    }
}

/// What is wrong with a typed region fingerprint before it is checked: it must hold the 30
/// digits of six groups of five (spaces and dashes do not count).
pub fn fingerprint_input_problem(typed: &str) -> Option<String> {
    let digits = typed.chars().filter(char::is_ascii_digit).count();
    let other = typed
        .chars()
        .any(|c| !(c.is_ascii_digit() || c.is_whitespace() || c == '-'));
    if other {
        Some("Typ alleen de cijfers van de vingerafdruk.".into())
    } else if digits != 30 {
        Some(format!(
            "Een vingerafdruk heeft 30 cijfers; u typte er {digits}."
        ))
    } else {
        None
    }
}

/// Largest directory file the UI reads (a directory is a few hundred bytes per participant).
pub const MAX_DIRECTORY_FILE: u64 = 4 * 1024 * 1024;
/// Largest `.zicht` file the UI reads (the bytes travel through the IPC as JSON).
pub const MAX_BUNDLE_FILE: u64 = 64 * 1024 * 1024;

/// The state of an outgoing bundle in words (never by colour alone).
pub fn outbox_state_text(state: &OutboxState) -> String {
    match state {
        OutboxState::Wacht => "Wacht op verbinding".into(),
        OutboxState::Verzonden { receipt_at } => {
            format!(
                "Verzonden; ontvangst bevestigd op {}",
                datetime_nl(receipt_at)
            )
        }
        OutboxState::Fout { reason } => format!("Fout: {reason}"),
    }
}

/// A size in bytes for people: `812 bytes`, `1,2 kB`, `3,4 MB` (Dutch decimal comma).
pub fn size_text(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    let one_decimal = |v: u64, unit: u64, name: &str| {
        // Rounded to tenths with integers only.
        let tenths = (v * 10 + unit / 2) / unit;
        format!("{},{} {name}", tenths / 10, tenths % 10)
    };
    match bytes {
        1 => "1 byte".into(),
        b if b < KB => format!("{b} bytes"),
        b if b < MB => one_decimal(b, KB, "kB"),
        b => one_decimal(b, MB, "MB"),
    }
}

/// `Naam — Aandachtsfunctionaris mensenhandel, Zutphen`.
pub fn participant_text(p: &Participant) -> String {
    format!(
        "{} — {}, {}",
        p.display_name,
        p.role.label(),
        p.municipality
    )
}

/// True when `p` is this device (the directory may list it under more than one id).
pub fn is_me(dir: &DirectoryStatus, p: &Participant) -> bool {
    dir.me.as_ref().is_some_and(|me| {
        me.id == p.id || me.encryption_key.eq_ignore_ascii_case(&p.encryption_key)
    })
}

/// Who may receive a single signal from the signal detail, without a legal basis (never a
/// participant the region revoked): the
/// attention officers of the user's own municipality and, when this device is an attention
/// officer's, also the inspectors of that municipality (feedback to the reporter). Never this
/// device itself. Anyone else (another municipality, the regional table) needs a legal basis,
/// which is given from the case screen. Officers come first, then by name.
pub fn eligible_recipients(
    dir: &DirectoryStatus,
    own_municipality: Option<&str>,
) -> Vec<Participant> {
    let Some(own) = own_municipality else {
        return Vec::new();
    };
    let officer_device = dir
        .me
        .as_ref()
        .is_some_and(|me| me.role == ParticipantRole::Aandachtsfunctionaris);
    let mut out: Vec<Participant> = dir
        .participants
        .iter()
        .filter(|p| p.municipality.eq_ignore_ascii_case(own))
        .filter(|p| match p.role {
            ParticipantRole::Aandachtsfunctionaris => true,
            ParticipantRole::Toezichthouder => officer_device,
            ParticipantRole::RegionaleTafel => false,
        })
        .filter(|p| !is_me(dir, p) && !p.revoked)
        .cloned()
        .collect();
    out.sort_by(|a, b| {
        let key = |p: &Participant| {
            (
                p.role != ParticipantRole::Aandachtsfunctionaris,
                p.display_name.clone(),
                p.id.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    out
}

/// The id of a recipient's checkbox: `send-to-<participant id>` (whitespace, which an HTML id
/// cannot hold, becomes `-`).
pub fn recipient_field_id(participant_id: &str) -> String {
    let clean: String = participant_id
        .chars()
        .map(|c| if c.is_whitespace() { '-' } else { c })
        .collect();
    format!("send-to-{clean}")
}

/// Whether the directory lists this device, in words.
pub fn me_text(dir: &DirectoryStatus) -> String {
    match &dir.me {
        Some(me) => format!(
            "Ja, als {} ({}, {}).",
            me.display_name,
            me.role.label(),
            me.municipality
        ),
        None => "Nee. Geef de sleutels van dit apparaat aan de regiocoördinator; \
                 lees daarna het nieuwe deelnemersoverzicht in."
            .into(),
    }
}

/// The public keys as one JSON line, for the regional coordinator.
pub fn identity_json(id: &DeviceIdentity) -> String {
    serde_json::to_string(id).unwrap_or_default()
}

/// After importing a directory.
pub fn directory_imported_text(dir: &DirectoryStatus) -> String {
    format!(
        "Deelnemersoverzicht van {} (versie {}) ingelezen: {}.",
        dir.region,
        dir.version,
        count_text(dir.participants.len(), "deelnemer", "deelnemers")
    )
}

/// After importing a `.zicht` file: new, or received before (nothing changed).
/// A bundle without signals (a decision) is not counted as "0 signalen".
pub fn import_result_text(r: &ImportResult) -> String {
    let what = if r.signals == 0 {
        String::new()
    } else {
        format!(", {}", count_text(r.signals, "signaal", "signalen"))
    };
    if r.new {
        format!("Ingelezen: nieuw ontvangen van {}{what}.", r.sender)
    } else {
        format!(
            "Dit bestand was al ontvangen (van {}{what}). Er is niets gewijzigd.",
            r.sender
        )
    }
}

/// The outbox items that carry this signal (newest first, as the outbox lists them).
pub fn outbox_for_signal(items: &[OutboxItem], signal_id: &str) -> Vec<OutboxItem> {
    items
        .iter()
        .filter(|i| i.signal_ids.iter().any(|s| s == signal_id))
        .cloned()
        .collect()
}

/// The error for a file over the limit, if it is.
pub fn file_too_large(size: u64, max: u64) -> Option<String> {
    (size > max).then(|| {
        format!(
            "Dit bestand is te groot ({}; hoogstens {}). Kies het juiste bestand.",
            size_text(size),
            size_text(max)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_fingerprint_is_checked_for_shape_first() {
        let fp = "12345 67890 12345 67890 12345 67890";
        for (typed, expected) in [
            (fp, None),
            ("123456789012345678901234567890", None),
            ("12345-67890-12345-67890-12345-67890", None),
            (
                "12345 67890",
                Some("Een vingerafdruk heeft 30 cijfers; u typte er 10."),
            ),
            ("", Some("Een vingerafdruk heeft 30 cijfers; u typte er 0.")),
            (
                "12345 6789O 12345 67890 12345 67890",
                Some("Typ alleen de cijfers van de vingerafdruk."),
            ),
        ] {
            assert_eq!(
                fingerprint_input_problem(typed).as_deref(),
                expected,
                "{typed:?}"
            );
        }
    }
    use chrono::NaiveDate;

    fn p(id: &str, role: ParticipantRole, municipality: &str, key: &str) -> Participant {
        Participant {
            id: id.into(),
            municipality: municipality.into(),
            role,
            display_name: format!("Naam {id}"),
            signing_key: "00".repeat(32),
            encryption_key: key.into(),
            revoked: false,
        }
    }

    fn dir(me: Option<Participant>) -> DirectoryStatus {
        DirectoryStatus {
            region: "IJsselstreek".into(),
            version: 3,
            root_fingerprint: "12345 12345 12345 12345 12345 12345".into(),
            participants: vec![
                p("tafel", ParticipantRole::RegionaleTafel, "Deventer", "aa"),
                p("insp", ParticipantRole::Toezichthouder, "Zutphen", "bb"),
                p(
                    "af-dev",
                    ParticipantRole::Aandachtsfunctionaris,
                    "Deventer",
                    "cc",
                ),
                p(
                    "af-zut",
                    ParticipantRole::Aandachtsfunctionaris,
                    "Zutphen",
                    "dd",
                ),
                p(
                    "af-zut-2",
                    ParticipantRole::Aandachtsfunctionaris,
                    "Zutphen",
                    "EE",
                ),
            ],
            me,
        }
    }

    fn ids(v: &[Participant]) -> Vec<&str> {
        v.iter().map(|p| p.id.as_str()).collect()
    }

    /// Regression (review): the status line held the time to the second, so screen readers
    /// announced it after every round; the time is now a line of its own, without seconds.
    #[test]
    fn the_sync_line_changes_only_with_the_state() {
        let at = NaiveDate::from_ymd_opt(2026, 3, 12)
            .unwrap()
            .and_hms_opt(14, 5, 9)
            .unwrap();
        let mut s = SyncStatus::not_configured();
        let before = sync_status_text(&s);
        assert_eq!(sync_time_text(&s), None);
        s.at = Some(at);
        assert_eq!(sync_status_text(&s), before);
        assert_eq!(
            sync_time_text(&s).as_deref(),
            Some("Laatste poging: 12-03-2026 14:05.")
        );
    }

    /// Regression (review): "Synchronisatie gestart" was said also when no round could run.
    #[test]
    fn sync_now_says_what_is_missing() {
        let at = NaiveDate::from_ymd_opt(2026, 3, 12)
            .unwrap()
            .and_hms_opt(14, 5, 9)
            .unwrap();
        let check = |state, expected: &str| assert_eq!(sync_now_text(state, &at), expected);
        check(
            Some(SyncState::NietIngesteld),
            "Er is geen regionaal knooppunt ingesteld; dat doet u hieronder.",
        );
        check(
            Some(SyncState::NietAangemeld),
            "Dit apparaat is nog niet aangemeld; dat doet u hieronder met de aanmeldcode.",
        );
        let started = "Synchronisatie gestart om 14:05; de regel hierboven toont de uitkomst.";
        check(Some(SyncState::Offline), started);
        check(Some(SyncState::Online), started);
        check(None, started);
    }

    #[test]
    fn waiting_bundles_get_a_hint_only_when_nothing_will_take_them() {
        let item = |state| OutboxItem {
            id: "x".into(),
            created_at: NaiveDate::from_ymd_opt(2026, 3, 12)
                .unwrap()
                .and_hms_opt(14, 5, 0)
                .unwrap(),
            recipients: vec![],
            signal_ids: vec![],
            size: 1,
            state,
            attempts: 0,
            exported_at: None,
        };
        let with = |state| SyncStatus {
            state,
            ..SyncStatus::not_configured()
        };
        let waiting = [item(OutboxState::Wacht)];
        let check = |state, items: &[OutboxItem], expected: Option<&str>| {
            let hint = outbox_waiting_hint(&with(state), items);
            assert_eq!(
                hint.map(|h| h.split(':').next().unwrap()),
                expected,
                "{state:?}"
            );
        };
        check(
            SyncState::NietIngesteld,
            &waiting,
            Some("Er is geen regionaal knooppunt ingesteld"),
        );
        check(
            SyncState::NietAangemeld,
            &waiting,
            Some("Dit apparaat is nog niet aangemeld bij het regionale knooppunt"),
        );
        check(SyncState::Online, &waiting, None);
        check(SyncState::Offline, &waiting, None);
        check(SyncState::NietIngesteld, &[], None);
        let failed = [item(OutboxState::Fout { reason: "x".into() })];
        check(SyncState::NietIngesteld, &failed, None);
    }

    #[test]
    fn outbox_states_in_words() {
        assert_eq!(
            outbox_state_text(&OutboxState::Wacht),
            "Wacht op verbinding"
        );
        let at = NaiveDate::from_ymd_opt(2026, 3, 12)
            .unwrap()
            .and_hms_opt(14, 5, 0)
            .unwrap();
        assert_eq!(
            outbox_state_text(&OutboxState::Verzonden { receipt_at: at }),
            "Verzonden; ontvangst bevestigd op 12-03-2026 14:05"
        );
        assert_eq!(
            outbox_state_text(&OutboxState::Fout {
                reason: "geweigerd".into()
            }),
            "Fout: geweigerd"
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(size_text(0), "0 bytes");
        assert_eq!(size_text(1), "1 byte");
        assert_eq!(size_text(1023), "1023 bytes");
        assert_eq!(size_text(1024), "1,0 kB");
        assert_eq!(size_text(1229), "1,2 kB");
        assert_eq!(size_text(1024 * 1024 - 1), "1024,0 kB");
        assert_eq!(size_text(3 * 1024 * 1024 + 400 * 1024), "3,4 MB");
    }

    #[test]
    fn recipients_are_the_own_municipalitys_officers_but_not_me() {
        let d = dir(None);
        // Without knowing this device's role: officers of the own municipality only (not
        // Deventer's officer, not the table, not the inspector).
        assert_eq!(
            ids(&eligible_recipients(&d, Some("Zutphen"))),
            ["af-zut", "af-zut-2"]
        );
        assert_eq!(ids(&eligible_recipients(&d, Some("Deventer"))), ["af-dev"]);
        assert!(eligible_recipients(&d, None).is_empty());
        assert!(eligible_recipients(&d, Some("Elders")).is_empty());
        // An officer's own device is not offered, also when listed twice (same key, other id);
        // an officer may also send feedback to the inspectors of the own municipality.
        let me = p(
            "af-zut-2-oud",
            ParticipantRole::Aandachtsfunctionaris,
            "Zutphen",
            "ee",
        );
        let d = dir(Some(me));
        assert_eq!(
            ids(&eligible_recipients(&d, Some("Zutphen"))),
            ["af-zut", "insp"]
        );
        // An inspector sends to the officers, never to another inspector.
        let d = dir(Some(d.participants[1].clone()));
        assert_eq!(
            ids(&eligible_recipients(&d, Some("Zutphen"))),
            ["af-zut", "af-zut-2"]
        );
        // The table is never offered here (it gets cases, with a legal basis).
        let d = dir(Some(d.participants[0].clone()));
        assert!(!ids(&eligible_recipients(&d, Some("Deventer"))).contains(&"tafel"));
    }

    #[test]
    fn field_ids_and_texts() {
        assert_eq!(recipient_field_id("af-zutphen"), "send-to-af-zutphen");
        assert_eq!(recipient_field_id("af zut"), "send-to-af-zut");
        let d = dir(None);
        assert_eq!(
            participant_text(&d.participants[2]),
            "Naam af-dev — Aandachtsfunctionaris mensenhandel, Deventer"
        );
        assert!(me_text(&d).starts_with("Nee."));
        let d = dir(Some(d.participants[1].clone()));
        assert_eq!(me_text(&d), "Ja, als Naam insp (Toezichthouder, Zutphen).");
        assert_eq!(
            directory_imported_text(&d),
            "Deelnemersoverzicht van IJsselstreek (versie 3) ingelezen: 5 deelnemers."
        );
    }

    #[test]
    fn identity_line_is_the_device_identity_json() {
        let id = DeviceIdentity {
            signing_key: "ab".repeat(32),
            encryption_key: "cd".repeat(32),
            fingerprint: "00001 00002 00003 00004 00005 00006".into(),
        };
        let line = identity_json(&id);
        assert!(!line.contains('\n'));
        assert_eq!(serde_json::from_str::<DeviceIdentity>(&line).unwrap(), id);
    }

    #[test]
    fn import_messages() {
        let mut r = ImportResult {
            id: "x".into(),
            new: true,
            sender: "Naam insp".into(),
            signals: 1,
        };
        assert_eq!(
            import_result_text(&r),
            "Ingelezen: nieuw ontvangen van Naam insp, 1 signaal."
        );
        r.new = false;
        r.signals = 2;
        assert_eq!(
            import_result_text(&r),
            "Dit bestand was al ontvangen (van Naam insp, 2 signalen). Er is niets gewijzigd."
        );
        // A decision carries no signals: no "0 signalen" (review finding).
        r.new = true;
        r.signals = 0;
        assert_eq!(
            import_result_text(&r),
            "Ingelezen: nieuw ontvangen van Naam insp."
        );
        assert_eq!(file_too_large(10, 10), None);
        assert_eq!(
            file_too_large(2048, 1024).unwrap(),
            "Dit bestand is te groot (2,0 kB; hoogstens 1,0 kB). Kies het juiste bestand."
        );
    }

    #[test]
    fn outbox_items_of_one_signal() {
        let at = NaiveDate::from_ymd_opt(2026, 3, 12)
            .unwrap()
            .and_hms_opt(14, 5, 0)
            .unwrap();
        let item = |id: &str, signals: &[&str]| OutboxItem {
            id: id.into(),
            created_at: at,
            recipients: vec![],
            signal_ids: signals.iter().map(|s| s.to_string()).collect(),
            size: 1,
            state: OutboxState::Wacht,
            attempts: 0,
            exported_at: None,
        };
        let all = [
            item("a", &["s1", "s2"]),
            item("b", &["s2"]),
            item("c", &["s3"]),
        ];
        let got: Vec<_> = outbox_for_signal(&all, "s2")
            .into_iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(got, ["a", "b"]);
        assert!(outbox_for_signal(&all, "s9").is_empty());
    }
}
