//! Integration tests of zicht-core (one test binary, modules per area — the ripgrep habit).

mod cards;
mod common;
mod crash;
mod exchange;
mod model;
mod plaintext;
mod route;
mod session;
mod signals;
mod sync;
