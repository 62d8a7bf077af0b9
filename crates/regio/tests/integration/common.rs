//! The test server, devices, signed requests, envelopes, and a raw-TCP client.

#![allow(dead_code)]

use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{Ed25519KeyPair, KeyPair};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use zicht_protocol::{self as proto, ErrorBody, Receipt};
use zicht_regio::{Config, ManualClock, Regio};

/// A fixed, realistic "now" for the injected clock (2025-06-15).
pub const T0_MS: i64 = 1_750_000_000_000;

pub struct TestServer {
    pub addr: SocketAddr,
    pub regio: Regio,
    pub clock: Arc<ManualClock>,
    pub http: reqwest::Client,
    pub dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(f: impl FnOnce(&mut Config)) -> TestServer {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let clock = Arc::new(ManualClock::new(T0_MS));
        let mut s = Self::start_in(dir, clock, f).await;
        s._tmp = Some(tmp);
        s
    }

    pub async fn start_in(
        dir: PathBuf,
        clock: Arc<ManualClock>,
        f: impl FnOnce(&mut Config),
    ) -> TestServer {
        let mut cfg = Config::new(&dir);
        cfg.clock = clock.clone();
        f(&mut cfg);
        let regio = Regio::open(cfg).unwrap_or_else(|e| panic!("open: {e}"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(zicht_regio::serve(listener, regio.clone(), async move {
            let _ = rx.await;
        }));
        TestServer {
            addr,
            regio,
            clock,
            http: reqwest::Client::new(),
            dir,
            _tmp: None,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// Stops the server and releases the store; returns what a restart needs.
    pub async fn stop(mut self) -> (PathBuf, Arc<ManualClock>, Option<tempfile::TempDir>) {
        let _ = self.stop.take().unwrap().send(());
        // Drop the client first: graceful shutdown waits for its idle keep-alive connections.
        self.http = reqwest::Client::new();
        self.task.take().unwrap().await.unwrap().unwrap();
        let tmp = self._tmp.take();
        let dir = self.dir.clone();
        let clock = self.clock.clone();
        drop(self);
        (dir, clock, tmp)
    }

    pub async fn restart(self) -> TestServer {
        let (dir, clock, tmp) = self.stop().await;
        let mut s = Self::start_in(dir, clock, |_| {}).await;
        s._tmp = tmp;
        s
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn now_s(&self) -> i64 {
        use zicht_regio::Clock;
        self.clock.now_ms() / 1000
    }

    pub fn token(&self) -> String {
        self.regio.create_token(Duration::from_secs(3600)).unwrap()
    }

    pub fn endpoint_key(&self) -> [u8; 32] {
        self.regio.endpoint_public_key()
    }

    /// The endpoint's key id, which every signed request names (§4.2).
    pub fn key_id(&self) -> String {
        proto::device_id(&self.endpoint_key())
    }

    /// Enrols `dev` with a fresh token; panics unless 201.
    pub async fn enrolled(&self, dev: &Device) {
        let r = self.enrol(dev, &self.token()).await;
        assert_eq!(r.status(), 201, "{:?}", r.text().await);
    }

    /// The endpoint's X25519 key for enrolment proofs, from `GET /v1/endpoint`, checked
    /// against its signing key.
    pub async fn endpoint_x25519(&self) -> [u8; 32] {
        let r = self
            .http
            .get(self.url("/v1/endpoint"))
            .send()
            .await
            .unwrap();
        let info: proto::EndpointInfo = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        info.verified_x25519(&self.endpoint_key()).unwrap()
    }

    /// The enrolment body a device makes: its keys, its signature, a proof per X25519 key.
    pub async fn enrol_request(&self, dev: &Device, token: &str) -> proto::EnrolRequest {
        let endpoint_x = self.endpoint_x25519().await;
        let ed = hex::encode(dev.public());
        let xs: Vec<String> = dev.x25519.iter().map(hex::encode).collect();
        let canonical = proto::enrol_canonical(token, &ed, &xs, &hex::encode(self.endpoint_key()));
        let proofs = dev
            .x25519_secrets
            .iter()
            .zip(&dev.x25519)
            .map(|(s, x)| {
                let shared = s.diffie_hellman(&x25519_dalek::PublicKey::from(endpoint_x));
                hex::encode(proto::enrol_proof(
                    shared.as_bytes(),
                    &endpoint_x,
                    x,
                    &canonical,
                ))
            })
            .collect();
        proto::EnrolRequest {
            token: token.into(),
            ed25519_public_key: ed,
            x25519_public_keys: xs,
            x25519_proofs: proofs,
            signature: hex::encode(dev.key.sign(canonical.as_bytes())),
        }
    }

    pub async fn enrol(&self, dev: &Device, token: &str) -> reqwest::Response {
        let body = self.enrol_request(dev, token).await;
        self.post_enrol(&body).await
    }

    pub async fn post_enrol(&self, body: &proto::EnrolRequest) -> reqwest::Response {
        let body = serde_json::to_string(body).unwrap();
        self.http
            .post(self.url("/v1/enrol"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// A request signed by `dev` at the server's clock.
    pub async fn signed(
        &self,
        dev: &Device,
        method: &str,
        path: &str,
        body: Vec<u8>,
    ) -> reqwest::Response {
        let h = proto::sign_request(&dev.key, &self.key_id(), method, path, &body, self.now_s())
            .unwrap();
        self.send(method, path, body, &h).await
    }

    /// Sends with the given authentication headers (and octet-stream for a PUT).
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Vec<u8>,
        h: &proto::SignedHeaders,
    ) -> reqwest::Response {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut rb = self.http.request(m, self.url(path));
        for (k, v) in h.headers() {
            rb = rb.header(k, v);
        }
        if method == "PUT" {
            rb = rb.header("content-type", "application/octet-stream");
        }
        rb.body(body).send().await.unwrap()
    }

    pub async fn put(&self, dev: &Device, env: &[u8]) -> reqwest::Response {
        let id = proto::envelope_id(env);
        self.signed(dev, "PUT", &format!("/v1/envelopes/{id}"), env.to_vec())
            .await
    }

    /// An inbox page and the nonce of the request that got it.
    pub async fn inbox_with_nonce(&self, dev: &Device, query: &str) -> (proto::InboxPage, String) {
        let path = format!("/v1/inbox{query}");
        let h =
            proto::sign_request(&dev.key, &self.key_id(), "GET", &path, &[], self.now_s()).unwrap();
        let r = self.send("GET", &path, vec![], &h).await;
        assert_eq!(r.status(), 200);
        (
            serde_json::from_slice(&r.bytes().await.unwrap()).unwrap(),
            h.nonce,
        )
    }

    pub async fn inbox(&self, dev: &Device, query: &str) -> proto::InboxPage {
        let r = self
            .signed(dev, "GET", &format!("/v1/inbox{query}"), vec![])
            .await;
        assert_eq!(r.status(), 200);
        serde_json::from_slice(&r.bytes().await.unwrap()).unwrap()
    }

    pub async fn ack(&self, dev: &Device, id: &str) -> reqwest::Response {
        self.signed(dev, "POST", &format!("/v1/envelopes/{id}/ack"), vec![])
            .await
    }

    pub async fn get(&self, dev: &Device, id: &str) -> reqwest::Response {
        self.signed(dev, "GET", &format!("/v1/envelopes/{id}"), vec![])
            .await
    }
}

/// A device: an Ed25519 signing key and one or more X25519 keys (secret and public halves).
pub struct Device {
    pub key: Ed25519KeyPair,
    pub x25519_secrets: Vec<x25519_dalek::StaticSecret>,
    pub x25519: Vec<[u8; 32]>,
}

pub fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    SystemRandom::new().fill(&mut b).unwrap();
    b
}

impl Device {
    pub fn new() -> Device {
        Self::with_keys(1)
    }

    pub fn with_keys(n: usize) -> Device {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        let secrets: Vec<_> = (0..n)
            .map(|_| x25519_dalek::StaticSecret::from(random::<32>()))
            .collect();
        Device {
            key: Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap(),
            x25519: secrets
                .iter()
                .map(|s| *x25519_dalek::PublicKey::from(s).as_bytes())
                .collect(),
            x25519_secrets: secrets,
        }
    }

    pub fn public(&self) -> Vec<u8> {
        self.key.public_key().as_ref().to_vec()
    }

    pub fn id(&self) -> String {
        proto::device_id(&self.public())
    }

    pub fn kid(&self) -> [u8; 16] {
        proto::x25519_key_id(&self.x25519[0])
    }

    pub fn kids(&self) -> Vec<[u8; 16]> {
        self.x25519
            .iter()
            .map(|k| proto::x25519_key_id(k))
            .collect()
    }
}

/// A unique, structurally valid envelope from `sender` to `recipients`.
pub fn envelope(sender: &Device, recipients: &[[u8; 16]], len: usize) -> Vec<u8> {
    let rng = SystemRandom::new();
    zicht_protocol::envelope::synthetic(
        proto::ed25519_key_id(&sender.public()),
        recipients,
        len,
        &mut |b| rng.fill(b).unwrap(),
    )
}

/// Asserts an error answer: status, JSON content type, `{code, message}` with a message.
pub async fn expect_error(r: reqwest::Response, status: u16, code: &str) {
    assert_eq!(r.status().as_u16(), status, "status for {code}");
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(ct.starts_with("application/json"), "content type {ct}");
    let bytes = r.bytes().await.unwrap();
    let e: ErrorBody = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("not an error body: {}", String::from_utf8_lossy(&bytes)));
    assert_eq!(e.code, code, "{}", e.message);
    assert!(!e.message.is_empty());
}

pub async fn receipt_of(r: reqwest::Response, status: u16) -> (Receipt, Vec<u8>) {
    assert_eq!(r.status().as_u16(), status);
    let bytes = r.bytes().await.unwrap().to_vec();
    (serde_json::from_slice(&bytes).unwrap(), bytes)
}

/// The answer to raw bytes written on a fresh connection: status, head, body.
pub struct RawResponse {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn error_code(&self) -> String {
        let e: ErrorBody = serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            panic!(
                "not an error body: {} / {}",
                self.head,
                String::from_utf8_lossy(&self.body)
            )
        });
        assert!(!e.message.is_empty());
        e.code
    }
}

/// Writes `parts` one after another (ignoring write errors: the server may answer and close
/// early), then reads the response until the server closes.
pub async fn raw(addr: SocketAddr, parts: Vec<Vec<u8>>) -> RawResponse {
    let s = TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = s.into_split();
    let writer = tokio::spawn(async move {
        for p in parts {
            if wr.write_all(&p).await.is_err() {
                break;
            }
        }
        let _ = wr.flush().await;
        wr
    });
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            match rd.read(&mut chunk).await {
                Ok(0) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(_) => break,
            }
        }
    })
    .await;
    assert!(read.is_ok(), "server did not answer/close in time");
    writer.abort();
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(&buf)));
    let head = String::from_utf8_lossy(&buf[..split]).to_string();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap();
    RawResponse {
        status,
        head,
        body: buf[split + 4..].to_vec(),
    }
}

/// Request head with the four signature headers for `dev` (body digest given).
pub fn signed_head(
    srv: &TestServer,
    dev: &Device,
    method: &str,
    path: &str,
    digest: &str,
    extra: &str,
) -> Vec<u8> {
    let nonce = proto::new_nonce().unwrap();
    let h = proto::sign_request_digest(
        &dev.key,
        &srv.key_id(),
        method,
        path,
        digest,
        srv.now_s(),
        &nonce,
    );
    let mut s = format!(
        "{method} {path} HTTP/1.1\r\nhost: {}\r\nconnection: close\r\n",
        srv.addr
    );
    for (k, v) in h.headers() {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    s.push_str(extra);
    s.push_str("\r\n");
    s.into_bytes()
}
