//! State-independent helpers: everything here is plain Rust, unit-tested on the host.

pub mod audit;
pub mod case;
pub mod chart;
pub mod checklist;
pub mod control;
pub mod errors;
pub mod exchange;
pub mod fields;
pub mod filter;
pub mod form;
pub mod format;
pub mod incoming;
pub mod keys;
pub mod monitor;
pub mod passphrase;
pub mod retention;
pub mod route_edit;
pub mod route_text;
pub mod settings;
