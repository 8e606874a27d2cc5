#![doc = include_str!("../README.md")]

pub mod hooks;
#[rustfmt::skip]
mod operation;
mod integer;
mod sensitive;
mod timestamp;

pub use integer::LenientInteger;
pub use operation::{Operation, UnknownOperation};
pub use sensitive::Sensitive;
pub use timestamp::{LenientTimestamp, TimestampError};

#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused_imports, unreachable_patterns, rustdoc::all)]
mod generated;

pub use generated::*;
