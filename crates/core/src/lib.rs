//! The Zicht engine: everything that is not a window.
//!
//! - [`Zicht`]: a device's store and session (setup, unlock, lock, idle lock).
//! - signals, controls, drafts, settings: methods on [`Zicht`], validated by [`validate`].
//! - [`cards`]: signaalkaarten validation and search; [`route`]: meldroute validation and advice.
//! - cases, binnengekomen and the regional table's decision (methods on [`Zicht`], modules
//!   `case` and `incoming`); [`audit`]: the hash-chained audit trail; [`retention`]: deadlines
//!   and the purge.
//! - storage: [`kv`] (the only sled code) → [`vault`] (sealed records) → [`crypto`] (ring).
//!
//! The current time is always passed in by the caller.

pub mod assets;
pub mod audit;
pub mod cards;
mod case;
pub mod crypto;
pub mod directory;
pub mod error;
mod exchange;
mod fsutil;
pub mod identity;
mod incoming;
pub mod index;
pub mod kv;
pub mod retention;
pub mod route;
pub mod sync;
pub mod validate;
pub mod vault;
mod zicht;

pub use error::{CoreError, Result};
pub use zicht::{unlock_delay_secs, Now, Zicht, SCHEMA_VERSION};
