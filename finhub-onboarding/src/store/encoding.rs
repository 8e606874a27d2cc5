//! How a [`Record`](super::Record)'s parts are written to a database row,
//! the same for every database store: the phase as lower-case text, the
//! revision as a signed 64-bit integer.

use super::{Phase, Revision, StoreError};

/// The phase as stored (`running`, `waiting`, `done`, `failed`).
pub(crate) fn phase_code(phase: Phase) -> &'static str {
    match phase {
        Phase::Running => "running",
        Phase::Waiting => "waiting",
        Phase::Done => "done",
        Phase::Failed => "failed",
    }
}

/// The phase stored as `code`.
pub(crate) fn phase_from_code(code: &str) -> Result<Phase, StoreError> {
    match code {
        "running" => Ok(Phase::Running),
        "waiting" => Ok(Phase::Waiting),
        "done" => Ok(Phase::Done),
        "failed" => Ok(Phase::Failed),
        other => Err(backend(format!("unknown phase `{other}` in the store"))),
    }
}

/// The revision stored as `value`.
pub(crate) fn revision_from(value: i64) -> Result<Revision, StoreError> {
    u64::try_from(value)
        .map(Revision)
        .map_err(|_| backend(format!("negative revision {value} in the store")))
}

/// The revision as stored.
pub(crate) fn revision_value(revision: Revision) -> Result<i64, StoreError> {
    i64::try_from(revision.0).map_err(|_| backend(format!("revision {} too large", revision.0)))
}

/// A backend error from a message.
pub(crate) fn backend(message: impl Into<String>) -> StoreError {
    StoreError::Backend(message.into().into())
}
