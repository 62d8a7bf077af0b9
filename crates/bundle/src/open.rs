//! Opening (format §8).

use std::io::{Read, Write};

use ring::aead::{Aad, LessSafeKey};
use zeroize::Zeroizing;

use crate::crypto;
use crate::hashing::{new_buf, Buf, Hashing, StreamHash, BATCH_LEN, DEPTH, LOOK};
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

    // Steps 3 and 4: nothing has been read past the header yet.
    let mut stream = Stream {
        key: &key,
        index: 0,
        plaintext_len: 0,
    };
    let (signature, body_len, hash) = std::thread::scope(|scope| {
        let hashing = Hashing::new(scope, header.as_bytes());
        open_payload(&mut reader, &mut writer, &mut stream, hashing)
    })?;
    writer.flush()?;
    if !sender.verify(&crypto::signed_message(&hash.digest()), &signature) {
        return Err(Error::BadSignature);
    }
    Ok(Opened {
        id: BundleId(hash.id(&signature)),
        sender_id: header.sender,
        sender,
        plaintext_len: stream.plaintext_len,
        len: header.len() as u64 + body_len + SIG_LEN as u64,
    })
}

struct Stream<'k> {
    key: &'k LessSafeKey,
    index: u64,
    plaintext_len: u64,
}

impl Stream<'_> {
    /// Authenticates and decrypts the next chunk in place, then writes its plaintext.
    fn chunk<W: Write>(
        &mut self,
        chunk: &mut [u8],
        last: bool,
        writer: &mut W,
    ) -> Result<(), Error> {
        let index = self.index;
        let tampered = Error::TamperedChunk { index };
        // A full chunk that fails as the last one but authenticates as a middle one means the
        // real last chunk is missing (format §4): keep a copy to tell, since a failed open
        // wipes the chunk.
        let mut copy = (last && chunk.len() == CHUNK_CT).then(|| Zeroizing::new(chunk.to_vec()));
        let nonce = crypto::chunk_nonce(index, last);
        let Ok(plain) = self.key.open_in_place(nonce, Aad::empty(), chunk) else {
            if let Some(copy) = &mut copy {
                let nonce = crypto::chunk_nonce(index, false);
                if self.key.open_in_place(nonce, Aad::empty(), copy).is_ok() {
                    return Err(Error::Truncated);
                }
            }
            return Err(tampered);
        };
        if last && plain.is_empty() && index > 0 {
            return Err(tampered);
        }
        writer.write_all(plain)?;
        self.plaintext_len += plain.len() as u64;
        self.index = index.checked_add(1).ok_or(Error::TooLarge)?;
        Ok(())
    }

    /// Decrypts and writes a batch of middle chunks.
    fn batch<W: Write>(&mut self, buf: &mut [u8], writer: &mut W) -> Result<(), Error> {
        for chunk in buf[..BATCH_LEN].chunks_exact_mut(CHUNK_CT) {
            self.chunk(chunk, false, writer)?;
        }
        Ok(())
    }
}

/// What one read of the payload gave.
enum Step {
    /// A full batch of middle chunks.
    Middle(Buf),
    /// The input has ended: the buffer holds the rest of the bundle in its first bytes.
    End(Buf, usize),
}

/// The payload as it is read. A chunk is known not to be the last when more than
/// `CHUNK_CT + TRAILER_LEN` bytes follow its start; the trailer is the last `TRAILER_LEN` bytes.
#[derive(Default)]
struct Input {
    /// Bytes read past the last full batch, which start the next one.
    ahead: Option<[u8; LOOK]>,
    /// Bytes of the full batches read so far.
    body: u64,
}

impl Input {
    /// Reads the next batch of middle chunks into `buf`, or, once the input has ended, the rest
    /// of the bundle.
    fn next<R: Read>(&mut self, reader: &mut R, mut buf: Buf) -> Result<Step, Error> {
        let mut filled = 0;
        if let Some(ahead) = self.ahead.take() {
            buf[..LOOK].copy_from_slice(&ahead);
            filled = LOOK;
        }
        filled += read_full(reader, &mut buf[filled..BATCH_LEN])?;
        if filled == BATCH_LEN {
            filled += read_full(reader, &mut buf[BATCH_LEN..BATCH_LEN + LOOK])?;
            if filled == BATCH_LEN + LOOK {
                let mut ahead = [0; LOOK];
                ahead.copy_from_slice(&buf[BATCH_LEN..BATCH_LEN + LOOK]);
                self.ahead = Some(ahead);
                self.body += BATCH_LEN as u64;
                return Ok(Step::Middle(buf));
            }
        }
        Ok(Step::End(buf, filled))
    }
}

/// Decrypts and writes the payload. Each full batch is handed to the digest first and
/// decrypted once it has been hashed, up to [`DEPTH`] batches behind the reading, so the helper
/// hashes one batch while this thread decrypts another; the rest of the bundle after the last
/// full batch is hashed on this thread once the helper is done. Returns the signature, the
/// number of bytes from the end of the header through the end marker, and the digest stream.
fn open_payload<R: Read, W: Write>(
    reader: &mut R,
    writer: &mut W,
    stream: &mut Stream<'_>,
    mut hashing: Hashing<'_, '_>,
) -> Result<([u8; SIG_LEN], u64, StreamHash), Error> {
    let mut input = Input::default();
    let mut spare = None;
    let (mut buf, filled) = loop {
        match input.next(reader, spare.take().unwrap_or_else(new_buf))? {
            Step::Middle(buf) => {
                hashing.submit(buf, BATCH_LEN, true)?;
                if hashing.in_flight() >= DEPTH {
                    let mut done = hashing.take_back()?;
                    stream.batch(&mut done, writer)?;
                    spare = Some(done);
                }
            }
            Step::End(buf, filled) => break (buf, filled),
        }
    };
    while hashing.in_flight() > 0 {
        stream.batch(&mut hashing.take_back()?, writer)?;
    }

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
    let mut hash = hashing.finish()?;
    hash.update(&buf[..hashed]);
    for chunk in buf[..middle * CHUNK_CT].chunks_exact_mut(CHUNK_CT) {
        stream.chunk(chunk, false, writer)?;
    }
    let start = middle * CHUNK_CT;
    stream.chunk(&mut buf[start..start + last_len], true, writer)?;
    Ok((signature, input.body + hashed as u64, hash))
}
