//! # zicht-regio: the regional endpoint
//!
//! A relay of encrypted envelopes (Zicht bundles) addressed to key ids. Devices enrol once
//! with a one-time token, then sign every request with their Ed25519 key; they upload
//! envelopes (answered with a receipt signed by the endpoint's own key once the envelope is
//! durable), list their inbox, download and ack. The endpoint deletes an envelope once every
//! recipient has acked it, or when its retention period ends. It never holds a key that can
//! open an envelope and never logs payloads: only ids, sizes and codes.
//!
//! The wire protocol is `docs/regio-protocol.md`. What devices share with the endpoint
//! (request signing, receipts, enrolment proofs, wire types, error codes, envelope header
//! parsing) is the `zicht-protocol` crate; this crate is the server only.
//!
//! Modules, each using only modules listed before it:
//!
//! - `clock`: injectable time;
//! - `keys`: the endpoint key and the enrolment tokens, as files;
//! - `records`: what `store` and `envlog` share: the envelope record, ack outcomes, the
//!   storage error;
//! - `envlog`: envelopes in append-only segment files, the inbox index in memory (record
//!   format, recovery, index, write path);
//! - `store`: the only module that touches sled (enrolled devices); owns the envelope log;
//! - `commit`: group commit: the one writer of envelopes, one fsync for many requests;
//! - `endpoint`: [`Config`], [`Regio`] (the shared state) and its maintenance operations;
//! - `error`: the one error type at the HTTP boundary;
//! - `http`: routes, authentication, the request log;
//! - this file: the public API, [`serve`] (routes plus the sweep task) and logging.

mod clock;
mod commit;
mod endpoint;
mod envlog;
mod error;
mod http;
mod keys;
mod quota;
mod records;
pub mod roster;
mod store;

pub use clock::{Clock, ManualClock, SystemClock};
pub use commit::{CommitHold, CommitStats};
pub use endpoint::{
    create_token_in, default_data_dir, Config, Error, Regio, SweepReport, DEFAULT_COMMIT_LINGER,
    DEFAULT_LISTEN, DEFAULT_MAX_BODY, DEFAULT_RETENTION, DEFAULT_SWEEP_INTERVAL,
    DEFAULT_TOKEN_VALIDITY, MAX_HEADER_BYTES, MAX_SMALL_BODY, MAX_URI_BYTES,
};
pub use quota::{
    QuotaConfig, DEFAULT_BYTES_PER_HOUR, DEFAULT_UPLOADS_PER_HOUR, DEFAULT_UPLOAD_MEMORY,
};

use std::future::Future;

/// Serves the endpoint on `listener` until `shutdown` resolves, with the sweep task
/// running beside it.
pub async fn serve(
    listener: tokio::net::TcpListener,
    regio: Regio,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let (stop_sweep, sweep_stopped) = tokio::sync::oneshot::channel::<()>();
    let sweeper = tokio::spawn(sweep_loop(regio.clone(), sweep_stopped));
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let result = axum::serve(listener, regio.router())
        .with_graceful_shutdown(shutdown)
        .await;
    // Stop the sweeper between sweeps and wait for it, so that when `serve` returns no
    // task of it holds the store any more.
    let _ = stop_sweep.send(());
    let _ = sweeper.await;
    result
}

async fn sweep_loop(regio: Regio, mut stop: tokio::sync::oneshot::Receiver<()>) {
    let mut every = tokio::time::interval(regio.inner.cfg.sweep_interval);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = &mut stop => return,
        }
        let r = regio.clone();
        match tokio::task::spawn_blocking(move || r.sweep()).await {
            Ok(Ok(rep)) => {
                if rep != SweepReport::default() {
                    tracing::info!(
                        envelopes = rep.envelopes,
                        signatures = rep.signatures,
                        tokens = rep.tokens,
                        "sweep"
                    );
                }
            }
            Ok(Err(e)) => tracing::error!(error = %e, "sweep failed"),
            Err(e) => tracing::error!(error = %e, "sweep task failed"),
        }
    }
}

/// Logs to stderr at the level in `ZICHT_REGIO_LOG` (`error`, `warn`, `info` (default),
/// `debug`, `trace`). Request lines carry method, path, status, error code, sizes,
/// device id and duration; never a body or a header value.
pub fn init_logging() {
    let level = match std::env::var("ZICHT_REGIO_LOG").as_deref() {
        Ok("error") => tracing::Level::ERROR,
        Ok("warn") => tracing::Level::WARN,
        Ok("debug") => tracing::Level::DEBUG,
        Ok("trace") => tracing::Level::TRACE,
        _ => tracing::Level::INFO,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}
