//! Integration tests of zicht-core (one test binary, modules per area — the ripgrep habit).

mod audit;
mod cards;
mod cases;
mod common;
mod crash;
mod examples;
mod exchange;
mod hardening;
mod model;
mod monitor;
mod plaintext;
mod retention;
mod route;
mod session;
mod signals;
mod sync;
