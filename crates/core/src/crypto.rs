//! Encryption at rest (docs/design.md, *Security model*), on ring.
//!
//! - Data key: 256 random bits from the OS, made once at setup.
//! - Record values: AES-256-GCM under the data key, a fresh random 96-bit nonce per write
//!   (stored in front of the ciphertext), `tree || 0x00 || key` as associated data so a sealed
//!   value cannot be moved to another slot. Random nonces are safe up to ~2^32 writes per key,
//!   far beyond one device's lifetime of signals.
//! - Key wrapping: PBKDF2-HMAC-SHA256 of the passphrase with a random 128-bit salt and at least
//!   [`PBKDF2_ITERATIONS`] rounds gives a key-encryption key that seals the data key (AES-256-GCM,
//!   fixed associated data). A wrong passphrase fails the tag check: nothing else is learned.

use crate::error::{CoreError, Result};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use std::num::NonZeroU32;
use zeroize::{Zeroize, Zeroizing};

/// PBKDF2 rounds for new stores (OWASP 2023 guidance for PBKDF2-HMAC-SHA256).
pub const PBKDF2_ITERATIONS: u32 = 600_000;
const WRAP_AAD: &[u8] = b"zicht data key v1";

/// The store's data key. Zeroed on drop (the raw bytes; ring's expanded key schedule is
/// dropped with it but not zeroed by ring).
pub struct DataKey {
    raw: Zeroizing<[u8; 32]>,
    key: LessSafeKey,
}

impl DataKey {
    /// A fresh random data key.
    pub fn generate() -> Result<DataKey> {
        let mut raw = Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(&mut raw[..])
            .map_err(|_| CoreError::Crypto)?;
        DataKey::from_raw(raw)
    }

    fn from_raw(raw: Zeroizing<[u8; 32]>) -> Result<DataKey> {
        let key = LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM, &raw[..]).map_err(|_| CoreError::Crypto)?,
        );
        Ok(DataKey { raw, key })
    }

    /// Seals `plaintext` for slot `aad`: `nonce || ciphertext || tag`, with a fresh random nonce.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        seal_with(&self.key, aad, plaintext)
    }

    /// Opens a value sealed by [`DataKey::seal`] for the same slot.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        open_with(&self.key, aad, sealed)
    }

    /// Like [`DataKey::open`], decrypting in place in the buffer it is given (no copy).
    pub fn open_vec(&self, aad: &[u8], mut sealed: Vec<u8>) -> Result<Vec<u8>> {
        if sealed.len() < NONCE_LEN + AES_256_GCM.tag_len() {
            return Err(CoreError::Corrupt);
        }
        let nonce = Nonce::try_assume_unique_for_key(&sealed[..NONCE_LEN])
            .map_err(|_| CoreError::Corrupt)?;
        let len = self
            .key
            .open_in_place(nonce, Aad::from(aad), &mut sealed[NONCE_LEN..])
            .map_err(|_| CoreError::Corrupt)?
            .len();
        sealed.drain(..NONCE_LEN);
        sealed.truncate(len);
        Ok(sealed)
    }
}

fn seal_with(key: &LessSafeKey, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| CoreError::Crypto)?;
    let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + AES_256_GCM.tag_len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plaintext);
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut out[NONCE_LEN..],
        )
        .map_err(|_| CoreError::Crypto)?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

fn open_with(key: &LessSafeKey, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
    if sealed.len() < NONCE_LEN + AES_256_GCM.tag_len() {
        return Err(CoreError::Corrupt);
    }
    let (nonce, rest) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CoreError::Corrupt)?;
    let mut buf = rest.to_vec();
    let len = key
        .open_in_place(nonce, Aad::from(aad), &mut buf)
        .map_err(|_| CoreError::Corrupt)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

/// The wrapped data key and how to unwrap it. Not secret; stored in plaintext.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct KeyWrap {
    pub kdf: String,
    pub iterations: u32,
    pub salt: Vec<u8>,
    /// `nonce || AES-256-GCM(kek, data key) || tag`
    pub wrapped: Vec<u8>,
}

fn kek(passphrase: &str, salt: &[u8], iterations: u32) -> Result<LessSafeKey> {
    let rounds = NonZeroU32::new(iterations).ok_or(CoreError::Corrupt)?;
    let mut k = Zeroizing::new([0u8; 32]);
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        rounds,
        salt,
        passphrase.as_bytes(),
        &mut k[..],
    );
    Ok(LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, &k[..]).map_err(|_| CoreError::Crypto)?,
    ))
}

/// Wraps `key` under a key derived from `passphrase` with a fresh random salt.
pub fn wrap(key: &DataKey, passphrase: &str) -> Result<KeyWrap> {
    let mut salt = vec![0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| CoreError::Crypto)?;
    let kek = kek(passphrase, &salt, PBKDF2_ITERATIONS)?;
    let wrapped = seal_with(&kek, WRAP_AAD, &key.raw[..])?;
    Ok(KeyWrap {
        kdf: "pbkdf2-hmac-sha256".into(),
        iterations: PBKDF2_ITERATIONS,
        salt,
        wrapped,
    })
}

/// Unwraps the data key; [`CoreError::WrongPassphrase`] if the passphrase does not fit.
pub fn unwrap(w: &KeyWrap, passphrase: &str) -> Result<DataKey> {
    if w.kdf != "pbkdf2-hmac-sha256" || w.iterations < PBKDF2_ITERATIONS {
        return Err(CoreError::Corrupt);
    }
    let kek = kek(passphrase, &w.salt, w.iterations)?;
    let mut raw = open_with(&kek, WRAP_AAD, &w.wrapped).map_err(|_| CoreError::WrongPassphrase)?;
    if raw.len() != 32 {
        raw.zeroize();
        return Err(CoreError::Corrupt);
    }
    let mut arr = Zeroizing::new([0u8; 32]);
    arr.copy_from_slice(&raw);
    raw.zeroize();
    DataKey::from_raw(arr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_value_is_bound_to_its_slot() {
        let k = DataKey::generate().unwrap();
        let s = k.seal(b"signals\0a", b"geheim").unwrap();
        assert_eq!(k.open(b"signals\0a", &s).unwrap(), b"geheim");
        assert!(matches!(k.open(b"signals\0b", &s), Err(CoreError::Corrupt)));
        let s2 = k.seal(b"signals\0a", b"geheim").unwrap();
        assert_ne!(s, s2, "fresh nonce per write");
    }

    #[test]
    fn wrong_passphrase_is_refused() {
        let k = DataKey::generate().unwrap();
        let w = wrap(&k, "correct horse battery").unwrap();
        assert!(matches!(
            unwrap(&w, "wrong horse battery"),
            Err(CoreError::WrongPassphrase)
        ));
        let k2 = unwrap(&w, "correct horse battery").unwrap();
        assert_eq!(&k2.raw[..], &k.raw[..]);
    }
}
