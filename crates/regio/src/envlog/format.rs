//! The bytes of the log (layout in the module doc of `envlog`): the segment header, records
//! and round ends; encoding them, and decoding and checking them when they are read back.

use super::index::{Env, SeenKey};
use super::ops::NewEnvelope;
use crate::records::{EnvelopeMeta, Result, StoreError};
use std::fs::File;
use std::io::{BufReader, Read};
use std::os::unix::fs::FileExt;
use zicht_protocol::Receipt;

const MAGIC: &[u8; 8] = b"ZREGLOG1";
pub(super) const SEGMENT_HEADER: u64 = 20;

pub(super) const PUT: u8 = 1;
pub(super) const ACK: u8 = 2;
pub(super) const DELETE: u8 = 3;
pub(super) const ROUND_END: u8 = 4;
pub(super) const SEEN: u8 = 5;

/// Largest `fields` accepted when reading (a put with 1024 recipients and its receipt is
/// about 50 KiB).
const MAX_FIELDS: u32 = 1 << 20;
/// Largest body accepted when reading: far above any configurable upload limit, small enough
/// that a corrupt length is caught.
const MAX_BODY: u64 = 1 << 40;

pub(super) fn crc(parts: &[&[u8]]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    for p in parts {
        h.update(p);
    }
    h.finalize()
}

/// Appends one record (without body) to `out`.
pub(super) fn record(out: &mut Vec<u8>, kind: u8, fields: &[u8]) {
    let start = out.len();
    out.push(kind);
    out.extend_from_slice(&(fields.len() as u32).to_be_bytes());
    out.extend_from_slice(fields);
    let c = crc(&[&out[start..]]);
    out.extend_from_slice(&c.to_be_bytes());
}

pub(super) fn put_fields(seq: u64, e: &NewEnvelope) -> Vec<u8> {
    let receipt = serde_json::to_vec(&e.receipt).unwrap_or_default();
    let mut f = Vec::with_capacity(60 + 16 * e.recipients.len() + receipt.len());
    f.extend_from_slice(&seq.to_be_bytes());
    f.extend_from_slice(&e.receipt.received_at_ms.to_be_bytes());
    f.extend_from_slice(&e.id);
    f.extend_from_slice(&(e.body.len() as u64).to_be_bytes());
    f.extend_from_slice(&(e.recipients.len() as u16).to_be_bytes());
    for k in &e.recipients {
        f.extend_from_slice(k);
    }
    f.extend_from_slice(&receipt);
    f
}

pub(super) fn kids_fields(id: &[u8; 32], kids: &[[u8; 16]]) -> Vec<u8> {
    let mut f = Vec::with_capacity(34 + 16 * kids.len());
    f.extend_from_slice(id);
    f.extend_from_slice(&(kids.len() as u16).to_be_bytes());
    for k in kids {
        f.extend_from_slice(k);
    }
    f
}

/// The fields of a seen record: count, then per signature its timestamp and digest.
pub(super) fn seen_fields(seen: &[SeenKey]) -> Vec<u8> {
    let mut f = Vec::with_capacity(4 + 24 * seen.len());
    f.extend_from_slice(&(seen.len() as u32).to_be_bytes());
    for (ts, d) in seen {
        f.extend_from_slice(&ts.to_be_bytes());
        f.extend_from_slice(d);
    }
    f
}

/// A record read back (or about to be published).
#[allow(clippy::large_enum_variant)] // short-lived, one per record
pub(super) enum Rec {
    Put { env: Env },
    Ack { id: [u8; 32], kids: Vec<[u8; 16]> },
    Delete { id: [u8; 32] },
    RoundEnd { crc: u32, start: u64 },
    Seen { seg: u32, entries: Vec<SeenKey> },
}

struct Cursor<'a> {
    b: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.b.len() < n {
            return Err(StoreError::Corrupt("log record too short"));
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Ok(h)
    }
    fn arr<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.arr()?))
    }
    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.arr()?))
    }
    fn kids(&mut self) -> Result<Vec<[u8; 16]>> {
        let n = self.u16()? as usize;
        (0..n).map(|_| self.arr::<16>()).collect()
    }
}

fn parse_fields(kind: u8, fields: &[u8], seg: u32, body_at: u64) -> Result<Rec> {
    let mut c = Cursor { b: fields };
    let rec = match kind {
        PUT => {
            let seq = c.u64()?;
            let received_at_ms = c.u64()? as i64;
            let id = c.arr::<32>()?;
            let size = c.u64()?;
            let kids = c.kids()?;
            let receipt: Receipt =
                serde_json::from_slice(c.b).map_err(|_| StoreError::Corrupt("log receipt"))?;
            c.b = &[];
            if receipt.id != hex::encode(id) || receipt.size != size {
                return Err(StoreError::Corrupt("log receipt does not match"));
            }
            Rec::Put {
                env: Env {
                    id,
                    meta: EnvelopeMeta {
                        seq,
                        size,
                        received_at_ms,
                        recipients: kids.iter().map(hex::encode).collect(),
                        acked: Vec::new(),
                        delivered: false,
                        receipt,
                    },
                    kids,
                    acked: Vec::new(),
                    seg,
                    body_at,
                },
            }
        }
        ACK => {
            let id = c.arr::<32>()?;
            let kids = c.kids()?;
            Rec::Ack { id, kids }
        }
        DELETE => Rec::Delete { id: c.arr::<32>()? },
        SEEN => {
            let n = u32::from_be_bytes(c.arr()?) as usize;
            if n > c.b.len() / 24 {
                return Err(StoreError::Corrupt("log seen count"));
            }
            let entries = (0..n)
                .map(|_| Ok((c.u64()?, c.arr::<16>()?)))
                .collect::<Result<_>>()?;
            Rec::Seen { seg, entries }
        }
        ROUND_END => Rec::RoundEnd {
            crc: u32::from_be_bytes(c.arr()?),
            start: c.u64()?,
        },
        _ => return Err(StoreError::Corrupt("unknown log record")),
    };
    if !c.b.is_empty() {
        return Err(StoreError::Corrupt("log record too long"));
    }
    Ok(rec)
}

/// Reads the next record at `at`; `Ok(None)` at the clean end of the file. Errors for
/// anything short, bad or inconsistent.
pub(super) fn read_record(
    r: &mut BufReader<&File>,
    at: u64,
    len: u64,
    seg: u32,
) -> Result<Option<(Rec, u64)>> {
    if at == len {
        return Ok(None);
    }
    let mut head = [0u8; 5];
    r.read_exact(&mut head)
        .map_err(|_| StoreError::Corrupt("log record cut off"))?;
    let n = u32::from_be_bytes([head[1], head[2], head[3], head[4]]);
    if n > MAX_FIELDS {
        return Err(StoreError::Corrupt("log record length"));
    }
    let mut fields = vec![0u8; n as usize + 4];
    r.read_exact(&mut fields)
        .map_err(|_| StoreError::Corrupt("log record cut off"))?;
    let (fields, tail) = fields.split_at(n as usize);
    if crc(&[&head, fields]).to_be_bytes() != tail {
        return Err(StoreError::Corrupt("log record checksum"));
    }
    let mut end = at + 5 + n as u64 + 4;
    let rec = parse_fields(head[0], fields, seg, end)?;
    if let Rec::Put { env } = &rec {
        let size = env.meta.size;
        if size > MAX_BODY || end + size > len {
            return Err(StoreError::Corrupt("log body cut off"));
        }
        r.seek_relative(size as i64)?;
        end += size;
    }
    Ok(Some((rec, end)))
}

/// Length of a round-end record.
const ROUND_END_LEN: u64 = 5 + 12 + 4;

/// The start of the last round if the segment ends with an intact round-end record.
pub(super) fn last_round_start(file: &File, len: u64) -> Option<u64> {
    let at = len.checked_sub(ROUND_END_LEN)?;
    let mut b = [0u8; ROUND_END_LEN as usize];
    file.read_exact_at(&mut b, at).ok()?;
    if b[0] != ROUND_END
        || b[1..5] != 12u32.to_be_bytes()
        || crc(&[&b[..17]]).to_be_bytes() != b[17..]
    {
        return None;
    }
    let start = u64::from_be_bytes(b[9..17].try_into().ok()?);
    (SEGMENT_HEADER..=at).contains(&start).then_some(start)
}

pub(super) fn header_bytes(last_seq: u64) -> Vec<u8> {
    let mut h = Vec::with_capacity(SEGMENT_HEADER as usize);
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&last_seq.to_be_bytes());
    let c = crc(&[&h]);
    h.extend_from_slice(&c.to_be_bytes());
    h
}

/// A segment header's seq, or `None` if the header is missing, short or bad.
pub(super) fn read_header(file: &File) -> Option<u64> {
    let mut h = [0u8; SEGMENT_HEADER as usize];
    file.read_exact_at(&mut h, 0).ok()?;
    if &h[..8] != MAGIC || crc(&[&h[..16]]).to_be_bytes() != h[16..] {
        return None;
    }
    Some(u64::from_be_bytes(h[8..16].try_into().ok()?))
}
