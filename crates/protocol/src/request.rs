//! Request signing (`docs/regio-protocol.md` §4): the canonical request string a device signs
//! and the endpoint rebuilds, and the four headers that carry the signature.

use crate::error::ClientError;
use crate::ids::{body_digest, device_id};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::Ed25519KeyPair;

/// Header: the device id (32 lowercase hex characters, [`device_id`]).
pub const HEADER_DEVICE: &str = "x-zicht-device";
/// Header: unix time in whole seconds, decimal ASCII.
pub const HEADER_TIMESTAMP: &str = "x-zicht-timestamp";
/// Header: a fresh random value per request, 16 ..= 64 characters of `[A-Za-z0-9_-]`.
pub const HEADER_NONCE: &str = "x-zicht-nonce";
/// Header: the Ed25519 signature over [`canonical_request`], 128 lowercase hex characters.
pub const HEADER_SIGNATURE: &str = "x-zicht-signature";
/// A request whose timestamp differs more than this from the endpoint's clock is refused.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;
/// First line of the canonical request string. Version 2 added the endpoint key id line.
pub const REQUEST_CONTEXT: &str = "zicht-regio/v2/request";

/// The string a device signs (and the endpoint rebuilds): eight lines joined by `\n`, no
/// trailing newline:
///
/// ```text
/// zicht-regio/v2/request
/// <endpoint key id: lowercase hex ed25519_key_id of the endpoint's pinned signing key>
/// <METHOD, upper case>
/// <path and query exactly as in the request line, e.g. /v1/inbox?after=12>
/// <timestamp, decimal unix seconds>
/// <nonce>
/// <device id>
/// <body digest, lowercase hex BLAKE3>
/// ```
///
/// The endpoint key id binds a request to one endpoint: a request captured on its way to one
/// endpoint (or to a proxy posing as one) is refused by every other endpoint the device is
/// enrolled with, even within the replay window.
pub fn canonical_request(
    endpoint_key_id: &str,
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    device: &str,
    body_digest_hex: &str,
) -> String {
    format!(
        "{REQUEST_CONTEXT}\n{endpoint_key_id}\n{method}\n{path_and_query}\n{timestamp}\n{nonce}\n{device}\n{body_digest_hex}"
    )
}

/// The four headers that authenticate a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub device: String,
    pub timestamp: i64,
    pub nonce: String,
    pub signature: String,
}

impl SignedHeaders {
    /// `(header name, value)` pairs to put on the request.
    pub fn headers(&self) -> [(&'static str, String); 4] {
        [
            (HEADER_DEVICE, self.device.clone()),
            (HEADER_TIMESTAMP, self.timestamp.to_string()),
            (HEADER_NONCE, self.nonce.clone()),
            (HEADER_SIGNATURE, self.signature.clone()),
        ]
    }
}

/// A fresh nonce: 16 random bytes as 32 lowercase hex characters.
pub fn new_nonce() -> Result<String, ClientError> {
    let mut b = [0u8; 16];
    SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| ClientError::Random)?;
    Ok(hex::encode(b))
}

/// Signs a request with a fresh nonce. `endpoint_key_id` names the endpoint the request is for
/// (the key id of its pinned key, [`crate::ids::device_id`] of that key); `unix_seconds` is the
/// device's clock; `body` the exact bytes that will be sent (empty for GET and ack). Sign again
/// for every attempt: a retried request with the same signature is refused as a replay.
pub fn sign_request(
    key: &Ed25519KeyPair,
    endpoint_key_id: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    unix_seconds: i64,
) -> Result<SignedHeaders, ClientError> {
    let nonce = new_nonce()?;
    Ok(sign_request_digest(
        key,
        endpoint_key_id,
        method,
        path_and_query,
        &body_digest(body),
        unix_seconds,
        &nonce,
    ))
}

/// Signs with a body digest computed by the caller (for a body streamed from a file) and a
/// caller-chosen nonce (which must be fresh per request).
pub fn sign_request_digest(
    key: &Ed25519KeyPair,
    endpoint_key_id: &str,
    method: &str,
    path_and_query: &str,
    body_digest_hex: &str,
    unix_seconds: i64,
    nonce: &str,
) -> SignedHeaders {
    use ring::signature::KeyPair;
    let device = device_id(key.public_key().as_ref());
    let msg = canonical_request(
        endpoint_key_id,
        method,
        path_and_query,
        unix_seconds,
        nonce,
        &device,
        body_digest_hex,
    );
    let sig = key.sign(msg.as_bytes());
    SignedHeaders {
        device,
        timestamp: unix_seconds,
        nonce: nonce.to_string(),
        signature: hex::encode(sig.as_ref()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::envelope_id;
    use ring::signature::KeyPair;

    /// The device key of docs/regio-protocol.md §4.5: Ed25519 seed 00 01 02 … 1f.
    fn device_key() -> Ed25519KeyPair {
        let seed: Vec<u8> = (0u8..32).collect();
        Ed25519KeyPair::from_seed_unchecked(&seed).unwrap()
    }

    const PUBLIC_KEY: &str = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
    const DEVICE: &str = "b773c9e1459ee0b2bbc01f02860a4758";
    const EMPTY_DIGEST: &str = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262";
    /// The endpoint of docs/regio-protocol.md §6.3 (Ed25519 seed 0x42 × 32): its key id.
    const ENDPOINT: &str = "8c572730bfcf258184e55aa178072b2e";
    const TIMESTAMP: i64 = 1_750_000_000;
    const NONCE: &str = "00112233445566778899aabbccddeeff";

    /// The signed requests of §4.5: method, path and query, body, signature (also computed with
    /// Python's `cryptography`).
    const REQUESTS: &[(&str, &str, &[u8], &str)] = &[
        (
            "GET",
            "/v1/inbox?after=0",
            b"",
            "1a87af8c63ad130f7fbd300433b06e5e37e1eb5e981f34f8d2afd31c44a4ca30bad7b5510be0dec9e4473056e455fc5e57651ac7d9a05de8cf382bded9502e01",
        ),
        (
            "PUT",
            "/v1/envelopes/0b78c980862f96fb2c500b646ca123696b450798887fd0392bb0cd66e8123d1a",
            b"ZICHT",
            "53787be7e6696366f980dd62300777c0340d8872daf9b57acbd1228b66ebfa974eece354889d3b599f822850b7417f3a015142696de5b9dfb47fdf5e8ada5209",
        ),
    ];

    /// The vectors printed in docs/regio-protocol.md §4.5.
    #[test]
    fn request_signing_vectors() {
        let key = device_key();
        assert_eq!(hex::encode(key.public_key().as_ref()), PUBLIC_KEY);
        assert_eq!(device_id(key.public_key().as_ref()), DEVICE);
        assert_eq!(body_digest(b""), EMPTY_DIGEST);
        let endpoint = Ed25519KeyPair::from_seed_unchecked(&[0x42; 32]).unwrap();
        assert_eq!(device_id(endpoint.public_key().as_ref()), ENDPOINT);
        for &(method, path, body, signature) in REQUESTS {
            if method == "PUT" {
                // An upload's path names the envelope id, which is also its body digest.
                assert_eq!(path, format!("/v1/envelopes/{}", envelope_id(body)));
            }
            let signed = sign_request_digest(
                &key,
                ENDPOINT,
                method,
                path,
                &body_digest(body),
                TIMESTAMP,
                NONCE,
            );
            assert_eq!(signed.signature, signature, "{method} {path}");
            assert_eq!(signed.device, DEVICE);
        }
        assert_eq!(
            canonical_request(
                ENDPOINT,
                "GET",
                "/v1/inbox?after=0",
                TIMESTAMP,
                NONCE,
                DEVICE,
                EMPTY_DIGEST
            ),
            format!("zicht-regio/v2/request\n{ENDPOINT}\nGET\n/v1/inbox?after=0\n1750000000\n{NONCE}\n{DEVICE}\n{EMPTY_DIGEST}")
        );
    }
}
