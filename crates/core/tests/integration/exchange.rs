//! Exchange between devices: the signed directory (pinning, versions), sealing signals into a
//! bundle for named recipients, importing it (verified, idempotent), and every refusal.

use crate::common::*;
use ring::rand::SystemRandom;
use ring::signature::Ed25519KeyPair;
use std::path::Path;
use zicht_core::directory::sign;
use zicht_core::Zicht;
use zicht_model::*;

fn root() -> Vec<u8> {
    Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .unwrap()
        .as_ref()
        .to_vec()
}

fn participant(id: &str, role: ParticipantRole, z: &Zicht) -> Participant {
    let me = z.device_identity().unwrap();
    Participant {
        id: id.into(),
        municipality: "Zutphen".into(),
        role,
        display_name: format!("Naam {id}"),
        signing_key: me.signing_key,
        encryption_key: me.encryption_key,
        revoked: false,
    }
}

fn directory(version: u32, participants: Vec<Participant>) -> Directory {
    Directory {
        region: "IJsselstreek".into(),
        version,
        issued: "2026-11-22".into(),
        participants,
    }
}

fn signed_json(root: &[u8], d: &Directory) -> String {
    serde_json::to_string(&sign(root, d).unwrap()).unwrap()
}

struct Devices {
    _dirs: Vec<tempfile::TempDir>,
    inspector: Zicht,
    officer: Zicht,
    other: Zicht,
    root: Vec<u8>,
    dir: Directory,
}

fn device(dir: &Path) -> Zicht {
    fresh(dir)
}

fn devices() -> Devices {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut inspector = device(dirs[0].path());
    let mut officer = device(dirs[1].path());
    let mut other = device(dirs[2].path());
    let root = root();
    let dir = directory(
        1,
        vec![
            participant("insp", ParticipantRole::Toezichthouder, &inspector),
            participant("af", ParticipantRole::Aandachtsfunctionaris, &officer),
            participant("tafel", ParticipantRole::RegionaleTafel, &other),
        ],
    );
    let json = signed_json(&root, &dir);
    for z in [&mut inspector, &mut officer, &mut other] {
        let st = z.import_trusting(&json).unwrap();
        assert_eq!(st.participants.len(), 3);
        assert!(st.me.is_some(), "each device finds itself in the directory");
    }
    Devices {
        _dirs: dirs,
        inspector,
        officer,
        other,
        root,
        dir,
    }
}

#[test]
fn a_signal_travels_to_its_recipient_only() {
    let mut d = devices();
    let s = d
        .inspector
        .record_signal(signal_input(), now())
        .unwrap()
        .signal;
    let item = d
        .inspector
        .send_signals(std::slice::from_ref(&s.id), &["af".into()], now())
        .unwrap();
    assert_eq!(item.state, OutboxState::Wacht);
    assert_eq!(item.recipients, vec!["Naam af (Zutphen)".to_string()]);
    assert_eq!(d.inspector.outbox().unwrap(), vec![item.clone()]);
    let bytes = d.inspector.outbox_bundle(&item.id).unwrap();
    assert_eq!(bytes.len() as u64, item.size);

    let r = d.officer.import_bundle(&bytes, later(60)).unwrap();
    assert!(r.new);
    assert_eq!(
        (r.id.as_str(), r.sender.as_str(), r.signals),
        (item.id.as_str(), "Naam insp", 1)
    );
    let inbox = d.officer.inbox().unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(
        inbox[0].payload.signals[0], s,
        "the signal arrives unchanged"
    );
    assert_eq!(inbox[0].sender.role, ParticipantRole::Toezichthouder);

    // The same bundle twice changes nothing.
    let again = d.officer.import_bundle(&bytes, later(120)).unwrap();
    assert!(!again.new);
    assert_eq!(d.officer.inbox().unwrap(), inbox);

    // Not for the regional table.
    let e = d.other.import_bundle(&bytes, now()).unwrap_err();
    assert_eq!(e.code(), zicht_model::ErrorCode::BundleNotForMe);
    assert!(d.other.inbox().unwrap().is_empty());
}

#[test]
fn a_bundle_exported_to_a_file_imports_on_the_recipient() {
    let mut d = devices();
    let s = d
        .inspector
        .record_signal(signal_input(), now())
        .unwrap()
        .signal;
    let item = d
        .inspector
        .send_signals(std::slice::from_ref(&s.id), &["af".into()], now())
        .unwrap();
    assert_eq!(item.exported_at, None);
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("Downloads");
    let path = d.inspector.export_bundle(&item.id, &target, now()).unwrap();
    // The outbox remembers that it went out as a file, and when (review finding: it said
    // "Wacht op verbinding" and nothing else, so nobody could see what was carried by hand).
    let listed = d.inspector.outbox().unwrap();
    assert_eq!(listed[0].exported_at, Some(now().naive_local()));
    assert_eq!(listed[0].state, OutboxState::Wacht);
    // The name is the start of the content id only: no personal data.
    assert_eq!(path, target.join(format!("zicht-{}.zicht", &item.id[..12])));
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes, d.inspector.outbox_bundle(&item.id).unwrap());
    // Exporting again replaces the file with the same bytes; no temporary file stays behind.
    assert_eq!(
        d.inspector.export_bundle(&item.id, &target, now()).unwrap(),
        path
    );
    let names: Vec<_> = std::fs::read_dir(&target)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![path.file_name().unwrap().to_owned()]);
    // "Save as": the place and name the user chose in the dialog (e.g. a USB stick).
    let usb = out.path().join("USB");
    std::fs::create_dir_all(&usb).unwrap();
    let chosen = usb.join("voor de aandachtsfunctionaris.zicht");
    assert_eq!(
        d.inspector
            .export_bundle_to(&item.id, &chosen, now())
            .unwrap(),
        chosen
    );
    assert_eq!(std::fs::read(&chosen).unwrap(), bytes);
    assert_eq!(
        d.inspector
            .export_bundle_to(&item.id, Path::new("/"), now())
            .unwrap_err()
            .fields()[0]
            .field,
        "path"
    );
    let exports = d
        .inspector
        .audit_log(Some(&item.id))
        .unwrap()
        .into_iter()
        .filter(|e| e.action == AuditAction::Export)
        .count();
    assert_eq!(exports, 3, "every export is in the audit log");
    // The file is encrypted: the observation is not in it.
    assert!(!bytes
        .windows(s.observation.len())
        .any(|w| w == s.observation.as_bytes()));
    // Unknown or malformed ids write nothing.
    for bad in ["0".repeat(64), "../etc".into(), String::new()] {
        assert_eq!(
            d.inspector
                .export_bundle(&bad, &target, now())
                .unwrap_err()
                .code(),
            zicht_model::ErrorCode::NotFound
        );
    }
    assert_eq!(std::fs::read_dir(&target).unwrap().count(), 1);

    let r = d.officer.import_bundle(&bytes, later(60)).unwrap();
    assert!(r.new);
    assert_eq!(d.officer.inbox().unwrap()[0].payload.signals[0], s);
}

/// Regression: an export wrote the file first and recorded it after; when recording failed (a
/// disk error) the user was told the export failed while the file was there, unrecorded in the
/// audit log. Now it is recorded before the file appears under its name.
#[test]
fn an_export_that_cannot_be_recorded_leaves_no_file() {
    let mut d = devices();
    let s = d
        .inspector
        .record_signal(signal_input(), now())
        .unwrap()
        .signal;
    let item = d
        .inspector
        .send_signals(std::slice::from_ref(&s.id), &["af".into()], now())
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let chosen = out.path().join("export.zicht");
    let exports = |z: &Zicht| {
        z.audit_log(Some(&item.id))
            .unwrap()
            .into_iter()
            .filter(|e| e.action == AuditAction::Export)
            .count()
    };

    // Recording fails: no file, no temporary file, the outbox item unchanged.
    d.inspector.fail_audit_for_tests(true);
    let e = d
        .inspector
        .export_bundle_to(&item.id, &chosen, now())
        .unwrap_err();
    d.inspector.fail_audit_for_tests(false);
    assert_eq!(e.code(), zicht_model::ErrorCode::Storage);
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
    assert_eq!(d.inspector.outbox().unwrap()[0].exported_at, None);
    assert_eq!(exports(&d.inspector), 0);

    // Putting the file in place fails (a folder has that name): recorded as an attempt in the
    // audit log, but the outbox item does not say it went out, and no temporary file stays.
    std::fs::create_dir(&chosen).unwrap();
    let e = d
        .inspector
        .export_bundle_to(&item.id, &chosen, now())
        .unwrap_err();
    assert_eq!(e.code(), zicht_model::ErrorCode::FileNotSaved);
    assert!(
        e.message().contains("al een map met die naam"),
        "{}",
        e.message()
    );
    assert!(chosen.is_dir());
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 1);
    assert_eq!(d.inspector.outbox().unwrap()[0].exported_at, None);
    assert_eq!(exports(&d.inspector), 1);

    // With the disk well again the same export works.
    std::fs::remove_dir(&chosen).unwrap();
    assert_eq!(
        d.inspector
            .export_bundle_to(&item.id, &chosen, later(5))
            .unwrap(),
        chosen
    );
    assert_eq!(
        std::fs::read(&chosen).unwrap(),
        d.inspector.outbox_bundle(&item.id).unwrap()
    );
    assert_eq!(
        d.inspector.outbox().unwrap()[0].exported_at,
        Some(later(5).naive_local())
    );
    assert_eq!(exports(&d.inspector), 2);
}

#[test]
fn tampered_or_truncated_bundles_are_refused_and_change_nothing() {
    let mut d = devices();
    let s = d
        .inspector
        .record_signal(signal_input(), now())
        .unwrap()
        .signal;
    let item = d
        .inspector
        .send_signals(&[s.id], &["af".into()], now())
        .unwrap();
    let bytes = d.inspector.outbox_bundle(&item.id).unwrap();
    for pos in [0, 10, bytes.len() / 2, bytes.len() - 1] {
        let mut bad = bytes.clone();
        bad[pos] ^= 0x01;
        assert!(
            d.officer.import_bundle(&bad, now()).is_err(),
            "flipped byte {pos} accepted"
        );
    }
    assert!(d
        .officer
        .import_bundle(&bytes[..bytes.len() - 10], now())
        .is_err());
    assert!(d.officer.import_bundle(&[], now()).is_err());
    assert!(d.officer.inbox().unwrap().is_empty());
}

#[test]
fn sender_must_be_in_the_directory() {
    let mut d = devices();
    let stranger_dir = tempfile::tempdir().unwrap();
    let mut stranger = device(stranger_dir.path());
    // The stranger has its own directory that lists the officer and itself.
    let own = directory(
        1,
        vec![
            participant("x", ParticipantRole::Toezichthouder, &stranger),
            d.dir.participants[1].clone(),
        ],
    );
    stranger
        .import_trusting(&signed_json(&root(), &own))
        .unwrap();
    let s = stranger
        .record_signal(signal_input(), now())
        .unwrap()
        .signal;
    let item = stranger
        .send_signals(&[s.id], &["af".into()], now())
        .unwrap();
    let bytes = stranger.outbox_bundle(&item.id).unwrap();
    let e = d.officer.import_bundle(&bytes, now()).unwrap_err();
    assert_eq!(
        e.code(),
        zicht_model::ErrorCode::BundleUnknownSender,
        "{e:?}"
    );
}

#[test]
fn directory_pinning_versions_and_signatures() {
    let mut d = devices();
    // Another root: refused once a root is pinned.
    let e = d
        .officer
        .import_trusting(&signed_json(&root(), &d.dir))
        .unwrap_err();
    assert_eq!(e.code(), zicht_model::ErrorCode::DirectoryWrongRoot);
    // Altered text: bad signature.
    let mut signed = sign(&d.root, &d.dir).unwrap();
    signed.directory = signed.directory.replace("Naam af", "Naam aanvaller");
    let e = d
        .officer
        .import_trusting(&serde_json::to_string(&signed).unwrap())
        .unwrap_err();
    assert_eq!(e.code(), zicht_model::ErrorCode::DirectoryBadSignature);
    // Newer version accepted, then the older refused.
    let mut v2 = d.dir.clone();
    v2.version = 2;
    v2.participants.pop();
    assert_eq!(
        d.officer
            .import_trusting(&signed_json(&d.root, &v2))
            .unwrap()
            .participants
            .len(),
        2
    );
    let e = d
        .officer
        .import_trusting(&signed_json(&d.root, &d.dir))
        .unwrap_err();
    assert_eq!(e.code(), zicht_model::ErrorCode::DirectoryOlder);
    // Garbage.
    assert_eq!(
        d.officer.import_trusting("{").unwrap_err().code(),
        zicht_model::ErrorCode::DirectoryInvalid
    );
    // Unknown recipient and no directory.
    let s = d
        .inspector
        .record_signal(signal_input(), now())
        .unwrap()
        .signal;
    assert_eq!(
        d.inspector
            .send_signals(std::slice::from_ref(&s.id), &["nobody".into()], now())
            .unwrap_err()
            .code(),
        zicht_model::ErrorCode::UnknownRecipient
    );
    let lone = tempfile::tempdir().unwrap();
    let mut z = device(lone.path());
    let s2 = z.record_signal(signal_input(), now()).unwrap().signal;
    assert_eq!(
        z.send_signals(&[s2.id], &["af".into()], now())
            .unwrap_err()
            .code(),
        zicht_model::ErrorCode::NoDirectory
    );
}

#[test]
fn keys_and_outbox_survive_restart_and_stay_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = fresh(dir.path());
    let me = z.device_identity().unwrap();
    let root = root();
    let other_dir = tempfile::tempdir().unwrap();
    let other = device(other_dir.path());
    let d = directory(
        1,
        vec![
            participant("me", ParticipantRole::Toezichthouder, &z),
            participant("af", ParticipantRole::Aandachtsfunctionaris, &other),
        ],
    );
    z.import_trusting(&signed_json(&root, &d)).unwrap();
    let mut input = signal_input();
    input.observation = "UITWISSELKANARIE waargenomen".into();
    let s = z.record_signal(input, now()).unwrap().signal;
    let item = z.send_signals(&[s.id], &["af".into()], now()).unwrap();
    let sent = z
        .set_outbox_state(
            &item.id,
            OutboxState::Verzonden {
                receipt_at: later(5).naive_local(),
            },
        )
        .unwrap();
    assert_eq!(sent.attempts, 1);
    // Once sent, it stays sent.
    let still = z
        .set_outbox_state(&item.id, OutboxState::Fout { reason: "x".into() })
        .unwrap();
    assert!(matches!(still.state, OutboxState::Verzonden { .. }));
    drop(z);
    let z = reopen(dir.path());
    assert_eq!(
        z.device_identity().unwrap(),
        me,
        "keys are stable across restarts"
    );
    assert_eq!(z.outbox().unwrap().len(), 1);
    assert_eq!(z.directory_status().unwrap().unwrap().version, 1);
    drop(z);
    let mut hits = 0;
    for e in walk(dir.path()) {
        let data = std::fs::read(e).unwrap();
        if data.windows(16).any(|w| w == b"UITWISSELKANARIE") {
            hits += 1;
        }
    }
    assert_eq!(hits, 0, "outbox plaintext on disk");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Need to know, enforced in the core (not only by the UI's recipient list).
#[test]
fn only_officers_and_the_table_receive_and_only_officers_answer_inspectors() {
    let mut d = devices();
    let s = d
        .inspector
        .record_signal(signal_input(), now())
        .unwrap()
        .signal;
    // An inspector cannot send to itself nor to another inspector.
    let e = d
        .inspector
        .send_signals(std::slice::from_ref(&s.id), &["insp".into()], now())
        .unwrap_err();
    assert_eq!(e.fields()[0].field, "recipients");
    // The officer is fine; the regional table is outside the municipality, so sending there
    // needs a legal basis and a choice of fields, and the refusal says which fields are missing.
    let e = d
        .inspector
        .send_signals(
            std::slice::from_ref(&s.id),
            &["af".into(), "tafel".into()],
            now(),
        )
        .unwrap_err();
    assert_eq!(e.code(), zicht_model::ErrorCode::LegalBasisRequired);
    let missing: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        missing,
        ["legal_basis.kind", "legal_basis.explanation", "fields"]
    );
    assert!(
        d.inspector.outbox().unwrap().is_empty(),
        "nothing was sealed"
    );
    let basis = LegalBasisInput {
        kind: Some(LegalBasisKind::Convenant),
        explanation: "Casusoverleg volgens het convenant".into(),
    };
    let item = d
        .inspector
        .send_signals_shared(
            &[s.id],
            &["af".into(), "tafel".into()],
            Some(&basis),
            &[ShareField::Locatie],
            now(),
        )
        .unwrap();
    d.other
        .import_bundle(&d.inspector.outbox_bundle(&item.id).unwrap(), now())
        .unwrap();
    let got = &d.other.inbox().unwrap()[0].payload;
    let b = got
        .legal_basis
        .as_ref()
        .expect("the basis travels in the bundle");
    assert_eq!(
        (b.kind, b.fields.as_slice()),
        (LegalBasisKind::Convenant, &[ShareField::Locatie][..])
    );
    assert_eq!(
        got.signals[0].observation, "",
        "fields not chosen stay home"
    );
    assert!(got.signals[0].persons.is_empty());
    // The fresh() profile is a toezichthouder; an officer profile may answer the inspector.
    let officer_dir = tempfile::tempdir().unwrap();
    let mut officer = open(officer_dir.path());
    let mut setup = setup_input();
    setup.role = Role::Aandachtsfunctionaris;
    officer.setup(setup, now()).unwrap();
    let mut dir = d.dir.clone();
    dir.version = 2;
    dir.participants.push(participant(
        "af2",
        ParticipantRole::Aandachtsfunctionaris,
        &officer,
    ));
    officer
        .import_trusting(&signed_json(&d.root, &dir))
        .unwrap();
    let a = officer.record_signal(signal_input(), now()).unwrap().signal;
    officer
        .send_signals(&[a.id], &["insp".into()], now())
        .unwrap();
}

/// Trust on first use is a step the user takes: the first directory pins its root only when
/// the user confirmed that root's fingerprint (compared with the coordinator's by phone).
#[test]
fn the_first_directory_needs_its_root_fingerprint_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = fresh(dir.path());
    let root = root();
    let d = directory(
        1,
        vec![participant("insp", ParticipantRole::Toezichthouder, &z)],
    );
    let json = signed_json(&root, &d);
    let preview = z.preview_directory(&json).unwrap();
    assert!(!preview.pinned);
    assert_eq!(preview.root_fingerprint, "", "not shown before it is typed");
    assert_eq!(preview.me.unwrap().id, "insp");
    let signed: SignedDirectory = serde_json::from_str(&json).unwrap();
    let (_, root_key) = zicht_core::directory::verify(&signed, None).unwrap();
    let fingerprint = zicht_core::directory::root_fingerprint(&root_key);
    for (unconfirmed, code) in [
        (None, zicht_model::ErrorCode::DirectoryUnconfirmed),
        (
            Some("12345 12345 12345 12345 12345 12345"),
            zicht_model::ErrorCode::DirectoryFingerprintMismatch,
        ),
    ] {
        let e = z.import_directory(&json, unconfirmed, now()).unwrap_err();
        assert_eq!(e.code(), code);
        assert!(
            z.directory_status().unwrap().is_none(),
            "nothing imported, nothing pinned"
        );
    }
    // Spaces do not matter, the digits do.
    let typed = fingerprint.replace(' ', "");
    z.import_directory(&json, Some(&typed), now()).unwrap();
    // From now on the pinned root decides; no confirmation is asked.
    assert!(z.preview_directory(&json).unwrap().pinned);
    let v2 = directory(2, d.participants.clone());
    z.import_directory(&signed_json(&root, &v2), None, now())
        .unwrap();
    // Review finding (Zicht 5): pinning the root left no audit entry. Each import is audited,
    // the first one saying that the root was pinned after the fingerprint check.
    let imports: Vec<String> = z
        .audit_log(None)
        .unwrap()
        .into_iter()
        .filter(|e| e.subject == AuditSubject::Directory)
        .map(|e| e.detail)
        .collect();
    assert_eq!(
        imports,
        [
            "versie 1 ingelezen; regiosleutel vastgelegd na controle van de vingerafdruk",
            "versie 2 ingelezen"
        ]
    );
    assert_eq!(
        z.preview_directory(&signed_json(&super::exchange::root(), &v2))
            .unwrap_err()
            .code(),
        zicht_model::ErrorCode::DirectoryWrongRoot
    );
}
