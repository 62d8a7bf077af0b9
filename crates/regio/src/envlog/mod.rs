//! The envelope log: envelope bodies and their records in append-only segment files, with the
//! index of them in memory. sled keeps the small, rarely written records (enrolled devices;
//! `store.rs`); every envelope write goes here.
//!
//! Why not sled: in sled 0.34 a 4 KiB envelope is rewritten several times over (page
//! consolidations, splits, log cleaning: ~8 bytes written per byte uploaded), a transaction
//! writes its log buffer twice and takes a process-wide lock, and all of it costs more CPU
//! per upload than the HTTP and the signature check together (`crates/regio/README.md`). An
//! append-only log writes each envelope once, and one `fdatasync` per group-commit round
//! makes the whole round durable.
//!
//! # Layout
//!
//! `store/envelopes/NNNNNNNN.zlog`, numbered from 1. Each segment starts with a 20-byte
//! header: `"ZREGLOG1"`, the last seq assigned before the segment was made (u64), CRC-32 of
//! those 16 bytes. Then *rounds*, one per group-commit round that wrote anything: records,
//! and a round end. Integers are big-endian. A record is
//!
//! ```text
//! kind (1) | n = length of fields (4) | fields (n) | CRC-32 of kind, n and fields (4) | body
//! ```
//!
//! | kind | fields | body |
//! | --- | --- | --- |
//! | 1 put | seq (8), received at ms (8), id (32), body length (8), recipient count (2), key ids (16 each), receipt JSON | the envelope |
//! | 2 ack | id (32), count (2), the acking key ids (16 each) | — |
//! | 3 delete | id (32) | — |
//! | 4 round end | CRC-32 of every byte of the round before this record, bodies included (4), offset of the round's first byte (8) | — |
//! | 5 seen | count (4), then per accepted request signature: its timestamp (8) and the first 16 bytes of BLAKE3(signature) | — |
//!
//! The next segment is made ahead of time, on another thread, once the current one is three
//! quarters full (a header-only newest segment is such a spare: at open it is kept for its
//! floor, and the torn-round rule applies to the newest segment with any round). A segment
//! is closed at the end of the first round that takes it past its target size
//! ([`SEGMENT_TARGET`] by default); the next round goes to the spare, whose seq floor is
//! rewritten and synced first (its file and directory entry were fsynced when it was made).
//!
//! # Invariants
//!
//! **Architecture Invariant: a round is answered only after its `fdatasync`, and the next
//! round is written only after that.** So every round but the last of the last segment was
//! durable before anything after it was written; only the last round can be torn by a crash.
//! At open that round is checked against its round-end CRC and cut off (the file truncated at
//! its start) if the check fails or its round end is missing. A bad record anywhere else is
//! corruption: the endpoint refuses to start rather than guess.
//!
//! **The index is published only after the fsync** ([`EnvLog::publish`]), so a listing, a
//! download or a duplicate check sees only durable envelopes. The cursor invariant of
//! `store.rs` follows: seqs are assigned in log order, a listed seq is durable, and the seq
//! counter restarts above the highest seq in the log or in any segment header. Segments are
//! removed oldest first and the newest never, so its header keeps the counter from going
//! back even when every envelope has been deleted.
//!
//! **Deleted bodies are erased in place.** Once an envelope is delivered (every recipient
//! acked) or swept, and the ack or delete record is durable, its body bytes are zeroed and
//! the whole blocks in between punched out of the file (`fallocate`), so no ciphertext of a
//! deleted envelope stays on disk and the space is returned. The record header (id, seq,
//! recipients, receipt) stays until retention, so that a repeated upload gets its receipt
//! instead of being delivered again. A segment file is removed when no envelope of it is
//! left (all swept) and every older segment is gone: ack and delete records of an envelope
//! always lie in the same or a later segment than its put, so removing oldest first never
//! loses one that still matters. Erasing happens only after a later round is durable, so the
//! last round of the log (the only one checked by CRC) never has erased bytes.
//!
//! # Modules
//!
//! Each uses only the ones listed before it (and this file, which uses `ops`, `index` and
//! `format`):
//!
//! - `ops`: what a round is asked to do ([`Op`], [`NewEnvelope`]) and what it did ([`Outcome`]);
//! - `index`: what is kept in memory: the index (envelopes, inboxes, the sweep order,
//!   segments) and the accepted request signatures;
//! - `format`: the bytes: segment header, records, round ends; encoding and decoding;
//! - `segment`: segment files: naming, making (and the spare made ahead), the seq floor,
//!   erasing deleted bodies in place, removing dead segments;
//! - `recovery`: [`EnvLog::open`]: replaying the segments into the index, cutting a torn last
//!   round; and `apply`, which both replay and [`EnvLog::publish`] change the index through;
//! - `write`: the write path of the group-commit thread: write a round, sync, publish; and the
//!   accepted request signatures;
//! - this file: [`EnvLog`] and its state, and the read side (listings, downloads, counts).

mod format;
mod index;
mod ops;
mod recovery;
mod segment;
#[cfg(test)]
mod tests;
mod write;

pub use ops::{NewEnvelope, Op, Outcome};

use crate::records::{EnvelopeMeta, Result, StoreError};
use format::Rec;
use index::{Index, Seen};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// Accepted signatures of requests that queue nothing at the group commit (refused after
/// authentication) are written to the log at the latest this long after they came in
/// (`commit.rs`); writes and reads are answered only after theirs is durable.
pub const SEEN_FLUSH: std::time::Duration = std::time::Duration::from_millis(200);

/// By default a segment is closed at the end of the first round that takes it past this
/// size.
pub const SEGMENT_TARGET: u64 = 64 * 1024 * 1024;

/// The state only the writer (the group-commit thread) touches.
struct Writer {
    seg: u32,
    file: Arc<File>,
    len: u64,
    next_seq: u64,
    /// Buffer for a round's records, reused.
    scratch: Vec<u8>,
    /// The next segment, being made ahead of time on another thread (creating a file and
    /// fsyncing it and its directory took up to tens of ms, a stall for every waiting
    /// request when it happened inside a round).
    spare: Option<std::thread::JoinHandle<Result<File>>>,
}

pub struct EnvLog {
    dir: PathBuf,
    segment_target: u64,
    index: RwLock<Index>,
    writer: Mutex<Writer>,
    /// Every seq ≤ this is durable and published.
    durable_seq: AtomicU64,
    seen: Mutex<Seen>,
    /// Signatures with a timestamp below this have been forgotten (they are stale anyway).
    seen_cutoff: AtomicU64,
    /// Bodies in the log not erased yet (written rounds included, durable or not).
    bodies: AtomicUsize,
    poisoned: AtomicBool,
}

/// A round written to the log, not yet durable: what [`EnvLog::publish`] applies after the
/// fsync.
pub struct Pending {
    outcomes: Vec<Outcome>,
    /// The round's records, in log order.
    changes: Vec<Rec>,
    last_seq: u64,
    wrote: bool,
}

impl Pending {
    pub fn outcomes(self) -> Vec<Outcome> {
        self.outcomes
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl EnvLog {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        self.index
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write_index(&self) -> std::sync::RwLockWriteGuard<'_, Index> {
        self.index
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Every seq ≤ this is durable and published.
    pub fn durable_seq(&self) -> u64 {
        self.durable_seq.load(Ordering::SeqCst)
    }

    pub fn meta(&self, id: &[u8; 32]) -> Option<EnvelopeMeta> {
        self.read().envs.get(id).map(|e| e.meta.clone())
    }

    /// The envelope bytes, if it is stored and not delivered. Checked against the id (a
    /// body's bytes have no other checksum in the log), so a damaged one is an error, never
    /// served.
    pub fn body(&self, id: &[u8; 32]) -> Result<Option<Vec<u8>>> {
        let (file, at, len) = {
            let index = self.read();
            let Some(env) = index.envs.get(id).filter(|e| !e.delivered()) else {
                return Ok(None);
            };
            let Some(s) = index.segs.get(&env.seg) else {
                return Err(StoreError::Corrupt("envelope without its segment"));
            };
            (s.file.clone(), env.body_at, env.meta.size)
        };
        let mut buf = vec![0u8; len as usize];
        file.read_exact_at(&mut buf, at)?;
        if blake3::hash(&buf).as_bytes() != id {
            // Deleted (and erased) while it was being read: gone, not damaged.
            if self.read().envs.get(id).is_none_or(|e| e.delivered()) {
                return Ok(None);
            }
            return Err(StoreError::Corrupt("envelope body does not match its id"));
        }
        Ok(Some(buf))
    }

    /// Envelopes addressed to any of `kids` with `after` < seq ≤ the durable seq, not acked
    /// by them, in seq order, at most `limit`; the last seq looked at; whether there are more.
    pub fn inbox(
        &self,
        kids: &[[u8; 16]],
        after: u64,
        limit: usize,
    ) -> (Vec<EnvelopeMeta>, Option<u64>, bool) {
        let until = self.durable_seq();
        let Some(from) = after.checked_add(1).filter(|f| *f <= until) else {
            return (Vec::new(), None, false);
        };
        let index = self.read();
        let mut hits: Vec<(u64, [u8; 32])> = Vec::new();
        for kid in kids {
            hits.extend(
                index
                    .inbox
                    .range((*kid, from)..=(*kid, until))
                    .take(limit + 1)
                    .map(|((_, seq), id)| (*seq, *id)),
            );
        }
        hits.sort_unstable();
        hits.dedup();
        let more = hits.len() > limit;
        hits.truncate(limit);
        let last = hits.last().map(|h| h.0);
        let out = hits
            .iter()
            .filter_map(|(_, id)| index.envs.get(id))
            .filter(|e| !e.delivered())
            .map(|e| e.meta.clone())
            .collect();
        (out, last, more)
    }

    /// Ids of envelopes received at or before `until_ms`, oldest first, at most `limit`.
    pub fn expired(&self, until_ms: i64, limit: usize) -> Vec<[u8; 32]> {
        self.read()
            .by_time
            .range(..=(until_ms, u64::MAX))
            .take(limit)
            .map(|(_, id)| *id)
            .collect()
    }

    /// Envelope bodies held (written, durable or not, and not erased).
    pub fn body_count(&self) -> usize {
        self.bodies.load(Ordering::SeqCst)
    }

    /// Segment files on disk (tests).
    pub fn segment_count(&self) -> usize {
        self.read().segs.len()
    }
}
