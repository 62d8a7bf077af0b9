//! `seal_bytes` (the in-memory seal, two threads each encrypting and hashing their own chunks)
//! makes exactly the bytes `seal` makes: same seed, same plaintext, same recipients.

use std::sync::Arc;

use proptest::prelude::*;
use zicht_bundle::insecure_test_support::{
    in_memory_seals_on_this_thread, seal_bytes_with_seed_insecure,
};
use zicht_bundle::{BundleId, Error, RecipientPublicKey, RecipientSecretKey, CHUNK_SIZE};

use crate::common::*;

/// Seals `len` bytes both ways with the same seed and compares everything; opens the result.
fn check(len: usize, recipients: usize, seed: u8) {
    let from = sender(3);
    // Up to 255 recipients as the other tests make them; more from two-byte seeds.
    let keys: Vec<_> = (0..recipients)
        .map(|n| match u8::try_from(n) {
            Ok(n) if recipients < 256 => recipient(n),
            _ => {
                let mut b = [0x55; 32];
                b[4..6].copy_from_slice(&(n as u16).to_le_bytes());
                RecipientSecretKey::from_bytes(b)
            }
        })
        .collect();
    let to: Vec<_> = keys.iter().map(|k| k.public_key()).collect();
    let data = payload(len);
    let expected = seal_seeded(&data, &from, &to, seed);
    let mut got = Vec::new();
    let shared: Arc<[u8]> = Arc::from(&data[..]);
    let sealed =
        seal_bytes_with_seed_insecure(Arc::clone(&shared), &mut got, &from, &to, &[seed; 32])
            .expect("seal_bytes");
    // The caller owns the plaintext alone again (the core wipes it then).
    assert_eq!(Arc::strong_count(&shared), 1);
    assert!(
        got == expected,
        "bytes differ for {len} bytes, {recipients} recipients"
    );
    assert_eq!(sealed.len, got.len() as u64);
    assert_eq!(sealed.plaintext_len, len as u64);
    assert_eq!(sealed.id, BundleId::of(&got));
    let (plain, opened) = open_vec(&got, &keys[recipients - 1], &from.public_key()).expect("open");
    assert!(plain == data);
    assert_eq!(opened.id, sealed.id);
}

#[test]
fn the_same_bytes_as_the_streaming_seal_at_every_boundary() {
    let before = in_memory_seals_on_this_thread();
    // Below two chunks and above the in-memory limit the streaming seal runs (still checked);
    // in between, block and chunk boundaries fall everywhere.
    for len in [
        0,
        1,
        CHUNK_SIZE - 1,
        CHUNK_SIZE,
        CHUNK_SIZE + 1,
        2 * CHUNK_SIZE - 1,
        2 * CHUNK_SIZE,
        2 * CHUNK_SIZE + 1,
        3 * CHUNK_SIZE + 8 * 1024 - 187,
        16 * CHUNK_SIZE,
        16 * CHUNK_SIZE + 17,
        32 * CHUNK_SIZE - 1,
        32 * CHUNK_SIZE,
        32 * CHUNK_SIZE + 1,
    ] {
        check(len, 1, 9);
    }
    // Nine of these lengths are 2 to 32 chunks: with a second core they took the two-thread
    // path (the test entry waits for the helper rather than stream), and the helper sealed
    // some of their chunks, so blocks across chunks of both threads were hashed.
    let (taken, mut by_helper) = in_memory_seals_on_this_thread();
    if std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2 {
        assert_eq!(taken - before.0, 9, "in-memory seals");
        // On a loaded machine the helper may not get a core during a seal (the calling thread
        // then seals everything): try a few more.
        for _ in 0..20 {
            if by_helper > before.1 {
                break;
            }
            check(16 * CHUNK_SIZE + 17, 1, 9);
            by_helper = in_memory_seals_on_this_thread().1;
        }
        assert!(by_helper > before.1, "the helper sealed no chunk");
    }
}

#[test]
fn the_same_bytes_for_several_recipients() {
    for n in 1..=4 {
        check(5 * CHUNK_SIZE + 1000 * n, n, n as u8);
    }
    // A header longer than a digest block (90 recipients: 8 731 bytes), and one longer than a
    // chunk (700 recipients: 67 291 bytes).
    check(4 * CHUNK_SIZE + 3, 90, 1);
    check(3 * CHUNK_SIZE + 5, 700, 2);
}

#[test]
fn errors_are_those_of_the_streaming_seal() {
    let from = sender(3);
    let data: Arc<[u8]> = Arc::from(payload(3 * CHUNK_SIZE));
    // A low-order recipient key: refused while making the header, nothing written.
    let bad = RecipientPublicKey::from_bytes([0; 32]);
    let mut out = Vec::new();
    let e = seal_bytes_with_seed_insecure(Arc::clone(&data), &mut out, &from, &[bad], &[1; 32])
        .unwrap_err();
    assert!(matches!(e, Error::InvalidKey), "{e:?}");
    assert!(out.is_empty());
    let e = seal_bytes_with_seed_insecure(Arc::clone(&data), &mut out, &from, &[], &[1; 32])
        .unwrap_err();
    assert!(matches!(e, Error::NoRecipients), "{e:?}");
    // A writer that fails: the error comes back, and the next seal works.
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::StorageFull.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let to = [recipient(1).public_key()];
    let e =
        seal_bytes_with_seed_insecure(Arc::clone(&data), Full, &from, &to, &[1; 32]).unwrap_err();
    assert!(matches!(e, Error::Io(_)), "{e:?}");
    check(3 * CHUNK_SIZE, 1, 1);
}

#[test]
fn concurrent_in_memory_seals_are_each_right() {
    // One seal at a time gets the helper; the others queue for it here (the test entry
    // waits). All must be right.
    let threads: Vec<_> = (0..4u8)
        .map(|t| {
            std::thread::spawn(move || {
                for i in 0..8u8 {
                    check(
                        (2 + (i as usize % 5)) * CHUNK_SIZE + t as usize * 333,
                        1,
                        t ^ i,
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn the_same_bytes_for_any_length(len in 0usize..(33 * CHUNK_SIZE), seed in any::<u8>()) {
        check(len, 1 + seed as usize % 2, seed);
    }
}

/// The public `seal_bytes` streams when another in-memory seal holds the helper: concurrent
/// callers each get a bundle that opens to their plaintext, whichever path each took.
#[test]
fn concurrent_public_seals_open_right() {
    let threads: Vec<_> = (0..4u8)
        .map(|t| {
            std::thread::spawn(move || {
                let from = sender(5);
                let me = recipient(t);
                for i in 0..6usize {
                    let data = payload((2 + i % 4) * CHUNK_SIZE + 77 * t as usize);
                    let mut out = Vec::new();
                    let sealed = zicht_bundle::seal_bytes(
                        Arc::from(&data[..]),
                        &mut out,
                        &from,
                        &[me.public_key()],
                    )
                    .expect("seal_bytes");
                    assert_eq!(sealed.id, BundleId::of(&out));
                    let (plain, _) = open_vec(&out, &me, &from.public_key()).expect("open");
                    assert!(plain == data);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
}
