//! Integration tests of zicht-figures: one binary, one module per subject.

mod attacker;
mod periods;
mod properties;
mod suppression;
mod tables;
