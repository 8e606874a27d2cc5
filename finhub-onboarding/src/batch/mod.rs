//! Batch onboarding: many customers from one file, resumable and paced.
//!
//! * [`engine`]: [`Batch`] runs every valid row as a journey in a
//!   [`ClaimingStore`](crate::ClaimingStore), several at once, resumable,
//!   and reports [`BatchEvent`]s and a [`BatchReport`];
//! * [`input`]: the customers file (CSV with a header row, or JSON lines),
//!   read as a stream and checked row by row before anything is sent;
//! * [`pacing`]: one adaptive limit (AIMD) and one pause shared by every
//!   journey of the batch, and by every FinHub request through the
//!   client's admission gate;
//! * [`results`]: the results file (CSV or JSON lines), one line per input
//!   row, never a password or a token.

pub mod engine;
pub mod input;
pub mod pacing;
pub mod results;

pub use engine::{Batch, BatchError, BatchEvent, BatchOptions, BatchReport};
