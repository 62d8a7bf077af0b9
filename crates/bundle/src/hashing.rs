//! The digest pass, spread over threads and overlapped with the cipher pass (format §7).
//!
//! BLAKE3 is a tree hash: the bytes are cut into 1 KiB chunks, and every aligned power-of-two
//! block of chunks that lies wholly inside the input is a subtree whose *chaining value* depends
//! only on its bytes and its offset. So the digest need not be fed to one hasher in order. The
//! stream that is hashed (header, ciphertext chunks, end marker: the signed prefix) is cut into
//! aligned *segments* of [`SEGMENT`] bytes; a segment can be hashed by any thread, in any order,
//! as soon as all its bytes have been submitted, and its chaining value is merged with its
//! sibling's as soon as both are known. At the end [`Tree::root`] rebuilds the root with the
//! same recursion BLAKE3 itself uses (`left_subtree_len` splits): complete segments give their
//! chaining values, the bytes after the last complete segment are hashed then. It does so twice:
//! for the signed digest `D` (the prefix) and for the id (prefix and signature), sharing every
//! node the two trees have in common. Both equal `blake3::hash` of the same bytes (tested
//! against it below, and by the test vectors).
//!
//! The calling thread reads, encrypts or decrypts, and writes batches of four chunks, and submits
//! each finished batch (ciphertext, in bundle order) as the next payload bytes. Helper threads,
//! started once per process, hash the segments that have become complete; the calling thread
//! hashes segments too whenever it runs out of buffers, and at the end joins the helpers until
//! every segment is done. So on an idle machine both cores hash while one also encrypts, and on
//! a busy one the calling thread never sleeps waiting for a helper that cannot get a core: it
//! hashes the backlog itself (it spins for at most [`SPIN`] before it sleeps on a helper, since
//! a wake-up costs tens of µs on this machine). A helper that has finished a bundle looks for
//! the next one for [`HELPER_SPIN`] before it sleeps; when opening ([`Hashing::watch`]), one
//! with nothing to do in a bundle likewise watches the [`Shared::news`] counter first.
//! Only bytes cross threads, so neither the reader nor the writer needs to be `Send`.
//!
//! The header's *length* is known up front, its bytes need not be: sealing hands the header
//! (one X25519 agreement per recipient) to a helper as a [`Task`] and encrypts meanwhile. Payload
//! bytes are placed at their stream offsets from the start; only the segments that touch the
//! header wait for [`Hashing::set_header`]. (The seal side writes nothing before the header, so
//! it keeps up to two finished batches until the header is there.)
//!
//! Batch buffers are kept per calling thread after a *successful* seal or open (at most
//! `MAX_BUFS`, ≈ 2 MiB; they then hold only ciphertext), because allocating and faulting in
//! fresh buffers for every bundle costs more than hashing a small one. After an error they are
//! dropped, since they may hold plaintext that was read but not yet sealed.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::Builder;
use std::time::{Duration, Instant};

use blake3::hazmat::{
    left_subtree_len, merge_subtrees_non_root, merge_subtrees_root, ChainingValue, HasherExt, Mode,
};
use blake3::Hasher;

use crate::{Error, CHUNK_CT, TRAILER_LEN};

/// Ciphertext chunks per batch: small enough that a 1 MiB bundle is already four batches, so
/// the digest overlaps the cipher from there on.
pub(crate) const BATCH_CHUNKS: usize = 4;
/// Bytes of ciphertext chunks per batch.
pub(crate) const BATCH_LEN: usize = BATCH_CHUNKS * CHUNK_CT;
/// Where chunk `j` of a batch starts in a sealing buffer, counted from its first 64-byte aligned
/// byte. ring's AES-GCM took 9.3 µs per 64 KiB on 64-byte aligned data here and, depending on
/// the run, 9.6–17 µs at other offsets; aligning costs nothing but the gaps between chunks.
pub(crate) const STRIDE: usize = CHUNK_CT.next_multiple_of(64);
/// A batch buffer: when opening, one batch plus room for the trailer and one byte of look-ahead;
/// when sealing, four strides (the last chunk leaves room for the end marker) and up to 63
/// bytes to reach alignment.
pub(crate) const BUF_LEN: usize = max(BATCH_LEN + TRAILER_LEN + 1, BATCH_CHUNKS * STRIDE + 64);

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// The offset of the first 64-byte aligned byte of `buf`.
pub(crate) fn aligned_base(buf: &[u8]) -> usize {
    (64 - buf.as_ptr() as usize % 64) % 64
}
/// At most this many batch buffers exist per seal/open (≈ 2 MiB).
const MAX_BUFS: usize = 8;
/// When the caller runs out of buffers it sleeps until this many are free again, so that it
/// and the helper wake each other once per few batches rather than for every batch (each
/// wake-up invites the scheduler to put both threads on one core).
const REFILL: usize = MAX_BUFS / 2;
/// Bytes per segment of the digest stream: a power of two, at least one BLAKE3 chunk (1 KiB).
/// Small enough to spread a 1 MiB bundle over both cores, large enough for BLAKE3's SIMD.
pub(crate) const SEGMENT: u64 = 64 * 1024;
const B3_CHUNK: u64 = blake3::CHUNK_LEN as u64;
/// How long the calling thread spins before it sleeps waiting for a helper.
const SPIN: Duration = Duration::from_micros(50);

/// Work handed to a helper before the digest: it makes the header bytes.
pub(crate) type Task = Box<dyn FnOnce() -> Result<Vec<u8>, Error> + Send>;

thread_local! {
    static CACHE: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

fn cached() -> Option<Vec<u8>> {
    CACHE.try_with(|c| c.borrow_mut().pop()).ok().flatten()
}

fn keep(bufs: impl IntoIterator<Item = Vec<u8>>) {
    let _ = CACHE.try_with(|c| {
        let mut c = c.borrow_mut();
        for b in bufs {
            if c.len() < MAX_BUFS && b.len() == BUF_LEN {
                c.push(b);
            }
        }
    });
}

/// The helper threads: started once per process, they wait for a bundle's shared state and
/// work on it until that bundle is done. One fewer than the cores (at least one, at most four);
/// with more bundles in flight than helpers, the extra ones are hashed by their callers.
fn helpers() -> Option<&'static (Sender<Arc<Shared>>, usize)> {
    static POOL: OnceLock<Option<(Sender<Arc<Shared>>, usize)>> = OnceLock::new();
    POOL.get_or_init(|| {
        let n = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .saturating_sub(1)
            .clamp(1, 4);
        let (tx, rx) = channel::<Arc<Shared>>();
        let rx = Arc::new(Mutex::new(rx));
        let mut started = 0;
        for i in 0..n {
            let rx = Arc::clone(&rx);
            let spawned = Builder::new()
                .name(format!("zicht-bundle-digest-{i}"))
                .spawn(move || loop {
                    let next = match rx.lock() {
                        Ok(r) => next_bundle(&r),
                        Err(_) => return,
                    };
                    match next {
                        Ok(shared) => shared.helper(),
                        Err(_) => return,
                    }
                });
            started += usize::from(spawned.is_ok());
        }
        (started > 0).then_some((tx, started))
    })
    .as_ref()
}

/// How long a helper that has finished a bundle keeps looking for the next one before it sleeps.
/// Waking a sleeping thread took 35–60 µs here (a tenth of a 1 MiB seal), so bundles sealed one
/// after the other are picked up at once; an idle process spends at most this much CPU per
/// bundle on it.
const HELPER_SPIN: Duration = Duration::from_micros(200);

/// How long a helper spins: [`HELPER_SPIN`], or not at all on a single core, where spinning
/// would only take time from the thread it waits for.
fn helper_spin() -> Duration {
    static SPIN_FOR: OnceLock<Duration> = OnceLock::new();
    *SPIN_FOR.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if cores > 1 {
            HELPER_SPIN
        } else {
            Duration::ZERO
        }
    })
}

/// The next bundle to work on: spins for up to [`helper_spin`], then sleeps.
fn next_bundle(
    rx: &std::sync::mpsc::Receiver<Arc<Shared>>,
) -> Result<Arc<Shared>, std::sync::mpsc::RecvError> {
    let t = Instant::now();
    while t.elapsed() < helper_spin() {
        match rx.try_recv() {
            Ok(s) => return Ok(s),
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                return Err(std::sync::mpsc::RecvError)
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => {
                for _ in 0..64 {
                    std::hint::spin_loop();
                }
            }
        }
    }
    rx.recv()
}

/// Submitted bytes: `buf[from..][..len]` is stream bytes `start ..`.
struct Part {
    start: u64,
    buf: Arc<Vec<u8>>,
    from: usize,
    len: usize,
}

impl Part {
    fn end(&self) -> u64 {
        self.start + self.len as u64
    }
}

/// One segment to hash: its index and where its bytes are (at most a few pieces).
struct Job {
    index: u64,
    pieces: Vec<(Arc<Vec<u8>>, usize, usize)>,
}

enum TaskState {
    None,
    Pending(Task),
    Running,
    Done(Result<Vec<u8>, Error>),
}

/// What the calling thread sleeps for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wait {
    Nothing,
    /// This many free buffers (or that the helpers have nothing left to do).
    Bufs(usize),
    /// All segments hashed.
    Idle,
    /// The task's result.
    Task,
}

struct State {
    /// Segment length (`SEGMENT`, or smaller in tests).
    seg: u64,
    /// Submitted parts not yet released, in stream order.
    parts: VecDeque<Part>,
    /// Released buffers still shared with another part or a job.
    limbo: Vec<Arc<Vec<u8>>>,
    /// Where the submitted payload ends (the header counts, even before it is submitted).
    end: u64,
    /// The header's length, and whether its bytes have been submitted; segments below
    /// `hdr_segs` touch them.
    hdr_len: u64,
    header_in: bool,
    hdr_segs: u64,
    /// The next header segment to hand out (`< hdr_segs`), and the next other one.
    low: u64,
    next: u64,
    /// Segments being hashed right now.
    busy: usize,
    /// Chaining values of complete subtrees, by (level above segments, index at that level).
    nodes: HashMap<(u32, u64), ChainingValue>,
    /// A segment could not be hashed (cannot happen; reported as `Error::Internal`).
    failed: bool,
    /// Buffers whose bytes are all hashed, free for reuse.
    free: Vec<Vec<u8>>,
    /// No more parts will come.
    closed: bool,
    task: TaskState,
    caller: Wait,
    idle_helpers: usize,
    /// Whether an idle helper watches for news before sleeping (see [`Hashing::watch`]).
    watch: bool,
}

impl State {
    /// Whether segment `k` is complete. The first one waits for one byte more: until then it
    /// might be the whole stream, whose root [`Tree::root`] hashes from the bytes.
    fn ready(&self, k: u64) -> bool {
        (k >= self.hdr_segs || self.header_in)
            && k.checked_add(1)
                .and_then(|k| k.checked_mul(self.seg))
                .is_some_and(|b| b < self.end || (b == self.end && k > 0))
    }

    /// The next complete segment not yet handed out, if any.
    fn job_index(&self) -> Option<u64> {
        if self.failed {
            None
        } else if self.low < self.hdr_segs && self.ready(self.low) {
            Some(self.low)
        } else if self.ready(self.next) {
            Some(self.next)
        } else {
            None
        }
    }

    fn has_job(&self) -> bool {
        self.job_index().is_some()
    }

    fn handed(&self, k: u64) -> bool {
        if k < self.hdr_segs {
            k < self.low
        } else {
            k < self.next
        }
    }

    /// Hands out the next complete segment, if any.
    fn next_job(&mut self) -> Option<Job> {
        let k = self.job_index()?;
        let seg = self.seg;
        let a = k.checked_mul(seg)?;
        let b = a.checked_add(seg)?;
        let mut pieces = Vec::with_capacity(3);
        for p in &self.parts {
            if p.end() <= a {
                continue;
            }
            if p.start >= b {
                break;
            }
            let from = p.from + (a.max(p.start) - p.start) as usize;
            let to = p.from + (b.min(p.end()) - p.start) as usize;
            pieces.push((Arc::clone(&p.buf), from, to));
        }
        if k < self.hdr_segs {
            self.low += 1;
        } else {
            self.next += 1;
        }
        self.busy += 1;
        Some(Job { index: k, pieces })
    }

    /// Records a hashed segment (`None`: it could not be hashed) and releases what it can.
    fn complete(&mut self, index: u64, cv: Option<ChainingValue>) {
        self.busy = self.busy.saturating_sub(1);
        match cv {
            Some(cv) => self.add_node(0, index, cv),
            None => self.failed = true,
        }
        self.release();
    }

    /// Stores a subtree's chaining value, merging it with its sibling while that is known.
    /// A merge that might make the root of the whole prefix (a parent starting at 0 and ending
    /// where the submitted bytes end) is left to [`Tree::root`], which finalises roots.
    fn add_node(&mut self, mut level: u32, mut index: u64, mut cv: ChainingValue) {
        loop {
            let parent = index >> 1;
            let parent_end = 1u64
                .checked_shl(level + 1)
                .and_then(|m| m.checked_mul(self.seg))
                .and_then(|span| span.checked_mul(parent + 1));
            let Some(parent_end) = parent_end else { break };
            if parent == 0 && parent_end >= self.end {
                break;
            }
            let Some(sibling) = self.nodes.remove(&(level, index ^ 1)) else {
                break;
            };
            cv = if index & 1 == 0 {
                merge_subtrees_non_root(&cv, &sibling, Mode::Hash)
            } else {
                merge_subtrees_non_root(&sibling, &cv, Mode::Hash)
            };
            level += 1;
            index = parent;
        }
        self.nodes.insert((level, index), cv);
    }

    /// Drops the leading parts whose segments have all been handed out, and frees the buffers
    /// that no part and no job holds any more.
    fn release(&mut self) {
        while let Some(p) = self.parts.front() {
            let seg = self.seg;
            let (first, last) = (p.start / seg, p.end().saturating_sub(1) / seg);
            if !(first..=last).all(|k| self.handed(k)) {
                break;
            }
            let Some(p) = self.parts.pop_front() else {
                break;
            };
            // One entry per buffer: the parts of one batch share it.
            if !self.limbo.iter().any(|b| Arc::ptr_eq(b, &p.buf)) {
                self.limbo.push(p.buf);
            }
        }
        let mut i = 0;
        while i < self.limbo.len() {
            if Arc::strong_count(&self.limbo[i]) == 1 {
                if let Ok(b) = Arc::try_unwrap(self.limbo.swap_remove(i)) {
                    if b.len() == BUF_LEN {
                        self.free.push(b);
                    }
                }
            } else {
                i += 1;
            }
        }
    }

    /// Whether the calling thread, if asleep, should wake up now.
    fn caller_ready(&self) -> bool {
        match self.caller {
            Wait::Nothing => false,
            Wait::Bufs(n) => self.free.len() >= n || (self.busy == 0 && !self.has_job()),
            Wait::Idle => self.busy == 0,
            Wait::Task => matches!(self.task, TaskState::Done(_)),
        }
    }
}

thread_local! {
    /// Where a block that lies in several pieces is gathered before it is hashed (ciphertext
    /// only, never plaintext).
    static GATHER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Bytes per block a segment is hashed in: eight BLAKE3 chunks, what its AVX2 code hashes in
/// one pass.
const BLOCK: u64 = 8 * B3_CHUNK;

/// Hashes one segment (no lock held). `None` if its pieces do not add up to a segment.
///
/// The segment is hashed in aligned blocks of [`BLOCK`] bytes whose chaining values are then
/// merged. A block that lies in one piece is hashed where it lies; one that spans a piece
/// boundary is first copied into one buffer. Fed piece by piece, BLAKE3 would hash the 1 KiB
/// chunk around the boundary one 64-byte block at a time and the odd-sized subtrees next to it
/// with few SIMD lanes: measured with `perf` on a 1 MiB seal, that cost about a fifth of the
/// hashing, and gathering whole segments instead cost a copy of every byte.
fn hash_job(job: &Job, seg: u64) -> Option<ChainingValue> {
    let start = job.index.checked_mul(seg)?;
    let mut fed = 0u64;
    for (buf, from, to) in &job.pieces {
        fed += buf.get(*from..*to)?.len() as u64;
    }
    if fed != seg {
        return None;
    }
    let block = BLOCK.min(seg);
    let mut cvs: Vec<ChainingValue> = Vec::with_capacity((seg / block) as usize);
    // Walks the pieces once: `piece` and `at` say where the next unhashed byte is.
    let (mut piece, mut at) = (0usize, 0usize);
    for b in 0..seg / block {
        let mut h = Hasher::new();
        h.set_input_offset(start + b * block);
        let (buf, from, to) = job.pieces.get(piece)?;
        let here = from + at;
        if to - here >= block as usize {
            h.update(buf.get(here..here + block as usize)?);
            at += block as usize;
            if from + at == *to {
                (piece, at) = (piece + 1, 0);
            }
        } else {
            let mut gather = |g: &mut Vec<u8>| -> Option<()> {
                g.clear();
                while (g.len() as u64) < block {
                    let (buf, from, to) = job.pieces.get(piece)?;
                    let take = (to - from - at).min(block as usize - g.len());
                    g.extend_from_slice(buf.get(from + at..from + at + take)?);
                    at += take;
                    if from + at == *to {
                        (piece, at) = (piece + 1, 0);
                    }
                }
                h.update(g);
                Some(())
            };
            GATHER
                .try_with(|g| gather(&mut g.borrow_mut()))
                .unwrap_or_else(|_| gather(&mut Vec::new()))?;
        }
        cvs.push(h.finalize_non_root());
    }
    while cvs.len() > 1 {
        cvs = cvs
            .chunks(2)
            .map(|p| match p {
                [l, r] => Some(merge_subtrees_non_root(l, r, Mode::Hash)),
                _ => None,
            })
            .collect::<Option<_>>()?;
    }
    cvs.pop()
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    /// Bumped (under the lock) whenever a helper may have something new to do: bytes submitted,
    /// a task given, the bundle closed. A helper with nothing to do watches it for a while
    /// before it sleeps, without taking the lock.
    news: AtomicU64,
}

type Guard<'a> = MutexGuard<'a, State>;

impl Shared {
    fn lock(&self) -> Result<Guard<'_>, Error> {
        self.state.lock().map_err(|_| Error::Internal)
    }

    /// The calling thread sleeps until `why` holds (or something else may have changed).
    fn caller_wait<'a>(&'a self, mut q: Guard<'a>, why: Wait) -> Result<Guard<'a>, Error> {
        // Spin briefly first: what the caller waits for is usually at most one segment away,
        // and waking from the condition variable costs tens of µs here.
        let t = Instant::now();
        while t.elapsed() < SPIN {
            drop(q);
            for _ in 0..256 {
                std::hint::spin_loop();
            }
            q = self.lock()?;
            q.caller = why;
            if q.caller_ready() {
                q.caller = Wait::Nothing;
                return Ok(q);
            }
        }
        q.caller = why;
        let mut q = self.changed.wait(q).map_err(|_| Error::Internal)?;
        q.caller = Wait::Nothing;
        Ok(q)
    }

    /// If a segment is complete and not yet handed out, hashes it here (without holding the
    /// lock) and says so.
    fn hash_next<'a>(&'a self, mut q: Guard<'a>) -> Result<(Guard<'a>, bool), Error> {
        let Some(job) = q.next_job() else {
            return Ok((q, false));
        };
        let seg = q.seg;
        drop(q);
        let cv = hash_job(&job, seg);
        let index = job.index;
        drop(job);
        let mut q = self.lock()?;
        q.complete(index, cv);
        if q.caller_ready() {
            self.changed.notify_all();
        }
        Ok((q, true))
    }

    /// A helper's turn: run the task if one is waiting, hash complete segments, and leave once
    /// no more bytes will come and nothing is left to hand out.
    fn helper(&self) {
        let Ok(mut q) = self.lock() else { return };
        loop {
            if matches!(q.task, TaskState::Pending(_)) {
                let TaskState::Pending(task) = std::mem::replace(&mut q.task, TaskState::Running)
                else {
                    return;
                };
                drop(q);
                let result = task();
                q = match self.lock() {
                    Ok(q) => q,
                    Err(_) => return,
                };
                q.task = TaskState::Done(result);
                if q.caller_ready() {
                    self.changed.notify_all();
                }
                continue;
            }
            let hashed;
            (q, hashed) = match self.hash_next(q) {
                Ok(r) => r,
                Err(_) => return,
            };
            if hashed {
                continue;
            }
            if q.closed {
                return;
            }
            if q.caller != Wait::Nothing {
                // Nothing to do here: let the caller look again rather than sleep on us.
                self.changed.notify_all();
            }
            // If asked to, watch for news a while before sleeping (see `Hashing::watch`).
            let watch = if q.watch {
                helper_spin()
            } else {
                Duration::ZERO
            };
            let seen = self.news.load(Ordering::Relaxed);
            drop(q);
            let t = Instant::now();
            while self.news.load(Ordering::Acquire) == seen && t.elapsed() < watch {
                for _ in 0..64 {
                    std::hint::spin_loop();
                }
            }
            q = match self.lock() {
                Ok(q) => q,
                Err(_) => return,
            };
            if self.news.load(Ordering::Relaxed) != seen {
                continue;
            }
            q.idle_helpers += 1;
            q = match self.changed.wait(q) {
                Ok(q) => q,
                Err(_) => return,
            };
            q.idle_helpers -= 1;
        }
    }
}

pub(crate) struct Hashing {
    shared: Arc<Shared>,
    /// Whether the state was handed to the helpers. The caller never waits for a helper to
    /// *start*: one that comes late finds the bundle closed and moves on.
    helper: bool,
    allocated: usize,
}

impl Drop for Hashing {
    fn drop(&mut self) {
        // On an error path: let the helpers go, and drop the buffers (they may hold plaintext).
        if let Ok(mut q) = self.shared.state.lock() {
            q.closed = true;
            self.shared.news.fetch_add(1, Ordering::Release);
            q.parts.clear();
            q.limbo.clear();
            q.free.clear();
            if matches!(q.task, TaskState::Pending(_)) {
                q.task = TaskState::None;
            }
        }
        self.shared.changed.notify_all();
    }
}

impl Hashing {
    /// Starts the digest of a stream whose header is `header_len` bytes long; the header itself
    /// comes with [`Hashing::set_header`], before or after payload bytes.
    pub(crate) fn new(header_len: usize) -> Self {
        Self::with_segment(header_len, SEGMENT)
    }

    /// `seg` is rounded up to a power of two of at least 1 KiB (tests use small segments).
    pub(crate) fn with_segment(header_len: usize, seg: u64) -> Self {
        let seg = seg.max(B3_CHUNK).next_power_of_two();
        let header_len = header_len as u64;
        let hdr_segs = header_len.div_ceil(seg);
        Hashing {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    seg,
                    parts: VecDeque::new(),
                    limbo: Vec::new(),
                    end: header_len,
                    hdr_len: header_len,
                    header_in: header_len == 0,
                    hdr_segs,
                    low: 0,
                    next: hdr_segs,
                    busy: 0,
                    nodes: HashMap::new(),
                    failed: false,
                    free: Vec::new(),
                    closed: false,
                    task: TaskState::None,
                    caller: Wait::Nothing,
                    idle_helpers: 0,
                    watch: false,
                }),
                changed: Condvar::new(),
                news: AtomicU64::new(0),
            }),
            helper: false,
            allocated: 0,
        }
    }

    /// Makes idle helpers watch for more work for up to [`HELPER_SPIN`] before they sleep.
    /// Opening asks for it: there the helpers keep up with the calling thread and wait for
    /// each batch, and a helper woken from sleep was often put on the calling thread's core by
    /// the scheduler, where it did not run until that thread blocked (traced: a whole 1 MiB
    /// open hashed by the calling thread alone). Sealing does not: there the helpers rarely
    /// run out of work, and watching made 1 MiB seals slower (medians 0.46–0.60 → 0.69–0.87 ms,
    /// alternating runs), as if the spinning took from the other core.
    pub(crate) fn watch(&mut self) -> Result<(), Error> {
        self.shared.lock()?.watch = true;
        Ok(())
    }

    /// Hands the state to the helper threads (once). False if there are none.
    fn engage(&mut self) -> bool {
        if !self.helper {
            if let Some((pool, n)) = helpers() {
                for _ in 0..*n {
                    self.helper |= pool.send(Arc::clone(&self.shared)).is_ok();
                }
            }
        }
        self.helper
    }

    /// Whether there are helper threads to give a task to.
    pub(crate) fn can_delegate() -> bool {
        helpers().is_some()
    }

    /// Gives `task` to a helper; it runs here instead if there is none.
    pub(crate) fn delegate(&mut self, task: Task) -> Result<(), Error> {
        let mut q = self.shared.lock()?;
        if !matches!(q.task, TaskState::None) {
            return Err(Error::Internal);
        }
        q.task = TaskState::Pending(task);
        self.shared.news.fetch_add(1, Ordering::Release);
        drop(q);
        if !self.engage() {
            let mut q = self.shared.lock()?;
            if let TaskState::Pending(task) = std::mem::replace(&mut q.task, TaskState::None) {
                drop(q);
                let result = task();
                self.shared.lock()?.task = TaskState::Done(result);
            }
        }
        Ok(())
    }

    /// The delegated task's result if it is ready.
    pub(crate) fn try_task(&mut self) -> Result<Option<Result<Vec<u8>, Error>>, Error> {
        let mut q = self.shared.lock()?;
        if !matches!(q.task, TaskState::Done(_)) {
            return Ok(None);
        }
        match std::mem::replace(&mut q.task, TaskState::None) {
            TaskState::Done(r) => Ok(Some(r)),
            _ => Err(Error::Internal),
        }
    }

    /// The delegated task's result: runs it here if no helper has picked it up yet, waits if
    /// one is running it.
    pub(crate) fn task_result(&mut self) -> Result<Vec<u8>, Error> {
        let shared = Arc::clone(&self.shared);
        let mut q = shared.lock()?;
        loop {
            match std::mem::replace(&mut q.task, TaskState::None) {
                TaskState::None => return Err(Error::Internal),
                TaskState::Done(r) => return r,
                TaskState::Pending(task) => {
                    q.task = TaskState::Running;
                    drop(q);
                    let r = task();
                    shared.lock()?.task = TaskState::None;
                    return r;
                }
                TaskState::Running => {
                    q.task = TaskState::Running;
                    q = shared.caller_wait(q, Wait::Task)?;
                }
            }
        }
    }

    /// A batch buffer of `BUF_LEN` bytes (contents unspecified). When all buffers are in use,
    /// hashes a complete segment here rather than wait for a helper to do it.
    pub(crate) fn take_buf(&mut self) -> Result<Vec<u8>, Error> {
        let shared = Arc::clone(&self.shared);
        let mut q = shared.lock()?;
        loop {
            if let Some(b) = q.free.pop() {
                return Ok(b);
            }
            if self.allocated < MAX_BUFS {
                self.allocated += 1;
                drop(q);
                return Ok(cached().unwrap_or_else(|| vec![0u8; BUF_LEN]));
            }
            let hashed;
            (q, hashed) = shared.hash_next(q)?;
            if hashed {
                continue;
            }
            q.release();
            if !q.free.is_empty() {
                continue;
            }
            if q.busy == 0 {
                // Nothing free, nothing to hash, nobody hashing: cannot happen, as the caller
                // holds at most two buffers. Refuse rather than wait forever.
                return Err(Error::Internal);
            }
            // A helper is hashing right now: let it get ahead.
            q = shared.caller_wait(q, Wait::Bufs(REFILL))?;
        }
    }

    /// Returns an unused buffer.
    pub(crate) fn give_back(&mut self, buf: Vec<u8>) -> Result<(), Error> {
        self.shared.lock()?.free.push(buf);
        Ok(())
    }

    /// Submits the header bytes (stream bytes `0..header_len`).
    pub(crate) fn set_header(&mut self, header: Vec<u8>) -> Result<(), Error> {
        let shared = Arc::clone(&self.shared);
        let mut q = shared.lock()?;
        if header.len() as u64 != q.hdr_len || (q.header_in && q.hdr_len > 0) {
            return Err(Error::Internal);
        }
        if header.is_empty() {
            return Ok(());
        }
        let len = header.len();
        q.parts.push_front(Part {
            start: 0,
            buf: Arc::new(header),
            from: 0,
            len,
        });
        q.header_in = true;
        self.kick(&shared, q, true)
    }

    /// Submits the given ranges of `buf`, in order, as the next payload bytes, and returns the
    /// buffer, shared, for the caller to read from. `more` says whether further bytes follow:
    /// only then, or when there are at least two segments to share, are the helpers worth
    /// waking; without them, complete segments are hashed here.
    pub(crate) fn submit_ranges(
        &mut self,
        buf: Vec<u8>,
        ranges: &[(usize, usize)],
        more: bool,
    ) -> Result<Arc<Vec<u8>>, Error> {
        if ranges
            .iter()
            .any(|&(from, len)| from.checked_add(len).is_none_or(|e| e > buf.len()))
        {
            return Err(Error::Internal);
        }
        let shared = Arc::clone(&self.shared);
        let mut q = shared.lock()?;
        let buf = Arc::new(buf);
        for &(from, len) in ranges {
            if len == 0 {
                continue;
            }
            let start = q.end;
            q.end = start.checked_add(len as u64).ok_or(Error::TooLarge)?;
            q.parts.push_back(Part {
                start,
                buf: Arc::clone(&buf),
                from,
                len,
            });
        }
        self.kick(&shared, q, more)?;
        Ok(buf)
    }

    /// After new bytes: wakes the helpers (handing them the state first if worth it), or
    /// hashes complete segments here if there are none.
    fn kick<'a>(&mut self, shared: &'a Shared, mut q: Guard<'a>, more: bool) -> Result<(), Error> {
        shared.news.fetch_add(1, Ordering::Release);
        if !q.has_job() {
            return Ok(());
        }
        let ready = (q.end / q.seg).saturating_sub(q.next);
        if !self.helper && (more || ready >= 2) {
            drop(q);
            self.engage();
            q = shared.lock()?;
        }
        if self.helper {
            if q.idle_helpers > 0 {
                shared.changed.notify_all();
            }
        } else {
            loop {
                let hashed;
                (q, hashed) = shared.hash_next(q)?;
                if !hashed {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Hashes (with the helpers) every complete segment still pending and returns what
    /// [`Tree::root`] needs. Call only once all plaintext in the buffers has been sealed (or,
    /// when opening, every byte before the signature is submitted): the buffers are then kept
    /// for the next bundle.
    pub(crate) fn finish(self) -> Result<Tree, Error> {
        let shared = Arc::clone(&self.shared);
        let mut q = shared.lock()?;
        q.closed = true;
        shared.news.fetch_add(1, Ordering::Release);
        if q.idle_helpers > 0 {
            shared.changed.notify_all();
        }
        loop {
            let hashed;
            (q, hashed) = shared.hash_next(q)?;
            if hashed {
                continue;
            }
            if q.busy == 0 {
                break;
            }
            q = shared.caller_wait(q, Wait::Idle)?;
        }
        if q.failed || !q.header_in {
            return Err(Error::Internal);
        }
        q.release();
        let tree = Tree {
            seg: q.seg,
            end: q.end,
            parts: std::mem::take(&mut q.parts).into(),
            nodes: std::mem::take(&mut q.nodes),
            memo: HashMap::new(),
        };
        let free = std::mem::take(&mut q.free);
        let limbo = std::mem::take(&mut q.limbo);
        keep(
            free.into_iter()
                .chain(limbo.into_iter().filter_map(|b| Arc::try_unwrap(b).ok())),
        );
        Ok(tree)
    }
}

/// The hashed stream after [`Hashing::finish`]: chaining values of its complete segments (merged
/// where possible) and the bytes after the last one.
pub(crate) struct Tree {
    seg: u64,
    end: u64,
    parts: Vec<Part>,
    nodes: HashMap<(u32, u64), ChainingValue>,
    /// Non-root chaining values computed by `root`, by byte range; valid for any later root
    /// because they lie wholly inside the stream.
    memo: HashMap<(u64, u64), ChainingValue>,
}

impl Drop for Tree {
    fn drop(&mut self) {
        let bufs = std::mem::take(&mut self.parts)
            .into_iter()
            .filter_map(|p| Arc::try_unwrap(p.buf).ok());
        keep(bufs);
    }
}

impl Tree {
    /// BLAKE3 of the stream followed by `extra`: `blake3::hash(stream || extra)`.
    pub(crate) fn root(&mut self, extra: &[u8]) -> Result<[u8; 32], Error> {
        let total = self
            .end
            .checked_add(extra.len() as u64)
            .ok_or(Error::Internal)?;
        if total <= B3_CHUNK {
            let mut h = Hasher::new();
            self.feed(&mut h, 0, total, extra)?;
            return Ok(*h.finalize().as_bytes());
        }
        let left = left_subtree_len(total);
        let l = self.node(0, left, extra)?;
        let r = self.node(left, total, extra)?;
        Ok(*merge_subtrees_root(&l, &r, Mode::Hash).as_bytes())
    }

    /// The non-root chaining value of the subtree over bytes `a..b` (a node of the tree that
    /// BLAKE3 builds over the stream and `extra`).
    fn node(&mut self, a: u64, b: u64, extra: &[u8]) -> Result<ChainingValue, Error> {
        let len = b.checked_sub(a).filter(|&l| l > 0).ok_or(Error::Internal)?;
        let inside = b <= self.end;
        let complete = inside && len.is_power_of_two() && a.is_multiple_of(len);
        if complete && len >= self.seg {
            let level = (len / self.seg).trailing_zeros();
            if let Some(cv) = self.nodes.get(&(level, a / len)) {
                return Ok(*cv);
            }
        }
        if inside {
            if let Some(cv) = self.memo.get(&(a, b)) {
                return Ok(*cv);
            }
        }
        let cv = if len <= B3_CHUNK || (complete && len <= self.seg) {
            let mut h = Hasher::new();
            h.set_input_offset(a);
            self.feed(&mut h, a, b, extra)?;
            h.finalize_non_root()
        } else {
            let left = left_subtree_len(len);
            let l = self.node(a, a + left, extra)?;
            let r = self.node(a + left, b, extra)?;
            merge_subtrees_non_root(&l, &r, Mode::Hash)
        };
        if inside {
            self.memo.insert((a, b), cv);
        }
        Ok(cv)
    }

    /// Feeds bytes `a..b` of the stream followed by `extra` to `h`; an error if some of them
    /// are no longer held (cannot happen: only bytes of hashed segments are released).
    fn feed(&self, h: &mut Hasher, a: u64, b: u64, extra: &[u8]) -> Result<(), Error> {
        let mut at = a;
        for p in &self.parts {
            if at >= b || at >= self.end {
                break;
            }
            if p.end() <= at {
                continue;
            }
            if p.start > at {
                return Err(Error::Internal);
            }
            let to = b.min(p.end());
            let piece = p
                .buf
                .get(p.from + (at - p.start) as usize..p.from + (to - p.start) as usize)
                .ok_or(Error::Internal)?;
            h.update(piece);
            at = to;
        }
        if at < b {
            let from = at.checked_sub(self.end).ok_or(Error::Internal)? as usize;
            let to = (b - self.end) as usize;
            h.update(extra.get(from..to).ok_or(Error::Internal)?);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bytes(len: usize, salt: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i.wrapping_mul(131) ^ (i >> 9)) as u8 ^ salt)
            .collect()
    }

    /// Submits `header` and then the payload cut into pieces of `cuts` lengths (cycled), and
    /// checks both roots against `blake3::hash`.
    fn check(seg: u64, header: usize, payload: usize, cuts: &[usize], extra: usize) {
        let stream = bytes(header + payload, 7);
        let sig = bytes(extra, 99);
        let mut hashing = Hashing::with_segment(header, seg);
        // The header comes after the first `late` payload pieces.
        let late = cuts.len() % 3;
        let mut at = header;
        let mut i = 0;
        if late == 0 {
            hashing.set_header(stream[..header].to_vec()).unwrap();
        }
        while at < stream.len() {
            let n = cuts[i % cuts.len()].max(1).min(stream.len() - at);
            i += 1;
            // Pieces in one buffer with gaps; bytes outside the ranges must not count.
            let (n1, n2) = (n / 3, n - n / 3);
            let mut buf = vec![0xAA; 7];
            buf.extend_from_slice(&stream[at..at + n1]);
            buf.extend_from_slice(&[0xBB; 64]);
            buf.extend_from_slice(&stream[at + n1..at + n]);
            buf.extend_from_slice(&[0xCC; 5]);
            at += n;
            let ranges = [(7, n1), (7 + n1 + 64, n2)];
            hashing
                .submit_ranges(buf, &ranges, at < stream.len())
                .unwrap();
            if i == late {
                hashing.set_header(stream[..header].to_vec()).unwrap();
            }
        }
        if late > 0 && i < late {
            hashing.set_header(stream[..header].to_vec()).unwrap();
        }
        let mut tree = hashing.finish().unwrap();
        let d = tree.root(&[]).unwrap_or_else(|e| {
            panic!("{e:?} seg {seg} header {header} payload {payload} cuts {cuts:?}")
        });
        assert_eq!(
            d,
            *blake3::hash(&stream).as_bytes(),
            "digest, len {}",
            stream.len()
        );
        let id = tree.root(&sig).unwrap();
        let mut all = stream.clone();
        all.extend_from_slice(&sig);
        assert_eq!(id, *blake3::hash(&all).as_bytes(), "id, len {}", all.len());
    }

    #[test]
    fn edge_lengths_match_blake3() {
        for seg in [1024u64, 4096, SEGMENT] {
            let s = seg as usize;
            let mut lens = vec![0, 1, 1023, 1024, 1025, 2047, 2048, 2049];
            for k in [1, 2, 3, 4, 5, 7, 8, 9, 16, 17] {
                lens.extend([k * s - 1, k * s, k * s + 1, k * s - 64, k * s - 63]);
            }
            for n in 1..=4 {
                let header = 91 + 96 * n;
                for &total in &lens {
                    let payload = total.saturating_sub(header);
                    for cuts in [&[65_552usize][..], &[BATCH_LEN], &[s], &[1000, 3, 5000]] {
                        check(seg, header, payload, cuts, 64);
                    }
                }
            }
        }
    }

    #[test]
    fn header_only_and_empty() {
        check(SEGMENT, 0, 0, &[1], 0);
        check(SEGMENT, 0, 0, &[1], 64);
        check(1024, 187, 0, &[1], 64);
        check(1024, 2000, 0, &[1], 64);
        check(SEGMENT, 187, 1 << 20, &[65_552], 64);
        check(SEGMENT, 187, (1 << 20) - 187 - 8, &[BATCH_LEN], 64);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn random_streams_match_blake3(
            seg_log in 10u32..15,
            recipients in 1usize..5,
            payload in 0usize..300_000,
            cuts in proptest::collection::vec(1usize..70_000, 1..5),
            extra in 0usize..200,
        ) {
            check(1 << seg_log, 91 + 96 * recipients, payload, &cuts, extra);
        }
    }
}
