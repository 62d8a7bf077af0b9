//! # zicht-protocol: what device and endpoint share
//!
//! The `zicht-regio/v2` protocol of `docs/regio-protocol.md`, implemented once for both sides:
//! the sync client in `zicht-core` and the regional endpoint in `zicht-regio` depend on this
//! crate, so the strings they sign and check, the JSON they exchange and the error codes they
//! agree on come from one place.
//!
//! What it is:
//!
//! - identifiers: key ids, device ids, envelope ids, body digests ([`ids`]);
//! - request signing: the canonical request string and the four `x-zicht-*` headers
//!   ([`request`]);
//! - receipts: the signed proof that the endpoint holds an envelope, and its check
//!   ([`receipt`]);
//! - enrolment: the canonical enrolment string, the per-key X25519 possession proofs, the
//!   endpoint's signed X25519 key ([`enrol`]);
//! - the inbox: pages, their signature, acks ([`inbox`]);
//! - audit anchors: the endpoint's countersignature of a device's audit head ([`anchor`]);
//! - errors: the endpoint's stable error codes and error body, and the device-side check
//!   errors ([`error`]);
//! - the few envelope header fields a relay reads ([`envelope`]).
//!
//! What it is not: an HTTP client or server (no transport, no I/O: the core brings its own
//! HTTP client, the endpoint its routes), a clock (callers pass the time), or bundle
//! cryptography (it never opens, seals or verifies a bundle: `zicht-bundle` does).
//!
//! Everything but [`envelope`] is re-exported at the crate root, so a caller writes
//! `zicht_protocol::sign_request` or `zicht_protocol::Receipt`.
//!
//! ```
//! use ring::signature::{Ed25519KeyPair, KeyPair};
//!
//! let rng = ring::rand::SystemRandom::new();
//! let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
//! let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
//! let now = 1_750_000_000; // unix seconds, from the device clock
//! let endpoint_key_id = "3a0a1b7c0c5c4e8f9d2b6a1e0f4d3c2b"; // device_id(pinned endpoint key)
//! let signed =
//!     zicht_protocol::sign_request(&key, endpoint_key_id, "GET", "/v1/inbox?after=0", b"", now)
//!         .unwrap();
//! for (name, value) in signed.headers() {
//!     // request.header(name, value)
//!     # let _ = (name, value);
//! }
//! assert_eq!(signed.device, zicht_protocol::device_id(key.public_key().as_ref()));
//! ```

pub mod anchor;
pub mod enrol;
pub mod envelope;
pub mod error;
pub mod ids;
pub mod inbox;
pub mod receipt;
pub mod request;

pub use anchor::{
    anchor_message, sign_anchor, Anchor, AnchorPoint, AnchorRequest, AnchorResponse, ANCHOR_CONTEXT,
};
pub use enrol::{
    endpoint_x25519_message, enrol_canonical, enrol_proof, verify_enrol_proof, EndpointInfo,
    EnrolRequest, EnrolResponse, ENDPOINT_X25519_CONTEXT, ENROL_CONTEXT, ENROL_PROOF_INFO,
};
pub use error::{codes, ClientError, ErrorBody};
pub use ids::{body_digest, device_id, ed25519_key_id, envelope_id, x25519_key_id};
pub use inbox::{AckResponse, InboxItem, InboxPage, INBOX_CONTEXT};
pub use receipt::{parse_and_verify_receipt, verify_receipt, Receipt, RECEIPT_CONTEXT};
pub use request::{
    canonical_request, new_nonce, sign_request, sign_request_digest, SignedHeaders, HEADER_DEVICE,
    HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP, MAX_CLOCK_SKEW_SECS, REQUEST_CONTEXT,
};

/// The protocol version string. Version 2 changed only the request string (§4.2: it names the
/// endpoint); the enrolment, receipt and inbox context strings keep their `zicht-regio/v1/`
/// prefix because what they sign did not change.
pub const PROTOCOL: &str = "zicht-regio/v2";
