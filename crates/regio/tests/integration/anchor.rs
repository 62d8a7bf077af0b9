//! `POST /v1/audit-anchor` (docs/regio-protocol.md §5): the endpoint countersigns a device's
//! audit head and moves it forward only when the request builds on the anchor it keeps.

use crate::common::*;
use zicht_protocol as proto;

fn hash(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

fn request(seq: u64, h: u8, since: Option<(u64, u8)>) -> proto::AnchorRequest {
    proto::AnchorRequest {
        seq,
        hash: hash(h),
        since: since.map(|(seq, h)| proto::AnchorPoint { seq, hash: hash(h) }),
    }
}

async fn post(srv: &TestServer, d: &Device, body: Vec<u8>) -> reqwest::Response {
    post_signed(srv, d, body).await.0
}

/// The answer and the nonce of the request.
async fn post_signed(srv: &TestServer, d: &Device, body: Vec<u8>) -> (reqwest::Response, String) {
    let path = "/v1/audit-anchor";
    let h = proto::sign_request(&d.key, &srv.key_id(), "POST", path, &body, srv.now_s()).unwrap();
    let nonce = h.nonce.clone();
    let mut rb = srv
        .http
        .post(srv.url(path))
        .header("content-type", "application/json");
    for (k, v) in h.headers() {
        rb = rb.header(k, v);
    }
    (rb.body(body).send().await.unwrap(), nonce)
}

async fn anchor(srv: &TestServer, d: &Device, r: &proto::AnchorRequest) -> proto::AnchorResponse {
    let (resp, nonce) = post_signed(srv, d, serde_json::to_vec(r).unwrap()).await;
    assert_eq!(resp.status(), 200);
    let a: proto::AnchorResponse = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    a.verify(&d.id(), &srv.endpoint_key(), &nonce).unwrap();
    // Bound to this request: the same answer does not verify for another one.
    assert!(a
        .verify(&d.id(), &srv.endpoint_key(), "0000000000000000")
        .is_err());
    a
}

#[tokio::test]
async fn the_anchor_moves_only_along_the_chain_it_has_seen_and_survives_a_restart() {
    let srv = TestServer::start().await;
    let d = Device::new();
    srv.enrolled(&d).await;
    // (request, accepted, the anchor's seq and hash afterwards)
    let steps: &[(proto::AnchorRequest, bool, u64, u8)] = &[
        (request(5, 5, None), true, 5, 5),
        // The same head again, building on itself: fine.
        (request(5, 5, Some((5, 5))), true, 5, 5),
        (request(9, 9, Some((5, 5))), true, 9, 9),
        // An old copy: it builds on an anchor that was passed.
        (request(7, 7, Some((5, 5))), false, 9, 9),
        // A copy that lost its anchor record.
        (request(12, 12, None), false, 9, 9),
        // Another chain of the same length.
        (request(9, 99, Some((9, 99))), false, 9, 9),
        // Behind the anchor while naming it.
        (request(9, 98, Some((9, 9))), false, 9, 9),
        (request(12, 12, Some((9, 9))), true, 12, 12),
    ];
    for (i, (r, accepted, seq, h)) in steps.iter().enumerate() {
        let a = anchor(&srv, &d, r).await;
        assert_eq!(a.accepted, *accepted, "step {i}");
        assert_eq!(
            (a.anchor.seq, a.anchor.hash.clone()),
            (*seq, hash(*h)),
            "step {i}"
        );
    }
    let srv = srv.restart().await;
    let a = anchor(&srv, &d, &request(13, 13, Some((5, 5)))).await;
    assert!(!a.accepted);
    assert_eq!(a.anchor.seq, 12, "kept across a restart");
}

#[tokio::test]
async fn anchors_are_per_device_and_bad_requests_get_a_json_error() {
    let srv = TestServer::start().await;
    let (d, other) = (Device::new(), Device::new());
    srv.enrolled(&d).await;
    srv.enrolled(&other).await;
    assert!(anchor(&srv, &d, &request(3, 3, None)).await.accepted);
    assert!(anchor(&srv, &other, &request(1, 1, None)).await.accepted);
    for (body, status, code) in [
        (b"{".to_vec(), 400, "request.malformed_json"),
        (br#"{"seq":0,"hash":"00"}"#.to_vec(), 400, "request.invalid"),
        (
            serde_json::to_vec(&request(2, 2, Some((3, 3)))).unwrap(),
            400,
            "request.invalid",
        ),
    ] {
        expect_error(post(&srv, &d, body).await, status, code).await;
    }
    // Unsigned: refused before anything is read.
    let r = srv
        .http
        .post(srv.url("/v1/audit-anchor"))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&request(4, 4, Some((3, 3)))).unwrap())
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "auth.missing").await;
    assert!(
        anchor(&srv, &d, &request(4, 4, Some((3, 3))))
            .await
            .accepted
    );
}
