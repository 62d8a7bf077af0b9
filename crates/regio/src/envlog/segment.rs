//! Segment files: their names, making one (the next is made ahead of time on another
//! thread), rewriting a segment's seq floor, erasing deleted bodies in place, and removing
//! segments with nothing left in them.

use super::format::{header_bytes, SEGMENT_HEADER};
use super::index::Segment;
use super::{lock, EnvLog};
use crate::records::{Result, StoreError};
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

pub(super) fn seg_path(dir: &Path, n: u32) -> PathBuf {
    dir.join(format!("{n:08}.zlog"))
}

/// Zeroes `len` bytes at `at` and punches the whole blocks among them out of the file, so the
/// bytes are gone and the space is free (file systems without hole punching get zeros).
pub(super) fn erase(file: &File, at: u64, len: u64) -> std::io::Result<()> {
    const BLOCK: u64 = 4096;
    let end = at + len;
    let inner_start = at.div_ceil(BLOCK) * BLOCK;
    let inner_end = end / BLOCK * BLOCK;
    let punched = inner_start < inner_end
        && rustix::fs::fallocate(
            file,
            rustix::fs::FallocateFlags::PUNCH_HOLE | rustix::fs::FallocateFlags::KEEP_SIZE,
            inner_start,
            inner_end - inner_start,
        )
        .is_ok();
    let zero = |from: u64, to: u64| -> std::io::Result<()> {
        let zeros = [0u8; 64 * 1024];
        let mut at = from;
        while at < to {
            let n = ((to - at) as usize).min(zeros.len());
            file.write_all_at(&zeros[..n], at)?;
            at += n as u64;
        }
        Ok(())
    };
    if punched {
        zero(at, inner_start.min(end))?;
        zero(inner_end.max(at), end)?;
    } else {
        zero(at, end)?;
    }
    Ok(())
}

pub(super) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

pub(super) fn create_segment(dir: &Path, n: u32, last_seq: u64) -> Result<File> {
    let path = seg_path(dir, n);
    let file = match OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(f) => f,
        // Made before and never written to (a spare from before a restart): reuse it.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let f = OpenOptions::new().read(true).write(true).open(&path)?;
            if f.metadata()?.len() > SEGMENT_HEADER {
                return Err(StoreError::Corrupt("next log segment exists already"));
            }
            f
        }
        Err(e) => return Err(e.into()),
    };
    file.write_all_at(&header_bytes(last_seq), 0)?;
    file.sync_all()?;
    sync_dir(dir)?;
    Ok(file)
}

/// Rewrites a segment's seq floor (header only) and makes it durable.
pub(super) fn write_floor(file: &File, last_seq: u64) -> std::io::Result<()> {
    file.write_all_at(&header_bytes(last_seq), 0)?;
    file.sync_data()
}

impl EnvLog {
    /// Starts making the next segment once this one is three quarters full, and switches to
    /// it once this one is full. Its seq floor is rewritten (and synced) at the switch, since
    /// seqs were handed out after it was made.
    pub(super) fn roll_if_full(&self) -> Result<()> {
        let mut w = lock(&self.writer);
        let n = w.seg + 1;
        if w.spare.is_none() && w.len >= self.segment_target / 4 * 3 {
            let (dir, floor) = (self.dir.clone(), w.next_seq - 1);
            w.spare = std::thread::Builder::new()
                .name("regio-segment".into())
                .spawn(move || create_segment(&dir, n, floor))
                .ok();
        }
        if w.len < self.segment_target {
            return Ok(());
        }
        let made = match w.spare.take() {
            Some(job) => job
                .join()
                .unwrap_or(Err(StoreError::Corrupt("segment thread panicked"))),
            None => create_segment(&self.dir, n, w.next_seq - 1),
        };
        let file = match made.and_then(|f| {
            write_floor(&f, w.next_seq - 1)?;
            Ok(f)
        }) {
            Ok(f) => Arc::new(f),
            Err(e) => {
                self.poisoned.store(true, Ordering::SeqCst);
                return Err(e);
            }
        };
        self.write_index().segs.insert(
            n,
            Segment {
                file: file.clone(),
                envelopes: 0,
                max_seen: 0,
            },
        );
        w.seg = n;
        w.file = file;
        w.len = SEGMENT_HEADER;
        Ok(())
    }

    /// Removes the oldest segments while they hold no envelope and no signature that may
    /// still be replayed (never the newest).
    pub(super) fn drop_dead_segments(&self) -> Result<()> {
        let mut removed = false;
        loop {
            let mut index = self.write_index();
            let newest = index.segs.keys().next_back().copied();
            let Some((&n, s)) = index.segs.iter().next() else {
                break;
            };
            let cutoff = self.seen_cutoff.load(Ordering::SeqCst);
            if Some(n) == newest || s.envelopes > 0 || (s.max_seen > 0 && s.max_seen >= cutoff) {
                break;
            }
            index.segs.remove(&n);
            drop(index);
            match std::fs::remove_file(seg_path(&self.dir, n)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
            removed = true;
        }
        if removed {
            sync_dir(&self.dir)?;
        }
        Ok(())
    }

    /// Waits for a spare segment being made (so that nothing writes to the directory after
    /// the log is closed).
    pub(super) fn finish_spare(&self) {
        if let Some(job) = lock(&self.writer).spare.take() {
            let _ = job.join();
        }
    }
}

impl Drop for EnvLog {
    fn drop(&mut self) {
        self.finish_spare();
    }
}
