//! Integration tests of the regional endpoint: a real server on 127.0.0.1:0 in this process,
//! driven over HTTP with reqwest (and raw TCP where a client library would hide the case).

mod common;

mod anchor;
mod auth;
mod durability;
mod enrol;
mod envelopes;
mod inbox;
mod malformed;
mod retention;
