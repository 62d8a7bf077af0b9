//! "Nothing personal in plaintext": canaries in every text field never appear in the store's
//! files nor in the log output.

use crate::common::*;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use zicht_model::*;

const CANARY: &str = "KANARIE7Q";

fn scan(dir: &Path, needle: &[u8], hits: &mut Vec<String>, bytes: &mut usize) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            scan(&p, needle, hits, bytes);
        } else {
            let data = std::fs::read(&p).unwrap();
            *bytes += data.len();
            if data.windows(needle.len()).any(|w| w == needle) {
                hits.push(p.display().to_string());
            }
        }
    }
}

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);
impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn canaries_never_reach_disk_or_logs() {
    let logs = Buf::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let dir = tempfile::tempdir().unwrap();
    tracing::subscriber::with_default(subscriber, || {
        let mut z = open(dir.path());
        let mut setup = setup_input();
        setup.name = format!("Naam {CANARY}");
        z.setup(setup, now()).unwrap();
        let c = z
            .start_control(
                ControlInput {
                    kind: ControlType::IntegraleControle,
                    started_at: None,
                    location: Location {
                        description: format!("Controle {CANARY}"),
                        lat: None,
                        lon: None,
                    },
                    partners: vec![],
                },
                now(),
            )
            .unwrap();
        for i in 0..50 {
            let mut s = signal_input();
            s.observation = format!("Waarneming {i} {CANARY} {}", "lange tekst ".repeat(i));
            s.location.description = format!("Adres {CANARY} {i}");
            s.persons = vec![Person {
                label: CANARY.into(),
                role: PersonRole::Slachtoffer,
                age_band: AgeBand::Onbekend,
                minor: false,
                nationality: Some(format!("Land {CANARY}")),
            }];
            if i % 2 == 0 {
                s.control_id = Some(c.id.clone());
            }
            z.record_signal(s, now()).unwrap();
        }
        let mut d = signal_input();
        d.observation = format!("concept {CANARY}");
        z.save_draft(&d, now()).unwrap();
        // Refused input must not leak into logs either.
        let mut bad = signal_input();
        bad.location.description = format!("{CANARY}{}", "x".repeat(300));
        assert!(z.record_signal(bad, now()).is_err());
        z.lock();
        assert!(z
            .unlock(format!("fout {CANARY} wachtwoord"), now(), UP)
            .is_err());
        // Search works on the decrypted index, so the canary is findable while unlocked.
        z.unlock(PASS.into(), later(10), UP).unwrap();
        assert_eq!(
            z.list_signals(&SignalFilter {
                text: Some(CANARY.to_lowercase()),
                ..Default::default()
            })
            .unwrap()
            .len(),
            50
        );
    });
    let mut hits = Vec::new();
    let mut bytes = 0;
    for needle in [CANARY.as_bytes(), CANARY.to_lowercase().as_bytes()] {
        scan(dir.path(), needle, &mut hits, &mut bytes);
    }
    assert!(bytes > 10_000, "the scan saw the store ({bytes} bytes)");
    assert!(hits.is_empty(), "plaintext canary found in {hits:?}");
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("signal recorded"),
        "logs were captured: {logs}"
    );
    assert!(
        !logs.contains(CANARY) && !logs.to_lowercase().contains(&CANARY.to_lowercase()),
        "canary in logs"
    );
}
