#![doc = include_str!("../README.md")]

pub mod batch;
pub mod credentials;
pub mod limited_read;
pub mod logging;
pub mod onboard;
pub mod sandbox;
pub mod secrets;
pub mod state;
pub mod validate;
