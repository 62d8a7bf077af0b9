//! Request signatures: missing, malformed, bad, stale, replayed, unenrolled.

use crate::common::*;
use zicht_protocol::{self as proto, SignedHeaders};

#[tokio::test]
async fn unsigned_and_malformed_headers() {
    let srv = TestServer::start().await;
    let d = Device::new();
    srv.enrolled(&d).await;
    let r = srv.http.get(srv.url("/v1/inbox")).send().await.unwrap();
    expect_error(r, 401, "auth.missing").await;

    let good =
        proto::sign_request(&d.key, &srv.key_id(), "GET", "/v1/inbox", b"", srv.now_s()).unwrap();
    let variants = [
        SignedHeaders {
            device: good.device.to_uppercase(),
            ..good.clone()
        },
        SignedHeaders {
            device: "abc".into(),
            ..good.clone()
        },
        SignedHeaders {
            nonce: "short".into(),
            ..good.clone()
        },
        SignedHeaders {
            nonce: "x".repeat(65),
            ..good.clone()
        },
        SignedHeaders {
            nonce: "spaties zijn niet goed".into(),
            ..good.clone()
        },
        SignedHeaders {
            signature: good.signature[..100].into(),
            ..good.clone()
        },
        SignedHeaders {
            signature: "zz".repeat(64),
            ..good.clone()
        },
    ];
    for h in &variants {
        expect_error(
            srv.send("GET", "/v1/inbox", vec![], h).await,
            401,
            "auth.malformed",
        )
        .await;
    }
    // A timestamp that is not a plain number.
    let r = srv
        .http
        .get(srv.url("/v1/inbox"))
        .header(proto::HEADER_DEVICE, &good.device)
        .header(proto::HEADER_TIMESTAMP, "-5")
        .header(proto::HEADER_NONCE, &good.nonce)
        .header(proto::HEADER_SIGNATURE, &good.signature)
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "auth.malformed").await;
}

#[tokio::test]
async fn bad_signatures() {
    let srv = TestServer::start().await;
    let d = Device::new();
    srv.enrolled(&d).await;
    let other = Device::new();

    // Signed by another key, claiming d's id.
    let mut h = proto::sign_request(
        &other.key,
        &srv.key_id(),
        "GET",
        "/v1/inbox",
        b"",
        srv.now_s(),
    )
    .unwrap();
    h.device = d.id();
    expect_error(
        srv.send("GET", "/v1/inbox", vec![], &h).await,
        401,
        "auth.bad_signature",
    )
    .await;

    // Signed for another path, method, body, or time.
    let h = proto::sign_request(
        &d.key,
        &srv.key_id(),
        "GET",
        "/v1/inbox?after=1",
        b"",
        srv.now_s(),
    )
    .unwrap();
    expect_error(
        srv.send("GET", "/v1/inbox", vec![], &h).await,
        401,
        "auth.bad_signature",
    )
    .await;
    let h =
        proto::sign_request(&d.key, &srv.key_id(), "POST", "/v1/inbox", b"", srv.now_s()).unwrap();
    expect_error(
        srv.send("GET", "/v1/inbox", vec![], &h).await,
        401,
        "auth.bad_signature",
    )
    .await;
    let h =
        proto::sign_request(&d.key, &srv.key_id(), "GET", "/v1/inbox", b"x", srv.now_s()).unwrap();
    expect_error(
        srv.send("GET", "/v1/inbox", vec![], &h).await,
        401,
        "auth.bad_signature",
    )
    .await;
    let mut h =
        proto::sign_request(&d.key, &srv.key_id(), "GET", "/v1/inbox", b"", srv.now_s()).unwrap();
    h.timestamp -= 1;
    expect_error(
        srv.send("GET", "/v1/inbox", vec![], &h).await,
        401,
        "auth.bad_signature",
    )
    .await;

    // PUT: signature over another body than the one sent.
    let env = envelope(&d, &[d.kid()], 1024);
    let id = proto::envelope_id(&env);
    let path = format!("/v1/envelopes/{id}");
    let h =
        proto::sign_request(&d.key, &srv.key_id(), "PUT", &path, b"other", srv.now_s()).unwrap();
    expect_error(
        srv.send("PUT", &path, env.clone(), &h).await,
        401,
        "auth.bad_signature",
    )
    .await;
    assert_eq!(srv.regio.envelope_count(), 0);

    // And the good one passes.
    assert_eq!(srv.put(&d, &env).await.status(), 201);
}

#[tokio::test]
async fn stale_either_way() {
    let srv = TestServer::start().await;
    let d = Device::new();
    srv.enrolled(&d).await;
    let now = srv.now_s();
    for (skew, ok) in [
        (-301, false),
        (301, false),
        (-299, true),
        (299, true),
        (-300, true),
        (300, true),
    ] {
        let h = proto::sign_request(&d.key, &srv.key_id(), "GET", "/v1/inbox", b"", now + skew)
            .unwrap();
        let r = srv.send("GET", "/v1/inbox", vec![], &h).await;
        if ok {
            assert_eq!(r.status(), 200, "skew {skew}");
        } else {
            expect_error(r, 401, "auth.stale").await;
        }
    }
    // Far off (a clock at 1970) is stale too, not an overflow.
    let h = proto::sign_request(&d.key, &srv.key_id(), "GET", "/v1/inbox", b"", 0).unwrap();
    expect_error(
        srv.send("GET", "/v1/inbox", vec![], &h).await,
        401,
        "auth.stale",
    )
    .await;
    let h = proto::sign_request(
        &d.key,
        &srv.key_id(),
        "GET",
        "/v1/inbox",
        b"",
        999_999_999_999,
    )
    .unwrap();
    expect_error(
        srv.send("GET", "/v1/inbox", vec![], &h).await,
        401,
        "auth.stale",
    )
    .await;
}

#[tokio::test]
async fn replays_are_refused_also_after_a_restart() {
    let srv = TestServer::start().await;
    let d = Device::new();
    srv.enrolled(&d).await;

    let h =
        proto::sign_request(&d.key, &srv.key_id(), "GET", "/v1/inbox", b"", srv.now_s()).unwrap();
    assert_eq!(srv.send("GET", "/v1/inbox", vec![], &h).await.status(), 200);
    expect_error(
        srv.send("GET", "/v1/inbox", vec![], &h).await,
        401,
        "auth.replayed",
    )
    .await;

    // A replayed upload is refused even though the upload itself would be idempotent.
    let env = envelope(&d, &[d.kid()], 2048);
    let path = format!("/v1/envelopes/{}", proto::envelope_id(&env));
    let hp = proto::sign_request(&d.key, &srv.key_id(), "PUT", &path, &env, srv.now_s()).unwrap();
    assert_eq!(srv.send("PUT", &path, env.clone(), &hp).await.status(), 201);
    expect_error(
        srv.send("PUT", &path, env.clone(), &hp).await,
        401,
        "auth.replayed",
    )
    .await;

    // The seen signatures are in the store: a restart does not open a replay window.
    let h2 = proto::sign_request(
        &d.key,
        &srv.key_id(),
        "GET",
        "/v1/inbox?after=0",
        b"",
        srv.now_s(),
    )
    .unwrap();
    assert_eq!(
        srv.send("GET", "/v1/inbox?after=0", vec![], &h2)
            .await
            .status(),
        200
    );
    let srv = srv.restart().await;
    expect_error(
        srv.send("GET", "/v1/inbox?after=0", vec![], &h2).await,
        401,
        "auth.replayed",
    )
    .await;
    expect_error(srv.send("PUT", &path, env, &hp).await, 401, "auth.replayed").await;

    // After the window the signature is stale, so forgetting it in the sweep is safe.
    srv.clock.advance_ms(301_000);
    let rep = srv.regio.sweep().unwrap();
    assert_eq!(rep.signatures, 3, "{rep:?}");
    expect_error(
        srv.send("GET", "/v1/inbox", vec![], &h).await,
        401,
        "auth.stale",
    )
    .await;
}

#[tokio::test]
async fn unenrolled_device() {
    let srv = TestServer::start().await;
    let d = Device::new();
    let env = envelope(&d, &[d.kid()], 512);
    expect_error(srv.put(&d, &env).await, 401, "auth.unknown_device").await;
    expect_error(
        srv.signed(&d, "GET", "/v1/inbox", vec![]).await,
        401,
        "auth.unknown_device",
    )
    .await;
    let id = proto::envelope_id(&env);
    expect_error(srv.ack(&d, &id).await, 401, "auth.unknown_device").await;
    expect_error(srv.get(&d, &id).await, 401, "auth.unknown_device").await;
}

/// Security review finding 4 (issue Zicht 5): a lost laptop stayed enrolled for ever. After
/// `zicht-regio revoke` (here its library call, on the running endpoint's data directory) every
/// request of that device is refused; other devices and every envelope are left alone.
#[tokio::test]
async fn finding_4_a_revoked_device_is_refused_from_its_next_request() {
    let srv = TestServer::start().await;
    let (lost, other) = (Device::new(), Device::new());
    srv.enrolled(&lost).await;
    srv.enrolled(&other).await;
    let to_lost = envelope(&other, &[lost.kid()], 512);
    assert_eq!(srv.put(&other, &to_lost).await.status(), 201);
    let from_lost = envelope(&lost, &[other.kid()], 512);
    assert_eq!(srv.put(&lost, &from_lost).await.status(), 201);
    // Served (and its device keys cached) before the revocation.
    assert_eq!(srv.inbox(&lost, "").await.envelopes.len(), 1);

    assert!(zicht_regio::roster::revoke(&srv.dir, &lost.id(), 1).unwrap());
    expect_error(
        srv.signed(&lost, "GET", "/v1/inbox", vec![]).await,
        401,
        "auth.revoked",
    )
    .await;
    let again = envelope(&lost, &[other.kid()], 100);
    expect_error(srv.put(&lost, &again).await, 401, "auth.revoked").await;
    let id = proto::envelope_id(&to_lost);
    expect_error(srv.get(&lost, &id).await, 401, "auth.revoked").await;

    assert_eq!(
        srv.inbox(&other, "").await.envelopes.len(),
        1,
        "other device served"
    );
    assert_eq!(srv.regio.envelope_count(), 2, "no envelope touched");
    let roster = zicht_regio::roster::list(&srv.dir).unwrap();
    let entry = roster.iter().find(|e| e.device == lost.id()).unwrap();
    assert!(entry.enrolled_at_ms.is_some() && entry.revoked_at_ms == Some(1));
    assert!(roster
        .iter()
        .any(|e| e.device == other.id() && e.revoked_at_ms.is_none()));
}

/// Security review finding 5 (issue Zicht 5): the sweep forgets signatures older than the
/// clock window, and the cutoff was recorded but not enforced: after the endpoint's clock
/// stepped back, a forgotten request could be replayed. A request signed before the cutoff now
/// counts as a replay, also after a restart (the cutoff is kept on disk).
#[tokio::test]
async fn finding_5_a_replay_after_a_clock_step_back_is_refused() {
    let srv = TestServer::start().await;
    let d = Device::new();
    srv.enrolled(&d).await;
    let t0 = zicht_regio::Clock::now_ms(&*srv.clock);
    let h =
        proto::sign_request(&d.key, &srv.key_id(), "GET", "/v1/inbox", b"", srv.now_s()).unwrap();
    assert_eq!(srv.send("GET", "/v1/inbox", vec![], &h).await.status(), 200);
    // Past the window: the sweep forgets the signature.
    srv.clock.advance_ms(400_000);
    assert!(srv.regio.sweep().unwrap().signatures >= 1);
    // The clock steps back (NTP, an operator): the old request is fresh again by the clock.
    srv.clock.set_ms(t0 + 1_000);
    expect_error(
        srv.send("GET", "/v1/inbox", vec![], &h).await,
        401,
        "auth.replayed",
    )
    .await;
    let srv = srv.restart().await;
    srv.clock.set_ms(t0 + 1_000);
    expect_error(
        srv.send("GET", "/v1/inbox", vec![], &h).await,
        401,
        "auth.replayed",
    )
    .await;
    // A clock that jumps a year ahead for one sweep does not lock devices out afterwards: the
    // cutoff never passes the newest signature seen.
    srv.clock.set_ms(t0 + 5_000);
    let h2 =
        proto::sign_request(&d.key, &srv.key_id(), "GET", "/v1/inbox", b"", srv.now_s()).unwrap();
    assert_eq!(
        srv.send("GET", "/v1/inbox", vec![], &h2).await.status(),
        200
    );
    srv.clock.advance_ms(365 * 24 * 3600 * 1000);
    srv.regio.sweep().unwrap();
    srv.clock.set_ms(t0 + 10_000);
    let h3 =
        proto::sign_request(&d.key, &srv.key_id(), "GET", "/v1/inbox", b"", srv.now_s()).unwrap();
    assert_eq!(
        srv.send("GET", "/v1/inbox", vec![], &h3).await.status(),
        200
    );
}

/// Finding 5 of Zicht 5 (issue 14): the signed request string did not name the endpoint, so a
/// request captured on its way to one endpoint could be replayed at another endpoint the same
/// device is enrolled with, within the replay window. Guards the endpoint key id line of §4.2.
#[tokio::test]
async fn finding_5_a_request_for_one_endpoint_is_refused_by_another() {
    let a = TestServer::start().await;
    let b = TestServer::start().await;
    let d = Device::new();
    a.enrolled(&d).await;
    b.enrolled(&d).await;
    assert_ne!(a.key_id(), b.key_id());
    let env = envelope(&d, &[d.kid()], 300);
    let path = format!("/v1/envelopes/{}", proto::envelope_id(&env));
    for (method, path, body) in [
        ("GET", "/v1/inbox", vec![]),
        ("PUT", path.as_str(), env.clone()),
    ] {
        let for_a =
            proto::sign_request(&d.key, &a.key_id(), method, path, &body, a.now_s()).unwrap();
        // Captured and sent to B first: refused, and B stores nothing.
        expect_error(
            b.send(method, path, body.clone(), &for_a).await,
            401,
            "auth.bad_signature",
        )
        .await;
        // The same request reaches A, the endpoint it was signed for.
        assert!(a
            .send(method, path, body.clone(), &for_a)
            .await
            .status()
            .is_success());
    }
    assert_eq!(b.inbox(&d, "").await.envelopes.len(), 0);
    assert_eq!(a.inbox(&d, "").await.envelopes.len(), 1);
}
