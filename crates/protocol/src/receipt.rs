//! Receipts (`docs/regio-protocol.md` §6): the endpoint's signed proof that it holds an
//! envelope, and the check a device makes before it marks an outbox item sent.

use crate::error::ClientError;
use ring::signature::{UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};

/// First line of the canonical receipt string.
pub const RECEIPT_CONTEXT: &str = "zicht-regio/v1/receipt";

/// Proof that the endpoint holds an envelope, signed by the endpoint's Ed25519 key. The device
/// stores it with the outbox item and may show it as proof of delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// Receipt format version, `1`.
    pub version: u32,
    /// Envelope id (64 lowercase hex).
    pub id: String,
    /// Envelope size in bytes.
    pub size: u64,
    /// When the endpoint first stored it, unix milliseconds (endpoint clock).
    pub received_at_ms: i64,
    /// Device id of the first uploader.
    pub uploader: String,
    /// Recipient key ids from the envelope header, in header order (32 lowercase hex each).
    pub recipients: Vec<String>,
    /// The endpoint's Ed25519 public key (64 lowercase hex).
    pub endpoint_key: String,
    /// Ed25519 signature over [`Receipt::canonical`] (128 lowercase hex).
    pub signature: String,
}

impl Receipt {
    /// The signed string: eight lines joined by `\n`, no trailing newline:
    ///
    /// ```text
    /// zicht-regio/v1/receipt
    /// version=1
    /// id=<id>
    /// size=<size>
    /// received_at_ms=<received_at_ms>
    /// uploader=<uploader>
    /// recipients=<key id>,<key id>,...
    /// endpoint_key=<endpoint_key>
    /// ```
    pub fn canonical(&self) -> String {
        format!(
            "{RECEIPT_CONTEXT}\nversion={}\nid={}\nsize={}\nreceived_at_ms={}\nuploader={}\nrecipients={}\nendpoint_key={}",
            self.version,
            self.id,
            self.size,
            self.received_at_ms,
            self.uploader,
            self.recipients.join(","),
            self.endpoint_key
        )
    }
}

/// Verifies a receipt: it is for `expected_id`, it names the pinned endpoint key, and its
/// signature verifies under that key. Only then may the outbox item be marked sent.
pub fn verify_receipt(
    receipt: &Receipt,
    pinned_endpoint_key: &[u8],
    expected_id: &str,
) -> Result<(), ClientError> {
    if receipt.version != 1 {
        return Err(ClientError::ReceiptMalformed);
    }
    if receipt.id != expected_id {
        return Err(ClientError::ReceiptIdMismatch);
    }
    let key = hex::decode(&receipt.endpoint_key).map_err(|_| ClientError::ReceiptMalformed)?;
    if key != pinned_endpoint_key {
        return Err(ClientError::ReceiptWrongEndpoint);
    }
    let sig = hex::decode(&receipt.signature).map_err(|_| ClientError::ReceiptMalformed)?;
    UnparsedPublicKey::new(&ED25519, pinned_endpoint_key)
        .verify(receipt.canonical().as_bytes(), &sig)
        .map_err(|_| ClientError::ReceiptBadSignature)
}

/// Parses a receipt from the JSON body of a `PUT` answer and verifies it.
pub fn parse_and_verify_receipt(
    json: &[u8],
    pinned_endpoint_key: &[u8],
    expected_id: &str,
) -> Result<Receipt, ClientError> {
    let r: Receipt = serde_json::from_slice(json).map_err(|_| ClientError::ReceiptMalformed)?;
    verify_receipt(&r, pinned_endpoint_key, expected_id)?;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{envelope_id, x25519_key_id};
    use ring::signature::{Ed25519KeyPair, KeyPair};

    /// The vector printed in docs/regio-protocol.md §6.3: endpoint key from seed 0x42 × 32,
    /// uploaded by the §4.5 device.
    #[test]
    fn receipt_vector() {
        let endpoint = Ed25519KeyPair::from_seed_unchecked(&[0x42; 32]).unwrap();
        let mut r = Receipt {
            version: 1,
            id: envelope_id(b"ZICHT"),
            size: 5,
            received_at_ms: 1_750_000_000_123,
            uploader: "b773c9e1459ee0b2bbc01f02860a4758".to_string(),
            recipients: vec![hex::encode(x25519_key_id(&[9u8; 32]))],
            endpoint_key: hex::encode(endpoint.public_key().as_ref()),
            signature: String::new(),
        };
        r.signature = hex::encode(endpoint.sign(r.canonical().as_bytes()).as_ref());
        assert_eq!(
            r.signature,
            "a91db4c3f62a126e740cfc63dea7bd7349c7d0467db13b3561678dd630dc2ec27143081da25f40c0e4cea3b3f8eb6783e2447496ee6d662f3f5cb0093a773709"
        );
        verify_receipt(&r, endpoint.public_key().as_ref(), &r.id.clone()).unwrap();
    }
}
