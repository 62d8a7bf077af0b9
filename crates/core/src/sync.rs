//! The sync client: delivers the outbox to the regional endpoint and fetches the inbox
//! (docs/regio-protocol.md; signing and receipts come from `zicht_regio::client`).
//!
//! Network I/O never happens while the store is held: [`Zicht::sync_job`] takes a snapshot of
//! what to do (under the caller's lock), [`run_job`] talks to the endpoint with no store at all,
//! and [`Zicht::apply_sync`] records the outcome (under the lock again). An outbox item becomes
//! `Verzonden` only with a receipt that verifies under the pinned endpoint key.

use crate::error::{CoreError, Result};
use crate::identity::unhex32;
use crate::ids::Now;
use crate::schema::{ENDPOINT, RECEIPTS};
use crate::session::Zicht;
use ring::signature::{Ed25519KeyPair, KeyPair};
use std::time::Duration;
use zicht_model::{OutboxState, SyncState, SyncStatus};
use zicht_regio::client as proto;


pub use crate::schema::{Deferred, EndpointConfig};

/// Deferred envelopes remembered at most; beyond this the oldest are forgotten (they stay at
/// the endpoint until its retention period ends).
pub const MAX_DEFERRED: usize = 1000;
/// Deferred envelopes fetched again per round after a new directory.
pub const MAX_RETRIES_PER_ROUND: usize = 50;
/// Bytes downloaded per round at most (one envelope more if the first is larger): downloads
/// are held in memory until the round is recorded.
pub const MAX_DOWNLOAD_PER_ROUND: u64 = 64 << 20;
/// Inbox pages listed per round at most.
pub const MAX_PAGES_PER_ROUND: usize = 20;

/// One HTTP exchange, as the transport sees it.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: &'static str,
    /// Path and query, exactly as signed.
    pub path: String,
    pub headers: Vec<(&'static str, String)>,
    pub content_type: Option<&'static str>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Sends requests to the endpoint. `Err` means the endpoint could not be reached (offline,
/// refused, dropped mid-request): nothing is concluded from it. Its text is shown to the user
/// (in "Het knooppunt is niet bereikt: …."), so it is Dutch.
pub trait Transport: Send + Sync {
    fn send(&self, base_url: &str, req: &HttpRequest) -> std::result::Result<HttpResponse, String>;
}

/// The real transport: ureq (rustls on ring for https), with timeouts.
pub struct HttpTransport {
    agent: ureq::Agent,
}

impl Default for HttpTransport {
    fn default() -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(120)))
            .build();
        HttpTransport {
            agent: ureq::Agent::new_with_config(config),
        }
    }
}

impl Transport for HttpTransport {
    fn send(&self, base_url: &str, req: &HttpRequest) -> std::result::Result<HttpResponse, String> {
        let url = format!("{}{}", base_url.trim_end_matches('/'), req.path);
        let result = match req.method {
            "GET" => {
                let mut r = self.agent.get(&url);
                for (k, v) in &req.headers {
                    r = r.header(*k, v);
                }
                r.call()
            }
            method => {
                let mut r = if method == "PUT" {
                    self.agent.put(&url)
                } else {
                    self.agent.post(&url)
                };
                for (k, v) in &req.headers {
                    r = r.header(*k, v);
                }
                if let Some(ct) = req.content_type {
                    r = r.header("content-type", ct);
                }
                r.send(&req.body[..])
            }
        };
        let mut resp = result.map_err(|e| unreachable_because(&e))?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(128 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| unreachable_because(&e))?;
        Ok(HttpResponse { status, body })
    }
}

/// Why the endpoint could not be reached, in Dutch for the status line; the library's own
/// (English) text goes to the log only.
pub fn unreachable_because(e: &ureq::Error) -> String {
    use std::io::ErrorKind as K;
    const NOT_FOUND: &str = "het adres is niet gevonden (geen netwerk, of een verkeerd adres)";
    tracing::info!(error = %e, "endpoint not reached");
    match e {
        ureq::Error::Io(io) => match io.kind() {
            K::ConnectionRefused => {
                "de verbinding werd geweigerd (het knooppunt draait niet, of het adres klopt niet)"
            }
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                "de verbinding werd onderbroken"
            }
            K::TimedOut | K::WouldBlock => "het knooppunt antwoordde niet op tijd",
            K::NotConnected
            | K::NetworkUnreachable
            | K::HostUnreachable
            | K::NetworkDown
            | K::AddrNotAvailable => "er is geen netwerk",
            // A failed name lookup comes as std's uncategorised error, without an OS code.
            _ if io.raw_os_error().is_none() && io.to_string().contains("lookup address") => {
                NOT_FOUND
            }
            _ => "een netwerkfout",
        },
        ureq::Error::Timeout(_) | ureq::Error::BodyStalled => {
            "het knooppunt antwoordde niet op tijd"
        }
        ureq::Error::HostNotFound => NOT_FOUND,
        ureq::Error::ConnectProxyFailed(_) | ureq::Error::InvalidProxyUrl => {
            "de proxy van dit netwerk liet de verbinding niet door"
        }
        ureq::Error::ConnectionFailed => "er kon geen verbinding worden gemaakt",
        ureq::Error::Tls(_)
        | ureq::Error::Rustls(_)
        | ureq::Error::Pem(_)
        | ureq::Error::TlsRequired => "de beveiligde verbinding (https) kwam niet tot stand",
        ureq::Error::BadUri(_) => "het adres van het knooppunt is ongeldig",
        ureq::Error::BodyExceedsLimit(_) => {
            "het antwoord van het knooppunt was te groot om te lezen"
        }
        _ => "het antwoord was geen geldig antwoord van een knooppunt",
    }
    .to_string()
}

/// What one sync round should do (a snapshot; holds the signing key, so it stays in the core).
pub struct SyncJob {
    url: String,
    endpoint_key: [u8; 32],
    signer: Ed25519KeyPair,
    uploads: Vec<(String, Vec<u8>)>,
    acks: Vec<String>,
    cursor: u64,
    /// Deferred envelopes to fetch again by id this round.
    retry: Vec<String>,
    /// All deferred envelope ids: skipped when listing.
    deferred: std::collections::HashSet<String>,
    /// Bytes to download this round at most ([`MAX_DOWNLOAD_PER_ROUND`]).
    budget: u64,
}

#[cfg(any(test, feature = "testing"))]
impl SyncJob {
    /// The same job with another download budget (tests of the budget use a small one).
    pub fn with_download_budget(mut self, bytes: u64) -> Self {
        self.budget = bytes;
        self
    }
}

/// An envelope fetched this round, its bytes checked against its id.
#[derive(Debug)]
pub struct Downloaded {
    pub id: String,
    /// Its inbox sequence number; `None` for a deferred envelope fetched again by id.
    pub seq: Option<u64>,
    pub bytes: Vec<u8>,
}

/// What one sync round did.
#[derive(Debug, Default)]
pub struct SyncOutcome {
    /// The endpoint this round talked to (URL and pinned key, hex).
    pub url: String,
    pub endpoint_key: String,
    /// Envelope id → verified receipt (JSON).
    pub sent: Vec<(String, proto::Receipt)>,
    /// Envelope id → permanent refusal (code, Dutch message).
    pub refused: Vec<(String, String)>,
    pub downloaded: Vec<Downloaded>,
    /// Deferred envelopes the endpoint no longer has.
    pub gone: Vec<String>,
    pub acked: Vec<String>,
    pub cursor: u64,
    /// The first problem that stopped the round (offline, clock, enrolment, ...).
    pub problem: Option<(SyncState, String)>,
}

fn error_message(body: &[u8]) -> (String, String) {
    serde_json::from_slice::<proto::ErrorBody>(body)
        .map(|e| (e.code, e.message))
        .unwrap_or_else(|_| {
            (
                "unknown".into(),
                "Onbekende fout van het regionale knooppunt.".into(),
            )
        })
}

fn signed(
    job: &SyncJob,
    method: &'static str,
    path: String,
    body: Vec<u8>,
    ct: Option<&'static str>,
    unix: i64,
) -> std::result::Result<HttpRequest, String> {
    let h = proto::sign_request(&job.signer, method, &path, &body, unix).map_err(|_| {
        "Het verzoek aan het regionale knooppunt kon niet worden ondertekend.".to_string()
    })?;
    Ok(HttpRequest {
        method,
        path,
        headers: h.headers().to_vec(),
        content_type: ct,
        body,
    })
}

fn wrong_endpoint() -> CoreError {
    wrong_endpoint_because("enrol.wrong_endpoint")
}

fn wrong_endpoint_because(code: &str) -> CoreError {
    CoreError::Sync(code.into(), "Het knooppunt heeft een andere sleutel dan is opgegeven. Controleer de sleutel bij de coördinator.".into())
}

/// Endpoint error codes that refuse an envelope for good (docs/regio-protocol.md): the item
/// is marked `Fout`. Any other 4xx leaves the item waiting and is reported as the round's
/// problem; the round goes on.
const REFUSED_FOR_GOOD: [&str; 5] = [
    "envelope.malformed",
    "envelope.unsupported_version",
    "envelope.id_mismatch",
    "envelope.bad_id",
    "request.body_too_large",
];

/// Uploads per round, so a round stays short and a long outbox drains in steps.
pub const MAX_UPLOADS_PER_ROUND: usize = 100;

/// The endpoint could not be reached (offline, refused, dropped mid-request).
fn offline(e: String) -> (SyncState, String) {
    (
        SyncState::Offline,
        format!("Het knooppunt is niet bereikt: {e}. Er gaat niets verloren; Zicht probeert het opnieuw."),
    )
}

/// A 5xx, 408 or 429: the endpoint is there but cannot take the request now; retry later.
fn unavailable(status: u16) -> (SyncState, String) {
    (
        SyncState::Offline,
        format!("Het regionale knooppunt is tijdelijk niet beschikbaar ({status})."),
    )
}

/// Classifies a 401 from the endpoint.
fn auth_problem(body: &[u8]) -> (SyncState, String) {
    let (code, message) = error_message(body);
    match code.as_str() {
        "auth.stale" => (SyncState::KlokAfwijking, "De klok van dit apparaat wijkt te veel af van die van het regionale knooppunt. Zet de klok goed; er is niets verloren.".into()),
        "auth.unknown_device" => (SyncState::NietAangemeld, "Dit apparaat is niet aangemeld bij het regionale knooppunt.".into()),
        _ => (SyncState::Fout, message),
    }
}

/// Runs one sync round against the endpoint. Talks to the network only; touches no store.
/// Each attempt is signed afresh (the endpoint refuses replays).
pub fn run_job(
    job: &SyncJob,
    transport: &dyn Transport,
    unix_now: impl Fn() -> i64,
) -> SyncOutcome {
    let mut out = SyncOutcome {
        url: job.url.clone(),
        endpoint_key: job
            .endpoint_key
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        cursor: job.cursor,
        ..Default::default()
    };
    for (id, bytes) in &job.uploads {
        let req = match signed(
            job,
            "PUT",
            format!("/v1/envelopes/{id}"),
            bytes.clone(),
            Some("application/octet-stream"),
            unix_now(),
        ) {
            Ok(r) => r,
            Err(e) => {
                out.problem = Some((SyncState::Fout, e));
                return out;
            }
        };
        match transport.send(&job.url, &req) {
            Err(e) => {
                out.problem = Some(offline(e));
                return out;
            }
            Ok(r) if r.status == 200 || r.status == 201 => {
                match proto::parse_and_verify_receipt(&r.body, &job.endpoint_key, id) {
                    Ok(receipt) => out.sent.push((id.clone(), receipt)),
                    Err(e) => {
                        // Not marked sent: a receipt we cannot verify proves nothing.
                        out.problem = Some((SyncState::OngeldigeOntvangstbevestiging, format!("Het regionale knooppunt gaf geen geldige ontvangstbevestiging ({}). Is het wel het juiste knooppunt?", e.code())));
                        return out;
                    }
                }
            }
            Ok(r) if r.status == 401 => {
                out.problem = Some(auth_problem(&r.body));
                return out;
            }
            Ok(r) if (400..500).contains(&r.status) && r.status != 408 && r.status != 429 => {
                let (code, message) = error_message(&r.body);
                if REFUSED_FOR_GOOD.contains(&code.as_str()) {
                    out.refused
                        .push((id.clone(), format!("{message} ({code})")));
                } else if out.problem.is_none() {
                    // Not the endpoint refusing this envelope (a proxy, a wrong address, a
                    // rule we do not know): the item stays waiting, the round goes on.
                    out.problem = Some((
                        SyncState::Fout,
                        format!("Het regionale knooppunt nam een envelop niet aan ({}, {code}); ze blijft klaarstaan. Controleer het adres van het knooppunt.", r.status),
                    ));
                }
            }
            Ok(r) => {
                out.problem = Some(unavailable(r.status));
                return out;
            }
        }
    }
    for id in &job.acks {
        let Ok(req) = signed(
            job,
            "POST",
            format!("/v1/envelopes/{id}/ack"),
            Vec::new(),
            None,
            unix_now(),
        ) else {
            continue;
        };
        match transport.send(&job.url, &req) {
            Err(e) => {
                out.problem = Some(offline(e));
                return out;
            }
            Ok(r) if r.status < 300 || r.status == 404 => out.acked.push(id.clone()),
            Ok(r) if r.status == 401 => {
                out.problem = Some(auth_problem(&r.body));
                return out;
            }
            Ok(_) => {}
        }
    }
    let mut budget = job.budget;
    for id in &job.retry {
        if !out.downloaded.is_empty() && budget == 0 {
            break;
        }
        match fetch(job, id, &unix_now, transport) {
            Fetch::Bytes(bytes) => {
                budget = budget.saturating_sub(bytes.len() as u64);
                out.downloaded.push(Downloaded {
                    id: id.clone(),
                    seq: None,
                    bytes,
                })
            }
            Fetch::Gone => out.gone.push(id.clone()),
            Fetch::Stop(problem) => {
                out.problem = problem.or(out.problem.take());
                return out;
            }
        }
    }
    let me = proto::device_id(job.signer.public_key().as_ref());
    for _ in 0..MAX_PAGES_PER_ROUND {
        let Ok(req) = signed(
            job,
            "GET",
            format!("/v1/inbox?after={}", out.cursor),
            Vec::new(),
            None,
            unix_now(),
        ) else {
            return out;
        };
        let page: proto::InboxPage = match transport.send(&job.url, &req) {
            Err(e) => {
                out.problem = Some(offline(e));
                return out;
            }
            Ok(r) if r.status == 200 => match serde_json::from_slice(&r.body) {
                Ok(p) => p,
                Err(_) => {
                    out.problem = Some((
                        SyncState::Fout,
                        "Onleesbaar antwoord van het regionale knooppunt.".into(),
                    ));
                    return out;
                }
            },
            Ok(r) if r.status == 401 => {
                out.problem = Some(auth_problem(&r.body));
                return out;
            }
            Ok(r) => {
                out.problem = Some(unavailable(r.status));
                return out;
            }
        };
        // Unsigned pages would let anyone on the way move the cursor past envelopes for good.
        let nonce = req
            .headers
            .iter()
            .find(|h| h.0 == proto::HEADER_NONCE)
            .map_or("", |h| h.1.as_str());
        if let Err(e) = page.verify(&me, out.cursor, nonce, &job.endpoint_key) {
            out.problem = Some((
                SyncState::Fout,
                format!("Het overzicht van de inbox is niet ondertekend door het ingestelde regionale knooppunt ({}). Is het wel het juiste knooppunt?", e.code()),
            ));
            return out;
        }
        let before = out.cursor;
        for item in page.envelopes {
            if item.seq <= out.cursor {
                continue;
            }
            if job.deferred.contains(&item.id) {
                out.cursor = item.seq;
                continue;
            }
            if !out.downloaded.is_empty() && item.size > budget {
                return out;
            }
            match fetch(job, &item.id, &unix_now, transport) {
                Fetch::Bytes(bytes) => {
                    budget = budget.saturating_sub(bytes.len() as u64);
                    out.downloaded.push(Downloaded {
                        id: item.id,
                        seq: Some(item.seq),
                        bytes,
                    });
                }
                Fetch::Gone => {}
                Fetch::Stop(problem) => {
                    out.problem = problem.or(out.problem.take());
                    return out;
                }
            }
            out.cursor = item.seq;
        }
        if !page.more || out.cursor == before {
            break;
        }
    }
    out
}

enum Fetch {
    Bytes(Vec<u8>),
    /// 404: the endpoint no longer has it.
    Gone,
    /// Stop the round here (with the problem to report, if any).
    Stop(Option<(SyncState, String)>),
}

/// Downloads one envelope and checks that its bytes are the envelope its id names.
fn fetch(job: &SyncJob, id: &str, unix_now: &impl Fn() -> i64, transport: &dyn Transport) -> Fetch {
    let Ok(req) = signed(
        job,
        "GET",
        format!("/v1/envelopes/{id}"),
        Vec::new(),
        None,
        unix_now(),
    ) else {
        return Fetch::Stop(None);
    };
    match transport.send(&job.url, &req) {
        Ok(r) if r.status == 200 => {
            if zicht_bundle::BundleId::of(&r.body).to_hex() == id {
                Fetch::Bytes(r.body)
            } else {
                Fetch::Stop(Some((
                    SyncState::Fout,
                    "Het regionale knooppunt gaf een envelop met een andere inhoud dan aangekondigd. Is het wel het juiste knooppunt?".into(),
                )))
            }
        }
        Ok(r) if r.status == 404 => Fetch::Gone,
        Ok(r) if r.status == 401 => Fetch::Stop(Some(auth_problem(&r.body))),
        Ok(r) => Fetch::Stop(Some(unavailable(r.status))),
        Err(e) => Fetch::Stop(Some(offline(e))),
    }
}

impl Zicht {
    fn endpoint(&self) -> Result<Option<EndpointConfig>> {
        self.vault()?.get(&ENDPOINT)
    }

    fn put_endpoint(&self, c: &EndpointConfig) -> Result<()> {
        let v = self.vault()?;
        v.put(&ENDPOINT, c)?;
        v.sync()
    }

    /// Sets the endpoint URL and pins its key (as the coordinator gave it, 64 hex).
    pub fn configure_endpoint(&mut self, url: &str, endpoint_key: &str) -> Result<()> {
        let url = url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() > 300 {
            return Err(CoreError::field(
                "url",
                "Vul een adres in dat begint met https:// (of http:// op het eigen netwerk).",
            ));
        }
        let key = endpoint_key.trim().to_lowercase();
        if unhex32(&key).is_none() {
            return Err(CoreError::field(
                "endpoint_key",
                "De sleutel van het knooppunt is 64 tekens (0-9, a-f).",
            ));
        }
        let old = self.endpoint()?.unwrap_or_default();
        let same = old.url == url && old.endpoint_key == key;
        self.put_endpoint(&EndpointConfig {
            url: url.into(),
            endpoint_key: key,
            enrolled: same && old.enrolled,
            cursor: if same { old.cursor } else { 0 },
            // Imported envelopes still owed an ack stay owed to the same endpoint.
            to_ack: if same { old.to_ack } else { vec![] },
            deferred: if same { old.deferred } else { vec![] },
            last: None,
        })
    }

    fn signer(&self) -> Result<Ed25519KeyPair> {
        Ed25519KeyPair::from_pkcs8(self.session()?.keys.signing_pkcs8())
            .map_err(|_| CoreError::Corrupt)
    }

    /// Enrols this device at the endpoint with a one-time token: [`Zicht::enrol_job`], then
    /// [`run_enrol`] (network, no store), then [`Zicht::finish_enrol`]. The app runs the middle
    /// step without holding the store.
    pub fn enrol(&mut self, token: &str, transport: &dyn Transport) -> Result<()> {
        let job = self.enrol_job(token)?;
        run_enrol(&job, transport)?;
        self.finish_enrol(&job)
    }

    /// What enrolment needs, taken from the store: the endpoint and this device's public keys.
    pub fn enrol_job(&self, token: &str) -> Result<EnrolJob> {
        let cfg = self
            .endpoint()?
            .ok_or_else(|| CoreError::field("url", "Stel eerst het regionale knooppunt in."))?;
        let keys = &self.session()?.keys;
        Ok(EnrolJob {
            url: cfg.url,
            endpoint_key: cfg.endpoint_key,
            token: token.trim().to_string(),
            signing_pkcs8: zeroize::Zeroizing::new(keys.signing_pkcs8().to_vec()),
            x25519_secret: keys.encryption().to_bytes(),
        })
    }

    /// Records a successful enrolment, unless the endpoint was reconfigured meanwhile.
    pub fn finish_enrol(&mut self, job: &EnrolJob) -> Result<()> {
        let mut cfg = self.endpoint()?.ok_or(CoreError::NotFound)?;
        if cfg.url != job.url || cfg.endpoint_key != job.endpoint_key {
            return Err(CoreError::field(
                "url",
                "Het knooppunt is intussen gewijzigd. Meld opnieuw aan.",
            ));
        }
        cfg.enrolled = true;
        // The endpoint may be a fresh one under the same key (its data lost or moved): its
        // sequence numbers start again, so list the inbox from the start. Imports are
        // idempotent and deferred envelopes are skipped, so nothing is taken in twice.
        cfg.cursor = 0;
        self.put_endpoint(&cfg)?;
        tracing::info!("device enrolled at the endpoint");
        Ok(())
    }

    /// What the next sync round should do; `None` when no endpoint is configured or enrolled.
    pub fn sync_job(&self) -> Result<Option<SyncJob>> {
        let Some(cfg) = self.endpoint()? else {
            return Ok(None);
        };
        if !cfg.enrolled {
            return Ok(None);
        }
        let mut waiting: Vec<_> = self
            .outbox()?
            .into_iter()
            .filter(|i| i.state == OutboxState::Wacht)
            .collect();
        waiting.reverse(); // oldest first
        waiting.truncate(MAX_UPLOADS_PER_ROUND);
        let uploads = waiting
            .into_iter()
            .map(|i| Ok((i.id.clone(), self.outbox_bundle(&i.id)?)))
            .collect::<Result<Vec<_>>>()?;
        let version = self.directory_version()?;
        let retry = cfg
            .deferred
            .iter()
            .filter(|d| d.directory_version < version)
            .take(MAX_RETRIES_PER_ROUND)
            .map(|d| d.id.clone())
            .collect();
        Ok(Some(SyncJob {
            url: cfg.url,
            endpoint_key: unhex32(&cfg.endpoint_key).ok_or(CoreError::Corrupt)?,
            signer: self.signer()?,
            uploads,
            acks: cfg.to_ack,
            cursor: cfg.cursor,
            retry,
            deferred: cfg.deferred.into_iter().map(|d| d.id).collect(),
            budget: MAX_DOWNLOAD_PER_ROUND,
        }))
    }

    /// The version of the directory held (0: none).
    fn directory_version(&self) -> Result<u32> {
        Ok(self.directory()?.map_or(0, |(d, _)| d.version))
    }

    /// Records what a round did: receipts (then `Verzonden`), refusals (`Fout`), imports of
    /// downloaded bundles (queued for ack; a bundle that does not open is acked too, so it
    /// does not come back, and counted as rejected; one that may open with a newer directory
    /// is deferred), the cursor and the status line.
    pub fn apply_sync(&mut self, out: SyncOutcome, now: Now) -> Result<SyncStatus> {
        let mut cfg = self.endpoint()?.ok_or(CoreError::NotFound)?;
        // The endpoint was changed while the round ran: its outcome says nothing about this one.
        if (out.url.as_str(), out.endpoint_key.as_str())
            != (cfg.url.as_str(), cfg.endpoint_key.as_str())
        {
            return self.sync_status();
        }
        for (id, receipt) in &out.sent {
            let v = self.vault()?;
            v.put_in(&RECEIPTS, id.as_bytes(), receipt)?;
            let at = chrono::DateTime::from_timestamp_millis(receipt.received_at_ms)
                .map(|t| t.with_timezone(now.offset()).naive_local())
                .unwrap_or(now.naive_local());
            self.set_outbox_state(id, OutboxState::Verzonden { receipt_at: at })?;
        }
        for (id, reason) in &out.refused {
            self.set_outbox_state(
                id,
                OutboxState::Fout {
                    reason: reason.clone(),
                },
            )?;
        }
        let mut received = 0;
        let mut rejected = 0;
        // The first listed envelope to list again next round (a problem that may pass).
        let mut hold: Option<u64> = None;
        let version = self.directory_version()?;
        for d in &out.downloaded {
            let id = &d.id;
            // Whether this envelope is done with here (then it is no longer deferred).
            let settled = match self.import_bundle(&d.bytes, now) {
                Ok(r) => {
                    received += usize::from(r.new);
                    cfg.to_ack.push(id.clone());
                    true
                }
                // Sealed by someone this device's directory does not list (yet): keep it at the
                // endpoint and try again once a newer directory is in. It does not hold up
                // the envelopes after it.
                Err(
                    CoreError::NoDirectory
                    | CoreError::Bundle(zicht_bundle::Error::UnknownSender { .. }),
                ) => {
                    tracing::warn!(code = "unknown_sender", "downloaded bundle deferred");
                    match cfg.deferred.iter_mut().find(|x| x.id == *id) {
                        Some(x) => x.directory_version = version,
                        None => cfg.deferred.push(Deferred {
                            id: id.clone(),
                            directory_version: version,
                        }),
                    }
                    false
                }
                // It can never open here (not for us, forged, damaged) or, verified, breaks
                // the model's limits: ack, so the endpoint lets go of it.
                Err(e @ (CoreError::Bundle(_) | CoreError::BundlePayloadInvalid(_))) => {
                    rejected += 1;
                    tracing::warn!(code = e.code(), "downloaded bundle rejected for good");
                    cfg.to_ack.push(id.clone());
                    true
                }
                // Anything else may work later (disk full, ...): list it again next round.
                Err(e) => {
                    tracing::warn!(code = e.code(), "downloaded bundle kept for a later round");
                    if let Some(seq) = d.seq {
                        hold = Some(hold.map_or(seq, |h| h.min(seq)));
                    }
                    false
                }
            };
            if settled {
                cfg.deferred.retain(|x| x.id != *id);
            }
        }
        cfg.deferred.retain(|x| !out.gone.contains(&x.id));
        if cfg.deferred.len() > MAX_DEFERRED {
            let excess = cfg.deferred.len() - MAX_DEFERRED;
            tracing::warn!(
                count = excess,
                "deferred envelopes forgotten (limit reached)"
            );
            cfg.deferred.drain(..excess);
        }
        cfg.to_ack.retain(|id| !out.acked.contains(id));
        let reached = match hold {
            Some(seq) => out.cursor.min(seq.saturating_sub(1)),
            None => out.cursor,
        };
        cfg.cursor = cfg.cursor.max(reached);
        let (state, mut message) = match out.problem {
            Some((s, m)) => (s, m),
            None => (
                SyncState::Online,
                format!(
                    "Laatste ronde: {} verzonden, {received} ontvangen.",
                    out.sent.len()
                ),
            ),
        };
        match cfg.deferred.len() {
            0 => {}
            1 => message.push_str(" 1 bericht wacht op het knooppunt: de afzender staat niet in het deelnemersoverzicht van dit apparaat. Lees een nieuwer overzicht in."),
            n => message.push_str(&format!(" {n} berichten wachten op het knooppunt: de afzender staat niet in het deelnemersoverzicht van dit apparaat. Lees een nieuwer overzicht in.")),
        }
        let status = SyncStatus {
            state,
            message,
            at: Some(now.naive_local()),
            sent: out.sent.len(),
            received,
            rejected,
        };
        cfg.last = Some(status.clone());
        self.put_endpoint(&cfg)?;
        Ok(status)
    }

    /// The sync state for the UI.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        Ok(match self.endpoint()? {
            None => SyncStatus::not_configured(),
            Some(c) if !c.enrolled => SyncStatus {
                state: SyncState::NietAangemeld,
                message: format!("Knooppunt {} ingesteld, nog niet aangemeld.", c.url),
                ..SyncStatus::not_configured()
            },
            Some(c) => c.last.unwrap_or(SyncStatus {
                state: SyncState::Wacht,
                message: "Nog niet gesynchroniseerd.".into(),
                ..SyncStatus::not_configured()
            }),
        })
    }

    /// The endpoint's receipt for a sent bundle, if any.
    pub fn receipt(&self, id: &str) -> Result<Option<proto::Receipt>> {
        self.vault()?.get_in(&RECEIPTS, id.as_bytes())
    }

    /// The device id the endpoint knows this device by.
    pub fn device_id(&self) -> Result<String> {
        Ok(proto::device_id(self.signer()?.public_key().as_ref()))
    }
}

/// Delay before the next round. Online: poll every 15 s (at once when the last round hit the
/// upload limit, so a long outbox drains quickly). Offline: exponential back-off from 5 s,
/// doubling, capped at 5 minutes (the base; [`jittered`] spreads it ±20 % so that many devices
/// coming back online do not hit the endpoint in step). States that need the user (clock,
/// enrolment, wrong endpoint) retry at the cap.
pub fn next_delay(status: &SyncStatus, previous: Duration) -> Duration {
    const BASE: Duration = Duration::from_secs(5);
    const CAP: Duration = Duration::from_secs(300);
    match status.state {
        SyncState::Online if status.sent >= MAX_UPLOADS_PER_ROUND => Duration::ZERO,
        SyncState::Online | SyncState::Wacht => Duration::from_secs(15),
        SyncState::Offline => {
            if previous < BASE {
                BASE
            } else {
                (previous * 2).min(CAP)
            }
        }
        SyncState::NietIngesteld => Duration::from_secs(30),
        _ => CAP,
    }
}

/// A uniform random number in `0.0..1.0` for [`jittered`], from the system's CSPRNG (not the
/// clock: on some systems its low digits are always zero, and devices would wait in step).
/// 0.5 (no jitter) if the CSPRNG fails.
pub fn random_jitter() -> f64 {
    let mut b = [0u8; 4];
    match ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b) {
        Ok(()) => f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}

/// The delay actually waited: `base` ±20 % (`jitter` in 0.0..=1.0). The caller keeps `base`
/// for the next [`next_delay`], so jitter never compounds.
pub fn jittered(base: Duration, jitter: f64) -> Duration {
    base.mul_f64(0.8 + 0.4 * jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(state: SyncState, sent: usize) -> SyncStatus {
        SyncStatus {
            state,
            message: String::new(),
            at: None,
            sent,
            received: 0,
            rejected: 0,
        }
    }

    /// Regression: the status line showed the HTTP library's English text, e.g. "Geen
    /// verbinding met het regionale knooppunt (io: Connection refused (os error 111))." —
    /// in the field, offline is the normal case, so users saw it all the time.
    #[test]
    fn an_unreachable_endpoint_is_described_in_dutch() {
        fn check(e: ureq::Error, expected: &str) {
            assert_eq!(unreachable_because(&e), expected, "{e}");
        }
        use std::io::ErrorKind as K;
        let refused =
            "de verbinding werd geweigerd (het knooppunt draait niet, of het adres klopt niet)";
        let cut = "de verbinding werd onderbroken";
        let slow = "het knooppunt antwoordde niet op tijd";
        check(ureq::Error::Io(K::ConnectionRefused.into()), refused);
        check(ureq::Error::Io(K::ConnectionReset.into()), cut);
        check(ureq::Error::Io(K::UnexpectedEof.into()), cut);
        check(ureq::Error::Io(K::TimedOut.into()), slow);
        check(ureq::Error::Timeout(ureq::Timeout::Global), slow);
        check(
            ureq::Error::Io(K::NetworkUnreachable.into()),
            "er is geen netwerk",
        );
        check(ureq::Error::Io(K::Other.into()), "een netwerkfout");
        let not_found = "het adres is niet gevonden (geen netwerk, of een verkeerd adres)";
        // What std gives for a failed name lookup (its kind is not nameable on stable).
        check(
            ureq::Error::Io(std::io::Error::other(
                "failed to lookup address information: Name or service not known",
            )),
            not_found,
        );
        check(
            ureq::Error::ConnectProxyFailed("407".into()),
            "de proxy van dit netwerk liet de verbinding niet door",
        );
        check(
            ureq::Error::HostNotFound,
            "het adres is niet gevonden (geen netwerk, of een verkeerd adres)",
        );
        check(
            ureq::Error::ConnectionFailed,
            "er kon geen verbinding worden gemaakt",
        );
        check(
            ureq::Error::Tls("handshake"),
            "de beveiligde verbinding (https) kwam niet tot stand",
        );
        check(
            ureq::Error::BadUri("x".into()),
            "het adres van het knooppunt is ongeldig",
        );
        check(
            ureq::Error::StatusCode(418),
            "het antwoord was geen geldig antwoord van een knooppunt",
        );

        // And through the real transport: a port nobody listens on.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let e = HttpTransport::default()
            .send(&format!("http://127.0.0.1:{port}"), &endpoint_request())
            .unwrap_err();
        assert_eq!(e, refused);
        assert_eq!(
            offline(e).1,
            format!(
                "Het knooppunt is niet bereikt: {refused}. Er gaat niets verloren; Zicht probeert het opnieuw."
            )
        );
    }

    #[test]
    /// Regression guard (review finding): the jitter came from the clock's sub-second
    /// nanoseconds modulo 1000, always 0 where the clock counts microseconds.
    fn jitter_is_spread_over_its_range() {
        let xs: Vec<f64> = (0..2000).map(|_| random_jitter()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        for (lo, hi) in [(0.0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1.0)] {
            let n = xs.iter().filter(|x| (lo..hi).contains(*x)).count();
            assert!((350..650).contains(&n), "{n} of 2000 in {lo}..{hi}");
        }
    }

    #[test]
    fn backoff_doubles_to_the_cap_and_jitter_does_not_compound() {
        let off = st(SyncState::Offline, 0);
        for jitter in [0.0, 0.5, 1.0] {
            let mut base = Duration::ZERO;
            let mut waited = Vec::new();
            for _ in 0..10 {
                base = next_delay(&off, base);
                waited.push(jittered(base, jitter).as_secs());
            }
            let expect: Vec<u64> = [5u64, 10, 20, 40, 80, 160, 300, 300, 300, 300]
                .iter()
                .map(|s| (*s as f64 * (0.8 + 0.4 * jitter)).round() as u64)
                .collect();
            assert_eq!(waited, expect, "jitter {jitter}");
        }
        assert_eq!(
            next_delay(&st(SyncState::Online, 3), Duration::from_secs(300)),
            Duration::from_secs(15)
        );
        assert_eq!(
            next_delay(
                &st(SyncState::Online, MAX_UPLOADS_PER_ROUND),
                Duration::ZERO
            ),
            Duration::ZERO
        );
        assert_eq!(
            next_delay(&st(SyncState::KlokAfwijking, 0), Duration::ZERO),
            Duration::from_secs(300)
        );
        assert_eq!(
            jittered(Duration::from_secs(300), 1.0),
            Duration::from_secs(360)
        );
    }
}

/// What [`run_enrol`] needs (made by [`Zicht::enrol_job`]): holds the device's secret keys
/// for the proofs of possession, so it stays in the core and is never printed.
#[derive(Clone)]
pub struct EnrolJob {
    url: String,
    endpoint_key: String,
    token: String,
    signing_pkcs8: zeroize::Zeroizing<Vec<u8>>,
    x25519_secret: zeroize::Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for EnrolJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolJob")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

fn malformed_enrol() -> CoreError {
    CoreError::Sync(
        "enrol.malformed".into(),
        "Onleesbaar antwoord bij het aanmelden.".into(),
    )
}

/// `GET /v1/endpoint`: the one request that is not signed.
fn endpoint_request() -> HttpRequest {
    HttpRequest {
        method: "GET",
        path: "/v1/endpoint".into(),
        headers: vec![],
        content_type: None,
        body: vec![],
    }
}

/// `GET /v1/endpoint`, checked against the pinned key.
fn endpoint_info(job: &EnrolJob, transport: &dyn Transport) -> Result<proto::EndpointInfo> {
    let req = endpoint_request();
    let r = transport
        .send(&job.url, &req)
        .map_err(CoreError::Unreachable)?;
    match r.status {
        200 => {}
        408 | 429 | 500..=599 => return Err(CoreError::Offline),
        _ => return Err(malformed_enrol()),
    }
    let info: proto::EndpointInfo =
        serde_json::from_slice(&r.body).map_err(|_| malformed_enrol())?;
    if info.endpoint_key != job.endpoint_key {
        return Err(wrong_endpoint());
    }
    Ok(info)
}

/// The enrolment request: the device's public keys, its Ed25519 signature and, per X25519
/// key, the proof that it holds the secret half (docs/regio-protocol.md §3).
fn enrol_body(job: &EnrolJob, info: &proto::EndpointInfo) -> Result<Vec<u8>> {
    let pinned = unhex32(&job.endpoint_key).ok_or(CoreError::Corrupt)?;
    if info.x25519_public_key.is_empty() {
        return Err(CoreError::Sync(
            "enrol.endpoint_too_old".into(),
            "Dit regionale knooppunt ondersteunt het aanmelden met sleutelbewijs nog niet. Vraag de coördinator het knooppunt bij te werken.".into(),
        ));
    }
    let endpoint_x = info
        .verified_x25519(&pinned)
        .map_err(|e| wrong_endpoint_because(e.code()))?;
    let signer = Ed25519KeyPair::from_pkcs8(&job.signing_pkcs8).map_err(|_| CoreError::Corrupt)?;
    let x = zicht_bundle::RecipientSecretKey::from_bytes(*job.x25519_secret);
    let ed_hex = crate::identity::hex(signer.public_key().as_ref());
    let x_hex = vec![crate::identity::hex(x.public_key().as_bytes())];
    let token = job.token.clone();
    let canonical = proto::enrol_canonical(&token, &ed_hex, &x_hex, &job.endpoint_key);
    let shared = x
        .diffie_hellman(&zicht_bundle::RecipientPublicKey::from_bytes(endpoint_x))
        .map_err(|_| wrong_endpoint())?;
    let proof = proto::enrol_proof(&shared, &endpoint_x, x.public_key().as_bytes(), &canonical);
    let body = proto::EnrolRequest {
        token,
        ed25519_public_key: ed_hex,
        x25519_public_keys: x_hex,
        x25519_proofs: vec![crate::identity::hex(&proof)],
        signature: crate::identity::hex(signer.sign(canonical.as_bytes()).as_ref()),
    };
    serde_json::to_vec(&body).map_err(|_| CoreError::Crypto)
}

/// The network part of enrolment: no store is touched, so the caller need not hold one.
/// Reads the endpoint's X25519 key first (signed under the pinned key), for the proofs.
pub fn run_enrol(job: &EnrolJob, transport: &dyn Transport) -> Result<()> {
    let info = endpoint_info(job, transport)?;
    let req = HttpRequest {
        method: "POST",
        path: "/v1/enrol".into(),
        headers: vec![],
        content_type: Some("application/json"),
        body: enrol_body(job, &info)?,
    };
    let resp = transport
        .send(&job.url, &req)
        .map_err(CoreError::Unreachable)?;
    match resp.status {
        201 => {
            let r: proto::EnrolResponse =
                serde_json::from_slice(&resp.body).map_err(|_| malformed_enrol())?;
            if r.endpoint_key != job.endpoint_key {
                return Err(wrong_endpoint());
            }
        }
        // Enrolled before (the endpoint's key was checked above).
        409 if error_message(&resp.body).0 == "enrol.already_enrolled" => {}
        _ => {
            let (code, message) = error_message(&resp.body);
            return Err(CoreError::Sync(code, message));
        }
    }
    Ok(())
}
