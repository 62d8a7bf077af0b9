//! The header (format §3): parsing, encoding, stanzas and the MAC.

use std::io::Read;

use crate::error::Malformed;
use crate::keys::KeyId;
use crate::{read_full, Error};
use crate::{FIXED_HEADER_LEN, MAC_LEN, MAGIC, MAX_RECIPIENTS, STANZA_LEN, VERSION};

/// One recipient stanza: who it is for, the ephemeral public key and the wrapped file key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stanza {
    /// The recipient key id.
    pub recipient: KeyId,
    /// The ephemeral X25519 public key `E`.
    pub ephemeral: [u8; 32],
    /// The file key under AES-256-GCM with the wrap key: 32 bytes ciphertext, 16 bytes tag.
    pub wrapped: [u8; 48],
}

/// A parsed, *not yet authenticated* header. Parsing checks the structure only; the MAC can be
/// checked only with the file key, i.e. by a recipient (that is what `open` does).
#[derive(Clone, Debug)]
pub struct Header {
    pub(crate) raw: Vec<u8>,
    pub(crate) sender: KeyId,
    pub(crate) salt: [u8; 32],
    pub(crate) stanzas: Vec<Stanza>,
}

impl Header {
    /// The format version (always [`VERSION`] for a header that parsed).
    pub fn version(&self) -> u8 {
        VERSION
    }
    /// The sender key id (unauthenticated until `open` checks the MAC and signature).
    pub fn sender(&self) -> KeyId {
        self.sender
    }
    /// The recipient key ids, in header order: what the endpoint routes the envelope to.
    pub fn recipients(&self) -> impl Iterator<Item = KeyId> + '_ {
        self.stanzas.iter().map(|s| s.recipient)
    }
    /// The stanzas.
    pub fn stanzas(&self) -> &[Stanza] {
        &self.stanzas
    }
    /// The header's length in bytes (`91 + 96·n`): where the payload starts.
    pub fn len(&self) -> usize {
        self.raw.len()
    }
    /// Always false: a header has at least one stanza.
    pub fn is_empty(&self) -> bool {
        false
    }
    /// The header's bytes as they appear in the bundle.
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }
    /// Everything the MAC covers.
    pub(crate) fn mac_input(&self) -> &[u8] {
        &self.raw[..self.raw.len() - MAC_LEN]
    }
    /// The MAC.
    pub(crate) fn mac(&self) -> &[u8] {
        &self.raw[self.raw.len() - MAC_LEN..]
    }

    /// Parses a header from the start of `bytes` (anything after it is ignored; see
    /// [`Header::len`]). Never panics.
    pub fn parse(mut bytes: &[u8]) -> Result<Header, Error> {
        read_header(&mut bytes)
    }
}

/// Reads exactly one header from `reader` and checks its structure (format §3, §8 step 1):
/// magic ([`Error::MalformedHeader`]), version ([`Error::UnsupportedVersion`]), recipient count
/// and distinct recipient key ids ([`Error::MalformedHeader`]); input ending inside the header
/// is [`Error::Truncated`]. Reads nothing past the header.
pub fn read_header<R: Read + ?Sized>(reader: &mut R) -> Result<Header, Error> {
    let mut raw = vec![0u8; FIXED_HEADER_LEN];
    let got = read_full(reader, &mut raw[..MAGIC.len()])?;
    if raw[..got] != MAGIC[..got] {
        return Err(Error::MalformedHeader {
            reason: Malformed::NotABundle,
        });
    }
    if got < MAGIC.len() {
        return Err(Error::Truncated);
    }
    if read_full(reader, &mut raw[8..9])? < 1 {
        return Err(Error::Truncated);
    }
    if raw[8] != VERSION {
        return Err(Error::UnsupportedVersion { found: raw[8] });
    }
    if read_full(reader, &mut raw[9..FIXED_HEADER_LEN])? < FIXED_HEADER_LEN - 9 {
        return Err(Error::Truncated);
    }
    let mut sender = [0u8; 16];
    sender.copy_from_slice(&raw[9..25]);
    let mut salt = [0u8; 32];
    salt.copy_from_slice(&raw[25..57]);
    let n = u16::from_be_bytes([raw[57], raw[58]]) as usize;
    if n == 0 || n > MAX_RECIPIENTS {
        return Err(Error::MalformedHeader {
            reason: Malformed::RecipientCount,
        });
    }
    let rest = n * STANZA_LEN + MAC_LEN;
    raw.resize(FIXED_HEADER_LEN + rest, 0);
    if read_full(reader, &mut raw[FIXED_HEADER_LEN..])? < rest {
        return Err(Error::Truncated);
    }
    let mut stanzas = Vec::with_capacity(n);
    for s in raw[FIXED_HEADER_LEN..FIXED_HEADER_LEN + n * STANZA_LEN].chunks_exact(STANZA_LEN) {
        let mut recipient = [0u8; 16];
        recipient.copy_from_slice(&s[..16]);
        let mut ephemeral = [0u8; 32];
        ephemeral.copy_from_slice(&s[16..48]);
        let mut wrapped = [0u8; 48];
        wrapped.copy_from_slice(&s[48..96]);
        stanzas.push(Stanza {
            recipient: KeyId(recipient),
            ephemeral,
            wrapped,
        });
    }
    let mut ids: Vec<KeyId> = stanzas.iter().map(|s| s.recipient).collect();
    ids.sort_unstable();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return Err(Error::MalformedHeader {
            reason: Malformed::DuplicateRecipient,
        });
    }
    Ok(Header {
        raw,
        sender: KeyId(sender),
        salt,
        stanzas,
    })
}
