//! Encryption at rest (docs/design.md, *Security model*), on ring.
//!
//! - Data key: 256 random bits from the OS, made once at setup.
//! - Record values: AES-256-GCM under the data key, a fresh random 96-bit nonce per write
//!   (stored in front of the ciphertext), `tree || 0x00 || key` as associated data so a sealed
//!   value cannot be moved to another slot. Random nonces are safe up to ~2^32 writes per key,
//!   far beyond one device's lifetime of signals.
//! - Key wrapping: Argon2id of the passphrase ([`ARGON2_PARAMS`]: 128 MiB, 3 passes) with a random
//!   128-bit salt gives a key-encryption key that seals the data key (AES-256-GCM, fixed
//!   associated data). A wrong passphrase fails the tag check: nothing else is learned. The
//!   parameters are written into the [`KeyWrap`]; stores from before Argon2id carry a
//!   PBKDF2-HMAC-SHA256 wrap (at least [`PBKDF2_ITERATIONS`] rounds), which is still read and
//!   replaced by an Argon2id wrap at the next unlock.

use crate::error::{CoreError, Result};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use std::num::NonZeroU32;
use zeroize::{Zeroize, Zeroizing};

/// PBKDF2 rounds of the stores from before Argon2id (fewer are refused).
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

    /// Whether `other` is the same key.
    pub fn same_key(&self, other: &DataKey) -> bool {
        // Every byte compared, without an early exit.
        self.raw
            .iter()
            .zip(other.raw.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
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

/// Argon2id parameters (RFC 9106, version 0x13), as written into the key wrap.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory, in KiB.
    pub m_kib: u32,
    /// Passes over the memory.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Argon2Params {
    /// At least as strong as `min` in memory and passes.
    fn at_least(&self, min: &Argon2Params) -> bool {
        self.m_kib >= min.m_kib && self.t >= min.t
    }

    /// Within what a genuine wrap can hold: a tampered wrap must not make unlock allocate
    /// gigabytes or run for hours.
    fn plausible(&self) -> bool {
        (8..=ARGON2_MAX_M_KIB).contains(&self.m_kib)
            && (1..=16).contains(&self.t)
            && (1..=16).contains(&self.p)
            && self.m_kib >= 8 * self.p
    }
}

/// Argon2id parameters for new key wraps: 128 MiB, 3 passes, one lane: about 0.31 s per unlock
/// on one core of the development machine (`cargo run --release -p zicht-core --example
/// kdf_time` measures it). Memory over passes: memory is what makes guessing on GPUs dear.
pub const ARGON2_PARAMS: Argon2Params = Argon2Params {
    m_kib: 128 * 1024,
    t: 3,
    p: 1,
};

/// The weakest Argon2id parameters the app opens a store with (64 MiB, 3 passes). A wrap
/// between this and [`ARGON2_PARAMS`] is opened and rewrapped at unlock.
pub const ARGON2_MINIMUM: Argon2Params = Argon2Params {
    m_kib: 64 * 1024,
    t: 3,
    p: 1,
};

/// At most 1 GiB of memory in a wrap (see [`Argon2Params::plausible`]).
const ARGON2_MAX_M_KIB: u32 = 1024 * 1024;

/// How the key-encryption key is derived from the passphrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kdf {
    /// Argon2id (since key wrap format 2).
    Argon2id(Argon2Params),
    /// PBKDF2-HMAC-SHA256 (format 1, before Argon2id): still read, and rewrapped with
    /// Argon2id at the next unlock.
    Pbkdf2Sha256 { iterations: u32 },
}

/// Which key derivation a store is created with and the weakest one it is opened with.
/// The app always uses [`KdfPolicy::STANDARD`]; only the core's own tests use cheaper ones
/// (`testing::cheap_kdf`), since every test sets up stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfPolicy {
    pub new: Argon2Params,
    pub minimum: Argon2Params,
}

impl KdfPolicy {
    pub const STANDARD: KdfPolicy = KdfPolicy {
        new: ARGON2_PARAMS,
        minimum: ARGON2_MINIMUM,
    };

    /// Whether a store wrapped with `kdf` is rewrapped at unlock: a PBKDF2 wrap, or an
    /// Argon2id wrap weaker than the parameters for new wraps (never weakened).
    pub fn wants_rewrap(&self, kdf: &Kdf) -> bool {
        match kdf {
            Kdf::Pbkdf2Sha256 { .. } => true,
            Kdf::Argon2id(p) => !p.at_least(&self.new),
        }
    }
}

/// The wrapped data key and how to unwrap it. Not secret; stored in plaintext (`meta/keywrap`).
///
/// JSON, format 2: `{"version":2,"kdf":{"alg":"argon2id","m_kib":65536,"t":3,"p":1},
/// "salt":[…],"wrapped":[…]}`. Format 1 (no `version`, no parameter object):
/// `{"kdf":"pbkdf2-hmac-sha256","iterations":600000,"salt":[…],"wrapped":[…]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "KeyWrapJson", into = "KeyWrapJson")]
pub struct KeyWrap {
    pub kdf: Kdf,
    pub salt: Vec<u8>,
    /// `nonce || AES-256-GCM(kek, data key) || tag`
    pub wrapped: Vec<u8>,
}

/// The current key wrap format.
const KEYWRAP_FORMAT: u32 = 2;
const PBKDF2_NAME: &str = "pbkdf2-hmac-sha256";

#[derive(Serialize, Deserialize)]
struct KeyWrapJson {
    /// Absent in format 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<u32>,
    kdf: KdfJson,
    /// Format 1 only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    iterations: Option<u32>,
    salt: Vec<u8>,
    wrapped: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum KdfJson {
    Params(KdfParamsJson),
    /// Format 1: the name only.
    Name(String),
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "alg")]
enum KdfParamsJson {
    #[serde(rename = "argon2id")]
    Argon2id(Argon2Params),
}

impl TryFrom<KeyWrapJson> for KeyWrap {
    type Error = String;
    fn try_from(j: KeyWrapJson) -> std::result::Result<KeyWrap, String> {
        let kdf = match (j.version, j.kdf, j.iterations) {
            (None, KdfJson::Name(n), Some(iterations)) if n == PBKDF2_NAME => {
                Kdf::Pbkdf2Sha256 { iterations }
            }
            (Some(KEYWRAP_FORMAT), KdfJson::Params(KdfParamsJson::Argon2id(p)), None) => {
                Kdf::Argon2id(p)
            }
            (v, _, _) => return Err(format!("key wrap format {v:?} not known")),
        };
        Ok(KeyWrap {
            kdf,
            salt: j.salt,
            wrapped: j.wrapped,
        })
    }
}

impl From<KeyWrap> for KeyWrapJson {
    fn from(w: KeyWrap) -> KeyWrapJson {
        let (version, kdf, iterations) = match w.kdf {
            Kdf::Argon2id(p) => (
                Some(KEYWRAP_FORMAT),
                KdfJson::Params(KdfParamsJson::Argon2id(p)),
                None,
            ),
            Kdf::Pbkdf2Sha256 { iterations } => {
                (None, KdfJson::Name(PBKDF2_NAME.into()), Some(iterations))
            }
        };
        KeyWrapJson {
            version,
            kdf,
            iterations,
            salt: w.salt,
            wrapped: w.wrapped,
        }
    }
}

fn aes_key(k: &[u8; 32]) -> Result<LessSafeKey> {
    Ok(LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, &k[..]).map_err(|_| CoreError::Crypto)?,
    ))
}

fn kek(passphrase: &str, salt: &[u8], kdf: &Kdf) -> Result<LessSafeKey> {
    let mut k = Zeroizing::new([0u8; 32]);
    match kdf {
        Kdf::Pbkdf2Sha256 { iterations } => {
            let rounds = NonZeroU32::new(*iterations).ok_or(CoreError::Corrupt)?;
            ring::pbkdf2::derive(
                ring::pbkdf2::PBKDF2_HMAC_SHA256,
                rounds,
                salt,
                passphrase.as_bytes(),
                &mut k[..],
            );
        }
        Kdf::Argon2id(p) => {
            if !p.plausible() {
                return Err(CoreError::Corrupt);
            }
            let params =
                argon2::Params::new(p.m_kib, p.t, p.p, Some(32)).map_err(|_| CoreError::Corrupt)?;
            let a =
                argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
            // Our own working memory, so that it is wiped afterwards (it holds values derived
            // from the passphrase).
            let mut blocks = vec![argon2::Block::default(); p.m_kib as usize];
            let r = a.hash_password_into_with_memory(
                passphrase.as_bytes(),
                salt,
                &mut k[..],
                &mut blocks[..],
            );
            blocks.zeroize();
            r.map_err(|_| CoreError::Crypto)?;
        }
    }
    aes_key(&k)
}

/// Wraps `key` under a key derived from `passphrase` with Argon2id (`params`) and a fresh
/// random salt.
pub fn wrap(key: &DataKey, passphrase: &str, params: Argon2Params) -> Result<KeyWrap> {
    let mut salt = vec![0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| CoreError::Crypto)?;
    let kdf = Kdf::Argon2id(params);
    let kek = kek(passphrase, &salt, &kdf)?;
    let wrapped = seal_with(&kek, WRAP_AAD, &key.raw[..])?;
    Ok(KeyWrap { kdf, salt, wrapped })
}

/// Whether a store with this wrap may be opened under `policy`: Argon2id at least at the
/// policy's minimum, or a PBKDF2 wrap of format 1 (rewrapped at unlock).
pub fn check_strength(w: &KeyWrap, policy: &KdfPolicy) -> Result<()> {
    match &w.kdf {
        Kdf::Pbkdf2Sha256 { iterations } if *iterations >= PBKDF2_ITERATIONS => Ok(()),
        Kdf::Argon2id(p) if p.at_least(&policy.minimum) => Ok(()),
        _ => Err(CoreError::WeakKeyWrap),
    }
}

/// Unwraps the data key; [`CoreError::WrongPassphrase`] if the passphrase does not fit.
/// The caller checks the wrap's strength first ([`check_strength`]).
pub fn unwrap(w: &KeyWrap, passphrase: &str) -> Result<DataKey> {
    let kek = kek(passphrase, &w.salt, &w.kdf)?;
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

/// A format-1 wrap (PBKDF2-HMAC-SHA256, 600 000 rounds) exactly as Zicht wrote it before
/// Argon2id: for tests of the upgrade.
#[cfg(any(test, feature = "testing"))]
pub fn wrap_pbkdf2_for_tests(key: &DataKey, passphrase: &str) -> Result<KeyWrap> {
    let mut salt = vec![0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| CoreError::Crypto)?;
    let kdf = Kdf::Pbkdf2Sha256 {
        iterations: PBKDF2_ITERATIONS,
    };
    let kek = kek(passphrase, &salt, &kdf)?;
    let wrapped = seal_with(&kek, WRAP_AAD, &key.raw[..])?;
    Ok(KeyWrap { kdf, salt, wrapped })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: Argon2Params = Argon2Params {
        m_kib: 64,
        t: 1,
        p: 1,
    };

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
        let w = wrap(&k, "correct horse battery", CHEAP).unwrap();
        assert!(matches!(
            unwrap(&w, "wrong horse battery"),
            Err(CoreError::WrongPassphrase)
        ));
        let k2 = unwrap(&w, "correct horse battery").unwrap();
        assert_eq!(&k2.raw[..], &k.raw[..]);
    }

    #[test]
    fn key_wrap_json_is_versioned_and_reads_format_1() {
        let k = DataKey::generate().unwrap();
        let w = wrap(&k, "correct horse battery", CHEAP).unwrap();
        let json = serde_json::to_value(&w).unwrap();
        assert_eq!(json["version"], 2);
        assert_eq!(
            json["kdf"],
            serde_json::json!({"alg": "argon2id", "m_kib": 64, "t": 1, "p": 1})
        );
        assert!(json.get("iterations").is_none());
        assert_eq!(serde_json::from_value::<KeyWrap>(json).unwrap(), w);
        // Format 1, as Zicht wrote it before Argon2id.
        let old = serde_json::json!({
            "kdf": "pbkdf2-hmac-sha256", "iterations": 600000, "salt": [1, 2], "wrapped": [3]
        });
        let w1: KeyWrap = serde_json::from_value(old.clone()).unwrap();
        assert_eq!(
            w1.kdf,
            Kdf::Pbkdf2Sha256 {
                iterations: 600_000
            }
        );
        assert_eq!(
            serde_json::to_value(&w1).unwrap(),
            old,
            "written back unchanged"
        );
        // Unknown formats are refused.
        for bad in [
            serde_json::json!({"version": 3, "kdf": {"alg": "argon2id", "m_kib": 64, "t": 1, "p": 1}, "salt": [], "wrapped": []}),
            serde_json::json!({"version": 2, "kdf": {"alg": "scrypt"}, "salt": [], "wrapped": []}),
            serde_json::json!({"kdf": "md5", "iterations": 1, "salt": [], "wrapped": []}),
        ] {
            assert!(serde_json::from_value::<KeyWrap>(bad).is_err());
        }
    }

    #[test]
    fn weak_and_implausible_wraps_are_refused() {
        let k = DataKey::generate().unwrap();
        let w = wrap(&k, "correct horse battery", CHEAP).unwrap();
        assert!(matches!(
            check_strength(&w, &KdfPolicy::STANDARD),
            Err(CoreError::WeakKeyWrap)
        ));
        let cheap = KdfPolicy {
            new: CHEAP,
            minimum: CHEAP,
        };
        check_strength(&w, &cheap).unwrap();
        let mut huge = w.clone();
        huge.kdf = Kdf::Argon2id(Argon2Params {
            m_kib: u32::MAX,
            t: 3,
            p: 1,
        });
        assert!(matches!(
            unwrap(&huge, "correct horse battery"),
            Err(CoreError::Corrupt)
        ));
        let old = wrap_pbkdf2_for_tests(&k, "correct horse battery").unwrap();
        check_strength(&old, &KdfPolicy::STANDARD).unwrap();
        assert!(KdfPolicy::STANDARD.wants_rewrap(&old.kdf));
        assert!(KdfPolicy::STANDARD.wants_rewrap(&w.kdf));
        assert!(!cheap.wants_rewrap(&w.kdf));
        let k2 = unwrap(&old, "correct horse battery").unwrap();
        assert_eq!(&k2.raw[..], &k.raw[..]);
    }
}
