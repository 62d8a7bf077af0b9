//! Retention: the sweep deletes what no one acked, by the injected clock.

use crate::common::*;
use std::time::Duration;
use zicht_protocol as proto;

const DAY_MS: i64 = 24 * 3600 * 1000;

#[tokio::test]
async fn sweep_deletes_after_retention() {
    let srv = TestServer::start_with(|c| c.retention = Duration::from_secs(2 * 24 * 3600)).await;
    let (s, r) = (Device::new(), Device::new());
    srv.enrolled(&s).await;
    srv.enrolled(&r).await;
    let old = envelope(&s, &[r.kid()], 4096);
    assert_eq!(srv.put(&s, &old).await.status(), 201);
    srv.clock.advance_ms(DAY_MS);
    let newer = envelope(&s, &[r.kid()], 4096);
    assert_eq!(srv.put(&s, &newer).await.status(), 201);
    // A delivered envelope keeps its receipt record until retention, too.
    let acked = envelope(&s, &[r.kid()], 4096);
    assert_eq!(srv.put(&s, &acked).await.status(), 201);
    assert_eq!(srv.ack(&r, &proto::envelope_id(&acked)).await.status(), 200);

    // Just before the deadline of `old`: nothing goes.
    srv.clock.advance_ms(DAY_MS - 1);
    assert_eq!(srv.regio.sweep().unwrap().envelopes, 0);
    assert_eq!(srv.regio.envelope_count(), 2);

    // At it: `old` goes, `newer` stays.
    srv.clock.advance_ms(1);
    let rep = srv.regio.sweep().unwrap();
    assert_eq!(rep.envelopes, 1);
    assert_eq!(srv.regio.envelope_count(), 1);
    let page = srv.inbox(&r, "").await;
    assert_eq!(page.envelopes.len(), 1);
    assert_eq!(page.envelopes[0].id, proto::envelope_id(&newer));
    expect_error(
        srv.get(&r, &proto::envelope_id(&old)).await,
        404,
        "envelope.not_found",
    )
    .await;

    // A day later `newer` and the record of `acked` go as well; an upload of `acked` after
    // that is new again (the endpoint no longer remembers it).
    srv.clock.advance_ms(DAY_MS);
    assert_eq!(srv.regio.sweep().unwrap().envelopes, 2);
    assert_eq!(srv.regio.envelope_count(), 0);
    assert!(srv.inbox(&r, "").await.envelopes.is_empty());
    assert_eq!(srv.put(&s, &acked).await.status(), 201);
}

#[tokio::test]
async fn the_sweep_task_runs_by_itself() {
    let srv = TestServer::start_with(|c| {
        c.retention = Duration::from_secs(3600);
        c.sweep_interval = Duration::from_millis(50);
    })
    .await;
    let (s, r) = (Device::new(), Device::new());
    srv.enrolled(&s).await;
    srv.enrolled(&r).await;
    // Tokens expire in the sweep too.
    srv.regio.create_token(Duration::from_secs(60)).unwrap();
    assert_eq!(
        srv.put(&s, &envelope(&s, &[r.kid()], 4096)).await.status(),
        201
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(srv.regio.envelope_count(), 1);
    srv.clock.advance_ms(3600 * 1000);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let tokens = || {
        std::fs::read_dir(srv.dir.join("enrol-tokens"))
            .unwrap()
            .count()
    };
    // Envelopes go first, tokens at the end of the same sweep: wait for both.
    while srv.regio.envelope_count() > 0 || tokens() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "sweep task did not run"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn sweep_deletes_more_than_one_batch() {
    // The sweep deletes in transactions of up to 256 envelopes; 300 need two.
    let srv = std::sync::Arc::new(
        TestServer::start_with(|c| c.retention = Duration::from_secs(3600)).await,
    );
    let (s, r) = (std::sync::Arc::new(Device::new()), Device::new());
    srv.enrolled(&s).await;
    srv.enrolled(&r).await;
    let kid = r.kid();
    let mut tasks = Vec::new();
    for _ in 0..300 {
        let (srv, s) = (srv.clone(), s.clone());
        tasks.push(tokio::spawn(async move {
            let e = envelope(&s, &[kid], 200);
            srv.put(&s, &e).await.status().as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    assert_eq!(srv.regio.envelope_count(), 300);
    assert_eq!(srv.inbox(&r, "?limit=1000").await.envelopes.len(), 300);
    srv.clock.advance_ms(3600 * 1000);
    assert_eq!(srv.regio.sweep().unwrap().envelopes, 300);
    assert_eq!(srv.regio.envelope_count(), 0);
    assert!(srv.inbox(&r, "").await.envelopes.is_empty());
}

/// Regression guard (review finding): the retention was turned into milliseconds with
/// `as i64`, so a very long one ("never delete") wrapped around to a negative period and the
/// sweep deleted every envelope at once.
#[tokio::test]
async fn a_retention_of_forever_deletes_nothing() {
    for retention in [Duration::MAX, Duration::from_millis(u64::MAX)] {
        let srv = TestServer::start_with(|c| c.retention = retention).await;
        let (s, r) = (Device::new(), Device::new());
        srv.enrolled(&s).await;
        srv.enrolled(&r).await;
        let env = envelope(&s, &[r.kid()], 4096);
        assert_eq!(srv.put(&s, &env).await.status(), 201);
        srv.clock.advance_ms(3650 * DAY_MS);
        assert_eq!(srv.regio.sweep().unwrap().envelopes, 0, "{retention:?}");
        assert_eq!(srv.regio.envelope_count(), 1);
    }
}
