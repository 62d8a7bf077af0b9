//! Record ids and the caller's time. Nothing in the core reads the clock: every operation
//! that needs the time takes a [`Now`] from the caller (the shell).

use crate::error::{CoreError, Result};
use chrono::{DateTime, FixedOffset};
use uuid::Uuid;

/// The current time, with the user's UTC offset (wall time for records, instant for delays).
pub type Now = DateTime<FixedOffset>;

/// The store key of a record id (a UUID); an id that is not one is simply not found.
pub(crate) fn parse_id(id: &str) -> Result<[u8; 16]> {
    Uuid::parse_str(id)
        .map(|u| *u.as_bytes())
        .map_err(|_| CoreError::NotFound)
}

/// A new record id: a UUID v7 from `now`, so ids sort by creation time.
pub(crate) fn new_id(now: &Now) -> Uuid {
    let ts = uuid::Timestamp::from_unix(
        uuid::NoContext,
        now.timestamp().max(0) as u64,
        now.timestamp_subsec_nanos(),
    );
    Uuid::new_v7(ts)
}
