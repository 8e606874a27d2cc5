#![doc = include_str!("../README.md")]

pub mod batch;
mod category;
mod codes;
mod customer;
mod documents;
mod error;
#[cfg(unix)]
mod file_store;
mod journey;
mod outcome;
mod polling;
mod runner;
mod step;
pub mod store;

pub use category::ChosenCategory;
pub use customer::{Address, Customer, Document};
pub use documents::{ContentFuture, DocumentSource, SampleDocuments, SourceError};
pub use error::{AdvanceError, LoadError};
#[cfg(unix)]
pub use file_store::{FileStore, MAX_RECORD_BYTES};
pub use journey::{
    Accepted, Activated, ApprovalState, Attempt, ConsentState, Created, DocumentState,
    JOURNEY_VERSION, Journey, Registered, Uploaded, VerificationState,
};
pub use outcome::{Failure, Outcome, WaitingOn};
pub use polling::{Backoff, Polling};
pub use runner::Runner;
pub use step::Step;
pub use store::{
    ClaimingStore, JourneyId, JourneyStore, MemoryStore, Phase, RawValue, Record, Revision,
    StoreError, WorkerId,
};
