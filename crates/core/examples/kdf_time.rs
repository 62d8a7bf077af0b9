//! Measures what a user waits for at unlock with today's Argon2id parameters (128 MiB, 3
//! passes): sets up a store in a temporary folder and unlocks it a few times.
//!
//! `cargo run --release -p zicht-core --example kdf_time`

use std::time::{Duration, Instant};
use zicht_core::Zicht;
use zicht_model::{Role, SetupInput};

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let now = chrono::Local::now().fixed_offset();
    let pass = "zeven blauwe fietsen op de dijk";
    let mut z = Zicht::open(dir.path()).expect("open");
    let t = Instant::now();
    z.setup(
        SetupInput {
            name: "Meting".into(),
            role: Role::Toezichthouder,
            municipality: "Zutphen".into(),
            passphrase: pass.into(),
            passphrase_repeat: pass.into(),
        },
        now,
    )
    .expect("setup");
    println!("setup: {:.3} s", t.elapsed().as_secs_f64());
    let mut times = Vec::new();
    for _ in 0..5 {
        z.lock();
        let t = Instant::now();
        z.unlock(pass.into(), now, Duration::ZERO).expect("unlock");
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "unlock (Argon2id 128 MiB, t=3, p=1), 5 runs: min {:.3} s, median {:.3} s, max {:.3} s",
        times[0], times[2], times[4]
    );
}
