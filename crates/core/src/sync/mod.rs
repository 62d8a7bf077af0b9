//! The sync client: delivers the outbox to the regional endpoint and fetches the inbox
//! (docs/regio-protocol.md; signing and receipts come from `zicht_protocol`).
//!
//! Network I/O never happens while the store is held: [`Zicht::sync_job`] takes a snapshot of
//! what to do (under the caller's lock), [`run_job`] talks to the endpoint with no store at all,
//! and [`Zicht::apply_sync`] records the outcome (under the lock again). An outbox item becomes
//! `Verzonden` only with a receipt that verifies under the pinned endpoint key.
//!
//! - [`transport`]: the HTTP exchange as a trait (tests script it), and the real one (ureq);
//! - [`round`]: one sync round against the endpoint, with no store ([`run_job`]);
//! - [`apply`]: the snapshot a round needs and the recording of its outcome (on [`Zicht`]);
//! - [`enrol`]: configuring the endpoint and enrolling this device;
//! - [`backoff`]: when to try again.

use crate::error::{CoreError, Result};
use crate::identity::unhex32;
use crate::ids::Now;
use crate::schema::{ENDPOINT, RECEIPTS};
use crate::session::Zicht;
use ring::signature::{Ed25519KeyPair, KeyPair};
use std::time::Duration;
use zicht_model::{OutboxState, SyncState, SyncStatus};
use zicht_protocol as proto;

pub use crate::schema::{Deferred, EndpointConfig};

/// Deferred envelopes remembered at most; beyond this the oldest are forgotten (they stay at
/// the endpoint until its retention period ends).
pub const MAX_DEFERRED: usize = 1000;
/// Days a deferred envelope is remembered (the endpoint keeps envelopes 30 days by default).
pub const DEFERRED_KEEP_DAYS: i64 = 180;
/// Deferred envelopes fetched again per round after a new directory.
pub const MAX_RETRIES_PER_ROUND: usize = 50;
/// Bytes downloaded per round at most (one envelope more if the first is larger): downloads
/// are held in memory until the round is recorded.
pub const MAX_DOWNLOAD_PER_ROUND: u64 = 64 << 20;
/// Inbox pages listed per round at most.
pub const MAX_PAGES_PER_ROUND: usize = 20;

mod apply;
mod backoff;
mod enrol;
mod round;
mod transport;

pub use backoff::{jittered, next_delay, random_jitter};
pub use enrol::{run_enrol, EnrolJob};
pub use round::{run_job, Downloaded, SyncJob, SyncOutcome, MAX_UPLOADS_PER_ROUND};
pub use transport::{unreachable_because, HttpRequest, HttpResponse, HttpTransport, Transport};
