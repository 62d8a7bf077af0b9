//! The Zicht engine: everything that is not a window.
//!
//! [`Zicht`] is one device's store and session; its methods live with their domain:
//!
//! - [`session`](Zicht::open): open, set up, unlock, lock, idle lock;
//! - `signals`: signals, adviesvragen, field controls, the draft being typed;
//! - `catalog`: settings, signal cards ([`cards`]), the meldroute and its advice ([`route`]);
//! - `case`: cases, their steps, forwarding to the regional table; `exposure`: what may leave
//!   the municipality (legal basis, need to know);
//! - `region`: the signed participant directory ([`directory`]); `outbox` and `inbox`: sealing
//!   and opening bundles; `incoming`: what arrived (binnengekomen) and the table's decision;
//! - [`sync`]: the endpoint client; `housekeeping`: the [`audit`] trail and [`retention`];
//! - [`monitor`]: the figures on nature and scale (*aard en omvang*), from the [`facts`] of
//!   the records and the [`ledger`] of purged ones, protected by `zicht-figures`.
//!
//! Below them: [`schema`] (every tree and key) → `vault` (sealed records) → `kv` (the only
//! sled code) and `crypto` (ring); `index` is the in-memory signal index.
//!
//! The current time is always passed in by the caller ([`Now`]).

pub mod assets;
pub mod audit;
pub mod cards;
mod case;
mod catalog;
mod crypto;
pub mod directory;
pub mod error;
mod exposure;
pub mod facts;
mod fsutil;
mod housekeeping;
pub mod identity;
mod ids;
mod inbox;
mod incoming;
mod index;
mod kv;
pub mod ledger;
pub mod monitor;
mod outbox;
mod region;
pub mod retention;
pub mod route;
pub mod schema;
mod session;
mod signals;
pub mod sync;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod validate;
mod vault;

pub use error::{CoreError, Result};
pub use ids::Now;
pub use outbox::PAYLOAD_VERSION;
pub use schema::SCHEMA_VERSION;
pub use session::{unlock_delay_secs, Zicht};
