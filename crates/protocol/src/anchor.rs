//! Audit anchors (`docs/regio-protocol.md` §5, `POST /v1/audit-anchor`): the endpoint
//! countersigns the head of a device's audit chain, so the chain cannot be cut short or
//! replaced by an old copy on the device without the device noticing at its next sync.
//!
//! The device sends its head `(seq, hash)` and the anchor it last received (`since`); the
//! endpoint keeps one anchor per device and moves it forward only when `since` is that anchor
//! and the new head is not behind it. Otherwise it answers with the anchor it keeps, and the
//! device compares that with its own chain: a chain that does not contain it has lost entries.

use crate::error::ClientError;
use ring::signature::{Ed25519KeyPair, UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};

/// First line of the string an endpoint signs for an anchor.
pub const ANCHOR_CONTEXT: &str = "zicht-regio/v1/audit-anchor";

/// The body of `POST /v1/audit-anchor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnchorRequest {
    /// Sequence number of the newest audit entry (≥ 1).
    pub seq: u64,
    /// Its hash, 64 lowercase hex.
    pub hash: String,
    /// The anchor the device last received from this endpoint; `None` for the first.
    pub since: Option<AnchorPoint>,
}

/// A position in an audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnchorPoint {
    pub seq: u64,
    pub hash: String,
}

/// A countersigned head: the endpoint saw `device`'s chain reach entry `seq` with `hash` at
/// `at_ms` (the endpoint's clock).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub device: String,
    pub seq: u64,
    pub hash: String,
    pub at_ms: i64,
}

/// The answer (`200`): `accepted` says whether the request's head is now the anchor; if not,
/// `anchor` is the one the endpoint keeps. `signature` is the endpoint key's Ed25519
/// signature over [`anchor_message`], 128 lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnchorResponse {
    pub accepted: bool,
    pub anchor: Anchor,
    pub signature: String,
}

/// Whether `s` is 64 lowercase hex characters (an audit hash).
pub fn is_hash(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl AnchorRequest {
    /// Whether the request is well-formed: `seq ≥ 1`, hashes of 64 lowercase hex, and `since`
    /// not after the head.
    pub fn is_valid(&self) -> bool {
        self.seq >= 1
            && is_hash(&self.hash)
            && self
                .since
                .as_ref()
                .is_none_or(|s| s.seq >= 1 && s.seq <= self.seq && is_hash(&s.hash))
    }
}

/// The signed string: seven lines joined by `\n`, no trailing newline:
/// `zicht-regio/v1/audit-anchor`, device id, seq, hash, at_ms, `accepted` (`1` or `0`), and
/// the nonce of the request it answers — so an old answer cannot be replayed to a later
/// request, nor "accepted" changed on the way.
pub fn anchor_message(a: &Anchor, accepted: bool, nonce: &str) -> String {
    format!(
        "{ANCHOR_CONTEXT}\n{}\n{}\n{}\n{}\n{}\n{nonce}",
        a.device,
        a.seq,
        a.hash,
        a.at_ms,
        u8::from(accepted)
    )
}

/// Signs an answer with the endpoint key (the endpoint's side).
pub fn sign_anchor(
    endpoint_key: &Ed25519KeyPair,
    a: &Anchor,
    accepted: bool,
    nonce: &str,
) -> String {
    hex::encode(
        endpoint_key
            .sign(anchor_message(a, accepted, nonce).as_bytes())
            .as_ref(),
    )
}

impl AnchorResponse {
    /// Checks the answer (the device's side): signed by the pinned endpoint key, for this
    /// device, for the request with `nonce`, well-formed. Returns the anchor; what it means
    /// for the chain is the caller's.
    pub fn verify(
        &self,
        device: &str,
        endpoint_key: &[u8; 32],
        nonce: &str,
    ) -> Result<&Anchor, ClientError> {
        let a = &self.anchor;
        if a.device != device || a.seq == 0 || !is_hash(&a.hash) {
            return Err(ClientError::AnchorMalformed);
        }
        let sig = hex::decode(&self.signature).map_err(|_| ClientError::AnchorMalformed)?;
        UnparsedPublicKey::new(&ED25519, endpoint_key)
            .verify(anchor_message(a, self.accepted, nonce).as_bytes(), &sig)
            .map_err(|_| ClientError::AnchorBadSignature)?;
        Ok(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::KeyPair;

    /// The endpoint of §6.3 (seed 0x42 × 32) and the device of §4.5.
    #[test]
    fn anchor_vector() {
        let endpoint = Ed25519KeyPair::from_seed_unchecked(&[0x42; 32]).unwrap();
        let a = Anchor {
            device: "b773c9e1459ee0b2bbc01f02860a4758".into(),
            seq: 42,
            hash: "ab".repeat(32),
            at_ms: 1_750_000_000_123,
        };
        let nonce = "00112233445566778899aabbccddeeff";
        assert_eq!(
            anchor_message(&a, true, nonce),
            format!(
                "zicht-regio/v1/audit-anchor\nb773c9e1459ee0b2bbc01f02860a4758\n42\n{}\n1750000000123\n1\n{nonce}",
                "ab".repeat(32)
            )
        );
        let r = AnchorResponse {
            accepted: true,
            anchor: a.clone(),
            signature: sign_anchor(&endpoint, &a, true, nonce),
        };
        assert_eq!(r.signature, VECTOR_SIGNATURE);
        let pk: [u8; 32] = endpoint.public_key().as_ref().try_into().unwrap();
        assert_eq!(r.verify(&a.device, &pk, nonce), Ok(&a));
        // Another device, seq, nonce (a replayed answer), accepted flag or key: refused.
        assert!(r.verify("00".repeat(16).as_str(), &pk, nonce).is_err());
        let mut moved = r.clone();
        moved.anchor.seq = 43;
        assert_eq!(
            moved.verify(&a.device, &pk, nonce),
            Err(ClientError::AnchorBadSignature)
        );
        assert_eq!(
            r.verify(&a.device, &pk, "ffeeddccbbaa99887766554433221100"),
            Err(ClientError::AnchorBadSignature)
        );
        let mut flipped = r.clone();
        flipped.accepted = false;
        assert_eq!(
            flipped.verify(&a.device, &pk, nonce),
            Err(ClientError::AnchorBadSignature)
        );
        assert!(r.verify(&a.device, &[7; 32], nonce).is_err());
    }

    /// Also computed with Python's `cryptography`; printed in docs/regio-protocol.md §5.
    const VECTOR_SIGNATURE: &str = "dff4b688905309ba49a82fc89f7d38530d8573450a5ef8a03f1bdc75e84da41f80fc9a24593a16f5d1b9bc074f133fa9bb9a71ca0f00a3a858b8408e00cc0e04";

    #[test]
    fn requests_are_checked() {
        let h = "cd".repeat(32);
        let ok = AnchorRequest {
            seq: 3,
            hash: h.clone(),
            since: Some(AnchorPoint {
                seq: 3,
                hash: h.clone(),
            }),
        };
        assert!(ok.is_valid());
        for bad in [
            AnchorRequest {
                seq: 0,
                ..ok.clone()
            },
            AnchorRequest {
                hash: "CD".repeat(32),
                ..ok.clone()
            },
            AnchorRequest {
                hash: "cd".into(),
                ..ok.clone()
            },
            AnchorRequest {
                since: Some(AnchorPoint {
                    seq: 4,
                    hash: h.clone(),
                }),
                ..ok.clone()
            },
            AnchorRequest {
                since: Some(AnchorPoint {
                    seq: 0,
                    hash: h.clone(),
                }),
                ..ok.clone()
            },
        ] {
            assert!(!bad.is_valid(), "{bad:?}");
        }
    }
}
