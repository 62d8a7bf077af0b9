//! Sealing (format §3–§6).

use std::io::{Read, Write};

use ring::aead::{Aad, LessSafeKey};
use zeroize::Zeroizing;

use crate::crypto::{self, Entropy};
use crate::hashing::{Hashing, BATCH_CHUNKS, BATCH_LEN};
use crate::keys::{RecipientPublicKey, SenderKey};
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

pub(crate) fn seal_with<R: Read, W: Write>(
    mut reader: R,
    mut writer: W,
    sender: &SenderKey,
    recipients: &[RecipientPublicKey],
    entropy: &mut dyn Entropy,
) -> Result<Sealed, Error> {
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

    let n = recipients.len();
    let mut header = Vec::with_capacity(crate::FIXED_HEADER_LEN + n * STANZA_LEN + crate::MAC_LEN);
    header.extend_from_slice(&MAGIC);
    header.push(VERSION);
    header.extend_from_slice(sender.key_id().as_bytes());
    header.extend_from_slice(&salt);
    header.extend_from_slice(&(n as u16).to_be_bytes());
    for r in recipients {
        let mut e = Zeroizing::new([0u8; 32]);
        entropy.fill(&mut e[..])?;
        let secret = x25519_dalek::StaticSecret::from(*e);
        let ephemeral = *x25519_dalek::PublicKey::from(&secret).as_bytes();
        let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(r.0));
        if !shared.was_contributory() {
            return Err(Error::InvalidKey);
        }
        let wk = crypto::wrap_key(shared.as_bytes(), &ephemeral, &r.0)?;
        let wrapped = crypto::wrap(&wk, &file_key)?;
        header.extend_from_slice(r.key_id().as_bytes());
        header.extend_from_slice(&ephemeral);
        header.extend_from_slice(&wrapped);
    }
    let mac = ring::hmac::sign(&crypto::mac_key(&file_key)?, &header);
    header.extend_from_slice(mac.as_ref());
    writer.write_all(&header)?;

    let key = crypto::payload_key(&file_key, &salt)?;
    drop(file_key);

    {
        let mut hashing = Hashing::new(&header);
        let plaintext_len = seal_payload(&mut reader, &mut writer, &key, &mut hashing)?;
        let mut hasher = hashing.finish()?;

        hasher.update(&END_MARKER);
        let digest = *hasher.finalize().as_bytes();
        let signature = sender.sign(&crypto::signed_message(&digest));
        hasher.update(&signature);
        writer.write_all(&END_MARKER)?;
        writer.write_all(&signature)?;
        writer.flush()?;

        let chunks = plaintext_len.div_ceil(CHUNK_SIZE as u64).max(1);
        Ok(Sealed {
            id: BundleId(*hasher.finalize().as_bytes()),
            len: header.len() as u64
                + plaintext_len
                + chunks * TAG_LEN as u64
                + crate::TRAILER_LEN as u64,
            plaintext_len,
        })
    }
}

/// Seals plaintext chunk `index` lying at `buf[slot·CHUNK_CT ..][.. len]`, tag right after it.
fn seal_slot(
    key: &LessSafeKey,
    buf: &mut [u8],
    slot: usize,
    len: usize,
    index: u64,
    last: bool,
) -> Result<(), Error> {
    let off = slot * CHUNK_CT;
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

/// STREAM over the reader: returns the number of plaintext bytes. A chunk is sealed only once
/// the next one has been read (or the input has ended), so the last-chunk flag is always right
/// and a plaintext of a multiple of 64 KiB ends with a full last chunk (format §4).
fn seal_payload<R: Read, W: Write>(
    reader: &mut R,
    writer: &mut W,
    key: &LessSafeKey,
    hashing: &mut Hashing,
) -> Result<u64, Error> {
    let mut cur = hashing.take_buf()?;
    let mut slot = 0usize;
    let mut index = 0u64;
    let mut pending = read_full(reader, &mut cur[..CHUNK_SIZE])?;
    let mut total = pending as u64;
    loop {
        if pending < CHUNK_SIZE {
            // Short (or empty, if it is chunk 0) chunk: necessarily the last.
            seal_slot(key, &mut cur, slot, pending, index, true)?;
            let used = slot * CHUNK_CT + pending + TAG_LEN;
            writer.write_all(&cur[..used])?;
            hashing.submit(cur, used, false)?;
            return Ok(total);
        }
        let next_index = index.checked_add(1).ok_or(Error::TooLarge)?;
        if slot + 1 < BATCH_CHUNKS {
            let off = (slot + 1) * CHUNK_CT;
            let next = read_full(reader, &mut cur[off..off + CHUNK_SIZE])?;
            let last = next == 0;
            seal_slot(key, &mut cur, slot, CHUNK_SIZE, index, last)?;
            if last {
                let used = off;
                writer.write_all(&cur[..used])?;
                hashing.submit(cur, used, false)?;
                return Ok(total);
            }
            slot += 1;
            pending = next;
        } else {
            let mut nb = hashing.take_buf()?;
            let next = read_full(reader, &mut nb[..CHUNK_SIZE])?;
            let last = next == 0;
            seal_slot(key, &mut cur, slot, CHUNK_SIZE, index, last)?;
            writer.write_all(&cur[..BATCH_LEN])?;
            hashing.submit(cur, BATCH_LEN, !last)?;
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
