//! Enrolment: one-time tokens, conflicts, the endpoint key in the answer.

use crate::common::*;
use std::time::Duration;
use zicht_protocol::{self as proto, EnrolResponse};

#[tokio::test]
async fn token_is_single_use() {
    let srv = TestServer::start().await;
    let (a, b) = (Device::new(), Device::new());
    let token = srv.token();

    let r = srv.enrol(&a, &token).await;
    assert_eq!(r.status(), 201);
    let e: EnrolResponse = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(e.device, a.id());
    assert_eq!(e.key_ids, vec![hex::encode(a.kid())]);
    assert_eq!(e.endpoint_key, hex::encode(srv.endpoint_key()));

    // The same token again, for another device: spent.
    expect_error(srv.enrol(&b, &token).await, 401, "enrol.invalid_token").await;
    // Even with different spelling of the same token.
    expect_error(
        srv.enrol(&b, &token.to_uppercase().replace('-', "")).await,
        401,
        "enrol.invalid_token",
    )
    .await;
    // The device can now sign requests; the other cannot.
    assert_eq!(
        srv.signed(&a, "GET", "/v1/inbox", vec![]).await.status(),
        200
    );
    expect_error(
        srv.signed(&b, "GET", "/v1/inbox", vec![]).await,
        401,
        "auth.unknown_device",
    )
    .await;
}

#[tokio::test]
async fn unknown_and_expired_tokens_are_refused() {
    let srv = TestServer::start().await;
    let d = Device::new();
    expect_error(
        srv.enrol(&d, "0123-4567-89ab-cdef-0123-4567-89ab-cdef")
            .await,
        401,
        "enrol.invalid_token",
    )
    .await;
    expect_error(srv.enrol(&d, "kort").await, 401, "enrol.invalid_token").await;
    let t = srv.regio.create_token(Duration::from_secs(60)).unwrap();
    srv.clock.advance_ms(61_000);
    expect_error(srv.enrol(&d, &t).await, 401, "enrol.invalid_token").await;
}

#[tokio::test]
async fn conflicts_do_not_spend_the_token() {
    let srv = TestServer::start().await;
    let a = Device::new();
    srv.enrolled(&a).await;

    let token = srv.token();
    expect_error(srv.enrol(&a, &token).await, 409, "enrol.already_enrolled").await;

    // A second device of a's owner, holding a's X25519 key: refused (one key id, one device).
    let mut twin = Device::new();
    twin.x25519 = a.x25519.clone();
    twin.x25519_secrets = a.x25519_secrets.clone();
    expect_error(srv.enrol(&twin, &token).await, 409, "enrol.key_in_use").await;

    // The token is still good.
    let c = Device::new();
    assert_eq!(srv.enrol(&c, &token).await.status(), 201);
}

#[tokio::test]
async fn token_made_by_the_cli_path_while_serving_works() {
    let srv = TestServer::start().await;
    let (token, key) =
        zicht_regio::create_token_in(&srv.dir, Duration::from_secs(3600), srv.clock.as_ref())
            .unwrap();
    assert_eq!(key, srv.endpoint_key());
    assert_eq!(srv.enrol(&Device::new(), &token).await.status(), 201);
}

#[tokio::test]
async fn endpoint_info_is_public() {
    let srv = TestServer::start().await;
    let r = srv.http.get(srv.url("/v1/endpoint")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let info: zicht_protocol::EndpointInfo =
        serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(info.endpoint_key, hex::encode(srv.endpoint_key()));
    assert_eq!(info.protocol, "zicht-regio/v2");
    assert_eq!(info.max_body, zicht_regio::DEFAULT_MAX_BODY);
}

/// Regression guard (review finding): enrolment took any public keys on the token's word, so
/// a token holder could register another participant's X25519 key (before that participant
/// did), list and ack (delete) envelopes addressed to it, and lock the participant out with
/// `enrol.key_in_use`. Now the device signs the enrolment and proves, per X25519 key, that it
/// holds the secret half; a failed proof does not spend the token.
#[tokio::test]
async fn enrolment_proves_the_device_holds_its_keys() {
    let srv = TestServer::start().await;
    let (victim, thief) = (Device::new(), Device::new());
    let token = srv.token();

    // The thief claims the victim's public X25519 key, with proofs made with its own secret.
    let mut claim = srv.enrol_request(&thief, &token).await;
    claim.x25519_public_keys = vec![hex::encode(victim.x25519[0])];
    let canonical = proto::enrol_canonical(
        &token,
        &claim.ed25519_public_key,
        &claim.x25519_public_keys,
        &hex::encode(srv.endpoint_key()),
    );
    claim.signature = hex::encode(thief.key.sign(canonical.as_bytes()));
    // The best it can do without the victim's secret: the right string, the victim's key in
    // the salt, its own secret in the agreement.
    let e = srv.endpoint_x25519().await;
    let shared = thief.x25519_secrets[0].diffie_hellman(&x25519_dalek::PublicKey::from(e));
    claim.x25519_proofs = vec![hex::encode(proto::enrol_proof(
        shared.as_bytes(),
        &e,
        &victim.x25519[0],
        &canonical,
    ))];
    expect_error(srv.post_enrol(&claim).await, 401, "enrol.no_proof").await;

    // Someone else's Ed25519 key without its signature.
    let mut claim = srv.enrol_request(&thief, &token).await;
    claim.ed25519_public_key = hex::encode(victim.public());
    expect_error(srv.post_enrol(&claim).await, 401, "enrol.no_proof").await;

    // Missing, short or swapped proofs; a request for another endpoint or another token.
    let good = srv.enrol_request(&thief, &token).await;
    let mut variants = Vec::new();
    let mut v = good.clone();
    v.x25519_proofs.clear();
    variants.push(v);
    let mut v = good.clone();
    v.signature.clear();
    variants.push(v);
    let mut v = good.clone();
    let flipped = if v.x25519_proofs[0].starts_with("00") {
        "01"
    } else {
        "00"
    };
    v.x25519_proofs[0].replace_range(0..2, flipped);
    variants.push(v);
    let mut v = good.clone();
    v.token = srv.token();
    variants.push(v);
    for v in &variants {
        expect_error(srv.post_enrol(v).await, 401, "enrol.no_proof").await;
    }

    // None of this spent the token; the real thing works, and the victim can still enrol.
    assert_eq!(srv.post_enrol(&good).await.status(), 201);
    assert_eq!(srv.enrol(&victim, &srv.token()).await.status(), 201);
}

#[tokio::test]
async fn the_endpoint_x25519_key_is_signed_by_the_endpoint_key() {
    let srv = TestServer::start().await;
    let r = srv.http.get(srv.url("/v1/endpoint")).send().await.unwrap();
    let info: zicht_protocol::EndpointInfo =
        serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert!(info.verified_x25519(&srv.endpoint_key()).is_ok());
    let other = Device::new();
    assert_eq!(
        info.verified_x25519(&other.public()).unwrap_err().code(),
        "endpoint.bad_x25519_signature"
    );
    let mut forged = info.clone();
    forged.x25519_public_key = hex::encode(other.x25519[0]);
    assert!(forged.verified_x25519(&srv.endpoint_key()).is_err());
}
