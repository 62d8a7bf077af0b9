//! Enrolment: one-time tokens, conflicts, the endpoint key in the answer.

use crate::common::*;
use std::time::Duration;
use zicht_regio::client::EnrolResponse;

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

    // Another signing key claiming a's X25519 key: refused (it could read and ack a's inbox).
    let mut thief = Device::new();
    thief.x25519 = a.x25519.clone();
    expect_error(srv.enrol(&thief, &token).await, 409, "enrol.key_in_use").await;

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
    let info: zicht_regio::client::EndpointInfo =
        serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(info.endpoint_key, hex::encode(srv.endpoint_key()));
    assert_eq!(info.protocol, "zicht-regio/v1");
    assert_eq!(info.max_body, zicht_regio::DEFAULT_MAX_BODY);
}
