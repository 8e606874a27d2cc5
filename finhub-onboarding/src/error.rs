//! Why a run stopped early, with the journey saved as far as it got:
//! [`AdvanceError`] (run again later: the journey resumes from the store
//! and reads back whatever was sent without an answer) and [`LoadError`].

use crate::documents::SourceError;
use crate::step::Step;
use crate::store::{JourneyId, StoreError};

/// A run that stopped on a failure which a later run may not meet again:
/// FinHub unreachable or answering 5xx, a lost answer, the store
/// unavailable. Everything done so far is saved; a request sent without an
/// answer is recorded as sent and resolved by reading before it is sent
/// again.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdvanceError {
    /// A FinHub call failed (the error names the operation; never a
    /// secret).
    #[error("{step}: {source}")]
    Finhub {
        /// The step.
        step: Step,
        /// The client's error.
        #[source]
        source: finhub_ext::Error,
    },
    /// The store could not save (or someone else saved the journey first:
    /// [`StoreError::Conflict`]; reload and run again).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The document source could not give a document's content.
    #[error("documents: the content of {file_name} is not available: {source}")]
    Document {
        /// The document's file name.
        file_name: String,
        /// Why.
        #[source]
        source: SourceError,
    },
}

impl AdvanceError {
    /// The step it stopped at, when a step was running.
    pub fn step(&self) -> Option<Step> {
        match self {
            AdvanceError::Finhub { step, .. } => Some(*step),
            AdvanceError::Document { .. } => Some(Step::Documents),
            AdvanceError::Store(_) => None,
        }
    }

    /// Whether another run is expected to get further: everything but a
    /// store conflict (reload first) and configuration errors of the client.
    pub fn is_retryable(&self) -> bool {
        match self {
            AdvanceError::Finhub { source, .. } => !matches!(source, finhub_ext::Error::Config(_)),
            AdvanceError::Store(StoreError::Conflict { .. }) => false,
            AdvanceError::Store(_) | AdvanceError::Document { .. } => true,
        }
    }
}

/// Why a saved journey could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The saved state is of another version of this crate.
    #[error("journey {id}: saved as version {found}; this version reads version {supported}")]
    Version {
        /// The journey.
        id: JourneyId,
        /// The version saved.
        found: u64,
        /// The version this crate reads.
        supported: u32,
    },
    /// The saved state is not a journey (the JSON error's kind and place;
    /// never its text, which could quote a value).
    #[error("journey {id}: the saved state is not a journey ({what})")]
    Corrupt {
        /// The journey.
        id: JourneyId,
        /// What is wrong, and where.
        what: String,
    },
}
