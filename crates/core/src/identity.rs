//! The device's keys (made at setup, stored sealed in the store) and fingerprints people can
//! read out by phone.
//!
//! - Signing: Ed25519 (ring), stored as its PKCS#8 document.
//! - Encryption: static X25519 (x25519-dalek through zicht-bundle; ring has only ephemeral X25519).

use crate::error::{CoreError, Result};
use ring::digest::{digest, SHA256};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};
use zicht_bundle::{RecipientPublicKey, RecipientSecretKey, SenderKey, SenderPublicKey};
use zicht_model::DeviceIdentity;

/// The secret halves, as stored (sealed) in the `identity` tree.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct StoredKeys {
    signing_pkcs8: Vec<u8>,
    encryption_secret: [u8; 32],
}

impl StoredKeys {
    pub fn generate() -> Result<StoredKeys> {
        let (_, pkcs8) = SenderKey::generate().map_err(|_| CoreError::Crypto)?;
        let x = RecipientSecretKey::generate().map_err(|_| CoreError::Crypto)?;
        Ok(StoredKeys {
            signing_pkcs8: pkcs8.to_vec(),
            encryption_secret: *x.to_bytes(),
        })
    }

    /// The Ed25519 key as PKCS#8 (for ring's key pair, e.g. to sign endpoint requests).
    pub fn signing_pkcs8(&self) -> &[u8] {
        &self.signing_pkcs8
    }

    pub fn signing(&self) -> Result<SenderKey> {
        SenderKey::from_pkcs8(&self.signing_pkcs8).map_err(|_| CoreError::Corrupt)
    }

    pub fn encryption(&self) -> RecipientSecretKey {
        RecipientSecretKey::from_bytes(self.encryption_secret)
    }

    /// The public identity of these keys.
    pub fn public(&self) -> Result<DeviceIdentity> {
        let s = self.signing()?.public_key();
        let e = self.encryption().public_key();
        Ok(DeviceIdentity {
            signing_key: hex(s.as_bytes()),
            encryption_key: hex(e.as_bytes()),
            fingerprint: fingerprint(&[s.as_bytes(), e.as_bytes()]),
        })
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses exactly 32 bytes of lowercase or uppercase hex.
pub fn unhex32(s: &str) -> Option<[u8; 32]> {
    let s = s.as_bytes();
    if s.len() != 64 {
        return None;
    }
    if !s.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in s.chunks(2).enumerate() {
        let h = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(h, 16).ok()?;
    }
    Some(out)
}

pub fn signing_public(hex: &str) -> Option<SenderPublicKey> {
    unhex32(hex).map(SenderPublicKey::from_bytes)
}

pub fn encryption_public(hex: &str) -> Option<RecipientPublicKey> {
    unhex32(hex).map(RecipientPublicKey::from_bytes)
}

/// Six groups of five digits from SHA-256 over the keys: short enough to read out by phone,
/// 2^~100 of second-preimage work to fake.
pub fn fingerprint(keys: &[&[u8; 32]]) -> String {
    let mut input = b"zicht-fingerprint-v1".to_vec();
    for k in keys {
        input.extend_from_slice(&k[..]);
    }
    let d = digest(&SHA256, &input);
    d.as_ref()
        .chunks(5)
        .take(6)
        .map(|c| {
            let v = c.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
            format!("{:05}", v % 100_000)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_six_groups_of_five_digits_and_key_dependent() {
        let a = fingerprint(&[&[1u8; 32]]);
        let b = fingerprint(&[&[2u8; 32]]);
        assert_eq!(a.len(), 6 * 5 + 5);
        assert!(a
            .split(' ')
            .all(|g| g.len() == 5 && g.bytes().all(|c| c.is_ascii_digit())));
        assert_ne!(a, b);
        assert_eq!(a, fingerprint(&[&[1u8; 32]]));
    }

    #[test]
    fn hex_round_trip_and_bad_input() {
        let k = [0xabu8; 32];
        assert_eq!(unhex32(&hex(&k)), Some(k));
        assert_eq!(unhex32("zz"), None);
        assert_eq!(unhex32(&"g".repeat(64)), None);
        // Regression: from_str_radix accepts a leading '+', which let one key be written two ways.
        assert_eq!(unhex32(&format!("+f{}", "0".repeat(62))), None);
    }
}
