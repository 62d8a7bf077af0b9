//! The write path, run by the group-commit thread one round at a time: [`EnvLog::write`] the
//! round's records, [`EnvLog::sync`] them, [`EnvLog::publish`] them in the index. And the
//! accepted request signatures, which go into the log with the next round.

use super::format::{
    kids_fields, put_fields, record, seen_fields, Rec, ACK, DELETE, PUT, ROUND_END, SEEN,
};
use super::index::Env;
use super::ops::{Op, Outcome};
use super::recovery::apply;
use super::segment::erase;
use super::{lock, EnvLog, Pending, Writer};
use crate::records::{AckOutcome, EnvelopeMeta, Result, StoreError};
use std::collections::HashMap;
use std::os::unix::fs::FileExt;
use std::sync::atomic::Ordering;

impl EnvLog {
    /// Writes the records of one round (not durable until [`EnvLog::sync`]). Only the
    /// group-commit thread calls this, one round at a time: write, sync, publish.
    pub fn write(&self, ops: Vec<Op>) -> Result<Pending> {
        if self.poisoned.load(Ordering::SeqCst) {
            return Err(StoreError::Poisoned);
        }
        let mut w = lock(&self.writer);
        let mut p = Pending {
            outcomes: Vec::with_capacity(ops.len()),
            changes: Vec::new(),
            last_seq: 0,
            wrote: false,
        };
        // What this round changes, for ops later in the same round.
        let mut fresh: HashMap<[u8; 32], EnvelopeMeta> = HashMap::new();
        let mut new_bodies = 0usize;
        let mut acked_here: HashMap<[u8; 32], Vec<[u8; 16]>> = HashMap::new();
        let mut deleted_here: Vec<[u8; 32]> = Vec::new();
        let mut bodies: Vec<(usize, Vec<u8>)> = Vec::new();
        let mut buf = std::mem::take(&mut w.scratch);
        buf.clear();
        // Signatures accepted before this round's requests were queued: a write's own
        // signature is durable with it.
        let seen = std::mem::take(&mut lock(&self.seen).pending);
        if !seen.is_empty() {
            record(&mut buf, SEEN, &seen_fields(&seen));
            p.changes.push(Rec::Seen {
                seg: w.seg,
                entries: seen,
            });
        }
        {
            let index = self.read();
            for op in ops {
                match op {
                    Op::Put(e) => {
                        if let Some(env) = index.envs.get(&e.id) {
                            if !deleted_here.contains(&e.id) {
                                p.outcomes.push(Outcome::Put(env.meta.clone(), false));
                                continue;
                            }
                        }
                        if let Some(m) = fresh.get(&e.id) {
                            p.outcomes.push(Outcome::Put(m.clone(), false));
                            continue;
                        }
                        let seq = w.next_seq;
                        w.next_seq += 1;
                        record(&mut buf, PUT, &put_fields(seq, &e));
                        let body_at = w.len + buf.len() as u64;
                        let meta = EnvelopeMeta {
                            seq,
                            size: e.body.len() as u64,
                            received_at_ms: e.receipt.received_at_ms,
                            recipients: e.recipients.iter().map(hex::encode).collect(),
                            acked: Vec::new(),
                            delivered: false,
                            receipt: e.receipt,
                        };
                        p.outcomes.push(Outcome::Put(meta.clone(), true));
                        fresh.insert(e.id, meta.clone());
                        new_bodies += 1;
                        p.changes.push(Rec::Put {
                            env: Env {
                                id: e.id,
                                meta,
                                kids: e.recipients,
                                acked: Vec::new(),
                                seg: w.seg,
                                body_at,
                            },
                        });
                        p.last_seq = seq;
                        if e.body.len() <= 64 * 1024 {
                            buf.extend_from_slice(&e.body);
                        } else {
                            // Large bodies are written straight from their buffer.
                            bodies.push((buf.len(), e.body));
                        }
                    }
                    Op::Ack { id, kids } => {
                        let outcome = match index.envs.get(&id) {
                            Some(env) if !deleted_here.contains(&id) => {
                                let mine: Vec<[u8; 16]> = env
                                    .kids
                                    .iter()
                                    .filter(|k| kids.contains(k))
                                    .copied()
                                    .collect();
                                if mine.is_empty() {
                                    AckOutcome::NotFound
                                } else if env.delivered() {
                                    AckOutcome::Acked { deleted: true }
                                } else {
                                    let so_far = acked_here.entry(id).or_default();
                                    let new: Vec<[u8; 16]> = mine
                                        .iter()
                                        .filter(|k| !env.acked.contains(k) && !so_far.contains(k))
                                        .copied()
                                        .collect();
                                    so_far.extend_from_slice(&new);
                                    let all = env
                                        .kids
                                        .iter()
                                        .all(|k| env.acked.contains(k) || so_far.contains(k));
                                    if !new.is_empty() {
                                        record(&mut buf, ACK, &kids_fields(&id, &new));
                                        p.changes.push(Rec::Ack { id, kids: new });
                                    }
                                    AckOutcome::Acked { deleted: all }
                                }
                            }
                            _ => AckOutcome::NotFound,
                        };
                        p.outcomes.push(Outcome::Ack(outcome));
                    }
                    Op::Delete { id } => {
                        let there = index.envs.contains_key(&id) && !deleted_here.contains(&id);
                        if there {
                            record(&mut buf, DELETE, &id);
                            deleted_here.push(id);
                            fresh.remove(&id);
                            p.changes.push(Rec::Delete { id });
                        }
                        p.outcomes.push(Outcome::Delete(there));
                    }
                }
            }
        }
        if buf.is_empty() && bodies.is_empty() {
            w.scratch = buf;
            return Ok(p);
        }
        let result = self.append(&mut w, &buf, &bodies);
        w.scratch = buf;
        if let Err(e) = result {
            self.poisoned.store(true, Ordering::SeqCst);
            return Err(e);
        }
        self.bodies.fetch_add(new_bodies, Ordering::SeqCst);
        p.wrote = true;
        Ok(p)
    }

    /// Writes the round's bytes (headers and small bodies in `buf`, the large bodies spliced
    /// in at their offsets) and its round end.
    fn append(&self, w: &mut Writer, buf: &[u8], bodies: &[(usize, Vec<u8>)]) -> Result<()> {
        let mut c = crc32fast::Hasher::new();
        let mut at = w.len;
        let mut from = 0usize;
        for (split, body) in bodies {
            w.file.write_all_at(&buf[from..*split], at)?;
            c.update(&buf[from..*split]);
            at += (*split - from) as u64;
            w.file.write_all_at(body, at)?;
            c.update(body);
            at += body.len() as u64;
            from = *split;
        }
        let mut tail = buf[from..].to_vec();
        c.update(&tail);
        let mut end = [0u8; 12];
        end[..4].copy_from_slice(&c.finalize().to_be_bytes());
        end[4..].copy_from_slice(&w.len.to_be_bytes());
        record(&mut tail, ROUND_END, &end);
        w.file.write_all_at(&tail, at)?;
        at += tail.len() as u64;
        w.len = at;
        Ok(())
    }

    /// Makes the written rounds durable (`fdatasync` of the segment being written).
    pub fn sync(&self) -> Result<()> {
        if self.poisoned.load(Ordering::SeqCst) {
            return Err(StoreError::Poisoned);
        }
        let file = lock(&self.writer).file.clone();
        if let Err(e) = file.sync_data() {
            // After a failed fsync the kernel may have dropped the dirty pages: nothing
            // later can vouch for them (store.rs, invariant 4).
            self.poisoned.store(true, Ordering::SeqCst);
            return Err(e.into());
        }
        Ok(())
    }

    /// After the round's sync: publishes it in the index, erases the bodies it deleted,
    /// removes segments with nothing left, and starts a new segment if this one is full.
    pub fn publish(&self, p: &mut Pending) -> Result<()> {
        if !p.wrote {
            return Ok(());
        }
        let mut erase_list = Vec::new();
        let mut max_seq = 0;
        apply(
            &mut self.write_index(),
            std::mem::take(&mut p.changes),
            &mut erase_list,
            &mut max_seq,
            None,
        );
        if p.last_seq > 0 {
            self.durable_seq.fetch_max(p.last_seq, Ordering::SeqCst);
        }
        self.bodies.fetch_sub(erase_list.len(), Ordering::SeqCst);
        for (seg, at, len) in erase_list {
            let file = self.read().segs.get(&seg).map(|s| s.file.clone());
            if let Some(f) = file {
                if let Err(e) = erase(&f, at, len) {
                    // The envelope is deleted (durably); only its bytes linger until the
                    // segment goes.
                    tracing::warn!(error = %e, "could not erase a deleted envelope's bytes");
                }
            }
        }
        self.drop_dead_segments()?;
        self.roll_if_full()
    }

    /// Records an accepted request signature; `false` if it was recorded before (a replay).
    /// Durable with the next round: the one of the request itself for a write, the one a read
    /// waits for before it answers, else the next write's or, with nothing queued, one the
    /// group commit runs after [`SEEN_FLUSH`](super::SEEN_FLUSH).
    pub fn note_seen(&self, timestamp_s: u64, signature: &[u8]) -> bool {
        let mut d = [0u8; 16];
        d.copy_from_slice(&blake3::hash(signature).as_bytes()[..16]);
        let mut seen = lock(&self.seen);
        // Signatures from before the cutoff may have been forgotten: such a request cannot be
        // told from a replay, so it counts as one (also after the endpoint's clock stepped
        // back, and after a restart: the cutoff is kept on disk). Read under the same lock as
        // `forget_seen` raises it.
        if timestamp_s < self.seen_cutoff.load(Ordering::SeqCst) {
            return false;
        }
        if !seen.set.insert((timestamp_s, d)) {
            return false;
        }
        seen.pending.push((timestamp_s, d));
        true
    }

    /// For tests: what a failed write or sync leaves.
    #[cfg(test)]
    pub(crate) fn poison(&self) {
        self.poisoned.store(true, Ordering::SeqCst);
    }

    /// Whether accepted signatures wait to be written (never once the log is poisoned: no
    /// round can write them any more).
    pub fn seen_pending(&self) -> bool {
        if self.poisoned.load(Ordering::SeqCst) {
            return false;
        }
        !lock(&self.seen).pending.is_empty()
    }

    /// Forgets signatures with a timestamp before `cutoff_s` (stale, so refused anyway) and
    /// removes segments that held only them; how many were forgotten.
    pub fn forget_seen(&self, cutoff_s: u64) -> Result<usize> {
        let n = {
            let mut seen = lock(&self.seen);
            // Never past the newest signature seen: a clock that jumped ahead must not make
            // every correctly timed request a "replay" until that date. Nothing seen: nothing
            // to forget, the cutoff stays.
            let newest = seen.set.iter().map(|(ts, _)| *ts).max();
            let cutoff_s = match newest {
                Some(t) => cutoff_s.min(t.saturating_add(1)),
                None => 0,
            };
            // Durable before anything is forgotten, so a restart never forgets more than it
            // refuses.
            if cutoff_s > self.seen_cutoff.load(Ordering::SeqCst) {
                write_cutoff(&self.dir, cutoff_s)?;
                self.seen_cutoff.store(cutoff_s, Ordering::SeqCst);
            }
            let before = seen.set.len();
            seen.set.retain(|(ts, _)| *ts >= cutoff_s);
            before - seen.set.len()
        };
        self.drop_dead_segments()?;
        Ok(n)
    }
}

/// The file that keeps the seen-signature cutoff (decimal unix seconds) across restarts.
pub(super) const CUTOFF_FILE: &str = "seen-cutoff";

fn write_cutoff(dir: &std::path::Path, cutoff_s: u64) -> Result<()> {
    let tmp = dir.join(format!("{CUTOFF_FILE}.tmp"));
    std::fs::write(&tmp, cutoff_s.to_string())?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, dir.join(CUTOFF_FILE))?;
    Ok(super::segment::sync_dir(dir)?)
}

/// The cutoff kept by [`write_cutoff`] (0 when there is none).
pub(super) fn read_cutoff(dir: &std::path::Path) -> u64 {
    std::fs::read_to_string(dir.join(CUTOFF_FILE))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}
