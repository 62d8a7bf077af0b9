//! A second, independent implementation of `docs/bundle-format.md`, written from the document
//! with ring, x25519-dalek and blake3 directly. The crate's output must match it byte for byte;
//! it also builds the non-canonical bundles a correct sealer never makes, to check that `open`
//! refuses them even when they are properly signed.

use proptest::prelude::*;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use ring::signature::Ed25519KeyPair;
use ring::{digest, hkdf, hmac};
use zicht_bundle::insecure_test_support::seal_with_seed_insecure;
use zicht_bundle::{BundleId, Error, RecipientSecretKey, CHUNK_SIZE};

use crate::common::*;

struct L32;
impl hkdf::KeyType for L32 {
    fn len(&self) -> usize {
        32
    }
}

fn hkdf(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    hkdf::Salt::new(hkdf::HKDF_SHA256, salt)
        .extract(ikm)
        .expand(&[info], L32)
        .unwrap()
        .fill(&mut out)
        .unwrap();
    out
}

fn key_id(label: &str, pk: &[u8]) -> [u8; 16] {
    let d = digest::digest(&digest::SHA256, &[label.as_bytes(), pk].concat());
    d.as_ref()[..16].try_into().unwrap()
}

fn aes(k: &[u8; 32]) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, k).unwrap())
}

#[derive(Default)]
struct Quirks {
    /// After a full last chunk, add an empty last chunk (non-canonical).
    extra_empty_last: bool,
    /// Flag no chunk as last.
    no_last_flag: bool,
}

fn reference_seal(
    data: &[u8],
    sender_seed: &[u8; 32],
    recipients: &[[u8; 32]],
    seed: &[u8; 32],
    q: Quirks,
) -> Vec<u8> {
    // Test-vector entropy: BLAKE3 XOF of the seed in derive-key mode; file key, salt, ephemerals.
    let mut xof = blake3::Hasher::new_derive_key("zicht-bundle/v1 test-vector entropy (insecure)");
    xof.update(seed);
    let mut xof = xof.finalize_xof();
    let mut fk = [0u8; 32];
    xof.fill(&mut fk);
    let mut salt = [0u8; 32];
    xof.fill(&mut salt);

    let signer = Ed25519KeyPair::from_seed_unchecked(sender_seed).unwrap();
    use ring::signature::KeyPair;
    let mut out = Vec::new();
    out.extend_from_slice(b"ZICHTBDL");
    out.push(1);
    out.extend_from_slice(&key_id(
        "zicht-bundle/v1/key-id/ed25519",
        signer.public_key().as_ref(),
    ));
    out.extend_from_slice(&salt);
    out.extend_from_slice(&(recipients.len() as u16).to_be_bytes());
    for r in recipients {
        let mut e = [0u8; 32];
        xof.fill(&mut e);
        let e = x25519_dalek::StaticSecret::from(e);
        let epk = x25519_dalek::PublicKey::from(&e).to_bytes();
        let ss = e.diffie_hellman(&x25519_dalek::PublicKey::from(*r));
        let wk = hkdf(
            &[epk.as_slice(), r.as_slice()].concat(),
            ss.as_bytes(),
            b"zicht-bundle/v1/x25519-wrap",
        );
        let mut w = fk.to_vec();
        aes(&wk)
            .seal_in_place_append_tag(Nonce::assume_unique_for_key([0; 12]), Aad::empty(), &mut w)
            .unwrap();
        out.extend_from_slice(&key_id("zicht-bundle/v1/key-id/x25519", r));
        out.extend_from_slice(&epk);
        out.extend_from_slice(&w);
    }
    let mk = hkdf(&[], &fk, b"zicht-bundle/v1/header-mac");
    let mac = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &mk), &out);
    out.extend_from_slice(mac.as_ref());

    let pk = aes(&hkdf(&salt, &fk, b"zicht-bundle/v1/payload"));
    let mut chunks: Vec<&[u8]> = data.chunks(65536).collect();
    if chunks.is_empty() {
        chunks.push(&[]);
    }
    if q.extra_empty_last {
        chunks.push(&[]);
    }
    for (i, c) in chunks.iter().enumerate() {
        let mut nonce = [0u8; 12];
        nonce[3..11].copy_from_slice(&(i as u64).to_be_bytes());
        nonce[11] = (i + 1 == chunks.len() && !q.no_last_flag) as u8;
        let mut buf = c.to_vec();
        pk.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut buf)
            .unwrap();
        out.extend_from_slice(&buf);
    }
    out.extend_from_slice(b"ZICHTEND");
    let d = blake3::hash(&out);
    let sig = signer.sign(&[b"zicht-bundle/v1/signature".as_slice(), d.as_bytes()].concat());
    out.extend_from_slice(sig.as_ref());
    out
}

#[test]
fn crate_output_matches_the_document() {
    for (len, n) in [
        (0usize, 1u8),
        (1, 1),
        (65536, 2),
        (65537, 1),
        (16 * 65536 + 3, 3),
        (3 * 65536, 1),
    ] {
        let recipients: Vec<_> = (1..=n).map(recipient).collect();
        let publics: Vec<_> = recipients.iter().map(|r| r.public_key()).collect();
        let raw: Vec<[u8; 32]> = publics.iter().map(|p| *p.as_bytes()).collect();
        let data = payload(len);
        let ours = seal_seeded(&data, &sender(1), &publics, 9);
        let theirs = reference_seal(&data, &[1; 32], &raw, &[9; 32], Quirks::default());
        assert!(ours == theirs, "len {len}, {n} recipients: bytes differ");
        for r in &recipients {
            assert_eq!(
                open_vec(&theirs, r, &sender(1).public_key()).unwrap().0,
                data
            );
        }
    }
}

/// `seal` (seeded) against the reference for `len` bytes and `n` recipients; opened by the last.
fn check_against_reference(len: usize, n: usize, seed: u8) {
    // Up to 255 recipients as the other tests make them; more from two-byte seeds.
    let recipients: Vec<_> = (0..n)
        .map(|i| match u8::try_from(i + 1) {
            Ok(i) if n < 255 => recipient(i),
            _ => {
                let mut b = [0x55; 32];
                b[4..6].copy_from_slice(&(i as u16).to_le_bytes());
                RecipientSecretKey::from_bytes(b)
            }
        })
        .collect();
    let publics: Vec<_> = recipients.iter().map(|r| r.public_key()).collect();
    let raw: Vec<[u8; 32]> = publics.iter().map(|p| *p.as_bytes()).collect();
    let data = payload(len);
    let mut ours = Vec::new();
    let sealed = seal_with_seed_insecure(&data[..], &mut ours, &sender(3), &publics, &[seed; 32])
        .expect("seal");
    let theirs = reference_seal(&data, &[3; 32], &raw, &[seed; 32], Quirks::default());
    assert!(ours == theirs, "len {len}, {n} recipients: bytes differ");
    assert_eq!(sealed.len, ours.len() as u64);
    assert_eq!(sealed.plaintext_len, len as u64);
    assert_eq!(sealed.id, BundleId::of(&ours));
    let (plain, opened) = open_vec(&ours, &recipients[n - 1], &sender(3).public_key()).unwrap();
    assert!(plain == data);
    assert_eq!(opened.id, sealed.id);
}

/// Headers of several sizes: 1–4 recipients, one longer than a BLAKE3 block of the
/// implementation (90 recipients: 8 731 bytes), one longer than a chunk (700 recipients: 67 291
/// bytes), before payloads hashed on the calling thread and (above 1 MiB) on a second thread.
#[test]
fn long_headers_match_the_document() {
    for n in 1..=4 {
        check_against_reference(5 * CHUNK_SIZE + 1000 * n, n, n as u8);
        check_against_reference(21 * CHUNK_SIZE + 1000 * n, n, n as u8);
    }
    check_against_reference(4 * CHUNK_SIZE + 3, 90, 1);
    check_against_reference(3 * CHUNK_SIZE + 5, 700, 2);
    check_against_reference(24 * CHUNK_SIZE + 7, 700, 3);
}

#[test]
fn boundaries_match_the_document() {
    // Chunk and batch (4 chunks) boundaries, those of the 1 MiB above which a second thread
    // hashes, and a length once found by a property test.
    for len in [
        CHUNK_SIZE - 1,
        2 * CHUNK_SIZE - 1,
        2 * CHUNK_SIZE + 1,
        3 * CHUNK_SIZE + 8 * 1024 - 187,
        4 * CHUNK_SIZE - 1,
        4 * CHUNK_SIZE,
        4 * CHUNK_SIZE + 1,
        16 * CHUNK_SIZE - 1,
        16 * CHUNK_SIZE,
        16 * CHUNK_SIZE + 1,
        20 * CHUNK_SIZE + 1,
        32 * CHUNK_SIZE + 1,
        335_780,
    ] {
        check_against_reference(len, 1, 9);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn any_length_matches_the_document(len in 0usize..(33 * CHUNK_SIZE), seed in any::<u8>()) {
        check_against_reference(len, 1 + seed as usize % 2, seed);
    }
}

#[test]
fn signed_but_non_canonical_bundles_are_refused() {
    let to = recipient(1);
    let raw = [*to.public_key().as_bytes()];
    let from = sender(1).public_key();

    let b = reference_seal(
        &payload(65536),
        &[1; 32],
        &raw,
        &[2; 32],
        Quirks {
            extra_empty_last: true,
            ..Quirks::default()
        },
    );
    let e = open_vec(&b, &to, &from).unwrap_err();
    assert!(matches!(e, Error::TamperedChunk { index: 1 }), "{e:?}");

    for len in [65536 * 2, 65536 * 2 + 10, 5] {
        let b = reference_seal(
            &payload(len),
            &[1; 32],
            &raw,
            &[2; 32],
            Quirks {
                no_last_flag: true,
                ..Quirks::default()
            },
        );
        let e = open_vec(&b, &to, &from).unwrap_err();
        if len % 65536 == 0 {
            assert!(matches!(e, Error::Truncated), "{len}: {e:?}");
        } else {
            assert!(matches!(e, Error::TamperedChunk { .. }), "{len}: {e:?}");
        }
    }
}
