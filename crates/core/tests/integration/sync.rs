//! The sync client against the real regional endpoint (in-process, loopback): fault tests.
//!
//! - 1 000 uploads while the endpoint is killed and restarted several times and a TCP proxy
//!   drops connections mid-request: afterwards every envelope is at the endpoint exactly once,
//!   every outbox item has a verified receipt, and the recipient gets every bundle once.
//! - Wrong endpoint key, clock skew, unenrolled device: clear states, nothing lost, nothing
//!   marked sent.

use crate::common::*;
use ring::rand::SystemRandom;
use ring::signature::Ed25519KeyPair;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use zicht_core::sync::{run_job, HttpTransport};
use zicht_core::Zicht;
use zicht_model::*;

/// The endpoint on a fixed port, in its own runtime so that killing it drops every task and
/// connection at once (as a crash would) and releases its store.
struct Endpoint {
    rt: Option<tokio::runtime::Runtime>,
    port: u16,
    dir: PathBuf,
    regio: Option<zicht_regio::Regio>,
}

impl Endpoint {
    fn start(dir: &Path, port: u16) -> Endpoint {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let mut tries = 0;
        let regio = loop {
            match zicht_regio::Regio::open(zicht_regio::Config::new(dir)) {
                Ok(r) => break r,
                Err(e) if tries < 100 => {
                    tries += 1;
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => panic!("endpoint store: {e}"),
            }
        };
        let r2 = regio.clone();
        rt.block_on(async {
            let listener = loop {
                match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                    Ok(l) => break l,
                    Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
                }
            };
            tokio::spawn(zicht_regio::serve(listener, r2, std::future::pending()));
        });
        Endpoint {
            rt: Some(rt),
            port,
            dir: dir.to_path_buf(),
            regio: Some(regio),
        }
    }

    /// Kills the endpoint abruptly: in-flight requests are cut off.
    fn kill(mut self) -> (PathBuf, u16) {
        self.regio.take();
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(Duration::ZERO);
        }
        (self.dir.clone(), self.port)
    }

    fn regio(&self) -> &zicht_regio::Regio {
        self.regio.as_ref().unwrap()
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A TCP proxy that cuts connections mid-request: every connection gets a random budget of
/// request bytes (somewhere in 1..=`max_kib` KiB); when it is used up, the proxy forwards half of
/// the next read and drops both sides. Keep-alive connections therefore die mid-request too.
struct Proxy {
    port: u16,
    stop: Arc<AtomicBool>,
    cut: Arc<AtomicUsize>,
}

impl Proxy {
    fn start(upstream: u16, max_kib: usize) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let cut = Arc::new(AtomicUsize::new(0));
        let (s2, c2) = (stop.clone(), cut.clone());
        std::thread::spawn(move || {
            let mut n = 0usize;
            while !s2.load(Ordering::Relaxed) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(2));
                    continue;
                };
                n += 1;
                let budget = 1024 * (1 + (n.wrapping_mul(2654435761) % max_kib));
                let cut = c2.clone();
                std::thread::spawn(move || {
                    client.set_nonblocking(false).ok();
                    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                        return;
                    };
                    let (mut c_r, mut s_w) =
                        (client.try_clone().unwrap(), server.try_clone().unwrap());
                    let (client2, server2) =
                        (client.try_clone().unwrap(), server.try_clone().unwrap());
                    let t = std::thread::spawn(move || {
                        let mut left = budget;
                        let mut buf = vec![0u8; 16 * 1024];
                        loop {
                            let k = match c_r.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(k) => k,
                            };
                            if k >= left {
                                let _ = s_w.write_all(&buf[..k / 2]);
                                cut.fetch_add(1, Ordering::Relaxed);
                                let _ = client2.shutdown(Shutdown::Both);
                                let _ = server2.shutdown(Shutdown::Both);
                                return;
                            }
                            left -= k;
                            if s_w.write_all(&buf[..k]).is_err() {
                                break;
                            }
                        }
                        let _ = s_w.shutdown(Shutdown::Write);
                    });
                    let (mut s_r, mut c_w) = (server, client);
                    let _ = std::io::copy(&mut s_r, &mut c_w);
                    let _ = c_w.shutdown(Shutdown::Both);
                    let _ = t.join();
                });
            }
        });
        Proxy { port, stop, cut }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn participant(id: &str, role: ParticipantRole, z: &Zicht) -> Participant {
    let me = z.device_identity().unwrap();
    Participant {
        id: id.into(),
        municipality: "Zutphen".into(),
        role,
        display_name: id.into(),
        signing_key: me.signing_key,
        encryption_key: me.encryption_key,
    }
}

/// Two devices sharing a directory: an inspector and an attention officer.
fn pair() -> (Vec<tempfile::TempDir>, Zicht, Zicht) {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut a = fresh(dirs[0].path());
    let mut b = fresh(dirs[1].path());
    let root = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    let d = Directory {
        region: "Test".into(),
        version: 1,
        issued: "2026-11-22".into(),
        participants: vec![
            participant("insp", ParticipantRole::Toezichthouder, &a),
            participant("af", ParticipantRole::Aandachtsfunctionaris, &b),
        ],
    };
    let json =
        serde_json::to_string(&zicht_core::directory::sign(root.as_ref(), &d).unwrap()).unwrap();
    a.import_trusting(&json).unwrap();
    b.import_trusting(&json).unwrap();
    (dirs, a, b)
}

fn key_hex(e: &Endpoint) -> String {
    e.regio()
        .endpoint_public_key()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn enrol(z: &mut Zicht, e: &Endpoint, url: &str) {
    z.configure_endpoint(url, &key_hex(e)).unwrap();
    let token = e.regio().create_token(Duration::from_secs(3600)).unwrap();
    z.enrol(&token, &HttpTransport::default()).unwrap();
}

/// One sync round, the way the app's background task does it.
fn round(z: &mut Zicht, skew: i64) -> SyncStatus {
    let job = z.sync_job().unwrap().expect("configured and enrolled");
    let out = run_job(&job, &HttpTransport::default(), || unix() + skew);
    z.apply_sync(out, now()).unwrap()
}

fn waiting(z: &Zicht) -> usize {
    z.outbox()
        .unwrap()
        .iter()
        .filter(|i| i.state == OutboxState::Wacht)
        .count()
}

#[test]
fn thousand_uploads_through_crashes_and_dropped_connections() {
    let edir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut endpoint = Some(Endpoint::start(edir.path(), port));
    let proxy = Proxy::start(port, 120);
    let (_dirs, mut a, mut b) = pair();
    enrol(&mut a, endpoint.as_ref().unwrap(), &proxy.url());
    enrol(&mut b, endpoint.as_ref().unwrap(), &proxy.url());

    const N: usize = 1000;
    let s = a.record_signal(signal_input(), now()).unwrap().signal;
    for _ in 0..N {
        a.send_signals(&[s.id.clone()], &["af".into()], now())
            .unwrap();
    }
    assert_eq!(waiting(&a), N);

    let mut rounds = 0;
    let mut restarts = 0;
    let mut offline_seen = 0;
    while waiting(&a) > 0 {
        rounds += 1;
        assert!(rounds < 500, "no progress: {} still waiting", waiting(&a));
        // Kill the endpoint every few rounds, in the middle of a round, and bring it back.
        if rounds % 4 == 0 && restarts < 6 {
            let e = endpoint.take().unwrap();
            let killer = std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(30));
                e.kill()
            });
            let st = round(&mut a, 0);
            if st.state == SyncState::Offline {
                offline_seen += 1;
            }
            let (dir, p) = killer.join().unwrap();
            let st = round(&mut a, 0);
            assert_eq!(st.state, SyncState::Offline, "endpoint down: {st:?}");
            endpoint = Some(Endpoint::start(&dir, p));
            restarts += 1;
            continue;
        }
        let st = round(&mut a, 0);
        if st.state == SyncState::Offline {
            offline_seen += 1;
        }
    }
    let endpoint = endpoint.unwrap();
    eprintln!("{rounds} rounds, {restarts} restarts, {} connections cut by the proxy, {offline_seen} offline rounds", proxy.cut.load(Ordering::Relaxed));
    assert!(restarts >= 3, "the endpoint was restarted several times");
    assert!(
        proxy.cut.load(Ordering::Relaxed) >= 5,
        "the proxy cut connections mid-request"
    );
    // Every item sent, each with a receipt that names it; the endpoint holds each exactly once.
    let items = a.outbox().unwrap();
    assert_eq!(items.len(), N);
    for i in &items {
        assert!(
            matches!(i.state, OutboxState::Verzonden { .. }),
            "{:?}",
            i.state
        );
        assert_eq!(a.receipt(&i.id).unwrap().expect("receipt stored").id, i.id);
    }
    assert_eq!(
        endpoint.regio().envelope_count(),
        N,
        "every envelope at the endpoint exactly once"
    );

    // The officer receives each bundle exactly once, acks, and the endpoint can let go.
    let mut rounds = 0;
    while b.inbox().unwrap().len() < N || endpoint.regio().envelope_count() > 0 {
        rounds += 1;
        assert!(
            rounds < 300,
            "inbox stuck at {} (endpoint holds {})",
            b.inbox().unwrap().len(),
            endpoint.regio().envelope_count()
        );
        round(&mut b, 0);
    }
    assert_eq!(b.inbox().unwrap().len(), N);
    drop(proxy);
    endpoint.kill();
}

#[test]
fn wrong_endpoint_key_clock_skew_and_unenrolled_device_mark_nothing_sent() {
    let edir = tempfile::tempdir().unwrap();
    let e = Endpoint::start(edir.path(), free_port());
    let (_dirs, mut a, _b) = pair();
    enrol(&mut a, &e, &e.url());
    let s = a.record_signal(signal_input(), now()).unwrap().signal;
    a.send_signals(&[s.id.clone()], &["af".into()], now())
        .unwrap();

    // Clock 10 minutes ahead: refused as stale, explained, nothing sent.
    let st = round(&mut a, 600);
    assert_eq!(st.state, SyncState::KlokAfwijking, "{st:?}");
    assert!(st.message.contains("klok"));
    assert_eq!(waiting(&a), 1);

    // Wrong pinned key: the endpoint's receipt does not verify, so nothing is marked sent.
    let other = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    let other_pub: String =
        ring::signature::KeyPair::public_key(&Ed25519KeyPair::from_pkcs8(other.as_ref()).unwrap())
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
    a.configure_endpoint(&e.url(), &other_pub).unwrap();
    assert!(
        a.sync_job().unwrap().is_none(),
        "a new key means enrol again"
    );
    let token = e.regio().create_token(Duration::from_secs(3600)).unwrap();
    let err = a.enrol(&token, &HttpTransport::default()).unwrap_err();
    assert_eq!(err.code(), "enrol.wrong_endpoint");
    assert_eq!(waiting(&a), 1);

    // Back to the right key: delivered.
    a.configure_endpoint(&e.url(), &key_hex(&e)).unwrap();
    let token = e.regio().create_token(Duration::from_secs(3600)).unwrap();
    a.enrol(&token, &HttpTransport::default()).unwrap();
    assert_eq!(round(&mut a, 0).state, SyncState::Online);
    assert_eq!(waiting(&a), 0);

    // An endpoint with the same key that does not know this device (its data was reset).
    let old_key = key_hex(&e);
    let (dir, port) = e.kill();
    let fresh_dir = tempfile::tempdir().unwrap();
    for f in std::fs::read_dir(&dir).unwrap() {
        let f = f.unwrap();
        if f.file_name().to_string_lossy().ends_with(".pk8") {
            std::fs::copy(f.path(), fresh_dir.path().join(f.file_name())).unwrap();
        }
    }
    let e2 = Endpoint::start(fresh_dir.path(), port);
    assert_eq!(
        key_hex(&e2),
        old_key,
        "same endpoint key, fresh endpoint data"
    );
    a.send_signals(&[s.id], &["af".into()], later(5)).unwrap();
    let st = round(&mut a, 0);
    assert_eq!(st.state, SyncState::NietAangemeld, "{st:?}");
    assert_eq!(waiting(&a), 1, "nothing lost, nothing marked sent");
    e2.kill();

    // Bad token: a clear error.
    let e3_dir = tempfile::tempdir().unwrap();
    let e3 = Endpoint::start(e3_dir.path(), free_port());
    a.configure_endpoint(&e3.url(), &key_hex(&e3)).unwrap();
    assert_eq!(
        a.enrol("0000-0000", &HttpTransport::default())
            .unwrap_err()
            .code(),
        "enrol.invalid_token"
    );
    e3.kill();
    // Unreachable: offline, not an error that loses anything.
    assert_eq!(
        a.enrol("x", &HttpTransport::default()).unwrap_err().code(),
        "offline"
    );
}

/// A transport that answers like an endpoint whose receipts are signed by the wrong key.
struct ForgedReceipts {
    pinned: String,
    forger: Ed25519KeyPair,
}

impl zicht_core::sync::Transport for ForgedReceipts {
    fn send(
        &self,
        _base: &str,
        req: &zicht_core::sync::HttpRequest,
    ) -> Result<zicht_core::sync::HttpResponse, String> {
        use zicht_core::sync::HttpResponse;
        let json = |status: u16, v: serde_json::Value| {
            Ok(HttpResponse {
                status,
                body: v.to_string().into_bytes(),
            })
        };
        match (req.method, req.path.as_str()) {
            ("POST", "/v1/enrol") => json(
                201,
                serde_json::json!({"device": "d", "key_ids": [], "endpoint_key": self.pinned, "endpoint_key_id": "x"}),
            ),
            ("PUT", p) => {
                let id = p.trim_start_matches("/v1/envelopes/").to_string();
                let mut r = zicht_regio::client::Receipt {
                    version: 1,
                    id,
                    size: req.body.len() as u64,
                    received_at_ms: 0,
                    uploader: "d".into(),
                    recipients: vec![],
                    endpoint_key: self.pinned.clone(),
                    signature: String::new(),
                };
                let sig = self.forger.sign(r.canonical().as_bytes());
                r.signature = sig.as_ref().iter().map(|b| format!("{b:02x}")).collect();
                json(201, serde_json::to_value(&r).unwrap())
            }
            _ => json(
                200,
                serde_json::json!({"envelopes": [], "next": "0", "more": false}),
            ),
        }
    }
}

#[test]
fn a_receipt_that_does_not_verify_under_the_pinned_key_marks_nothing_sent() {
    let (_dirs, mut a, _b) = pair();
    let pinned = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    let pinned = Ed25519KeyPair::from_pkcs8(pinned.as_ref()).unwrap();
    let pinned_hex: String = ring::signature::KeyPair::public_key(&pinned)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let forger = Ed25519KeyPair::from_pkcs8(
        Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .unwrap()
            .as_ref(),
    )
    .unwrap();
    let t = ForgedReceipts {
        pinned: pinned_hex.clone(),
        forger,
    };
    a.configure_endpoint("http://endpoint.invalid", &pinned_hex)
        .unwrap();
    a.enrol("token", &t).unwrap();
    let s = a.record_signal(signal_input(), now()).unwrap().signal;
    a.send_signals(&[s.id], &["af".into()], now()).unwrap();
    let job = a.sync_job().unwrap().unwrap();
    let out = run_job(&job, &t, unix);
    let st = a.apply_sync(out, now()).unwrap();
    assert_eq!(st.state, SyncState::OngeldigeOntvangstbevestiging, "{st:?}");
    assert_eq!(waiting(&a), 1, "not marked sent");
    assert!(a.receipt(&a.outbox().unwrap()[0].id).unwrap().is_none());
}

/// Regression guard (review finding): a downloaded bundle from a sender this device's directory
/// does not list yet used to be acked and so deleted at the endpoint. Now it stays there, and
/// arrives once the newer directory is imported.
#[test]
fn a_bundle_from_a_sender_not_yet_in_my_directory_is_kept_until_it_is() {
    let edir = tempfile::tempdir().unwrap();
    let e = Endpoint::start(edir.path(), free_port());
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut newcomer = fresh(dirs[0].path());
    let mut officer = fresh(dirs[1].path());
    let root = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    let sign = |version: u32, ps: Vec<Participant>| {
        let d = Directory {
            region: "Test".into(),
            version,
            issued: "2026-11-22".into(),
            participants: ps,
        };
        serde_json::to_string(&zicht_core::directory::sign(root.as_ref(), &d).unwrap()).unwrap()
    };
    let af = participant("af", ParticipantRole::Aandachtsfunctionaris, &officer);
    let nc = participant("nieuw", ParticipantRole::Toezichthouder, &newcomer);
    officer.import_trusting(&sign(1, vec![af.clone()])).unwrap();
    newcomer
        .import_trusting(&sign(2, vec![af.clone(), nc.clone()]))
        .unwrap();
    enrol(&mut newcomer, &e, &e.url());
    enrol(&mut officer, &e, &e.url());
    let s = newcomer
        .record_signal(signal_input(), now())
        .unwrap()
        .signal;
    newcomer
        .send_signals(&[s.id], &["af".into()], now())
        .unwrap();
    assert_eq!(round(&mut newcomer, 0).state, SyncState::Online);

    for _ in 0..2 {
        round(&mut officer, 0);
    }
    assert!(officer.inbox().unwrap().is_empty());
    assert_eq!(
        e.regio().envelope_count(),
        1,
        "kept at the endpoint, not acked"
    );

    officer.import_trusting(&sign(2, vec![af, nc])).unwrap();
    for _ in 0..2 {
        round(&mut officer, 0);
    }
    assert_eq!(
        officer.inbox().unwrap().len(),
        1,
        "arrives once the sender is known"
    );
    assert_eq!(e.regio().envelope_count(), 0, "then acked and released");
    e.kill();
}
