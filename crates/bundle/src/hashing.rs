//! The digest pass, overlapped with the cipher pass (format §7).
//!
//! The calling thread reads, encrypts or decrypts, and writes 1 MiB batches; it hands each
//! finished batch (ciphertext, in bundle order) to one helper thread that feeds BLAKE3 and hands
//! the buffer back for reuse. Only bytes are sent across, so neither the reader nor the writer
//! needs to be `Send`. A bundle that fits in one batch never starts the thread.

use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::thread::{Builder, Scope, ScopedJoinHandle};

use crate::{Error, CHUNK_CT, TRAILER_LEN};

/// Ciphertext chunks per batch.
pub(crate) const BATCH_CHUNKS: usize = 16;
/// Bytes of ciphertext chunks per batch.
pub(crate) const BATCH_LEN: usize = BATCH_CHUNKS * CHUNK_CT;
/// A batch buffer: one batch, plus room for the trailer and one byte of look-ahead when opening.
pub(crate) const BUF_LEN: usize = BATCH_LEN + TRAILER_LEN + 1;
/// At most this many batch buffers exist per seal/open (≈ 4 MiB).
const MAX_BUFS: usize = 4;

type Job = (Vec<u8>, usize);

enum State<'scope> {
    Inline(blake3::Hasher),
    Threaded {
        tx: SyncSender<Job>,
        back: Receiver<Vec<u8>>,
        handle: ScopedJoinHandle<'scope, blake3::Hasher>,
    },
    Gone,
}

pub(crate) struct Hashing<'scope, 'env> {
    scope: &'scope Scope<'scope, 'env>,
    state: State<'scope>,
    pool: Vec<Vec<u8>>,
    allocated: usize,
}

impl<'scope, 'env> Hashing<'scope, 'env> {
    /// Starts the digest with the header bytes.
    pub(crate) fn new(scope: &'scope Scope<'scope, 'env>, header: &[u8]) -> Self {
        let mut h = blake3::Hasher::new();
        h.update(header);
        Hashing {
            scope,
            state: State::Inline(h),
            pool: Vec::new(),
            allocated: 0,
        }
    }

    /// A batch buffer of `BUF_LEN` bytes (contents unspecified).
    pub(crate) fn take_buf(&mut self) -> Result<Vec<u8>, Error> {
        if let Some(b) = self.pool.pop() {
            return Ok(b);
        }
        if let State::Threaded { back, .. } = &self.state {
            if let Ok(b) = back.try_recv() {
                return Ok(b);
            }
            if self.allocated >= MAX_BUFS {
                return back.recv().map_err(|_| Error::Internal);
            }
        }
        self.allocated += 1;
        Ok(vec![0u8; BUF_LEN])
    }

    /// Returns an unused buffer to the pool.
    pub(crate) fn give_back(&mut self, buf: Vec<u8>) {
        self.pool.push(buf);
    }

    /// Feeds `buf[..used]` to the digest. `more` says whether further batches follow: only
    /// then is the helper thread worth starting.
    pub(crate) fn submit(&mut self, buf: Vec<u8>, used: usize, more: bool) -> Result<(), Error> {
        let used = used.min(buf.len());
        match std::mem::replace(&mut self.state, State::Gone) {
            State::Inline(mut h) if !more => {
                h.update(&buf[..used]);
                self.pool.push(buf);
                self.state = State::Inline(h);
                Ok(())
            }
            State::Inline(h) => {
                // Kept in case the OS refuses a thread: then everything is hashed here.
                let mut fallback = h.clone();
                let mut h = h;
                let (tx, rx) = sync_channel::<Job>(2);
                let (back_tx, back) = channel::<Vec<u8>>();
                let spawned = Builder::new()
                    .name("zicht-bundle-digest".into())
                    .spawn_scoped(self.scope, move || {
                        while let Ok((b, n)) = rx.recv() {
                            h.update(&b[..n]);
                            let _ = back_tx.send(b);
                        }
                        h
                    });
                match spawned {
                    Ok(handle) => {
                        tx.send((buf, used)).map_err(|_| Error::Internal)?;
                        self.state = State::Threaded { tx, back, handle };
                        Ok(())
                    }
                    Err(_) => {
                        fallback.update(&buf[..used]);
                        self.pool.push(buf);
                        self.state = State::Inline(fallback);
                        Ok(())
                    }
                }
            }
            State::Threaded { tx, back, handle } => {
                let sent = tx.send((buf, used));
                self.state = State::Threaded { tx, back, handle };
                sent.map_err(|_| Error::Internal)
            }
            State::Gone => Err(Error::Internal),
        }
    }

    /// Waits for the helper (if any) and returns the digest state.
    pub(crate) fn finish(self) -> Result<blake3::Hasher, Error> {
        match self.state {
            State::Inline(h) => Ok(h),
            State::Threaded { tx, back, handle } => {
                drop(tx);
                let h = handle.join().map_err(|_| Error::Internal);
                drop(back);
                h
            }
            State::Gone => Err(Error::Internal),
        }
    }
}
