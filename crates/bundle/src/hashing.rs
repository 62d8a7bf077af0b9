//! The digest pass, overlapped with the cipher pass (format §7).
//!
//! The calling thread reads, encrypts or decrypts, and writes batches of four chunks; it queues
//! each finished batch (ciphertext, in bundle order) for BLAKE3. Whoever is free feeds the
//! queue to the one hasher, strictly in order: a helper thread, started once a bundle is
//! longer than one batch, and the calling thread itself whenever it runs out of buffers or
//! reaches the end. So on an idle machine the two passes overlap (throughput approaches the
//! slower of the two), and on a busy one the calling thread never sleeps waiting for a helper
//! that cannot get a core: it hashes the backlog itself. Only bytes cross threads, so neither
//! the reader nor the writer needs to be `Send`.
//!
//! Batch buffers are kept per calling thread after a *successful* seal or open (at most
//! `MAX_BUFS`, ≈ 2 MiB; they then hold only ciphertext), because allocating and faulting in
//! fresh buffers for every bundle costs more than hashing a small one. After an error they are
//! dropped, since they may hold plaintext that was read but not yet sealed.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::Builder;

use crate::{Error, CHUNK_CT, TRAILER_LEN};

/// Ciphertext chunks per batch: small enough that a 1 MiB bundle is already four batches, so
/// the digest overlaps the cipher from there on.
pub(crate) const BATCH_CHUNKS: usize = 4;
/// Bytes of ciphertext chunks per batch.
pub(crate) const BATCH_LEN: usize = BATCH_CHUNKS * CHUNK_CT;
/// A batch buffer: one batch, plus room for the trailer and one byte of look-ahead when opening.
pub(crate) const BUF_LEN: usize = BATCH_LEN + TRAILER_LEN + 1;
/// At most this many batch buffers exist per seal/open (≈ 2 MiB).
const MAX_BUFS: usize = 8;
/// When the caller runs out of buffers it sleeps until this many are free again, so that it
/// and the helper wake each other once per few batches rather than for every batch (each
/// wake-up invites the scheduler to put both threads on one core).
const REFILL: usize = MAX_BUFS / 2;

thread_local! {
    static CACHE: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

fn cached() -> Option<Vec<u8>> {
    CACHE.try_with(|c| c.borrow_mut().pop()).ok().flatten()
}

fn keep(bufs: Vec<Vec<u8>>) {
    let _ = CACHE.try_with(|c| {
        let mut c = c.borrow_mut();
        for b in bufs {
            if c.len() < MAX_BUFS && b.len() == BUF_LEN {
                c.push(b);
            }
        }
    });
}

/// The helper threads: started once per process, they wait for a bundle's queue and feed it
/// to its hasher until that bundle is done. One fewer than the cores (at least one, at most
/// four); with more bundles in flight than helpers, the extra ones are hashed by their callers.
fn helpers() -> Option<&'static Sender<Arc<Shared>>> {
    static POOL: OnceLock<Option<Sender<Arc<Shared>>>> = OnceLock::new();
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
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    match next {
                        Ok(shared) => shared.helper(),
                        Err(_) => return,
                    }
                });
            started += usize::from(spawned.is_ok());
        }
        (started > 0).then_some(tx)
    })
    .as_ref()
}

struct Queue {
    /// `None` while one thread is feeding it a batch.
    hasher: Option<blake3::Hasher>,
    /// Batches waiting to be hashed, in bundle order.
    jobs: VecDeque<(Vec<u8>, usize)>,
    /// Hashed buffers, free for reuse.
    free: Vec<Vec<u8>>,
    /// No more batches will come.
    closed: bool,
    /// The caller sleeps until this many buffers are free (0: it is not waiting).
    want: usize,
}

struct Shared {
    queue: Mutex<Queue>,
    changed: Condvar,
}

type Guard<'a> = MutexGuard<'a, Queue>;

impl Shared {
    fn lock(&self) -> Result<Guard<'_>, Error> {
        self.queue.lock().map_err(|_| Error::Internal)
    }

    fn wait<'a>(&self, q: Guard<'a>) -> Result<Guard<'a>, Error> {
        self.changed.wait(q).map_err(|_| Error::Internal)
    }

    /// If the hasher is free and a batch is waiting, hashes that batch (without holding the
    /// lock) and says so. Batches leave the queue one at a time, each hashed whole before the
    /// next is taken, so the digest sees them in order whichever thread does it.
    fn hash_next<'a>(&'a self, mut q: Guard<'a>) -> Result<(Guard<'a>, bool), Error> {
        if q.hasher.is_none() || q.jobs.is_empty() {
            return Ok((q, false));
        }
        let (Some(mut h), Some((buf, used))) = (q.hasher.take(), q.jobs.pop_front()) else {
            return Err(Error::Internal);
        };
        drop(q);
        h.update(&buf[..used.min(buf.len())]);
        let mut q = self.lock()?;
        q.hasher = Some(h);
        q.free.push(buf);
        if q.jobs.is_empty() || q.free.len() >= q.want {
            self.changed.notify_all();
        }
        Ok((q, true))
    }

    /// A helper's turn: hash whatever is queued until the queue is closed and empty.
    fn helper(&self) {
        let Ok(mut q) = self.lock() else { return };
        loop {
            let hashed;
            (q, hashed) = match self.hash_next(q) {
                Ok(r) => r,
                Err(_) => return,
            };
            if hashed {
                continue;
            }
            if q.closed && q.jobs.is_empty() {
                return;
            }
            q = match self.wait(q) {
                Ok(q) => q,
                Err(_) => return,
            };
        }
    }
}

pub(crate) struct Hashing {
    shared: Arc<Shared>,
    /// Whether the queue was handed to the helpers. The caller never waits for a helper to
    /// *start*: one that comes late finds the queue closed and empty and moves on.
    helper: bool,
    allocated: usize,
}

impl Drop for Hashing {
    fn drop(&mut self) {
        // On an error path: let the helper go, and drop the queued buffers with the queue.
        if let Ok(mut q) = self.shared.queue.lock() {
            q.closed = true;
            q.jobs.clear();
        }
        self.shared.changed.notify_all();
    }
}

impl Hashing {
    /// Starts the digest with the header bytes.
    pub(crate) fn new(header: &[u8]) -> Self {
        let mut h = blake3::Hasher::new();
        h.update(header);
        Hashing {
            shared: Arc::new(Shared {
                queue: Mutex::new(Queue {
                    hasher: Some(h),
                    jobs: VecDeque::new(),
                    free: Vec::new(),
                    closed: false,
                    want: 0,
                }),
                changed: Condvar::new(),
            }),
            helper: false,
            allocated: 0,
        }
    }

    /// A batch buffer of `BUF_LEN` bytes (contents unspecified). When all buffers are in use,
    /// hashes a queued batch here rather than wait for the helper to do it.
    pub(crate) fn take_buf(&mut self) -> Result<Vec<u8>, Error> {
        let shared = Arc::clone(&self.shared);
        let mut q = shared.lock()?;
        loop {
            if let Some(b) = q.free.pop() {
                q.want = 0;
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
            if q.hasher.is_some() {
                // Nothing queued, nothing free, nothing left to allocate: cannot happen, as the
                // caller holds at most two buffers. Refuse rather than wait forever.
                return Err(Error::Internal);
            }
            // The helper is hashing a batch right now: let it get ahead.
            q.want = REFILL;
            q = shared.wait(q)?;
        }
    }

    /// Returns an unused buffer.
    pub(crate) fn give_back(&mut self, buf: Vec<u8>) -> Result<(), Error> {
        self.shared.lock()?.free.push(buf);
        Ok(())
    }

    /// Queues `buf[..used]` for the digest. `more` says whether further batches follow: only
    /// then is the helper thread worth starting; without a helper the batch is hashed here.
    pub(crate) fn submit(&mut self, buf: Vec<u8>, used: usize, more: bool) -> Result<(), Error> {
        let shared = Arc::clone(&self.shared);
        shared.lock()?.jobs.push_back((buf, used));
        if !self.helper && more {
            // Without helpers (the OS refused threads) everything is simply hashed here.
            if let Some(pool) = helpers() {
                self.helper = pool.send(Arc::clone(&shared)).is_ok();
            }
        }
        if !self.helper {
            let mut q = shared.lock()?;
            loop {
                let hashed;
                (q, hashed) = shared.hash_next(q)?;
                if !hashed {
                    break;
                }
            }
        } else {
            shared.changed.notify_all();
        }
        Ok(())
    }

    /// Hashes or waits for whatever is still queued and returns the digest state. Call only
    /// once all plaintext in the buffers has been sealed (or, when opening, every batch is
    /// queued): the buffers are then kept for the next bundle.
    pub(crate) fn finish(self) -> Result<blake3::Hasher, Error> {
        let shared = Arc::clone(&self.shared);
        let (hasher, free) = {
            let mut q = shared.lock()?;
            q.closed = true;
            shared.changed.notify_all();
            loop {
                if q.jobs.is_empty() && q.hasher.is_some() {
                    break;
                }
                let hashed;
                (q, hashed) = shared.hash_next(q)?;
                if !hashed {
                    q = shared.wait(q)?;
                }
            }
            (q.hasher.take(), std::mem::take(&mut q.free))
        };
        keep(free);
        hasher.ok_or(Error::Internal)
    }
}
