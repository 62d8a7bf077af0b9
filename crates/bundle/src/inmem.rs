//! Sealing a plaintext that is in memory whole (format §7, implementation note): the same
//! bytes as [`crate::seal`], made by two threads that each read, encrypt *and* hash their own
//! chunks.
//!
//! The streaming seal must read the plaintext itself (a `Read` is not shared), so the helper
//! that hashes reads every byte of ciphertext from the other core's cache, and the calling
//! thread then refills buffers the helper has just read: on this machine that refill was the
//! dearest copy of a 1 MiB seal. Here the plaintext is shared (`Arc<[u8]>`), so a long-lived
//! helper thread can take chunks itself: the calling thread takes chunks from the front, the
//! helper (after making the header) from the back, and each encrypts a chunk in one of its own
//! buffers and hashes the 8 KiB blocks of the digest stream that lie in it while the bytes are
//! still in its cache. A block that spans two chunks (or the header, or the end marker) is
//! hashed by whichever thread completes its last part. The calling thread writes the header
//! and the chunks out in order as they become ready, and at the end builds the BLAKE3 root
//! from the blocks' chaining values with BLAKE3's own split rule, as [`crate::hashing`] does.
//!
//! Only plaintexts of 2 to [`MAX_CHUNKS`] chunks take this path (and only when a second core
//! and the helper are free); the others go through the streaming seal, which is the better one
//! for large bundles and needs no second copy of them in memory.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use blake3::hazmat::{
    left_subtree_len, merge_subtrees_non_root, merge_subtrees_root, ChainingValue, HasherExt, Mode,
};
use blake3::Hasher;
use ring::aead::{Aad, LessSafeKey};
use zeroize::Zeroizing;

use crate::crypto::{self, Entropy};
use crate::hashing::aligned_base;
use crate::keys::{KeyId, RecipientPublicKey, SenderKey};
use crate::seal::{make_header, prepare, seal_with, Prepared, Sealed};
use crate::{BundleId, Error, CHUNK_CT, CHUNK_SIZE, END_MARKER, TAG_LEN, TRAILER_LEN};

/// Largest plaintext, in chunks, sealed here (2 MiB); larger ones stream.
pub(crate) const MAX_CHUNKS: usize = 32;
/// Bytes per block of the digest stream: eight BLAKE3 chunks, what its AVX2 code hashes in one
/// pass (as in [`crate::hashing`]).
const BLOCK: u64 = 8 * 1024;
const B3_CHUNK: u64 = blake3::CHUNK_LEN as u64;
/// A chunk buffer: one sealed chunk, and room to start it 64-byte aligned.
const BUF_LEN: usize = CHUNK_CT + 64;
/// Buffers each of the two threads keeps between seals (they hold only ciphertext).
const KEEP: usize = MAX_CHUNKS / 2;
/// How long the calling thread spins for the helper before it sleeps (what it waits for is
/// usually the helper's last chunk).
const CALLER_SPIN: Duration = Duration::from_micros(50);
/// How long the helper looks for the next seal before it sleeps (waking it costs tens of µs).
const HELPER_SPIN: Duration = Duration::from_micros(200);

/// The header's inputs, moved to the helper.
struct HeaderInput {
    sender_id: KeyId,
    salt: [u8; 32],
    file_key: Zeroizing<[u8; 32]>,
    stanzas: Vec<(RecipientPublicKey, Zeroizing<[u8; 32]>)>,
}

/// Where the bytes of the digest stream come from: header, chunks, end marker.
#[derive(Clone, Copy)]
struct Layout {
    header_len: u64,
    chunks: usize,
    /// Plaintext length of the last chunk.
    last_len: usize,
    /// Length of the signed stream: header, sealed chunks, end marker.
    end: u64,
}

impl Layout {
    fn new(header_len: usize, plain_len: usize) -> Self {
        let chunks = plain_len.div_ceil(CHUNK_SIZE).max(1);
        let last_len = plain_len - (chunks - 1) * CHUNK_SIZE;
        let end =
            header_len as u64 + (plain_len + chunks * TAG_LEN) as u64 + END_MARKER.len() as u64;
        Layout {
            header_len: header_len as u64,
            chunks,
            last_len,
            end,
        }
    }
    fn plain_len(&self, i: usize) -> usize {
        if i + 1 == self.chunks {
            self.last_len
        } else {
            CHUNK_SIZE
        }
    }
    /// Stream offset of sealed chunk `i`.
    fn start(&self, i: usize) -> u64 {
        self.header_len + (i * CHUNK_CT) as u64
    }
    fn sealed_len(&self, i: usize) -> usize {
        self.plain_len(i) + TAG_LEN
    }
    /// Complete blocks (wholly inside the stream).
    fn blocks(&self) -> usize {
        (self.end / BLOCK) as usize
    }
    /// The complete blocks that overlap stream bytes `a..b`.
    fn blocks_over(&self, a: u64, b: u64) -> std::ops::Range<usize> {
        let lo = (a / BLOCK) as usize;
        let hi = (b.div_ceil(BLOCK) as usize).min(self.blocks());
        lo..hi.max(lo)
    }
}

/// One seal shared by the calling thread and the helper.
struct Job {
    plain: Arc<[u8]>,
    key: LessSafeKey,
    layout: Layout,
    /// Boxed, so that taking it moves the secrets out whole (they are wiped where they are).
    header_input: Mutex<Option<Box<HeaderInput>>>,
    header: OnceLock<Vec<u8>>,
    header_error: Mutex<Option<Error>>,
    /// Chunks not yet taken: the calling thread's range, then the helper's. Each takes from
    /// the front of its own range (so the calling thread can write the helper's chunks out
    /// while the helper is still at work) and, once that is empty, from the back of the other.
    claims: Mutex<[std::ops::Range<usize>; 2]>,
    /// Sealed chunks, each at its buffer's aligned base; set once, then read-only.
    sealed: Vec<OnceLock<Vec<u8>>>,
    /// Which chunks the helper sealed (its buffers go back to it).
    by_helper: Vec<AtomicBool>,
    blocks: Mutex<Blocks>,
    /// Set when the seal cannot succeed any more (an error on either side) and when it ends:
    /// nobody takes more chunks, and an unmade header is not made.
    cancel: AtomicBool,
    /// Set once the helper is done with this seal (and has let go of it).
    finished: Arc<Finished>,
}

#[derive(Default)]
struct Finished {
    done: Mutex<bool>,
    cv: Condvar,
}

impl Finished {
    fn set(&self) {
        *self.done.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.cv.notify_all();
    }

    /// Waits until set. Never fails: a poisoned lock still holds a valid flag, and returning
    /// early would let the caller go while the helper still holds the plaintext.
    fn wait(&self) {
        let relock = || self.done.lock().unwrap_or_else(PoisonError::into_inner);
        let mut d = relock();
        let t = Instant::now();
        while !*d {
            if t.elapsed() < CALLER_SPIN {
                drop(d);
                std::hint::spin_loop();
                d = relock();
            } else {
                d = self.cv.wait(d).unwrap_or_else(PoisonError::into_inner);
            }
        }
    }
}

/// Sets [`Finished`] when dropped, however the helper's part ended.
struct SetOnDrop(Arc<Finished>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.set();
    }
}

struct Blocks {
    claimed: Vec<bool>,
    /// Chaining values of complete subtrees: `levels[l][i]` covers stream bytes
    /// `i·2^l·BLOCK .. (i+1)·2^l·BLOCK`. Siblings are merged as soon as both are known.
    levels: Vec<Vec<Option<ChainingValue>>>,
}

impl Blocks {
    fn new(blocks: usize) -> Self {
        let mut levels = vec![vec![None; blocks]];
        while levels.last().is_some_and(|l| l.len() > 1) {
            let n = levels.last().map_or(0, |l| l.len() / 2);
            levels.push(vec![None; n]);
        }
        Blocks {
            claimed: vec![false; blocks],
            levels,
        }
    }

    /// Stores the chaining value of node `i` of level `l` (blocks `i·2^l ..`) and every parent
    /// it completes.
    fn store(&mut self, l: usize, i: usize, cv: ChainingValue) {
        let (mut l, mut i, mut cv) = (l, i, cv);
        loop {
            let Some(slot) = self.levels.get_mut(l).and_then(|v| v.get_mut(i)) else {
                return;
            };
            *slot = Some(cv);
            let has_parent = self.levels.get(l + 1).is_some_and(|v| i / 2 < v.len());
            let sibling = self
                .levels
                .get(l)
                .and_then(|v| v.get(i ^ 1))
                .copied()
                .flatten();
            let (true, Some(s)) = (has_parent, sibling) else {
                return;
            };
            cv = if i % 2 == 0 {
                merge_subtrees_non_root(&cv, &s, Mode::Hash)
            } else {
                merge_subtrees_non_root(&s, &cv, Mode::Hash)
            };
            (l, i) = (l + 1, i / 2);
        }
    }

    /// The chaining value of the complete subtree over `a..a+len` (`len` = 2^l·BLOCK), if known.
    fn get(&self, a: u64, len: u64) -> Option<ChainingValue> {
        let l = (len / BLOCK).trailing_zeros() as usize;
        self.levels
            .get(l)?
            .get((a / len) as usize)
            .copied()
            .flatten()
    }
}

fn lock<T>(m: &Mutex<T>) -> Result<MutexGuard<'_, T>, Error> {
    m.lock().map_err(|_| Error::Internal)
}

impl Job {
    /// The next chunk for the calling thread (`helper` false) or the helper.
    fn claim(&self, helper: bool) -> Result<Option<usize>, Error> {
        if self.cancel.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let mut c = lock(&self.claims)?;
        let (own, other) = if helper { (1, 0) } else { (0, 1) };
        Ok(c[own].next().or_else(|| c[other].next_back()))
    }

    /// Encrypts chunk `i` into `buf` and publishes it, then hashes the blocks it completed.
    fn seal_chunk(&self, i: usize, mut buf: Vec<u8>, helper: bool) -> Result<(), Error> {
        let len = self.layout.plain_len(i);
        let from = i * CHUNK_SIZE;
        let base = aligned_base(&buf);
        let region = buf
            .get_mut(base..base + len + TAG_LEN)
            .ok_or(Error::Internal)?;
        let (pt, tag_out) = region.split_at_mut(len);
        pt.copy_from_slice(self.plain.get(from..from + len).ok_or(Error::Internal)?);
        let last = i + 1 == self.layout.chunks;
        let sealed = self.key.seal_in_place_separate_tag(
            crypto::chunk_nonce(i as u64, last),
            Aad::empty(),
            pt,
        );
        let Ok(tag) = sealed else {
            // The buffer holds plaintext: wiped, not kept.
            zeroize::Zeroize::zeroize(&mut buf[..]);
            return Err(Error::Internal);
        };
        tag_out.copy_from_slice(tag.as_ref());
        if let Some(flag) = self.by_helper.get(i) {
            flag.store(helper, Ordering::Relaxed);
        }
        self.sealed
            .get(i)
            .ok_or(Error::Internal)?
            .set(buf)
            .map_err(|_| Error::Internal)?;
        let a = self.layout.start(i);
        let mut b = a + self.layout.sealed_len(i) as u64;
        if last {
            b += END_MARKER.len() as u64;
        }
        self.hash_ready(a, b)
    }

    /// Hashes the complete blocks over stream bytes `a..b` whose bytes are all there and that
    /// nobody has taken yet.
    fn hash_ready(&self, a: u64, b: u64) -> Result<(), Error> {
        let mut mine = Vec::new();
        {
            let mut q = lock(&self.blocks)?;
            for k in self.layout.blocks_over(a, b) {
                if !q.claimed[k] && self.ready(k) {
                    q.claimed[k] = true;
                    mine.push(k);
                }
            }
        }
        // Runs of consecutive blocks that lie in one sealed chunk are hashed as the largest
        // aligned subtrees they hold, in one pass each (fewer, longer BLAKE3 calls).
        let mut at = 0;
        while let Some(&k) = mine.get(at) {
            let mut l = 0;
            while self.subtree_in_one_chunk(&mine[at..], k, l + 1) {
                l += 1;
            }
            let cv = self.hash_blocks(k, l)?;
            lock(&self.blocks)?.store(l, k >> l, cv);
            at += 1 << l;
        }
        Ok(())
    }

    /// Whether the 2^l blocks from `k` are aligned, all in `mine` (consecutive, from its
    /// start) and lie in one sealed chunk.
    fn subtree_in_one_chunk(&self, mine: &[usize], k: usize, l: usize) -> bool {
        let n = 1usize << l;
        if !k.is_multiple_of(n) || mine.get(n - 1) != Some(&(k + n - 1)) {
            return false;
        }
        let (a, b) = (k as u64 * BLOCK, (k + n) as u64 * BLOCK);
        self.chunk_holding(a, b).is_some()
    }

    /// The sealed chunk that holds all of stream bytes `a..b`, if one does.
    fn chunk_holding(&self, a: u64, b: u64) -> Option<usize> {
        let chunks = self.chunks_over(a, b);
        let i = chunks.start;
        let s = self.layout.start(i);
        (a >= self.layout.header_len
            && chunks.len() == 1
            && b <= s + self.layout.sealed_len(i) as u64)
            .then_some(i)
    }

    /// The chaining value of the 2^l blocks from `k`: hashed where they lie if one sealed chunk
    /// holds them, else (a single block across a boundary) gathered into one buffer first.
    fn hash_blocks(&self, k: usize, l: usize) -> Result<ChainingValue, Error> {
        let (a, b) = (k as u64 * BLOCK, (k + (1 << l)) as u64 * BLOCK);
        let mut h = Hasher::new();
        h.set_input_offset(a);
        if let Some(i) = self.chunk_holding(a, b) {
            let s = self.layout.start(i);
            h.update(
                self.sealed_bytes(i)?
                    .get((a - s) as usize..(b - s) as usize)
                    .ok_or(Error::Internal)?,
            );
        } else {
            let mut gather = Vec::with_capacity((b - a) as usize);
            self.feed(&mut gather, a, b, &[])?;
            h.update(&gather);
        }
        Ok(h.finalize_non_root())
    }

    /// Whether every byte of block `k` is there.
    fn ready(&self, k: usize) -> bool {
        let (a, b) = (k as u64 * BLOCK, (k as u64 + 1) * BLOCK);
        if a < self.layout.header_len && self.header.get().is_none() {
            return false;
        }
        self.chunks_over(a, b)
            .all(|i| self.sealed.get(i).is_some_and(|s| s.get().is_some()))
    }

    /// The chunks whose sealed bytes overlap stream bytes `a..b`.
    fn chunks_over(&self, a: u64, b: u64) -> std::ops::Range<usize> {
        let h = self.layout.header_len;
        let n = self.layout.chunks;
        if b <= h {
            return 0..0;
        }
        let lo = (a.saturating_sub(h) / CHUNK_CT as u64) as usize;
        let hi = ((b - h).div_ceil(CHUNK_CT as u64) as usize).min(n);
        lo.min(n)..hi
    }

    /// The sealed bytes of chunk `i` (tag included).
    fn sealed_bytes(&self, i: usize) -> Result<&[u8], Error> {
        let buf = self
            .sealed
            .get(i)
            .and_then(|s| s.get())
            .ok_or(Error::Internal)?;
        let base = aligned_base(buf);
        buf.get(base..base + self.layout.sealed_len(i))
            .ok_or(Error::Internal)
    }

    /// Appends stream bytes `a..b` (then `extra`, which follows the stream) to `out`.
    fn feed(&self, out: &mut Vec<u8>, a: u64, b: u64, extra: &[u8]) -> Result<(), Error> {
        let l = self.layout;
        let mut at = a;
        while at < b {
            if at < l.header_len {
                let to = b.min(l.header_len);
                out.extend_from_slice(
                    self.header
                        .get()
                        .and_then(|h| h.get(at as usize..to as usize))
                        .ok_or(Error::Internal)?,
                );
                at = to;
            } else if at < l.end - END_MARKER.len() as u64 {
                let i = ((at - l.header_len) / CHUNK_CT as u64) as usize;
                let s = l.start(i);
                let to = b.min(s + l.sealed_len(i) as u64);
                let bytes = self.sealed_bytes(i)?;
                out.extend_from_slice(
                    bytes
                        .get((at - s) as usize..(to - s) as usize)
                        .ok_or(Error::Internal)?,
                );
                at = to;
            } else if at < l.end {
                let m = l.end - END_MARKER.len() as u64;
                let to = b.min(l.end);
                out.extend_from_slice(
                    END_MARKER
                        .get((at - m) as usize..(to - m) as usize)
                        .ok_or(Error::Internal)?,
                );
                at = to;
            } else {
                let to = b - l.end;
                out.extend_from_slice(
                    extra
                        .get((at - l.end) as usize..to as usize)
                        .ok_or(Error::Internal)?,
                );
                at = b;
            }
        }
        Ok(())
    }

    /// The helper's part: the header, then chunks of its range (and then of the caller's).
    fn help(&self, pool: &mut Vec<Vec<u8>>) {
        self.make_header();
        while let Ok(Some(i)) = self.claim(true) {
            let buf = pool.pop().unwrap_or_else(|| vec![0u8; BUF_LEN]);
            if self.seal_chunk(i, buf, true).is_err() {
                self.cancel.store(true, Ordering::Relaxed);
                break;
            }
        }
    }

    /// Makes the header, unless someone has already taken that on: the helper first thing,
    /// or the calling thread once it has sealed every chunk and the helper (without a core,
    /// say) has not started it.
    fn make_header(&self) {
        let input = lock(&self.header_input).ok().and_then(|mut h| h.take());
        if let Some(h) = input.filter(|_| !self.cancel.load(Ordering::Relaxed)) {
            match make_header(h.sender_id, &h.salt, &h.file_key, &h.stanzas) {
                Ok(bytes) if bytes.len() as u64 == self.layout.header_len => {
                    let len = bytes.len() as u64;
                    if self.header.set(bytes).is_ok() {
                        let _ = self.hash_ready(0, len);
                    }
                }
                Ok(_) => {
                    if let Ok(mut slot) = lock(&self.header_error) {
                        *slot = Some(Error::Internal);
                    }
                    self.cancel.store(true, Ordering::Relaxed);
                }
                Err(e) => {
                    if let Ok(mut slot) = lock(&self.header_error) {
                        *slot = Some(e);
                    }
                    self.cancel.store(true, Ordering::Relaxed);
                }
            }
        }
    }
}

/// The long-lived helper thread and the buffers of both sides.
struct Pipe {
    next: Mutex<Option<Arc<Job>>>,
    wake: Condvar,
    posted: AtomicU64,
    busy: AtomicBool,
    /// Buffers the calling threads keep (the helper keeps its own).
    caller_pool: Mutex<Vec<Vec<u8>>>,
    helper_pool: Mutex<Vec<Vec<u8>>>,
}

fn pipe() -> Option<&'static Pipe> {
    static PIPE: OnceLock<Option<&'static Pipe>> = OnceLock::new();
    *PIPE.get_or_init(|| {
        if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
            return None;
        }
        let p: &'static Pipe = Box::leak(Box::new(Pipe {
            next: Mutex::new(None),
            wake: Condvar::new(),
            posted: AtomicU64::new(0),
            busy: AtomicBool::new(false),
            caller_pool: Mutex::new(Vec::new()),
            helper_pool: Mutex::new(Vec::new()),
        }));
        std::thread::Builder::new()
            .name("zicht-seal".into())
            .spawn(move || p.run())
            .ok()
            .map(|_| p)
    })
}

impl Pipe {
    fn run(&self) {
        let mut seen = 0u64;
        loop {
            // Look for the next seal for a while before sleeping.
            let t = Instant::now();
            while self.posted.load(Ordering::Acquire) == seen && t.elapsed() < HELPER_SPIN {
                std::hint::spin_loop();
            }
            let job = {
                let Ok(mut next) = self.next.lock() else {
                    return;
                };
                loop {
                    if let Some(job) = next.take() {
                        break job;
                    }
                    next = match self.wake.wait(next) {
                        Ok(n) => n,
                        Err(_) => return,
                    };
                }
            };
            seen = self.posted.load(Ordering::Acquire);
            // Set after the job is dropped below, so the caller finds itself its only owner.
            let finished = SetOnDrop(Arc::clone(&job.finished));
            let mut pool = self
                .helper_pool
                .lock()
                .map(|mut p| std::mem::take(&mut *p))
                .unwrap_or_default();
            // A panic here must neither leave the caller waiting nor end this thread.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.help(&mut pool)));
            drop(job);
            if let Ok(mut p) = self.helper_pool.lock() {
                p.append(&mut pool);
            }
            drop(finished);
        }
    }
}

thread_local! {
    /// Seals this thread made here rather than streaming (tests check that this path ran).
    static TAKEN: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// Chunks the helper sealed in those seals.
    static BY_HELPER: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many of this thread's seals took this path, and how many of their chunks the helper
/// sealed.
pub(crate) fn taken_on_this_thread() -> (u64, u64) {
    (TAKEN.with(|t| t.get()), BY_HELPER.with(|t| t.get()))
}

/// Marks the pipe free again however the seal ends.
struct Busy(&'static Pipe);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.store(false, Ordering::Release);
    }
}

/// Tells the helper to stop and waits for it however the seal ends, so that no chunk is still
/// being sealed when the caller gets its error.
struct Finish<'a>(&'a Job, &'a Pipe);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.0.cancel.store(true, Ordering::Relaxed);
        finish_helper(self.0, self.1);
    }
}

/// Waits until the helper is done with `job`. If it has not even picked the seal up (busy
/// waking, or its thread gone), the calling thread takes the seal back and does the helper's
/// part itself, so a seal never waits on a helper that does not come.
fn finish_helper(job: &Job, pipe: &Pipe) {
    let untaken = pipe
        .next
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    if let Some(j) = untaken {
        let _set = SetOnDrop(Arc::clone(&j.finished));
        let mut spare = Vec::new();
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| j.help(&mut spare)));
    }
    job.finished.wait();
}

/// Takes the pipe for one seal: at once, or (`wait`, for tests) when the seal before is done.
fn acquire(pipe: &Pipe, wait: bool) -> bool {
    loop {
        if !pipe.busy.swap(true, Ordering::Acquire) {
            return true;
        }
        if !wait {
            return false;
        }
        std::thread::yield_now();
    }
}

/// [`crate::seal_bytes`] with the given entropy.
pub(crate) fn seal_bytes_with<W: Write>(
    plain: Arc<[u8]>,
    mut writer: W,
    sender: &SenderKey,
    recipients: &[RecipientPublicKey],
    entropy: &mut dyn Entropy,
    wait: bool,
) -> Result<Sealed, Error> {
    let chunks = plain.len().div_ceil(CHUNK_SIZE).max(1);
    let pipe = pipe().filter(|p| (2..=MAX_CHUNKS).contains(&chunks) && acquire(p, wait));
    let Some(pipe) = pipe else {
        return seal_with(&plain[..], writer, sender, recipients, entropy);
    };
    let _busy = Busy(pipe);
    let Prepared {
        file_key,
        salt,
        stanzas,
        key,
        header_len,
        sender_id,
    } = prepare(sender, recipients, entropy)?;
    let layout = Layout::new(header_len, plain.len());
    let job = Arc::new(Job {
        plain,
        key,
        layout,
        header_input: Mutex::new(Some(Box::new(HeaderInput {
            sender_id,
            salt,
            file_key,
            stanzas,
        }))),
        header: OnceLock::new(),
        header_error: Mutex::new(None),
        claims: Mutex::new([0..split(chunks), split(chunks)..chunks]),
        sealed: (0..chunks).map(|_| OnceLock::new()).collect(),
        by_helper: (0..chunks).map(|_| AtomicBool::new(false)).collect(),
        blocks: Mutex::new(Blocks::new(layout.blocks())),
        cancel: AtomicBool::new(false),
        finished: Arc::default(),
    });
    {
        let mut next = lock(&pipe.next)?;
        *next = Some(Arc::clone(&job));
        pipe.posted.fetch_add(1, Ordering::Release);
        pipe.wake.notify_one();
    }
    TAKEN.with(|t| t.set(t.get() + 1));
    let finish = Finish(&job, pipe);
    let result = run_caller(&job, pipe, &mut writer, sender);
    drop(finish);
    let sealed = result?;
    let by_helper = job
        .by_helper
        .iter()
        .filter(|h| h.load(Ordering::Relaxed))
        .count() as u64;
    BY_HELPER.with(|t| t.set(t.get() + by_helper));
    // The helper is done with the job: its buffers go back to it, the caller's to the caller.
    let Ok(mut job) = Arc::try_unwrap(job) else {
        return Ok(sealed);
    };
    let (mut mine, mut theirs) = (Vec::new(), Vec::new());
    for (s, h) in job.sealed.iter_mut().zip(&job.by_helper) {
        if let Some(b) = s.take() {
            if h.load(Ordering::Relaxed) {
                theirs.push(b);
            } else {
                mine.push(b);
            }
        }
    }
    keep(&pipe.caller_pool, mine);
    keep(&pipe.helper_pool, theirs);
    Ok(sealed)
}

/// Where the calling thread's first range ends: one past the middle, since the helper first
/// makes the header (about as long as sealing two or three chunks) while the calling thread
/// also writes every chunk out and signs (measured: 0–3 made no clear difference; the ranges
/// even out by stealing).
fn split(chunks: usize) -> usize {
    (chunks / 2 + 1).min(chunks)
}

fn keep(pool: &Mutex<Vec<Vec<u8>>>, bufs: Vec<Vec<u8>>) {
    if let Ok(mut p) = pool.lock() {
        for b in bufs {
            if p.len() < KEEP && b.len() == BUF_LEN {
                p.push(b);
            }
        }
    }
}

/// The calling thread's part: chunks from the front, writing out in order, then the root and
/// the signature.
fn run_caller<W: Write>(
    job: &Job,
    pipe: &Pipe,
    writer: &mut W,
    sender: &SenderKey,
) -> Result<Sealed, Error> {
    let l = job.layout;
    let mut pool = lock(&pipe.caller_pool)
        .map(|mut p| std::mem::take(&mut *p))
        .unwrap_or_default();
    let mut written = 0usize;
    let mut header_written = false;
    // Writes the header and every chunk that is ready, in order.
    let mut flush = |job: &Job, writer: &mut W| -> Result<(), Error> {
        if !header_written {
            let Some(h) = job.header.get() else {
                return Ok(());
            };
            writer.write_all(h)?;
            header_written = true;
        }
        while written < l.chunks && job.sealed[written].get().is_some() {
            writer.write_all(job.sealed_bytes(written)?)?;
            written += 1;
        }
        Ok(())
    };
    let own_chunks = (|| {
        while let Some(i) = job.claim(false)? {
            let buf = pool.pop().unwrap_or_else(|| vec![0u8; BUF_LEN]);
            job.seal_chunk(i, buf, false)?;
            flush(job, writer)?;
        }
        Ok::<(), Error>(())
    })();
    // Buffers not used this time stay with the caller.
    keep(&pipe.caller_pool, pool);
    own_chunks?;
    job.make_header();
    finish_helper(job, pipe);
    if let Some(e) = lock(&job.header_error)?.take() {
        return Err(e);
    }
    flush(job, writer)?;
    if !header_written || written != l.chunks {
        return Err(Error::Internal);
    }
    writer.write_all(&END_MARKER)?;

    let blocks = lock(&job.blocks)?;
    let tree = Root {
        job,
        blocks: &blocks,
    };
    let digest = tree.root(&[])?;
    let signature = sender.sign(&crypto::signed_message(&digest));
    let id = tree.root(&signature)?;
    writer.write_all(&signature)?;
    writer.flush()?;
    let plaintext_len = job.plain.len() as u64;
    Ok(Sealed {
        id: BundleId(id),
        len: l.end + (TRAILER_LEN - END_MARKER.len()) as u64,
        plaintext_len,
    })
}

/// The BLAKE3 root of the stream (and what follows it), from the blocks' chaining values:
/// the same recursion as [`crate::hashing`]'s tree.
struct Root<'a> {
    job: &'a Job,
    blocks: &'a Blocks,
}

impl Root<'_> {
    fn root(&self, extra: &[u8]) -> Result<[u8; 32], Error> {
        let total = self.job.layout.end + extra.len() as u64;
        if total <= B3_CHUNK {
            let mut bytes = Vec::new();
            self.job.feed(&mut bytes, 0, total, extra)?;
            return Ok(*blake3::hash(&bytes).as_bytes());
        }
        let left = left_subtree_len(total);
        let l = self.node(0, left, extra)?;
        let r = self.node(left, total, extra)?;
        Ok(*merge_subtrees_root(&l, &r, Mode::Hash).as_bytes())
    }

    fn node(&self, a: u64, b: u64, extra: &[u8]) -> Result<ChainingValue, Error> {
        let len = b.checked_sub(a).filter(|&l| l > 0).ok_or(Error::Internal)?;
        let inside = b <= self.job.layout.end;
        let complete = inside && len.is_power_of_two() && a.is_multiple_of(len);
        if complete && len >= BLOCK {
            if let Some(cv) = self.blocks.get(a, len) {
                return Ok(cv);
            }
            if len == BLOCK {
                return Err(Error::Internal);
            }
        }
        let cv = if len <= B3_CHUNK || (complete && len < BLOCK) {
            let mut bytes = Vec::new();
            self.job.feed(&mut bytes, a, b, extra)?;
            let mut h = Hasher::new();
            h.set_input_offset(a);
            h.update(&bytes);
            h.finalize_non_root()
        } else {
            let left = left_subtree_len(len);
            let l = self.node(a, a + left, extra)?;
            let r = self.node(a + left, b, extra)?;
            merge_subtrees_non_root(&l, &r, Mode::Hash)
        };
        Ok(cv)
    }
}
