//! State-independent helpers: everything here is plain Rust, unit-tested on the host.

pub mod case;
pub mod checklist;
pub mod exchange;
pub mod fields;
pub mod filter;
pub mod form;
pub mod format;
pub mod keys;
pub mod route_text;
