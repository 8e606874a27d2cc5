//! The commands of the `finhub` binary, also usable as a library (the
//! benchmarks run [`onboard::journey_once`]).

pub mod onboard;
pub mod sandbox;
pub mod state;
pub mod validate;
