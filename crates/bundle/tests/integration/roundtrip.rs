//! Seal then open gives the plaintext back, for every payload size that matters.

use proptest::prelude::*;
use zicht_bundle::{BundleId, Header, CHUNK_SIZE};

use crate::common::*;

fn check(len: usize, max_read: usize) {
    let from = sender(1);
    let to = recipient(1);
    let data = payload(len);
    let mut bundle = Vec::new();
    let sealed = zicht_bundle::seal(
        Choppy {
            data: &data,
            max: max_read,
            calls: 0,
        },
        &mut bundle,
        &from,
        &[to.public_key()],
    )
    .expect("seal");
    assert_eq!(sealed.len, bundle.len() as u64);
    assert_eq!(sealed.plaintext_len, len as u64);
    assert_eq!(sealed.id, BundleId::of(&bundle));
    let chunks = len.div_ceil(CHUNK_SIZE).max(1);
    assert_eq!(bundle.len(), 187 + len + 16 * chunks + 72, "size for {len}");

    let mut plain = Vec::new();
    let opened = zicht_bundle::open(
        Choppy {
            data: &bundle,
            max: max_read,
            calls: 0,
        },
        &mut plain,
        &to,
        &from.public_key(),
    )
    .expect("open");
    assert!(plain == data, "plaintext differs for {len}");
    assert_eq!(opened.id, sealed.id);
    assert_eq!(opened.sender_id, from.key_id());
    assert_eq!(opened.sender, from.public_key());
    assert_eq!(opened.plaintext_len, len as u64);
    assert_eq!(opened.len, bundle.len() as u64);
    assert_eq!(Header::parse(&bundle).unwrap().len(), 187);
}

/// The implementation works in batches of 4 chunks and hashes on a second thread above 16
/// chunks (implementation details, not format): cover those boundaries.
const BATCH: usize = 4 * CHUNK_SIZE;

#[test]
fn boundaries() {
    for len in [
        0,
        1,
        CHUNK_SIZE - 1,
        CHUNK_SIZE,
        CHUNK_SIZE + 1,
        2 * CHUNK_SIZE,
        3 * CHUNK_SIZE + 5,
        BATCH - 1,
        BATCH,
        BATCH + 1,
        BATCH + CHUNK_SIZE,
        2 * BATCH,
        2 * BATCH + 17,
        5 * BATCH + 3 * CHUNK_SIZE - 1,
        16 * CHUNK_SIZE,
        16 * CHUNK_SIZE + 1,
        5 * BATCH,
        5 * BATCH + 1,
        9 * BATCH + 2 * CHUNK_SIZE + 7,
    ] {
        check(len, usize::MAX);
    }
}

#[test]
fn short_reads() {
    for len in [0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, BATCH + 1] {
        check(len, 4093);
        check(len + 2 * BATCH, 65536 + 7);
    }
    check(6 * BATCH + 3, 65536 + 7);
    check(5 * BATCH + CHUNK_SIZE, 4093);
    check(3 * CHUNK_SIZE + 1, 1);
}

#[test]
fn ids_are_lowercase_hex_of_blake3() {
    let (bundle, sealed) = seal_vec(b"x", &sender(1), &[recipient(1).public_key()]);
    let hex = sealed.id.to_string();
    assert_eq!(hex.len(), 64);
    assert!(hex
        .bytes()
        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
    assert_eq!(hex, blake3::hash(&bundle).to_hex().as_str());
    assert_eq!(BundleId::from_hex(&hex), Some(sealed.id));
    assert_eq!(BundleId::from_hex(&hex.to_uppercase()), None);
    let mut h = zicht_bundle::IdHasher::new();
    for piece in bundle.chunks(5) {
        h.update(piece);
    }
    assert_eq!(h.finalize(), sealed.id);
}

#[test]
fn every_seal_is_fresh() {
    let to = [recipient(1).public_key()];
    let (a, _) = seal_vec(b"same", &sender(1), &to);
    let (b, _) = seal_vec(b"same", &sender(1), &to);
    assert_ne!(a, b, "fresh file key, salt and ephemeral key every time");
}

fn sizes() -> impl Strategy<Value = usize> {
    prop_oneof![
        Just(0usize),
        Just(1),
        Just(CHUNK_SIZE - 1),
        Just(CHUNK_SIZE),
        Just(CHUNK_SIZE + 1),
        (0usize..4).prop_map(|k| k * CHUNK_SIZE),
        (1usize..4, -2i64..=2).prop_map(|(k, d)| (k as i64 * CHUNK_SIZE as i64 + d) as usize),
        0usize..5 * CHUNK_SIZE,
        0usize..300,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
    #[test]
    fn round_trip(len in sizes(), max_read in prop_oneof![Just(usize::MAX), 1000usize..70_000]) {
        check(len, max_read);
    }
}

#[test]
fn concurrent_seals_and_opens() {
    // Several threads at once (each with its own kept buffers and, above 1 MiB, its own
    // digest helper).
    let handles: Vec<_> = (0..4u8)
        .map(|t| {
            std::thread::spawn(move || {
                for round in 0..3usize {
                    check(t as usize * 70_001 + round * 700_007, usize::MAX);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("no panic");
    }
}
