//! Shared helpers: a store in a temp dir, a fixed clock, a valid signal input.

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime};
use std::path::Path;
use zicht_core::{Now, Zicht};
use zicht_model::*;

pub const PASS: &str = "correct paard batterij niet";

/// A fixed "now": 22 November 2026, 10:00 in the Netherlands (UTC+1).
pub fn now() -> Now {
    DateTime::<FixedOffset>::parse_from_rfc3339("2026-11-22T10:00:00+01:00").unwrap()
}

pub fn later(secs: i64) -> Now {
    now() + Duration::seconds(secs)
}

pub fn local(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

pub fn setup_input() -> SetupInput {
    SetupInput {
        name: "Test Toezicht".into(),
        role: Role::Toezichthouder,
        municipality: "Zutphen".into(),
        passphrase: PASS.into(),
        passphrase_repeat: PASS.into(),
    }
}

/// How long "this process" has been running, for `unlock` (see `unlock_delay_secs`): tests
/// without failed attempts need no particular value.
pub const UP: std::time::Duration = std::time::Duration::ZERO;

/// Opens a store with the cheap key derivation for tests (`testing::cheap_kdf`): tests set up
/// and unlock hundreds of stores. The app's `Zicht::open` refuses such a store.
pub fn open(dir: &Path) -> Zicht {
    Zicht::open_with_kdf_for_tests(dir, zicht_core::testing::cheap_kdf()).unwrap()
}

/// A fresh, set-up, unlocked store.
pub fn fresh(dir: &Path) -> Zicht {
    let mut z = open(dir);
    z.setup(setup_input(), now()).unwrap();
    z
}

/// Reopens and unlocks.
pub fn reopen(dir: &Path) -> Zicht {
    let mut z = open(dir);
    z.unlock(PASS.into(), now(), UP).unwrap();
    z
}

/// A valid signal about labour exploitation in a holiday park.
pub fn signal_input() -> SignalInput {
    SignalInput {
        kind: RecordKind::Signaal,
        observed_at: Some(local("2026-11-22T09:30")),
        source: Some(Source::IntegraleControle),
        sector: Some(Sector::Vakantiepark),
        location: Location {
            description: "Chalet 12, Recreatiepark De Hoeve".into(),
            lat: None,
            lon: None,
        },
        forms: vec![Form::Arbeid],
        indicators: vec!["arb-werk-01".into(), "arb-huis-01".into()],
        observation: "Acht mensen in een chalet voor vier; werkgever houdt paspoorten.".into(),
        persons: vec![Person {
            label: "P1".into(),
            role: PersonRole::Slachtoffer,
            age_band: AgeBand::Van24Tot27,
            minor: false,
            nationality: None,
        }],
        urgency: Urgency::Normaal,
        control_id: None,
    }
}

/// A store set up for `role`.
pub fn device_with_role(dir: &Path, role: Role, name: &str) -> Zicht {
    let mut z = open(dir);
    let mut input = setup_input();
    input.role = role;
    input.name = name.into();
    z.setup(input, now()).unwrap();
    z
}

/// Three devices of one region (an inspector and an attention officer of Zutphen, and the
/// regional table), each holding the same signed directory.
pub struct TestRegion {
    pub _dirs: Vec<tempfile::TempDir>,
    /// The region root (PKCS#8), to sign a newer directory.
    pub root: Vec<u8>,
    /// The directory every device holds.
    pub directory: Directory,
    pub inspector: Zicht,
    pub officer: Zicht,
    pub table: Zicht,
}

pub fn participant_of(
    id: &str,
    role: ParticipantRole,
    municipality: &str,
    z: &Zicht,
) -> Participant {
    let me = z.device_identity().unwrap();
    Participant {
        id: id.into(),
        municipality: municipality.into(),
        role,
        display_name: format!("Naam {id}"),
        signing_key: me.signing_key,
        encryption_key: me.encryption_key,
        revoked: false,
    }
}

pub fn region() -> TestRegion {
    use ring::rand::SystemRandom;
    use ring::signature::Ed25519KeyPair;
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut inspector = device_with_role(dirs[0].path(), Role::Toezichthouder, "Inspecteur");
    let mut officer = device_with_role(dirs[1].path(), Role::Aandachtsfunctionaris, "Officier");
    let mut table = device_with_role(dirs[2].path(), Role::RegionaleTafel, "Tafel");
    let root = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    let dir = Directory {
        region: "IJsselstreek".into(),
        version: 1,
        issued: "2026-11-22".into(),
        participants: vec![
            participant_of(
                "insp",
                ParticipantRole::Toezichthouder,
                "Zutphen",
                &inspector,
            ),
            participant_of(
                "af",
                ParticipantRole::Aandachtsfunctionaris,
                "Zutphen",
                &officer,
            ),
            participant_of(
                "tafel",
                ParticipantRole::RegionaleTafel,
                "Regio IJsselstreek",
                &table,
            ),
        ],
    };
    let json =
        serde_json::to_string(&zicht_core::directory::sign(root.as_ref(), &dir).unwrap()).unwrap();
    for z in [&mut inspector, &mut officer, &mut table] {
        z.import_trusting(&json).unwrap();
    }
    TestRegion {
        _dirs: dirs,
        root: root.as_ref().to_vec(),
        directory: dir,
        inspector,
        officer,
        table,
    }
}

/// Carries the bundle of an outbox item from one device to another (as a file would).
pub fn carry(from: &Zicht, item: &OutboxItem, to: &mut Zicht, at: Now) -> ImportResult {
    to.import_bundle(&from.outbox_bundle(&item.id).unwrap(), at)
        .unwrap()
}

/// Imports a directory the way a user does on the first import: typing the fingerprint of the
/// root that signed it (as the coordinator would read it out).
pub trait ImportTrusting {
    fn import_trusting(&mut self, json: &str) -> zicht_core::Result<DirectoryStatus>;
}

impl ImportTrusting for Zicht {
    fn import_trusting(&mut self, json: &str) -> zicht_core::Result<DirectoryStatus> {
        // What cannot be read gets the core's own answer.
        let root = serde_json::from_str::<SignedDirectory>(json)
            .ok()
            .and_then(|signed| zicht_core::directory::verify(&signed, None).ok());
        let typed = root.map(|(_, root)| zicht_core::directory::root_fingerprint(&root));
        self.import_directory(json, typed.as_deref(), now())
    }
}
