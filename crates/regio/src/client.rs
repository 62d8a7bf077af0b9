//! The device side of the protocol in `docs/regio-protocol.md`: key ids, request signing,
//! receipt verification and the JSON types on the wire.
//!
//! This module needs no server dependencies: the sync client depends on the crate with
//! `default-features = false` and gets only this (and [`crate::envelope`]).
//!
//! ```
//! use ring::signature::{Ed25519KeyPair, KeyPair};
//! use zicht_regio::client;
//!
//! let rng = ring::rand::SystemRandom::new();
//! let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
//! let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
//! let now = 1_750_000_000; // unix seconds, from the device clock
//! let signed = client::sign_request(&key, "GET", "/v1/inbox?after=0", b"", now).unwrap();
//! for (name, value) in signed.headers() {
//!     // request.header(name, value)
//!     # let _ = (name, value);
//! }
//! assert_eq!(signed.device, client::device_id(key.public_key().as_ref()));
//! ```

use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};

/// The protocol version string (also the prefix of every context string).
pub const PROTOCOL: &str = "zicht-regio/v1";
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
/// First line of the canonical request string.
pub const REQUEST_CONTEXT: &str = "zicht-regio/v1/request";
/// First line of the canonical receipt string.
pub const RECEIPT_CONTEXT: &str = "zicht-regio/v1/receipt";
/// First line of the string an inbox page signature covers.
pub const INBOX_CONTEXT: &str = "zicht-regio/v1/inbox";
/// First line of the string an enrolment request is signed and proven over.
pub const ENROL_CONTEXT: &str = "zicht-regio/v1/enrol";
/// First line of the string the endpoint signs its X25519 key with.
pub const ENDPOINT_X25519_CONTEXT: &str = "zicht-regio/v1/endpoint-x25519";
/// HKDF info of an enrolment proof key.
pub const ENROL_PROOF_INFO: &[u8] = b"zicht-regio/v1/enrol-proof";

/// Errors of the device-side helpers. Codes are stable; messages are Dutch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("geen willekeurige waarde beschikbaar van het besturingssysteem")]
    Random,
    #[error("de ontvangstbevestiging hoort bij een andere envelop")]
    ReceiptIdMismatch,
    #[error("de ontvangstbevestiging is getekend door een ander eindpunt dan het vastgepinde")]
    ReceiptWrongEndpoint,
    #[error("de handtekening van de ontvangstbevestiging klopt niet")]
    ReceiptBadSignature,
    #[error("de ontvangstbevestiging is onleesbaar")]
    ReceiptMalformed,
    #[error("het overzicht van de inbox is niet ondertekend door het vastgepinde eindpunt")]
    InboxBadSignature,
    #[error(
        "de X25519-sleutel van het eindpunt is niet ondertekend door het vastgepinde eindpunt"
    )]
    EndpointX25519BadSignature,
}

impl ClientError {
    /// Stable English code, for logs and tests.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::Random => "client.random",
            ClientError::ReceiptIdMismatch => "receipt.id_mismatch",
            ClientError::ReceiptWrongEndpoint => "receipt.wrong_endpoint",
            ClientError::ReceiptBadSignature => "receipt.bad_signature",
            ClientError::ReceiptMalformed => "receipt.malformed",
            ClientError::InboxBadSignature => "inbox.bad_signature",
            ClientError::EndpointX25519BadSignature => "endpoint.bad_x25519_signature",
        }
    }
}

fn key_id(label: &[u8], public_key: &[u8]) -> [u8; 16] {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(label);
    ctx.update(public_key);
    let d = ctx.finish();
    let mut out = [0u8; 16];
    out.copy_from_slice(&d.as_ref()[..16]);
    out
}

/// Key id of an Ed25519 public key, as `docs/bundle-format.md` §2.1 defines the sender key id:
/// `SHA-256("zicht-bundle/v1/key-id/ed25519" || pk)[0..16]`.
pub fn ed25519_key_id(public_key: &[u8]) -> [u8; 16] {
    key_id(b"zicht-bundle/v1/key-id/ed25519", public_key)
}

/// Recipient key id of an X25519 public key (`docs/bundle-format.md` §2.1):
/// `SHA-256("zicht-bundle/v1/key-id/x25519" || pk)[0..16]`.
pub fn x25519_key_id(public_key: &[u8]) -> [u8; 16] {
    key_id(b"zicht-bundle/v1/key-id/x25519", public_key)
}

/// The device id the endpoint knows a device by: lowercase hex of [`ed25519_key_id`] of its
/// signing key (so it equals the sender key id in the bundles it seals).
pub fn device_id(ed25519_public_key: &[u8]) -> String {
    hex::encode(ed25519_key_id(ed25519_public_key))
}

/// Envelope id (`docs/bundle-format.md` §6): lowercase hex BLAKE3 of all envelope bytes.
pub fn envelope_id(envelope: &[u8]) -> String {
    hex::encode(blake3::hash(envelope).as_bytes())
}

/// The body digest that goes into the canonical request: lowercase hex BLAKE3 of the body
/// bytes exactly as sent (the empty body included). For a `PUT` it equals the envelope id.
pub fn body_digest(body: &[u8]) -> String {
    envelope_id(body)
}

/// The string a device signs (and the endpoint rebuilds): seven lines joined by `\n`, no
/// trailing newline:
///
/// ```text
/// zicht-regio/v1/request
/// <METHOD, upper case>
/// <path and query exactly as in the request line, e.g. /v1/inbox?after=12>
/// <timestamp, decimal unix seconds>
/// <nonce>
/// <device id>
/// <body digest, lowercase hex BLAKE3>
/// ```
pub fn canonical_request(
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    device: &str,
    body_digest_hex: &str,
) -> String {
    format!(
        "{REQUEST_CONTEXT}\n{method}\n{path_and_query}\n{timestamp}\n{nonce}\n{device}\n{body_digest_hex}"
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

/// Signs a request with a fresh nonce. `unix_seconds` is the device's clock; `body` the exact
/// bytes that will be sent (empty for GET and ack). Sign again for every attempt: a retried
/// request with the same signature is refused as a replay.
pub fn sign_request(
    key: &Ed25519KeyPair,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    unix_seconds: i64,
) -> Result<SignedHeaders, ClientError> {
    let nonce = new_nonce()?;
    Ok(sign_request_digest(
        key,
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
    method: &str,
    path_and_query: &str,
    body_digest_hex: &str,
    unix_seconds: i64,
    nonce: &str,
) -> SignedHeaders {
    use ring::signature::KeyPair;
    let device = device_id(key.public_key().as_ref());
    let msg = canonical_request(
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

/// An enrolment proof for one X25519 key: HMAC-SHA256 under [`enrol_proof_key`] over
/// [`enrol_canonical`]. `shared` is X25519(device secret, endpoint X25519 key).
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

/// One line of the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItem {
    pub id: String,
    pub size: u64,
    pub seq: u64,
    pub received_at_ms: i64,
    pub uploader: String,
}

/// Answer of `GET /v1/inbox`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxPage {
    pub envelopes: Vec<InboxItem>,
    /// Pass as `after` to get the next page.
    pub next: String,
    /// `true` when there are more envelopes after `next`.
    pub more: bool,
    /// The endpoint's Ed25519 signature over [`InboxPage::canonical`] for the asking device
    /// and `after` (128 lowercase hex).
    #[serde(default)]
    pub signature: String,
}

impl InboxPage {
    /// The signed string: eight lines joined by `\n`, no trailing newline:
    ///
    /// ```text
    /// zicht-regio/v1/inbox
    /// device=<device id of the asking device>
    /// after=<the request's after>
    /// nonce=<the request's x-zicht-nonce>
    /// next=<next>
    /// more=<true|false>
    /// envelopes=<id>:<seq>:<size>:<received_at_ms>:<uploader>,...
    /// endpoint_key=<endpoint key, 64 lowercase hex>
    /// ```
    pub fn canonical(&self, device: &str, after: u64, nonce: &str, endpoint_key: &str) -> String {
        let envelopes: Vec<String> = self
            .envelopes
            .iter()
            .map(|e| {
                format!(
                    "{}:{}:{}:{}:{}",
                    e.id, e.seq, e.size, e.received_at_ms, e.uploader
                )
            })
            .collect();
        format!(
            "{INBOX_CONTEXT}\ndevice={device}\nafter={after}\nnonce={nonce}\nnext={}\nmore={}\nenvelopes={}\nendpoint_key={endpoint_key}",
            self.next,
            self.more,
            envelopes.join(",")
        )
    }

    /// Checks that the page answers this very request (device, `after`, nonce) and is signed
    /// by the pinned endpoint key. Only then may a device move its cursor by it.
    pub fn verify(
        &self,
        device: &str,
        after: u64,
        nonce: &str,
        pinned_endpoint_key: &[u8],
    ) -> Result<(), ClientError> {
        let sig = hex::decode(&self.signature).map_err(|_| ClientError::InboxBadSignature)?;
        let msg = self.canonical(device, after, nonce, &hex::encode(pinned_endpoint_key));
        UnparsedPublicKey::new(&ED25519, pinned_endpoint_key)
            .verify(msg.as_bytes(), &sig)
            .map_err(|_| ClientError::InboxBadSignature)
    }
}

/// Answer of `POST /v1/envelopes/{id}/ack`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckResponse {
    pub id: String,
    /// `true` once every recipient has acked and the endpoint has deleted the envelope.
    pub deleted: bool,
}

/// Every error answer: a stable English code and a Dutch message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::KeyPair;

    fn device_key() -> Ed25519KeyPair {
        let seed: Vec<u8> = (0u8..32).collect();
        Ed25519KeyPair::from_seed_unchecked(&seed).unwrap()
    }

    /// The vectors printed in docs/regio-protocol.md §4.5.
    #[test]
    fn request_signing_vectors() {
        let key = device_key();
        let pk = hex::encode(key.public_key().as_ref());
        let dev = device_id(key.public_key().as_ref());
        let nonce = "00112233445566778899aabbccddeeff";
        let get = sign_request_digest(
            &key,
            "GET",
            "/v1/inbox?after=0",
            &body_digest(b""),
            1_750_000_000,
            nonce,
        );
        let body = b"ZICHT";
        let put_path = format!("/v1/envelopes/{}", envelope_id(body));
        let put = sign_request_digest(
            &key,
            "PUT",
            &put_path,
            &body_digest(body),
            1_750_000_000,
            nonce,
        );
        assert_eq!(pk, VEC_PK);
        assert_eq!(dev, VEC_DEVICE);
        assert_eq!(body_digest(b""), VEC_EMPTY_DIGEST);
        assert_eq!(get.signature, VEC_GET_SIG);
        assert_eq!(put_path, VEC_PUT_PATH);
        assert_eq!(put.signature, VEC_PUT_SIG);
        assert_eq!(
            canonical_request("GET", "/v1/inbox?after=0", 1_750_000_000, nonce, &dev, VEC_EMPTY_DIGEST),
            format!("zicht-regio/v1/request\nGET\n/v1/inbox?after=0\n1750000000\n{nonce}\n{dev}\n{VEC_EMPTY_DIGEST}")
        );
    }

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
        let dev = device_key();
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

    #[test]
    fn receipt_vector() {
        let endpoint = Ed25519KeyPair::from_seed_unchecked(&[0x42; 32]).unwrap();
        let mut r = Receipt {
            version: 1,
            id: envelope_id(b"ZICHT"),
            size: 5,
            received_at_ms: 1_750_000_000_123,
            uploader: VEC_DEVICE.to_string(),
            recipients: vec![hex::encode(x25519_key_id(&[9u8; 32]))],
            endpoint_key: hex::encode(endpoint.public_key().as_ref()),
            signature: String::new(),
        };
        r.signature = hex::encode(endpoint.sign(r.canonical().as_bytes()).as_ref());
        assert_eq!(r.signature, VEC_RECEIPT_SIG);
        verify_receipt(&r, endpoint.public_key().as_ref(), &r.id.clone()).unwrap();
    }

    const VEC_PK: &str = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
    const VEC_DEVICE: &str = "b773c9e1459ee0b2bbc01f02860a4758";
    const VEC_EMPTY_DIGEST: &str =
        "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262";
    const VEC_GET_SIG: &str =
        "a7e062e1f778ad82f0807cd71574335fa8cd34daa1a5103b4a0afb67e923e35052d676d33512b4f1b6b6eda8ee36dbe11dce86368e01da768e5cda5ad9ba1300";
    const VEC_PUT_PATH: &str =
        "/v1/envelopes/0b78c980862f96fb2c500b646ca123696b450798887fd0392bb0cd66e8123d1a";
    const VEC_PUT_SIG: &str =
        "1e232632744d0957499478701772e4ece4fd6516351382c4406895c86d9bd83db899bb74d5be854c840b79fce5d0defd9105162a8ae03b2d8c8b13dc745d1403";
    const VEC_RECEIPT_SIG: &str =
        "a91db4c3f62a126e740cfc63dea7bd7349c7d0467db13b3561678dd630dc2ec27143081da25f40c0e4cea3b3f8eb6783e2447496ee6d662f3f5cb0093a773709";
}
