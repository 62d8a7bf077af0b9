//! What one device may make the endpoint hold: upload quotas per device over a sliding hour,
//! and a budget for the bytes of upload bodies held in memory at once.
//!
//! Both are checked after the request signature and before any body byte is read, so a
//! device over its quota (a stolen laptop scripted to flood, a client bug in a loop) costs
//! the endpoint a signature check and nothing else, and many large uploads at once cannot
//! exhaust its memory: the request is answered `429 quota.exceeded` or `503 endpoint.busy`
//! with `Retry-After`, which a device treats as "try later" (nothing is lost).
//!
//! The counts are in memory: a restart forgets them (at worst a device gets one more hour's
//! quota). Every upload attempt that passes authentication counts, a repeated one too.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Default uploads per device per hour.
pub const DEFAULT_UPLOADS_PER_HOUR: u32 = 3000;
/// Default upload bytes per device per hour.
pub const DEFAULT_BYTES_PER_HOUR: u64 = 2 << 30;
/// Default budget for upload bodies in memory at once (all devices together).
pub const DEFAULT_UPLOAD_MEMORY: u64 = 512 << 20;

const HOUR_MS: i64 = 3600 * 1000;
/// The memory budget is counted in units of this many bytes (a semaphore permit each).
const UNIT: u64 = 64 << 10;

/// The limits (`Config::quota`; `zicht-regio serve --uploads-per-hour`, `--mib-per-hour`,
/// `--upload-memory-mib`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaConfig {
    pub uploads_per_hour: u32,
    pub bytes_per_hour: u64,
    pub upload_memory: u64,
}

impl Default for QuotaConfig {
    fn default() -> Self {
        QuotaConfig {
            uploads_per_hour: DEFAULT_UPLOADS_PER_HOUR,
            bytes_per_hour: DEFAULT_BYTES_PER_HOUR,
            upload_memory: DEFAULT_UPLOAD_MEMORY,
        }
    }
}

/// Why an upload may not start now, and in how many seconds to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The device's hourly quota is used up.
    Quota { retry_after_s: u64 },
    /// The memory budget for upload bodies is taken by other uploads.
    Busy,
}

/// (time in ms, bytes) of each upload of one device in the last hour, oldest first.
type Window = VecDeque<(i64, u64)>;

pub struct Quotas {
    cfg: QuotaConfig,
    used: Mutex<HashMap<[u8; 16], Window>>,
    memory: Arc<Semaphore>,
    /// Per device: bytes of bodies it is sending now.
    held: Arc<Mutex<HashMap<[u8; 16], u64>>>,
}

/// Memory reserved for one upload's body; given back when dropped.
#[derive(Debug)]
pub struct Hold {
    _permit: OwnedSemaphorePermit,
    device: [u8; 16],
    bytes: u64,
    held: Arc<Mutex<HashMap<[u8; 16], u64>>>,
}

impl Drop for Hold {
    fn drop(&mut self) {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = held.get_mut(&self.device) {
            *n = n.saturating_sub(self.bytes);
            if *n == 0 {
                held.remove(&self.device);
            }
        }
    }
}

impl Quotas {
    pub fn new(cfg: QuotaConfig) -> Quotas {
        let units = cfg.upload_memory.div_ceil(UNIT).clamp(1, u32::MAX as u64) as usize;
        Quotas {
            cfg,
            used: Mutex::new(HashMap::new()),
            memory: Arc::new(Semaphore::new(units)),
            held: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Counts an upload of `bytes` by `device` at `now_ms` if its quota allows it.
    pub fn charge(&self, device: [u8; 16], now_ms: i64, bytes: u64) -> Result<(), Refusal> {
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        let q = used.entry(device).or_default();
        while q.front().is_some_and(|&(at, _)| at <= now_ms - HOUR_MS) {
            q.pop_front();
        }
        let sum: u64 = q.iter().map(|&(_, b)| b).sum();
        let over_count = q.len() as u64 >= u64::from(self.cfg.uploads_per_hour);
        let over_bytes = sum.saturating_add(bytes) > self.cfg.bytes_per_hour;
        if over_count || over_bytes {
            // When enough of the hour's uploads have aged out; at least a second.
            let oldest = q.front().map_or(now_ms, |&(at, _)| at);
            let retry_after_s = ((oldest + HOUR_MS - now_ms).max(1000) as u64).div_ceil(1000);
            return Err(Refusal::Quota { retry_after_s });
        }
        q.push_back((now_ms, bytes));
        Ok(())
    }

    /// Reserves memory for `device`'s body of up to `bytes` (the declared length, or the
    /// route's limit when none is declared); released when the [`Hold`] is dropped. One device
    /// may hold at most a quarter of the budget (but always one body), so a few stalled uploads
    /// of one device cannot keep every other device out.
    pub fn hold(&self, device: [u8; 16], bytes: u64) -> Result<Hold, Refusal> {
        let want = bytes.div_ceil(UNIT).clamp(1, u32::MAX as u64) as u32;
        // A body larger than the whole budget can never start: it takes the whole budget.
        let want = want.min(self.memory_units());
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        let mine = held.get(&device).copied().unwrap_or(0);
        let share = (self.cfg.upload_memory / 4).max(UNIT);
        if mine > 0 && mine + u64::from(want) * UNIT > share {
            return Err(Refusal::Busy);
        }
        let permit = self
            .memory
            .clone()
            .try_acquire_many_owned(want)
            .map_err(|_| Refusal::Busy)?;
        let bytes = u64::from(want) * UNIT;
        *held.entry(device).or_default() += bytes;
        Ok(Hold {
            _permit: permit,
            device,
            bytes,
            held: self.held.clone(),
        })
    }

    /// Bytes reserved by uploads in progress (in units of 64 KiB).
    pub fn held(&self) -> u64 {
        (self.memory_units() as u64 - self.memory.available_permits() as u64) * UNIT
    }

    fn memory_units(&self) -> u32 {
        self.cfg
            .upload_memory
            .div_ceil(UNIT)
            .clamp(1, u32::MAX as u64) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_slides_over_the_hour() {
        let q = Quotas::new(QuotaConfig {
            uploads_per_hour: 3,
            bytes_per_hour: 1000,
            upload_memory: 1 << 20,
        });
        let d = [1; 16];
        let t = 1_000_000;
        // (at ms after t, bytes, expected)
        let steps: &[(i64, u64, Result<(), Refusal>)] = &[
            (0, 100, Ok(())),
            (10, 100, Ok(())),
            (20, 100, Ok(())),
            (
                30,
                1,
                Err(Refusal::Quota {
                    retry_after_s: 3600,
                }),
            ),
            // The first one ages out.
            (HOUR_MS, 100, Ok(())),
            // The next one ages out in 5 ms: try again in a second.
            (HOUR_MS + 5, 1, Err(Refusal::Quota { retry_after_s: 1 })),
            (2 * HOUR_MS, 901, Ok(())),
            // Bytes: 901 + 100 is over 1000.
            (
                2 * HOUR_MS + 1,
                100,
                Err(Refusal::Quota {
                    retry_after_s: 3600,
                }),
            ),
        ];
        for (i, &(at, bytes, expected)) in steps.iter().enumerate() {
            assert_eq!(q.charge(d, t + at, bytes), expected, "step {i}");
        }
        // Another device has its own quota.
        assert_eq!(q.charge([2; 16], t + 2 * HOUR_MS + 1, 100), Ok(()));
    }

    #[test]
    fn bodies_in_memory_stay_within_the_budget() {
        let q = Quotas::new(QuotaConfig {
            upload_memory: 4 * UNIT,
            ..QuotaConfig::default()
        });
        let (d1, d2, d3) = ([1; 16], [2; 16], [3; 16]);
        let a = q.hold(d1, 3 * UNIT).unwrap();
        assert_eq!(q.hold(d2, 2 * UNIT).unwrap_err(), Refusal::Busy);
        let b = q.hold(d2, UNIT).unwrap();
        drop(a);
        // Larger than the budget: waits for all of it, then may start.
        assert_eq!(q.hold(d3, 100 * UNIT).unwrap_err(), Refusal::Busy);
        drop(b);
        assert!(q.hold(d3, 100 * UNIT).is_ok());
    }

    /// Review finding: one device's stalled uploads could take the whole budget.
    #[test]
    fn one_device_holds_at_most_a_quarter_of_the_budget() {
        let q = Quotas::new(QuotaConfig {
            upload_memory: 16 * UNIT,
            ..QuotaConfig::default()
        });
        let d = [1; 16];
        let first = q.hold(d, 3 * UNIT).unwrap();
        assert_eq!(
            q.hold(d, 2 * UNIT).unwrap_err(),
            Refusal::Busy,
            "3 + 2 > 4 units"
        );
        let _one = q.hold(d, UNIT).unwrap();
        let other = q.hold([2; 16], 8 * UNIT);
        assert!(other.is_ok(), "others still get in");
        drop(first);
        assert_eq!(q.held(), 8 * UNIT + UNIT);
        // A single body larger than the share may still start alone.
        let solo = Quotas::new(QuotaConfig {
            upload_memory: 16 * UNIT,
            ..QuotaConfig::default()
        });
        assert!(solo.hold(d, 10 * UNIT).is_ok());
    }
}
