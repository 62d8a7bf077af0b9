//! The one integration-test binary of zicht-bundle (modules below).

mod common;
mod errors;
mod mutations;
mod recipients;
mod reference;
mod roundtrip;
mod vectors;
