//! The key schedule (format §3.1, §3.2, §4, §5) on top of ring, and the entropy source.

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use ring::rand::SecureRandom;
use ring::{hkdf, hmac};
use zeroize::Zeroizing;

use crate::Error;

pub(crate) const WRAP_INFO: &[u8] = b"zicht-bundle/v1/x25519-wrap";
pub(crate) const HEADER_MAC_INFO: &[u8] = b"zicht-bundle/v1/header-mac";
pub(crate) const PAYLOAD_INFO: &[u8] = b"zicht-bundle/v1/payload";
pub(crate) const SIGNATURE_CONTEXT: &[u8] = b"zicht-bundle/v1/signature";

struct Len32;
impl hkdf::KeyType for Len32 {
    fn len(&self) -> usize {
        32
    }
}

/// HKDF-SHA256 (RFC 5869) to 32 bytes. An empty salt is RFC 5869's default (32 zero bytes).
pub(crate) fn hkdf32(salt: &[u8], ikm: &[u8], info: &[u8]) -> Result<Zeroizing<[u8; 32]>, Error> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(ikm);
    let info = [info];
    let okm = prk.expand(&info, Len32).map_err(|_| Error::Internal)?;
    let mut out = Zeroizing::new([0u8; 32]);
    okm.fill(&mut out[..]).map_err(|_| Error::Internal)?;
    Ok(out)
}

pub(crate) fn aes_key(bytes: &[u8; 32]) -> Result<LessSafeKey, Error> {
    Ok(LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| Error::Internal)?,
    ))
}

/// Wrap key for one stanza: HKDF(salt = E || R, ikm = X25519 shared secret, info = WRAP_INFO).
pub(crate) fn wrap_key(
    shared: &[u8; 32],
    ephemeral: &[u8; 32],
    recipient: &[u8; 32],
) -> Result<LessSafeKey, Error> {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(ephemeral);
    salt[32..].copy_from_slice(recipient);
    aes_key(&*hkdf32(&salt, shared, WRAP_INFO)?)
}

/// Header MAC key: HKDF(salt = empty, ikm = FK, info = HEADER_MAC_INFO).
pub(crate) fn mac_key(file_key: &[u8; 32]) -> Result<hmac::Key, Error> {
    Ok(hmac::Key::new(
        hmac::HMAC_SHA256,
        &hkdf32(&[], file_key, HEADER_MAC_INFO)?[..],
    ))
}

/// Payload key: HKDF(salt = payload salt S, ikm = FK, info = PAYLOAD_INFO).
pub(crate) fn payload_key(file_key: &[u8; 32], salt: &[u8; 32]) -> Result<LessSafeKey, Error> {
    aes_key(&*hkdf32(salt, file_key, PAYLOAD_INFO)?)
}

/// The STREAM nonce of chunk `index`: an 11-byte big-endian counter, then the last-chunk flag.
pub(crate) fn chunk_nonce(index: u64, last: bool) -> Nonce {
    let mut n = [0u8; aead::NONCE_LEN];
    n[3..11].copy_from_slice(&index.to_be_bytes());
    n[11] = u8::from(last);
    Nonce::assume_unique_for_key(n)
}

/// Wraps the file key: AES-256-GCM under the wrap key, all-zero nonce (the key is used once).
pub(crate) fn wrap(key: &LessSafeKey, file_key: &[u8; 32]) -> Result<[u8; 48], Error> {
    let mut out = [0u8; 48];
    out[..32].copy_from_slice(file_key);
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key([0; 12]),
            Aad::empty(),
            &mut out[..32],
        )
        .map_err(|_| Error::Internal)?;
    out[32..].copy_from_slice(tag.as_ref());
    Ok(out)
}

/// Unwraps a file key; `None` if the tag fails.
pub(crate) fn unwrap(key: &LessSafeKey, wrapped: &[u8; 48]) -> Option<Zeroizing<[u8; 32]>> {
    let mut buf = Zeroizing::new(*wrapped);
    let pt = key
        .open_in_place(
            Nonce::assume_unique_for_key([0; 12]),
            Aad::empty(),
            &mut buf[..],
        )
        .ok()?;
    let mut fk = Zeroizing::new([0u8; 32]);
    fk.copy_from_slice(pt.get(..32)?);
    Some(fk)
}

/// The message the sender signs: the context string, then the 32-byte digest `D`.
pub(crate) fn signed_message(digest: &[u8; 32]) -> [u8; 25 + 32] {
    let mut m = [0u8; 25 + 32];
    m[..25].copy_from_slice(SIGNATURE_CONTEXT);
    m[25..].copy_from_slice(digest);
    m
}

/// Where sealing gets its randomness from, in this order: file key, payload salt, then one
/// ephemeral secret per recipient in the order given.
pub(crate) trait Entropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Error>;
}

/// The operating system's CSPRNG, through ring. The only source used for real bundles.
pub(crate) struct SystemEntropy(ring::rand::SystemRandom);

impl SystemEntropy {
    pub(crate) fn new() -> Self {
        SystemEntropy(ring::rand::SystemRandom::new())
    }
}

impl Entropy for SystemEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Error> {
        self.0.fill(buf).map_err(|_| Error::Random)
    }
}

/// A deterministic stream for test vectors only: the BLAKE3 XOF of the seed in derive-key mode.
pub(crate) struct SeededEntropy(blake3::OutputReader);

impl SeededEntropy {
    pub(crate) fn new(seed: &[u8; 32]) -> Self {
        let mut h =
            blake3::Hasher::new_derive_key("zicht-bundle/v1 test-vector entropy (insecure)");
        h.update(seed);
        SeededEntropy(h.finalize_xof())
    }
}

impl Entropy for SeededEntropy {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Error> {
        self.0.fill(buf);
        Ok(())
    }
}
