//! Claims: several workers (tasks, processes, machines) sharing one
//! population of journeys without running the same journey twice at once.
//!
//! A worker [claims](ClaimingStore::claim) a few unfinished journeys for a
//! lease (a duration); while the lease runs, no other worker is handed
//! them. The worker [renews](ClaimingStore::renew) its leases while it works
//! and [releases](ClaimingStore::release) a journey when it is done with it
//! for now. A worker that dies releases nothing: its journeys become
//! claimable again when their leases run out.
//!
//! A claim is a courtesy, not a lock: a save never checks it. What keeps two
//! workers from overwriting each other is the revision every save names
//! ([`StoreError::Conflict`]); a worker whose lease ran out while it was
//! still working gets a conflict at its next save if someone else took the
//! journey over, and must drop it.
//!
//! Journeys are handed out least recently held first: never claimed, then
//! those released or expired longest ago, then by id; so journeys that wait
//! on something outside (phase [`Waiting`](super::Phase::Waiting)) take turns with
//! the others instead of being handed out again and again.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use finhub_ext::{Clock, SystemClock};
use serde::{Deserialize, Serialize};

use super::{JourneyId, JourneyStore, MemoryStore, Record, StoreError, Stored};

/// The name of one worker holding claims (for example `host-a/3`); unique
/// among the workers sharing a store. Never a secret.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WorkerId(String);

impl WorkerId {
    /// A worker id from its name.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A [`JourneyStore`] that hands unfinished journeys out to workers (see the
/// [module docs](self)).
pub trait ClaimingStore: JourneyStore {
    /// Claims for `worker`, for `lease`, up to `limit` unfinished journeys
    /// (phase running or waiting) that no worker holds or whose lease has
    /// run out, least recently held first; returns their records, in no
    /// particular order. Two concurrent claims never get the same journey.
    fn claim(
        &self,
        worker: &WorkerId,
        lease: Duration,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Record>, StoreError>> + Send;

    /// Extends to `lease` from now the claims `worker` still holds among
    /// `ids`, and returns those ids; a journey another worker took over
    /// (after this worker's lease ran out) is not among them and must be
    /// dropped.
    fn renew(
        &self,
        worker: &WorkerId,
        ids: &[JourneyId],
        lease: Duration,
    ) -> impl Future<Output = Result<Vec<JourneyId>, StoreError>> + Send;

    /// Gives up the claims `worker` holds among `ids`: they can be claimed
    /// again at once (after every journey never claimed yet).
    fn release(
        &self,
        worker: &WorkerId,
        ids: &[JourneyId],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// The end of a lease of `lease` starting at `now`.
pub(crate) fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX / 2)
}

/// Who holds a journey in a [`MemoryStore`], and until when (or when it was
/// last released).
#[derive(Debug, Clone)]
struct Lease {
    worker: Option<WorkerId>,
    until: DateTime<Utc>,
}

/// The claims of a [`MemoryStore`] and the clock they are measured by.
#[derive(Debug, Default)]
pub(crate) struct Leases {
    held: Mutex<BTreeMap<JourneyId, Lease>>,
    clock: Option<Arc<dyn Clock>>,
}

impl Leases {
    fn now(&self) -> DateTime<Utc> {
        match &self.clock {
            Some(clock) => clock.now(),
            None => SystemClock.now(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<JourneyId, Lease>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl MemoryStore {
    /// Measures leases with `clock` instead of the system clock (tests move
    /// a [`ManualClock`](finhub_ext::ManualClock) past a lease).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.leases.clock = Some(clock);
        self
    }
}

impl ClaimingStore for MemoryStore {
    async fn claim(
        &self,
        worker: &WorkerId,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<Record>, StoreError> {
        let now = self.leases.now();
        // Lock order: records, then leases.
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        let mut held = self.leases.lock();
        let mut free: Vec<(Option<DateTime<Utc>>, &JourneyId, &Stored)> = records
            .iter()
            .filter(|(_, r)| !r.phase.is_finished())
            .filter_map(|(id, r)| match held.get(id) {
                None => Some((None, id, r)),
                Some(l) if l.worker.is_none() || l.until <= now => Some((Some(l.until), id, r)),
                Some(_) => None,
            })
            .collect();
        free.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
        let until = lease_end(now, lease);
        free.into_iter()
            .take(limit)
            .map(|(_, id, stored)| {
                let record = stored.record(id)?;
                held.insert(
                    id.clone(),
                    Lease {
                        worker: Some(worker.clone()),
                        until,
                    },
                );
                Ok(record)
            })
            .collect()
    }

    async fn renew(
        &self,
        worker: &WorkerId,
        ids: &[JourneyId],
        lease: Duration,
    ) -> Result<Vec<JourneyId>, StoreError> {
        let until = lease_end(self.leases.now(), lease);
        let mut held = self.leases.lock();
        Ok(ids
            .iter()
            .filter(|id| match held.get_mut(*id) {
                Some(l) if l.worker.as_ref() == Some(worker) => {
                    l.until = until;
                    true
                }
                _ => false,
            })
            .cloned()
            .collect())
    }

    async fn release(&self, worker: &WorkerId, ids: &[JourneyId]) -> Result<(), StoreError> {
        let now = self.leases.now();
        let mut held = self.leases.lock();
        for id in ids {
            if let Some(l) = held.get_mut(id)
                && l.worker.as_ref() == Some(worker)
            {
                l.worker = None;
                l.until = now;
            }
        }
        Ok(())
    }
}
