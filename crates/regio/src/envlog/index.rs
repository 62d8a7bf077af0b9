//! What the log keeps in memory: the [`Index`] (every envelope in the log with its record,
//! the inboxes per recipient key id in seq order, the sweep order by receipt time, the
//! segments) and the accepted request signatures ([`Seen`]). Rebuilt from the log at open
//! (`recovery`). Envelopes enter, change and leave the index only through `recovery::apply`,
//! at replay and for each published round alike; segments are added and removed by
//! `segment`.

use crate::records::EnvelopeMeta;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::sync::Arc;

/// An envelope in the index.
#[derive(Debug, Clone)]
pub(super) struct Env {
    pub(super) id: [u8; 32],
    pub(super) meta: EnvelopeMeta,
    pub(super) kids: Vec<[u8; 16]>,
    pub(super) acked: Vec<[u8; 16]>,
    pub(super) seg: u32,
    /// Offset of the body in the segment file.
    pub(super) body_at: u64,
}

impl Env {
    pub(super) fn delivered(&self) -> bool {
        self.meta.delivered
    }
}

pub(super) struct Segment {
    pub(super) file: Arc<File>,
    /// Envelopes whose put record lies here and that are still in the index.
    pub(super) envelopes: usize,
    /// Newest timestamp of a seen signature recorded here: the segment is kept until the
    /// sweep has forgotten every signature with that timestamp (they may still be replayed).
    pub(super) max_seen: u64,
}

#[derive(Default)]
pub(super) struct Index {
    /// Boxed, so that growing the map moves small entries (it is rehashed under the lock).
    pub(super) envs: HashMap<[u8; 32], Box<Env>>,
    /// (recipient key id, seq) → id, for every recipient that has not acked yet.
    pub(super) inbox: BTreeMap<([u8; 16], u64), [u8; 32]>,
    /// (received at ms, seq) → id, for the sweep.
    pub(super) by_time: BTreeMap<(i64, u64), [u8; 32]>,
    pub(super) segs: BTreeMap<u32, Segment>,
}

impl Index {
    pub(super) fn insert(&mut self, env: Env) {
        let seq = env.meta.seq;
        let id = env.id;
        if !env.delivered() {
            for k in &env.kids {
                if !env.acked.contains(k) {
                    self.inbox.insert((*k, seq), id);
                }
            }
        }
        self.by_time.insert((env.meta.received_at_ms, seq), id);
        if let Some(s) = self.segs.get_mut(&env.seg) {
            s.envelopes += 1;
        }
        if let Some(old) = self.envs.insert(id, Box::new(env)) {
            // Cannot happen (a duplicate put is never written); keep the counts right anyway.
            self.unlink(&old);
        }
    }

    /// Applies an ack to the index; the body range to erase if it is now delivered.
    pub(super) fn ack(&mut self, id: &[u8; 32], kids: &[[u8; 16]]) -> Option<(u32, u64, u64)> {
        let env = self.envs.get_mut(id)?;
        if env.meta.delivered {
            return None;
        }
        for k in kids {
            if env.kids.contains(k) && !env.acked.contains(k) {
                env.acked.push(*k);
                self.inbox.remove(&(*k, env.meta.seq));
            }
        }
        env.meta.acked = env.acked.iter().map(hex::encode).collect();
        if env.kids.iter().all(|k| env.acked.contains(k)) {
            env.meta.delivered = true;
            return Some((env.seg, env.body_at, env.meta.size));
        }
        None
    }

    pub(super) fn remove(&mut self, id: &[u8; 32]) -> Option<Box<Env>> {
        let env = self.envs.remove(id)?;
        self.unlink(&env);
        Some(env)
    }

    fn unlink(&mut self, env: &Env) {
        for k in &env.kids {
            self.inbox.remove(&(*k, env.meta.seq));
        }
        self.by_time
            .remove(&(env.meta.received_at_ms, env.meta.seq));
        if let Some(s) = self.segs.get_mut(&env.seg) {
            s.envelopes = s.envelopes.saturating_sub(1);
        }
    }
}

/// A seen request signature: its timestamp and the first 16 bytes of BLAKE3(signature).
pub(super) type SeenKey = (u64, [u8; 16]);

/// Accepted request signatures (the replay check): all of the last 300 s and more, in memory,
/// and the ones not yet written to the log.
pub(super) struct Seen {
    pub(super) set: HashSet<SeenKey>,
    pub(super) pending: Vec<SeenKey>,
}
