//! Uploads: receipts, idempotence, id checks, size limits, large envelopes, restarts.

use crate::common::*;
use zicht_protocol as proto;

#[tokio::test]
async fn put_returns_a_verifiable_receipt_and_duplicates_the_same_one() {
    let srv = TestServer::start().await;
    let (a, b, table) = (Device::new(), Device::new(), Device::new());
    for d in [&a, &b, &table] {
        srv.enrolled(d).await;
    }
    let env = envelope(&a, &[table.kid(), b.kid()], 4096);
    let id = proto::envelope_id(&env);

    let (receipt, raw1) = receipt_of(srv.put(&a, &env).await, 201).await;
    proto::verify_receipt(&receipt, &srv.endpoint_key(), &id).unwrap();
    proto::parse_and_verify_receipt(&raw1, &srv.endpoint_key(), &id).unwrap();
    assert_eq!(receipt.size, 4096);
    assert_eq!(receipt.uploader, a.id());
    assert_eq!(
        receipt.recipients,
        vec![hex::encode(table.kid()), hex::encode(b.kid())]
    );
    assert_eq!(receipt.received_at_ms, T0_MS);

    // Retried later (new signature): the same receipt, byte for byte. Another device may not
    // upload it (it did not seal it).
    srv.clock.advance_ms(5_000);
    let (_, raw2) = receipt_of(srv.put(&a, &env).await, 200).await;
    assert_eq!(raw1, raw2);
    expect_error(srv.put(&b, &env).await, 403, "envelope.wrong_sender").await;
    assert_eq!(srv.regio.envelope_count(), 1);
    assert_eq!(srv.inbox(&table, "").await.envelopes.len(), 1);

    // Receipt checks on the device side.
    let other_key = [7u8; 32];
    assert_eq!(
        proto::verify_receipt(&receipt, &other_key, &id)
            .unwrap_err()
            .code(),
        "receipt.wrong_endpoint"
    );
    assert_eq!(
        proto::verify_receipt(&receipt, &srv.endpoint_key(), &"0".repeat(64))
            .unwrap_err()
            .code(),
        "receipt.id_mismatch"
    );
    let mut forged = receipt.clone();
    forged.size += 1;
    assert_eq!(
        proto::verify_receipt(&forged, &srv.endpoint_key(), &id)
            .unwrap_err()
            .code(),
        "receipt.bad_signature"
    );
}

#[tokio::test]
async fn id_must_be_the_blake3_of_the_body() {
    let srv = TestServer::start().await;
    let d = Device::new();
    srv.enrolled(&d).await;
    let env = envelope(&d, &[d.kid()], 1000);
    let other = envelope(&d, &[d.kid()], 1000);
    let other_id = proto::envelope_id(&other);
    let wrong = format!("/v1/envelopes/{other_id}");
    // Signed for the id in the path, but the body is another envelope.
    let put_signed_for = |path: &str, digest: &str, body: Vec<u8>| {
        let nonce = proto::new_nonce().unwrap();
        let h = proto::sign_request_digest(
            &d.key,
            &srv.key_id(),
            "PUT",
            path,
            digest,
            srv.now_s(),
            &nonce,
        );
        let (srv, path) = (&srv, path.to_string());
        async move { srv.send("PUT", &path, body, &h).await }
    };
    expect_error(
        put_signed_for(&wrong, &other_id, env.clone()).await,
        400,
        "envelope.id_mismatch",
    )
    .await;
    // Signed for the body's own digest: the signature does not cover the id in the path.
    expect_error(
        srv.signed(&d, "PUT", &wrong, env.clone()).await,
        401,
        "auth.bad_signature",
    )
    .await;

    let id = proto::envelope_id(&env);
    for bad in [
        id.to_uppercase(),
        id[..63].to_string(),
        format!("{id}0"),
        "g".repeat(64),
    ] {
        let path = format!("/v1/envelopes/{bad}");
        expect_error(
            srv.signed(&d, "PUT", &path, env.clone()).await,
            400,
            "envelope.bad_id",
        )
        .await;
    }
    // SHA-256 is not the digest the format fixes.
    let sha = hex::encode(ring::digest::digest(&ring::digest::SHA256, &env));
    let path = format!("/v1/envelopes/{sha}");
    expect_error(
        put_signed_for(&path, &sha, env).await,
        400,
        "envelope.id_mismatch",
    )
    .await;
    assert_eq!(srv.regio.envelope_count(), 0);
}

#[tokio::test]
async fn not_an_envelope() {
    let srv = TestServer::start().await;
    let d = Device::new();
    srv.enrolled(&d).await;
    for body in [
        b"hallo".to_vec(),
        vec![],
        random::<4096>().to_vec(),
        envelope(&d, &[d.kid()], 4096)[..4000].to_vec(),
    ] {
        expect_error(srv.put(&d, &body).await, 400, "envelope.malformed").await;
    }
    let mut v2 = envelope(&d, &[d.kid()], 4096);
    v2[8] = 2;
    expect_error(srv.put(&d, &v2).await, 400, "envelope.unsupported_version").await;

    // Wrong content type.
    let env = envelope(&d, &[d.kid()], 4096);
    let path = format!("/v1/envelopes/{}", proto::envelope_id(&env));
    let h = proto::sign_request(&d.key, &srv.key_id(), "PUT", &path, &env, srv.now_s()).unwrap();
    let mut rb = srv
        .http
        .put(srv.url(&path))
        .header("content-type", "application/json");
    for (k, v) in h.headers() {
        rb = rb.header(k, v);
    }
    expect_error(
        rb.body(env).send().await.unwrap(),
        415,
        "request.unsupported_media_type",
    )
    .await;
    assert_eq!(srv.regio.envelope_count(), 0);
}

#[tokio::test]
async fn too_large_by_content_length_is_refused_before_the_body() {
    let srv = TestServer::start().await;
    let d = Device::new();
    srv.enrolled(&d).await;
    let limit = zicht_regio::DEFAULT_MAX_BODY;
    let id = "ab".repeat(32);
    let path = format!("/v1/envelopes/{id}");
    // Only the head is sent: the answer must come without the 64 MiB + 1 that it announces.
    let head = signed_head(
        &srv,
        &d,
        "PUT",
        &path,
        &id,
        &format!(
            "content-type: application/octet-stream\r\ncontent-length: {}\r\n",
            limit + 1
        ),
    );
    let r = raw(srv.addr, vec![head]).await;
    assert_eq!(r.status, 413, "{}", r.head);
    assert_eq!(r.error_code(), "request.body_too_large");
}

/// Regression guard (review finding): the signature was checked only after the whole body had
/// been read into memory, so anyone knowing a device id (it is in every bundle header) could
/// make the endpoint buffer up to `max_body` per connection with a forged signature.
#[tokio::test]
async fn an_upload_not_signed_for_its_id_is_refused_before_its_body() {
    let srv = TestServer::start().await;
    let d = Device::new();
    srv.enrolled(&d).await;
    let id = "ab".repeat(32);
    let path = format!("/v1/envelopes/{id}");
    // Signed by the device, but over another digest; only the head is sent.
    let head = signed_head(
        &srv,
        &d,
        "PUT",
        &path,
        &"cd".repeat(32),
        "content-type: application/octet-stream\r\ncontent-length: 8388608\r\n",
    );
    let r = raw(srv.addr, vec![head]).await;
    assert_eq!(r.status, 401, "{}", r.head);
    assert_eq!(r.error_code(), "auth.bad_signature");
    assert_eq!(srv.regio.envelope_count(), 0);
}

#[tokio::test]
async fn too_large_chunked_is_cut_off() {
    let limit = 256 * 1024;
    let srv = TestServer::start_with(|c| c.max_body = limit).await;
    let d = Device::new();
    srv.enrolled(&d).await;
    let id = "cd".repeat(32);
    let path = format!("/v1/envelopes/{id}");
    let head = signed_head(
        &srv,
        &d,
        "PUT",
        &path,
        &id,
        "content-type: application/octet-stream\r\ntransfer-encoding: chunked\r\n",
    );
    let mut parts = vec![head];
    let chunk = vec![0x55u8; 16 * 1024];
    for _ in 0..(limit as usize / chunk.len()) {
        let mut p = format!("{:x}\r\n", chunk.len()).into_bytes();
        p.extend_from_slice(&chunk);
        p.extend_from_slice(b"\r\n");
        parts.push(p);
    }
    parts.push(b"1\r\nx\r\n0\r\n\r\n".to_vec());
    let r = raw(srv.addr, parts).await;
    assert_eq!(r.status, 413, "{}", r.head);
    assert_eq!(r.error_code(), "request.body_too_large");

    // Exactly at the limit is fine.
    let env = envelope(&d, &[d.kid()], limit as usize);
    assert_eq!(srv.put(&d, &env).await.status(), 201);
}

#[tokio::test]
async fn large_envelope_round_trip_and_restart() {
    let srv = TestServer::start().await;
    let (a, b) = (Device::new(), Device::new());
    srv.enrolled(&a).await;
    srv.enrolled(&b).await;
    // 3 MiB: above sled's in-log page size, so sled keeps it in a blob file, which the group
    // commit fsyncs itself.
    let big = envelope(&a, &[b.kid()], 3 * 1024 * 1024 + 17);
    let small = envelope(&a, &[b.kid()], 4096);
    let big_id = proto::envelope_id(&big);
    let (r1, raw1) = receipt_of(srv.put(&a, &big).await, 201).await;
    assert_eq!(r1.size, big.len() as u64);
    assert_eq!(srv.put(&a, &small).await.status(), 201);
    let stats = srv.regio.commit_stats();
    assert!(stats.syncs >= 1 && stats.served >= 2, "{stats:?}");

    let srv = srv.restart().await;
    let got = srv.get(&b, &big_id).await;
    assert_eq!(got.status(), 200);
    assert_eq!(
        got.headers().get("content-type").unwrap(),
        "application/octet-stream"
    );
    assert_eq!(got.bytes().await.unwrap().as_ref(), &big[..]);
    let (_, raw2) = receipt_of(srv.put(&a, &big).await, 200).await;
    assert_eq!(raw1, raw2);
    let page = srv.inbox(&b, "").await;
    assert_eq!(page.envelopes.len(), 2);
    // Sequence numbers go on after a restart.
    let third = envelope(&a, &[b.kid()], 4096);
    assert_eq!(srv.put(&a, &third).await.status(), 201);
    let page = srv.inbox(&b, "").await;
    let seqs: Vec<u64> = page.envelopes.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3]);
}

/// Regression (CI run on 9f6f7d6, "no batching: 64 syncs for 64 uploads"): the uploads used to
/// race the commit thread, and on a loaded machine each could arrive after the previous one was
/// synced. The commit thread is now held before its first sync until every upload has reached
/// it, which is the situation the test is about: the ones that queued meanwhile must then share
/// the next round's sync.
#[tokio::test]
async fn concurrent_uploads_share_fsyncs() {
    let srv = std::sync::Arc::new(TestServer::start().await);
    let d = std::sync::Arc::new(Device::new());
    srv.enrolled(&d).await;
    let before = srv.regio.commit_stats();
    let hold = srv.regio.hold_commits();
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let (srv, d) = (srv.clone(), d.clone());
        tasks.push(tokio::spawn(async move {
            let env = envelope(&d, &[d.kid()], 4096);
            srv.put(&d, &env).await.status().as_u16()
        }));
    }
    // Every upload has reached the commit thread: written in the held round, or queued.
    let t = std::time::Instant::now();
    let arrived = || srv.regio.envelope_count() + srv.regio.queued_commits();
    while arrived() < 64 {
        assert!(
            t.elapsed() < std::time::Duration::from_secs(30),
            "only {} uploads reached the commit thread",
            arrived()
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    drop(hold);
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    let after = srv.regio.commit_stats();
    let served = after.served - before.served;
    let syncs = after.syncs - before.syncs;
    assert_eq!(served, 64);
    // The held round, and one for everything queued behind it.
    assert!(
        syncs <= 2,
        "no batching: {syncs} syncs for {served} uploads"
    );
    assert_eq!(srv.regio.envelope_count(), 64);
}

/// Security review finding 3 (issue Zicht 5): any enrolled device could upload envelopes under
/// any sender key id (junk in someone else's name, to flood a victim's inbox). The endpoint now
/// takes only envelopes whose sender key id is the uploading device's own.
#[tokio::test]
async fn finding_3_an_envelope_under_another_senders_key_is_refused() {
    let srv = TestServer::start().await;
    let (flooder, victim, named) = (Device::new(), Device::new(), Device::new());
    for d in [&flooder, &victim, &named] {
        srv.enrolled(d).await;
    }
    let forged = envelope(&named, &[victim.kid()], 512);
    expect_error(
        srv.put(&flooder, &forged).await,
        403,
        "envelope.wrong_sender",
    )
    .await;
    assert_eq!(srv.regio.envelope_count(), 0, "nothing stored");
    assert!(srv.inbox(&victim, "").await.envelopes.is_empty());
    // Its own envelopes it still uploads.
    let own = envelope(&flooder, &[victim.kid()], 512);
    assert_eq!(srv.put(&flooder, &own).await.status(), 201);
}

/// Finding 3 of Zicht 5 (issue 14): uploads had no quota, so one enrolled device could upload
/// without limit. Now each device has an hourly count and byte quota (configurable), answered
/// `429 quota.exceeded` with `Retry-After` before the body is read, without touching other
/// devices.
#[tokio::test]
async fn finding_3_a_device_over_its_hourly_quota_is_refused_and_others_are_not() {
    let srv = TestServer::start_with(|c| {
        c.quota.uploads_per_hour = 3;
        c.quota.bytes_per_hour = 1 << 20;
    })
    .await;
    let (flooder, other) = (Device::new(), Device::new());
    srv.enrolled(&flooder).await;
    srv.enrolled(&other).await;
    for i in 0..3 {
        let env = envelope(&flooder, &[other.kid()], 300 + i);
        assert_eq!(srv.put(&flooder, &env).await.status(), 201);
    }
    let r = srv
        .put(&flooder, &envelope(&flooder, &[other.kid()], 400))
        .await;
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((3590..=3600).contains(&retry), "{retry}");
    expect_error(r, 429, "quota.exceeded").await;
    assert_eq!(srv.regio.envelope_count(), 3, "the fourth is not stored");
    // Another device is not affected.
    let env = envelope(&other, &[flooder.kid()], 300);
    assert_eq!(srv.put(&other, &env).await.status(), 201);
    // Bytes count too.
    let big = envelope(&other, &[flooder.kid()], 1 << 20);
    expect_error(srv.put(&other, &big).await, 429, "quota.exceeded").await;
    // An hour later the flooder may upload again.
    srv.clock.advance_ms(3600 * 1000);
    let env = envelope(&flooder, &[other.kid()], 500);
    assert_eq!(srv.put(&flooder, &env).await.status(), 201);
}

/// Finding 3: the bodies of concurrent uploads were held in memory without a bound. Now they
/// share a budget (`--upload-memory-mib`); an upload that would exceed it is answered `503
/// endpoint.busy` before its body is read, and goes through once memory is free again.
#[tokio::test]
async fn finding_3_concurrent_upload_bodies_stay_within_the_memory_budget() {
    let srv = TestServer::start_with(|c| c.quota.upload_memory = 1 << 20).await;
    let (slow, d) = (Device::new(), Device::new());
    srv.enrolled(&slow).await;
    srv.enrolled(&d).await;
    // A slow upload announces 900 KiB and sends only its head: its reservation stays.
    let id = "ab".repeat(32);
    let head = signed_head(
        &srv,
        &slow,
        "PUT",
        &format!("/v1/envelopes/{id}"),
        &id,
        "content-type: application/octet-stream\r\ncontent-length: 921600\r\n",
    );
    let mut stalled = tokio::net::TcpStream::connect(srv.addr).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stalled, &head)
        .await
        .unwrap();
    for _ in 0..500 {
        if srv.regio.upload_memory_held() > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(srv.regio.upload_memory_held() >= 900 << 10);
    let env = envelope(&d, &[slow.kid()], 200 << 10);
    let r = srv.put(&d, &env).await;
    assert_eq!(r.headers()["retry-after"], "1");
    expect_error(r, 503, "endpoint.busy").await;
    assert_eq!(srv.regio.envelope_count(), 0);
    // The slow upload gives up: its memory is free, the upload goes through.
    drop(stalled);
    let mut status = 0;
    for _ in 0..200 {
        status = srv.put(&d, &env).await.status().as_u16();
        if status == 201 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(status, 201);
}

/// Review finding (Zicht 5, finding 3): the quota was charged before the replay check, so
/// anyone who saw one upload could replay it to use up the device's hourly quota.
#[tokio::test]
async fn finding_3_a_replayed_upload_costs_the_device_no_quota() {
    let srv = TestServer::start_with(|c| c.quota.uploads_per_hour = 2).await;
    let (d, to) = (Device::new(), Device::new());
    srv.enrolled(&d).await;
    srv.enrolled(&to).await;
    let env = envelope(&d, &[to.kid()], 300);
    let path = format!("/v1/envelopes/{}", proto::envelope_id(&env));
    let h = proto::sign_request(&d.key, &srv.key_id(), "PUT", &path, &env, srv.now_s()).unwrap();
    assert_eq!(srv.send("PUT", &path, env.clone(), &h).await.status(), 201);
    for _ in 0..3 {
        expect_error(
            srv.send("PUT", &path, env.clone(), &h).await,
            401,
            "auth.replayed",
        )
        .await;
    }
    let next = envelope(&d, &[to.kid()], 301);
    assert_eq!(
        srv.put(&d, &next).await.status(),
        201,
        "the quota is not used up"
    );
}
