//! Configuring the endpoint (address and pinned key) and enrolling this device with a one-time
//! code: the endpoint checks that the device holds its keys, the device that the endpoint is
//! the one whose key was pinned.

use super::*;

use super::round::{error_message, wrong_endpoint, wrong_endpoint_because};
use super::transport::*;

impl Zicht {
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

pub(super) fn malformed_enrol() -> CoreError {
    CoreError::Sync(
        "enrol.malformed".into(),
        "Onleesbaar antwoord bij het aanmelden.".into(),
    )
}

/// `GET /v1/endpoint`: the one request that is not signed.
pub(super) fn endpoint_request() -> HttpRequest {
    HttpRequest {
        method: "GET",
        path: "/v1/endpoint".into(),
        headers: vec![],
        content_type: None,
        body: vec![],
    }
}

/// `GET /v1/endpoint`, checked against the pinned key.
pub(super) fn endpoint_info(
    job: &EnrolJob,
    transport: &dyn Transport,
) -> Result<proto::EndpointInfo> {
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
pub(super) fn enrol_body(job: &EnrolJob, info: &proto::EndpointInfo) -> Result<Vec<u8>> {
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
        409 if error_message(&resp.body).0 == zicht_protocol::codes::ENROL_ALREADY_ENROLLED => {}
        _ => {
            let (code, message) = error_message(&resp.body);
            return Err(CoreError::Sync(code, message));
        }
    }
    Ok(())
}
