//! The only module that touches sled. Everything above it sees the endpoint's records
//! (devices, envelopes, inbox index, seen signatures) and one promise: [`Store::sync`] makes
//! every write that returned before it durable.
//!
//! Trees (keys are raw bytes, integers big-endian):
//!
//! | tree | key | value |
//! | --- | --- | --- |
//! | `devices` | device id (16) | [`Device`] as JSON |
//! | `key_ids` | recipient key id (16) | device id (16) |
//! | `seen` | timestamp seconds (8) ‖ signature (64) | empty |
//! | `envelopes` | envelope id (32) | the envelope bytes |
//! | `meta` | envelope id (32) | [`EnvelopeMeta`] as JSON |
//! | `inbox` | recipient key id (16) ‖ seq (8) | envelope id (32) |
//! | `by_time` | received at ms (8) ‖ seq (8) | envelope id (32) |
//! | `state` | `"seq"` | last assigned seq (8) |
//!
//! Writes that belong together (a batch of uploads, an ack, a deletion) are one sled
//! transaction across trees, taken under one writer lock that also orders the sequence
//! numbers. Uploads come in batches ([`Store::put_envelopes`], one transaction per group
//! commit round): a sled 0.34 transaction writes its log buffer out twice, so one per upload
//! would cost two log writes per upload.
//!
//! # The cursor invariant
//!
//! **Invariant:** a device's inbox cursor never skips an envelope, even across a crash. A
//! listing ([`Store::inbox`]) returns only envelopes whose seq is at most the *durable
//! watermark* ([`Store::durable_seq`]): the highest seq whose upload (and the `state` seq
//! written in the same transaction) a completed [`Store::sync`] covered. Hence:
//!
//! 1. Every seq a listing (or its `next` cursor) ever showed is durable, and so is the
//!    `state` seq ≥ it. After a crash, sled recovers at least that, so the counter restarts
//!    (at [`Store::open`]: recovered `state` seq + 1) strictly above every seq any device has
//!    seen. A seq that a crash takes back was never shown, so when it is handed out again to
//!    another envelope no cursor has passed it.
//! 2. Seqs are assigned in increasing order under the writer lock, and `sync` reads the last
//!    assigned seq only after that upload's transaction returned; so every seq ≤ the watermark
//!    is in the store (or deleted since, by ack or retention) when the watermark passes it. A
//!    listing that stops at the watermark therefore never passes a seq that appears later.
//! 3. At open, whatever sled recovered is fsynced before anything is listed, so the watermark
//!    starts at the recovered `state` seq.
//! 4. A failed sync poisons the store: after an `fsync` error the kernel may have dropped the
//!    dirty pages, so no later sync can vouch for them. Every later `sync` fails (the endpoint
//!    answers 500 to writes until it is restarted and sled recovers what is really on disk)
//!    and the watermark never moves again.
//!
//! The same watermark hides a not yet durable envelope from `GET /v1/envelopes/{id}`.

use crate::client::Receipt;
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};
use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sled: {0}")]
    Sled(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("corrupt record: {0}")]
    Corrupt(&'static str),
    #[error("an earlier sync failed; restart the endpoint")]
    Poisoned,
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        match e {
            sled::Error::Io(io) => StoreError::Io(io),
            other => StoreError::Sled(other.to_string()),
        }
    }
}

fn tx_err(e: TransactionError<()>) -> StoreError {
    match e {
        TransactionError::Storage(s) => s.into(),
        TransactionError::Abort(()) => StoreError::Corrupt("transaction aborted"),
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;
type TxResult<T> = std::result::Result<T, ConflictableTransactionError<()>>;

/// An enrolled device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub ed25519_public_key: String,
    pub key_ids: Vec<String>,
    pub enrolled_at_ms: i64,
}

/// What the endpoint knows about a stored envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeMeta {
    pub seq: u64,
    pub size: u64,
    pub received_at_ms: i64,
    /// Recipient key ids (hex), header order.
    pub recipients: Vec<String>,
    /// Recipient key ids (hex) that have acked.
    pub acked: Vec<String>,
    /// Every recipient acked: the body is gone; the record stays until retention so that a
    /// repeated upload still gets its receipt instead of being delivered again.
    pub delivered: bool,
    pub receipt: Receipt,
}

/// An upload, authenticated and parsed, with its signed receipt; the store adds the seq.
pub struct NewEnvelope {
    pub id: [u8; 32],
    pub body: sled::IVec,
    pub recipients: Vec<[u8; 16]>,
    pub receipt: Receipt,
}

/// An enrolled device's keys, decoded, as the request path needs them.
#[derive(Debug)]
pub struct DeviceKeys {
    pub ed25519_public_key: [u8; 32],
    pub key_ids: Vec<[u8; 16]>,
}

pub enum EnrolOutcome {
    Enrolled,
    AlreadyEnrolled,
    KeyInUse,
    InvalidToken,
}

pub enum AckOutcome {
    NotFound,
    Acked { deleted: bool },
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepCounts {
    pub envelopes: usize,
    pub signatures: usize,
}

pub struct Store {
    db: sled::Db,
    dir: PathBuf,
    db_file: File,
    devices: sled::Tree,
    key_ids: sled::Tree,
    seen: sled::Tree,
    envelopes: sled::Tree,
    meta: sled::Tree,
    inbox: sled::Tree,
    by_time: sled::Tree,
    state: sled::Tree,
    /// Serialises multi-tree writes and owns `next_seq`.
    write_lock: Mutex<()>,
    /// The next seq to assign; stored (under `write_lock`) only after the transaction that
    /// used the seqs below it returned.
    next_seq: AtomicU64,
    /// The durable watermark (module doc): every seq ≤ it is covered by a completed sync.
    durable_seq: AtomicU64,
    /// Set when a sync failed; every later sync fails.
    poisoned: AtomicBool,
    /// Decoded keys of devices looked up before. A device record never changes once it is
    /// enrolled (and is never removed), so entries never go stale; unknown ids are not kept.
    device_cache: RwLock<HashMap<[u8; 16], Arc<DeviceKeys>>>,
    /// Blob files already fsynced, with the size they had then (see [`Store::sync`]).
    synced_blobs: Mutex<HashMap<OsString, u64>>,
}

/// An envelope the sweep deletes: its `by_time` key, id, seq and recipient key ids.
type Doomed = (sled::IVec, [u8; 32], u64, Vec<[u8; 16]>);

fn inbox_key(kid: &[u8; 16], seq: u64) -> [u8; 24] {
    let mut k = [0u8; 24];
    k[..16].copy_from_slice(kid);
    k[16..].copy_from_slice(&seq.to_be_bytes());
    k
}

fn time_key(ms: i64, seq: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&(ms.max(0) as u64).to_be_bytes());
    k[8..].copy_from_slice(&seq.to_be_bytes());
    k
}

fn kid_from_hex(s: &str) -> Result<[u8; 16]> {
    let v = hex::decode(s).map_err(|_| StoreError::Corrupt("key id"))?;
    v.try_into().map_err(|_| StoreError::Corrupt("key id"))
}

fn json<T: Serialize>(v: &T) -> Vec<u8> {
    // Serialising these plain structs cannot fail.
    serde_json::to_vec(v).unwrap_or_default()
}

fn unjson<T: for<'de> Deserialize<'de>>(b: &[u8], what: &'static str) -> Result<T> {
    serde_json::from_slice(b).map_err(|_| StoreError::Corrupt(what))
}

impl Store {
    /// Opens (or creates) the store in `dir`. Fails if another process has it open.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir)?;
        let db = sled::Config::new().path(dir).open()?;
        let db_file = File::open(dir.join("db"))?;
        let t = |name: &str| db.open_tree(name);
        let state = t("state")?;
        let last = match state.get(b"seq")? {
            Some(v) => u64::from_be_bytes(
                v.as_ref()
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("seq"))?,
            ),
            None => 0,
        };
        let store = Store {
            devices: t("devices")?,
            key_ids: t("key_ids")?,
            seen: t("seen")?,
            envelopes: t("envelopes")?,
            meta: t("meta")?,
            inbox: t("inbox")?,
            by_time: t("by_time")?,
            state,
            db_file,
            dir: dir.to_path_buf(),
            db,
            write_lock: Mutex::new(()),
            next_seq: AtomicU64::new(last + 1),
            // Everything recovered is fsynced just below, before anyone can list.
            durable_seq: AtomicU64::new(last),
            poisoned: AtomicBool::new(false),
            synced_blobs: Mutex::new(HashMap::new()),
            device_cache: RwLock::new(HashMap::new()),
        };
        store.sync_all_files()?;
        Ok(store)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        // A panic while holding the lock leaves no half-written state (transactions), so a
        // poisoned lock is safe to take over.
        self.write_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes every write that returned before this call durable against a killed process and
    /// a power cut, and then advances the durable watermark to the last seq assigned before
    /// the call (module doc).
    ///
    /// sled 0.34's `flush()` writes its buffers and issues `sync_file_range`, which neither
    /// persists file metadata nor, on every file system, the data. And values too large for a
    /// log segment (a node over ~128 KiB: big envelopes) go to files under `blobs/` that sled
    /// never fsyncs. So after `flush()`: fsync each blob file that is new or has grown since
    /// the last call (and the `blobs/` directory if any is new), then `fdatasync` the log
    /// file `db`, where every other write lands. Called by the group-commit thread, which
    /// runs one such sync for every batch of waiting requests.
    ///
    /// After one failure the store is poisoned: this and every later call fail.
    pub fn sync(&self) -> Result<()> {
        if self.poisoned.load(Ordering::SeqCst) {
            return Err(StoreError::Poisoned);
        }
        // Read before the flush: every upload with a seq up to here has returned from its
        // transaction, so the flush below covers it.
        let covered = self.next_seq.load(Ordering::SeqCst) - 1;
        let result = (|| -> Result<()> {
            self.db.flush()?;
            self.sync_blobs()?;
            self.db_file.sync_data()?;
            Ok(())
        })();
        match result {
            Ok(()) => {
                self.durable_seq.fetch_max(covered, Ordering::SeqCst);
                Ok(())
            }
            Err(e) => {
                self.poisoned.store(true, Ordering::SeqCst);
                Err(e)
            }
        }
    }

    /// The durable watermark: the highest seq covered by a completed [`Store::sync`] (or
    /// recovered at open). Listings never go past it.
    pub fn durable_seq(&self) -> u64 {
        self.durable_seq.load(Ordering::SeqCst)
    }

    fn sync_blobs(&self) -> Result<()> {
        let blobs = self.dir.join("blobs");
        let entries = match std::fs::read_dir(&blobs) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        let mut synced = self
            .synced_blobs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut present = Vec::new();
        let mut new_entry = false;
        for entry in entries {
            let entry = entry?;
            let len = match entry.metadata() {
                Ok(m) if m.is_file() => m.len(),
                Ok(_) => continue,
                // Removed by sled's blob GC between listing and stat.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            };
            let name = entry.file_name();
            present.push(name.clone());
            if synced.get(&name) == Some(&len) {
                continue;
            }
            match File::open(entry.path()) {
                Ok(f) => f.sync_all()?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e.into()),
            }
            if synced.insert(name, len).is_none() {
                new_entry = true;
            }
        }
        if new_entry {
            File::open(&blobs)?.sync_all()?;
        }
        if synced.len() > present.len() {
            synced.retain(|k, _| present.contains(k));
        }
        Ok(())
    }

    /// `fsync` of every file and directory of the store (at open and close).
    pub fn sync_all_files(&self) -> Result<()> {
        self.db.flush()?;
        sync_tree(&self.dir)
    }

    /// The keys of an enrolled device, from memory after the first lookup (every signed
    /// request makes one).
    pub fn device_keys(&self, id: &[u8; 16]) -> Result<Option<Arc<DeviceKeys>>> {
        let cached = self
            .device_cache
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(id)
            .cloned();
        if cached.is_some() {
            return Ok(cached);
        }
        let Some(v) = self.devices.get(id)? else {
            return Ok(None);
        };
        let d: Device = unjson(&v, "device")?;
        let mut ed25519_public_key = [0u8; 32];
        hex::decode_to_slice(&d.ed25519_public_key, &mut ed25519_public_key)
            .map_err(|_| StoreError::Corrupt("device key"))?;
        let keys = Arc::new(DeviceKeys {
            ed25519_public_key,
            key_ids: d
                .key_ids
                .iter()
                .map(|k| kid_from_hex(k))
                .collect::<Result<_>>()?,
        });
        self.device_cache
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(*id, keys.clone());
        Ok(Some(keys))
    }

    /// Enrols a device: refuses an already enrolled signing key or an X25519 key id that
    /// another device holds *before* it calls `consume_token`, so such a refusal leaves the
    /// token usable.
    pub fn enrol(
        &self,
        id: [u8; 16],
        device: &Device,
        kids: &[[u8; 16]],
        consume_token: impl FnOnce() -> std::io::Result<bool>,
    ) -> Result<EnrolOutcome> {
        let _g = self.lock();
        if self.devices.contains_key(id)? {
            return Ok(EnrolOutcome::AlreadyEnrolled);
        }
        for kid in kids {
            if self.key_ids.contains_key(kid)? {
                return Ok(EnrolOutcome::KeyInUse);
            }
        }
        if !consume_token()? {
            return Ok(EnrolOutcome::InvalidToken);
        }
        let value = json(device);
        (&self.devices, &self.key_ids)
            .transaction(|(devices, key_ids)| -> TxResult<()> {
                devices.insert(&id[..], value.as_slice())?;
                for kid in kids {
                    key_ids.insert(&kid[..], &id[..])?;
                }
                Ok(())
            })
            .map_err(tx_err)?;
        Ok(EnrolOutcome::Enrolled)
    }

    /// Records a verified request signature; `false` if it was recorded before (a replay).
    pub fn note_signature(&self, timestamp_s: u64, signature: &[u8]) -> Result<bool> {
        let mut key = Vec::with_capacity(8 + signature.len());
        key.extend_from_slice(&timestamp_s.to_be_bytes());
        key.extend_from_slice(signature);
        let r = self
            .seen
            .compare_and_swap(key, None as Option<&[u8]>, Some(&[][..]))?;
        Ok(r.is_ok())
    }

    /// Stores a batch of uploads in one transaction, each new one with the next seq; an id
    /// stored before (or earlier in the same batch) gets the record stored first. Returns,
    /// per upload, the record and whether it is new. Nothing is durable before the next
    /// [`Store::sync`].
    pub fn put_envelopes(&self, batch: &[NewEnvelope]) -> Result<Vec<(EnvelopeMeta, bool)>> {
        let _g = self.lock();
        let mut next = self.next_seq.load(Ordering::SeqCst);
        let mut out: Vec<(EnvelopeMeta, bool)> = Vec::with_capacity(batch.len());
        // Index into `batch` and the serialised record of each new envelope.
        let mut writes: Vec<(usize, u64, Vec<u8>, [u8; 16])> = Vec::new();
        for (i, e) in batch.iter().enumerate() {
            if let Some(m) = self.meta.get(e.id)? {
                out.push((unjson(&m, "meta")?, false));
                continue;
            }
            if let Some(j) = batch[..i].iter().position(|earlier| earlier.id == e.id) {
                let first = out[j].0.clone();
                out.push((first, false));
                continue;
            }
            let seq = next;
            next += 1;
            let meta = EnvelopeMeta {
                seq,
                size: e.receipt.size,
                received_at_ms: e.receipt.received_at_ms,
                recipients: e.receipt.recipients.clone(),
                acked: Vec::new(),
                delivered: false,
                receipt: e.receipt.clone(),
            };
            writes.push((i, seq, json(&meta), time_key(meta.received_at_ms, seq)));
            out.push((meta, true));
        }
        if writes.is_empty() {
            return Ok(out);
        }
        let last = next - 1;
        (
            &self.envelopes,
            &self.meta,
            &self.inbox,
            &self.by_time,
            &self.state,
        )
            .transaction(
                |(envelopes, metas, inbox, by_time, state)| -> TxResult<()> {
                    for (i, seq, meta_bytes, tkey) in &writes {
                        let e = &batch[*i];
                        envelopes.insert(&e.id[..], e.body.clone())?;
                        metas.insert(&e.id[..], meta_bytes.as_slice())?;
                        for kid in &e.recipients {
                            inbox.insert(&inbox_key(kid, *seq)[..], &e.id[..])?;
                        }
                        by_time.insert(&tkey[..], &e.id[..])?;
                    }
                    state.insert(&b"seq"[..], &last.to_be_bytes()[..])?;
                    Ok(())
                },
            )
            .map_err(tx_err)?;
        // Published only now, after the transaction returned (see `sync`).
        self.next_seq.store(next, Ordering::SeqCst);
        Ok(out)
    }

    pub fn meta(&self, id: &[u8; 32]) -> Result<Option<EnvelopeMeta>> {
        match self.meta.get(id)? {
            Some(v) => Ok(Some(unjson(&v, "meta")?)),
            None => Ok(None),
        }
    }

    /// The envelope bytes, without copying them out of sled's cache.
    pub fn body(&self, id: &[u8; 32]) -> Result<Option<bytes::Bytes>> {
        Ok(self.envelopes.get(id)?.map(bytes::Bytes::from_owner))
    }

    /// Envelopes addressed to any of `kids` with `after` < seq ≤ the durable watermark, not
    /// acked by them, in seq order, at most `limit`; the last seq looked at (the next cursor);
    /// and whether there are more (up to the watermark).
    pub fn inbox(
        &self,
        kids: &[[u8; 16]],
        after: u64,
        limit: usize,
    ) -> Result<(Vec<EnvelopeMeta>, Option<u64>, bool)> {
        // Never past the durable watermark (module doc): an envelope above it is not listed
        // yet, and the cursor handed back stays at or below it.
        let until = self.durable_seq();
        let Some(from) = after.checked_add(1).filter(|f| *f <= until) else {
            return Ok((Vec::new(), None, false));
        };
        let mut hits: Vec<(u64, [u8; 32])> = Vec::new();
        for kid in kids {
            let range = inbox_key(kid, from)..=inbox_key(kid, until);
            for r in self.inbox.range(range).take(limit + 1) {
                let (k, v) = r?;
                let seq = u64::from_be_bytes(
                    k[16..24]
                        .try_into()
                        .map_err(|_| StoreError::Corrupt("inbox key"))?,
                );
                let id: [u8; 32] = v
                    .as_ref()
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("inbox value"))?;
                hits.push((seq, id));
            }
        }
        hits.sort_unstable();
        hits.dedup();
        let more = hits.len() > limit;
        hits.truncate(limit);
        let last = hits.last().map(|h| h.0);
        let mut out = Vec::with_capacity(hits.len());
        for (_, id) in hits {
            if let Some(m) = self.meta(&id)? {
                if !m.delivered {
                    out.push(m);
                }
            }
        }
        Ok((out, last, more))
    }

    /// Records that the device holding `kids` has the envelope. Deletes the envelope once
    /// every recipient has acked.
    pub fn ack(&self, id: &[u8; 32], kids: &[[u8; 16]]) -> Result<AckOutcome> {
        let _g = self.lock();
        let Some(mut m) = self.meta(id)? else {
            return Ok(AckOutcome::NotFound);
        };
        let kid_hex: Vec<String> = kids.iter().map(hex::encode).collect();
        let mine: Vec<String> = m
            .recipients
            .iter()
            .filter(|r| kid_hex.contains(r))
            .cloned()
            .collect();
        if mine.is_empty() {
            return Ok(AckOutcome::NotFound);
        }
        if m.delivered {
            return Ok(AckOutcome::Acked { deleted: true });
        }
        for k in &mine {
            if !m.acked.contains(k) {
                m.acked.push(k.clone());
            }
        }
        let all = m.recipients.iter().all(|r| m.acked.contains(r));
        let remove_from: Vec<[u8; 16]> = if all {
            m.delivered = true;
            m.recipients
                .iter()
                .map(|r| kid_from_hex(r))
                .collect::<Result<_>>()?
        } else {
            mine.iter()
                .map(|r| kid_from_hex(r))
                .collect::<Result<_>>()?
        };
        let meta_bytes = json(&m);
        let seq = m.seq;
        (&self.envelopes, &self.meta, &self.inbox)
            .transaction(|(envelopes, metas, inbox)| -> TxResult<()> {
                if all {
                    envelopes.remove(&id[..])?;
                }
                for kid in &remove_from {
                    inbox.remove(&inbox_key(kid, seq)[..])?;
                }
                metas.insert(&id[..], meta_bytes.as_slice())?;
                Ok(())
            })
            .map_err(tx_err)?;
        Ok(AckOutcome::Acked { deleted: all })
    }

    /// Deletes every envelope received at or before `received_until_ms` (body, record, inbox
    /// entries) and forgets signatures with a timestamp before `signed_before_s`.
    pub fn sweep(&self, received_until_ms: i64, signed_before_s: u64) -> Result<SweepCounts> {
        let mut counts = SweepCounts::default();
        let cutoff = time_key(received_until_ms.saturating_add(1), 0);
        loop {
            // In batches, so uploads are not held up behind one long sweep.
            let batch: Vec<(sled::IVec, [u8; 32])> = self
                .by_time
                .range(..&cutoff[..])
                .take(256)
                .map(|r| {
                    let (k, v) = r?;
                    let id: [u8; 32] = v
                        .as_ref()
                        .try_into()
                        .map_err(|_| StoreError::Corrupt("by_time value"))?;
                    Ok((k, id))
                })
                .collect::<Result<_>>()?;
            if batch.is_empty() {
                break;
            }
            // One transaction per batch: a sled 0.34 transaction writes its log buffer out
            // twice, whatever its size.
            let _g = self.lock();
            let mut doomed: Vec<Doomed> = Vec::with_capacity(batch.len());
            for (tkey, id) in batch {
                let meta = self.meta(&id)?;
                let kids: Vec<[u8; 16]> = match &meta {
                    Some(m) => m
                        .recipients
                        .iter()
                        .map(|r| kid_from_hex(r))
                        .collect::<Result<_>>()?,
                    None => Vec::new(),
                };
                let seq = meta.as_ref().map(|m| m.seq).unwrap_or(0);
                doomed.push((tkey, id, seq, kids));
            }
            (&self.envelopes, &self.meta, &self.inbox, &self.by_time)
                .transaction(|(envelopes, metas, inbox, by_time)| -> TxResult<()> {
                    for (tkey, id, seq, kids) in &doomed {
                        envelopes.remove(&id[..])?;
                        metas.remove(&id[..])?;
                        for kid in kids {
                            inbox.remove(&inbox_key(kid, *seq)[..])?;
                        }
                        by_time.remove(tkey.clone())?;
                    }
                    Ok(())
                })
                .map_err(tx_err)?;
            counts.envelopes += doomed.len();
        }
        let seen_cutoff = signed_before_s.to_be_bytes();
        loop {
            let keys: Vec<sled::IVec> = self
                .seen
                .range(..&seen_cutoff[..])
                .keys()
                .take(4096)
                .collect::<std::result::Result<_, _>>()?;
            if keys.is_empty() {
                break;
            }
            let mut batch = sled::Batch::default();
            for k in &keys {
                batch.remove(k.clone());
            }
            self.seen.apply_batch(batch)?;
            counts.signatures += keys.len();
        }
        Ok(counts)
    }

    /// Number of envelope bodies held (tests and stats).
    pub fn envelope_count(&self) -> usize {
        self.envelopes.len()
    }
}

fn sync_tree(dir: &Path) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ft = entry.file_type()?;
        if ft.is_dir() {
            sync_tree(&entry.path())?;
        } else if ft.is_file() {
            File::open(entry.path())?.sync_all()?;
        }
    }
    File::open(dir)?.sync_all()?;
    Ok(())
}

impl Drop for Store {
    fn drop(&mut self) {
        let _ = self.sync_all_files();
    }
}
