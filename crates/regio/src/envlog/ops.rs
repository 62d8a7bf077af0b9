//! What a round of the group commit asks the log to do, and what each op did.

use crate::records::{AckOutcome, EnvelopeMeta};
use zicht_protocol::Receipt;

/// An upload, authenticated and parsed, with its signed receipt; the log adds the seq.
pub struct NewEnvelope {
    pub id: [u8; 32],
    pub body: Vec<u8>,
    pub recipients: Vec<[u8; 16]>,
    pub receipt: Receipt,
}

/// One write of a round.
pub enum Op {
    Put(NewEnvelope),
    /// The device holding these key ids has the envelope.
    Ack {
        id: [u8; 32],
        kids: Vec<[u8; 16]>,
    },
    /// Retention: the envelope goes, acked or not.
    Delete {
        id: [u8; 32],
    },
}

/// What a round did for one op.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // short-lived, one per request
pub enum Outcome {
    /// The record, and whether this upload stored it (false: stored before).
    Put(EnvelopeMeta, bool),
    Ack(AckOutcome),
    /// Whether there was such an envelope.
    Delete(bool),
}
