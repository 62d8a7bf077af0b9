//! Group commit: one [`Store::sync`] (sled flush + fsync) serves every request that finished
//! its writes before the sync started.
//!
//! A request writes to the store, then calls [`GroupCommit::wait`], which queues a one-shot
//! channel and wakes the commit thread. The thread takes the *whole* queue, runs one sync,
//! and answers every channel it took. Requests that queue while a sync runs go into the next
//! batch, so under load each fsync covers as many requests as arrived during the previous one,
//! and a lone request pays for exactly one sync.
//!
//! Pacing: a sync round costs far more CPU than its fsync suggests (sled 0.34 hands each log
//! write to its thread pool, waking every idle pool thread, and issues a blocking
//! `sync_file_range` before our `fdatasync`). So when the previous round served more than one
//! request (there is concurrency), the next round starts no sooner than `linger` after the
//! previous one started, gathering the requests that arrive meanwhile. A lone request (the
//! previous round served one or none) never waits. With `linger` = 0 rounds run back to back.

use crate::store::Store;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

type Waiter = oneshot::Sender<Result<(), String>>;

struct Queue {
    waiters: Vec<Waiter>,
    stop: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    /// Taken by the thread before each sync; a test holds it to look at the endpoint while
    /// writes are in the store but not yet durable.
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

/// While alive, the commit thread starts no sync (see [`GroupCommit::hold`]).
pub struct CommitHold<'a> {
    _g: MutexGuard<'a, ()>,
}

impl GroupCommit {
    pub fn start(store: Arc<Store>, linger: Duration) -> std::io::Result<GroupCommit> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                waiters: Vec::new(),
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

    /// Resolves once every write this task made before the call is durable.
    pub async fn wait(&self) -> Result<(), String> {
        let (tx, rx) = oneshot::channel();
        {
            let mut q = self
                .shared
                .queue
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if q.stop {
                return Err("group commit stopped".into());
            }
            q.waiters.push(tx);
        }
        self.shared.wake.notify_one();
        rx.await
            .unwrap_or_else(|_| Err("group commit thread gone".into()))
    }

    /// Holds the thread before its next sync, until the guard drops.
    pub fn hold(&self) -> CommitHold<'_> {
        CommitHold {
            _g: self
                .shared
                .gate
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
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
        let batch = {
            let mut q = shared
                .queue
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            while q.waiters.is_empty() && !q.stop {
                q = shared
                    .wake
                    .wait(q)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            if q.waiters.is_empty() && q.stop {
                return;
            }
            if last_batch > 1 {
                let until = last_start + linger;
                loop {
                    let now = Instant::now();
                    if now >= until || q.waiters.len() >= MAX_BATCH || q.stop {
                        break;
                    }
                    q = shared
                        .wake
                        .wait_timeout(q, until - now)
                        .map(|(g, _)| g)
                        .unwrap_or_else(|poisoned| poisoned.into_inner().0);
                }
            }
            std::mem::take(&mut q.waiters)
        };
        last_start = Instant::now();
        last_batch = batch.len();
        drop(
            shared
                .gate
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        let result = store.sync().map_err(|e| e.to_string());
        if let Err(e) = &result {
            tracing::error!(error = %e, waiters = batch.len(), "group commit: sync failed");
        }
        shared.syncs.fetch_add(1, Ordering::Relaxed);
        shared
            .served
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        for w in batch {
            let _ = w.send(result.clone());
        }
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        {
            let mut q = self
                .shared
                .queue
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            q.stop = true;
        }
        self.shared.wake.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
