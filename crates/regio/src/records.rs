//! What `store` and `envlog` both need, in a module below both (so that neither imports the
//! other): the record the endpoint keeps of a stored envelope, what an ack did, and the
//! storage error.

use serde::{Deserialize, Serialize};
use zicht_protocol::Receipt;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sled: {0}")]
    Sled(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("corrupt record: {0}")]
    Corrupt(&'static str),
    #[error("an earlier sync failed; restart the endpoint")]
    Poisoned,
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// What the endpoint knows about a stored envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeMeta {
    pub seq: u64,
    pub size: u64,
    pub received_at_ms: i64,
    /// Recipient key ids (hex), header order.
    pub recipients: Vec<String>,
    /// Recipient key ids (hex) that have acked.
    pub acked: Vec<String>,
    /// Every recipient acked: the body is gone; the record stays until retention so that a
    /// repeated upload still gets its receipt instead of being delivered again.
    pub delivered: bool,
    pub receipt: Receipt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckOutcome {
    NotFound,
    Acked { deleted: bool },
}
