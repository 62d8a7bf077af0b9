//! Seal and open throughput on 1 MiB and 256 MiB, in the same run as the physical floor (raw
//! ring AES-256-GCM and raw BLAKE3, one thread each, over the same buffer) and the `age` crate
//! encrypting the same buffer to one X25519 recipient and decrypting it. Prints the ratios at
//! the end: ours / floor (floor = the slower of AES-GCM and BLAKE3) and ours / age (seal
//! against age's encryption, open against its decryption).
//!
//! Also measures how much the machine's second core gives to the two kinds of work a seal
//! splits between its threads (group `machine-1MiB`, see [`side_by_side`]).
//!
//! `cargo bench -p zicht-bundle --bench throughput` (add `-- 1MiB` for the small size only).

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, CHACHA20_POLY1305};
use zicht_bundle::{open, seal, RecipientSecretKey, SenderKey};

const SIZES: [(&str, usize); 2] = [("1MiB", 1 << 20), ("256MiB", 256 << 20)];

fn buffer(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i.wrapping_mul(31) ^ (i >> 13)) as u8)
        .collect()
}

fn output_dir() -> PathBuf {
    if let Some(h) = std::env::var_os("CRITERION_HOME") {
        return h.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("criterion")
}

fn benches(c: &mut Criterion) {
    let sender = SenderKey::from_seed(&[1; 32]).unwrap();
    let me = RecipientSecretKey::from_bytes([2; 32]);
    let recipients = [me.public_key()];
    let age_identity = age::x25519::Identity::generate();
    let age_recipient = age_identity.to_public();
    let aes = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &[3; 32]).unwrap());
    // For the format document's choice of AES-GCM over ChaCha20-Poly1305 (not in the ratios).
    let chacha = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &[3; 32]).unwrap());

    for (name, len) in SIZES {
        let data = buffer(len);
        let mut group = c.benchmark_group(format!("bundle-{name}"));
        group.throughput(Throughput::Bytes(len as u64));
        if len > 8 << 20 {
            group
                .sample_size(10)
                .sampling_mode(SamplingMode::Flat)
                .warm_up_time(Duration::from_millis(500))
                .measurement_time(Duration::from_secs(3));
        } else {
            group
                .sample_size(30)
                .warm_up_time(Duration::from_millis(500))
                .measurement_time(Duration::from_secs(2));
        }

        let mut scratch = data.clone();
        group.bench_function(BenchmarkId::from_parameter("ring_aes256gcm"), |b| {
            b.iter(|| {
                aes.seal_in_place_separate_tag(
                    Nonce::assume_unique_for_key([0; 12]),
                    Aad::empty(),
                    &mut scratch,
                )
                .unwrap()
            })
        });
        group.bench_function(BenchmarkId::from_parameter("ring_chacha20poly1305"), |b| {
            b.iter(|| {
                chacha
                    .seal_in_place_separate_tag(
                        Nonce::assume_unique_for_key([0; 12]),
                        Aad::empty(),
                        &mut scratch,
                    )
                    .unwrap()
            })
        });
        group.bench_function(BenchmarkId::from_parameter("blake3"), |b| {
            b.iter(|| blake3::hash(&data))
        });
        group.bench_function(BenchmarkId::from_parameter("ring_sha256"), |b| {
            b.iter(|| ring::digest::digest(&ring::digest::SHA256, &data))
        });

        let mut out = Vec::with_capacity(len + len / 1000 + 4096);
        group.bench_function(BenchmarkId::from_parameter("zicht_seal"), |b| {
            b.iter(|| {
                out.clear();
                seal(&data[..], &mut out, &sender, &recipients).unwrap()
            })
        });
        out.clear();
        seal(&data[..], &mut out, &sender, &recipients).unwrap();
        let sealed = out.clone();
        let mut plain = Vec::with_capacity(len);
        group.bench_function(BenchmarkId::from_parameter("zicht_open"), |b| {
            b.iter(|| {
                plain.clear();
                open(&sealed[..], &mut plain, &me, &sender.public_key()).unwrap()
            })
        });
        assert!(plain.is_empty() || plain == data); // empty if filtered out
        drop(sealed);

        group.bench_function(BenchmarkId::from_parameter("age_encrypt"), |b| {
            b.iter(|| {
                out.clear();
                let enc = age::Encryptor::with_recipients(std::iter::once(
                    &age_recipient as &dyn age::Recipient,
                ))
                .unwrap();
                let mut w = enc.wrap_output(&mut out).unwrap();
                w.write_all(&data).unwrap();
                w.finish().unwrap();
            })
        });
        out.clear();
        let enc =
            age::Encryptor::with_recipients(std::iter::once(&age_recipient as &dyn age::Recipient))
                .unwrap();
        let mut w = enc.wrap_output(&mut out).unwrap();
        w.write_all(&data).unwrap();
        w.finish().unwrap();
        let encrypted = out.clone();
        group.bench_function(BenchmarkId::from_parameter("age_decrypt"), |b| {
            b.iter(|| {
                plain.clear();
                let dec = age::Decryptor::new(&encrypted[..]).unwrap();
                let mut r = dec
                    .decrypt(std::iter::once(&age_identity as &dyn age::Identity))
                    .unwrap();
                std::io::copy(&mut r, &mut plain).unwrap();
            })
        });
        assert!(plain.is_empty() || plain == data);
        group.finish();
    }
    side_by_side(c, &aes);
}

/// AES-256-GCM in 64 KiB chunks over a buffer, as a seal encrypts it.
fn aes_pass(key: &LessSafeKey, buf: &mut [u8]) {
    for chunk in buf.chunks_mut(64 << 10) {
        let tag = key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key([0; 12]), Aad::empty(), chunk)
            .unwrap();
        let _ = std::hint::black_box(tag);
    }
}

/// Whether two cores do twice the work of one here, for the work a seal splits between them:
/// AES-GCM on this thread alone and while another thread hashes another buffer with BLAKE3,
/// and BLAKE3 alone and while another thread encrypts. No data is shared, so a slow-down
/// comes from the machine (cores sharing execution units, caches or power), not from the
/// bundle code. [`report`] prints the sum of the two speeds relative to running alone: 2.0
/// means the second core is a whole core for this work; a seal cannot gain more from its
/// helper thread than that.
fn side_by_side(c: &mut Criterion, aes: &LessSafeKey) {
    const LEN: usize = 1 << 20;
    let mut group = c.benchmark_group("machine-1MiB");
    group
        .throughput(Throughput::Bytes(LEN as u64))
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    let mut mine = buffer(LEN);
    let mut theirs = buffer(LEN);
    group.bench_function("aes_alone", |b| b.iter(|| aes_pass(aes, &mut mine)));
    group.bench_function("blake3_alone", |b| b.iter(|| blake3::hash(&mine)));
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let other = s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                std::hint::black_box(blake3::hash(&theirs));
            }
        });
        group.bench_function("aes_beside_blake3", |b| b.iter(|| aes_pass(aes, &mut mine)));
        stop.store(true, Ordering::Relaxed);
        other.join().unwrap();
    });
    stop.store(false, Ordering::Relaxed);
    std::thread::scope(|s| {
        let other = s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                aes_pass(aes, &mut theirs);
            }
        });
        group.bench_function("blake3_beside_aes", |b| b.iter(|| blake3::hash(&mine)));
        stop.store(true, Ordering::Relaxed);
        other.join().unwrap();
    });
    group.finish();
}

/// Median throughput in GiB/s of one benchmark of this run, from criterion's estimates.
fn gibps(group: &str, bench: &str, len: usize) -> Option<f64> {
    let path = output_dir()
        .join(group)
        .join(bench)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let ns = v["median"]["point_estimate"].as_f64()?;
    Some(len as f64 / (ns * 1e-9) / (1u64 << 30) as f64)
}

fn report() {
    let mut lines = vec![format!(
        "{:<8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} | {:>10} {:>10} {:>9} {:>9}",
        "size",
        "aes-gcm",
        "chacha",
        "blake3",
        "sha256",
        "seal",
        "open",
        "age-enc",
        "age-dec",
        "seal/floor",
        "open/floor",
        "seal/age",
        "open/age"
    )];
    for (name, len) in SIZES {
        let g = format!("bundle-{name}");
        let get = |b: &str| gibps(&g, b, len);
        let (Some(aes), Some(b3), Some(seal), Some(open), Some(age_enc), Some(age_dec)) = (
            get("ring_aes256gcm"),
            get("blake3"),
            get("zicht_seal"),
            get("zicht_open"),
            get("age_encrypt"),
            get("age_decrypt"),
        ) else {
            lines.push(format!("{name:<8} (not measured in this run)"));
            continue;
        };
        let sha = get("ring_sha256").unwrap_or(f64::NAN);
        let chacha = get("ring_chacha20poly1305").unwrap_or(f64::NAN);
        let floor = aes.min(b3);
        lines.push(format!(
            "{name:<8} {aes:>8.2} {chacha:>8.2} {b3:>8.2} {sha:>8.2} {seal:>8.2} {open:>8.2} {age_enc:>8.2} {age_dec:>8.2} | {:>10.2} {:>10.2} {:>9.2} {:>9.2}",
            seal / floor,
            open / floor,
            seal / age_enc,
            open / age_dec
        ));
    }
    lines.push("GiB/s (median); seal = `seal` (Read to Write), open = `open`; floor = min(aes-gcm, blake3), one thread each; seal/age against age's encryption, open/age against its decryption; targets at 256 MiB: >= 0.8 x floor and >= 1.5 x age".into());
    let get = |b: &str| gibps("machine-1MiB", b, 1 << 20);
    if let (Some(a1), Some(b1), Some(a2), Some(b2)) = (
        get("aes_alone"),
        get("blake3_alone"),
        get("aes_beside_blake3"),
        get("blake3_beside_aes"),
    ) {
        lines.push(format!(
            "two cores side by side (1 MiB, no shared data): aes-gcm at {:.2} and blake3 at {:.2} of their speed alone: {:.2} x one core (2.00 = no interference)",
            a2 / a1,
            b2 / b1,
            a2 / a1 + b2 / b1
        ));
    }
    let text = lines.join("\n");
    println!("\n{text}");
    let _ = std::fs::write(output_dir().join("zicht-bundle-ratios.txt"), text + "\n");
}

fn main() {
    let mut c = Criterion::default()
        .output_directory(&output_dir())
        .configure_from_args();
    benches(&mut c);
    c.final_summary();
    report();
}
