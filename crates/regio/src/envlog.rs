//! The envelope log: envelope bodies and their records in append-only segment files, with the
//! index of them in memory. sled keeps the small, rarely written records (devices, seen
//! signatures; `store.rs`); every envelope write goes here.
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

use crate::client::Receipt;
use crate::store::{AckOutcome, EnvelopeMeta, Result, StoreError};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

const MAGIC: &[u8; 8] = b"ZREGLOG1";
const SEGMENT_HEADER: u64 = 20;
/// Accepted signatures of requests that queue nothing at the group commit (refused after
/// authentication) are written to the log at the latest this long after they came in
/// (`commit.rs`); writes and reads are answered only after theirs is durable.
pub const SEEN_FLUSH: std::time::Duration = std::time::Duration::from_millis(200);

/// By default a segment is closed at the end of the first round that takes it past this
/// size.
pub const SEGMENT_TARGET: u64 = 64 * 1024 * 1024;

const PUT: u8 = 1;
const ACK: u8 = 2;
const DELETE: u8 = 3;
const ROUND_END: u8 = 4;
const SEEN: u8 = 5;

/// Largest `fields` accepted when reading (a put with 1024 recipients and its receipt is
/// about 50 KiB).
const MAX_FIELDS: u32 = 1 << 20;
/// Largest body accepted when reading: far above any configurable upload limit, small enough
/// that a corrupt length is caught.
const MAX_BODY: u64 = 1 << 40;

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

/// An envelope in the index.
#[derive(Debug, Clone)]
struct Env {
    id: [u8; 32],
    meta: EnvelopeMeta,
    kids: Vec<[u8; 16]>,
    acked: Vec<[u8; 16]>,
    seg: u32,
    /// Offset of the body in the segment file.
    body_at: u64,
}

impl Env {
    fn delivered(&self) -> bool {
        self.meta.delivered
    }
}

struct Segment {
    file: Arc<File>,
    /// Envelopes whose put record lies here and that are still in the index.
    envelopes: usize,
    /// Newest timestamp of a seen signature recorded here: the segment is kept until the
    /// sweep has forgotten every signature with that timestamp (they may still be replayed).
    max_seen: u64,
}

#[derive(Default)]
struct Index {
    /// Boxed, so that growing the map moves small entries (it is rehashed under the lock).
    envs: HashMap<[u8; 32], Box<Env>>,
    /// (recipient key id, seq) → id, for every recipient that has not acked yet.
    inbox: BTreeMap<([u8; 16], u64), [u8; 32]>,
    /// (received at ms, seq) → id, for the sweep.
    by_time: BTreeMap<(i64, u64), [u8; 32]>,
    segs: BTreeMap<u32, Segment>,
}

impl Index {
    fn insert(&mut self, env: Env) {
        let seq = env.meta.seq;
        let id = env.id;
        if !env.delivered() {
            for k in &env.kids {
                if !env.acked.contains(k) {
                    self.inbox.insert((*k, seq), id);
                }
            }
        }
        self.by_time.insert((env.meta.received_at_ms, seq), id);
        if let Some(s) = self.segs.get_mut(&env.seg) {
            s.envelopes += 1;
        }
        if let Some(old) = self.envs.insert(id, Box::new(env)) {
            // Cannot happen (a duplicate put is never written); keep the counts right anyway.
            self.unlink(&old);
        }
    }

    /// Applies an ack to the index; the body range to erase if it is now delivered.
    fn ack(&mut self, id: &[u8; 32], kids: &[[u8; 16]]) -> Option<(u32, u64, u64)> {
        let env = self.envs.get_mut(id)?;
        if env.meta.delivered {
            return None;
        }
        for k in kids {
            if env.kids.contains(k) && !env.acked.contains(k) {
                env.acked.push(*k);
                self.inbox.remove(&(*k, env.meta.seq));
            }
        }
        env.meta.acked = env.acked.iter().map(hex::encode).collect();
        if env.kids.iter().all(|k| env.acked.contains(k)) {
            env.meta.delivered = true;
            return Some((env.seg, env.body_at, env.meta.size));
        }
        None
    }

    fn remove(&mut self, id: &[u8; 32]) -> Option<Box<Env>> {
        let env = self.envs.remove(id)?;
        self.unlink(&env);
        Some(env)
    }

    fn unlink(&mut self, env: &Env) {
        for k in &env.kids {
            self.inbox.remove(&(*k, env.meta.seq));
        }
        self.by_time
            .remove(&(env.meta.received_at_ms, env.meta.seq));
        if let Some(s) = self.segs.get_mut(&env.seg) {
            s.envelopes = s.envelopes.saturating_sub(1);
        }
    }
}

/// A seen request signature: its timestamp and the first 16 bytes of BLAKE3(signature).
pub type SeenKey = (u64, [u8; 16]);

/// Accepted request signatures (the replay check): all of the last 300 s and more, in memory,
/// and the ones not yet written to the log.
struct Seen {
    set: HashSet<SeenKey>,
    pending: Vec<SeenKey>,
}

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

impl Drop for EnvLog {
    fn drop(&mut self) {
        self.finish_spare();
    }
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

fn seg_path(dir: &Path, n: u32) -> PathBuf {
    dir.join(format!("{n:08}.zlog"))
}

fn crc(parts: &[&[u8]]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    for p in parts {
        h.update(p);
    }
    h.finalize()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Appends one record (without body) to `out`.
fn record(out: &mut Vec<u8>, kind: u8, fields: &[u8]) {
    let start = out.len();
    out.push(kind);
    out.extend_from_slice(&(fields.len() as u32).to_be_bytes());
    out.extend_from_slice(fields);
    let c = crc(&[&out[start..]]);
    out.extend_from_slice(&c.to_be_bytes());
}

fn put_fields(seq: u64, e: &NewEnvelope) -> Vec<u8> {
    let receipt = serde_json::to_vec(&e.receipt).unwrap_or_default();
    let mut f = Vec::with_capacity(60 + 16 * e.recipients.len() + receipt.len());
    f.extend_from_slice(&seq.to_be_bytes());
    f.extend_from_slice(&e.receipt.received_at_ms.to_be_bytes());
    f.extend_from_slice(&e.id);
    f.extend_from_slice(&(e.body.len() as u64).to_be_bytes());
    f.extend_from_slice(&(e.recipients.len() as u16).to_be_bytes());
    for k in &e.recipients {
        f.extend_from_slice(k);
    }
    f.extend_from_slice(&receipt);
    f
}

fn kids_fields(id: &[u8; 32], kids: &[[u8; 16]]) -> Vec<u8> {
    let mut f = Vec::with_capacity(34 + 16 * kids.len());
    f.extend_from_slice(id);
    f.extend_from_slice(&(kids.len() as u16).to_be_bytes());
    for k in kids {
        f.extend_from_slice(k);
    }
    f
}

/// A record read back (or about to be published).
#[allow(clippy::large_enum_variant)] // short-lived, one per record
enum Rec {
    Put { env: Env },
    Ack { id: [u8; 32], kids: Vec<[u8; 16]> },
    Delete { id: [u8; 32] },
    RoundEnd { crc: u32, start: u64 },
    Seen { seg: u32, entries: Vec<SeenKey> },
}

struct Cursor<'a> {
    b: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.b.len() < n {
            return Err(StoreError::Corrupt("log record too short"));
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Ok(h)
    }
    fn arr<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.arr()?))
    }
    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.arr()?))
    }
    fn kids(&mut self) -> Result<Vec<[u8; 16]>> {
        let n = self.u16()? as usize;
        (0..n).map(|_| self.arr::<16>()).collect()
    }
}

fn parse_fields(kind: u8, fields: &[u8], seg: u32, body_at: u64) -> Result<Rec> {
    let mut c = Cursor { b: fields };
    let rec = match kind {
        PUT => {
            let seq = c.u64()?;
            let received_at_ms = c.u64()? as i64;
            let id = c.arr::<32>()?;
            let size = c.u64()?;
            let kids = c.kids()?;
            let receipt: Receipt =
                serde_json::from_slice(c.b).map_err(|_| StoreError::Corrupt("log receipt"))?;
            c.b = &[];
            if receipt.id != hex::encode(id) || receipt.size != size {
                return Err(StoreError::Corrupt("log receipt does not match"));
            }
            Rec::Put {
                env: Env {
                    id,
                    meta: EnvelopeMeta {
                        seq,
                        size,
                        received_at_ms,
                        recipients: kids.iter().map(hex::encode).collect(),
                        acked: Vec::new(),
                        delivered: false,
                        receipt,
                    },
                    kids,
                    acked: Vec::new(),
                    seg,
                    body_at,
                },
            }
        }
        ACK => {
            let id = c.arr::<32>()?;
            let kids = c.kids()?;
            Rec::Ack { id, kids }
        }
        DELETE => Rec::Delete { id: c.arr::<32>()? },
        SEEN => {
            let n = u32::from_be_bytes(c.arr()?) as usize;
            if n > c.b.len() / 24 {
                return Err(StoreError::Corrupt("log seen count"));
            }
            let entries = (0..n)
                .map(|_| Ok((c.u64()?, c.arr::<16>()?)))
                .collect::<Result<_>>()?;
            Rec::Seen { seg, entries }
        }
        ROUND_END => Rec::RoundEnd {
            crc: u32::from_be_bytes(c.arr()?),
            start: c.u64()?,
        },
        _ => return Err(StoreError::Corrupt("unknown log record")),
    };
    if !c.b.is_empty() {
        return Err(StoreError::Corrupt("log record too long"));
    }
    Ok(rec)
}

/// Reads the next record at `at`; `Ok(None)` at the clean end of the file. Errors for
/// anything short, bad or inconsistent.
fn read_record(
    r: &mut BufReader<&File>,
    at: u64,
    len: u64,
    seg: u32,
) -> Result<Option<(Rec, u64)>> {
    if at == len {
        return Ok(None);
    }
    let mut head = [0u8; 5];
    r.read_exact(&mut head)
        .map_err(|_| StoreError::Corrupt("log record cut off"))?;
    let n = u32::from_be_bytes([head[1], head[2], head[3], head[4]]);
    if n > MAX_FIELDS {
        return Err(StoreError::Corrupt("log record length"));
    }
    let mut fields = vec![0u8; n as usize + 4];
    r.read_exact(&mut fields)
        .map_err(|_| StoreError::Corrupt("log record cut off"))?;
    let (fields, tail) = fields.split_at(n as usize);
    if crc(&[&head, fields]).to_be_bytes() != tail {
        return Err(StoreError::Corrupt("log record checksum"));
    }
    let mut end = at + 5 + n as u64 + 4;
    let rec = parse_fields(head[0], fields, seg, end)?;
    if let Rec::Put { env } = &rec {
        let size = env.meta.size;
        if size > MAX_BODY || end + size > len {
            return Err(StoreError::Corrupt("log body cut off"));
        }
        r.seek_relative(size as i64)?;
        end += size;
    }
    Ok(Some((rec, end)))
}

/// Zeroes `len` bytes at `at` and punches the whole blocks among them out of the file, so the
/// bytes are gone and the space is free (file systems without hole punching get zeros).
fn erase(file: &File, at: u64, len: u64) -> std::io::Result<()> {
    const BLOCK: u64 = 4096;
    let end = at + len;
    let inner_start = at.div_ceil(BLOCK) * BLOCK;
    let inner_end = end / BLOCK * BLOCK;
    let punched = inner_start < inner_end
        && rustix::fs::fallocate(
            file,
            rustix::fs::FallocateFlags::PUNCH_HOLE | rustix::fs::FallocateFlags::KEEP_SIZE,
            inner_start,
            inner_end - inner_start,
        )
        .is_ok();
    let zero = |from: u64, to: u64| -> std::io::Result<()> {
        let zeros = [0u8; 64 * 1024];
        let mut at = from;
        while at < to {
            let n = ((to - at) as usize).min(zeros.len());
            file.write_all_at(&zeros[..n], at)?;
            at += n as u64;
        }
        Ok(())
    };
    if punched {
        zero(at, inner_start.min(end))?;
        zero(inner_end.max(at), end)?;
    } else {
        zero(at, end)?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

fn create_segment(dir: &Path, n: u32, last_seq: u64) -> Result<File> {
    let path = seg_path(dir, n);
    let file = match OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(f) => f,
        // Made before and never written to (a spare from before a restart): reuse it.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let f = OpenOptions::new().read(true).write(true).open(&path)?;
            if f.metadata()?.len() > SEGMENT_HEADER {
                return Err(StoreError::Corrupt("next log segment exists already"));
            }
            f
        }
        Err(e) => return Err(e.into()),
    };
    file.write_all_at(&header_bytes(last_seq), 0)?;
    file.sync_all()?;
    sync_dir(dir)?;
    Ok(file)
}

/// Length of a round-end record.
const ROUND_END_LEN: u64 = 5 + 12 + 4;

/// The start of the last round if the segment ends with an intact round-end record.
fn last_round_start(file: &File, len: u64) -> Option<u64> {
    let at = len.checked_sub(ROUND_END_LEN)?;
    let mut b = [0u8; ROUND_END_LEN as usize];
    file.read_exact_at(&mut b, at).ok()?;
    if b[0] != ROUND_END
        || b[1..5] != 12u32.to_be_bytes()
        || crc(&[&b[..17]]).to_be_bytes() != b[17..]
    {
        return None;
    }
    let start = u64::from_be_bytes(b[9..17].try_into().ok()?);
    (SEGMENT_HEADER..=at).contains(&start).then_some(start)
}

fn header_bytes(last_seq: u64) -> Vec<u8> {
    let mut h = Vec::with_capacity(SEGMENT_HEADER as usize);
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&last_seq.to_be_bytes());
    let c = crc(&[&h]);
    h.extend_from_slice(&c.to_be_bytes());
    h
}

/// Rewrites a segment's seq floor (header only) and makes it durable.
fn write_floor(file: &File, last_seq: u64) -> std::io::Result<()> {
    file.write_all_at(&header_bytes(last_seq), 0)?;
    file.sync_data()
}

/// A segment header's seq, or `None` if the header is missing, short or bad.
fn read_header(file: &File) -> Option<u64> {
    let mut h = [0u8; SEGMENT_HEADER as usize];
    file.read_exact_at(&mut h, 0).ok()?;
    if &h[..8] != MAGIC || crc(&[&h[..16]]).to_be_bytes() != h[16..] {
        return None;
    }
    Some(u64::from_be_bytes(h[8..16].try_into().ok()?))
}

/// What replaying one complete round does to the index.
/// `max_seq` takes every put's seq, also of envelopes deleted later in the log.
/// `seen` (at open) takes the seen signatures; after a live round they are in it already.
fn apply(
    index: &mut Index,
    recs: Vec<Rec>,
    erase_list: &mut Vec<(u32, u64, u64)>,
    max_seq: &mut u64,
    mut seen: Option<&mut HashSet<SeenKey>>,
) {
    for rec in recs {
        match rec {
            Rec::Put { env } => {
                *max_seq = (*max_seq).max(env.meta.seq);
                let id = env.id;
                if !index.envs.contains_key(&id) {
                    index.insert(env);
                }
            }
            Rec::Ack { id, kids } => {
                if let Some(range) = index.ack(&id, &kids) {
                    erase_list.push(range);
                }
            }
            Rec::Delete { id } => {
                if let Some(env) = index.remove(&id) {
                    if !env.delivered() {
                        erase_list.push((env.seg, env.body_at, env.meta.size));
                    }
                }
            }
            Rec::Seen { seg, entries } => {
                if let Some(s) = index.segs.get_mut(&seg) {
                    s.max_seen = entries.iter().map(|e| e.0).fold(s.max_seen, u64::max);
                }
                if let Some(set) = seen.as_deref_mut() {
                    set.extend(entries);
                }
            }
            Rec::RoundEnd { .. } => {}
        }
    }
}

impl EnvLog {
    /// Opens (or creates) the log in `dir`: replays every segment into the index, cuts off a
    /// torn last round, and erases bodies whose deletion is durable but whose erasure a crash
    /// may have interrupted.
    pub fn open(dir: &Path, segment_target: u64) -> Result<EnvLog> {
        std::fs::create_dir_all(dir)?;
        let mut numbers: Vec<u32> = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let name = entry?.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some(n) = name
                .strip_suffix(".zlog")
                .filter(|s| s.len() == 8)
                .and_then(|s| s.parse::<u32>().ok())
            {
                numbers.push(n);
            }
        }
        numbers.sort_unstable();
        let mut index = Index::default();
        let mut seen: HashSet<SeenKey> = HashSet::new();
        let mut max_seq = 0u64;
        let mut erase_list = Vec::new();
        // The segment whose last round may be torn: the newest one with any round. Newer ones
        // hold only their header (a spare made ahead of time, or one rolled to just before a
        // crash); they are kept for their seq floor.
        let mut with_rounds = None;
        for (i, &n) in numbers.iter().enumerate() {
            if std::fs::metadata(seg_path(dir, n))?.len() > SEGMENT_HEADER {
                with_rounds = Some(i);
            }
        }
        let count = numbers.len();
        for (i, &n) in numbers.iter().enumerate() {
            let last = Some(i) == with_rounds;
            let path = seg_path(dir, n);
            let file = OpenOptions::new().read(true).write(true).open(&path)?;
            let Some(floor) = read_header(&file) else {
                if i + 1 == count {
                    // Made but never written: a crash while starting a segment.
                    drop(file);
                    std::fs::remove_file(&path)?;
                    sync_dir(dir)?;
                    continue;
                }
                return Err(StoreError::Corrupt("log segment header"));
            };
            max_seq = max_seq.max(floor);
            let file = Arc::new(file);
            index.segs.insert(
                n,
                Segment {
                    file: file.clone(),
                    envelopes: 0,
                    max_seen: 0,
                },
            );
            let len = file.metadata()?.len();
            // Where the last round starts, if the file ends with an intact round end: a bad
            // record before that is corruption, not a torn write.
            let tail_start = if last {
                last_round_start(&file, len)
            } else {
                None
            };
            let mut r = BufReader::with_capacity(256 * 1024, &*file);
            r.seek(SeekFrom::Start(SEGMENT_HEADER))?;
            let mut at = SEGMENT_HEADER;
            let mut round_start = at;
            let mut round: Vec<Rec> = Vec::new();
            // The last complete round of the last segment is held back until its CRC is
            // checked (module doc).
            let mut held: Option<(u64, u64, u32, Vec<Rec>)> = None;
            let mut failed = false;
            let mut good_end = at;
            loop {
                match read_record(&mut r, at, len, n) {
                    Ok(None) => break,
                    Ok(Some((rec, end))) => {
                        if let Rec::RoundEnd { crc, start } = rec {
                            if start != round_start {
                                if !last || tail_start.is_some_and(|s| at < s) {
                                    return Err(StoreError::Corrupt("log round start"));
                                }
                                failed = true;
                                break;
                            }
                            let recs = std::mem::take(&mut round);
                            if last {
                                if let Some((_, _, _, prev)) = held.take() {
                                    apply(
                                        &mut index,
                                        prev,
                                        &mut erase_list,
                                        &mut max_seq,
                                        Some(&mut seen),
                                    );
                                }
                                held = Some((round_start, at, crc, recs));
                            } else {
                                apply(
                                    &mut index,
                                    recs,
                                    &mut erase_list,
                                    &mut max_seq,
                                    Some(&mut seen),
                                );
                            }
                            round_start = end;
                            good_end = end;
                        } else {
                            round.push(rec);
                        }
                        at = end;
                    }
                    Err(e) => {
                        if !last || tail_start.is_some_and(|s| at < s) {
                            return Err(e);
                        }
                        failed = true;
                        break;
                    }
                }
            }
            if !last && good_end != len {
                return Err(StoreError::Corrupt("log segment ends inside a round"));
            }
            drop(r);
            if last {
                let mut keep_until = good_end;
                if let Some((start, end, want, recs)) = held {
                    // Only the round the file ends with can be torn; one followed by a torn
                    // round was durable before that was written.
                    let mut bytes = vec![0u8; (end - start) as usize];
                    if !failed && good_end == len {
                        file.read_exact_at(&mut bytes, start)?;
                    }
                    if failed || good_end != len || crc(&[&bytes]) == want {
                        apply(
                            &mut index,
                            recs,
                            &mut erase_list,
                            &mut max_seq,
                            Some(&mut seen),
                        );
                    } else {
                        // Torn: never durable, so never answered or listed; its seqs may be
                        // handed out again.
                        keep_until = start;
                    }
                }
                if keep_until != len {
                    file.set_len(keep_until)?;
                    file.sync_all()?;
                }
            }
        }
        // Recount: `insert` counted only segments already in the map.
        for s in index.segs.values_mut() {
            s.envelopes = 0;
        }
        let segs_of: Vec<u32> = index.envs.values().map(|e| e.seg).collect();
        for seg in segs_of {
            if let Some(s) = index.segs.get_mut(&seg) {
                s.envelopes += 1;
            }
        }
        for (seg, at, len) in erase_list {
            if let Some(s) = index.segs.get(&seg) {
                erase(&s.file, at, len)?;
            }
        }
        let (seg, file, len) = match index.segs.iter().next_back() {
            Some((n, s)) => {
                // The newest segment's floor must cover every seq handed out so far: older
                // segments may all be removed before it gets a put (module doc).
                if read_header(&s.file).is_some_and(|f| f < max_seq) {
                    write_floor(&s.file, max_seq)?;
                }
                (*n, s.file.clone(), s.file.metadata()?.len())
            }
            None => {
                let file = Arc::new(create_segment(dir, 1, max_seq)?);
                index.segs.insert(
                    1,
                    Segment {
                        file: file.clone(),
                        envelopes: 0,
                        max_seen: 0,
                    },
                );
                (1, file, SEGMENT_HEADER)
            }
        };
        for s in index.segs.values() {
            s.file.sync_all()?;
        }
        let bodies = index.envs.values().filter(|e| !e.delivered()).count();
        let log = EnvLog {
            dir: dir.to_path_buf(),
            segment_target,
            index: RwLock::new(index),
            writer: Mutex::new(Writer {
                seg,
                file,
                len,
                next_seq: max_seq + 1,
                scratch: Vec::new(),
                spare: None,
            }),
            durable_seq: AtomicU64::new(max_seq),
            seen: Mutex::new(Seen {
                set: seen,
                pending: Vec::new(),
            }),
            seen_cutoff: AtomicU64::new(0),
            bodies: AtomicUsize::new(bodies),
            poisoned: AtomicBool::new(false),
        };
        log.drop_dead_segments()?;
        Ok(log)
    }

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

    /// Writes the records of one round (not durable until [`EnvLog::sync`]). Only the
    /// group-commit thread calls this, one round at a time: write, sync, publish.
    pub fn write(&self, ops: Vec<Op>) -> Result<Pending> {
        if self.poisoned.load(Ordering::SeqCst) {
            return Err(StoreError::Poisoned);
        }
        let mut w = lock(&self.writer);
        let mut p = Pending {
            outcomes: Vec::with_capacity(ops.len()),
            changes: Vec::new(),
            last_seq: 0,
            wrote: false,
        };
        // What this round changes, for ops later in the same round.
        let mut fresh: HashMap<[u8; 32], EnvelopeMeta> = HashMap::new();
        let mut new_bodies = 0usize;
        let mut acked_here: HashMap<[u8; 32], Vec<[u8; 16]>> = HashMap::new();
        let mut deleted_here: Vec<[u8; 32]> = Vec::new();
        let mut bodies: Vec<(usize, Vec<u8>)> = Vec::new();
        let mut buf = std::mem::take(&mut w.scratch);
        buf.clear();
        // Signatures accepted before this round's requests were queued: a write's own
        // signature is durable with it.
        let seen = std::mem::take(&mut lock(&self.seen).pending);
        if !seen.is_empty() {
            let mut f = Vec::with_capacity(4 + 24 * seen.len());
            f.extend_from_slice(&(seen.len() as u32).to_be_bytes());
            for (ts, d) in &seen {
                f.extend_from_slice(&ts.to_be_bytes());
                f.extend_from_slice(d);
            }
            record(&mut buf, SEEN, &f);
            p.changes.push(Rec::Seen {
                seg: w.seg,
                entries: seen,
            });
        }
        {
            let index = self.read();
            for op in ops {
                match op {
                    Op::Put(e) => {
                        if let Some(env) = index.envs.get(&e.id) {
                            if !deleted_here.contains(&e.id) {
                                p.outcomes.push(Outcome::Put(env.meta.clone(), false));
                                continue;
                            }
                        }
                        if let Some(m) = fresh.get(&e.id) {
                            p.outcomes.push(Outcome::Put(m.clone(), false));
                            continue;
                        }
                        let seq = w.next_seq;
                        w.next_seq += 1;
                        record(&mut buf, PUT, &put_fields(seq, &e));
                        let body_at = w.len + buf.len() as u64;
                        let meta = EnvelopeMeta {
                            seq,
                            size: e.body.len() as u64,
                            received_at_ms: e.receipt.received_at_ms,
                            recipients: e.recipients.iter().map(hex::encode).collect(),
                            acked: Vec::new(),
                            delivered: false,
                            receipt: e.receipt,
                        };
                        p.outcomes.push(Outcome::Put(meta.clone(), true));
                        fresh.insert(e.id, meta.clone());
                        new_bodies += 1;
                        p.changes.push(Rec::Put {
                            env: Env {
                                id: e.id,
                                meta,
                                kids: e.recipients,
                                acked: Vec::new(),
                                seg: w.seg,
                                body_at,
                            },
                        });
                        p.last_seq = seq;
                        if e.body.len() <= 64 * 1024 {
                            buf.extend_from_slice(&e.body);
                        } else {
                            // Large bodies are written straight from their buffer.
                            bodies.push((buf.len(), e.body));
                        }
                    }
                    Op::Ack { id, kids } => {
                        let outcome = match index.envs.get(&id) {
                            Some(env) if !deleted_here.contains(&id) => {
                                let mine: Vec<[u8; 16]> = env
                                    .kids
                                    .iter()
                                    .filter(|k| kids.contains(k))
                                    .copied()
                                    .collect();
                                if mine.is_empty() {
                                    AckOutcome::NotFound
                                } else if env.delivered() {
                                    AckOutcome::Acked { deleted: true }
                                } else {
                                    let so_far = acked_here.entry(id).or_default();
                                    let new: Vec<[u8; 16]> = mine
                                        .iter()
                                        .filter(|k| !env.acked.contains(k) && !so_far.contains(k))
                                        .copied()
                                        .collect();
                                    so_far.extend_from_slice(&new);
                                    let all = env
                                        .kids
                                        .iter()
                                        .all(|k| env.acked.contains(k) || so_far.contains(k));
                                    if !new.is_empty() {
                                        record(&mut buf, ACK, &kids_fields(&id, &new));
                                        p.changes.push(Rec::Ack { id, kids: new });
                                    }
                                    AckOutcome::Acked { deleted: all }
                                }
                            }
                            _ => AckOutcome::NotFound,
                        };
                        p.outcomes.push(Outcome::Ack(outcome));
                    }
                    Op::Delete { id } => {
                        let there = index.envs.contains_key(&id) && !deleted_here.contains(&id);
                        if there {
                            record(&mut buf, DELETE, &id);
                            deleted_here.push(id);
                            fresh.remove(&id);
                            p.changes.push(Rec::Delete { id });
                        }
                        p.outcomes.push(Outcome::Delete(there));
                    }
                }
            }
        }
        if buf.is_empty() && bodies.is_empty() {
            w.scratch = buf;
            return Ok(p);
        }
        let result = self.append(&mut w, &buf, &bodies);
        w.scratch = buf;
        if let Err(e) = result {
            self.poisoned.store(true, Ordering::SeqCst);
            return Err(e);
        }
        self.bodies.fetch_add(new_bodies, Ordering::SeqCst);
        p.wrote = true;
        Ok(p)
    }

    /// Writes the round's bytes (headers and small bodies in `buf`, the large bodies spliced
    /// in at their offsets) and its round end.
    fn append(&self, w: &mut Writer, buf: &[u8], bodies: &[(usize, Vec<u8>)]) -> Result<()> {
        let mut c = crc32fast::Hasher::new();
        let mut at = w.len;
        let mut from = 0usize;
        for (split, body) in bodies {
            w.file.write_all_at(&buf[from..*split], at)?;
            c.update(&buf[from..*split]);
            at += (*split - from) as u64;
            w.file.write_all_at(body, at)?;
            c.update(body);
            at += body.len() as u64;
            from = *split;
        }
        let mut tail = buf[from..].to_vec();
        c.update(&tail);
        let mut end = [0u8; 12];
        end[..4].copy_from_slice(&c.finalize().to_be_bytes());
        end[4..].copy_from_slice(&w.len.to_be_bytes());
        record(&mut tail, ROUND_END, &end);
        w.file.write_all_at(&tail, at)?;
        at += tail.len() as u64;
        w.len = at;
        Ok(())
    }

    /// Makes the written rounds durable (`fdatasync` of the segment being written).
    pub fn sync(&self) -> Result<()> {
        if self.poisoned.load(Ordering::SeqCst) {
            return Err(StoreError::Poisoned);
        }
        let file = lock(&self.writer).file.clone();
        if let Err(e) = file.sync_data() {
            // After a failed fsync the kernel may have dropped the dirty pages: nothing
            // later can vouch for them (store.rs, invariant 4).
            self.poisoned.store(true, Ordering::SeqCst);
            return Err(e.into());
        }
        Ok(())
    }

    /// After the round's sync: publishes it in the index, erases the bodies it deleted,
    /// removes segments with nothing left, and starts a new segment if this one is full.
    pub fn publish(&self, p: &mut Pending) -> Result<()> {
        if !p.wrote {
            return Ok(());
        }
        let mut erase_list = Vec::new();
        let mut max_seq = 0;
        apply(
            &mut self.write_index(),
            std::mem::take(&mut p.changes),
            &mut erase_list,
            &mut max_seq,
            None,
        );
        if p.last_seq > 0 {
            self.durable_seq.fetch_max(p.last_seq, Ordering::SeqCst);
        }
        self.bodies.fetch_sub(erase_list.len(), Ordering::SeqCst);
        for (seg, at, len) in erase_list {
            let file = self.read().segs.get(&seg).map(|s| s.file.clone());
            if let Some(f) = file {
                if let Err(e) = erase(&f, at, len) {
                    // The envelope is deleted (durably); only its bytes linger until the
                    // segment goes.
                    tracing::warn!(error = %e, "could not erase a deleted envelope's bytes");
                }
            }
        }
        self.drop_dead_segments()?;
        self.roll_if_full()
    }

    /// Starts making the next segment once this one is three quarters full, and switches to
    /// it once this one is full. Its seq floor is rewritten (and synced) at the switch, since
    /// seqs were handed out after it was made.
    fn roll_if_full(&self) -> Result<()> {
        let mut w = lock(&self.writer);
        let n = w.seg + 1;
        if w.spare.is_none() && w.len >= self.segment_target / 4 * 3 {
            let (dir, floor) = (self.dir.clone(), w.next_seq - 1);
            w.spare = std::thread::Builder::new()
                .name("regio-segment".into())
                .spawn(move || create_segment(&dir, n, floor))
                .ok();
        }
        if w.len < self.segment_target {
            return Ok(());
        }
        let made = match w.spare.take() {
            Some(job) => job
                .join()
                .unwrap_or(Err(StoreError::Corrupt("segment thread panicked"))),
            None => create_segment(&self.dir, n, w.next_seq - 1),
        };
        let file = match made.and_then(|f| {
            write_floor(&f, w.next_seq - 1)?;
            Ok(f)
        }) {
            Ok(f) => Arc::new(f),
            Err(e) => {
                self.poisoned.store(true, Ordering::SeqCst);
                return Err(e);
            }
        };
        self.write_index().segs.insert(
            n,
            Segment {
                file: file.clone(),
                envelopes: 0,
                max_seen: 0,
            },
        );
        w.seg = n;
        w.file = file;
        w.len = SEGMENT_HEADER;
        Ok(())
    }

    /// Records an accepted request signature; `false` if it was recorded before (a replay).
    /// Durable with the next round: the one of the request itself for a write, the one a read
    /// waits for before it answers, else the next write's or, with nothing queued, one the
    /// group commit runs after [`SEEN_FLUSH`].
    pub fn note_seen(&self, timestamp_s: u64, signature: &[u8]) -> bool {
        let mut d = [0u8; 16];
        d.copy_from_slice(&blake3::hash(signature).as_bytes()[..16]);
        let mut seen = lock(&self.seen);
        if !seen.set.insert((timestamp_s, d)) {
            return false;
        }
        seen.pending.push((timestamp_s, d));
        true
    }

    /// Whether accepted signatures wait to be written.
    /// For tests: what a failed write or sync leaves.
    #[cfg(test)]
    pub(crate) fn poison(&self) {
        self.poisoned.store(true, Ordering::SeqCst);
    }

    pub fn seen_pending(&self) -> bool {
        if self.poisoned.load(Ordering::SeqCst) {
            return false;
        }
        !lock(&self.seen).pending.is_empty()
    }

    /// Forgets signatures with a timestamp before `cutoff_s` (stale, so refused anyway) and
    /// removes segments that held only them; how many were forgotten.
    pub fn forget_seen(&self, cutoff_s: u64) -> Result<usize> {
        self.seen_cutoff.fetch_max(cutoff_s, Ordering::SeqCst);
        let n = {
            let mut seen = lock(&self.seen);
            let before = seen.set.len();
            seen.set.retain(|(ts, _)| *ts >= cutoff_s);
            before - seen.set.len()
        };
        self.drop_dead_segments()?;
        Ok(n)
    }

    /// Removes the oldest segments while they hold no envelope and no signature that may
    /// still be replayed (never the newest).
    fn drop_dead_segments(&self) -> Result<()> {
        let mut removed = false;
        loop {
            let mut index = self.write_index();
            let newest = index.segs.keys().next_back().copied();
            let Some((&n, s)) = index.segs.iter().next() else {
                break;
            };
            let cutoff = self.seen_cutoff.load(Ordering::SeqCst);
            if Some(n) == newest || s.envelopes > 0 || (s.max_seen > 0 && s.max_seen >= cutoff) {
                break;
            }
            index.segs.remove(&n);
            drop(index);
            match std::fs::remove_file(seg_path(&self.dir, n)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
            removed = true;
        }
        if removed {
            sync_dir(&self.dir)?;
        }
        Ok(())
    }

    /// Waits for a spare segment being made (so that nothing writes to the directory after
    /// the log is closed).
    fn finish_spare(&self) {
        if let Some(job) = lock(&self.writer).spare.take() {
            let _ = job.join();
        }
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

#[cfg(test)]
mod tests {
    //! The log against a model (a `BTreeMap`), with reopens and crashes in between; torn
    //! tails cut at every length; erasure of delivered bodies.
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, BTreeSet};

    const KIDS: [[u8; 16]; 3] = [[1; 16], [2; 16], [3; 16]];

    fn body_of(n: u8, len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| n ^ (i as u8).wrapping_mul(7) | 0x80)
            .collect()
    }

    fn new_env(n: u8, kids: &[[u8; 16]], len: usize, at_ms: i64) -> NewEnvelope {
        let body = body_of(n, len);
        let id = *blake3::hash(&body).as_bytes();
        NewEnvelope {
            id,
            recipients: kids.to_vec(),
            receipt: Receipt {
                version: 1,
                id: hex::encode(id),
                size: body.len() as u64,
                received_at_ms: at_ms,
                uploader: "00".repeat(16),
                recipients: kids.iter().map(hex::encode).collect(),
                endpoint_key: "11".repeat(32),
                signature: "22".repeat(64),
            },
            body,
        }
    }

    /// One round: write, sync, publish.
    fn round(log: &EnvLog, ops: Vec<Op>) -> Vec<Outcome> {
        let mut p = log.write(ops).unwrap();
        log.sync().unwrap();
        log.publish(&mut p).unwrap();
        p.outcomes()
    }

    #[derive(Debug, Clone)]
    enum Step {
        /// Envelope `n` (of 6) to the recipients in the mask, body of that length.
        Put(u8, u8, usize),
        Ack(u8, u8),
        Delete(u8),
        Reopen,
        /// Written but not synced, then the process dies and the file loses the tail of
        /// the round from byte `cut` (in per-mille of the round) on.
        Crash(u8, u16),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            4 => (0u8..6, 1u8..8, 0usize..3000).prop_map(|(n, m, l)| Step::Put(n, m, l)),
            3 => (0u8..6, 0u8..3).prop_map(|(n, k)| Step::Ack(n, k)),
            1 => (0u8..6).prop_map(Step::Delete),
            1 => Just(Step::Reopen),
            1 => (0u8..6, 0u16..1001).prop_map(|(n, c)| Step::Crash(n, c)),
        ]
    }

    #[derive(Debug, Clone)]
    struct Model {
        seq: u64,
        kids: Vec<[u8; 16]>,
        acked: BTreeSet<[u8; 16]>,
        body: Vec<u8>,
    }

    fn check(log: &EnvLog, model: &BTreeMap<[u8; 32], Model>) {
        for kid in KIDS {
            let (got, _, _) = log.inbox(&[kid], 0, 1000);
            let got: Vec<String> = got.into_iter().map(|m| m.receipt.id).collect();
            let mut want: Vec<(u64, String)> = model
                .iter()
                .filter(|(_, m)| {
                    m.kids.contains(&kid)
                        && !m.acked.contains(&kid)
                        && !m.kids.iter().all(|k| m.acked.contains(k))
                })
                .map(|(id, m)| (m.seq, hex::encode(id)))
                .collect();
            want.sort();
            let want: Vec<String> = want.into_iter().map(|w| w.1).collect();
            assert_eq!(got, want, "inbox of {kid:?}");
        }
        let mut held = 0;
        for (id, m) in model {
            let meta = log
                .meta(id)
                .expect("envelope in the model but not in the log");
            assert_eq!(meta.seq, m.seq);
            let delivered = m.kids.iter().all(|k| m.acked.contains(k));
            assert_eq!(meta.delivered, delivered);
            if delivered {
                assert_eq!(log.body(id).unwrap(), None);
            } else {
                held += 1;
                assert_eq!(log.body(id).unwrap().as_deref(), Some(&m.body[..]));
            }
        }
        assert_eq!(log.body_count(), held);
        assert_eq!(log.read().envs.len(), model.len());
    }

    fn run(steps: Vec<Step>) {
        let dir = tempfile::tempdir().unwrap();
        // Tiny segments: rounds roll over to new files all the time.
        let target = 4096;
        let mut log = EnvLog::open(dir.path(), target).unwrap();
        let mut model: BTreeMap<[u8; 32], Model> = BTreeMap::new();
        // Every seq ever handed out and published: a new one must be above all of them.
        let mut max_published = 0u64;
        let mut t = 0i64;
        for s in steps {
            t += 1;
            match s {
                Step::Put(n, mask, len) => {
                    let kids: Vec<[u8; 16]> = (0..3)
                        .filter(|i| mask & (1 << i) != 0)
                        .map(|i| KIDS[i])
                        .collect();
                    let e = new_env(n, &kids, len, t);
                    let id = e.id;
                    let out = round(&log, vec![Op::Put(e)]);
                    let Outcome::Put(meta, new) = &out[0] else {
                        panic!()
                    };
                    assert_eq!(*new, !model.contains_key(&id));
                    if *new {
                        assert!(meta.seq > max_published, "seq {} reused", meta.seq);
                        max_published = meta.seq;
                        model.insert(
                            id,
                            Model {
                                seq: meta.seq,
                                kids,
                                acked: BTreeSet::new(),
                                body: body_of(n, len),
                            },
                        );
                    } else {
                        assert_eq!(meta.seq, model[&id].seq);
                    }
                }
                Step::Ack(n, k) => {
                    let id = model.keys().nth(n as usize % model.len().max(1)).copied();
                    let Some(id) = id else { continue };
                    let out = round(
                        &log,
                        vec![Op::Ack {
                            id,
                            kids: vec![KIDS[k as usize]],
                        }],
                    );
                    let m = model.get_mut(&id).unwrap();
                    let Outcome::Ack(a) = out[0] else { panic!() };
                    if m.kids.contains(&KIDS[k as usize]) {
                        m.acked.insert(KIDS[k as usize]);
                        let all = m.kids.iter().all(|k| m.acked.contains(k));
                        assert_eq!(a, AckOutcome::Acked { deleted: all });
                    } else {
                        assert_eq!(a, AckOutcome::NotFound);
                    }
                }
                Step::Delete(n) => {
                    let id = model.keys().nth(n as usize % model.len().max(1)).copied();
                    let Some(id) = id else { continue };
                    let out = round(&log, vec![Op::Delete { id }]);
                    assert!(matches!(out[0], Outcome::Delete(true)));
                    model.remove(&id);
                }
                Step::Reopen => {
                    drop(log);
                    log = EnvLog::open(dir.path(), target).unwrap();
                }
                Step::Crash(n, cut) => {
                    let e = new_env(n.wrapping_add(100), &KIDS[..1], 500, t);
                    let before = {
                        let w = lock(&log.writer);
                        (w.seg, w.len)
                    };
                    let _ = log.write(vec![Op::Put(e)]).unwrap();
                    let (seg, after) = {
                        let w = lock(&log.writer);
                        (w.seg, w.len)
                    };
                    assert_eq!(seg, before.0);
                    drop(log);
                    let keep = before.1 + (after - before.1) * cut as u64 / 1000;
                    let f = OpenOptions::new()
                        .write(true)
                        .open(seg_path(dir.path(), seg))
                        .unwrap();
                    f.set_len(keep).unwrap();
                    drop(f);
                    log = EnvLog::open(dir.path(), target).unwrap();
                    if keep == after {
                        // The whole round reached the disk: it counts, as after a sync.
                        let id = *blake3::hash(&body_of(n.wrapping_add(100), 500)).as_bytes();
                        if let Some(meta) = log.meta(&id) {
                            max_published = max_published.max(meta.seq);
                            model.entry(id).or_insert(Model {
                                seq: meta.seq,
                                kids: KIDS[..1].to_vec(),
                                acked: BTreeSet::new(),
                                body: body_of(n.wrapping_add(100), 500),
                            });
                        }
                    }
                }
            }
            check(&log, &model);
        }
        // Whatever was deleted: at most the segments holding live envelopes, plus the newest.
        let live: BTreeSet<u32> = log.read().envs.values().map(|e| e.seg).collect();
        let oldest_live = live.iter().next().copied();
        for n in log.read().segs.keys() {
            if let Some(o) = oldest_live {
                assert!(
                    *n >= o,
                    "segment {n} older than every live envelope is still there"
                );
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
        #[test]
        fn the_log_behaves_like_a_map_across_reopens_and_crashes(
            steps in proptest::collection::vec(step(), 1..60)
        ) {
            run(steps);
        }
    }

    #[test]
    fn a_torn_last_round_is_cut_at_every_length() {
        let dir = tempfile::tempdir().unwrap();
        let log = EnvLog::open(dir.path(), SEGMENT_TARGET).unwrap();
        let a = new_env(1, &KIDS[..2], 700, 1);
        let a_id = a.id;
        round(&log, vec![Op::Put(a)]);
        let start = lock(&log.writer).len;
        let b = new_env(2, &KIDS[..1], 900, 2);
        let b_id = b.id;
        let _ = log.write(vec![
            Op::Put(b),
            Op::Ack {
                id: a_id,
                kids: vec![KIDS[0]],
            },
        ]);
        let end = lock(&log.writer).len;
        drop(log);
        let path = seg_path(dir.path(), 1);
        let full = std::fs::read(&path).unwrap();
        for keep in start..=end {
            std::fs::write(&path, &full[..keep as usize]).unwrap();
            let log = EnvLog::open(dir.path(), SEGMENT_TARGET).unwrap();
            assert_eq!(log.meta(&a_id).map(|m| m.seq), Some(1), "cut at {keep}");
            let complete = keep == end;
            assert_eq!(log.meta(&b_id).is_some(), complete, "cut at {keep}");
            let (inbox, _, _) = log.inbox(&[KIDS[0]], 0, 10);
            // The ack of `a` by KIDS[0] was in the torn round too.
            let want = if complete { b_id } else { a_id };
            let ids: Vec<String> = inbox.into_iter().map(|m| m.receipt.id).collect();
            assert_eq!(ids, vec![hex::encode(want)], "cut at {keep}");
            assert_eq!(log.durable_seq(), if complete { 2 } else { 1 });
            // The torn bytes are gone from the file, so the next round starts clean.
            let len = std::fs::metadata(&path).unwrap().len();
            assert_eq!(len, if complete { end } else { start }, "cut at {keep}");
        }
    }

    #[test]
    fn a_flipped_byte_in_the_last_round_drops_it_and_elsewhere_refuses_to_open() {
        let dir = tempfile::tempdir().unwrap();
        let log = EnvLog::open(dir.path(), SEGMENT_TARGET).unwrap();
        let a = new_env(1, &KIDS[..1], 300, 1);
        let a_id = a.id;
        round(&log, vec![Op::Put(a)]);
        let start = lock(&log.writer).len;
        let b = new_env(2, &KIDS[..1], 300, 2);
        let b_id = b.id;
        round(&log, vec![Op::Put(b)]);
        let end = lock(&log.writer).len;
        let a_body = log.read().envs[&a_id].body_at;
        let a_body = a_body..a_body + 300;
        drop(log);
        let path = seg_path(dir.path(), 1);
        let full = std::fs::read(&path).unwrap();
        for at in (SEGMENT_HEADER..end).step_by(7) {
            let mut bytes = full.clone();
            bytes[at as usize] ^= 0x40;
            std::fs::write(&path, &bytes).unwrap();
            match EnvLog::open(dir.path(), SEGMENT_TARGET) {
                Ok(log) if a_body.contains(&at) => {
                    // A body has no checksum of its own in the log: it is checked against its
                    // id when it is read, and never served damaged.
                    assert!(matches!(log.body(&a_id), Err(StoreError::Corrupt(_))));
                    assert!(log.meta(&b_id).is_some());
                }
                Ok(log) => {
                    // Only the last round may be dropped, and only if the flip was in it.
                    assert!(at >= start, "flip at {at} in an earlier round was accepted");
                    assert!(log.meta(&a_id).is_some());
                    assert!(log.meta(&b_id).is_none(), "flip at {at} not noticed");
                }
                Err(e) => {
                    assert!(at < start, "flip at {at} in the last round refused: {e}");
                    assert!(matches!(e, StoreError::Corrupt(_)), "{e}");
                }
            }
        }
    }

    #[test]
    fn delivered_and_swept_bodies_leave_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let log = EnvLog::open(dir.path(), SEGMENT_TARGET).unwrap();
        let a = new_env(1, &KIDS[..2], 20_000, 1);
        let b = new_env(2, &KIDS[..1], 9_000, 2);
        let (a_id, b_id) = (a.id, b.id);
        let (a_body, b_body) = (a.body.clone(), b.body.clone());
        round(&log, vec![Op::Put(a), Op::Put(b)]);
        let file = seg_path(dir.path(), 1);
        let has = |needle: &[u8]| {
            std::fs::read(&file)
                .unwrap()
                .windows(64)
                .any(|w| w == &needle[5000..5064])
        };
        assert!(has(&a_body) && has(&b_body));
        round(
            &log,
            vec![Op::Ack {
                id: a_id,
                kids: vec![KIDS[0]],
            }],
        );
        assert!(has(&a_body), "one of two recipients acked: the body stays");
        round(
            &log,
            vec![Op::Ack {
                id: a_id,
                kids: vec![KIDS[1]],
            }],
        );
        assert!(!has(&a_body), "delivered: the body must be gone");
        round(&log, vec![Op::Delete { id: b_id }]);
        assert!(!has(&b_body), "swept: the body must be gone");
        // The receipt record of the delivered one stays (a repeated upload gets it back).
        drop(log);
        let log = EnvLog::open(dir.path(), SEGMENT_TARGET).unwrap();
        assert!(log.meta(&a_id).unwrap().delivered);
        assert_eq!(log.body(&a_id).unwrap(), None);
        assert!(log.meta(&b_id).is_none());
    }

    #[test]
    fn swept_segments_are_removed_and_seqs_never_go_back() {
        let dir = tempfile::tempdir().unwrap();
        let log = EnvLog::open(dir.path(), 1024).unwrap();
        let mut ids = Vec::new();
        for n in 0..10 {
            let e = new_env(n, &KIDS[..1], 2000, n as i64);
            ids.push(e.id);
            round(&log, vec![Op::Put(e)]);
        }
        assert!(log.segment_count() >= 10);
        for id in &ids {
            round(&log, vec![Op::Delete { id: *id }]);
        }
        assert_eq!(log.segment_count(), 1, "only the newest segment stays");
        drop(log);
        let log = EnvLog::open(dir.path(), 1024).unwrap();
        assert_eq!(log.durable_seq(), 10);
        let out = round(&log, vec![Op::Put(new_env(50, &KIDS[..1], 10, 99))]);
        let Outcome::Put(meta, true) = &out[0] else {
            panic!()
        };
        assert_eq!(
            meta.seq, 11,
            "the seq counter went back after its segments were removed"
        );
    }

    #[test]
    fn seen_signatures_survive_a_reopen_and_hold_their_segment_until_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let log = EnvLog::open(dir.path(), 1024).unwrap();
        assert!(log.note_seen(1000, &[7; 64]));
        assert!(!log.note_seen(1000, &[7; 64]), "a replay must be refused");
        assert!(
            log.note_seen(1000, &[8; 64]),
            "another signature is not a replay"
        );
        assert!(log.seen_pending());
        // A round with no ops writes them (the commit thread runs one when idle).
        round(&log, Vec::new());
        assert!(!log.seen_pending());
        // Fill a few segments, so the one with the signatures is no longer the newest.
        let mut ids = Vec::new();
        for n in 0..4 {
            let e = new_env(n, &KIDS[..1], 2000, 5);
            ids.push(e.id);
            round(&log, vec![Op::Put(e)]);
        }
        for id in &ids {
            round(&log, vec![Op::Delete { id: *id }]);
        }
        assert!(
            log.segment_count() >= 2,
            "the segment with the signatures must stay"
        );
        drop(log);

        let log = EnvLog::open(dir.path(), 1024).unwrap();
        assert!(
            !log.note_seen(1000, &[7; 64]),
            "replay accepted after a reopen"
        );
        assert!(
            !log.note_seen(1000, &[8; 64]),
            "replay accepted after a reopen"
        );
        // Not yet past their time: forgetting older ones keeps them and their segment.
        assert_eq!(log.forget_seen(1000).unwrap(), 0);
        assert!(log.segment_count() >= 2);
        assert_eq!(log.forget_seen(1001).unwrap(), 2);
        assert_eq!(log.segment_count(), 1);
        // Forgotten means stale: the freshness check refuses them from then on.
        drop(log);
        let log = EnvLog::open(dir.path(), 1024).unwrap();
        assert!(
            log.note_seen(1000, &[7; 64]),
            "the segment was removed, the signature is gone"
        );
    }

    #[test]
    fn a_spare_segment_after_a_torn_round_does_not_make_it_corruption() {
        // Regression: with the next segment made ahead of time, the segment being written is
        // no longer the newest file; its torn last round must still be cut, not refused.
        let dir = tempfile::tempdir().unwrap();
        let log = EnvLog::open(dir.path(), 4096).unwrap();
        let a = new_env(1, &KIDS[..1], 3200, 1);
        let a_id = a.id;
        round(&log, vec![Op::Put(a)]);
        log.finish_spare();
        assert!(seg_path(dir.path(), 2).exists(), "the spare was not made");
        let start = lock(&log.writer).len;
        let b = new_env(2, &KIDS[..1], 300, 2);
        let b_id = b.id;
        let _ = log.write(vec![Op::Put(b)]).unwrap();
        let end = lock(&log.writer).len;
        drop(log);
        let f = OpenOptions::new()
            .write(true)
            .open(seg_path(dir.path(), 1))
            .unwrap();
        f.set_len(start + (end - start) / 2).unwrap();
        drop(f);
        let log = EnvLog::open(dir.path(), 4096).unwrap();
        assert!(log.meta(&a_id).is_some());
        assert!(log.meta(&b_id).is_none());
        assert_eq!(log.durable_seq(), 1);
        // The spare is the segment written to from now on, and its floor covers seq 1.
        let out = round(&log, vec![Op::Put(new_env(3, &KIDS[..1], 10, 3))]);
        let Outcome::Put(meta, true) = &out[0] else {
            panic!()
        };
        assert_eq!(meta.seq, 2);
        assert_eq!(lock(&log.writer).seg, 2);
        let floor = read_header(
            &OpenOptions::new()
                .read(true)
                .open(seg_path(dir.path(), 2))
                .unwrap(),
        );
        assert_eq!(floor, Some(1));
    }
}
