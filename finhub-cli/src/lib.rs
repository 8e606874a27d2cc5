//! The commands of the `finhub` binary, also usable as a library (the
//! benchmarks run [`onboard::journey_once`]).

pub mod batch;
pub mod credentials;
pub mod limited_read;
pub mod onboard;
pub mod sandbox;
pub mod secrets;
pub mod state;
pub mod validate;
