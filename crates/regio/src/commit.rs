//! Group commit: one [`Store::sync`] (`fdatasync` of the envelope log, and of sled's log)
//! serves every request of a round, and every envelope write (upload, ack, retention delete)
//! is made by the commit thread itself, appended to the envelope log as one round.
//!
//! Three kinds of requests queue here:
//!
//! - an envelope operation ([`GroupCommit::put`], [`GroupCommit::ack`],
//!   [`GroupCommit::delete_blocking`]) hands over its op; the commit thread writes the ops of
//!   a round to the log in one go ([`Store::write_round`]), syncs, publishes them
//!   ([`Store::publish`]: index, durable watermark) and answers each with its outcome;
//! - any other write (enrolment, in sled) writes to the store itself and then calls
//!   [`GroupCommit::wait`], which the next sync covers;
//! - a read (inbox listing, download) calls [`GroupCommit::seen_durable`] before it answers:
//!   its accepted request signature (the replay check) is written with the next round, and a
//!   read is answered only once a replay of it would be refused also after a crash.
//!
//! The thread takes the *whole* queue, writes it, runs one sync, and answers every request it
//! took. Requests that queue meanwhile go into the next round, so under load each fsync
//! covers as many requests as arrived during the previous round, and a lone request pays for
//! exactly one sync. The next round is written only after the previous one is durable and
//! published (`envlog` relies on that).
//!
//! Pacing: when the previous round served more than one request (there is concurrency), the
//! next round starts no sooner than `linger` after the previous one started, gathering the
//! requests that arrive meanwhile; arrivals during that wait do not wake the thread. A lone
//! request (the previous round served one or none) never waits. With `linger` = 0 rounds run
//! back to back.

use crate::envlog::{NewEnvelope, Op, Outcome, SEEN_FLUSH};
use crate::records::{AckOutcome, EnvelopeMeta};
use crate::store::Store;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

type Waiter = oneshot::Sender<Result<(), String>>;
/// Where an op's outcome goes: an async request, or a blocking caller (the sweep, which
/// callers may also run on a runtime thread, where tokio forbids blocking on a oneshot).
enum OpReply {
    Async(oneshot::Sender<Result<Outcome, String>>),
    Blocking(std::sync::mpsc::Sender<Result<Outcome, String>>),
}

impl OpReply {
    fn send(self, r: Result<Outcome, String>) {
        let _ = match self {
            OpReply::Async(tx) => tx.send(r).map_err(|_| ()),
            OpReply::Blocking(tx) => tx.send(r).map_err(|_| ()),
        };
    }
}

struct Queue {
    ops: Vec<(Op, OpReply)>,
    /// Wait for everything: the envelope log and sled.
    waiters: Vec<Waiter>,
    /// Wait for the envelope log only (the seen signatures of reads).
    readers: Vec<Waiter>,
    /// The thread waits for a first request and wants a notification.
    idle: bool,
    stop: bool,
}

impl Queue {
    fn len(&self) -> usize {
        self.ops.len() + self.waiters.len() + self.readers.len()
    }
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    /// Taken by the thread between writing a round to the log and syncing it; a test holds
    /// it to look at the endpoint while writes are in the store but not yet durable.
    gate: Mutex<()>,
    syncs: AtomicU64,
    served: AtomicU64,
}

/// Counters for the load benchmark and the logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitStats {
    /// fsync rounds run.
    pub syncs: u64,
    /// Requests answered by them.
    pub served: u64,
}

pub struct GroupCommit {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// While alive, the commit thread stops after writing a round to the log and before syncing
/// it (see [`GroupCommit::hold`]).
pub struct CommitHold<'a> {
    _g: MutexGuard<'a, ()>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl GroupCommit {
    pub fn start(store: Arc<Store>, linger: Duration) -> std::io::Result<GroupCommit> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                ops: Vec::new(),
                waiters: Vec::new(),
                readers: Vec::new(),
                idle: false,
                stop: false,
            }),
            wake: Condvar::new(),
            gate: Mutex::new(()),
            syncs: AtomicU64::new(0),
            served: AtomicU64::new(0),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("regio-commit".into())
            .spawn(move || run(&s, &store, linger))?;
        Ok(GroupCommit {
            shared,
            thread: Some(thread),
        })
    }

    /// Queues under the lock; wakes the thread only if it waits for a first request (or the
    /// round is full).
    fn enqueue(&self, push: impl FnOnce(&mut Queue)) -> Result<(), String> {
        let notify = {
            let mut q = lock(&self.shared.queue);
            if q.stop {
                return Err("group commit stopped".into());
            }
            push(&mut q);
            let n = q.idle || q.len() >= MAX_BATCH;
            q.idle = false;
            n
        };
        if notify {
            self.shared.wake.notify_one();
        }
        Ok(())
    }

    /// Resolves once every write this task made before the call is durable.
    pub async fn wait(&self) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        self.enqueue(|q| q.waiters.push(tx))?;
        rx.await
            .unwrap_or_else(|_| Err("group commit thread gone".into()))
    }

    /// Resolves once every request signature accepted before the call is durable (written
    /// with the next round; an `fdatasync` of the envelope log, sled untouched).
    pub async fn seen_durable(&self) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        self.enqueue(|q| q.readers.push(tx))?;
        rx.await
            .unwrap_or_else(|_| Err("group commit thread gone".into()))
    }

    async fn op(&self, op: Op) -> Result<Outcome, String> {
        let (tx, rx) = oneshot::channel();
        self.enqueue(|q| q.ops.push((op, OpReply::Async(tx))))?;
        rx.await
            .unwrap_or_else(|_| Err("group commit thread gone".into()))
    }

    /// Stores an upload (or finds the one stored before under its id) and resolves once it is
    /// durable: the record and whether it is new.
    pub async fn put(&self, env: NewEnvelope) -> Result<(EnvelopeMeta, bool), String> {
        match self.op(Op::Put(env)).await? {
            Outcome::Put(meta, new) => Ok((meta, new)),
            _ => Err("group commit: wrong outcome".into()),
        }
    }

    /// Records that the device holding `kids` has the envelope (deleting it once every
    /// recipient has); resolves once that is durable.
    pub async fn ack(&self, id: [u8; 32], kids: Vec<[u8; 16]>) -> Result<AckOutcome, String> {
        match self.op(Op::Ack { id, kids }).await? {
            Outcome::Ack(a) => Ok(a),
            _ => Err("group commit: wrong outcome".into()),
        }
    }

    /// Deletes envelopes (retention), from a blocking thread; returns how many there were.
    pub fn delete_blocking(&self, ids: &[[u8; 32]]) -> Result<usize, String> {
        let (tx, rx) = std::sync::mpsc::channel();
        self.enqueue(|q| {
            for id in ids {
                q.ops
                    .push((Op::Delete { id: *id }, OpReply::Blocking(tx.clone())));
            }
        })?;
        drop(tx);
        let mut n = 0;
        for _ in ids {
            match rx
                .recv()
                .unwrap_or_else(|_| Err("group commit thread gone".into()))?
            {
                Outcome::Delete(true) => n += 1,
                Outcome::Delete(false) => {}
                _ => return Err("group commit: wrong outcome".into()),
            }
        }
        Ok(n)
    }

    /// Holds the thread between writing a round and syncing it, until the guard drops.
    pub fn hold(&self) -> CommitHold<'_> {
        CommitHold {
            _g: lock(&self.shared.gate),
        }
    }

    /// Requests waiting for the next round.
    pub fn queued(&self) -> usize {
        lock(&self.shared.queue).len()
    }

    pub fn stats(&self) -> CommitStats {
        CommitStats {
            syncs: self.shared.syncs.load(Ordering::Relaxed),
            served: self.shared.served.load(Ordering::Relaxed),
        }
    }
}

/// A round never waits for more than this many requests.
const MAX_BATCH: usize = 1024;

fn run(shared: &Shared, store: &Store, linger: Duration) {
    let mut last_start = Instant::now();
    let mut last_batch = 0usize;
    loop {
        let (ops, waiters, readers) = {
            let mut q = lock(&shared.queue);
            // Idle: after SEEN_FLUSH with nothing queued, write the accepted signatures of
            // requests that queued nothing (refused after authentication; a write's own
            // signature goes with its round, a read waits for the next). Not sooner: under load
            // the signatures of writes still on their way here would each start a round of
            // their own.
            while q.len() == 0 && !q.stop {
                q.idle = true;
                let (g, waited) = shared
                    .wake
                    .wait_timeout(q, SEEN_FLUSH)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                q = g;
                if waited.timed_out() && q.len() == 0 && store.seen_pending() {
                    break;
                }
            }
            q.idle = false;
            if q.len() == 0 && q.stop && !store.seen_pending() {
                return;
            }
            if last_batch > 1 {
                let until = last_start + linger;
                loop {
                    let now = Instant::now();
                    if now >= until || q.len() >= MAX_BATCH || q.stop {
                        break;
                    }
                    q = shared
                        .wake
                        .wait_timeout(q, until - now)
                        .map(|(g, _)| g)
                        .unwrap_or_else(|poisoned| poisoned.into_inner().0);
                }
            }
            (
                std::mem::take(&mut q.ops),
                std::mem::take(&mut q.waiters),
                std::mem::take(&mut q.readers),
            )
        };
        last_start = Instant::now();
        last_batch = ops.len() + waiters.len() + readers.len();

        let (ops, replies): (Vec<Op>, Vec<OpReply>) = ops.into_iter().unzip();
        let written = store.write_round(ops).map_err(|e| e.to_string());
        drop(lock(&shared.gate));
        // sled holds only enrolments and audit anchors, which are the ones that wait.
        let result = store.sync(!waiters.is_empty()).map_err(|e| e.to_string());
        if let Err(e) = &result {
            tracing::error!(error = %e, waiters = last_batch, "group commit: sync failed");
        }
        if let Err(e) = &written {
            tracing::error!(error = %e, ops = replies.len(), "group commit: write failed");
        }
        let stored = match (written, &result) {
            (Ok(round), Ok(())) => store.publish(round).map_err(|e| e.to_string()),
            (Err(e), _) => Err(e),
            (Ok(_), Err(e)) => Err(e.clone()),
        };
        if let Err(e) = &stored {
            tracing::error!(error = %e, "group commit: publish failed");
        }
        shared.syncs.fetch_add(1, Ordering::Relaxed);
        shared
            .served
            .fetch_add(last_batch as u64, Ordering::Relaxed);
        match (stored, &result) {
            (Ok(outcomes), Ok(())) => {
                for (reply, o) in replies.into_iter().zip(outcomes) {
                    reply.send(Ok(o));
                }
            }
            (stored, result) => {
                let e = stored
                    .err()
                    .or_else(|| result.clone().err())
                    .unwrap_or_default();
                for reply in replies {
                    reply.send(Err(e.clone()));
                }
            }
        }
        for w in waiters.into_iter().chain(readers) {
            let _ = w.send(result.clone());
        }
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        lock(&self.shared.queue).stop = true;
        self.shared.wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: once the envelope log was poisoned (a failed write or `fdatasync`), an
    /// accepted request signature still waiting to be written kept the commit thread running
    /// failing rounds at full speed after a stop, so dropping the endpoint never returned.
    /// (Reads, which now wait for a round, leave such signatures whenever a round fails.)
    #[test]
    fn a_poisoned_store_does_not_keep_the_commit_thread_from_stopping() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path(), 1 << 20).unwrap());
        let commit = GroupCommit::start(Arc::clone(&store), Duration::ZERO).unwrap();
        store.poison();
        assert!(store.note_signature(1, &[7; 64]).unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            drop(commit);
            let _ = tx.send(());
        });
        assert!(
            rx.recv_timeout(Duration::from_secs(10)).is_ok(),
            "the commit thread did not stop"
        );
    }
}
