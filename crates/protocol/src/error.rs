//! Errors (`docs/regio-protocol.md` §7): the stable codes the endpoint answers with and the
//! body they come in, and the errors of the device-side checks in this crate.

use serde::{Deserialize, Serialize};

/// Every error answer: a stable English code (one of [`codes`]) and a Dutch message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

/// The codes of the endpoint's error answers (§7): stable English, to program against; the
/// HTTP status of each is in the table there.
pub mod codes {
    /// 404: no such route.
    pub const REQUEST_NOT_FOUND: &str = "request.not_found";
    /// 405: the route exists, the method does not.
    pub const REQUEST_METHOD_NOT_ALLOWED: &str = "request.method_not_allowed";
    /// 415: wrong `content-type`.
    pub const REQUEST_UNSUPPORTED_MEDIA_TYPE: &str = "request.unsupported_media_type";
    /// 400: the body is not valid JSON of the expected shape.
    pub const REQUEST_MALFORMED_JSON: &str = "request.malformed_json";
    /// 400: well-formed JSON with a value that is not acceptable.
    pub const REQUEST_INVALID: &str = "request.invalid";
    /// 400: a query parameter is unknown or invalid.
    pub const REQUEST_BAD_QUERY: &str = "request.bad_query";
    /// 413: the body is over the route's limit.
    pub const REQUEST_BODY_TOO_LARGE: &str = "request.body_too_large";
    /// 400: the body ended early or its framing was broken.
    pub const REQUEST_BODY_INCOMPLETE: &str = "request.body_incomplete";
    /// 431: header names and values together are over the limit.
    pub const REQUEST_HEADERS_TOO_LARGE: &str = "request.headers_too_large";
    /// 414: path and query are over the limit.
    pub const REQUEST_URI_TOO_LONG: &str = "request.uri_too_long";
    /// 401: a signature header is missing.
    pub const AUTH_MISSING: &str = "auth.missing";
    /// 401: a signature header has the wrong form.
    pub const AUTH_MALFORMED: &str = "auth.malformed";
    /// 401: the request's timestamp is too far from the endpoint's clock.
    pub const AUTH_STALE: &str = "auth.stale";
    /// 401: the device is not enrolled.
    pub const AUTH_UNKNOWN_DEVICE: &str = "auth.unknown_device";
    /// 401: the request signature does not verify.
    pub const AUTH_BAD_SIGNATURE: &str = "auth.bad_signature";
    /// 401: this signature was accepted before (a replay).
    pub const AUTH_REPLAYED: &str = "auth.replayed";
    /// The device was revoked at the endpoint (`zicht-regio revoke`).
    pub const AUTH_REVOKED: &str = "auth.revoked";
    /// 401: the enrolment token is unknown, used or expired.
    pub const ENROL_INVALID_TOKEN: &str = "enrol.invalid_token";
    /// 401: the enrolment does not prove possession of its keys.
    pub const ENROL_NO_PROOF: &str = "enrol.no_proof";
    /// 409: this signing key is enrolled already.
    pub const ENROL_ALREADY_ENROLLED: &str = "enrol.already_enrolled";
    /// 409: an X25519 key belongs to another enrolled device.
    pub const ENROL_KEY_IN_USE: &str = "enrol.key_in_use";
    /// 400: an envelope id is not 64 lowercase hex.
    pub const ENVELOPE_BAD_ID: &str = "envelope.bad_id";
    /// 400: the id in the path is not the BLAKE3 of the body.
    pub const ENVELOPE_ID_MISMATCH: &str = "envelope.id_mismatch";
    /// 400: the body is not a routable envelope.
    pub const ENVELOPE_MALFORMED: &str = "envelope.malformed";
    /// The envelope's sender key id is not the uploading device's key.
    pub const ENVELOPE_WRONG_SENDER: &str = "envelope.wrong_sender";
    /// 400: an envelope version the endpoint does not route.
    pub const ENVELOPE_UNSUPPORTED_VERSION: &str = "envelope.unsupported_version";
    /// 404: no such envelope (any more) for this device.
    pub const ENVELOPE_NOT_FOUND: &str = "envelope.not_found";
    /// 429: the device's upload quota for the hour is used up (`Retry-After` says when).
    pub const QUOTA_EXCEEDED: &str = "quota.exceeded";
    /// 503: the endpoint holds as many upload bodies in memory as it may; try again shortly.
    pub const ENDPOINT_BUSY: &str = "endpoint.busy";
    /// 500: the endpoint could not use its storage.
    pub const INTERNAL_STORAGE: &str = "internal.storage";
    /// 500: any other fault of the endpoint.
    pub const INTERNAL_ERROR: &str = "internal.error";

    /// Every code above.
    pub const ALL: &[&str] = &[
        REQUEST_NOT_FOUND,
        REQUEST_METHOD_NOT_ALLOWED,
        REQUEST_UNSUPPORTED_MEDIA_TYPE,
        REQUEST_MALFORMED_JSON,
        REQUEST_INVALID,
        REQUEST_BAD_QUERY,
        REQUEST_BODY_TOO_LARGE,
        REQUEST_BODY_INCOMPLETE,
        REQUEST_HEADERS_TOO_LARGE,
        REQUEST_URI_TOO_LONG,
        AUTH_MISSING,
        AUTH_MALFORMED,
        AUTH_STALE,
        AUTH_UNKNOWN_DEVICE,
        AUTH_BAD_SIGNATURE,
        AUTH_REPLAYED,
        AUTH_REVOKED,
        ENROL_INVALID_TOKEN,
        ENROL_NO_PROOF,
        ENROL_ALREADY_ENROLLED,
        ENROL_KEY_IN_USE,
        ENVELOPE_BAD_ID,
        ENVELOPE_ID_MISMATCH,
        ENVELOPE_MALFORMED,
        QUOTA_EXCEEDED,
        ENDPOINT_BUSY,
        ENVELOPE_WRONG_SENDER,
        ENVELOPE_UNSUPPORTED_VERSION,
        ENVELOPE_NOT_FOUND,
        INTERNAL_STORAGE,
        INTERNAL_ERROR,
    ];
}

/// Errors of the device-side checks. Codes are stable; messages are Dutch.
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
    #[error("de bevestiging van de auditlog is onleesbaar of voor een ander apparaat")]
    AnchorMalformed,
    #[error("de bevestiging van de auditlog is niet ondertekend door het vastgepinde eindpunt")]
    AnchorBadSignature,
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
            ClientError::AnchorMalformed => "anchor.malformed",
            ClientError::AnchorBadSignature => "anchor.bad_signature",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::codes;
    use std::collections::BTreeSet;

    /// [`codes::ALL`] is exactly the code column of the table in docs/regio-protocol.md §7.
    #[test]
    fn codes_are_the_documented_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/regio-protocol.md");
        let doc = std::fs::read_to_string(path).unwrap();
        let section = doc
            .split("\n## 7. Errors")
            .nth(1)
            .and_then(|s| s.split("\n## 8.").next())
            .unwrap();
        let documented: BTreeSet<&str> = section
            .lines()
            .filter_map(|l| l.strip_prefix("| "))
            .filter_map(|l| l.split(" | ").nth(1))
            .flat_map(|cell| cell.split('`').skip(1).step_by(2))
            .filter(|c| *c != "code")
            .collect();
        let ours: BTreeSet<&str> = codes::ALL.iter().copied().collect();
        assert_eq!(ours.len(), codes::ALL.len(), "a code is listed twice");
        assert_eq!(ours, documented);
        for c in codes::ALL {
            let (area, what) = c.split_once('.').unwrap();
            assert!(
                ["request", "auth", "enrol", "envelope", "quota", "endpoint", "internal"]
                    .contains(&area)
                    && !what.is_empty()
                    && what.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{c}"
            );
        }
    }
}
