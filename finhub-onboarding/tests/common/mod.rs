//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod conformance;
#[cfg(feature = "postgres")]
pub mod postgres;
