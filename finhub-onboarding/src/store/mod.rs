//! Where journeys are kept between runs.
//!
//! A store keeps one [`Record`] per journey: its state as JSON (the
//! journey's own versioned serde form; a store never looks inside it), the
//! [`Phase`] the journey is in (so a store can list what is unfinished
//! without reading states), and a [`Revision`] that every save moves on.
//! Saves are atomic and conditional on the revision the caller loaded, so two
//! runners of the same journey cannot overwrite each other's progress: the
//! second gets [`StoreError::Conflict`] and reloads.
//!
//! A service implements [`JourneyStore`] on its own database; the crate ships
//! [`MemoryStore`] (tests, one process), `sqlite::SqliteStore` (feature
//! `sqlite`, on by default: one machine) and `postgres::PostgresStore`
//! (feature `postgres`: several machines sharing one population). All three
//! also hand journeys out to workers ([`ClaimingStore`], see [`claim`]).

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
pub use serde_json::value::RawValue;

pub mod claim;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod encoding;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;

pub use claim::{ClaimingStore, WorkerId};

/// The caller's key of one journey (for example its own customer id, or the
/// customer's e-mail in a batch). Never a secret.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JourneyId(String);

impl JourneyId {
    /// A journey id from the caller's key.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JourneyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How many times a journey's record has been saved; each save moves it on
/// by one, and a save names the revision it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Revision(pub u64);

/// Where a journey stands, as far as a store needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Steps remain that can run now.
    Running,
    /// Waiting for something outside the journey (a review, a code, an IBAN,
    /// the customer's login); see the journey's state for what.
    Waiting,
    /// Every step is done.
    Done,
    /// Stopped with a failure that running again will not fix.
    Failed,
}

impl Phase {
    /// Whether the journey has ended (done or failed).
    pub fn is_finished(self) -> bool {
        matches!(self, Phase::Done | Phase::Failed)
    }
}

/// One saved journey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// The journey's key.
    pub id: JourneyId,
    /// The revision this record was saved as.
    pub revision: Revision,
    /// Where the journey stands.
    pub phase: Phase,
    /// The journey's state in its own serde form, parsed from the JSON text
    /// saved; never holds a password.
    pub state: serde_json::Value,
}

/// Why a store could not load or save.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Someone saved the journey since it was loaded (or created it first):
    /// reload and run again.
    #[error(
        "journey {id}: saved by someone else (expected revision {expected:?}, found {found:?})"
    )]
    Conflict {
        /// The journey.
        id: JourneyId,
        /// The revision the save expected to replace (`None`: a new journey).
        expected: Option<Revision>,
        /// The revision found (`None`: no record).
        found: Option<Revision>,
    },
    /// The store's backend failed (I/O, database).
    #[error("journey store: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

/// Where journeys are kept between runs (see the [module docs](self)).
///
/// Implementations make `save` atomic: after a crash the record is either the
/// old one or the new one, never a mix.
pub trait JourneyStore: Send + Sync {
    /// The record saved under `id`, if any.
    fn load(
        &self,
        id: &JourneyId,
    ) -> impl Future<Output = Result<Option<Record>, StoreError>> + Send;

    /// Saves `phase` and `state` under `id`, replacing revision `expected`
    /// (`None`: the journey must not exist yet), and returns the new revision.
    /// [`StoreError::Conflict`] when the stored revision is another.
    ///
    /// `state` is the journey's JSON text, serialized once by the runner
    /// (`serde_json::value::to_raw_value`); a store keeps it as text or
    /// bytes without parsing it, and [`load`](Self::load) parses it back
    /// into [`Record::state`].
    fn save(
        &self,
        id: &JourneyId,
        expected: Option<Revision>,
        phase: Phase,
        state: &RawValue,
    ) -> impl Future<Output = Result<Revision, StoreError>> + Send;

    /// The ids of the saved journeys, all of them or those in `phase`, in id
    /// order.
    fn list(
        &self,
        phase: Option<Phase>,
    ) -> impl Future<Output = Result<Vec<JourneyId>, StoreError>> + Send;
}

/// A shared store is a store: several runners (or a runner and the
/// service's own code) can hold one.
impl<S: JourneyStore + ?Sized> JourneyStore for std::sync::Arc<S> {
    fn load(
        &self,
        id: &JourneyId,
    ) -> impl Future<Output = Result<Option<Record>, StoreError>> + Send {
        (**self).load(id)
    }

    fn save(
        &self,
        id: &JourneyId,
        expected: Option<Revision>,
        phase: Phase,
        state: &RawValue,
    ) -> impl Future<Output = Result<Revision, StoreError>> + Send {
        (**self).save(id, expected, phase, state)
    }

    fn list(
        &self,
        phase: Option<Phase>,
    ) -> impl Future<Output = Result<Vec<JourneyId>, StoreError>> + Send {
        (**self).list(phase)
    }
}

/// A store in this process's memory: for tests and one-process runs. It
/// keeps each state as the JSON text saved and parses it on load.
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<BTreeMap<JourneyId, Stored>>,
    leases: claim::Leases,
}

/// One journey as [`MemoryStore`] keeps it.
#[derive(Debug)]
struct Stored {
    revision: Revision,
    phase: Phase,
    state: Box<RawValue>,
}

impl Stored {
    /// The record of journey `id`, its state parsed.
    fn record(&self, id: &JourneyId) -> Result<Record, StoreError> {
        Ok(Record {
            id: id.clone(),
            revision: self.revision,
            phase: self.phase,
            state: serde_json::from_str(self.state.get())
                .map_err(|e| StoreError::Backend(Box::new(e)))?,
        })
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl JourneyStore for MemoryStore {
    async fn load(&self, id: &JourneyId) -> Result<Option<Record>, StoreError> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .map(|stored| stored.record(id))
            .transpose()
    }

    async fn save(
        &self,
        id: &JourneyId,
        expected: Option<Revision>,
        phase: Phase,
        state: &RawValue,
    ) -> Result<Revision, StoreError> {
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        let found = records.get(id).map(|r| r.revision);
        if found != expected {
            return Err(StoreError::Conflict {
                id: id.clone(),
                expected,
                found,
            });
        }
        let revision = Revision(found.map_or(1, |r| r.0 + 1));
        records.insert(
            id.clone(),
            Stored {
                revision,
                phase,
                state: state.to_owned(),
            },
        );
        Ok(revision)
    }

    async fn list(&self, phase: Option<Phase>) -> Result<Vec<JourneyId>, StoreError> {
        Ok(self
            .records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(_, r)| phase.is_none_or(|p| r.phase == p))
            .map(|(id, _)| id.clone())
            .collect())
    }
}

/// Runs blocking store work (files, SQLite) on tokio's blocking threads,
/// off the async ones; a task that panicked is a backend error.
#[cfg(any(unix, feature = "sqlite"))]
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Backend(Box::new(e)))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn saves_are_conditional_on_the_loaded_revision() {
        let store = MemoryStore::new();
        let id = JourneyId::new("a@example.com");
        let state = serde_json::value::to_raw_value(&serde_json::json!({"version": 1})).unwrap();
        let r1 = store.save(&id, None, Phase::Running, &state).await.unwrap();
        assert_eq!(r1, Revision(1));
        assert!(matches!(
            store.save(&id, None, Phase::Running, &state).await,
            Err(StoreError::Conflict {
                found: Some(Revision(1)),
                ..
            })
        ));
        let r2 = store
            .save(&id, Some(r1), Phase::Done, &state)
            .await
            .unwrap();
        assert_eq!(r2, Revision(2));
        assert!(
            store
                .save(&id, Some(r1), Phase::Done, &state)
                .await
                .is_err()
        );
        assert_eq!(store.load(&id).await.unwrap().unwrap().phase, Phase::Done);
        assert_eq!(store.list(Some(Phase::Running)).await.unwrap(), vec![]);
        assert_eq!(store.list(None).await.unwrap(), vec![id]);
    }
}
