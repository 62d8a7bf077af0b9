//! Sealing (format §3–§6).

use std::io::{Read, Write};

use ring::aead::{Aad, LessSafeKey};
use zeroize::Zeroizing;

use crate::crypto::{self, Entropy};
use crate::hashing::{Hashing, BATCH_CHUNKS, BATCH_LEN};
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

/// [`crate::seal`] with randomness from `entropy` (the OS, or the seeded test entropy).
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
    let mut stanzas = Vec::with_capacity(recipients.len());
    for r in recipients {
        let mut e = Zeroizing::new([0u8; 32]);
        entropy.fill(&mut e[..])?;
        stanzas.push((*r, e));
    }
    let key = crypto::payload_key(&file_key, &salt)?;
    let header = make_header(sender.key_id(), &salt, &file_key, &stanzas)?;
    drop((file_key, stanzas));

    writer.write_all(&header)?;
    let (plaintext_len, mut hash) = std::thread::scope(|scope| {
        let mut hashing = Hashing::new(scope, &header);
        let plaintext_len = seal_payload(&mut reader, &mut writer, &key, &mut hashing)?;
        Ok::<_, Error>((plaintext_len, hashing.finish()?))
    })?;
    writer.write_all(&END_MARKER)?;
    hash.update(&END_MARKER);
    let signature = sender.sign(&crypto::signed_message(&hash.digest()));
    writer.write_all(&signature)?;
    writer.flush()?;

    let chunks = plaintext_len.div_ceil(CHUNK_SIZE as u64).max(1);
    Ok(Sealed {
        id: BundleId(hash.id(&signature)),
        len: header.len() as u64
            + plaintext_len
            + chunks * TAG_LEN as u64
            + crate::TRAILER_LEN as u64,
        plaintext_len,
    })
}

/// The header (format §3): fixed fields, one stanza per recipient with its ephemeral secret,
/// then the MAC.
fn make_header(
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

/// STREAM over the reader (format §4): reads the plaintext a chunk at a time into batch
/// buffers (chunk `j` of a batch at `j · CHUNK_CT`), seals each chunk in place with its tag
/// right after it, and writes each batch and hands it to the digest. A chunk is sealed only
/// once the next one has been read (or the input has ended), so the last-chunk flag is always
/// right and a plaintext of a multiple of 64 KiB ends with a full last chunk. Returns the
/// number of plaintext bytes.
fn seal_payload<R: Read, W: Write>(
    reader: &mut R,
    writer: &mut W,
    key: &LessSafeKey,
    hashing: &mut Hashing<'_, '_>,
) -> Result<u64, Error> {
    let mut buf = hashing.buffer()?;
    let mut slot = 0;
    let mut len = read_full(reader, &mut buf[..CHUNK_SIZE])?;
    let mut total = len as u64;
    let mut index = 0u64;
    loop {
        // Slot `slot` of `buf` holds the `len` plaintext bytes of chunk `index`.
        if len < CHUNK_SIZE {
            // Short (or empty, if it is chunk 0): necessarily the last.
            seal_chunk(key, &mut buf, slot, len, index, true)?;
            let end = slot * CHUNK_CT + len + TAG_LEN;
            writer.write_all(&buf[..end])?;
            hashing.submit(buf, end, false)?;
            return Ok(total);
        }
        // A full chunk is the last one if nothing follows it.
        let mut next_buf = None;
        let next = if slot + 1 < BATCH_CHUNKS {
            let at = (slot + 1) * CHUNK_CT;
            read_full(reader, &mut buf[at..at + CHUNK_SIZE])?
        } else {
            let next_buf = next_buf.insert(hashing.buffer()?);
            read_full(reader, &mut next_buf[..CHUNK_SIZE])?
        };
        let last = next == 0;
        seal_chunk(key, &mut buf, slot, CHUNK_SIZE, index, last)?;
        if last {
            let end = (slot + 1) * CHUNK_CT;
            writer.write_all(&buf[..end])?;
            hashing.submit(buf, end, false)?;
            return Ok(total);
        }
        match next_buf {
            None => slot += 1,
            Some(next_buf) => {
                writer.write_all(&buf[..BATCH_LEN])?;
                hashing.submit(std::mem::replace(&mut buf, next_buf), BATCH_LEN, true)?;
                slot = 0;
            }
        }
        index = index.checked_add(1).ok_or(Error::TooLarge)?;
        len = next;
        total += len as u64;
    }
}

/// Seals the `len` plaintext bytes of chunk `index` at slot `slot` of `buf` in place, the tag
/// right after them.
fn seal_chunk(
    key: &LessSafeKey,
    buf: &mut [u8],
    slot: usize,
    len: usize,
    index: u64,
    last: bool,
) -> Result<(), Error> {
    let at = slot * CHUNK_CT;
    let (plain, tag_out) = buf
        .get_mut(at..at + len + TAG_LEN)
        .ok_or(Error::Internal)?
        .split_at_mut(len);
    let tag = key
        .seal_in_place_separate_tag(crypto::chunk_nonce(index, last), Aad::empty(), plain)
        .map_err(|_| Error::Internal)?;
    tag_out.copy_from_slice(tag.as_ref());
    Ok(())
}
