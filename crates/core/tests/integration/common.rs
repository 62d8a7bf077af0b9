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

/// A fresh, set-up, unlocked store.
pub fn fresh(dir: &Path) -> Zicht {
    let mut z = Zicht::open(dir).unwrap();
    z.setup(setup_input(), now()).unwrap();
    z
}

/// Reopens and unlocks.
pub fn reopen(dir: &Path) -> Zicht {
    let mut z = Zicht::open(dir).unwrap();
    z.unlock(PASS.into(), now()).unwrap();
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
