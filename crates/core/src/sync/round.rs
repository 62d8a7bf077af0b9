//! One sync round against the endpoint, with no store held: upload what waits in the outbox,
//! list the inbox from the cursor, download what is new or deferred.

use super::*;

use super::transport::*;

/// What one sync round should do (a snapshot; holds the signing key, so it stays in the core).
pub struct SyncJob {
    pub(super) url: String,
    pub(super) endpoint_key: [u8; 32],
    /// The device's signing key (PKCS#8), wiped when the job is dropped. A key pair is made
    /// from it for each signature and dropped right after (ring does not wipe its own copy;
    /// ARCHITECTURE.md, "what cannot be wiped").
    pub(super) signing_pkcs8: zeroize::Zeroizing<Vec<u8>>,
    /// This device's id (the key id of its signing key).
    pub(super) device: String,
    pub(super) uploads: Vec<(String, Vec<u8>)>,
    pub(super) acks: Vec<String>,
    pub(super) cursor: u64,
    /// Deferred envelopes to fetch again by id this round.
    pub(super) retry: Vec<String>,
    /// All deferred envelope ids: skipped when listing.
    pub(super) deferred: std::collections::HashSet<String>,
    /// Bytes to download this round at most ([`MAX_DOWNLOAD_PER_ROUND`]).
    pub(super) budget: u64,
    /// The audit head to have countersigned at the end of the round (`audit::anchor_request`).
    pub(super) anchor: Option<proto::AnchorRequest>,
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
    pub downloaded: Vec<Downloaded>,
    pub acked: Vec<String>,
    pub cursor: u64,
    /// The first problem that stopped the round (offline, clock, enrolment, ...).
    pub problem: Option<(SyncState, String)>,
    /// The audit anchor the endpoint answered with, its signature verified.
    pub anchor: Option<proto::Anchor>,
    /// The round asked for an anchor and got no verified answer (blocked, forged, or an
    /// endpoint without anchors): said in the status, so switching the check off is seen.
    pub anchor_missing: bool,
}

pub(super) fn error_message(body: &[u8]) -> (String, String) {
    serde_json::from_slice::<proto::ErrorBody>(body)
        .map(|e| (e.code, e.message))
        .unwrap_or_else(|_| {
            (
                "unknown".into(),
                "Onbekende fout van het regionale knooppunt.".into(),
            )
        })
}

pub(super) fn signed(
    job: &SyncJob,
    method: &'static str,
    path: String,
    body: Vec<u8>,
    ct: Option<&'static str>,
    unix: i64,
) -> std::result::Result<HttpRequest, String> {
    let endpoint = proto::device_id(&job.endpoint_key);
    let unsigned =
        || "Het verzoek aan het regionale knooppunt kon niet worden ondertekend.".to_string();
    let h = {
        let key = Ed25519KeyPair::from_pkcs8(&job.signing_pkcs8).map_err(|_| unsigned())?;
        proto::sign_request(&key, &endpoint, method, &path, &body, unix).map_err(|_| unsigned())?
    };
    Ok(HttpRequest {
        method,
        path,
        headers: h.headers().to_vec(),
        content_type: ct,
        body,
    })
}

pub(super) fn wrong_endpoint() -> CoreError {
    wrong_endpoint_because("enrol.wrong_endpoint")
}

pub(super) fn wrong_endpoint_because(code: &str) -> CoreError {
    CoreError::Sync(code.into(), "Het knooppunt heeft een andere sleutel dan is opgegeven. Controleer de sleutel bij de coördinator.".into())
}

/// Uploads per round, so a round stays short and a long outbox drains in steps.
pub const MAX_UPLOADS_PER_ROUND: usize = 100;

/// The endpoint could not be reached (offline, refused, dropped mid-request).
pub(super) fn offline(e: String) -> (SyncState, String) {
    (
        SyncState::Offline,
        format!("Het knooppunt is niet bereikt: {e}. Er gaat niets verloren; Zicht probeert het opnieuw."),
    )
}

/// A 5xx, 408 or 429: the endpoint is there but cannot take the request now; retry later.
pub(super) fn unavailable(status: u16) -> (SyncState, String) {
    (
        SyncState::Offline,
        format!("Het regionale knooppunt is tijdelijk niet beschikbaar ({status})."),
    )
}

/// Classifies a 401 from the endpoint.
pub(super) fn auth_problem(body: &[u8]) -> (SyncState, String) {
    let (code, _) = error_message(body);
    match code.as_str() {
        zicht_protocol::codes::AUTH_STALE => (SyncState::KlokAfwijking, "De klok van dit apparaat wijkt te veel af van die van het regionale knooppunt. Zet de klok goed; er is niets verloren.".into()),
        zicht_protocol::codes::AUTH_UNKNOWN_DEVICE => (SyncState::NietAangemeld, "Dit apparaat is niet aangemeld bij het regionale knooppunt.".into()),
        zicht_protocol::codes::AUTH_REVOKED => (SyncState::NietAangemeld, "Dit apparaat is ingetrokken bij het regionale knooppunt (bijvoorbeeld na verlies). Vraag de regiocoördinator om een nieuwe inschrijving; er is niets verloren.".into()),
        // The answer is unsigned: its text is not shown, only a code that looks like one.
        _ => {
            let code = if code.len() <= 40 && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_') { code } else { "onbekend".into() };
            (SyncState::Fout, format!("Het regionale knooppunt weigerde dit apparaat ({code})."))
        }
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
    'uploads: for (id, bytes) in &job.uploads {
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
            // An answer without a receipt is unsigned: anyone on the way (plain http, a
            // proxy) could have made it. So no refusal fails an upload for good, and its text
            // is not shown: the item stays waiting, the round goes on.
            Ok(r) if (400..500).contains(&r.status) && r.status != 408 && r.status != 429 => {
                if out.problem.is_none() {
                    out.problem = Some((
                        SyncState::Fout,
                        format!("Het regionale knooppunt nam een envelop niet aan (HTTP {}); ze blijft klaarstaan. Controleer het adres van het knooppunt.", r.status),
                    ));
                }
            }
            // Over this device's hourly quota, or the endpoint is busy with other uploads: the
            // rest waits for a later round, but acks, downloads and the audit anchor go on.
            Ok(r) if r.status == 429 || r.status == 503 => {
                out.problem = Some(unavailable(r.status));
                break 'uploads;
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
            // Unsigned, so perhaps not the endpoint's: it stays deferred (deferred envelopes
            // are forgotten only by age, see `apply`).
            Fetch::Gone => {}
            Fetch::Stop(problem) => {
                out.problem = problem.or(out.problem.take());
                return out;
            }
        }
    }
    let me = job.device.clone();
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
                // Listed in a signed page, then "404" unsigned: perhaps not the endpoint's
                // answer, so the cursor stays before it and the next round asks again. (Gone
                // for real, it is no longer listed then.)
                Fetch::Gone => {
                    out.problem = Some((
                        SyncState::Fout,
                        "Het regionale knooppunt gaf een aangekondigde envelop niet; de volgende ronde vraagt hem opnieuw.".into(),
                    ));
                    return out;
                }
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
    if let Some(r) = &job.anchor {
        out.anchor = anchor(job, r, &me, &unix_now, transport);
        out.anchor_missing = out.anchor.is_none();
    }
    out
}

/// Has the audit head countersigned (docs/regio-protocol.md §5). Best effort: an endpoint that
/// does not answer (or an older one without the route) leaves the anchor as it was.
fn anchor(
    job: &SyncJob,
    r: &proto::AnchorRequest,
    me: &str,
    unix_now: &impl Fn() -> i64,
    transport: &dyn Transport,
) -> Option<proto::Anchor> {
    let body = serde_json::to_vec(r).ok()?;
    let req = signed(
        job,
        "POST",
        "/v1/audit-anchor".into(),
        body,
        Some("application/json"),
        unix_now(),
    )
    .ok()?;
    let nonce = req
        .headers
        .iter()
        .find(|h| h.0 == proto::HEADER_NONCE)
        .map(|h| h.1.clone())
        .unwrap_or_default();
    let resp = transport.send(&job.url, &req).ok()?;
    if resp.status != 200 {
        return None;
    }
    let answer: proto::AnchorResponse = serde_json::from_slice(&resp.body).ok()?;
    match answer.verify(me, &job.endpoint_key, &nonce) {
        Ok(a) => Some(a.clone()),
        Err(e) => {
            tracing::warn!(
                code = e.code(),
                "audit anchor not countersigned by the endpoint"
            );
            None
        }
    }
}

pub(super) enum Fetch {
    Bytes(Vec<u8>),
    /// 404: the endpoint no longer has it.
    Gone,
    /// Stop the round here (with the problem to report, if any).
    Stop(Option<(SyncState, String)>),
}

/// Downloads one envelope and checks that its bytes are the envelope its id names.
pub(super) fn fetch(
    job: &SyncJob,
    id: &str,
    unix_now: &impl Fn() -> i64,
    transport: &dyn Transport,
) -> Fetch {
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
