//! Enrolment (`docs/regio-protocol.md` §3): the request a device enrols with, the canonical
//! string it signs, the proofs that it holds its X25519 keys, and the endpoint's X25519 key
//! that those proofs are made against (signed by the endpoint key a device pins).

use crate::error::ClientError;
use ring::signature::{UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};

/// First line of the string an enrolment request is signed and proven over.
pub const ENROL_CONTEXT: &str = "zicht-regio/v1/enrol";
/// First line of the string the endpoint signs its X25519 key with.
pub const ENDPOINT_X25519_CONTEXT: &str = "zicht-regio/v1/endpoint-x25519";
/// HKDF info of an enrolment proof key.
pub const ENROL_PROOF_INFO: &[u8] = b"zicht-regio/v1/enrol-proof";

/// Body of `POST /v1/enrol`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// The one-time token from `zicht-regio token` (dashes and case do not matter).
    pub token: String,
    /// The device's Ed25519 public key, 64 lowercase hex.
    pub ed25519_public_key: String,
    /// The device's X25519 public key(s), 64 lowercase hex each, 1 ..= 8. Envelopes addressed
    /// to their key ids appear in this device's inbox.
    pub x25519_public_keys: Vec<String>,
    /// One proof per X25519 key, in the same order (64 lowercase hex, [`enrol_proof`]): that
    /// the device holds its secret half.
    #[serde(default)]
    pub x25519_proofs: Vec<String>,
    /// The device's Ed25519 signature over [`enrol_canonical`] (128 lowercase hex): that it
    /// holds its signing key.
    #[serde(default)]
    pub signature: String,
}

/// The string an enrolment is signed and proven over: five lines joined by `\n`, no
/// trailing newline. The token exactly as sent; keys in lowercase hex, the X25519 keys in
/// request order, comma-separated.
///
/// ```text
/// zicht-regio/v1/enrol
/// token=<token>
/// ed25519_public_key=<hex>
/// x25519_public_keys=<hex>,<hex>,...
/// endpoint_key=<the endpoint's Ed25519 key, hex>
/// ```
pub fn enrol_canonical(
    token: &str,
    ed25519_public_key: &str,
    x25519_public_keys: &[String],
    endpoint_key: &str,
) -> String {
    format!(
        "{ENROL_CONTEXT}\ntoken={token}\ned25519_public_key={ed25519_public_key}\nx25519_public_keys={}\nendpoint_key={endpoint_key}",
        x25519_public_keys.join(",")
    )
}

/// The key of one enrolment proof: HKDF-SHA256(salt = endpoint X25519 key ‖ device X25519
/// key, ikm = their X25519 shared secret, info = [`ENROL_PROOF_INFO`]). Only the device (with
/// its secret half) and the endpoint (with its own) can compute the shared secret.
fn enrol_proof_key(
    shared: &[u8; 32],
    endpoint_x25519: &[u8; 32],
    device_x25519: &[u8; 32],
) -> ring::hmac::Key {
    struct Len;
    impl ring::hkdf::KeyType for Len {
        fn len(&self) -> usize {
            32
        }
    }
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(endpoint_x25519);
    salt[32..].copy_from_slice(device_x25519);
    let mut okm = [0u8; 32];
    let prk = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, &salt).extract(shared);
    // A 32-byte output of HKDF-SHA256 cannot fail (at most 255 × 32 bytes).
    if let Ok(o) = prk.expand(&[ENROL_PROOF_INFO], Len) {
        let _ = o.fill(&mut okm);
    }
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &okm);
    zeroize::Zeroize::zeroize(&mut okm);
    key
}

/// An enrolment proof for one X25519 key: HMAC-SHA256 over [`enrol_canonical`], keyed with
/// HKDF-SHA256(salt = `endpoint_x25519` ‖ `device_x25519`, ikm = `shared`, info =
/// [`ENROL_PROOF_INFO`]). `shared` is X25519(device secret, endpoint X25519 key).
pub fn enrol_proof(
    shared: &[u8; 32],
    endpoint_x25519: &[u8; 32],
    device_x25519: &[u8; 32],
    canonical: &str,
) -> [u8; 32] {
    let tag = ring::hmac::sign(
        &enrol_proof_key(shared, endpoint_x25519, device_x25519),
        canonical.as_bytes(),
    );
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

/// Checks an enrolment proof (in constant time). `shared` is X25519(endpoint secret, device
/// X25519 key).
pub fn verify_enrol_proof(
    shared: &[u8; 32],
    endpoint_x25519: &[u8; 32],
    device_x25519: &[u8; 32],
    canonical: &str,
    proof: &[u8],
) -> bool {
    ring::hmac::verify(
        &enrol_proof_key(shared, endpoint_x25519, device_x25519),
        canonical.as_bytes(),
        proof,
    )
    .is_ok()
}

/// The string the endpoint signs its X25519 key with: `zicht-regio/v1/endpoint-x25519\n<hex>`.
pub fn endpoint_x25519_message(x25519_public_key: &str) -> String {
    format!("{ENDPOINT_X25519_CONTEXT}\n{x25519_public_key}")
}

/// Answer of `POST /v1/enrol` (201).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrolResponse {
    pub device: String,
    pub key_ids: Vec<String>,
    pub endpoint_key: String,
    pub endpoint_key_id: String,
}

/// Answer of `GET /v1/endpoint` (unauthenticated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointInfo {
    pub protocol: String,
    pub endpoint_key: String,
    pub endpoint_key_id: String,
    pub max_body: u64,
    /// The endpoint's X25519 key for enrolment proofs (64 lowercase hex).
    #[serde(default)]
    pub x25519_public_key: String,
    /// Its Ed25519 signature over [`endpoint_x25519_message`] (128 lowercase hex).
    #[serde(default)]
    pub x25519_signature: String,
}

impl EndpointInfo {
    /// The endpoint's X25519 key, if its signature verifies under the pinned endpoint key.
    pub fn verified_x25519(&self, pinned_endpoint_key: &[u8]) -> Result<[u8; 32], ClientError> {
        let bad = ClientError::EndpointX25519BadSignature;
        let mut key = [0u8; 32];
        hex::decode_to_slice(&self.x25519_public_key, &mut key).map_err(|_| bad.clone())?;
        let sig = hex::decode(&self.x25519_signature).map_err(|_| bad.clone())?;
        UnparsedPublicKey::new(&ED25519, pinned_endpoint_key)
            .verify(
                endpoint_x25519_message(&self.x25519_public_key).as_bytes(),
                &sig,
            )
            .map_err(|_| bad)?;
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{Ed25519KeyPair, KeyPair};

    /// The vector printed in docs/regio-protocol.md §3.
    #[test]
    fn enrol_proof_vector() {
        // Endpoint: the §6.3 signing key and X25519 secret 0x43 × 32; device: the §4.5
        // signing key and X25519 secret 0x44 × 32.
        let endpoint = Ed25519KeyPair::from_seed_unchecked(&[0x42; 32]).unwrap();
        let e = x25519_dalek::StaticSecret::from([0x43; 32]);
        let e_pub = *x25519_dalek::PublicKey::from(&e).as_bytes();
        let x = x25519_dalek::StaticSecret::from([0x44; 32]);
        let x_pub = *x25519_dalek::PublicKey::from(&x).as_bytes();
        let seed: Vec<u8> = (0u8..32).collect();
        let dev = Ed25519KeyPair::from_seed_unchecked(&seed).unwrap();
        let canonical = enrol_canonical(
            "0123-4567-89ab-cdef-0123-4567-89ab-cdef",
            &hex::encode(dev.public_key().as_ref()),
            &[hex::encode(x_pub)],
            &hex::encode(endpoint.public_key().as_ref()),
        );
        let device_side = x.diffie_hellman(&x25519_dalek::PublicKey::from(e_pub));
        let endpoint_side = e.diffie_hellman(&x25519_dalek::PublicKey::from(x_pub));
        let proof = enrol_proof(device_side.as_bytes(), &e_pub, &x_pub, &canonical);
        assert!(verify_enrol_proof(
            endpoint_side.as_bytes(),
            &e_pub,
            &x_pub,
            &canonical,
            &proof
        ));
        let mut other = proof;
        other[31] ^= 1;
        assert!(!verify_enrol_proof(
            endpoint_side.as_bytes(),
            &e_pub,
            &x_pub,
            &canonical,
            &other
        ));
        // Also computed with Python's `cryptography` (X25519, Ed25519) and hmac/hashlib.
        assert_eq!(
            hex::encode(e_pub),
            "cdefd8783a91b446640e2e1f95599db35e484a0071bd2182b3b60d0812c10c70"
        );
        assert_eq!(
            hex::encode(x_pub),
            "ff2ee45601ec1b67310c7790404585ae697331eee1c1f8cf2419731c1fff3e6b"
        );
        assert_eq!(
            hex::encode(proof),
            "ccc331f177dc6bb1fa64653bd591279cf242596a1f88b670d42d4863949c71a0"
        );
        assert_eq!(
            hex::encode(dev.sign(canonical.as_bytes())),
            "83b020deecfd7d2e9051a5ed0ecba7072d7c90f87dc97091b6ca7dd66f96be37\
             393210692fbacdc371f6f72af4c32202aa46cb518250f287c5cbbae408aee80e"
        );
    }
}
