//! The digest pass (format §5–§6): one BLAKE3 pass over the header, the payload and the end
//! marker gives the signed digest `D`; the same pass continued over the signature gives the
//! bundle id. Both are plain `blake3::hash` of those bytes: there is no tree of our own here.
//!
//! Sealing and opening touch every byte twice, once with AES-256-GCM and once with BLAKE3, and
//! BLAKE3 (one thread) is the slower of the two. So once a bundle turns out to be longer than
//! [`INLINE_BATCHES`] batches of [`BATCH_CHUNKS`] chunks (1 MiB of plaintext), the calling
//! thread hands its further batches of ciphertext, in bundle order, to a helper thread that
//! hashes each while the calling thread reads, encrypts or decrypts, and writes the next. The
//! helper is a `std::thread::scope` thread started for that one bundle and joined before `seal`
//! or `open` returns; batch buffers go to it and back over two channels, and at most [`DEPTH`]
//! of them exist. Bundles of up to 1 MiB, and all bundles on a single core, are hashed on the
//! calling thread alone: on a busy machine a new thread can wait milliseconds for a core, longer
//! than such a bundle takes. Only buffers of ciphertext cross threads: the plaintext, the
//! reader and the writer stay on the calling thread (neither needs to be `Send`).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::OnceLock;
use std::thread::{Scope, ScopedJoinHandle};

use zeroize::Zeroize;

use crate::{Error, CHUNK_CT, TRAILER_LEN};

/// Ciphertext chunks per batch (256 KiB): what the calling thread hands to the helper at once.
pub(crate) const BATCH_CHUNKS: usize = 4;
/// Bytes of ciphertext chunks in a full batch.
pub(crate) const BATCH_LEN: usize = BATCH_CHUNKS * CHUNK_CT;
/// What `open` reads past a full batch to know that its chunks are not the last: one more
/// chunk byte and the trailer.
pub(crate) const LOOK: usize = TRAILER_LEN + 1;
/// Bytes of a batch buffer.
const BUF_LEN: usize = BATCH_LEN + LOOK;
/// Most batch buffers one seal or open uses (1 MiB): enough that the helper always finds the
/// next batch waiting.
pub(crate) const DEPTH: usize = 4;
/// Bundles of up to this many batches (1 MiB of plaintext) are hashed on the calling thread.
const INLINE_BATCHES: usize = 4;
/// The digest stream is fed to BLAKE3 in whole multiples of this many bytes, counted from the
/// start of the bundle (see [`StreamHash::update`]).
const BLOCK: usize = 16 * 1024;

/// A batch buffer (room for a full batch and `open`'s look-ahead). It is wiped when dropped,
/// since it holds plaintext before sealing and after opening, and then kept for the next bundle
/// on the same thread (up to [`DEPTH`] of them): faulting fresh pages in and wiping them with
/// `zeroize` (a byte at a time) for every bundle made a 1 MiB seal take twice as long.
pub(crate) struct Buf(Vec<u8>);

thread_local! {
    /// Wiped batch buffers kept for the next bundle on this thread.
    static KEPT: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// A batch buffer: one kept on this thread, or a new one.
pub(crate) fn new_buf() -> Buf {
    let kept = KEPT.try_with(|kept| kept.borrow_mut().pop()).ok().flatten();
    Buf(kept.unwrap_or_else(|| vec![0; BUF_LEN]))
}

impl Drop for Buf {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0);
        let keep =
            bytes.len() == BUF_LEN && KEPT.try_with(|kept| kept.borrow().len() < DEPTH) == Ok(true);
        if keep {
            // The buffer stays reachable, so this wipe cannot be optimised away.
            bytes.fill(0);
            let _ = KEPT.try_with(|kept| kept.borrow_mut().push(bytes));
        } else {
            bytes.zeroize();
        }
    }
}

impl std::ops::Deref for Buf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl std::ops::DerefMut for Buf {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

/// BLAKE3 over the digest stream.
///
/// BLAKE3 hashes 1 KiB chunks 16 at a time (AVX-512) only in aligned runs: bytes fed at an
/// offset that is not a multiple of 16 KiB are hashed a few chunks at a time until the offset
/// is aligned (256 KiB fed after a 187-byte header took 44 µs here, 39 µs from offset 0). So
/// every update to the hasher starts at a multiple of [`BLOCK`] bytes; the bytes after the last
/// whole block wait in `carry` and are copied to the front of the next one.
pub(crate) struct StreamHash {
    hasher: blake3::Hasher,
    carry: Vec<u8>,
}

impl StreamHash {
    pub(crate) fn new() -> Self {
        StreamHash {
            hasher: blake3::Hasher::new(),
            carry: Vec::with_capacity(BLOCK),
        }
    }

    /// Appends `bytes` to the stream.
    pub(crate) fn update(&mut self, mut bytes: &[u8]) {
        if !self.carry.is_empty() {
            let (head, rest) = bytes.split_at((BLOCK - self.carry.len()).min(bytes.len()));
            self.carry.extend_from_slice(head);
            bytes = rest;
            if self.carry.len() < BLOCK {
                return;
            }
            self.hasher.update(&self.carry);
            self.carry.clear();
        }
        let (whole, rest) = bytes.split_at(bytes.len() - bytes.len() % BLOCK);
        self.hasher.update(whole);
        self.carry.extend_from_slice(rest);
    }

    /// BLAKE3 of the stream so far: `D` once the end marker is in (format §5).
    pub(crate) fn digest(&self) -> [u8; 32] {
        let mut hasher = self.hasher.clone();
        hasher.update(&self.carry);
        *hasher.finalize().as_bytes()
    }

    /// BLAKE3 of the stream so far followed by `signature`: the bundle id (format §6).
    pub(crate) fn id(mut self, signature: &[u8]) -> [u8; 32] {
        self.hasher.update(&self.carry);
        self.hasher.update(signature);
        *self.hasher.finalize().as_bytes()
    }
}

/// Whether a helper thread can run beside the calling thread.
fn second_core() -> bool {
    static CORES: OnceLock<bool> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() > 1))
}

/// The digest of one seal or open: batches are handed over in bundle order with
/// [`Hashing::submit`] and taken back, hashed, in the same order with [`Hashing::take_back`].
pub(crate) struct Hashing<'scope, 'env> {
    scope: &'scope Scope<'scope, 'env>,
    /// The hash while this thread does the hashing; `None` once the helper has it.
    inline: Option<StreamHash>,
    helper: Option<Helper<'scope>>,
    /// Batches hashed on this thread and not yet taken back.
    done: VecDeque<Buf>,
    /// Batches handed over so far, and those not yet taken back.
    submitted: usize,
    in_flight: usize,
    /// Buffers made by [`Hashing::buffer`].
    made: usize,
}

struct Helper<'scope> {
    to: Sender<(Buf, usize)>,
    back: Receiver<Buf>,
    thread: ScopedJoinHandle<'scope, StreamHash>,
}

impl<'scope, 'env> Hashing<'scope, 'env> {
    /// Starts the stream with `header` (hashed on this thread). A helper, if one is started,
    /// runs in `scope`.
    pub(crate) fn new(scope: &'scope Scope<'scope, 'env>, header: &[u8]) -> Self {
        let mut hash = StreamHash::new();
        hash.update(header);
        Hashing {
            scope,
            inline: Some(hash),
            helper: None,
            done: VecDeque::new(),
            submitted: 0,
            in_flight: 0,
            made: 0,
        }
    }

    /// Hands over `buf[..len]`, the next bytes of the stream. `more` says that more batches
    /// will follow: once that makes the bundle longer than [`INLINE_BATCHES`] batches, the
    /// helper is started (if there is a second core), and it hashes from this batch on.
    pub(crate) fn submit(&mut self, buf: Buf, len: usize, more: bool) -> Result<(), Error> {
        if len > buf.len() {
            return Err(Error::Internal);
        }
        let long = self.submitted + 1 >= INLINE_BATCHES;
        if more && long && self.helper.is_none() && second_core() {
            let mut hash = self.inline.take().ok_or(Error::Internal)?;
            let (to, batches) = channel::<(Buf, usize)>();
            let (hashed, back) = channel();
            let thread = std::thread::Builder::new()
                .name("zicht-bundle-hash".into())
                .spawn_scoped(self.scope, move || {
                    for (buf, len) in batches {
                        hash.update(&buf[..len]);
                        if hashed.send(buf).is_err() {
                            break;
                        }
                    }
                    hash
                })?;
            self.helper = Some(Helper { to, back, thread });
        }
        match (&mut self.inline, &self.helper) {
            (Some(hash), _) => {
                hash.update(&buf[..len]);
                self.done.push_back(buf);
            }
            (None, Some(helper)) => helper.to.send((buf, len)).map_err(|_| Error::Internal)?,
            (None, None) => return Err(Error::Internal),
        }
        self.submitted += 1;
        self.in_flight += 1;
        Ok(())
    }

    /// Batches handed over and not yet taken back.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// The oldest batch handed over and not yet taken back, once it has been hashed (waits for
    /// the helper if need be).
    pub(crate) fn take_back(&mut self) -> Result<Buf, Error> {
        self.in_flight = self.in_flight.checked_sub(1).ok_or(Error::Internal)?;
        match (self.done.pop_front(), &self.helper) {
            (Some(buf), _) => Ok(buf),
            (None, Some(helper)) => helper.back.recv().map_err(|_| Error::Internal),
            (None, None) => Err(Error::Internal),
        }
    }

    /// A buffer for the next batch: a new one while fewer than [`DEPTH`] have been made, else
    /// the oldest one handed over, once it has been hashed.
    pub(crate) fn buffer(&mut self) -> Result<Buf, Error> {
        if self.made < DEPTH {
            self.made += 1;
            return Ok(new_buf());
        }
        self.take_back()
    }

    /// The hash of everything handed over (waits for the helper to finish).
    pub(crate) fn finish(self) -> Result<StreamHash, Error> {
        let Some(helper) = self.helper else {
            return self.inline.ok_or(Error::Internal);
        };
        // The helper stops once it has hashed every batch sent; `back` stays open until then,
        // so that it never stops early.
        drop(helper.to);
        let hash = helper.thread.join().map_err(|_| Error::Internal);
        drop(helper.back);
        hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Feeds `data` in pieces of the given lengths, with and without a helper, and checks `D`
    /// and the id against `blake3::hash`.
    fn check(data: &[u8], cuts: &[usize]) {
        let (header, mut rest) = data.split_at(cuts.first().map_or(0, |&c| c.min(data.len())));
        let sig = b"signature";
        let whole = [data, &sig[..]].concat();
        for more in [false, true] {
            let hash = std::thread::scope(|s| {
                let mut hashing = Hashing::new(s, header);
                for &cut in cuts.iter().skip(1).chain([&usize::MAX]) {
                    let (piece, tail) = rest.split_at(cut.min(rest.len()));
                    let mut buf = Buf(piece.to_vec());
                    buf.0.extend_from_slice(b"not hashed");
                    hashing.submit(buf, piece.len(), more).unwrap();
                    if hashing.in_flight() > 2 {
                        hashing.take_back().unwrap();
                    }
                    rest = tail;
                }
                let helper = more && cuts.len() >= INLINE_BATCHES && second_core();
                assert_eq!(hashing.helper.is_some(), helper);
                hashing.finish().unwrap()
            });
            rest = &data[header.len()..];
            assert_eq!(hash.digest(), *blake3::hash(data).as_bytes());
            assert_eq!(hash.id(sig), *blake3::hash(&whole).as_bytes());
        }
    }

    #[test]
    fn edges_match_blake3() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 + i / 1000) as u8).collect();
        for len in [
            0,
            1,
            1023,
            1024,
            BLOCK - 1,
            BLOCK,
            BLOCK + 1,
            3 * BLOCK + 5,
            200_000,
        ] {
            check(&data[..len], &[]);
            check(&data[..len], &[187]);
            check(&data[..len], &[187, BLOCK - 187, 1, BLOCK]);
            check(&data[..len], &[0, 0, CHUNK_CT, 0, BLOCK * 2]);
            check(
                &data[..len],
                &[187, 1000, 1000, 1000, 1000, 70_000, 3, BLOCK],
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_pieces_match_blake3(
            len in 0usize..300_000,
            cuts in proptest::collection::vec(0usize..70_000, 0..8),
        ) {
            let data: Vec<u8> = (0..len).map(|i| (i * 31 + i / 2048) as u8).collect();
            check(&data, &cuts);
        }
    }
}
