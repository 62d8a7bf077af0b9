//! When to try the endpoint again: exponential back-off with jitter, reset by success.

use super::*;

/// Delay before the next round. Online: poll every 15 s (at once when the last round hit the
/// upload limit, so a long outbox drains quickly). Offline: exponential back-off from 5 s,
/// doubling, capped at 5 minutes (the base; [`jittered`] spreads it ±20 % so that many devices
/// coming back online do not hit the endpoint in step). States that need the user (clock,
/// enrolment, wrong endpoint) retry at the cap.
pub fn next_delay(status: &SyncStatus, previous: Duration) -> Duration {
    const BASE: Duration = Duration::from_secs(5);
    const CAP: Duration = Duration::from_secs(300);
    match status.state {
        SyncState::Online if status.sent >= MAX_UPLOADS_PER_ROUND => Duration::ZERO,
        SyncState::Online | SyncState::Wacht => Duration::from_secs(15),
        SyncState::Offline => {
            if previous < BASE {
                BASE
            } else {
                (previous * 2).min(CAP)
            }
        }
        SyncState::NietIngesteld => Duration::from_secs(30),
        _ => CAP,
    }
}

/// A uniform random number in `0.0..1.0` for [`jittered`], from the system's CSPRNG (not the
/// clock: on some systems its low digits are always zero, and devices would wait in step).
/// 0.5 (no jitter) if the CSPRNG fails.
pub fn random_jitter() -> f64 {
    let mut b = [0u8; 4];
    match ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b) {
        Ok(()) => f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}

/// The delay actually waited: `base` ±20 % (`jitter` in 0.0..=1.0). The caller keeps `base`
/// for the next [`next_delay`], so jitter never compounds.
pub fn jittered(base: Duration, jitter: f64) -> Duration {
    base.mul_f64(0.8 + 0.4 * jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(state: SyncState, sent: usize) -> SyncStatus {
        SyncStatus {
            state,
            message: String::new(),
            at: None,
            sent,
            received: 0,
            rejected: 0,
        }
    }

    #[test]
    /// Regression guard (review finding): the jitter came from the clock's sub-second
    /// nanoseconds modulo 1000, always 0 where the clock counts microseconds.
    fn jitter_is_spread_over_its_range() {
        let xs: Vec<f64> = (0..2000).map(|_| random_jitter()).collect();
        assert!(xs.iter().all(|x| (0.0..1.0).contains(x)));
        for (lo, hi) in [(0.0, 0.25), (0.25, 0.5), (0.5, 0.75), (0.75, 1.0)] {
            let n = xs.iter().filter(|x| (lo..hi).contains(*x)).count();
            assert!((350..650).contains(&n), "{n} of 2000 in {lo}..{hi}");
        }
    }

    #[test]
    fn backoff_doubles_to_the_cap_and_jitter_does_not_compound() {
        let off = st(SyncState::Offline, 0);
        for jitter in [0.0, 0.5, 1.0] {
            let mut base = Duration::ZERO;
            let mut waited = Vec::new();
            for _ in 0..10 {
                base = next_delay(&off, base);
                waited.push(jittered(base, jitter).as_secs());
            }
            let expect: Vec<u64> = [5u64, 10, 20, 40, 80, 160, 300, 300, 300, 300]
                .iter()
                .map(|s| (*s as f64 * (0.8 + 0.4 * jitter)).round() as u64)
                .collect();
            assert_eq!(waited, expect, "jitter {jitter}");
        }
        assert_eq!(
            next_delay(&st(SyncState::Online, 3), Duration::from_secs(300)),
            Duration::from_secs(15)
        );
        assert_eq!(
            next_delay(
                &st(SyncState::Online, MAX_UPLOADS_PER_ROUND),
                Duration::ZERO
            ),
            Duration::ZERO
        );
        assert_eq!(
            next_delay(&st(SyncState::KlokAfwijking, 0), Duration::ZERO),
            Duration::from_secs(300)
        );
        assert_eq!(
            jittered(Duration::from_secs(300), 1.0),
            Duration::from_secs(360)
        );
    }
}
