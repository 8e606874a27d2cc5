//! Counters: every request per operation and every side effect, so a test
//! can prove that a client sent a POST exactly once (a retried registration
//! that created two customers shows up as `registrations: 2`).
//!
//! Counting is lock-free (atomics, sharded per thread); [`Stats`] is a
//! snapshot.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use finhub_api::Operation;
use serde::Serialize;

/// A side effect that the sandbox counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SideEffect {
    Registration,
    AdminSession,
    CustomerSession,
    SessionRefresh,
    Logout,
    Verification,
    Document,
    Approval,
    Consent,
    Activation,
}

const SIDE_EFFECTS: usize = 10;

/// Counter shards: each thread increments its own, so the worker threads of
/// a busy server do not fight over one cache line; a snapshot adds them up.
const SHARDS: usize = 8;

/// The counter of `operation`: its position in [`Operation::ALL`] (the
/// generated enum declares its variants in that order).
fn slot(operation: Operation) -> usize {
    operation as usize
}

/// One shard, on its own cache lines.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Shard {
    requests: [AtomicU64; Operation::ALL.len()],
    side_effects: [AtomicU64; SIDE_EFFECTS],
    faults_injected: AtomicU64,
    not_found: AtomicU64,
}

impl Shard {
    fn counters(&self) -> impl Iterator<Item = &AtomicU64> {
        self.requests
            .iter()
            .chain(&self.side_effects)
            .chain([&self.faults_injected, &self.not_found])
    }
}

/// The shard of the current thread (threads are spread round-robin).
fn shard_index() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static INDEX: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    INDEX.with(|index| *index)
}

/// The live counters (shared by the server and every handle).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    shards: [Shard; SHARDS],
    /// Documents per document type and consents per consent type: rare
    /// POSTs, so a lock is cheap here.
    by_kind: Mutex<ByKind>,
}

/// Side effects per kind.
#[derive(Debug, Default)]
struct ByKind {
    documents: BTreeMap<String, u64>,
    consents: BTreeMap<String, u64>,
}

impl Counters {
    fn shard(&self) -> &Shard {
        &self.shards[shard_index()]
    }

    pub fn request(&self, operation: Operation) {
        self.shard().requests[slot(operation)].fetch_add(1, Ordering::Relaxed);
    }

    pub fn side_effect(&self, effect: SideEffect) {
        self.shard().side_effects[effect as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// A document of `document_type` stored (also counted in
    /// [`SideEffects::documents`]).
    pub fn document_stored(&self, document_type: &str) {
        self.side_effect(SideEffect::Document);
        *self
            .kinds()
            .documents
            .entry(document_type.to_string())
            .or_default() += 1;
    }

    /// A consent of `consent_type` accepted (also counted in
    /// [`SideEffects::consents`]).
    pub fn consent_accepted(&self, consent_type: &str) {
        self.side_effect(SideEffect::Consent);
        *self
            .kinds()
            .consents
            .entry(consent_type.to_string())
            .or_default() += 1;
    }

    fn kinds(&self) -> std::sync::MutexGuard<'_, ByKind> {
        // Every update is one increment: a poisoned map is still consistent.
        self.by_kind.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn fault_injected(&self) {
        self.shard().faults_injected.fetch_add(1, Ordering::Relaxed);
    }

    /// A request no route took: a path or method the profile does not serve.
    pub fn not_found(&self) {
        self.shard().not_found.fetch_add(1, Ordering::Relaxed);
    }

    pub fn reset(&self) {
        for counter in self.shards.iter().flat_map(Shard::counters) {
            counter.store(0, Ordering::Relaxed);
        }
        *self.kinds() = ByKind::default();
    }

    pub fn snapshot(&self) -> Stats {
        let sum = |pick: &dyn Fn(&Shard) -> &AtomicU64| -> u64 {
            self.shards
                .iter()
                .map(|shard| pick(shard).load(Ordering::Relaxed))
                .sum()
        };
        let effect = |e: SideEffect| sum(&|shard| &shard.side_effects[e as usize]);
        let (documents_by_type, consents_by_type) = {
            let kinds = self.kinds();
            (kinds.documents.clone(), kinds.consents.clone())
        };
        Stats {
            requests: Operation::ALL
                .into_iter()
                .map(|op| (op, sum(&|shard| &shard.requests[slot(op)])))
                .collect(),
            side_effects: SideEffects {
                registrations: effect(SideEffect::Registration),
                admin_sessions: effect(SideEffect::AdminSession),
                customer_sessions: effect(SideEffect::CustomerSession),
                session_refreshes: effect(SideEffect::SessionRefresh),
                logouts: effect(SideEffect::Logout),
                verifications: effect(SideEffect::Verification),
                documents: effect(SideEffect::Document),
                approvals: effect(SideEffect::Approval),
                consents: effect(SideEffect::Consent),
                activations: effect(SideEffect::Activation),
            },
            documents_by_type,
            consents_by_type,
            faults_injected: sum(&|shard| &shard.faults_injected),
            not_found: sum(&|shard| &shard.not_found),
        }
    }
}

/// A snapshot of the sandbox's counters (also served at `GET /__sandbox/stats`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Requests received per operation id, whatever their outcome
    /// (errors and injected faults included). Every operation is listed.
    pub requests: BTreeMap<Operation, u64>,
    /// State changes the sandbox made.
    pub side_effects: SideEffects,
    /// Documents stored per document type as the sandbox keeps it
    /// (`PASSPORT`, `PROOF_OF_ADDRESS`; a `DT_` prefix removed), all
    /// customers together; only types stored at least once are listed.
    pub documents_by_type: BTreeMap<String, u64>,
    /// Consents accepted per consent type (`TERMS_AND_CONDITIONS`,
    /// `PRIVACY_POLICY`, `DATA_PROCESSING`), all customers together; only
    /// types accepted at least once are listed.
    pub consents_by_type: BTreeMap<String, u64>,
    /// Fault rules that fired (a latency and a status on one request count 2).
    pub faults_injected: u64,
    /// Requests to a path, or with a method, that no operation of the
    /// active [`Profile`](crate::Profile) (and no control endpoint) serves:
    /// answered 404 (or 405) and counted here, not per operation, with no
    /// side effect.
    pub not_found: u64,
}

impl Stats {
    /// Requests received for `operation`.
    pub fn requests_for(&self, operation: Operation) -> u64 {
        self.requests.get(&operation).copied().unwrap_or(0)
    }

    /// Requests received for all operations together.
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }
}

/// State changes, each counted once when it happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SideEffects {
    /// Customers (and their users) created.
    pub registrations: u64,
    /// Admin sessions created.
    pub admin_sessions: u64,
    /// Customer sessions created.
    pub customer_sessions: u64,
    /// Sessions refreshed.
    pub session_refreshes: u64,
    /// Sessions terminated.
    pub logouts: u64,
    /// Verifications created (either path).
    pub verifications: u64,
    /// Documents stored.
    pub documents: u64,
    /// Verifications approved: by the tenant admin at once, or when a
    /// review completed (review mode; an approval held for review counts
    /// when the review completes).
    pub approvals: u64,
    /// Consents accepted.
    pub consents: u64,
    /// Customers activated.
    pub activations: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_its_own_counter() {
        for (position, operation) in Operation::ALL.into_iter().enumerate() {
            assert_eq!(slot(operation), position, "{operation}");
        }
    }

    #[test]
    fn counts_and_resets() {
        let counters = Counters::default();
        counters.request(Operation::CreateAdminSession);
        counters.request(Operation::CreateAdminSession);
        counters.request(Operation::ListCustomerWallets);
        counters.side_effect(SideEffect::Registration);
        counters.side_effect(SideEffect::Activation);
        counters.document_stored("PASSPORT");
        counters.document_stored("PASSPORT");
        counters.consent_accepted("PRIVACY_POLICY");
        counters.fault_injected();
        counters.not_found();
        let stats = counters.snapshot();
        assert_eq!(stats.requests_for(Operation::CreateAdminSession), 2);
        assert_eq!(stats.requests_for(Operation::ListCustomerWallets), 1);
        assert_eq!(stats.total_requests(), 3);
        assert_eq!(stats.requests.len(), Operation::ALL.len());
        assert_eq!(stats.side_effects.registrations, 1);
        assert_eq!(stats.side_effects.activations, 1);
        assert_eq!(stats.side_effects.documents, 2);
        assert_eq!(stats.documents_by_type["PASSPORT"], 2);
        assert_eq!(stats.side_effects.consents, 1);
        assert_eq!(stats.consents_by_type["PRIVACY_POLICY"], 1);
        assert_eq!(stats.consents_by_type.len(), 1);
        assert_eq!(stats.faults_injected, 1);
        assert_eq!(stats.not_found, 1);
        let json = serde_json::to_value(&stats).unwrap();
        assert_eq!(json["requests"]["create_admin_session"], 2);
        assert_eq!(json["sideEffects"]["registrations"], 1);
        assert_eq!(json["documentsByType"]["PASSPORT"], 2);
        // Counts from other threads land in other shards and still add up.
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| counters.request(Operation::CreateAdminSession));
            }
        });
        assert_eq!(
            counters
                .snapshot()
                .requests_for(Operation::CreateAdminSession),
            6
        );
        counters.reset();
        assert_eq!(counters.snapshot().total_requests(), 0);
        assert_eq!(counters.snapshot().side_effects, SideEffects::default());
        assert_eq!(counters.snapshot().not_found, 0);
        assert!(counters.snapshot().documents_by_type.is_empty());
        assert!(counters.snapshot().consents_by_type.is_empty());
    }
}
