//! Routes, request authentication and the request log. See `docs/regio-protocol.md`.

use crate::endpoint::{Regio, MAX_HEADER_BYTES, MAX_SMALL_BODY, MAX_URI_BYTES};
use crate::envlog::NewEnvelope;
use crate::error::{ApiError, ErrorCode};
use crate::records::AckOutcome;
use crate::store::{Device, DeviceKeys, EnrolOutcome};
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use http_body_util::BodyExt;
use ring::signature::{UnparsedPublicKey, ED25519};
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;
use zicht_protocol::envelope::{self, EnvelopeError};
use zicht_protocol::{
    codes, AckResponse, EndpointInfo, EnrolRequest, EnrolResponse, InboxItem, InboxPage, Receipt,
    HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP, MAX_CLOCK_SKEW_SECS,
};

type ApiResult = Result<Response, ApiError>;

/// The device id put on a response so the request log can name it.
#[derive(Debug, Clone)]
struct DeviceTag(String);

impl Regio {
    /// The HTTP routes, for embedding or for `axum::serve`.
    pub fn router(&self) -> Router {
        router(self.clone())
    }
}

pub fn router(regio: Regio) -> Router {
    Router::new()
        .route("/v1/endpoint", get(endpoint_info))
        .route("/v1/enrol", post(enrol))
        .route("/v1/inbox", get(inbox))
        .route("/v1/envelopes/{id}", put(put_envelope).get(get_envelope))
        .route("/v1/envelopes/{id}/ack", post(ack))
        .route("/v1/audit-anchor", post(audit_anchor))
        .fallback(|| async { ApiError::not_found_route() })
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .with_state(regio)
        .layer(middleware::from_fn(access_log))
        .layer(middleware::from_fn(head_limits))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send + 'static>| {
                tracing::error!("handler panicked");
                ApiError::internal().into_response()
            },
        ))
}

/// 431 / 414 with a JSON body for heads that hyper accepted but that are larger than any
/// legitimate request. (Heads beyond hyper's own buffer, ~400 KiB, get hyper's bare 431.)
async fn head_limits(req: Request, next: Next) -> Response {
    let uri_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri_len > MAX_URI_BYTES {
        return ApiError::uri_too_long(MAX_URI_BYTES).into_response();
    }
    let head: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if head > MAX_HEADER_BYTES {
        return ApiError::headers_too_large(MAX_HEADER_BYTES).into_response();
    }
    next.run(req).await
}

/// One line per request: method, path, status, error code, sizes, device, duration. Never a
/// body, never a header value.
async fn access_log(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let path: String = req.uri().path().chars().take(160).collect();
    let req_len = content_length(req.headers());
    let resp = next.run(req).await;
    let code = resp.extensions().get::<ErrorCode>().map(|c| c.0);
    let device = resp.extensions().get::<DeviceTag>().map(|d| d.0.clone());
    let status = resp.status().as_u16();
    let resp_len = content_length(resp.headers());
    let micros = start.elapsed().as_micros() as u64;
    if resp.status().is_server_error() {
        tracing::error!(%method, path, status, code, req_len, resp_len, device, micros, "request");
    } else if method == Method::GET && code.is_none() {
        tracing::debug!(%method, path, status, req_len, resp_len, device, micros, "request");
    } else {
        tracing::info!(%method, path, status, code, req_len, resp_len, device, micros, "request");
    }
    resp
}

fn content_length(h: &HeaderMap) -> Option<u64> {
    h.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

fn tagged(mut resp: Response, device: &str) -> Response {
    resp.extensions_mut().insert(DeviceTag(device.to_string()));
    resp
}

fn storage_err(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "storage");
    ApiError::storage()
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn parse_id(path: Result<Path<String>, PathRejection>) -> Result<[u8; 32], ApiError> {
    let Path(id) = path.map_err(|_| ApiError::bad_id())?;
    if !is_lower_hex(&id, 64) {
        return Err(ApiError::bad_id());
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(&id, &mut out).map_err(|_| ApiError::bad_id())?;
    Ok(out)
}

fn require_content_type(h: &HeaderMap, expected: &str) -> Result<(), ApiError> {
    let ok = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case(expected)
        })
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(ApiError::unsupported_media_type(expected))
    }
}

/// How long a body may stall (no bytes at all) before the request is cut off.
const BODY_IDLE: std::time::Duration = std::time::Duration::from_secs(30);
/// How long a body may take in all (64 MiB at about 250 kB/s).
const BODY_TOTAL: std::time::Duration = std::time::Duration::from_secs(300);

/// The body length the request declares (`content-length`), if any.
fn declared_length(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    match headers.get(header::CONTENT_LENGTH) {
        Some(v) => Ok(Some(
            v.to_str()
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or_else(|| ApiError::invalid("Content-Length is geen getal."))?,
        )),
        None => Ok(None),
    }
}

/// Reads a body up to `limit` bytes, hashing it on the way. A declared or actual length over
/// the limit is refused as soon as it is seen: the rest is never read.
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: u64,
) -> Result<(Vec<u8>, blake3::Hash), ApiError> {
    let declared = declared_length(headers)?;
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::body_too_large(limit));
    }
    let mut buf = Vec::with_capacity(declared.unwrap_or(0) as usize);
    let mut hasher = blake3::Hasher::new();
    let mut body = body;
    // A body that stops arriving gives its memory back after BODY_IDLE, and one that trickles
    // after BODY_TOTAL.
    let deadline = tokio::time::Instant::now() + BODY_TOTAL;
    while let Some(frame) = tokio::time::timeout_at(
        deadline.min(tokio::time::Instant::now() + BODY_IDLE),
        body.frame(),
    )
    .await
    .map_err(|_| ApiError::body_read())?
    {
        let frame = frame.map_err(|_| ApiError::body_read())?;
        if let Ok(data) = frame.into_data() {
            if (buf.len() + data.len()) as u64 > limit {
                return Err(ApiError::body_too_large(limit));
            }
            hasher.update(&data);
            buf.extend_from_slice(&data);
        }
    }
    Ok((buf, hasher.finalize()))
}

/// The authentication headers of a request, syntactically valid.
struct AuthHeaders {
    device: [u8; 16],
    device_hex: String,
    timestamp: u64,
    nonce: String,
    signature: [u8; 64],
}

fn header_value<'a>(h: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, ApiError> {
    match h.get(name) {
        None => Ok(None),
        Some(v) => v.to_str().map(Some).map_err(|_| {
            ApiError::auth(
                codes::AUTH_MALFORMED,
                format!("De kopregel {name} bevat ongeldige tekens."),
            )
        }),
    }
}

fn parse_auth(h: &HeaderMap) -> Result<AuthHeaders, ApiError> {
    let device = header_value(h, HEADER_DEVICE)?;
    let ts = header_value(h, HEADER_TIMESTAMP)?;
    let nonce = header_value(h, HEADER_NONCE)?;
    let sig = header_value(h, HEADER_SIGNATURE)?;
    let (Some(device), Some(ts), Some(nonce), Some(sig)) = (device, ts, nonce, sig) else {
        return Err(ApiError::auth(
            codes::AUTH_MISSING,
            "Dit verzoek is niet (volledig) ondertekend: x-zicht-device, x-zicht-timestamp, \
             x-zicht-nonce en x-zicht-signature zijn verplicht.",
        ));
    };
    let malformed = |what: &str| {
        ApiError::auth(
            codes::AUTH_MALFORMED,
            format!("De kopregel {what} heeft niet de juiste vorm."),
        )
    };
    let mut dev = [0u8; 16];
    if !is_lower_hex(device, 32) || hex::decode_to_slice(device, &mut dev).is_err() {
        return Err(malformed(HEADER_DEVICE));
    }
    if ts.is_empty() || ts.len() > 12 || !ts.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(HEADER_TIMESTAMP));
    }
    let timestamp: u64 = ts.parse().map_err(|_| malformed(HEADER_TIMESTAMP))?;
    if !(16..=64).contains(&nonce.len())
        || !nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(malformed(HEADER_NONCE));
    }
    let mut signature = [0u8; 64];
    if !is_lower_hex(sig, 128) || hex::decode_to_slice(sig, &mut signature).is_err() {
        return Err(malformed(HEADER_SIGNATURE));
    }
    Ok(AuthHeaders {
        device: dev,
        device_hex: device.to_string(),
        timestamp,
        nonce: nonce.to_string(),
        signature,
    })
}

/// An authenticated device: its id and the recipient key ids whose inbox it reads.
struct Authed {
    device_hex: String,
    key_ids: Vec<[u8; 16]>,
    /// The request's nonce (an inbox page's signature covers it, so it cannot be replayed).
    nonce: String,
}

/// The checks that need no body: headers present and well-formed, timestamp fresh, device
/// enrolled.
fn precheck(regio: &Regio, h: &HeaderMap) -> Result<(AuthHeaders, Arc<DeviceKeys>), ApiError> {
    let a = parse_auth(h)?;
    let now_s = regio.inner.cfg.clock.now_ms().div_euclid(1000);
    if (now_s - a.timestamp as i64).abs() > MAX_CLOCK_SKEW_SECS {
        return Err(ApiError::auth(
            codes::AUTH_STALE,
            "De tijd van dit verzoek wijkt meer dan 5 minuten af van de klok van het eindpunt. \
             Controleer de klok van dit apparaat.",
        ));
    }
    let device = regio
        .inner
        .store
        .device_keys(&a.device)
        .map_err(storage_err)?
        .ok_or_else(|| {
            ApiError::auth(
                codes::AUTH_UNKNOWN_DEVICE,
                "Dit apparaat is niet ingeschreven bij het regionale eindpunt.",
            )
        })?;
    if regio.inner.revoked.contains(&a.device_hex) {
        return Err(ApiError::auth(
            codes::AUTH_REVOKED,
            "Dit apparaat is ingetrokken bij het regionale eindpunt (bijvoorbeeld na verlies). \
             Vraag de regiocoördinator om een nieuwe inschrijving.",
        ));
    }
    Ok((a, device))
}

/// The checks over the body digest: signature, then replay.
fn finish_auth(
    regio: &Regio,
    a: &AuthHeaders,
    device: &DeviceKeys,
    method: &Method,
    path_and_query: &str,
    digest: &blake3::Hash,
) -> Result<Authed, ApiError> {
    verify_signature(regio, a, device, method, path_and_query, digest)?;
    note_replay(regio, a, device)
}

/// The request signature over `digest` under the device's enrolled key, for this endpoint
/// (its key id is part of the signed string: a request signed for another endpoint fails).
fn verify_signature(
    regio: &Regio,
    a: &AuthHeaders,
    device: &DeviceKeys,
    method: &Method,
    path_and_query: &str,
    digest: &blake3::Hash,
) -> Result<(), ApiError> {
    let msg = zicht_protocol::canonical_request(
        &regio.inner.key_id_hex,
        method.as_str(),
        path_and_query,
        a.timestamp as i64,
        &a.nonce,
        &a.device_hex,
        &digest.to_hex(),
    );
    UnparsedPublicKey::new(&ED25519, &device.ed25519_public_key)
        .verify(msg.as_bytes(), &a.signature)
        .map_err(|_| {
            ApiError::auth(
                codes::AUTH_BAD_SIGNATURE,
                "De handtekening van dit verzoek klopt niet.",
            )
        })
}

/// Records an accepted signature; refuses one accepted before.
fn note_replay(regio: &Regio, a: &AuthHeaders, device: &DeviceKeys) -> Result<Authed, ApiError> {
    if !regio
        .inner
        .store
        .note_signature(a.timestamp, &a.signature)
        .map_err(storage_err)?
    {
        return Err(ApiError::auth(
            codes::AUTH_REPLAYED,
            "Dit verzoek is al eerder ontvangen (herhaling). Onderteken elke poging opnieuw.",
        ));
    }
    Ok(Authed {
        device_hex: a.device_hex.clone(),
        key_ids: device.key_ids.clone(),
        nonce: a.nonce.clone(),
    })
}

fn path_and_query(req: &Request) -> String {
    req.uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string())
}

/// Authentication for requests without a meaningful body (GET, ack): the body, if any, is
/// read up to [`MAX_SMALL_BODY`] and covered by the digest like any other.
async fn authenticate_small(regio: &Regio, req: Request) -> Result<Authed, ApiError> {
    let (a, device) = precheck(regio, req.headers())?;
    let method = req.method().clone();
    let pq = path_and_query(&req);
    let (parts, body) = req.into_parts();
    let (_, digest) = read_body(&parts.headers, body, MAX_SMALL_BODY).await?;
    finish_auth(regio, &a, &device, &method, &pq, &digest)
}

async fn wait_durable(regio: &Regio) -> Result<(), ApiError> {
    regio.inner.commit.wait().await.map_err(storage_err)
}

/// Before a read answers: its request signature is durable, so a replay of it is refused also
/// after a crash (`docs/regio-protocol.md` §8).
async fn wait_seen(regio: &Regio) -> Result<(), ApiError> {
    regio.inner.commit.seen_durable().await.map_err(storage_err)
}

async fn endpoint_info(State(regio): State<Regio>) -> Response {
    json_response(
        StatusCode::OK,
        &EndpointInfo {
            protocol: zicht_protocol::PROTOCOL.to_string(),
            endpoint_key: regio.inner.key_hex.clone(),
            endpoint_key_id: regio.inner.key_id_hex.clone(),
            max_body: regio.inner.cfg.max_body,
            x25519_public_key: regio.inner.x25519_hex.clone(),
            x25519_signature: regio.inner.x25519_signature_hex.clone(),
        },
    )
}

fn parse_key32(s: &str, what: &str) -> Result<[u8; 32], ApiError> {
    let mut out = [0u8; 32];
    if !is_lower_hex(s, 64) || hex::decode_to_slice(s, &mut out).is_err() {
        return Err(ApiError::invalid(format!(
            "{what} moet 64 kleine hexadecimale tekens zijn."
        )));
    }
    Ok(out)
}

fn invalid_token() -> ApiError {
    ApiError::auth(
        codes::ENROL_INVALID_TOKEN,
        "Het inschrijftoken is onbekend, al gebruikt of verlopen.",
    )
}

/// That the enrolling device holds the keys it registers (before the token is spent): its
/// Ed25519 signature over the canonical enrolment, and per X25519 key an HMAC under a key only
/// the holder of its secret half and this endpoint can derive.
fn check_possession(
    regio: &Regio,
    r: &EnrolRequest,
    ed: &[u8; 32],
    xs: &[[u8; 32]],
) -> Result<(), ApiError> {
    let no_proof = || {
        ApiError::auth(
            codes::ENROL_NO_PROOF,
            "De aanmelding bewijst niet dat dit apparaat de opgegeven sleutels bezit.",
        )
    };
    let canonical = zicht_protocol::enrol_canonical(
        &r.token,
        &r.ed25519_public_key,
        &r.x25519_public_keys,
        &regio.inner.key_hex,
    );
    let unhex = |s: &str, len: usize| {
        (is_lower_hex(s, len))
            .then(|| hex::decode(s).ok())
            .flatten()
            .ok_or_else(no_proof)
    };
    let sig = unhex(&r.signature, 128)?;
    UnparsedPublicKey::new(&ED25519, ed)
        .verify(canonical.as_bytes(), &sig)
        .map_err(|_| no_proof())?;
    if r.x25519_proofs.len() != xs.len() {
        return Err(no_proof());
    }
    let endpoint_x = &regio.inner.key.x25519_public;
    for (x, proof) in xs.iter().zip(&r.x25519_proofs) {
        let proof = unhex(proof, 64)?;
        let shared = regio
            .inner
            .key
            .x25519
            .diffie_hellman(&x25519_dalek::PublicKey::from(*x));
        // A key of small order gives a shared secret anyone can compute (checked in constant
        // time: the bytes are secret; `SharedSecret` zeroizes itself on drop).
        if !shared.was_contributory()
            || !zicht_protocol::verify_enrol_proof(
                shared.as_bytes(),
                endpoint_x,
                x,
                &canonical,
                &proof,
            )
        {
            return Err(no_proof());
        }
    }
    Ok(())
}

async fn enrol(State(regio): State<Regio>, req: Request) -> ApiResult {
    require_content_type(req.headers(), "application/json")?;
    let (parts, body) = req.into_parts();
    let (bytes, _) = read_body(&parts.headers, body, MAX_SMALL_BODY).await?;
    let r: EnrolRequest = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::malformed_json(&format!("regel {}, kolom {}", e.line(), e.column()))
    })?;
    let ed = parse_key32(&r.ed25519_public_key, "ed25519_public_key")?;
    if r.x25519_public_keys.is_empty() || r.x25519_public_keys.len() > 8 {
        return Err(ApiError::invalid(
            "x25519_public_keys moet 1 tot en met 8 sleutels bevatten.",
        ));
    }
    let mut kids: Vec<[u8; 16]> = Vec::new();
    let mut xs: Vec<[u8; 32]> = Vec::new();
    for k in &r.x25519_public_keys {
        let x = parse_key32(k, "x25519_public_keys")?;
        let kid = zicht_protocol::x25519_key_id(&x);
        if kids.contains(&kid) {
            return Err(ApiError::invalid(
                "x25519_public_keys bevat een sleutel twee keer.",
            ));
        }
        kids.push(kid);
        xs.push(x);
    }
    let now = regio.inner.cfg.clock.now_ms();
    // Without a live token nothing else is worth checking (and the proofs cost X25519 work).
    if !regio
        .inner
        .tokens
        .is_live(&r.token, now)
        .map_err(storage_err)?
    {
        return Err(invalid_token());
    }
    check_possession(&regio, &r, &ed, &xs)?;
    let id = zicht_protocol::ed25519_key_id(&ed);
    let device = Device {
        ed25519_public_key: hex::encode(ed),
        key_ids: kids.iter().map(hex::encode).collect(),
        enrolled_at_ms: now,
    };
    let tokens = regio.inner.tokens.clone();
    let outcome = regio
        .inner
        .store
        .enrol(id, &device, &kids, || tokens.consume(&r.token, now))
        .map_err(storage_err)?;
    match outcome {
        EnrolOutcome::Enrolled => {
            let _ = crate::roster::note_enrolled(&regio.inner.cfg.data_dir, &hex::encode(id), now);
        }
        EnrolOutcome::AlreadyEnrolled => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                codes::ENROL_ALREADY_ENROLLED,
                "Dit apparaat (deze ondertekeningssleutel) is al ingeschreven.",
            ))
        }
        EnrolOutcome::KeyInUse => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                codes::ENROL_KEY_IN_USE,
                "Een van deze X25519-sleutels hoort al bij een ander ingeschreven apparaat.",
            ))
        }
        EnrolOutcome::InvalidToken => return Err(invalid_token()),
    }
    wait_durable(&regio).await?;
    let device_hex = hex::encode(id);
    Ok(tagged(
        json_response(
            StatusCode::CREATED,
            &EnrolResponse {
                device: device_hex.clone(),
                key_ids: device.key_ids,
                endpoint_key: regio.inner.key_hex.clone(),
                endpoint_key_id: regio.inner.key_id_hex.clone(),
            },
        ),
        &device_hex,
    ))
}

/// Bodies above this are read from the envelope log on the blocking pool.
const BLOCKING_READ: u64 = 1 << 20;

async fn put_envelope(
    State(regio): State<Regio>,
    path: Result<Path<String>, PathRejection>,
    req: Request,
) -> ApiResult {
    let (a, device) = precheck(&regio, req.headers())?;
    let id = parse_id(path)?;
    require_content_type(req.headers(), "application/octet-stream")?;
    let method = req.method().clone();
    let pq = path_and_query(&req);
    let (parts, body) = req.into_parts();
    // The body digest of an upload is its id, so the signature is checked before any body
    // byte is read: a request not signed for this id by an enrolled device's key never makes
    // the endpoint read, let alone hold, up to `max_body` bytes.
    verify_signature(
        &regio,
        &a,
        &device,
        &method,
        &pq,
        &blake3::Hash::from_bytes(id),
    )?;
    // Signed by an enrolled device for this id. A replay is refused here, before it can cost
    // anything; then, before any body byte is read, memory for the body (quota.rs; the hold
    // lives until the answer) and only then the device's hourly quota (a busy endpoint does
    // not use up the quota of a device that tries again).
    let authed = note_replay(&regio, &a, &device)?;
    let max_body = regio.inner.cfg.max_body;
    let declared = declared_length(&parts.headers)?
        .unwrap_or(max_body)
        .min(max_body);
    let _memory = regio
        .inner
        .quotas
        .hold(a.device, declared)
        .map_err(ApiError::quota)?;
    let now_ms = regio.inner.cfg.clock.now_ms();
    regio
        .inner
        .quotas
        .charge(a.device, now_ms, declared)
        .map_err(ApiError::quota)?;
    let (bytes, digest) = read_body(&parts.headers, body, max_body).await?;
    if digest.as_bytes() != &id {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::ENVELOPE_ID_MISMATCH,
            "De envelop-id in het adres is niet de BLAKE3-hash van de inhoud.",
        ));
    }
    let header = envelope::parse(&bytes).map_err(|e| match e {
        EnvelopeError::Malformed(why) => ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::ENVELOPE_MALFORMED,
            format!("Dit is geen geldige Zicht-envelop: {why}."),
        ),
        EnvelopeError::UnsupportedVersion(v) => ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::ENVELOPE_UNSUPPORTED_VERSION,
            format!("Envelopversie {v} wordt door dit eindpunt niet ondersteund."),
        ),
    })?;
    // A device uploads only what it sealed itself: the header's sender key id is its own
    // signing key's id (its device id). Junk under someone else's name is refused.
    if header.sender_key_id != a.device {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            codes::ENVELOPE_WRONG_SENDER,
            "Deze envelop is niet door dit apparaat verzegeld (de afzendersleutel is niet die van dit apparaat).",
        ));
    }
    // The receipt does not depend on the seq, so it is signed here, on the request's own
    // task, and the commit thread only assigns the seq and writes.
    let received_at_ms = regio.inner.cfg.clock.now_ms();
    let mut receipt = Receipt {
        version: 1,
        id: hex::encode(id),
        size: bytes.len() as u64,
        received_at_ms,
        uploader: authed.device_hex.clone(),
        recipients: header.recipients.iter().map(hex::encode).collect(),
        endpoint_key: regio.inner.key_hex.clone(),
        signature: String::new(),
    };
    receipt.signature = hex::encode(regio.inner.key.pair.sign(receipt.canonical().as_bytes()));
    // Stored by the commit thread in its next round, answered once durable. Also for a
    // duplicate: the first upload of it may still be waiting for its fsync.
    let (meta, new) = regio
        .inner
        .commit
        .put(NewEnvelope {
            id,
            body: bytes,
            recipients: header.recipients,
            receipt,
        })
        .await
        .map_err(storage_err)?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(tagged(
        json_response(status, &meta.receipt),
        &authed.device_hex,
    ))
}

async fn get_envelope(
    State(regio): State<Regio>,
    path: Result<Path<String>, PathRejection>,
    req: Request,
) -> ApiResult {
    let authed = authenticate_small(&regio, req).await?;
    let id = parse_id(path)?;
    wait_seen(&regio).await?;
    let store = &regio.inner.store;
    let meta = store.meta(&id).ok_or_else(ApiError::envelope_not_found)?;
    let mine = authed
        .key_ids
        .iter()
        .any(|k| meta.recipients.contains(&hex::encode(k)));
    // The index holds only durable envelopes (`envlog`), so one not yet durable is not found.
    if !mine || meta.delivered {
        return Err(ApiError::envelope_not_found());
    }
    let body = if meta.size > BLOCKING_READ {
        let r = regio.clone();
        tokio::task::spawn_blocking(move || r.inner.store.body(&id))
            .await
            .map_err(storage_err)?
    } else {
        store.body(&id)
    }
    .map_err(storage_err)?
    .ok_or_else(ApiError::envelope_not_found)?;
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    Ok(tagged(resp, &authed.device_hex))
}

async fn ack(
    State(regio): State<Regio>,
    path: Result<Path<String>, PathRejection>,
    req: Request,
) -> ApiResult {
    let authed = authenticate_small(&regio, req).await?;
    let id = parse_id(path)?;
    // Written by the commit thread, answered once durable.
    let outcome = regio
        .inner
        .commit
        .ack(id, authed.key_ids.clone())
        .await
        .map_err(storage_err)?;
    let deleted = match outcome {
        AckOutcome::NotFound => return Err(ApiError::envelope_not_found()),
        AckOutcome::Acked { deleted } => deleted,
    };
    Ok(tagged(
        json_response(
            StatusCode::OK,
            &AckResponse {
                id: hex::encode(id),
                deleted,
            },
        ),
        &authed.device_hex,
    ))
}

/// Countersigns the head of the device's audit chain (`docs/regio-protocol.md` §5): moves the
/// device's anchor forward if the request builds on it, else answers with the anchor kept.
async fn audit_anchor(State(regio): State<Regio>, req: Request) -> ApiResult {
    let (a, device) = precheck(&regio, req.headers())?;
    require_content_type(req.headers(), "application/json")?;
    let method = req.method().clone();
    let pq = path_and_query(&req);
    let (parts, body) = req.into_parts();
    let (bytes, digest) = read_body(&parts.headers, body, MAX_SMALL_BODY).await?;
    let authed = finish_auth(&regio, &a, &device, &method, &pq, &digest)?;
    let r: zicht_protocol::AnchorRequest = serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::malformed_json(&format!("regel {}, kolom {}", e.line(), e.column()))
    })?;
    if !r.is_valid() {
        return Err(ApiError::invalid(
            "seq moet minstens 1 zijn, hash 64 kleine hexadecimale tekens, en since niet na seq.",
        ));
    }
    let id = zicht_protocol::ed25519_key_id(&device.ed25519_public_key);
    let now = regio.inner.cfg.clock.now_ms();
    let (accepted, anchor) = regio
        .inner
        .store
        .anchor(&id, &r, now)
        .map_err(storage_err)?;
    // Durable before it is countersigned (and the request signature with it).
    wait_durable(&regio).await?;
    let signature =
        zicht_protocol::sign_anchor(&regio.inner.key.pair, &anchor, accepted, &authed.nonce);
    Ok(tagged(
        json_response(
            StatusCode::OK,
            &zicht_protocol::AnchorResponse {
                accepted,
                anchor,
                signature,
            },
        ),
        &authed.device_hex,
    ))
}

const DEFAULT_PAGE: usize = 500;
const MAX_PAGE: usize = 1000;

fn parse_inbox_query(q: Option<&str>) -> Result<(u64, usize), ApiError> {
    let mut after = 0u64;
    let mut limit = DEFAULT_PAGE;
    for pair in q.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "after" => {
                after = (!v.is_empty() && v.len() <= 20 && v.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| v.parse().ok())
                    .flatten()
                    .ok_or_else(|| {
                        ApiError::bad_query("after moet een cursor (een natuurlijk getal) zijn.")
                    })?;
            }
            "limit" => {
                limit = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_PAGE).contains(n))
                    .ok_or_else(|| {
                        ApiError::bad_query(format!("limit moet tussen 1 en {MAX_PAGE} liggen."))
                    })?;
            }
            _ => {
                return Err(ApiError::bad_query(
                    "Onbekende parameter; toegestaan zijn after en limit.",
                ))
            }
        }
    }
    Ok((after, limit))
}

async fn inbox(State(regio): State<Regio>, req: Request) -> ApiResult {
    let query = req.uri().query().map(str::to_string);
    let authed = authenticate_small(&regio, req).await?;
    let (after, limit) = parse_inbox_query(query.as_deref())?;
    wait_seen(&regio).await?;
    let (metas, last, more) = regio.inner.store.inbox(&authed.key_ids, after, limit);
    let next = last.unwrap_or(after);
    let mut page = InboxPage {
        envelopes: metas
            .into_iter()
            .map(|m| InboxItem {
                id: m.receipt.id,
                size: m.size,
                seq: m.seq,
                received_at_ms: m.received_at_ms,
                uploader: m.receipt.uploader,
            })
            .collect(),
        next: next.to_string(),
        more,
        signature: String::new(),
    };
    let signed = page.canonical(
        &authed.device_hex,
        after,
        &authed.nonce,
        &regio.inner.key_hex,
    );
    page.signature = hex::encode(regio.inner.key.pair.sign(signed.as_bytes()));
    Ok(tagged(
        json_response(StatusCode::OK, &page),
        &authed.device_hex,
    ))
}
