//! Client mistakes: always a 4xx with `{code, message}`, never a panic or a 500.

use crate::common::*;
use zicht_protocol as proto;

#[tokio::test]
async fn unknown_routes_and_methods() {
    let srv = TestServer::start().await;
    for path in [
        "/",
        "/v1",
        "/v1/envelopes",
        "/v2/inbox",
        "/v1/inbox/",
        "/v1/envelopes/x/y/z",
        "/%ff",
    ] {
        let r = srv.http.get(srv.url(path)).send().await.unwrap();
        expect_error(r, 404, "request.not_found").await;
    }
    let id = "ab".repeat(32);
    for (m, path) in [
        ("DELETE", format!("/v1/envelopes/{id}")),
        ("POST", format!("/v1/envelopes/{id}")),
        ("GET", "/v1/enrol".to_string()),
        ("PUT", "/v1/inbox".to_string()),
        ("GET", format!("/v1/envelopes/{id}/ack")),
    ] {
        let r = srv
            .http
            .request(
                reqwest::Method::from_bytes(m.as_bytes()).unwrap(),
                srv.url(&path),
            )
            .send()
            .await
            .unwrap();
        expect_error(r, 405, "request.method_not_allowed").await;
    }
}

#[tokio::test]
async fn enrol_body_mistakes() {
    let srv = TestServer::start().await;
    let post = |ct: Option<&'static str>, body: Vec<u8>| {
        let mut rb = srv.http.post(srv.url("/v1/enrol"));
        if let Some(ct) = ct {
            rb = rb.header("content-type", ct);
        }
        rb.body(body).send()
    };
    let json = Some("application/json");
    expect_error(
        post(None, b"{}".to_vec()).await.unwrap(),
        415,
        "request.unsupported_media_type",
    )
    .await;
    expect_error(
        post(Some("text/plain"), b"{}".to_vec()).await.unwrap(),
        415,
        "request.unsupported_media_type",
    )
    .await;
    for body in [
        &b"{"[..],
        b"",
        b"null",
        b"[1,2]",
        b"{\"token\": 5}",
        b"{\"token\": \"t\"}",
        b"{\"token\":\"t\",\"ed25519_public_key\":\"00\",\"x25519_public_keys\":[],\"extra\":1}",
        b"\xff\xfe",
    ] {
        expect_error(
            post(json, body.to_vec()).await.unwrap(),
            400,
            "request.malformed_json",
        )
        .await;
    }
    let key = "a1".repeat(32);
    for (ed, xs) in [
        ("00".to_string(), vec![key.clone()]),
        (key.to_uppercase(), vec![key.clone()]),
        (key.clone(), vec![]),
        (key.clone(), vec!["zz".repeat(32)]),
        (key.clone(), vec![key.clone(), key.clone()]),
        (
            key.clone(),
            (0..9).map(|i| format!("{i:02}").repeat(32)).collect(),
        ),
    ] {
        let body =
            serde_json::json!({"token": "t", "ed25519_public_key": ed, "x25519_public_keys": xs});
        expect_error(
            post(json, body.to_string().into_bytes()).await.unwrap(),
            400,
            "request.invalid",
        )
        .await;
    }
    // Larger than any enrolment: 413.
    let big = format!("{{\"token\": \"{}\"}}", "a".repeat(100 * 1024));
    expect_error(
        post(json, big.into_bytes()).await.unwrap(),
        413,
        "request.body_too_large",
    )
    .await;
    // With a charset parameter the content type is still JSON (and the token is wrong).
    let body =
        serde_json::json!({"token": "t", "ed25519_public_key": key, "x25519_public_keys": [key]});
    expect_error(
        post(
            Some("application/json; charset=utf-8"),
            body.to_string().into_bytes(),
        )
        .await
        .unwrap(),
        401,
        "enrol.invalid_token",
    )
    .await;
}

#[tokio::test]
async fn bad_queries() {
    let srv = TestServer::start().await;
    let d = Device::new();
    srv.enrolled(&d).await;
    for q in [
        "?after=x",
        "?after=-1",
        "?after=",
        "?after=99999999999999999999999",
        "?limit=0",
        "?limit=1001",
        "?limit=a",
        "?sort=desc",
    ] {
        let r = srv
            .signed(&d, "GET", &format!("/v1/inbox{q}"), vec![])
            .await;
        expect_error(r, 400, "request.bad_query").await;
    }
    assert_eq!(
        srv.signed(&d, "GET", "/v1/inbox?after=3&limit=1000", vec![])
            .await
            .status(),
        200
    );
    // Bad ids on GET and ack.
    for id in ["xyz", &"AB".repeat(32)] {
        expect_error(srv.get(&d, id).await, 400, "envelope.bad_id").await;
        expect_error(srv.ack(&d, id).await, 400, "envelope.bad_id").await;
    }
    // A body on a GET larger than any GET needs.
    let r = srv
        .signed(&d, "GET", "/v1/inbox", vec![0u8; 100 * 1024])
        .await;
    expect_error(r, 413, "request.body_too_large").await;
}

#[tokio::test]
async fn oversized_heads() {
    let srv = TestServer::start().await;
    // Above our limit but within hyper's buffer: 431 with a JSON body.
    let r = srv
        .http
        .get(srv.url("/v1/inbox"))
        .header("x-filler", "a".repeat(20 * 1024))
        .send()
        .await
        .unwrap();
    expect_error(r, 431, "request.headers_too_large").await;
    // Many small headers add up the same way.
    let mut rb = srv.http.get(srv.url("/v1/inbox"));
    for i in 0..90 {
        rb = rb.header(format!("x-h{i}"), "b".repeat(200));
    }
    expect_error(rb.send().await.unwrap(), 431, "request.headers_too_large").await;
    // A long request target: 414.
    let r = srv
        .http
        .get(srv.url(&format!("/v1/inbox?after={}", "1".repeat(5000))))
        .send()
        .await
        .unwrap();
    expect_error(r, 414, "request.uri_too_long").await;
    // Beyond hyper's own buffer (~400 KiB): hyper answers 431 itself, without a body, and
    // closes. Still a 4xx and the server lives on.
    let head = format!(
        "GET /v1/inbox HTTP/1.1\r\nhost: x\r\nx-filler: {}\r\n\r\n",
        "a".repeat(1024 * 1024)
    );
    let r = raw(srv.addr, vec![head.into_bytes()]).await;
    assert_eq!(r.status, 431, "{}", r.head);
    let r = srv.http.get(srv.url("/v1/endpoint")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn broken_http_is_a_400() {
    let srv = TestServer::start().await;
    for junk in [
        &b"HELLO\r\n\r\n"[..],
        b"GET /v1/endpoint HTTP/1.1\r\nhost: x\r\ncontent-length: nope\r\n\r\n",
        b"GET /v1/endpoint HTTP/1.1\r\nbad header line\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    ] {
        let r = raw(srv.addr, vec![junk.to_vec()]).await;
        assert_eq!(
            r.status,
            400,
            "{:?} -> {}",
            String::from_utf8_lossy(junk),
            r.head
        );
    }
    // A body cut short: the client is gone; the server neither stores nor panics.
    let d = Device::new();
    srv.enrolled(&d).await;
    let env = envelope(&d, &[d.kid()], 4096);
    let id = proto::envelope_id(&env);
    let path = format!("/v1/envelopes/{id}");
    let head = signed_head(
        &srv,
        &d,
        "PUT",
        &path,
        &id,
        "content-type: application/octet-stream\r\ncontent-length: 4096\r\n",
    );
    let s = tokio::net::TcpStream::connect(srv.addr).await.unwrap();
    {
        use tokio::io::AsyncWriteExt;
        let mut s = s;
        s.write_all(&head).await.unwrap();
        s.write_all(&env[..1000]).await.unwrap();
        s.shutdown().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(srv.regio.envelope_count(), 0);
    let r = srv.http.get(srv.url("/v1/endpoint")).send().await.unwrap();
    assert_eq!(r.status(), 200);
}
