//! "Nothing acknowledged is lost": a child process records signals and prints an ACK after
//! each save returns; the parent kills it with SIGKILL at random moments, 20 rounds, then
//! reopens the store: every acknowledged signal must be there and readable.

use crate::common::*;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "ZICHT_CRASH_CHILD_DIR";

/// Not a test on its own: the body of the child process (run with `--ignored`).
#[test]
#[ignore = "child process of acknowledged_signals_survive_kill_9"]
fn crash_child_writer() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let mut z = reopen(std::path::Path::new(&dir));
    let out = std::io::stdout();
    let mut n = 0u64;
    loop {
        let mut s = signal_input();
        s.observation = format!("crash-test {n}");
        let saved = z.record_signal(s, now()).unwrap();
        let mut o = out.lock();
        writeln!(o, "ACK {} {n}", saved.signal.id).unwrap();
        o.flush().unwrap();
        n += 1;
    }
}

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn acknowledged_signals_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    drop(fresh(dir.path()));
    let exe = std::env::current_exe().unwrap();
    let mut rng = Instant::now().elapsed().as_nanos() as u64
        ^ 0x9E37_79B9_7F4A_7C15
        ^ u64::from(std::process::id());
    let mut acked: Vec<(String, String)> = Vec::new();
    for round in 0..20 {
        let mut child = Command::new(&exe)
            .args([
                "crash::crash_child_writer",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut acks = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let mut it = line.split_whitespace();
                if it.next() == Some("ACK") {
                    if let (Some(id), Some(n)) = (it.next(), it.next()) {
                        acks.push((id.to_string(), format!("crash-test {n}")));
                    }
                }
            }
            acks
        });
        // Unlocking costs ~0.3 s (PBKDF2); kill somewhere in 0.3 .. 1.3 s.
        let wait = 300 + xorshift(&mut rng) % 1000;
        std::thread::sleep(Duration::from_millis(wait));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let acks = reader.join().unwrap();
        eprintln!(
            "round {round}: killed after {wait} ms, {} acknowledged",
            acks.len()
        );
        acked.extend(acks);
        // Every acknowledged signal so far is there and readable.
        let z = reopen(dir.path());
        for (id, obs) in &acked {
            let s = z
                .signal(id)
                .unwrap_or_else(|e| panic!("round {round}: acknowledged signal {id} lost: {e:?}"));
            assert_eq!(&s.observation, obs);
        }
    }
    assert!(
        acked.len() >= 20,
        "the child wrote too little to prove anything ({})",
        acked.len()
    );
}
