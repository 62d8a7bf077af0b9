//! Opening (format §8).

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::sync::Arc;

use ring::aead::{Aad, LessSafeKey};
use zeroize::Zeroizing;

use crate::crypto;
use crate::hashing::{aligned_base, Hashing, BATCH_CHUNKS, BATCH_LEN};
use crate::header::read_header;
use crate::keys::{KeyId, RecipientSecretKey, SenderLookup, SenderPublicKey};
use crate::{read_full, BundleId, Error, CHUNK_CT, END_MARKER, SIG_LEN, TAG_LEN, TRAILER_LEN};

/// What [`crate::open`] verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opened {
    /// The bundle's content id (format §6).
    pub id: BundleId,
    /// The sender key id from the header, now authenticated by the signature.
    pub sender_id: KeyId,
    /// The sender's public key, as the lookup returned it.
    pub sender: SenderPublicKey,
    /// Plaintext bytes written.
    pub plaintext_len: u64,
    /// Bundle bytes read.
    pub len: u64,
}

pub(crate) fn open_impl<R: Read, W: Write>(
    mut reader: R,
    mut writer: W,
    me: &RecipientSecretKey,
    senders: &dyn SenderLookup,
) -> Result<Opened, Error> {
    let header = read_header(&mut reader)?;

    // Step 2 of §8: everything here happens before a single plaintext byte is written.
    let my_id = me.key_id();
    let stanza = header
        .stanzas
        .iter()
        .find(|s| s.recipient == my_id)
        .ok_or(Error::NotForMe)?;

    // The digest needs no key: the first batches are read and handed to the helpers before the
    // key agreement, so they hash while this thread does it. Nothing is decrypted, let alone
    // written, before the header has been authenticated.
    let mut hashing = Hashing::new(header.len());
    hashing.watch()?;
    hashing.set_header(header.as_bytes().to_vec())?;
    // A read error here is kept and returned only after step 2, so the errors come in §8's
    // order whatever the reader does.
    let mut input = Input::new(&mut hashing)?;
    let mut ahead = VecDeque::with_capacity(AHEAD);
    while ahead.len() < AHEAD {
        let step = input.next(&mut reader, &mut hashing);
        let end = !matches!(step, Ok(Step::Middle(_)));
        ahead.push_back(step);
        if end {
            break;
        }
    }

    let shared = me.agree(&stanza.ephemeral).ok_or(Error::TamperedHeader)?;
    let wk = crypto::wrap_key(&shared, &stanza.ephemeral, me.public_key().as_bytes())?;
    drop(shared);
    let file_key = crypto::unwrap(&wk, &stanza.wrapped).ok_or(Error::TamperedHeader)?;
    ring::hmac::verify(
        &crypto::mac_key(&file_key)?,
        header.mac_input(),
        header.mac(),
    )
    .map_err(|_| Error::TamperedHeader)?;
    let sender = senders
        .sender_key(&header.sender)
        .ok_or(Error::UnknownSender {
            sender: header.sender,
        })?;
    let key = crypto::payload_key(&file_key, &header.salt)?;
    drop(file_key);

    let mut stream = Stream {
        key: &key,
        scratch: Zeroizing::new(vec![0u8; CHUNK_CT + 64]),
        index: 0,
        plaintext_len: 0,
    };
    let (signature, body_len) = open_payload(
        &mut reader,
        &mut writer,
        &mut stream,
        &mut hashing,
        input,
        ahead,
    )?;
    writer.flush()?;
    let mut tree = hashing.finish()?;
    let digest = tree.root(&[])?;
    if !sender.verify(&crypto::signed_message(&digest), &signature) {
        return Err(Error::BadSignature);
    }
    let id = tree.root(&signature)?;
    Ok(Opened {
        id: BundleId(id),
        sender_id: header.sender,
        sender,
        plaintext_len: stream.plaintext_len,
        len: header.len() as u64 + body_len + SIG_LEN as u64,
    })
}

struct Stream<'k> {
    key: &'k LessSafeKey,
    /// Plaintext of the chunk being released; wiped when the open ends.
    scratch: Zeroizing<Vec<u8>>,
    index: u64,
    plaintext_len: u64,
}

impl Stream<'_> {
    /// Authenticates and decrypts one chunk, then writes its plaintext. Decrypts a copy, because
    /// the ciphertext still has to go to the digest.
    fn chunk<W: Write>(&mut self, ct: &[u8], last: bool, writer: &mut W) -> Result<(), Error> {
        let index = self.index;
        let tampered = Error::TamperedChunk { index };
        let len = ct.len();
        // Decrypts at a 64-byte aligned offset: ring's AES-GCM is faster there.
        let base = aligned_base(&self.scratch);
        let scratch = self
            .scratch
            .get_mut(base..base + len)
            .ok_or(Error::Internal)?;
        scratch.copy_from_slice(ct);
        let pt =
            match self
                .key
                .open_in_place(crypto::chunk_nonce(index, last), Aad::empty(), scratch)
            {
                Ok(pt) => pt,
                Err(_) => {
                    // A full chunk that fails as the last one but authenticates as a middle one:
                    // the real last chunk is missing (format §4).
                    if last && len == CHUNK_CT {
                        let again = self
                            .scratch
                            .get_mut(base..base + len)
                            .ok_or(Error::Internal)?;
                        again.copy_from_slice(ct);
                        if self
                            .key
                            .open_in_place(crypto::chunk_nonce(index, false), Aad::empty(), again)
                            .is_ok()
                        {
                            return Err(Error::Truncated);
                        }
                    }
                    return Err(tampered);
                }
            };
        if last && pt.is_empty() && index > 0 {
            return Err(tampered);
        }
        writer.write_all(pt)?;
        self.plaintext_len += pt.len() as u64;
        self.index = index.checked_add(1).ok_or(Error::TooLarge)?;
        Ok(())
    }
}

/// Batches read before the key agreement (see [`open_impl`]).
const AHEAD: usize = 2;
/// Look-ahead after a full batch: at least one more chunk byte and the trailer.
const LOOK: usize = TRAILER_LEN + 1;

/// What one read of the payload gave.
enum Step {
    /// A full batch of middle chunks, already submitted to the digest.
    Middle(Arc<Vec<u8>>),
    /// The input has ended: the buffer holds the rest of the bundle in its first bytes.
    End(Vec<u8>, usize),
}

/// The payload as it is read. A chunk is known not to be the last when more than
/// `CHUNK_CT + TRAILER_LEN` bytes follow its start; the trailer is the last `TRAILER_LEN` bytes.
struct Input {
    buf: Option<Vec<u8>>,
    filled: usize,
    /// Bytes from the end of the header through the batches submitted so far.
    body: u64,
}

impl Input {
    fn new(hashing: &mut Hashing) -> Result<Self, Error> {
        Ok(Input {
            buf: Some(hashing.take_buf()?),
            filled: 0,
            body: 0,
        })
    }

    /// Reads the next batch of middle chunks and submits it to the digest, or, once the input
    /// has ended, returns what is left.
    fn next<R: Read>(&mut self, reader: &mut R, hashing: &mut Hashing) -> Result<Step, Error> {
        let mut buf = self.buf.take().ok_or(Error::Internal)?;
        let room = buf.get_mut(self.filled..BATCH_LEN).ok_or(Error::Internal)?;
        self.filled += read_full(reader, room)?;
        if self.filled == BATCH_LEN {
            let more = read_full(reader, &mut buf[BATCH_LEN..BATCH_LEN + LOOK])?;
            if more == LOOK {
                let mut next = hashing.take_buf()?;
                next[..LOOK].copy_from_slice(&buf[BATCH_LEN..BATCH_LEN + LOOK]);
                self.buf = Some(next);
                self.filled = LOOK;
                self.body += BATCH_LEN as u64;
                return Ok(Step::Middle(hashing.submit_ranges(
                    buf,
                    &[(0, BATCH_LEN)],
                    true,
                )?));
            }
            self.filled += more;
        }
        Ok(Step::End(buf, std::mem::take(&mut self.filled)))
    }
}

/// Decrypts and writes the payload, the batches in `ahead` first (ending at the first error or
/// the end of the input, if it holds either), then the rest of the input.
/// Each middle batch is handed to the digest before it is decrypted (from a copy, see
/// [`Stream::chunk`]), so the helpers hash it meanwhile. Returns the signature and the number
/// of bytes from the end of the header through the end marker.
fn open_payload<R: Read, W: Write>(
    reader: &mut R,
    writer: &mut W,
    stream: &mut Stream<'_>,
    hashing: &mut Hashing,
    mut input: Input,
    mut ahead: VecDeque<Result<Step, Error>>,
) -> Result<([u8; SIG_LEN], u64), Error> {
    let (buf, filled) = loop {
        let step = match ahead.pop_front() {
            Some(step) => step?,
            None => input.next(reader, hashing)?,
        };
        match step {
            Step::Middle(batch) => {
                for j in 0..BATCH_CHUNKS {
                    stream.chunk(&batch[j * CHUNK_CT..(j + 1) * CHUNK_CT], false, writer)?;
                }
            }
            Step::End(buf, filled) => break (buf, filled),
        }
    };
    let mut body = input.body;

    // The input has ended: buf[..filled] is the rest of the bundle.
    if filled < TRAILER_LEN {
        return Err(Error::Truncated);
    }
    let payload_len = filled - TRAILER_LEN;
    if buf[payload_len..payload_len + END_MARKER.len()] != END_MARKER {
        return Err(Error::Truncated);
    }
    if payload_len == 0 {
        // Not even chunk 0 (a batch is only passed on when at least one chunk byte follows).
        return Err(Error::Truncated);
    }
    let (middle, last_len) = match payload_len % CHUNK_CT {
        0 => (payload_len / CHUNK_CT - 1, CHUNK_CT),
        r => (payload_len / CHUNK_CT, r),
    };
    if last_len < TAG_LEN {
        return Err(Error::Truncated);
    }
    let mut signature = [0u8; SIG_LEN];
    signature.copy_from_slice(&buf[filled - SIG_LEN..filled]);
    let hashed = filled - SIG_LEN;
    let rest = hashing.submit_ranges(buf, &[(0, hashed)], false)?;
    body += hashed as u64;
    for j in 0..middle {
        stream.chunk(&rest[j * CHUNK_CT..(j + 1) * CHUNK_CT], false, writer)?;
    }
    let start = middle * CHUNK_CT;
    stream.chunk(&rest[start..start + last_len], true, writer)?;
    Ok((signature, body))
}
