//! Zicht bundles: how data leaves a device, readable only by its recipients, signed by its
//! sender, addressed by the digest of its own bytes.
//!
//! The format is specified in `docs/bundle-format.md` (version 1); this crate implements exactly
//! that. In short:
//!
//! ```text
//! header  = "ZICHTBDL" | 0x01 | sender key id (16) | payload salt (32) | n (u16 BE)
//!           | n × [recipient key id (16) | ephemeral X25519 public (32) | wrapped file key (48)]
//!           | HMAC-SHA256 header MAC (32)
//! payload = AES-256-GCM STREAM chunks of 64 KiB (+16 tag), last-chunk flag in the nonce
//! trailer = "ZICHTEND" | Ed25519 signature over BLAKE3(everything before the signature)
//! id      = lowercase hex BLAKE3(whole bundle)
//! ```
//!
//! ```
//! use zicht_bundle::{seal, open, SenderKey, RecipientSecretKey};
//!
//! let (alice, _pkcs8) = SenderKey::generate()?;
//! let table = RecipientSecretKey::generate()?;
//! let mut bundle = Vec::new();
//! let sealed = seal(&b"signaal"[..], &mut bundle, &alice, &[table.public_key()])?;
//!
//! let mut plain = Vec::new();
//! let opened = open(&bundle[..], &mut plain, &table, &alice.public_key())?;
//! assert_eq!(plain, b"signaal");
//! assert_eq!(opened.id, sealed.id);
//! # Ok::<(), zicht_bundle::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::io::{self, Read, Write};

mod crypto;
mod error;
mod hashing;
mod header;
mod keys;
mod open;
mod seal;

pub use error::{Error, Malformed};
pub use header::{read_header, Header, Stanza};
pub use keys::{
    BundleId, IdHasher, KeyId, RecipientPublicKey, RecipientSecretKey, SenderKey, SenderLookup,
    SenderPublicKey,
};
pub use open::Opened;
pub use seal::Sealed;

/// The first eight bytes of every bundle.
pub const MAGIC: [u8; 8] = *b"ZICHTBDL";
/// The format version this crate writes and reads.
pub const VERSION: u8 = 1;
/// The eight bytes before the signature.
pub const END_MARKER: [u8; 8] = *b"ZICHTEND";
/// Plaintext bytes per chunk (the last chunk may be shorter).
pub const CHUNK_SIZE: usize = 64 * 1024;
/// AES-256-GCM tag length.
pub const TAG_LEN: usize = 16;
/// Bytes of a full ciphertext chunk.
pub const CHUNK_CT: usize = CHUNK_SIZE + TAG_LEN;
/// Most recipients one bundle may have.
pub const MAX_RECIPIENTS: usize = 1024;
/// Bytes per recipient stanza.
pub const STANZA_LEN: usize = 96;
/// Header bytes before the stanzas.
pub const FIXED_HEADER_LEN: usize = 59;
/// Header MAC length.
pub const MAC_LEN: usize = 32;
/// Ed25519 signature length.
pub const SIG_LEN: usize = 64;
/// End marker plus signature.
pub const TRAILER_LEN: usize = END_MARKER.len() + SIG_LEN;

/// Encrypts everything `reader` yields into a bundle written to `writer`, readable by each of
/// `recipients` and signed by `sender`. Streams: memory stays at about 1 MiB whatever the size.
///
/// Key and nonce rules (format §2–§5), all randomness from the OS CSPRNG (ring `SystemRandom`):
/// - a fresh 256-bit **file key** `FK` and a fresh 256-bit **payload salt** `S` per bundle;
/// - per recipient `R`, a fresh **ephemeral X25519 secret** `e` (`E = X25519(e, 9)`); the wrap
///   key is `HKDF-SHA256(salt = E‖R, ikm = X25519(e, R), info = "zicht-bundle/v1/x25519-wrap")`
///   and wraps `FK` with AES-256-GCM under the all-zero nonce (each wrap key is used once); a
///   recipient key of small order (all-zero shared secret) is refused ([`Error::InvalidKey`]);
/// - the header MAC is HMAC-SHA256 under `HKDF-SHA256(salt = ∅, ikm = FK,
///   info = "zicht-bundle/v1/header-mac")` over every header byte before it;
/// - the payload key is `HKDF-SHA256(salt = S, ikm = FK, info = "zicht-bundle/v1/payload")`;
///   chunk `i` uses the nonce `i` (11 bytes big-endian) ‖ `0x01` for the last chunk, `0x00`
///   otherwise; a non-empty plaintext whose length is a multiple of 64 KiB ends with a full
///   last chunk, an empty plaintext is one empty last chunk;
/// - the signature is Ed25519 over `"zicht-bundle/v1/signature" ‖ BLAKE3(bundle minus the
///   signature)`, and the id is BLAKE3 of the whole bundle, both from one hashing pass.
///
/// Threads and memory: a plaintext of up to 1 MiB, or any on a single core, is sealed on this
/// thread alone; past that, a second thread, started for this call and joined before it
/// returns, hashes the ciphertext while this thread reads, encrypts and writes. It uses up to four
/// 256 KiB buffers, which are wiped when the seal ends and kept for the next seal or open on
/// the same thread. Neither `reader` nor `writer` leaves this thread.
///
/// Errors: [`Error::NoRecipients`], [`Error::TooManyRecipients`],
/// [`Error::DuplicateRecipient`], [`Error::InvalidKey`], [`Error::Random`], [`Error::Io`].
/// After an error the writer holds an incomplete bundle that no reader accepts.
pub fn seal<R: Read, W: Write>(
    reader: R,
    writer: W,
    sender: &SenderKey,
    recipients: &[RecipientPublicKey],
) -> Result<Sealed, Error> {
    seal::seal_with(
        reader,
        writer,
        sender,
        recipients,
        &mut crypto::SystemEntropy::new(),
    )
}

/// Decrypts and verifies a bundle from `reader` for the recipient `me`, writing the plaintext
/// to `writer`; the sender's signing key is found through `senders` (the regional directory).
///
/// Checks, in order (format §8): header structure; a stanza for `me`'s key id
/// ([`Error::NotForMe`]); the file key unwraps with `X25519(me, E)` and the key schedule of
/// [`seal`], and the header MAC verifies ([`Error::TamperedHeader`]); the sender key id is known
/// ([`Error::UnknownSender`]). Only then does it decrypt, chunk by chunk, each chunk's nonce
/// being its index and the last-chunk flag ([`Error::TamperedChunk`], [`Error::Truncated`]);
/// finally the end marker ([`Error::Truncated`]) and the signature ([`Error::BadSignature`]).
///
/// **Release rule:** plaintext is written as each chunk authenticates, before the signature
/// can be checked. *If this returns `Err`, the caller must discard everything written to
/// `writer`*: open into a staging area (memory, or a not-yet-visible record in the encrypted
/// store; never a plaintext temp file) and commit it only on `Ok`. Nothing at all is written
/// for the header-level errors (not for me, tampered header, unknown sender, malformed,
/// unsupported version, truncated header).
///
/// Threads and memory as for [`seal`]: for a payload of more than 1 MiB a second thread
/// hashes each batch of ciphertext before this thread decrypts it in place; up to four 256 KiB
/// buffers besides the header, wiped when the open ends.
///
/// Never panics on any input.
pub fn open<R: Read, W: Write>(
    reader: R,
    writer: W,
    me: &RecipientSecretKey,
    senders: &dyn SenderLookup,
) -> Result<Opened, Error> {
    open::open_impl(reader, writer, me, senders)
}

/// Test-vector support. **Never use for real bundles.**
#[doc(hidden)]
pub mod insecure_test_support {
    use super::*;

    /// [`seal`] with all randomness (file key, payload salt, ephemeral secrets, in that order)
    /// drawn from the BLAKE3 XOF of `seed` instead of the OS, so that test vectors are
    /// reproducible. Anyone who knows the seed can decrypt the result.
    pub fn seal_with_seed_insecure<R: Read, W: Write>(
        reader: R,
        writer: W,
        sender: &SenderKey,
        recipients: &[RecipientPublicKey],
        seed: &[u8; 32],
    ) -> Result<Sealed, Error> {
        seal::seal_with(
            reader,
            writer,
            sender,
            recipients,
            &mut crypto::SeededEntropy::new(seed),
        )
    }
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
pub(crate) fn read_full<R: Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) if k <= buf.len() - n => n += k,
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "reader reported more bytes than it was given room for",
                ))
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
