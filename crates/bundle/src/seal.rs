//! Sealing (format §3–§6).

use std::io::{Read, Write};
use std::sync::Arc;

use ring::aead::{Aad, LessSafeKey};
use zeroize::Zeroizing;

use crate::crypto::{self, Entropy};
use crate::hashing::{aligned_base, Hashing, BATCH_CHUNKS, STRIDE};
use crate::keys::{KeyId, RecipientPublicKey, SenderKey};
use crate::{
    read_full, BundleId, Error, CHUNK_CT, CHUNK_SIZE, END_MARKER, MAGIC, MAX_RECIPIENTS,
    STANZA_LEN, TAG_LEN, VERSION,
};

/// What [`crate::seal`] made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sealed {
    /// The bundle's content id (format §6).
    pub id: BundleId,
    /// Bytes written: the bundle's length.
    pub len: u64,
    /// Plaintext bytes read.
    pub plaintext_len: u64,
}

/// What every seal draws and derives before the payload (format §3–§4): checked recipients,
/// randomness in the documented order (file key, payload salt, one ephemeral secret per
/// recipient), the payload key and the header's length.
pub(crate) struct Prepared {
    pub(crate) file_key: Zeroizing<[u8; 32]>,
    pub(crate) salt: [u8; 32],
    pub(crate) stanzas: Vec<(RecipientPublicKey, Zeroizing<[u8; 32]>)>,
    pub(crate) key: LessSafeKey,
    pub(crate) header_len: usize,
    pub(crate) sender_id: KeyId,
}

pub(crate) fn prepare(
    sender: &SenderKey,
    recipients: &[RecipientPublicKey],
    entropy: &mut dyn Entropy,
) -> Result<Prepared, Error> {
    if recipients.is_empty() {
        return Err(Error::NoRecipients);
    }
    if recipients.len() > MAX_RECIPIENTS {
        return Err(Error::TooManyRecipients {
            count: recipients.len(),
        });
    }
    let mut ids: Vec<_> = recipients.iter().map(|r| r.key_id()).collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::DuplicateRecipient { key: w[0] });
    }

    // Randomness, in the documented order: file key, payload salt, ephemeral secrets.
    let mut file_key = Zeroizing::new([0u8; 32]);
    entropy.fill(&mut file_key[..])?;
    let mut salt = [0u8; 32];
    entropy.fill(&mut salt)?;
    let mut stanzas = Vec::with_capacity(recipients.len());
    for r in recipients {
        let mut e = Zeroizing::new([0u8; 32]);
        entropy.fill(&mut e[..])?;
        stanzas.push((*r, e));
    }
    let key = crypto::payload_key(&file_key, &salt)?;
    let header_len = crate::FIXED_HEADER_LEN + recipients.len() * STANZA_LEN + crate::MAC_LEN;
    Ok(Prepared {
        file_key,
        salt,
        stanzas,
        key,
        header_len,
        sender_id: sender.key_id(),
    })
}

pub(crate) fn seal_with<R: Read, W: Write>(
    mut reader: R,
    writer: W,
    sender: &SenderKey,
    recipients: &[RecipientPublicKey],
    entropy: &mut dyn Entropy,
) -> Result<Sealed, Error> {
    let Prepared {
        file_key,
        salt,
        stanzas,
        key,
        header_len,
        sender_id,
    } = prepare(sender, recipients, entropy)?;

    let mut hashing = Hashing::new(header_len);
    // The payload key does not depend on the header, so the first chunk is read before the
    // header is made. If more may follow, a helper makes the header (one X25519 agreement per
    // recipient) while this thread encrypts the first batch; nothing is written before it.
    let mut cur = hashing.take_buf()?;
    let first = read_full(&mut reader, slot_mut(&mut cur, 0)?)?;
    let header = if first == CHUNK_SIZE && Hashing::can_delegate() {
        let file_key = file_key.clone();
        hashing.delegate(Box::new(move || {
            make_header(sender_id, &salt, &file_key, &stanzas)
        }))?;
        None
    } else {
        Some(make_header(sender_id, &salt, &file_key, &stanzas)?)
    };
    drop(file_key);
    let mut out = Out {
        writer,
        header,
        header_written: false,
        waiting: Vec::new(),
    };
    let plaintext_len = seal_payload(&mut reader, &mut out, &key, &mut hashing, cur, first)?;
    let mut tree = hashing.finish()?;
    let digest = tree.root(&[])?;
    let signature = sender.sign(&crypto::signed_message(&digest));
    let id = tree.root(&signature)?;
    drop(tree);
    out.writer.write_all(&signature)?;
    out.writer.flush()?;

    let chunks = plaintext_len.div_ceil(CHUNK_SIZE as u64).max(1);
    Ok(Sealed {
        id: BundleId(id),
        len: header_len as u64
            + plaintext_len
            + chunks * TAG_LEN as u64
            + crate::TRAILER_LEN as u64,
        plaintext_len,
    })
}

/// The header (format §3): fixed fields, one stanza per recipient with its ephemeral secret,
/// then the MAC.
pub(crate) fn make_header(
    sender_id: KeyId,
    salt: &[u8; 32],
    file_key: &[u8; 32],
    stanzas: &[(RecipientPublicKey, Zeroizing<[u8; 32]>)],
) -> Result<Vec<u8>, Error> {
    let n = stanzas.len();
    let mut header = Vec::with_capacity(crate::FIXED_HEADER_LEN + n * STANZA_LEN + crate::MAC_LEN);
    header.extend_from_slice(&MAGIC);
    header.push(VERSION);
    header.extend_from_slice(sender_id.as_bytes());
    header.extend_from_slice(salt);
    header.extend_from_slice(&(n as u16).to_be_bytes());
    for (r, e) in stanzas {
        let ephemeral =
            *x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(**e)).as_bytes();
        let shared = crypto::x25519(e, &r.0).ok_or(Error::InvalidKey)?;
        let wk = crypto::wrap_key(&shared, &ephemeral, &r.0)?;
        let wrapped = crypto::wrap(&wk, file_key)?;
        header.extend_from_slice(r.key_id().as_bytes());
        header.extend_from_slice(&ephemeral);
        header.extend_from_slice(&wrapped);
    }
    let mac = ring::hmac::sign(&crypto::mac_key(file_key)?, &header);
    header.extend_from_slice(mac.as_ref());
    Ok(header)
}

/// The writer, and the header until it is written: while a helper makes it, finished batches
/// are submitted to the digest at once but wait here to be written after it.
struct Out<W> {
    writer: W,
    header: Option<Vec<u8>>,
    header_written: bool,
    waiting: Vec<(Arc<Vec<u8>>, Ranges)>,
}

/// Where a batch's ciphertext lies in its buffer: (offset, length) per chunk.
type Ranges = [(usize, usize); BATCH_CHUNKS];

/// At most this many batches wait for the header; then the caller waits for it (or makes it).
const MAX_WAITING: usize = 2;

impl<W: Write> Out<W> {
    /// Submits the first `chunks` chunks of the batch in `buf` (the last one `last_len` bytes
    /// long, the end marker appended after it if `last`) to the digest, and writes them once
    /// the header is written.
    fn emit(
        &mut self,
        hashing: &mut Hashing,
        mut buf: Vec<u8>,
        chunks: usize,
        last_len: usize,
        last: bool,
    ) -> Result<(), Error> {
        let base = aligned_base(&buf);
        let mut ranges: Ranges = [(0, 0); BATCH_CHUNKS];
        for (j, r) in ranges.iter_mut().enumerate().take(chunks) {
            *r = (base + j * STRIDE, CHUNK_CT);
        }
        let Some(r) = chunks.checked_sub(1).and_then(|j| ranges.get_mut(j)) else {
            return Err(Error::Internal);
        };
        r.1 = last_len;
        if last {
            let at = r.0 + r.1;
            buf.get_mut(at..at + END_MARKER.len())
                .ok_or(Error::Internal)?
                .copy_from_slice(&END_MARKER);
            r.1 += END_MARKER.len();
        }
        let shared = hashing.submit_ranges(buf, &ranges, !last)?;
        if !self.header_written {
            if self.header.is_none() {
                self.header = hashing.try_task()?.transpose()?;
            }
            if self.header.is_none() && (last || self.waiting.len() >= MAX_WAITING) {
                self.header = Some(hashing.task_result()?);
            }
            let Some(header) = self.header.take() else {
                self.waiting.push((shared, ranges));
                return Ok(());
            };
            self.writer.write_all(&header)?;
            hashing.set_header(header)?;
            self.header_written = true;
            for (b, r) in std::mem::take(&mut self.waiting) {
                write_ranges(&mut self.writer, &b, &r)?;
            }
        }
        write_ranges(&mut self.writer, &shared, &ranges)
    }
}

fn write_ranges<W: Write>(writer: &mut W, buf: &[u8], ranges: &Ranges) -> Result<(), Error> {
    for &(from, len) in ranges {
        if len > 0 {
            writer.write_all(buf.get(from..from + len).ok_or(Error::Internal)?)?;
        }
    }
    Ok(())
}

/// Seals plaintext chunk `index` lying at `buf[base + slot·STRIDE ..][.. len]`, tag right
/// after it.
fn seal_slot(
    key: &LessSafeKey,
    buf: &mut [u8],
    slot: usize,
    len: usize,
    index: u64,
    last: bool,
) -> Result<(), Error> {
    let off = aligned_base(buf) + slot * STRIDE;
    let region = buf
        .get_mut(off..off + len + TAG_LEN)
        .ok_or(Error::Internal)?;
    let (pt, tag_out) = region.split_at_mut(len);
    let tag = key
        .seal_in_place_separate_tag(crypto::chunk_nonce(index, last), Aad::empty(), pt)
        .map_err(|_| Error::Internal)?;
    tag_out.copy_from_slice(tag.as_ref());
    Ok(())
}

/// Where the plaintext of chunk `slot` of a batch goes in `buf`.
fn slot_mut(buf: &mut [u8], slot: usize) -> Result<&mut [u8], Error> {
    let off = aligned_base(buf) + slot * STRIDE;
    buf.get_mut(off..off + CHUNK_SIZE).ok_or(Error::Internal)
}

/// STREAM over the reader, starting with `cur` holding the first `pending` plaintext bytes in
/// slot 0: returns the number of plaintext bytes. A chunk is sealed only once the next one has
/// been read (or the input has ended), so the last-chunk flag is always right and a plaintext
/// of a multiple of 64 KiB ends with a full last chunk (format §4).
fn seal_payload<R: Read, W: Write>(
    reader: &mut R,
    out: &mut Out<W>,
    key: &LessSafeKey,
    hashing: &mut Hashing,
    mut cur: Vec<u8>,
    mut pending: usize,
) -> Result<u64, Error> {
    let mut slot = 0usize;
    let mut index = 0u64;
    let mut total = pending as u64;
    loop {
        if pending < CHUNK_SIZE {
            // Short (or empty, if it is chunk 0) chunk: necessarily the last.
            seal_slot(key, &mut cur, slot, pending, index, true)?;
            out.emit(hashing, cur, slot + 1, pending + TAG_LEN, true)?;
            return Ok(total);
        }
        let next_index = index.checked_add(1).ok_or(Error::TooLarge)?;
        if slot + 1 < BATCH_CHUNKS {
            let next = read_full(reader, slot_mut(&mut cur, slot + 1)?)?;
            let last = next == 0;
            seal_slot(key, &mut cur, slot, CHUNK_SIZE, index, last)?;
            if last {
                out.emit(hashing, cur, slot + 1, CHUNK_CT, true)?;
                return Ok(total);
            }
            slot += 1;
            pending = next;
        } else {
            let mut nb = hashing.take_buf()?;
            let next = read_full(reader, slot_mut(&mut nb, 0)?)?;
            let last = next == 0;
            seal_slot(key, &mut cur, slot, CHUNK_SIZE, index, last)?;
            out.emit(hashing, cur, BATCH_CHUNKS, CHUNK_CT, last)?;
            if last {
                hashing.give_back(nb)?;
                return Ok(total);
            }
            cur = nb;
            slot = 0;
            pending = next;
        }
        index = next_index;
        total += pending as u64;
    }
}
