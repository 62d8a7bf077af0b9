//! Each error, caused on purpose, is the one reported; codes and messages are distinct.

use std::collections::{BTreeMap, HashMap};

use zicht_bundle::{
    seal, Error, Malformed, RecipientPublicKey, SenderLookup, SenderPublicKey, CHUNK_CT, CHUNK_SIZE,
};

use crate::common::*;

const HDR: usize = 187; // header length with one recipient

fn one(data: &[u8]) -> Vec<u8> {
    seal_vec(data, &sender(1), &[recipient(1).public_key()]).0
}

fn open_one(bundle: &[u8]) -> Result<Vec<u8>, Error> {
    open_vec(bundle, &recipient(1), &sender(1).public_key()).map(|(p, _)| p)
}

#[test]
fn not_for_me() {
    let b = one(b"geheim");
    let e = open_vec(&b, &recipient(2), &sender(1).public_key()).unwrap_err();
    assert!(matches!(e, Error::NotForMe), "{e:?}");
    assert_eq!(e.code(), "bundle.not_for_me");
}

#[test]
fn unknown_sender_is_reported_before_any_plaintext() {
    let b = one(&payload(3 * CHUNK_SIZE));
    let directory: Vec<SenderPublicKey> = vec![sender(5).public_key(), sender(6).public_key()];
    let mut out = Vec::new();
    let e = zicht_bundle::open(&b[..], &mut out, &recipient(1), &directory).unwrap_err();
    match e {
        Error::UnknownSender { sender: id } => assert_eq!(id, sender(1).key_id()),
        e => panic!("{e:?}"),
    }
    assert!(
        out.is_empty(),
        "nothing released before the sender is known"
    );
    // The lookups the crate offers all find the sender.
    let map: HashMap<_, _> = [(sender(1).key_id(), sender(1).public_key())].into();
    assert!(open_vec(&b, &recipient(1), &map).is_ok());
    let map: BTreeMap<_, _> = [(sender(1).key_id(), sender(1).public_key())].into();
    assert!(open_vec(&b, &recipient(1), &map).is_ok());
    assert!(open_vec(
        &b,
        &recipient(1),
        &[sender(5).public_key(), sender(1).public_key()]
    )
    .is_ok());
}

#[test]
fn bad_signature() {
    // The directory holds another key under the sender's id (a swapped or rotated key).
    let b = one(b"x");
    let wrong: HashMap<_, _> = [(sender(1).key_id(), sender(2).public_key())].into();
    assert!(matches!(
        open_vec(&b, &recipient(1), &wrong),
        Err(Error::BadSignature)
    ));
    // A forged signature.
    let mut f = b.clone();
    let n = f.len();
    f[n - 64..].copy_from_slice(&[7u8; 64]);
    assert!(matches!(open_one(&f), Err(Error::BadSignature)));
}

#[test]
fn truncated() {
    let b = one(&payload(2 * CHUNK_SIZE + 100));
    for cut in [
        0,
        1,
        7,
        8,
        9,
        58,
        59,
        100,
        HDR - 1,
        HDR,
        HDR + 1,
        HDR + CHUNK_CT,
        b.len() - 73,
        b.len() - 72,
        b.len() - 1,
    ] {
        let e = open_one(&b[..cut]).unwrap_err();
        assert!(matches!(e, Error::Truncated), "cut at {cut}: {e:?}");
    }
}

#[test]
fn missing_last_chunk_is_truncated() {
    // Drop the last chunk but keep the trailer: the new final chunk is a middle chunk.
    let b = one(&payload(2 * CHUNK_SIZE + 100));
    let last_start = HDR + 2 * CHUNK_CT;
    let mut cut = b[..last_start].to_vec();
    cut.extend_from_slice(&b[b.len() - 72..]);
    let e = open_one(&cut).unwrap_err();
    assert!(matches!(e, Error::Truncated), "{e:?}");
    // Same with a payload that is a whole number of chunks.
    let b = one(&payload(3 * CHUNK_SIZE));
    let mut cut = b[..HDR + 2 * CHUNK_CT].to_vec();
    cut.extend_from_slice(&b[b.len() - 72..]);
    assert!(matches!(open_one(&cut), Err(Error::Truncated)));
}

#[test]
fn tampered_chunk() {
    let b = one(&payload(3 * CHUNK_SIZE + 1));
    for (at, index) in [
        (HDR, 0),
        (HDR + CHUNK_CT + 5, 1),
        (HDR + 3 * CHUNK_CT + 16, 3),
    ] {
        let mut t = b.clone();
        t[at] ^= 0x20;
        match open_one(&t) {
            Err(Error::TamperedChunk { index: i }) => assert_eq!(i, index, "byte {at}"),
            other => panic!("byte {at}: {other:?}"),
        }
    }
    // Swapped chunks.
    let mut t = b.clone();
    let (a, rest) = t[HDR..].split_at_mut(CHUNK_CT);
    a.swap_with_slice(&mut rest[..CHUNK_CT]);
    assert!(matches!(
        open_one(&t),
        Err(Error::TamperedChunk { index: 0 })
    ));
    // A chunk from another bundle (another payload key).
    let other = one(&payload(3 * CHUNK_SIZE + 1));
    let mut t = b.clone();
    t[HDR..HDR + CHUNK_CT].copy_from_slice(&other[HDR..HDR + CHUNK_CT]);
    assert!(matches!(
        open_one(&t),
        Err(Error::TamperedChunk { index: 0 })
    ));
}

#[test]
fn tampered_header() {
    let b = one(b"x");
    for at in [9, 24, 25, 56, 75, 106, 107, 154, 155, 186] {
        let mut t = b.clone();
        t[at] ^= 1;
        let e = open_one(&t).unwrap_err();
        assert!(matches!(e, Error::TamperedHeader), "byte {at}: {e:?}");
    }
    // Another recipient's stanza altered: the MAC fails for everybody.
    let (b, _) = seal_vec(
        b"x",
        &sender(1),
        &[recipient(1).public_key(), recipient(2).public_key()],
    );
    let mut t = b.clone();
    t[59 + 96 + 50] ^= 1;
    assert!(matches!(open_one(&t), Err(Error::TamperedHeader)));
    assert!(open_vec(&t, &recipient(2), &sender(1).public_key()).is_err());
}

#[test]
fn unsupported_version() {
    let mut b = one(b"x");
    for v in [0u8, 2, 255] {
        b[8] = v;
        match open_one(&b) {
            Err(Error::UnsupportedVersion { found }) => assert_eq!(found, v),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn malformed_header() {
    let b = one(b"x");
    let mut t = b.clone();
    t[0] = b'z';
    assert!(matches!(
        open_one(&t),
        Err(Error::MalformedHeader {
            reason: Malformed::NotABundle
        })
    ));
    assert!(matches!(
        open_one(b"PK\x03\x04 not a bundle"),
        Err(Error::MalformedHeader { .. })
    ));
    let mut t = b.clone();
    t[57..59].copy_from_slice(&0u16.to_be_bytes());
    assert!(matches!(
        open_one(&t),
        Err(Error::MalformedHeader {
            reason: Malformed::RecipientCount
        })
    ));
    let mut t = b.clone();
    t[57..59].copy_from_slice(&1025u16.to_be_bytes());
    assert!(matches!(
        open_one(&t),
        Err(Error::MalformedHeader {
            reason: Malformed::RecipientCount
        })
    ));
    // Two stanzas with one key id.
    let (b2, _) = seal_vec(
        b"x",
        &sender(1),
        &[recipient(1).public_key(), recipient(2).public_key()],
    );
    let mut t = b2.clone();
    let rid: Vec<u8> = t[59..75].to_vec();
    t[59 + 96..59 + 96 + 16].copy_from_slice(&rid);
    assert!(matches!(
        open_one(&t),
        Err(Error::MalformedHeader {
            reason: Malformed::DuplicateRecipient
        })
    ));
}

#[test]
fn appended_bytes_are_refused() {
    let mut b = one(b"x");
    b.push(0);
    assert!(matches!(open_one(&b), Err(Error::Truncated)));
}

#[test]
fn sealing_refusals() {
    let from = sender(1);
    let mut out = Vec::new();
    assert!(matches!(
        seal(&b""[..], &mut out, &from, &[]),
        Err(Error::NoRecipients)
    ));
    let r = recipient(1).public_key();
    assert!(matches!(
        seal(&b""[..], &mut out, &from, &[r, r]),
        Err(Error::DuplicateRecipient { .. })
    ));
    let many: Vec<_> = (0..1025u32)
        .map(|i| {
            RecipientPublicKey::from_bytes({
                let mut k = [9u8; 32];
                k[..4].copy_from_slice(&i.to_le_bytes());
                k
            })
        })
        .collect();
    assert!(matches!(
        seal(&b""[..], &mut out, &from, &many),
        Err(Error::TooManyRecipients { count: 1025 })
    ));
    // Small-order points give an all-zero shared secret.
    for bad in [[0u8; 32], {
        let mut k = [0u8; 32];
        k[0] = 1;
        k
    }] {
        let e = seal(
            &b""[..],
            &mut out,
            &from,
            &[RecipientPublicKey::from_bytes(bad)],
        )
        .unwrap_err();
        assert!(matches!(e, Error::InvalidKey), "{e:?}");
        // Refused while making the header, before anything is read or written, whatever the
        // length of the plaintext.
        let mut written = Vec::new();
        let e = seal(
            &payload(9 * CHUNK_SIZE)[..],
            &mut written,
            &from,
            &[r, RecipientPublicKey::from_bytes(bad)],
        )
        .unwrap_err();
        assert!(matches!(e, Error::InvalidKey), "{e:?}");
        assert!(written.is_empty());
    }
    assert!(matches!(
        zicht_bundle::SenderKey::from_pkcs8(b"junk"),
        Err(Error::InvalidKey)
    ));
}

#[test]
fn io_errors_are_io() {
    struct Broken;
    impl std::io::Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let e = seal(
        &payload(5 * CHUNK_SIZE)[..],
        Broken,
        &sender(1),
        &[recipient(1).public_key()],
    )
    .unwrap_err();
    assert_eq!(e.code(), "bundle.io");
    // A writer that fails after some batches (the digest is then on a second thread): the
    // error comes back, and the next seal works.
    struct FailsAfter(usize);
    impl std::io::Write for FailsAfter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 = self
                .0
                .checked_sub(1)
                .ok_or(std::io::ErrorKind::StorageFull)?;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    for writes in [0, 1, 2, 3, 5] {
        let e = seal(
            &payload(40 * CHUNK_SIZE)[..],
            FailsAfter(writes),
            &sender(1),
            &[recipient(1).public_key()],
        )
        .unwrap_err();
        assert_eq!(e.code(), "bundle.io", "after {writes} writes");
    }
    let b = one(&payload(40 * CHUNK_SIZE));
    let e = zicht_bundle::open(&b[..], Broken, &recipient(1), &sender(1).public_key()).unwrap_err();
    assert_eq!(e.code(), "bundle.io");
}

/// A reader failing after the header must not hide the header's errors (format §8, step 2
/// before step 3; an earlier `open` read ahead before the key agreement), and a reader failing
/// after a good header is an I/O error.
#[test]
fn a_failing_reader_after_the_header_keeps_the_order_of_errors() {
    /// Gives the first `ok` bytes of `bytes`, then fails.
    struct FailsAfter<'a> {
        bytes: &'a [u8],
        ok: usize,
    }
    impl std::io::Read for FailsAfter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.ok == 0 {
                return Err(std::io::Error::other("connection reset"));
            }
            let n = buf.len().min(self.ok).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            self.ok -= n;
            Ok(n)
        }
    }
    let b = one(&payload(12 * CHUNK_SIZE));
    let mut tampered = b.clone();
    tampered[107] ^= 1;
    let known = sender(1).public_key();
    let nobody: Vec<SenderPublicKey> = vec![sender(5).public_key()];
    let cases: [(&[u8], &dyn SenderLookup, &str); 3] = [
        (&tampered, &known, "bundle.tampered_header"),
        (&b, &nobody, "bundle.unknown_sender"),
        (&b, &known, "bundle.io"),
    ];
    for ok in [HDR, HDR + 1, HDR + CHUNK_CT + 5, HDR + 4 * CHUNK_CT + 200] {
        for (bytes, senders, code) in cases {
            let reader = FailsAfter { bytes, ok };
            let e =
                zicht_bundle::open(reader, std::io::sink(), &recipient(1), senders).unwrap_err();
            assert_eq!(e.code(), code, "ok {ok}: {e:?}");
        }
    }
}

#[test]
fn codes_and_messages_are_distinct() {
    let k = sender(1).key_id();
    let errors = [
        Error::NotForMe,
        Error::UnknownSender { sender: k },
        Error::BadSignature,
        Error::Truncated,
        Error::TamperedChunk { index: 3 },
        Error::TamperedHeader,
        Error::UnsupportedVersion { found: 2 },
        Error::MalformedHeader {
            reason: Malformed::NotABundle,
        },
        Error::NoRecipients,
        Error::TooManyRecipients { count: 2000 },
        Error::DuplicateRecipient { key: k },
        Error::InvalidKey,
        Error::Random,
        Error::TooLarge,
        Error::Internal,
        Error::Io(std::io::Error::other("x")),
    ];
    let codes: std::collections::HashSet<_> = errors.iter().map(|e| e.code()).collect();
    assert_eq!(codes.len(), errors.len());
    let messages: std::collections::HashSet<_> = errors.iter().map(|e| e.message()).collect();
    assert_eq!(messages.len(), errors.len());
    for e in &errors {
        assert!(e.code().starts_with("bundle."));
        assert!(!e.message().is_empty() && !e.to_string().is_empty());
    }
    assert!(Error::TamperedChunk { index: 3 }
        .message()
        .contains("Deel 4"));
    assert!(Error::NotForMe.message().contains("niet voor dit apparaat"));
}
