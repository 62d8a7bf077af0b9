//! The endpoint's state and settings: [`Config`] (with the defaults and limits), [`Regio`] (the
//! state every request and the sweep share: store, group commit, keys, tokens) and its
//! maintenance operations (tokens, the sweep, counters for tests and the load benchmark).
//! The HTTP routes over it are in `http`; [`serve`](crate::serve) runs them with the sweep.

use crate::clock::{Clock, SystemClock};
use crate::commit::{CommitHold, CommitStats, GroupCommit};
use crate::keys::{load_or_create_endpoint_key, EndpointKey, Tokens};
use crate::records::StoreError;
use crate::store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A period in milliseconds, saturating (a retention of "forever" must not wrap around
/// into the past).
fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// `serve --listen` default.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7878";
/// Largest envelope accepted by default (64 MiB).
pub const DEFAULT_MAX_BODY: u64 = 64 * 1024 * 1024;
/// Default retention: an envelope not acked by all its recipients is deleted after 30 days.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);
/// How often the sweep task runs by default.
pub const DEFAULT_SWEEP_INTERVAL: Duration = Duration::from_secs(60);
/// Default group-commit pacing (see [`Config::commit_linger`]).
pub const DEFAULT_COMMIT_LINGER: Duration = Duration::from_millis(2);
/// Default validity of an enrolment token.
pub const DEFAULT_TOKEN_VALIDITY: Duration = Duration::from_secs(7 * 24 * 3600);
/// Sum of all header names and values above which a request gets 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Longest request target (path and query) accepted; longer gets 414.
pub const MAX_URI_BYTES: usize = 4096;
/// Largest body of a JSON or body-less request (enrol, ack, GET).
pub const MAX_SMALL_BODY: u64 = 64 * 1024;

/// Where `serve` and `token` keep their data without `--data`: `zicht-regio` under the
/// user's data directory (`~/.local/share/zicht-regio` on Linux).
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("zicht-regio")
}

/// Endpoint settings.
#[derive(Clone)]
pub struct Config {
    /// Holds `store/` (sled), `endpoint-key.pk8` and `enrol-tokens/`.
    pub data_dir: PathBuf,
    /// Envelopes larger than this get 413.
    pub max_body: u64,
    /// Envelopes older than this are deleted by the sweep, acked or not.
    pub retention: Duration,
    /// Period of the sweep task started by [`serve`](crate::serve).
    pub sweep_interval: Duration,
    /// The time source for freshness, receipts and retention.
    pub clock: Arc<dyn Clock>,
    /// Group commit pacing under concurrency: the least time between the starts of two
    /// fsync rounds while requests arrive concurrently (see `commit.rs`). A lone request
    /// never waits for it.
    pub commit_linger: Duration,
    /// Size at which the envelope log starts a new segment file. Deleted envelopes'
    /// bytes are erased at once, but a segment file goes only when every envelope in it
    /// (and in every older one) has been swept.
    pub log_segment_bytes: u64,
    /// Upload quotas per device and the memory budget for upload bodies (`quota.rs`).
    pub quota: crate::quota::QuotaConfig,
}

impl Config {
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            data_dir: data_dir.into(),
            max_body: DEFAULT_MAX_BODY,
            retention: DEFAULT_RETENTION,
            sweep_interval: DEFAULT_SWEEP_INTERVAL,
            clock: Arc::new(SystemClock),
            commit_linger: DEFAULT_COMMIT_LINGER,
            log_segment_bytes: crate::envlog::SEGMENT_TARGET,
            quota: crate::quota::QuotaConfig::default(),
        }
    }
}

/// Why the endpoint could not start or a maintenance step failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("de opslag van het eindpunt is niet te openen of te gebruiken: {0}")]
    Store(#[from] StoreError),
    #[error("bestand in de datamap niet te lezen of te schrijven: {0}")]
    Io(#[from] std::io::Error),
}

/// What one sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub envelopes: usize,
    pub signatures: usize,
    pub tokens: usize,
}

/// The running endpoint's state: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Regio {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) cfg: Config,
    // Declared before `store`: dropping it joins the commit thread first.
    pub(crate) commit: GroupCommit,
    pub(crate) store: Arc<Store>,
    pub(crate) key: EndpointKey,
    pub(crate) key_hex: String,
    pub(crate) key_id_hex: String,
    /// The X25519 key for enrolment proofs, and the endpoint key's signature over it.
    pub(crate) x25519_hex: String,
    pub(crate) x25519_signature_hex: String,
    pub(crate) tokens: Tokens,
    pub(crate) revoked: crate::roster::Revoked,
    pub(crate) quotas: crate::quota::Quotas,
}

impl Regio {
    /// Opens the data directory (creating it, and the endpoint key, on first start).
    pub fn open(cfg: Config) -> Result<Regio, Error> {
        let key = load_or_create_endpoint_key(&cfg.data_dir)?;
        let store = Arc::new(Store::open(
            &cfg.data_dir.join("store"),
            cfg.log_segment_bytes,
        )?);
        let commit = GroupCommit::start(store.clone(), cfg.commit_linger)?;
        let key_hex = hex::encode(key.public);
        let key_id_hex = hex::encode(zicht_protocol::ed25519_key_id(&key.public));
        let x25519_hex = hex::encode(key.x25519_public);
        let x25519_signature_hex = hex::encode(
            key.pair
                .sign(zicht_protocol::endpoint_x25519_message(&x25519_hex).as_bytes()),
        );
        let tokens = Tokens::new(&cfg.data_dir);
        let revoked = crate::roster::Revoked::new(&cfg.data_dir);
        for (id, at_ms) in store.devices()? {
            // The listing for `zicht-regio devices`; a failure here only makes it incomplete.
            let _ = crate::roster::note_enrolled(&cfg.data_dir, &id, at_ms);
        }
        let quotas = crate::quota::Quotas::new(cfg.quota);
        Ok(Regio {
            inner: Arc::new(Inner {
                quotas,
                cfg,
                commit,
                store,
                key,
                key_hex,
                key_id_hex,
                x25519_hex,
                x25519_signature_hex,
                tokens,
                revoked,
            }),
        })
    }

    /// The endpoint's Ed25519 public key, which signs receipts. Devices pin it.
    pub fn endpoint_public_key(&self) -> [u8; 32] {
        self.inner.key.public
    }

    /// Creates a one-time enrolment token valid for `validity`.
    pub fn create_token(&self, validity: Duration) -> Result<String, Error> {
        let exp = self
            .inner
            .cfg
            .clock
            .now_ms()
            .saturating_add(millis(validity));
        Ok(self.inner.tokens.create(exp)?)
    }

    /// Deletes envelopes past retention, forgets signatures too old to be replayed, and
    /// removes expired tokens. [`serve`](crate::serve) runs this every `sweep_interval`.
    pub fn sweep(&self) -> Result<SweepReport, Error> {
        let now = self.inner.cfg.clock.now_ms();
        let cutoff = now.saturating_sub(millis(self.inner.cfg.retention));
        let now_s = now.div_euclid(1000);
        let signed_before = (now_s - zicht_protocol::MAX_CLOCK_SKEW_SECS).max(0) as u64;
        let store = &self.inner.store;
        let mut envelopes = 0;
        loop {
            // In batches, so that uploads are not held up behind one long sweep.
            let ids = store.expired(cutoff, 256);
            if ids.is_empty() {
                break;
            }
            let n = self
                .inner
                .commit
                .delete_blocking(&ids)
                .map_err(|e| std::io::Error::other(format!("sweep: {e}")))?;
            envelopes += n;
            if n == 0 {
                break;
            }
        }
        let signatures = store.sweep_signatures(signed_before)?;
        let tokens = self.inner.tokens.sweep(now)?;
        Ok(SweepReport {
            envelopes,
            signatures,
            tokens,
        })
    }

    /// Group-commit counters: fsync rounds and the requests they served.
    pub fn commit_stats(&self) -> CommitStats {
        self.inner.commit.stats()
    }

    /// The durable watermark: the highest sequence number covered by a completed fsync
    /// (inbox listings never go past it; see the store's cursor invariant).
    pub fn durable_seq(&self) -> u64 {
        self.inner.store.durable_seq()
    }

    /// For tests: while the returned guard lives, the group commit runs no sync: writes
    /// reach the store but do not become durable, so a test can look at the endpoint in
    /// that state (and copy its data directory, as a crash would leave it). Requests that
    /// need durability wait until the guard drops.
    #[doc(hidden)]
    pub fn hold_commits(&self) -> CommitHold<'_> {
        self.inner.commit.hold()
    }

    /// For tests: what an inbox listing for `kids` after `after` would hold right now
    /// (seqs, next cursor, more), without the wait for the next round a request makes.
    /// With [`Self::hold_commits`] a test sees the store in a state no request can.
    #[doc(hidden)]
    pub fn inbox_now(&self, kids: &[[u8; 16]], after: u64) -> (Vec<u64>, u64, bool) {
        let (metas, last, more) = self.inner.store.inbox(kids, after, 1000);
        (
            metas.iter().map(|m| m.seq).collect(),
            last.unwrap_or(after),
            more,
        )
    }

    /// For tests: whether a download of `id` would find it right now (durable, not yet
    /// delivered), without the wait a request makes.
    #[doc(hidden)]
    pub fn downloadable_now(&self, id: &[u8; 32]) -> bool {
        self.inner.store.meta(id).is_some_and(|m| !m.delivered)
    }

    /// For tests: requests waiting for the next group-commit round.
    #[doc(hidden)]
    pub fn queued_commits(&self) -> usize {
        self.inner.commit.queued()
    }

    /// Bytes of memory reserved by upload bodies being received now.
    pub fn upload_memory_held(&self) -> u64 {
        self.inner.quotas.held()
    }

    /// Number of envelope bodies held (written, maybe not durable yet).
    pub fn envelope_count(&self) -> usize {
        self.inner.store.envelope_count()
    }

    /// Number of segment files of the envelope log.
    pub fn log_segment_count(&self) -> usize {
        self.inner.store.segment_count()
    }
}

/// Creates a token in `data_dir` without opening the store (so it works while `serve`
/// runs). Returns the token and the endpoint's public key.
pub fn create_token_in(
    data_dir: &Path,
    validity: Duration,
    clock: &dyn Clock,
) -> Result<(String, [u8; 32]), Error> {
    let key = load_or_create_endpoint_key(data_dir)?;
    let exp = clock.now_ms() + validity.as_millis() as i64;
    let token = Tokens::new(data_dir).create(exp)?;
    Ok((token, key.public))
}
