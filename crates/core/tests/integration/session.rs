//! Setup, unlock, lock, idle lock, failure delays, schema version.

use crate::common::*;
use zicht_core::{unlock_delay_secs, CoreError, Zicht};
use zicht_model::*;

fn setup_fields(input: SetupInput) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let mut z = open(dir.path());
    match z.setup(input, now()) {
        Ok(_) => vec![],
        Err(CoreError::Validation(f)) => {
            assert_eq!(
                z.status().unwrap(),
                AppStatus::NeedsSetup,
                "refused setup changed nothing"
            );
            f.into_iter().map(|f| f.field).collect()
        }
        Err(e) => panic!("{e:?}"),
    }
}

#[test]
fn setup_validation() {
    let with = |f: &dyn Fn(&mut SetupInput)| {
        let mut s = setup_input();
        f(&mut s);
        setup_fields(s)
    };
    assert!(with(&|_| {}).is_empty());
    assert_eq!(with(&|s| s.name = " ".into()), ["name"]);
    assert_eq!(
        with(&|s| s.municipality = "Atlantis".into()),
        ["municipality"]
    );
    assert_eq!(
        with(&|s| {
            s.passphrase = "kort".into();
            s.passphrase_repeat = "kort".into();
        }),
        ["passphrase"]
    );
    assert_eq!(
        with(&|s| s.passphrase_repeat = "iets anders dan dat".into()),
        ["passphrase_repeat"]
    );
    assert_eq!(
        with(&|s| {
            s.passphrase = " ".repeat(12);
            s.passphrase_repeat = " ".repeat(12);
        }),
        ["passphrase"]
    );
}

#[test]
fn short_passphrase_message_is_dutch_and_clear() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = open(dir.path());
    let mut s = setup_input();
    s.passphrase = "elf tekens!".into();
    s.passphrase_repeat = s.passphrase.clone();
    let e = z.setup(s, now()).unwrap_err();
    assert!(
        e.fields()[0].message.contains("minstens 12 tekens"),
        "{:?}",
        e.fields()
    );
}

#[test]
fn lifecycle_setup_lock_unlock() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = open(dir.path());
    assert_eq!(z.status().unwrap(), AppStatus::NeedsSetup);
    assert!(matches!(
        z.unlock(PASS.into(), now(), UP),
        Err(CoreError::NotSetUp)
    ));
    z.setup(setup_input(), now()).unwrap();
    assert!(matches!(
        z.setup(setup_input(), now()),
        Err(CoreError::AlreadySetUp)
    ));
    let id = z.record_signal(signal_input(), now()).unwrap().signal.id;
    z.lock();
    assert_eq!(z.status().unwrap(), AppStatus::Locked);
    assert!(matches!(z.signal(&id), Err(CoreError::Locked)));
    assert!(matches!(
        z.list_signals(&SignalFilter::default()),
        Err(CoreError::Locked)
    ));
    assert!(matches!(
        z.record_signal(signal_input(), now()),
        Err(CoreError::Locked)
    ));
    assert_eq!(
        z.unlock(PASS.into(), now(), UP).unwrap().name,
        "Test Toezicht"
    );
    assert_eq!(z.signal(&id).unwrap().id, id);
}

#[test]
fn wrong_passphrase_is_refused_with_growing_delay_that_survives_restart() {
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    drop(fresh(dir.path()));
    let mut z = open(dir.path());
    // `up`: how long this process has been running, as the shell measures it.
    let up = |s: u64| Duration::from_secs(s);
    let mut t = 0;
    for attempt in 1..=3 {
        let e = z
            .unlock("fout wachtwoord hier".into(), later(t), up(t as u64))
            .unwrap_err();
        assert!(
            matches!(e, CoreError::WrongPassphrase),
            "attempt {attempt}: {e:?}"
        );
        assert_eq!(
            e.message(),
            "Het wachtwoord is onjuist. Er is niets gewijzigd."
        );
        assert_eq!(z.status().unwrap(), AppStatus::Locked);
    }
    // After 3 failures: 5 s delay, even for the right passphrase, even after a restart (where
    // it counts from the start of the new process).
    drop(z);
    let mut z = open(dir.path());
    t += 2;
    assert!(matches!(
        z.unlock(PASS.into(), later(t), up(2)),
        Err(CoreError::TooManyAttempts(3))
    ));
    t += 4;
    assert!(matches!(
        z.unlock("nog steeds fout!!".into(), later(t), up(6)),
        Err(CoreError::WrongPassphrase)
    ));
    assert!(matches!(
        z.unlock(PASS.into(), later(t + 9), up(15)),
        Err(CoreError::TooManyAttempts(1))
    ));
    z.unlock(PASS.into(), later(t + 10), up(16)).unwrap();
    // Success resets the counter.
    z.lock();
    assert!(matches!(
        z.unlock("weer fout, eenmaal".into(), later(t + 11), up(17)),
        Err(CoreError::WrongPassphrase)
    ));
    z.unlock(PASS.into(), later(t + 11), up(17)).unwrap();
}

#[test]
fn delay_schedule() {
    let got: Vec<i64> = (0..12).map(unlock_delay_secs).collect();
    assert_eq!(got, [0, 0, 0, 5, 10, 20, 40, 80, 160, 300, 300, 300]);
    assert_eq!(unlock_delay_secs(u32::MAX), 300);
}

#[test]
fn idle_lock_follows_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = fresh(dir.path());
    assert_eq!(z.settings().unwrap().idle_lock_minutes, 10);
    assert!(!z.lock_if_idle(later(9 * 60)));
    z.touch(later(9 * 60));
    assert!(!z.lock_if_idle(later(18 * 60)), "activity resets the timer");
    assert!(z.lock_if_idle(later(19 * 60)));
    assert_eq!(z.status().unwrap(), AppStatus::Locked);
    z.unlock(PASS.into(), later(20 * 60), UP).unwrap();
    assert!(matches!(
        z.set_settings(
            Settings {
                idle_lock_minutes: 0,
                ..Settings::default()
            },
            now()
        ),
        Err(CoreError::Validation(_))
    ));
    z.set_settings(
        Settings {
            idle_lock_minutes: 2,
            ..Settings::default()
        },
        now(),
    )
    .unwrap();
    drop(z);
    let mut z = open(dir.path());
    z.unlock(PASS.into(), now(), UP).unwrap();
    assert_eq!(z.settings().unwrap().idle_lock_minutes, 2);
    assert!(z.lock_if_idle(later(120)));
    // The app measures idle time on a monotonic clock and passes the duration.
    z.unlock(PASS.into(), now(), UP).unwrap();
    assert!(!z.lock_if_idle_for(std::time::Duration::from_secs(119)));
    assert!(z.is_unlocked());
    assert!(z.lock_if_idle_for(std::time::Duration::from_secs(120)));
    assert!(!z.is_unlocked());
    assert!(
        !z.lock_if_idle_for(std::time::Duration::from_secs(999)),
        "already locked"
    );
}

#[test]
fn newer_schema_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    drop(fresh(dir.path()));
    {
        let kv = zicht_core::testing::Kv::open(dir.path()).unwrap();
        kv.insert(
            "meta",
            b"schema_version",
            &(zicht_core::SCHEMA_VERSION + 1).to_be_bytes(),
        )
        .unwrap();
        kv.sync().unwrap();
    }
    let e = Zicht::open(dir.path()).err().expect("must refuse");
    assert_eq!(e.code(), zicht_model::ErrorCode::NewerSchema);
    assert!(e.message().contains("nieuwere versie"));
    let kv = zicht_core::testing::Kv::open(dir.path()).unwrap();
    assert_eq!(
        kv.get("meta", b"schema_version").unwrap().unwrap(),
        (zicht_core::SCHEMA_VERSION + 1).to_be_bytes()
    );
}

#[test]
fn a_second_process_cannot_open_the_same_store() {
    let dir = tempfile::tempdir().unwrap();
    let _z = fresh(dir.path());
    let e = Zicht::open(dir.path())
        .err()
        .expect("second open must fail");
    assert_eq!(
        e.code(),
        zicht_model::ErrorCode::InUse,
        "a clear 'already open' error, not a disk error"
    );
}

#[test]
fn newer_card_set_becomes_active_and_old_version_stays() {
    let dir = tempfile::tempdir().unwrap();
    let mut z = fresh(dir.path());
    let s = z.record_signal(signal_input(), now()).unwrap().signal;
    let mut set: CardSet = serde_json::from_str(zicht_core::assets::CARD_SET).unwrap();
    assert!(
        z.import_card_set(&serde_json::to_string(&set).unwrap())
            .is_err(),
        "same version refused"
    );
    set.version = 2;
    set.cards[0].indicators[0].text = "Nieuwe tekst".into();
    assert_eq!(
        z.import_card_set(&serde_json::to_string(&set).unwrap())
            .unwrap(),
        2
    );
    drop(z);
    let z = reopen(dir.path());
    assert_eq!(z.card_set().unwrap().version, 2);
    assert_eq!(z.card_set_version(s.card_set_version).unwrap().version, 1);
}
