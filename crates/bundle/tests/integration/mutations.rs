//! Every single-bit flip and every truncation of a small bundle is rejected (with the error its
//! position calls for), and nothing panics. A two-chunk bundle gets the same treatment around
//! its header, chunk boundary and trailer.

use zicht_bundle::{Error, CHUNK_CT, CHUNK_SIZE};

use crate::common::*;

const HDR: usize = 187;

fn open_one(bundle: &[u8]) -> Result<Vec<u8>, Error> {
    open_vec(bundle, &recipient(1), &sender(1).public_key()).map(|(p, _)| p)
}

/// What a flip at byte `at` of a one-recipient bundle must give.
fn expected(at: usize, len: usize) -> fn(&Error) -> bool {
    match at {
        0..=7 => |e| matches!(e, Error::MalformedHeader { .. }),
        8 => |e| matches!(e, Error::UnsupportedVersion { .. }),
        9..=56 => |e| matches!(e, Error::TamperedHeader),
        // The recipient count: 0, > 1024, more stanzas than bytes, or stanzas that the MAC
        // does not cover as sealed.
        57..=58 => |e| {
            matches!(
                e,
                Error::MalformedHeader { .. } | Error::Truncated | Error::TamperedHeader
            )
        },
        59..=74 => |e| matches!(e, Error::NotForMe),
        75..=186 => |e| matches!(e, Error::TamperedHeader),
        _ if at >= len - 64 => |e| matches!(e, Error::BadSignature),
        _ if at >= len - 72 => |e| matches!(e, Error::Truncated),
        _ => |e| matches!(e, Error::TamperedChunk { .. }),
    }
}

#[test]
fn every_bit_flip_and_every_truncation_of_a_small_bundle() {
    let data = payload(120);
    let bundle = seal_seeded(&data, &sender(1), &[recipient(1).public_key()], 3);
    assert_eq!(bundle.len(), HDR + 120 + 16 + 72);
    assert_eq!(open_one(&bundle).unwrap(), data);

    let mut flipped = bundle.clone();
    let mut count = 0;
    for at in 0..bundle.len() {
        for bit in 0..8 {
            flipped[at] ^= 1 << bit;
            let r = std::panic::catch_unwind(|| open_one(&flipped));
            let r = r.unwrap_or_else(|_| panic!("panic at byte {at} bit {bit}"));
            match r {
                Ok(_) => panic!("flip at byte {at} bit {bit} accepted"),
                Err(e) => assert!(
                    expected(at, bundle.len())(&e),
                    "flip at byte {at} bit {bit}: unexpected {e:?}"
                ),
            }
            flipped[at] ^= 1 << bit;
            count += 1;
        }
    }
    assert_eq!(count, bundle.len() * 8);
    assert_eq!(flipped, bundle);

    for cut in 0..bundle.len() {
        let r = std::panic::catch_unwind(|| open_one(&bundle[..cut]));
        match r.unwrap_or_else(|_| panic!("panic at length {cut}")) {
            Err(Error::Truncated) => {}
            other => panic!("cut at {cut}: {other:?}"),
        }
    }
}

#[test]
fn flips_and_cuts_across_chunk_boundary_and_trailer() {
    let data = payload(CHUNK_SIZE + 50);
    let bundle = seal_seeded(&data, &sender(1), &[recipient(1).public_key()], 4);
    let len = bundle.len();
    assert_eq!(len, HDR + 2 * 16 + CHUNK_SIZE + 50 + 72);
    let boundary = HDR + CHUNK_CT;
    let positions = (0..HDR + 40)
        .chain(boundary - 40..boundary + 40)
        .chain(len - 120..len)
        .chain((HDR..len).step_by(997));
    let mut t = bundle.clone();
    for at in positions {
        for bit in [0, 3, 7] {
            t[at] ^= 1 << bit;
            let e = open_one(&t).expect_err("flip accepted");
            let ok = match at {
                a if a < HDR => expected(a, len)(&e),
                a if a >= len - 64 => matches!(e, Error::BadSignature),
                a if a >= len - 72 => matches!(e, Error::Truncated),
                a if a < boundary => matches!(e, Error::TamperedChunk { index: 0 }),
                _ => matches!(e, Error::TamperedChunk { index: 1 }),
            };
            assert!(ok, "flip at {at} bit {bit}: {e:?}");
            t[at] ^= 1 << bit;
        }
    }
    let cuts = (0..HDR + 10)
        .chain(boundary - 100..boundary + 100)
        .chain(len - 200..len)
        .chain((0..len).step_by(331));
    for cut in cuts {
        let e = open_one(&bundle[..cut]).expect_err("cut accepted");
        assert!(matches!(e, Error::Truncated), "cut at {cut}: {e:?}");
    }
}

#[test]
fn arbitrary_garbage_never_panics() {
    // Deterministic pseudo-random inputs, some starting with a valid header.
    let valid = seal_seeded(b"abc", &sender(1), &[recipient(1).public_key()], 5);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for round in 0..2000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = (x % 600) as usize;
        let mut input: Vec<u8> = (0..len).map(|i| (x >> (i % 56)) as u8 ^ i as u8).collect();
        if round % 2 == 0 {
            let keep = (x as usize >> 20) % valid.len();
            let n = keep.min(input.len());
            input[..n].copy_from_slice(&valid[..n]);
        }
        assert!(open_one(&input).is_err() || input == valid);
        let _ = zicht_bundle::Header::parse(&input);
    }
}
