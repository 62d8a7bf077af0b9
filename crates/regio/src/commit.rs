//! Group commit: one [`Store::sync`] (sled flush + fsync) serves every request that finished
//! its writes before the sync started, and uploads are written by the commit thread itself,
//! one sled transaction per round.
//!
//! Two kinds of requests queue here:
//!
//! - an upload ([`GroupCommit::put`]) hands over its envelope and signed receipt; the commit
//!   thread stores every upload of a round in one transaction ([`Store::put_envelopes`]:
//!   sled 0.34 writes its log buffer out twice per transaction, so one transaction per upload
//!   would cost two log writes and two `sync_file_range` per upload), then syncs;
//! - any other write (enrolment, ack) writes to the store itself and then calls
//!   [`GroupCommit::wait`], which the next sync covers.
//!
//! The thread takes the *whole* queue, applies the uploads, runs one sync, and answers every
//! request it took. Requests that queue meanwhile go into the next round, so under load each
//! fsync covers as many requests as arrived during the previous round, and a lone request pays
//! for exactly one sync.
//!
//! Pacing: a sync round costs far more CPU than its fsync suggests (sled 0.34 hands each log
//! write to its thread pool, waking every idle pool thread, and issues a blocking
//! `sync_file_range` before our `fdatasync`). So when the previous round served more than one
//! request (there is concurrency), the next round starts no sooner than `linger` after the
//! previous one started, gathering the requests that arrive meanwhile; arrivals during that
//! wait do not wake the thread. A lone request (the previous round served one or none) never
//! waits. With `linger` = 0 rounds run back to back.

use crate::store::{EnvelopeMeta, NewEnvelope, Store};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

type Waiter = oneshot::Sender<Result<(), String>>;
type PutReply = oneshot::Sender<Result<(EnvelopeMeta, bool), String>>;

struct Queue {
    puts: Vec<(NewEnvelope, PutReply)>,
    waiters: Vec<Waiter>,
    /// The thread waits for a first request and wants a notification.
    idle: bool,
    stop: bool,
}

impl Queue {
    fn len(&self) -> usize {
        self.puts.len() + self.waiters.len()
    }
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    /// Taken by the thread between applying a round's uploads and syncing them; a test holds
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

/// While alive, the commit thread stops after applying a round's uploads and before syncing
/// them (see [`GroupCommit::hold`]).
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
                puts: Vec::new(),
                waiters: Vec::new(),
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

    /// Stores an upload (or finds the one stored before under its id) and resolves once it is
    /// durable: the record and whether it is new.
    pub async fn put(&self, env: NewEnvelope) -> Result<(EnvelopeMeta, bool), String> {
        let (tx, rx) = oneshot::channel();
        self.enqueue(|q| q.puts.push((env, tx)))?;
        rx.await
            .unwrap_or_else(|_| Err("group commit thread gone".into()))
    }

    /// Holds the thread between applying uploads and syncing them, until the guard drops.
    pub fn hold(&self) -> CommitHold<'_> {
        CommitHold {
            _g: lock(&self.shared.gate),
        }
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
        let (puts, waiters) = {
            let mut q = lock(&shared.queue);
            while q.len() == 0 && !q.stop {
                q.idle = true;
                q = shared
                    .wake
                    .wait(q)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            q.idle = false;
            if q.len() == 0 && q.stop {
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
            (std::mem::take(&mut q.puts), std::mem::take(&mut q.waiters))
        };
        last_start = Instant::now();
        last_batch = puts.len() + waiters.len();

        let (envs, replies): (Vec<NewEnvelope>, Vec<PutReply>) = puts.into_iter().unzip();
        let stored = if envs.is_empty() {
            Ok(Vec::new())
        } else {
            store.put_envelopes(&envs).map_err(|e| e.to_string())
        };
        drop(lock(&shared.gate));
        let result = store.sync().map_err(|e| e.to_string());
        if let Err(e) = &result {
            tracing::error!(error = %e, waiters = last_batch, "group commit: sync failed");
        }
        if let Err(e) = &stored {
            tracing::error!(error = %e, uploads = replies.len(), "group commit: store failed");
        }
        shared.syncs.fetch_add(1, Ordering::Relaxed);
        shared
            .served
            .fetch_add(last_batch as u64, Ordering::Relaxed);
        match (stored, &result) {
            (Ok(metas), Ok(())) => {
                for (reply, m) in replies.into_iter().zip(metas) {
                    let _ = reply.send(Ok(m));
                }
            }
            (stored, result) => {
                let e = stored
                    .err()
                    .or_else(|| result.clone().err())
                    .unwrap_or_default();
                for reply in replies {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
        for w in waiters {
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
