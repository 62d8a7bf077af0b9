//! The cursor invariant (store.rs, `docs/regio-protocol.md` §5 inbox): an inbox cursor never
//! skips an envelope, even across a crash.
//!
//! The bug these tests guard against: an upload was listed as soon as it was written to
//! sled, before the group commit had fsynced it. A crash then lost it *and* took the seq
//! counter back, so the next upload got the same seq, and a device whose cursor had already
//! passed that seq never saw the new envelope. Now a listing stops at the durable watermark
//! (the highest seq a completed fsync covered), so every seq a device has seen survives a
//! crash, and the counter restarts above it.

use crate::common::*;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zicht_protocol as proto;

/// Waits until the endpoint holds `n` envelope bodies (written, maybe not durable).
async fn until_stored(srv: &TestServer, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while srv.regio.envelope_count() < n {
        assert!(Instant::now() < deadline, "upload never reached the store");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn seqs(page: &proto::InboxPage) -> Vec<u64> {
    page.envelopes.iter().map(|e| e.seq).collect()
}

#[tokio::test]
async fn an_upload_is_not_listed_before_it_is_durable() {
    let srv = Arc::new(TestServer::start().await);
    let (s, r) = (Arc::new(Device::new()), Arc::new(Device::new()));
    srv.enrolled(&s).await;
    srv.enrolled(&r).await;
    let a = envelope(&s, &[r.kid()], 4096);
    assert_eq!(srv.put(&s, &a).await.status(), 201);
    let first = srv.inbox(&r, "").await;
    assert_eq!(first.envelopes.len(), 1);
    let seq_a = first.envelopes[0].seq;

    // Stop the group commit between writing the next upload and fsyncing it.
    let hold = srv.regio.hold_commits();
    let b = envelope(&s, &[r.kid()], 4096);
    let b_id = proto::envelope_id(&b);
    let upload = {
        let (srv, s, b) = (srv.clone(), s.clone(), b.clone());
        tokio::spawn(async move { srv.put(&s, &b).await.status().as_u16() })
    };
    until_stored(&srv, 2).await;

    // B is in the store but not durable: a listing made now would not hold it, nor let the
    // cursor pass it; it cannot be fetched, and its uploader has no answer yet.
    let kids = [r.kid()];
    assert_eq!(srv.regio.inbox_now(&kids, 0), (vec![seq_a], seq_a, false));
    assert_eq!(
        srv.regio.inbox_now(&kids, seq_a),
        (vec![], seq_a, false),
        "the cursor must not pass B"
    );
    let b_raw: [u8; 32] = hex::decode(&b_id).unwrap().try_into().unwrap();
    assert!(!srv.regio.downloadable_now(&b_raw));
    assert_eq!(srv.regio.durable_seq(), seq_a);
    // A request does not even answer yet: it waits until its own signature is durable, which
    // is after B's round.
    let listing = {
        let (srv, r) = (srv.clone(), r.clone());
        tokio::spawn(async move { srv.inbox(&r, &format!("?after={seq_a}")).await })
    };
    // The held round has taken B; the listing is the one request queued behind it.
    let deadline = Instant::now() + Duration::from_secs(20);
    while srv.regio.queued_commits() < 1 {
        assert!(
            Instant::now() < deadline,
            "the listing never reached the group commit"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(!upload.is_finished(), "answered before the fsync");
    assert!(!listing.is_finished(), "a read answered before the fsync");

    // Once the fsync is done, B is answered and listed after A.
    drop(hold);
    assert_eq!(upload.await.unwrap(), 201);
    let page = listing.await.unwrap();
    assert_eq!(page.envelopes.len(), 1);
    assert_eq!(page.envelopes[0].id, b_id);
    let page = srv.inbox(&r, &format!("?after={seq_a}")).await;
    assert_eq!(page.envelopes.len(), 1);
    assert_eq!(page.envelopes[0].id, b_id);
    assert!(page.envelopes[0].seq > seq_a);
    assert_eq!(srv.get(&r, &b_id).await.status(), 200);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[tokio::test]
async fn after_a_crash_seqs_stay_above_every_listed_seq() {
    let srv = Arc::new(TestServer::start().await);
    let (s, r) = (Arc::new(Device::new()), Device::new());
    srv.enrolled(&s).await;
    srv.enrolled(&r).await;
    for _ in 0..3 {
        let e = envelope(&s, &[r.kid()], 4096);
        assert_eq!(srv.put(&s, &e).await.status(), 201);
    }

    // An upload is written but not yet durable when the endpoint "crashes": the copy of its
    // data directory taken now is what a killed process leaves on disk (sled's unflushed log
    // buffer is lost with the process).
    let hold = srv.regio.hold_commits();
    let c = envelope(&s, &[r.kid()], 4096);
    let upload = {
        let (srv, s, c) = (srv.clone(), s.clone(), c.clone());
        tokio::spawn(async move { srv.put(&s, &c).await.status().as_u16() })
    };
    until_stored(&srv, 4).await;
    // The device lists its inbox right before the crash (what the endpoint would list now:
    // a request itself waits for the held round); its cursor is what it keeps.
    let (listed, next, _) = srv.regio.inbox_now(&[r.kid()], 0);
    assert_eq!(listed.len(), 3, "only the durable uploads are listed");
    let max_listed = *listed.iter().max().unwrap();
    let cursor = next.to_string();
    assert_eq!(cursor, max_listed.to_string());

    let crash = tempfile::tempdir().unwrap();
    copy_dir(&srv.dir, crash.path());
    drop(hold);
    assert_eq!(upload.await.unwrap(), 201);
    let clock = srv.clock.clone();
    let srv = Arc::into_inner(srv).unwrap();
    srv.stop().await;

    // Restart from the crashed state.
    let srv = TestServer::start_in(crash.path().to_path_buf(), clock, |_| {}).await;
    assert!(srv.regio.durable_seq() >= max_listed);
    // C's uploader got no receipt from the crashed endpoint and retries; a new upload D
    // follows. Whatever the crash kept, both come after the device's cursor.
    let st = srv.put(&s, &c).await.status();
    assert!(st == 201 || st == 200, "{st}");
    let d = envelope(&s, &[r.kid()], 4096);
    assert_eq!(srv.put(&s, &d).await.status(), 201);
    let after = srv.inbox(&r, &format!("?after={cursor}")).await;
    let ids: Vec<&str> = after.envelopes.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        vec![proto::envelope_id(&c), proto::envelope_id(&d)],
        "the cursor from before the crash skipped an envelope"
    );
    assert!(seqs(&after).iter().all(|&q| q > max_listed));

    // From the start: each envelope once, seqs strictly increasing.
    let all = seqs(&srv.inbox(&r, "").await);
    assert_eq!(all.len(), 5);
    assert!(all.windows(2).all(|w| w[0] < w[1]), "{all:?}");
}

#[tokio::test]
async fn after_a_clean_restart_seqs_go_on() {
    let srv = TestServer::start().await;
    let (s, r) = (Device::new(), Device::new());
    srv.enrolled(&s).await;
    srv.enrolled(&r).await;
    for _ in 0..2 {
        let e = envelope(&s, &[r.kid()], 4096);
        assert_eq!(srv.put(&s, &e).await.status(), 201);
    }
    let listed = seqs(&srv.inbox(&r, "").await);
    let srv = srv.restart().await;
    assert_eq!(srv.regio.durable_seq(), *listed.last().unwrap());
    let e = envelope(&s, &[r.kid()], 4096);
    assert_eq!(srv.put(&s, &e).await.status(), 201);
    let page = srv
        .inbox(&r, &format!("?after={}", listed.last().unwrap()))
        .await;
    assert_eq!(page.envelopes.len(), 1);
    assert!(page.envelopes[0].seq > *listed.last().unwrap());
}

/// Replay records are durable before the answer, for writes (in the request's own round) and
/// for reads (which wait for the next round): a crash right after the answer must not reopen
/// the window. Regression: a read's record used to go out up to 200 ms (`SEEN_FLUSH`) after
/// its answer, so a crash then let a captured read be replayed for its 5 minutes. (The copy
/// reads the page cache, so it cannot tell written from fsynced; that a read waits for the
/// fsync itself is checked in `an_upload_is_not_listed_before_it_is_durable`.)
#[tokio::test]
async fn replays_are_refused_after_a_crash() {
    let srv = TestServer::start().await;
    let d = Device::new();
    srv.enrolled(&d).await;
    let env = envelope(&d, &[d.kid()], 2048);
    let path = format!("/v1/envelopes/{}", proto::envelope_id(&env));
    let hp = proto::sign_request(&d.key, &srv.key_id(), "PUT", &path, &env, srv.now_s()).unwrap();
    assert_eq!(srv.send("PUT", &path, env.clone(), &hp).await.status(), 201);
    let hg =
        proto::sign_request(&d.key, &srv.key_id(), "GET", "/v1/inbox", b"", srv.now_s()).unwrap();
    assert_eq!(
        srv.send("GET", "/v1/inbox", vec![], &hg).await.status(),
        200
    );
    let hd = proto::sign_request(&d.key, &srv.key_id(), "GET", &path, b"", srv.now_s()).unwrap();
    assert_eq!(srv.send("GET", &path, vec![], &hd).await.status(), 200);

    // What a process killed right after the answers leaves: the data directory as it is on
    // disk now.
    let crash = tempfile::tempdir().unwrap();
    copy_dir(&srv.dir, crash.path());
    let clock = srv.clock.clone();
    srv.stop().await;
    let srv = TestServer::start_in(crash.path().to_path_buf(), clock, |_| {}).await;
    expect_error(srv.send("PUT", &path, env, &hp).await, 401, "auth.replayed").await;
    expect_error(
        srv.send("GET", "/v1/inbox", vec![], &hg).await,
        401,
        "auth.replayed",
    )
    .await;
    expect_error(
        srv.send("GET", &path, vec![], &hd).await,
        401,
        "auth.replayed",
    )
    .await;
}
