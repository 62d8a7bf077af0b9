//! App state: the one [`Zicht`] store of this process, behind a mutex.

use std::path::Path;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Instant;
use zicht_core::{CoreError, Now, Zicht};
use zicht_model::ApiError;

pub struct AppState {
    store: OnceLock<Result<Mutex<Zicht>, ApiError>>,
    /// Wakes the background sync task (after a send, or when the user asks).
    pub wake: std::sync::Arc<tokio::sync::Notify>,
    /// The user's last action, on the monotonic clock (for the idle lock).
    activity: Mutex<Instant>,
    /// When this process started, on the monotonic clock (for the unlock delay).
    started: Instant,
    /// The region root's fingerprint from the app's configuration (`ZICHT_REGION_ROOT`): the
    /// first directory import is checked against it instead of asking the user.
    pub region_root: Option<String>,
}

/// The current local time (the shell reads the clock; the core never does).
pub fn now() -> Now {
    chrono::Local::now().fixed_offset()
}

impl AppState {
    pub fn empty() -> Self {
        AppState {
            store: OnceLock::new(),
            wake: Default::default(),
            activity: Mutex::new(Instant::now()),
            started: Instant::now(),
            region_root: None,
        }
    }

    /// How long this process has been running, on the monotonic clock: the core counts the
    /// delay after wrong passphrases on it, so setting the system clock forward skips nothing.
    pub fn uptime(&self) -> std::time::Duration {
        self.started.elapsed()
    }

    /// State with the store in `dir` opened at once (tests).
    pub fn open_at(dir: &Path) -> Self {
        let s = Self::empty();
        s.open(dir);
        s
    }

    /// Opens the store; an error (newer schema, store in use) is kept and shown to the user.
    pub fn open(&self, dir: &Path) {
        let _ = self
            .store
            .set(Zicht::open(dir).map(Mutex::new).map_err(|e| {
                tracing::error!(code = e.code().wire(), "store could not be opened");
                ApiError::from(e)
            }));
    }

    fn lock_store(&self) -> Result<MutexGuard<'_, Zicht>, ApiError> {
        match self.store.get() {
            None => Err(ApiError::starting()),
            Some(Err(e)) => Err(e.clone()),
            // A poisoned mutex means a panic elsewhere; the store itself is still consistent.
            Some(Ok(m)) => Ok(m.lock().unwrap_or_else(|p| p.into_inner())),
        }
    }

    /// Runs `f` on the store without counting as user activity.
    pub fn peek<T>(
        &self,
        f: impl FnOnce(&mut Zicht) -> Result<T, CoreError>,
    ) -> Result<T, ApiError> {
        let mut z = self.lock_store()?;
        f(&mut z).map_err(ApiError::from)
    }

    /// Runs `f` on the store as a user action (resets the idle timer).
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut Zicht, Now) -> Result<T, CoreError>,
    ) -> Result<T, ApiError> {
        let mut z = self.lock_store()?;
        let now = now();
        z.touch(now);
        if let Ok(mut last) = self.activity.lock() {
            *last = Instant::now();
        }
        f(&mut z, now).map_err(|e| {
            tracing::info!(code = e.code().wire(), "command refused");
            ApiError::from(e)
        })
    }

    /// At exit: lock (drop the key) and make every file durable.
    pub fn shutdown(&self) {
        if let Ok(mut z) = self.lock_store() {
            if let Err(e) = z.close() {
                tracing::error!(code = e.code().wire(), "closing the store failed");
            }
        }
    }

    /// One sync round (see `zicht_core::sync`): `None` when locked or no endpoint is set up.
    pub fn sync_round(
        &self,
        transport: &dyn zicht_core::sync::Transport,
    ) -> Option<zicht_model::SyncStatus> {
        let job = self.lock_store().ok()?.sync_job().ok()??;
        let outcome = zicht_core::sync::run_job(&job, transport, || chrono::Utc::now().timestamp());
        let status = self.lock_store().ok()?.apply_sync(outcome, now());
        status
            .map_err(|e| tracing::warn!(code = e.code().wire(), "sync outcome not recorded"))
            .ok()
    }

    /// Enrols at the endpoint: the job is taken and the outcome recorded under the lock, the
    /// request itself runs without it (so the UI and the sync task are not blocked).
    pub fn enrol(
        &self,
        token: &str,
        transport: &dyn zicht_core::sync::Transport,
    ) -> Result<zicht_model::SyncStatus, ApiError> {
        let job = self.with(|z, _| z.enrol_job(token))?;
        zicht_core::sync::run_enrol(&job, transport).map_err(ApiError::from)?;
        self.with(|z, _| z.finish_enrol(&job).and_then(|_| z.sync_status()))
    }

    /// The 15-second housekeeping tick: the idle lock, and the daily retention purge while
    /// unlocked (the core runs it at most once per calendar day).
    pub fn tick(&self) {
        if let Ok(mut z) = self.lock_store() {
            let now = now();
            let idle = self
                .activity
                .lock()
                .map(|t| t.elapsed())
                .unwrap_or_default();
            if z.lock_if_idle_for(idle) {
                tracing::info!("locked after idle time");
            }
            if let Err(e) = z.purge_if_due(now) {
                tracing::warn!(code = e.code().wire(), "retention purge failed");
            }
        }
    }
}
