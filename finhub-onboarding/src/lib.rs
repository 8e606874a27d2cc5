//! The FinHub B2C onboarding journey as a library.
//!
//! * [`store`]: where journeys are kept between runs ([`JourneyStore`]),
//!   with an in-memory store.

pub mod store;

pub use store::{JourneyId, JourneyStore, MemoryStore, Phase, Record, Revision, StoreError};
