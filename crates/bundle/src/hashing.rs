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
//! `MAX_BUFS`, ≈ 1 MiB; they then hold only ciphertext), because allocating and faulting in
//! fresh buffers for every bundle costs more than hashing a small one. After an error they are
//! dropped, since they may hold plaintext that was read but not yet sealed.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::Builder;

use crate::{Error, CHUNK_CT, TRAILER_LEN};

/// Ciphertext chunks per batch: small enough that a 1 MiB bundle is already four batches, so
/// the digest overlaps the cipher from there on.
pub(crate) const BATCH_CHUNKS: usize = 4;
/// Bytes of ciphertext chunks per batch.
pub(crate) const BATCH_LEN: usize = BATCH_CHUNKS * CHUNK_CT;
/// A batch buffer: one batch, plus room for the trailer and one byte of look-ahead when opening.
pub(crate) const BUF_LEN: usize = BATCH_LEN + TRAILER_LEN + 1;
/// At most this many batch buffers exist per seal/open (≈ 1 MiB).
const MAX_BUFS: usize = 4;

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

struct Queue {
    /// `None` while one thread is feeding it a batch.
    hasher: Option<blake3::Hasher>,
    /// Batches waiting to be hashed, in bundle order.
    jobs: VecDeque<(Vec<u8>, usize)>,
    /// Hashed buffers, free for reuse.
    free: Vec<Vec<u8>>,
    /// No more batches will come.
    closed: bool,
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
        self.changed.notify_all();
        Ok((q, true))
    }

    /// The helper thread: hash whatever is queued until the queue is closed and empty.
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
    /// Whether a helper thread was started. It is never joined: it owns only its `Arc` of the
    /// queue and leaves by itself once the queue is closed and empty, so the caller never
    /// waits for a thread that the scheduler has not yet woken.
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
            q = shared.wait(q)?; // the helper is hashing a batch right now
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
            let for_helper = Arc::clone(&shared);
            // If the OS refuses a thread, everything is simply hashed here.
            self.helper = Builder::new()
                .name("zicht-bundle-digest".into())
                .spawn(move || for_helper.helper())
                .is_ok();
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
