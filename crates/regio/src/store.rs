//! The only module that touches sled, and the owner of the envelope log (`envlog`).
//! Everything above it sees the endpoint's records (devices, envelopes, inbox index, seen
//! signatures) and one promise: a group-commit round's [`Store::sync`] makes every write
//! that returned before it durable.
//!
//! sled trees (keys are raw bytes, integers big-endian):
//!
//! | tree | key | value |
//! | --- | --- | --- |
//! | `devices` | device id (16) | [`Device`] as JSON |
//! | `key_ids` | recipient key id (16) | device id (16) |
//! | `anchors` | device id (16) | the device's latest audit anchor ([`zicht_protocol::Anchor`]) as JSON |
//!
//! Envelopes, their records, acks and deletions, and the accepted request signatures (the
//! replay check) are in the envelope log, with the inbox index and the signatures in memory
//! (`envlog/mod.rs` has the layout and its crash rules). Before, they were sled trees
//! (`envelopes`, `meta`, `inbox`, `by_time`, `state`, `seen`); [`Store::open`] drops those.
//!
//! # The cursor invariant
//!
//! **Invariant:** a device's inbox cursor never skips an envelope, even across a crash. A
//! listing ([`Store::inbox`]) returns only envelopes whose seq is at most the *durable
//! watermark* ([`Store::durable_seq`]): the highest seq whose put record a completed
//! `fdatasync` of the log covered. Hence:
//!
//! 1. Every seq a listing (or its `next` cursor) ever showed is durable. After a crash the
//!    log keeps at least that, so the counter restarts (at open: the highest seq in the log
//!    or in a segment header, + 1) strictly above every seq any device has seen. A seq that
//!    a crash takes back was never shown, so when it is handed out again to another envelope
//!    no cursor has passed it.
//! 2. Seqs are assigned in increasing order by the one writer, in log order, and a round is
//!    published (index and watermark) only after its `fdatasync`; so every seq ≤ the
//!    watermark is in the index (or deleted since, by ack or retention) when the watermark
//!    passes it. A listing that stops at the watermark never passes a seq that appears later.
//! 3. At open, every segment is fsynced before anything is listed, so the watermark starts
//!    at the recovered seq.
//! 4. A failed write or sync poisons the store: after an `fsync` error the kernel may have
//!    dropped the dirty pages, so no later sync can vouch for them. Every later write fails
//!    (the endpoint answers 500 to writes, and to reads, whose request signatures can no
//!    longer be made durable, until it is restarted and recovers what is really on disk) and
//!    the watermark never moves again.
//!
//! The same watermark hides a not yet durable envelope from `GET /v1/envelopes/{id}`.

use crate::envlog::{EnvLog, Op, Outcome, Pending};
use crate::records::{EnvelopeMeta, Result, StoreError};
use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionError, Transactional};
use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

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

type TxResult<T> = std::result::Result<T, ConflictableTransactionError<()>>;

/// An enrolled device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub ed25519_public_key: String,
    pub key_ids: Vec<String>,
    pub enrolled_at_ms: i64,
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

pub struct Store {
    db: sled::Db,
    dir: PathBuf,
    db_file: File,
    devices: sled::Tree,
    key_ids: sled::Tree,
    anchors: sled::Tree,
    log: EnvLog,
    /// Serialises enrolments.
    write_lock: Mutex<()>,
    /// Set when a sled sync failed; every later sync fails.
    poisoned: AtomicBool,
    /// Decoded keys of devices looked up before. A device record never changes once it is
    /// enrolled (and is never removed), so entries never go stale; unknown ids are not kept.
    device_cache: RwLock<HashMap<[u8; 16], Arc<DeviceKeys>>>,
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

/// sled trees of the envelope store and the replay records before the envelope log.
const OLD_TREES: [&str; 6] = ["envelopes", "meta", "inbox", "by_time", "state", "seen"];

impl Store {
    /// Opens (or creates) the store in `dir`: sled in `dir`, the envelope log in
    /// `dir/envelopes` (segments of about `segment_bytes`). Fails if another process has it
    /// open.
    pub fn open(dir: &Path, segment_bytes: u64) -> Result<Store> {
        std::fs::create_dir_all(dir)?;
        let db = sled::Config::new().path(dir).open()?;
        let db_file = File::open(dir.join("db"))?;
        for name in OLD_TREES {
            if db
                .tree_names()
                .iter()
                .any(|t| t.as_ref() == name.as_bytes())
            {
                db.drop_tree(name)?;
            }
        }
        let t = |name: &str| db.open_tree(name);
        let store = Store {
            devices: t("devices")?,
            key_ids: t("key_ids")?,
            anchors: t("anchors")?,
            log: EnvLog::open(&dir.join("envelopes"), segment_bytes)?,
            db_file,
            dir: dir.to_path_buf(),
            db,
            write_lock: Mutex::new(()),
            poisoned: AtomicBool::new(false),
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

    /// Writes one group-commit round of envelope operations to the log, not yet durable.
    /// Only the commit thread calls this (then [`Store::sync`], then [`Store::publish`]).
    pub fn write_round(&self, ops: Vec<Op>) -> Result<Pending> {
        self.log.write(ops)
    }

    /// After [`Store::sync`]: makes the round visible (index, durable watermark) and erases
    /// what it deleted. Returns each op's outcome.
    pub fn publish(&self, mut round: Pending) -> Result<Vec<Outcome>> {
        self.log.publish(&mut round)?;
        Ok(round.outcomes())
    }

    /// Makes every write that returned before this call durable against a killed process and
    /// a power cut: `fdatasync` of the envelope log, then (if `sled_too`) sled's `flush()`
    /// and an `fdatasync` of its log file `db`. sled 0.34's `flush()` only issues
    /// `sync_file_range`, which neither persists file metadata nor, on every file system, the
    /// data. (sled holds only small records now, so it never writes a value to its separate
    /// blob files.) Called by the group-commit thread, once per round.
    ///
    /// After one failure the store is poisoned: this and every later call fail.
    pub fn sync(&self, sled_too: bool) -> Result<()> {
        if self.poisoned.load(Ordering::SeqCst) {
            return Err(StoreError::Poisoned);
        }
        let result = (|| -> Result<()> {
            self.log.sync()?;
            if sled_too {
                self.db.flush()?;
                self.db_file.sync_data()?;
            }
            Ok(())
        })();
        if result.is_err() {
            self.poisoned.store(true, Ordering::SeqCst);
        }
        result
    }

    /// The durable watermark: the highest seq covered by a completed sync (or recovered at
    /// open). Listings never go past it.
    pub fn durable_seq(&self) -> u64 {
        self.log.durable_seq()
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

    /// Every enrolled device: (device id hex, enrolment time ms).
    pub fn devices(&self) -> Result<Vec<(String, i64)>> {
        let mut out = Vec::new();
        for r in self.devices.iter() {
            let (k, v) = r?;
            let d: Device = unjson(&v, "device")?;
            out.push((hex::encode(&k), d.enrolled_at_ms));
        }
        Ok(out)
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

    /// Moves `device`'s audit anchor to the request's head if the request builds on the anchor
    /// kept (`since` is it, and the head is not behind it; the first anchor is taken as it
    /// comes). Returns whether it moved and the anchor kept now. Durable with the next
    /// group-commit round's sled sync (the caller waits for it).
    pub fn anchor(
        &self,
        device: &[u8; 16],
        r: &zicht_protocol::AnchorRequest,
        now_ms: i64,
    ) -> Result<(bool, zicht_protocol::Anchor)> {
        let _g = self.lock();
        let kept: Option<zicht_protocol::Anchor> = match self.anchors.get(device)? {
            Some(v) => Some(unjson(&v, "anchor")?),
            None => None,
        };
        let builds_on = |k: &zicht_protocol::Anchor| {
            r.since
                .as_ref()
                .is_some_and(|s| s.seq == k.seq && s.hash == k.hash)
                && (r.seq > k.seq || (r.seq == k.seq && r.hash == k.hash))
        };
        match kept {
            Some(k) if !builds_on(&k) => Ok((false, k)),
            // The same head again: nothing to write.
            Some(k) if k.seq == r.seq => Ok((true, k)),
            _ => {
                let a = zicht_protocol::Anchor {
                    device: hex::encode(device),
                    seq: r.seq,
                    hash: r.hash.clone(),
                    at_ms: now_ms,
                };
                self.anchors.insert(device, json(&a))?;
                Ok((true, a))
            }
        }
    }

    /// Records a verified request signature; `false` if it was recorded before (a replay).
    /// In memory; written to the envelope log with the next group-commit round (with the
    /// request itself for a write; a read waits for it before answering), so neither a restart
    /// nor a crash reopens the window.
    pub fn note_signature(&self, timestamp_s: u64, signature: &[u8]) -> Result<bool> {
        Ok(self.log.note_seen(timestamp_s, signature))
    }

    /// Whether accepted signatures wait for a round that can still make them durable: never
    /// once the store is poisoned (the group commit would otherwise run failing rounds for
    /// them forever, and never stop).
    pub fn seen_pending(&self) -> bool {
        !self.poisoned.load(Ordering::SeqCst) && self.log.seen_pending()
    }

    /// For tests: what a failed write or `fdatasync` leaves (see invariant 4).
    #[cfg(test)]
    pub(crate) fn poison(&self) {
        self.poisoned.store(true, Ordering::SeqCst);
        self.log.poison();
    }

    pub fn meta(&self, id: &[u8; 32]) -> Option<EnvelopeMeta> {
        self.log.meta(id)
    }

    /// The envelope bytes, if it is stored and not delivered.
    pub fn body(&self, id: &[u8; 32]) -> Result<Option<Vec<u8>>> {
        self.log.body(id)
    }

    /// Envelopes addressed to any of `kids` with `after` < seq ≤ the durable watermark, not
    /// acked by them, in seq order, at most `limit`; the last seq looked at (the next cursor);
    /// and whether there are more (up to the watermark).
    pub fn inbox(
        &self,
        kids: &[[u8; 16]],
        after: u64,
        limit: usize,
    ) -> (Vec<EnvelopeMeta>, Option<u64>, bool) {
        self.log.inbox(kids, after, limit)
    }

    /// Ids of envelopes received at or before `until_ms`, oldest first, at most `limit`
    /// (the sweep deletes them through the group commit).
    pub fn expired(&self, until_ms: i64, limit: usize) -> Vec<[u8; 32]> {
        self.log.expired(until_ms, limit)
    }

    /// Forgets signatures with a timestamp before `signed_before_s`; how many.
    pub fn sweep_signatures(&self, signed_before_s: u64) -> Result<usize> {
        self.log.forget_seen(signed_before_s)
    }

    /// Number of envelope bodies held (written, maybe not durable yet; tests and stats).
    pub fn envelope_count(&self) -> usize {
        self.log.body_count()
    }

    /// Segment files of the envelope log (tests).
    pub fn segment_count(&self) -> usize {
        self.log.segment_count()
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
