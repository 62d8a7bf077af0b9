//! Inbox, download and ack: deletion once every recipient has acked.

use crate::common::*;
use zicht_protocol::{self as proto, AckResponse};

#[tokio::test]
async fn list_download_ack_delete() {
    let srv = TestServer::start().await;
    let (sender, b, c) = (Device::new(), Device::new(), Device::new());
    for d in [&sender, &b, &c] {
        srv.enrolled(d).await;
    }
    let env = envelope(&sender, &[b.kid(), c.kid()], 4096);
    let id = proto::envelope_id(&env);
    assert_eq!(srv.put(&sender, &env).await.status(), 201);

    // Both recipients see it; the sender (not a recipient) neither sees nor gets it.
    for d in [&b, &c] {
        let page = srv.inbox(d, "").await;
        assert_eq!(page.envelopes.len(), 1);
        let item = &page.envelopes[0];
        assert_eq!((item.id.as_str(), item.size), (id.as_str(), 4096));
        assert_eq!(item.uploader, sender.id());
        assert_eq!(page.next, item.seq.to_string());
        assert!(!page.more);
        // Signed by the endpoint for this request (device, cursor, nonce), and nothing else.
        let (page, nonce) = srv.inbox_with_nonce(d, "").await;
        let key = srv.regio.endpoint_public_key();
        assert_eq!(page.verify(&d.id(), 0, &nonce, &key), Ok(()));
        assert!(
            page.verify(&sender.id(), 0, &nonce, &key).is_err(),
            "another device"
        );
        assert!(
            page.verify(&d.id(), 1, &nonce, &key).is_err(),
            "another cursor"
        );
        let other_nonce = proto::new_nonce().unwrap();
        assert!(
            page.verify(&d.id(), 0, &other_nonce, &key).is_err(),
            "a replay"
        );
        let mut forged = page.clone();
        forged.envelopes[0].seq += 1_000_000;
        assert!(
            forged.verify(&d.id(), 0, &nonce, &key).is_err(),
            "a changed seq"
        );
    }
    assert!(srv.inbox(&sender, "").await.envelopes.is_empty());
    expect_error(srv.get(&sender, &id).await, 404, "envelope.not_found").await;
    expect_error(srv.ack(&sender, &id).await, 404, "envelope.not_found").await;

    let got = srv.get(&b, &id).await;
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), &env[..]);

    // b acks: gone from b's inbox, still there for c.
    let r = srv.ack(&b, &id).await;
    assert_eq!(r.status(), 200);
    let a: AckResponse = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert!(!a.deleted);
    assert!(srv.inbox(&b, "").await.envelopes.is_empty());
    assert_eq!(srv.inbox(&c, "").await.envelopes.len(), 1);
    assert_eq!(srv.regio.envelope_count(), 1);
    // Acking twice changes nothing.
    assert_eq!(srv.ack(&b, &id).await.status(), 200);
    assert_eq!(srv.regio.envelope_count(), 1);

    // c acks: every recipient has it, the endpoint deletes it.
    let r = srv.ack(&c, &id).await;
    let a: AckResponse = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    assert!(a.deleted);
    assert_eq!(srv.regio.envelope_count(), 0);
    expect_error(srv.get(&c, &id).await, 404, "envelope.not_found").await;
    assert!(srv.inbox(&c, "").await.envelopes.is_empty());
    // A late ack is still a success.
    let r = srv.ack(&c, &id).await;
    assert_eq!(r.status(), 200);

    // The sender retries the upload (its answer was lost): same receipt, not delivered again.
    let (_, _) = receipt_of(srv.put(&sender, &env).await, 200).await;
    assert_eq!(srv.regio.envelope_count(), 0);
    assert!(srv.inbox(&c, "").await.envelopes.is_empty());
}

#[tokio::test]
async fn cursor_pages_in_order() {
    let srv = TestServer::start().await;
    let (s, r) = (Device::new(), Device::new());
    srv.enrolled(&s).await;
    srv.enrolled(&r).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let env = envelope(&s, &[r.kid()], 300);
        ids.push(proto::envelope_id(&env));
        assert_eq!(srv.put(&s, &env).await.status(), 201);
    }
    let mut seen = Vec::new();
    let mut after = "0".to_string();
    loop {
        let page = srv.inbox(&r, &format!("?after={after}&limit=2")).await;
        assert!(page.envelopes.len() <= 2);
        seen.extend(page.envelopes.iter().map(|e| e.id.clone()));
        after = page.next;
        if !page.more {
            break;
        }
    }
    assert_eq!(seen, ids);
    // Past the end: empty, and the cursor stays.
    let page = srv.inbox(&r, &format!("?after={after}")).await;
    assert!(page.envelopes.is_empty());
    assert_eq!(page.next, after);
    let page = srv.inbox(&r, &format!("?after={}", u64::MAX)).await;
    assert!(page.envelopes.is_empty());
}

#[tokio::test]
async fn device_with_two_keys_sees_each_envelope_once() {
    let srv = TestServer::start().await;
    let s = Device::new();
    let r = Device::with_keys(2);
    srv.enrolled(&s).await;
    srv.enrolled(&r).await;
    let kids = r.kids();
    let to_first = envelope(&s, &[kids[0]], 500);
    let to_second = envelope(&s, &[kids[1]], 500);
    let to_both = envelope(&s, &[kids[1], kids[0]], 500);
    for e in [&to_first, &to_second, &to_both] {
        assert_eq!(srv.put(&s, e).await.status(), 201);
    }
    let page = srv.inbox(&r, "").await;
    let ids: Vec<_> = page.envelopes.iter().map(|e| e.id.clone()).collect();
    assert_eq!(
        ids,
        vec![
            proto::envelope_id(&to_first),
            proto::envelope_id(&to_second),
            proto::envelope_id(&to_both)
        ]
    );
    // One ack by the device covers both of its key ids.
    let r2 = srv.ack(&r, &proto::envelope_id(&to_both)).await;
    let a: AckResponse = serde_json::from_slice(&r2.bytes().await.unwrap()).unwrap();
    assert!(a.deleted);
}
