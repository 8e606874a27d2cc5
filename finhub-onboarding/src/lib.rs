//! The FinHub B2C onboarding journey as a library.
//!
//! * [`store`]: where journeys are kept between runs ([`JourneyStore`]),
//!   with an in-memory store, SQLite and PostgreSQL stores, and claims for
//!   several workers ([`ClaimingStore`]).
//! * [`batch`]: many customers from one file: input checks, pacing, results.

pub mod batch;
pub mod store;

pub use store::{
    ClaimingStore, JourneyId, JourneyStore, MemoryStore, Phase, Record, Revision, StoreError,
    WorkerId,
};
