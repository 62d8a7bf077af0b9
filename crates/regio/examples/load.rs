//! Load generator for the regional endpoint: loopback only, bounded in time.
//!
//! Starts the endpoint in this process (its own tokio runtime, a fresh data directory on disk,
//! request logging at info level to a file, as `zicht-regio serve` would log), enrols one
//! device per uploader, then runs N concurrent uploaders that each PUT unique 4 KiB envelopes
//! with signed requests, one after another, for a fixed time. A PUT counts when it answered
//! 201 with a receipt for its id, which the endpoint sends only after the group commit's
//! fsync. Reports uploads/s, latency percentiles over the measured window, and the CPU time
//! per upload of each group of threads (Linux).
//!
//! The load generator shares the machine's cores with the endpoint, so it keeps its own work
//! small: by default every request is signed *before* the run (a fresh random nonce and the
//! current time each, well inside the endpoint's ±300 s window), and the envelope bytes are
//! regenerated from a seed at send time instead of being held in memory. The endpoint still
//! verifies every signature and refuses any replay, exactly as for a live client. An uploader
//! that runs out of pre-signed requests signs the rest live (reported). `--live-sign` signs
//! every request inside the loop instead, as a real device would.
//!
//! ```text
//! nice cargo run -p zicht-regio --release --example load -- [--seconds 10] [--warmup 2]
//!      [--uploaders 64] [--size 4096] [--data DIR] [--linger-ms MS] [--live-sign]
//!      [--presign-rate 10000] [--server-threads 2] [--client-threads 1]
//! ```

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, KeyPair};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zicht_protocol as proto;

struct Opts {
    seconds: f64,
    warmup: f64,
    uploaders: usize,
    size: usize,
    data: Option<std::path::PathBuf>,
    linger_ms: Option<f64>,
    live_sign: bool,
    presign_rate: f64,
    server_threads: usize,
    client_threads: usize,
}

fn opts() -> Opts {
    let mut o = Opts {
        seconds: 10.0,
        warmup: 2.0,
        uploaders: 64,
        size: 4096,
        data: None,
        linger_ms: None,
        live_sign: false,
        presign_rate: 10_000.0,
        server_threads: 2,
        client_threads: 1,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--seconds" => o.seconds = v.parse().expect("--seconds"),
            "--warmup" => o.warmup = v.parse().expect("--warmup"),
            "--uploaders" => o.uploaders = v.parse().expect("--uploaders"),
            "--size" => o.size = v.parse().expect("--size"),
            "--data" => o.data = Some(v.into()),
            "--linger-ms" => o.linger_ms = Some(v.parse().expect("--linger-ms")),
            "--presign-rate" => o.presign_rate = v.parse().expect("--presign-rate"),
            "--server-threads" => o.server_threads = v.parse().expect("--server-threads"),
            "--client-threads" => o.client_threads = v.parse().expect("--client-threads"),
            "--live-sign" => {
                o.live_sign = true;
                i += 1;
                continue;
            }
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    // Bounded: never more than two minutes of load (pre-signed timestamps stay fresh).
    o.seconds = o.seconds.clamp(0.5, 120.0);
    o.warmup = o.warmup.clamp(0.0, 30.0);
    o.uploaders = o.uploaders.max(1);
    o.server_threads = o.server_threads.max(1);
    o.client_threads = o.client_threads.max(1);
    o
}

struct Uploader {
    key: Ed25519KeyPair,
    sender_kid: [u8; 16],
    x25519: [u8; 32],
}

/// xorshift64*: cheap filler so the client spends its CPU on HTTP, not on randomness.
struct Fill(u64);
impl Fill {
    fn fill(&mut self, b: &mut [u8]) {
        for c in b.chunks_mut(8) {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let v = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes();
            c.copy_from_slice(&v[..c.len()]);
        }
    }
}

/// Envelope `n` of uploader `i`: the same bytes every time it is made, unique across (i, n)
/// (both are written into the payload area).
fn make_envelope(i: usize, n: u64, sender: [u8; 16], to: &[[u8; 16]], size: usize) -> Vec<u8> {
    let mut fill =
        Fill(0x9e37_79b9_7f4a_7c15 ^ ((i as u64 + 1) << 40) ^ n.wrapping_mul(0x1000_0001));
    let mut env = zicht_protocol::envelope::synthetic(sender, to, size, &mut |b| fill.fill(b));
    env[400..408].copy_from_slice(&(i as u64).to_be_bytes());
    env[408..416].copy_from_slice(&n.to_be_bytes());
    env
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A request ready to send: its URL, id and the four signature headers plus content type.
struct Prepared {
    url: reqwest::Url,
    id: String,
    headers: HeaderMap,
}

fn prepare(base: &str, endpoint: &str, key: &Ed25519KeyPair, id: String, unix: i64) -> Prepared {
    let path = format!("/v1/envelopes/{id}");
    let nonce = proto::new_nonce().unwrap();
    let h = proto::sign_request_digest(key, endpoint, "PUT", &path, &id, unix, &nonce);
    let mut headers = HeaderMap::with_capacity(5);
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    for (k, v) in h.headers() {
        headers.insert(
            HeaderName::from_static(k),
            HeaderValue::from_str(&v).unwrap(),
        );
    }
    Prepared {
        url: reqwest::Url::parse(&format!("{base}{path}")).unwrap(),
        id,
        headers,
    }
}

struct Sample {
    end: Instant,
    micros: u32,
}

/// CPU time (user + system, clock ticks) per thread group of this process, from
/// /proc/self/task, plus the whole process (which keeps the time of exited threads).
fn cpu_ticks() -> Option<BTreeMap<String, u64>> {
    fn ticks(stat: &str) -> Option<(String, u64)> {
        let open = stat.find('(')?;
        let close = stat.rfind(')')?;
        let comm = &stat[open + 1..close];
        let f: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        let t = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
        Some((comm.to_string(), t))
    }
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir("/proc/self/task").ok()? {
        let e = e.ok()?;
        let Ok(s) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        let Some((comm, t)) = ticks(&s) else { continue };
        let group = match comm.as_str() {
            c if c.starts_with("sled-io") => "sled I/O pool",
            "server" => "server (tokio)",
            "client" => "load generator (tokio)",
            "regio-commit" => "group commit",
            "log flusher" => "sled flusher",
            _ => "other threads",
        };
        *out.entry(group.to_string()).or_insert(0) += t;
    }
    let (_, total) = ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)?;
    out.insert("total (process)".to_string(), total);
    Some(out)
}

fn main() {
    let o = opts();
    let tmp;
    let data = match &o.data {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::Builder::new()
                .prefix("zicht-regio-load")
                .tempdir_in(std::env::current_dir().unwrap())
                .unwrap();
            tmp.path().to_path_buf()
        }
    };
    let log = std::fs::File::create(data.join("server.log")).unwrap();
    let _ = tracing_subscriber_init(log);

    // The server: its own runtime, like a separate process would have.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(o.server_threads)
        .thread_name("server")
        .enable_all()
        .build()
        .unwrap();
    let mut cfg = zicht_regio::Config::new(&data);
    if let Some(ms) = o.linger_ms {
        cfg.commit_linger = Duration::from_secs_f64(ms / 1000.0);
    }
    let linger = cfg.commit_linger;
    // The quota check runs for every upload (its cost is measured), but a load run sends
    // more per device than an hour's quota allows.
    cfg.quota.uploads_per_hour = u32::MAX;
    cfg.quota.bytes_per_hour = u64::MAX;
    let regio = zicht_regio::Regio::open(cfg).unwrap();
    let listener = server_rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    assert!(addr.ip().is_loopback());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = server_rt.spawn(zicht_regio::serve(listener, regio.clone(), async move {
        let _ = stop_rx.await;
    }));

    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(o.client_threads)
        .thread_name("client")
        .enable_all()
        .build()
        .unwrap();
    let base = format!("http://{addr}");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(o.uploaders)
        .build()
        .unwrap();
    let endpoint_key = regio.endpoint_public_key();
    let endpoint_id = proto::device_id(&endpoint_key);

    // Enrol one device per uploader (with the proofs of possession, docs/regio-protocol.md §3).
    let info: proto::EndpointInfo = client_rt
        .block_on(async {
            http.get(format!("{base}/v1/endpoint"))
                .send()
                .await
                .unwrap()
                .bytes()
                .await
        })
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap();
    let endpoint_x = info.verified_x25519(&endpoint_key).unwrap();
    let rng = SystemRandom::new();
    let mut uploaders = Vec::new();
    for _ in 0..o.uploaders {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let mut secret = [0u8; 32];
        rng.fill(&mut secret).unwrap();
        let secret = x25519_dalek::StaticSecret::from(secret);
        let x = *x25519_dalek::PublicKey::from(&secret).as_bytes();
        let token = regio.create_token(Duration::from_secs(600)).unwrap();
        let ed = hex::encode(key.public_key().as_ref());
        let xs = vec![hex::encode(x)];
        let canonical = proto::enrol_canonical(&token, &ed, &xs, &hex::encode(endpoint_key));
        let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(endpoint_x));
        let body = serde_json::to_string(&proto::EnrolRequest {
            x25519_proofs: vec![hex::encode(proto::enrol_proof(
                shared.as_bytes(),
                &endpoint_x,
                &x,
                &canonical,
            ))],
            signature: hex::encode(key.sign(canonical.as_bytes())),
            token,
            ed25519_public_key: ed,
            x25519_public_keys: xs,
        })
        .unwrap();
        let r = client_rt
            .block_on(
                http.post(format!("{base}/v1/enrol"))
                    .header("content-type", "application/json")
                    .body(body)
                    .send(),
            )
            .unwrap();
        assert_eq!(r.status(), 201);
        let sender_kid = proto::ed25519_key_id(key.public_key().as_ref());
        uploaders.push(Arc::new(Uploader {
            key,
            sender_kid,
            x25519: x,
        }));
    }
    // Every envelope goes to the next uploader's key and a fixed "regional table" key.
    let table_kid = proto::x25519_key_id(&[42u8; 32]);
    let recipients = |i: usize| {
        [
            table_kid,
            proto::x25519_key_id(&uploaders[(i + 1) % o.uploaders].x25519),
        ]
    };

    // Pre-sign (outside the measured run) enough requests for `presign_rate` uploads/s.
    let per_uploader = if o.live_sign {
        0
    } else {
        ((o.presign_rate * (o.warmup + o.seconds)) / o.uploaders as f64).ceil() as u64 + 1
    };
    let presign_started = Instant::now();
    let mut prepared: Vec<Vec<Prepared>> = (0..o.uploaders).map(|_| Vec::new()).collect();
    if per_uploader > 0 {
        let unix = unix_now();
        std::thread::scope(|s| {
            let chunk = o.uploaders.div_ceil(2);
            for (c, slots) in prepared.chunks_mut(chunk).enumerate() {
                let (uploaders, base, recipients) = (&uploaders, &base, &recipients);
                let endpoint_id = &endpoint_id;
                let size = o.size;
                s.spawn(move || {
                    for (k, slot) in slots.iter_mut().enumerate() {
                        let i = c * chunk + k;
                        let me = &uploaders[i];
                        let to = recipients(i);
                        // Popped from the back: store in reverse order.
                        for n in (1..=per_uploader).rev() {
                            let env = make_envelope(i, n, me.sender_kid, &to, size);
                            let id = proto::envelope_id(&env);
                            slot.push(prepare(base, endpoint_id, &me.key, id, unix));
                        }
                    }
                });
            }
        });
    }
    let presign_secs = presign_started.elapsed().as_secs_f64();

    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let window_start = started + Duration::from_secs_f64(o.warmup);
    let window_end = window_start + Duration::from_secs_f64(o.seconds);
    let mut tasks = Vec::new();
    for (i, mut ready) in prepared.into_iter().enumerate() {
        let me = uploaders[i].clone();
        let to = recipients(i);
        let (http, base, stop) = (http.clone(), base.clone(), stop.clone());
        let endpoint_id = endpoint_id.clone();
        let size = o.size;
        tasks.push(client_rt.spawn(async move {
            let mut samples = Vec::with_capacity(8192);
            let mut errors = 0u64;
            let mut live = 0u64;
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let t = Instant::now();
                let env = make_envelope(i, n, me.sender_kid, &to, size);
                let p = match ready.pop() {
                    Some(p) => p,
                    None => {
                        live += 1;
                        prepare(
                            &base,
                            &endpoint_id,
                            &me.key,
                            proto::envelope_id(&env),
                            unix_now(),
                        )
                    }
                };
                let ok = match http.put(p.url).headers(p.headers).body(env).send().await {
                    Ok(r) if r.status() == 201 => match r.bytes().await {
                        Ok(b) => {
                            let rc: Result<proto::Receipt, _> = serde_json::from_slice(&b);
                            match rc {
                                // Verify the signature on one receipt in 16 (client CPU is
                                // the server's CPU here); check the id on all.
                                Ok(rc) if n & 15 == 0 => {
                                    proto::verify_receipt(&rc, &endpoint_key, &p.id).is_ok()
                                }
                                Ok(rc) => rc.id == p.id,
                                Err(_) => false,
                            }
                        }
                        Err(_) => false,
                    },
                    _ => false,
                };
                let end = Instant::now();
                if ok {
                    samples.push(Sample {
                        end,
                        micros: (end - t).as_micros().min(u32::MAX as u128) as u32,
                    });
                } else {
                    errors += 1;
                }
            }
            (samples, errors, live)
        }));
    }
    std::thread::sleep(window_start.saturating_duration_since(Instant::now()));
    let commits_before = regio.commit_stats();
    let cpu_before = cpu_ticks();
    std::thread::sleep(window_end.saturating_duration_since(Instant::now()));
    let cpu_after = cpu_ticks();
    let commits = regio.commit_stats();
    stop.store(true, Ordering::Relaxed);
    let mut lat: Vec<u32> = Vec::new();
    let mut total_ok = 0usize;
    let mut errors = 0u64;
    let mut live = 0u64;
    for t in tasks {
        let (samples, e, l) = client_rt.block_on(t).unwrap();
        total_ok += samples.len();
        errors += e;
        live += l;
        lat.extend(
            samples
                .iter()
                .filter(|s| s.end >= window_start && s.end < window_end)
                .map(|s| s.micros),
        );
    }
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        lat[i] as f64 / 1000.0
    };
    let rate = lat.len() as f64 / o.seconds;
    let syncs = commits.syncs - commits_before.syncs;
    let served = commits.served - commits_before.served;
    let stored = regio.envelope_count();

    println!(
        "zicht-regio load: {} uploaders, {}-byte envelopes, {:.1} s measured after {:.1} s warm-up, loopback {addr}",
        o.uploaders, o.size, o.seconds, o.warmup
    );
    if o.live_sign {
        println!("  requests signed live in the loop");
    } else {
        println!(
            "  requests pre-signed before the run ({per_uploader} per uploader, {presign_secs:.1} s), each verified by the endpoint; signed live after running out: {live}"
        );
    }
    println!(
        "  uploads acknowledged after fsync: {} in window  ->  {:.0} uploads/s",
        lat.len(),
        rate
    );
    println!(
        "  latency ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(0.999),
        pct(1.0)
    );
    println!(
        "  group commit: {syncs} fsync rounds for {served} durable writes ({:.1} per fsync), linger {:?}",
        served as f64 / syncs.max(1) as f64,
        linger
    );
    if let (Some(a), Some(b)) = (cpu_before, cpu_after) {
        // Clock ticks are 10 ms on Linux (USER_HZ 100).
        let per = |k: &str| {
            let d = b.get(k).copied().unwrap_or(0) as f64 - a.get(k).copied().unwrap_or(0) as f64;
            d * 10_000.0 / lat.len().max(1) as f64
        };
        let mut parts: Vec<String> = b
            .keys()
            .filter(|k| k.as_str() != "total (process)")
            .map(|k| (k, per(k)))
            .filter(|(_, us)| *us >= 0.5)
            .map(|(k, us)| format!("{k} {us:.0}"))
            .collect();
        parts.sort();
        println!(
            "  CPU µs per upload: {:.0} in this process ({})",
            per("total (process)"),
            parts.join(", ")
        );
    }
    println!(
        "  errors: {errors}; envelopes stored: {stored} (uploads acknowledged in total: {total_ok})"
    );

    let _ = stop_tx.send(());
    drop(http);
    let _ = server_rt.block_on(server);
    assert_eq!(stored, total_ok, "every acknowledged upload is stored");
}

fn tracing_subscriber_init(log: std::fs::File) -> Result<(), ()> {
    // The same format and level as `zicht-regio serve` (info), into a file.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_target(false)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(log))
        .try_init()
        .map_err(|_| ())
}
