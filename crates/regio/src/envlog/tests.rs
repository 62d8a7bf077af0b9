//! The log against a model (a `BTreeMap`), with reopens and crashes in between; torn
//! tails cut at every length; erasure of delivered bodies.
use super::format::{read_header, SEGMENT_HEADER};
use super::segment::seg_path;
use super::*;
use crate::records::AckOutcome;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::OpenOptions;
use zicht_protocol::Receipt;

const KIDS: [[u8; 16]; 3] = [[1; 16], [2; 16], [3; 16]];

fn body_of(n: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| n ^ (i as u8).wrapping_mul(7) | 0x80)
        .collect()
}

fn new_env(n: u8, kids: &[[u8; 16]], len: usize, at_ms: i64) -> NewEnvelope {
    let body = body_of(n, len);
    let id = *blake3::hash(&body).as_bytes();
    NewEnvelope {
        id,
        recipients: kids.to_vec(),
        receipt: Receipt {
            version: 1,
            id: hex::encode(id),
            size: body.len() as u64,
            received_at_ms: at_ms,
            uploader: "00".repeat(16),
            recipients: kids.iter().map(hex::encode).collect(),
            endpoint_key: "11".repeat(32),
            signature: "22".repeat(64),
        },
        body,
    }
}

/// One round: write, sync, publish.
fn round(log: &EnvLog, ops: Vec<Op>) -> Vec<Outcome> {
    let mut p = log.write(ops).unwrap();
    log.sync().unwrap();
    log.publish(&mut p).unwrap();
    p.outcomes()
}

#[derive(Debug, Clone)]
enum Step {
    /// Envelope `n` (of 6) to the recipients in the mask, body of that length.
    Put(u8, u8, usize),
    Ack(u8, u8),
    Delete(u8),
    Reopen,
    /// Written but not synced, then the process dies and the file loses the tail of
    /// the round from byte `cut` (in per-mille of the round) on.
    Crash(u8, u16),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u8..6, 1u8..8, 0usize..3000).prop_map(|(n, m, l)| Step::Put(n, m, l)),
        3 => (0u8..6, 0u8..3).prop_map(|(n, k)| Step::Ack(n, k)),
        1 => (0u8..6).prop_map(Step::Delete),
        1 => Just(Step::Reopen),
        1 => (0u8..6, 0u16..1001).prop_map(|(n, c)| Step::Crash(n, c)),
    ]
}

#[derive(Debug, Clone)]
struct Model {
    seq: u64,
    kids: Vec<[u8; 16]>,
    acked: BTreeSet<[u8; 16]>,
    body: Vec<u8>,
}

fn check(log: &EnvLog, model: &BTreeMap<[u8; 32], Model>) {
    for kid in KIDS {
        let (got, _, _) = log.inbox(&[kid], 0, 1000);
        let got: Vec<String> = got.into_iter().map(|m| m.receipt.id).collect();
        let mut want: Vec<(u64, String)> = model
            .iter()
            .filter(|(_, m)| {
                m.kids.contains(&kid)
                    && !m.acked.contains(&kid)
                    && !m.kids.iter().all(|k| m.acked.contains(k))
            })
            .map(|(id, m)| (m.seq, hex::encode(id)))
            .collect();
        want.sort();
        let want: Vec<String> = want.into_iter().map(|w| w.1).collect();
        assert_eq!(got, want, "inbox of {kid:?}");
    }
    let mut held = 0;
    for (id, m) in model {
        let meta = log
            .meta(id)
            .expect("envelope in the model but not in the log");
        assert_eq!(meta.seq, m.seq);
        let delivered = m.kids.iter().all(|k| m.acked.contains(k));
        assert_eq!(meta.delivered, delivered);
        if delivered {
            assert_eq!(log.body(id).unwrap(), None);
        } else {
            held += 1;
            assert_eq!(log.body(id).unwrap().as_deref(), Some(&m.body[..]));
        }
    }
    assert_eq!(log.body_count(), held);
    assert_eq!(log.read().envs.len(), model.len());
}

fn run(steps: Vec<Step>) {
    let dir = tempfile::tempdir().unwrap();
    // Tiny segments: rounds roll over to new files all the time.
    let target = 4096;
    let mut log = EnvLog::open(dir.path(), target).unwrap();
    let mut model: BTreeMap<[u8; 32], Model> = BTreeMap::new();
    // Every seq ever handed out and published: a new one must be above all of them.
    let mut max_published = 0u64;
    let mut t = 0i64;
    for s in steps {
        t += 1;
        match s {
            Step::Put(n, mask, len) => {
                let kids: Vec<[u8; 16]> = (0..3)
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| KIDS[i])
                    .collect();
                let e = new_env(n, &kids, len, t);
                let id = e.id;
                let out = round(&log, vec![Op::Put(e)]);
                let Outcome::Put(meta, new) = &out[0] else {
                    panic!()
                };
                assert_eq!(*new, !model.contains_key(&id));
                if *new {
                    assert!(meta.seq > max_published, "seq {} reused", meta.seq);
                    max_published = meta.seq;
                    model.insert(
                        id,
                        Model {
                            seq: meta.seq,
                            kids,
                            acked: BTreeSet::new(),
                            body: body_of(n, len),
                        },
                    );
                } else {
                    assert_eq!(meta.seq, model[&id].seq);
                }
            }
            Step::Ack(n, k) => {
                let id = model.keys().nth(n as usize % model.len().max(1)).copied();
                let Some(id) = id else { continue };
                let out = round(
                    &log,
                    vec![Op::Ack {
                        id,
                        kids: vec![KIDS[k as usize]],
                    }],
                );
                let m = model.get_mut(&id).unwrap();
                let Outcome::Ack(a) = out[0] else { panic!() };
                if m.kids.contains(&KIDS[k as usize]) {
                    m.acked.insert(KIDS[k as usize]);
                    let all = m.kids.iter().all(|k| m.acked.contains(k));
                    assert_eq!(a, AckOutcome::Acked { deleted: all });
                } else {
                    assert_eq!(a, AckOutcome::NotFound);
                }
            }
            Step::Delete(n) => {
                let id = model.keys().nth(n as usize % model.len().max(1)).copied();
                let Some(id) = id else { continue };
                let out = round(&log, vec![Op::Delete { id }]);
                assert!(matches!(out[0], Outcome::Delete(true)));
                model.remove(&id);
            }
            Step::Reopen => {
                drop(log);
                log = EnvLog::open(dir.path(), target).unwrap();
            }
            Step::Crash(n, cut) => {
                let e = new_env(n.wrapping_add(100), &KIDS[..1], 500, t);
                let before = {
                    let w = lock(&log.writer);
                    (w.seg, w.len)
                };
                let _ = log.write(vec![Op::Put(e)]).unwrap();
                let (seg, after) = {
                    let w = lock(&log.writer);
                    (w.seg, w.len)
                };
                assert_eq!(seg, before.0);
                drop(log);
                let keep = before.1 + (after - before.1) * cut as u64 / 1000;
                let f = OpenOptions::new()
                    .write(true)
                    .open(seg_path(dir.path(), seg))
                    .unwrap();
                f.set_len(keep).unwrap();
                drop(f);
                log = EnvLog::open(dir.path(), target).unwrap();
                if keep == after {
                    // The whole round reached the disk: it counts, as after a sync.
                    let id = *blake3::hash(&body_of(n.wrapping_add(100), 500)).as_bytes();
                    if let Some(meta) = log.meta(&id) {
                        max_published = max_published.max(meta.seq);
                        model.entry(id).or_insert(Model {
                            seq: meta.seq,
                            kids: KIDS[..1].to_vec(),
                            acked: BTreeSet::new(),
                            body: body_of(n.wrapping_add(100), 500),
                        });
                    }
                }
            }
        }
        check(&log, &model);
    }
    // Whatever was deleted: at most the segments holding live envelopes, plus the newest.
    let live: BTreeSet<u32> = log.read().envs.values().map(|e| e.seg).collect();
    let oldest_live = live.iter().next().copied();
    for n in log.read().segs.keys() {
        if let Some(o) = oldest_live {
            assert!(
                *n >= o,
                "segment {n} older than every live envelope is still there"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
    #[test]
    fn the_log_behaves_like_a_map_across_reopens_and_crashes(
        steps in proptest::collection::vec(step(), 1..60)
    ) {
        run(steps);
    }
}

#[test]
fn a_torn_last_round_is_cut_at_every_length() {
    let dir = tempfile::tempdir().unwrap();
    let log = EnvLog::open(dir.path(), SEGMENT_TARGET).unwrap();
    let a = new_env(1, &KIDS[..2], 700, 1);
    let a_id = a.id;
    round(&log, vec![Op::Put(a)]);
    let start = lock(&log.writer).len;
    let b = new_env(2, &KIDS[..1], 900, 2);
    let b_id = b.id;
    let _ = log.write(vec![
        Op::Put(b),
        Op::Ack {
            id: a_id,
            kids: vec![KIDS[0]],
        },
    ]);
    let end = lock(&log.writer).len;
    drop(log);
    let path = seg_path(dir.path(), 1);
    let full = std::fs::read(&path).unwrap();
    for keep in start..=end {
        std::fs::write(&path, &full[..keep as usize]).unwrap();
        let log = EnvLog::open(dir.path(), SEGMENT_TARGET).unwrap();
        assert_eq!(log.meta(&a_id).map(|m| m.seq), Some(1), "cut at {keep}");
        let complete = keep == end;
        assert_eq!(log.meta(&b_id).is_some(), complete, "cut at {keep}");
        let (inbox, _, _) = log.inbox(&[KIDS[0]], 0, 10);
        // The ack of `a` by KIDS[0] was in the torn round too.
        let want = if complete { b_id } else { a_id };
        let ids: Vec<String> = inbox.into_iter().map(|m| m.receipt.id).collect();
        assert_eq!(ids, vec![hex::encode(want)], "cut at {keep}");
        assert_eq!(log.durable_seq(), if complete { 2 } else { 1 });
        // The torn bytes are gone from the file, so the next round starts clean.
        let len = std::fs::metadata(&path).unwrap().len();
        assert_eq!(len, if complete { end } else { start }, "cut at {keep}");
    }
}

#[test]
fn a_flipped_byte_in_the_last_round_drops_it_and_elsewhere_refuses_to_open() {
    let dir = tempfile::tempdir().unwrap();
    let log = EnvLog::open(dir.path(), SEGMENT_TARGET).unwrap();
    let a = new_env(1, &KIDS[..1], 300, 1);
    let a_id = a.id;
    round(&log, vec![Op::Put(a)]);
    let start = lock(&log.writer).len;
    let b = new_env(2, &KIDS[..1], 300, 2);
    let b_id = b.id;
    round(&log, vec![Op::Put(b)]);
    let end = lock(&log.writer).len;
    let a_body = log.read().envs[&a_id].body_at;
    let a_body = a_body..a_body + 300;
    drop(log);
    let path = seg_path(dir.path(), 1);
    let full = std::fs::read(&path).unwrap();
    for at in (SEGMENT_HEADER..end).step_by(7) {
        let mut bytes = full.clone();
        bytes[at as usize] ^= 0x40;
        std::fs::write(&path, &bytes).unwrap();
        match EnvLog::open(dir.path(), SEGMENT_TARGET) {
            Ok(log) if a_body.contains(&at) => {
                // A body has no checksum of its own in the log: it is checked against its
                // id when it is read, and never served damaged.
                assert!(matches!(log.body(&a_id), Err(StoreError::Corrupt(_))));
                assert!(log.meta(&b_id).is_some());
            }
            Ok(log) => {
                // Only the last round may be dropped, and only if the flip was in it.
                assert!(at >= start, "flip at {at} in an earlier round was accepted");
                assert!(log.meta(&a_id).is_some());
                assert!(log.meta(&b_id).is_none(), "flip at {at} not noticed");
            }
            Err(e) => {
                assert!(at < start, "flip at {at} in the last round refused: {e}");
                assert!(matches!(e, StoreError::Corrupt(_)), "{e}");
            }
        }
    }
}

#[test]
fn delivered_and_swept_bodies_leave_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let log = EnvLog::open(dir.path(), SEGMENT_TARGET).unwrap();
    let a = new_env(1, &KIDS[..2], 20_000, 1);
    let b = new_env(2, &KIDS[..1], 9_000, 2);
    let (a_id, b_id) = (a.id, b.id);
    let (a_body, b_body) = (a.body.clone(), b.body.clone());
    round(&log, vec![Op::Put(a), Op::Put(b)]);
    let file = seg_path(dir.path(), 1);
    let has = |needle: &[u8]| {
        std::fs::read(&file)
            .unwrap()
            .windows(64)
            .any(|w| w == &needle[5000..5064])
    };
    assert!(has(&a_body) && has(&b_body));
    round(
        &log,
        vec![Op::Ack {
            id: a_id,
            kids: vec![KIDS[0]],
        }],
    );
    assert!(has(&a_body), "one of two recipients acked: the body stays");
    round(
        &log,
        vec![Op::Ack {
            id: a_id,
            kids: vec![KIDS[1]],
        }],
    );
    assert!(!has(&a_body), "delivered: the body must be gone");
    round(&log, vec![Op::Delete { id: b_id }]);
    assert!(!has(&b_body), "swept: the body must be gone");
    // The receipt record of the delivered one stays (a repeated upload gets it back).
    drop(log);
    let log = EnvLog::open(dir.path(), SEGMENT_TARGET).unwrap();
    assert!(log.meta(&a_id).unwrap().delivered);
    assert_eq!(log.body(&a_id).unwrap(), None);
    assert!(log.meta(&b_id).is_none());
}

#[test]
fn swept_segments_are_removed_and_seqs_never_go_back() {
    let dir = tempfile::tempdir().unwrap();
    let log = EnvLog::open(dir.path(), 1024).unwrap();
    let mut ids = Vec::new();
    for n in 0..10 {
        let e = new_env(n, &KIDS[..1], 2000, n as i64);
        ids.push(e.id);
        round(&log, vec![Op::Put(e)]);
    }
    assert!(log.segment_count() >= 10);
    for id in &ids {
        round(&log, vec![Op::Delete { id: *id }]);
    }
    assert_eq!(log.segment_count(), 1, "only the newest segment stays");
    drop(log);
    let log = EnvLog::open(dir.path(), 1024).unwrap();
    assert_eq!(log.durable_seq(), 10);
    let out = round(&log, vec![Op::Put(new_env(50, &KIDS[..1], 10, 99))]);
    let Outcome::Put(meta, true) = &out[0] else {
        panic!()
    };
    assert_eq!(
        meta.seq, 11,
        "the seq counter went back after its segments were removed"
    );
}

#[test]
fn seen_signatures_survive_a_reopen_and_hold_their_segment_until_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let log = EnvLog::open(dir.path(), 1024).unwrap();
    assert!(log.note_seen(1000, &[7; 64]));
    assert!(!log.note_seen(1000, &[7; 64]), "a replay must be refused");
    assert!(
        log.note_seen(1000, &[8; 64]),
        "another signature is not a replay"
    );
    assert!(log.seen_pending());
    // A round with no ops writes them (the commit thread runs one when idle).
    round(&log, Vec::new());
    assert!(!log.seen_pending());
    // Fill a few segments, so the one with the signatures is no longer the newest.
    let mut ids = Vec::new();
    for n in 0..4 {
        let e = new_env(n, &KIDS[..1], 2000, 5);
        ids.push(e.id);
        round(&log, vec![Op::Put(e)]);
    }
    for id in &ids {
        round(&log, vec![Op::Delete { id: *id }]);
    }
    assert!(
        log.segment_count() >= 2,
        "the segment with the signatures must stay"
    );
    drop(log);

    let log = EnvLog::open(dir.path(), 1024).unwrap();
    assert!(
        !log.note_seen(1000, &[7; 64]),
        "replay accepted after a reopen"
    );
    assert!(
        !log.note_seen(1000, &[8; 64]),
        "replay accepted after a reopen"
    );
    // Not yet past their time: forgetting older ones keeps them and their segment.
    assert_eq!(log.forget_seen(1000).unwrap(), 0);
    assert!(log.segment_count() >= 2);
    assert_eq!(log.forget_seen(1001).unwrap(), 2);
    assert_eq!(log.segment_count(), 1);
    // The segment was removed and the signature is gone, but the cutoff is kept on disk: a
    // request signed before it counts as a replay, also after a reopen (finding 5).
    drop(log);
    let log = EnvLog::open(dir.path(), 1024).unwrap();
    assert!(
        !log.note_seen(1000, &[7; 64]),
        "a forgotten signature came back after a reopen"
    );
    assert!(!log.note_seen(1000, &[9; 64]), "before the cutoff");
    assert!(log.note_seen(1001, &[9; 64]), "from the cutoff on");
}

#[test]
fn a_spare_segment_after_a_torn_round_does_not_make_it_corruption() {
    // Regression: with the next segment made ahead of time, the segment being written is
    // no longer the newest file; its torn last round must still be cut, not refused.
    let dir = tempfile::tempdir().unwrap();
    let log = EnvLog::open(dir.path(), 4096).unwrap();
    let a = new_env(1, &KIDS[..1], 3200, 1);
    let a_id = a.id;
    round(&log, vec![Op::Put(a)]);
    log.finish_spare();
    assert!(seg_path(dir.path(), 2).exists(), "the spare was not made");
    let start = lock(&log.writer).len;
    let b = new_env(2, &KIDS[..1], 300, 2);
    let b_id = b.id;
    let _ = log.write(vec![Op::Put(b)]).unwrap();
    let end = lock(&log.writer).len;
    drop(log);
    let f = OpenOptions::new()
        .write(true)
        .open(seg_path(dir.path(), 1))
        .unwrap();
    f.set_len(start + (end - start) / 2).unwrap();
    drop(f);
    let log = EnvLog::open(dir.path(), 4096).unwrap();
    assert!(log.meta(&a_id).is_some());
    assert!(log.meta(&b_id).is_none());
    assert_eq!(log.durable_seq(), 1);
    // The spare is the segment written to from now on, and its floor covers seq 1.
    let out = round(&log, vec![Op::Put(new_env(3, &KIDS[..1], 10, 3))]);
    let Outcome::Put(meta, true) = &out[0] else {
        panic!()
    };
    assert_eq!(meta.seq, 2);
    assert_eq!(lock(&log.writer).seg, 2);
    let floor = read_header(
        &OpenOptions::new()
            .read(true)
            .open(seg_path(dir.path(), 2))
            .unwrap(),
    );
    assert_eq!(floor, Some(1));
}
