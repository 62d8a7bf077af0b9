//! Recovery: [`EnvLog::open`] replays every segment into the index and cuts off a torn last
//! round (the rules are in the module doc of `envlog`). [`apply`] is how a round's records
//! change the index: the same code at open and when a live round is published.

use super::format::{crc, last_round_start, read_header, read_record, Rec, SEGMENT_HEADER};
use super::index::{Index, Seen, SeenKey, Segment};
use super::segment::{create_segment, erase, seg_path, sync_dir, write_floor};
use super::{EnvLog, Writer};
use crate::records::{Result, StoreError};
use std::collections::HashSet;
use std::fs::OpenOptions;
use std::io::{BufReader, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};
use std::sync::{Arc, Mutex, RwLock};

/// What replaying one complete round does to the index.
/// `max_seq` takes every put's seq, also of envelopes deleted later in the log.
/// `seen` (at open) takes the seen signatures; after a live round they are in it already.
pub(super) fn apply(
    index: &mut Index,
    recs: Vec<Rec>,
    erase_list: &mut Vec<(u32, u64, u64)>,
    max_seq: &mut u64,
    mut seen: Option<&mut HashSet<SeenKey>>,
) {
    for rec in recs {
        match rec {
            Rec::Put { env } => {
                *max_seq = (*max_seq).max(env.meta.seq);
                let id = env.id;
                if !index.envs.contains_key(&id) {
                    index.insert(env);
                }
            }
            Rec::Ack { id, kids } => {
                if let Some(range) = index.ack(&id, &kids) {
                    erase_list.push(range);
                }
            }
            Rec::Delete { id } => {
                if let Some(env) = index.remove(&id) {
                    if !env.delivered() {
                        erase_list.push((env.seg, env.body_at, env.meta.size));
                    }
                }
            }
            Rec::Seen { seg, entries } => {
                if let Some(s) = index.segs.get_mut(&seg) {
                    s.max_seen = entries.iter().map(|e| e.0).fold(s.max_seen, u64::max);
                }
                if let Some(set) = seen.as_deref_mut() {
                    set.extend(entries);
                }
            }
            Rec::RoundEnd { .. } => {}
        }
    }
}

impl EnvLog {
    /// Opens (or creates) the log in `dir`: replays every segment into the index, cuts off a
    /// torn last round, and erases bodies whose deletion is durable but whose erasure a crash
    /// may have interrupted.
    pub fn open(dir: &Path, segment_target: u64) -> Result<EnvLog> {
        std::fs::create_dir_all(dir)?;
        let mut numbers: Vec<u32> = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let name = entry?.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some(n) = name
                .strip_suffix(".zlog")
                .filter(|s| s.len() == 8)
                .and_then(|s| s.parse::<u32>().ok())
            {
                numbers.push(n);
            }
        }
        numbers.sort_unstable();
        let mut index = Index::default();
        let mut seen: HashSet<SeenKey> = HashSet::new();
        let mut max_seq = 0u64;
        let mut erase_list = Vec::new();
        // The segment whose last round may be torn: the newest one with any round. Newer ones
        // hold only their header (a spare made ahead of time, or one rolled to just before a
        // crash); they are kept for their seq floor.
        let mut with_rounds = None;
        for (i, &n) in numbers.iter().enumerate() {
            if std::fs::metadata(seg_path(dir, n))?.len() > SEGMENT_HEADER {
                with_rounds = Some(i);
            }
        }
        let count = numbers.len();
        for (i, &n) in numbers.iter().enumerate() {
            let last = Some(i) == with_rounds;
            let path = seg_path(dir, n);
            let file = OpenOptions::new().read(true).write(true).open(&path)?;
            let Some(floor) = read_header(&file) else {
                if i + 1 == count {
                    // Made but never written: a crash while starting a segment.
                    drop(file);
                    std::fs::remove_file(&path)?;
                    sync_dir(dir)?;
                    continue;
                }
                return Err(StoreError::Corrupt("log segment header"));
            };
            max_seq = max_seq.max(floor);
            let file = Arc::new(file);
            index.segs.insert(
                n,
                Segment {
                    file: file.clone(),
                    envelopes: 0,
                    max_seen: 0,
                },
            );
            let len = file.metadata()?.len();
            // Where the last round starts, if the file ends with an intact round end: a bad
            // record before that is corruption, not a torn write.
            let tail_start = if last {
                last_round_start(&file, len)
            } else {
                None
            };
            let mut r = BufReader::with_capacity(256 * 1024, &*file);
            r.seek(SeekFrom::Start(SEGMENT_HEADER))?;
            let mut at = SEGMENT_HEADER;
            let mut round_start = at;
            let mut round: Vec<Rec> = Vec::new();
            // The last complete round of the last segment is held back until its CRC is
            // checked (module doc).
            let mut held: Option<(u64, u64, u32, Vec<Rec>)> = None;
            let mut failed = false;
            let mut good_end = at;
            loop {
                match read_record(&mut r, at, len, n) {
                    Ok(None) => break,
                    Ok(Some((rec, end))) => {
                        if let Rec::RoundEnd { crc, start } = rec {
                            if start != round_start {
                                if !last || tail_start.is_some_and(|s| at < s) {
                                    return Err(StoreError::Corrupt("log round start"));
                                }
                                failed = true;
                                break;
                            }
                            let recs = std::mem::take(&mut round);
                            if last {
                                if let Some((_, _, _, prev)) = held.take() {
                                    apply(
                                        &mut index,
                                        prev,
                                        &mut erase_list,
                                        &mut max_seq,
                                        Some(&mut seen),
                                    );
                                }
                                held = Some((round_start, at, crc, recs));
                            } else {
                                apply(
                                    &mut index,
                                    recs,
                                    &mut erase_list,
                                    &mut max_seq,
                                    Some(&mut seen),
                                );
                            }
                            round_start = end;
                            good_end = end;
                        } else {
                            round.push(rec);
                        }
                        at = end;
                    }
                    Err(e) => {
                        if !last || tail_start.is_some_and(|s| at < s) {
                            return Err(e);
                        }
                        failed = true;
                        break;
                    }
                }
            }
            if !last && good_end != len {
                return Err(StoreError::Corrupt("log segment ends inside a round"));
            }
            drop(r);
            if last {
                let mut keep_until = good_end;
                if let Some((start, end, want, recs)) = held {
                    // Only the round the file ends with can be torn; one followed by a torn
                    // round was durable before that was written.
                    let mut bytes = vec![0u8; (end - start) as usize];
                    if !failed && good_end == len {
                        file.read_exact_at(&mut bytes, start)?;
                    }
                    if failed || good_end != len || crc(&[&bytes]) == want {
                        apply(
                            &mut index,
                            recs,
                            &mut erase_list,
                            &mut max_seq,
                            Some(&mut seen),
                        );
                    } else {
                        // Torn: never durable, so never answered or listed; its seqs may be
                        // handed out again.
                        keep_until = start;
                    }
                }
                if keep_until != len {
                    file.set_len(keep_until)?;
                    file.sync_all()?;
                }
            }
        }
        // Recount: `insert` counted only segments already in the map.
        for s in index.segs.values_mut() {
            s.envelopes = 0;
        }
        let segs_of: Vec<u32> = index.envs.values().map(|e| e.seg).collect();
        for seg in segs_of {
            if let Some(s) = index.segs.get_mut(&seg) {
                s.envelopes += 1;
            }
        }
        for (seg, at, len) in erase_list {
            if let Some(s) = index.segs.get(&seg) {
                erase(&s.file, at, len)?;
            }
        }
        let (seg, file, len) = match index.segs.iter().next_back() {
            Some((n, s)) => {
                // The newest segment's floor must cover every seq handed out so far: older
                // segments may all be removed before it gets a put (module doc).
                if read_header(&s.file).is_some_and(|f| f < max_seq) {
                    write_floor(&s.file, max_seq)?;
                }
                (*n, s.file.clone(), s.file.metadata()?.len())
            }
            None => {
                let file = Arc::new(create_segment(dir, 1, max_seq)?);
                index.segs.insert(
                    1,
                    Segment {
                        file: file.clone(),
                        envelopes: 0,
                        max_seen: 0,
                    },
                );
                (1, file, SEGMENT_HEADER)
            }
        };
        for s in index.segs.values() {
            s.file.sync_all()?;
        }
        let bodies = index.envs.values().filter(|e| !e.delivered()).count();
        let log = EnvLog {
            dir: dir.to_path_buf(),
            segment_target,
            index: RwLock::new(index),
            writer: Mutex::new(Writer {
                seg,
                file,
                len,
                next_seq: max_seq + 1,
                scratch: Vec::new(),
                spare: None,
            }),
            durable_seq: AtomicU64::new(max_seq),
            seen: Mutex::new(Seen {
                set: seen,
                pending: Vec::new(),
            }),
            seen_cutoff: AtomicU64::new(super::write::read_cutoff(dir)),
            bodies: AtomicUsize::new(bodies),
            poisoned: AtomicBool::new(false),
        };
        log.drop_dead_segments()?;
        Ok(log)
    }
}
