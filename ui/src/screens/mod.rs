//! One module per screen.

pub mod audit;
pub mod cards;
pub mod case_detail;
pub mod cases;
pub mod control;
pub mod detail;
pub mod exchange;
pub mod incoming;
pub mod monitor;
pub mod nav;
pub mod route;
pub mod settings;
pub mod setup;
pub mod signal_form;
pub mod signals;
pub mod unlock;
