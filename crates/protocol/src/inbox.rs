//! The inbox (`docs/regio-protocol.md` §5): the pages a device lists its envelopes with, the
//! endpoint's signature over a page (bound to the asking request), and the answer to an ack.

use crate::error::ClientError;
use ring::signature::{UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};

/// First line of the string an inbox page signature covers.
pub const INBOX_CONTEXT: &str = "zicht-regio/v1/inbox";

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
