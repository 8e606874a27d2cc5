//! The FinHub client that downstream services hold: configured once, it
//! injects FinHub's headers, manages admin and customer sessions, validates
//! requests before they leave the process and maps every failure to one
//! typed error.
//!
//! It is built on the generated client of [`finhub_api`], re-exported here as
//! [`api`].

pub use finhub_api as api;

pub mod builders;
pub mod validation;
