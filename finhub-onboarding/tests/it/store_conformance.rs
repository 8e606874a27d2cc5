//! The journey store contract, run against every store the crate ships:
//! memory, SQLite (feature `sqlite`) and PostgreSQL (feature `postgres`,
//! on a throwaway cluster).

use crate::common;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use common::conformance;
use finhub_ext::ManualClock;
use finhub_onboarding::store::MemoryStore;

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_conforms() {
    conformance::journey_store(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_claims_conform() {
    let clock = Arc::new(ManualClock::new(start()));
    let store = MemoryStore::new().with_clock(clock.clone());
    conformance::claiming_store(Arc::new(store), &clock).await;
    let shared = Arc::new(MemoryStore::new());
    conformance::concurrent_claims(shared.clone(), shared).await;
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use std::sync::Arc;

    use finhub_ext::ManualClock;
    use finhub_onboarding::store::sqlite::{SqliteOptions, SqliteStore};
    use finhub_onboarding::store::{JourneyId, JourneyStore, Phase, Revision};
    use serde_json::json;

    use super::{conformance, start};
    use conformance::raw;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_store_conforms() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("journeys.db"))
            .await
            .unwrap();
        conformance::journey_store(Arc::new(store)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_store_claims_conform() {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(start()));
        let options = SqliteOptions::default().clock(clock.clone());
        let store = SqliteStore::open_with(dir.path().join("claims.db"), options)
            .await
            .unwrap();
        conformance::claiming_store(Arc::new(store), &clock).await;
        // Two stores on one file (two writers, as two processes would be).
        let path = dir.path().join("shared.db");
        let first = Arc::new(SqliteStore::open(&path).await.unwrap());
        let second = Arc::new(SqliteStore::open(&path).await.unwrap());
        conformance::concurrent_claims(first, second).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_reopened_sqlite_file_has_every_save() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journeys.db");
        let id = JourneyId::new("kept@example.com");
        {
            let store = SqliteStore::open(&path).await.unwrap();
            let r1 = store
                .save(&id, None, Phase::Running, &raw(json!({"step": 1})))
                .await
                .unwrap();
            store
                .save(&id, Some(r1), Phase::Waiting, &raw(json!({"step": 2})))
                .await
                .unwrap();
            store
                .save(&JourneyId::new("other"), None, Phase::Done, &raw(json!({})))
                .await
                .unwrap();
        }
        let store = SqliteStore::open(&path).await.unwrap();
        let record = store.load(&id).await.unwrap().unwrap();
        assert_eq!(
            (record.revision, record.phase, record.state),
            (Revision(2), Phase::Waiting, json!({"step": 2}))
        );
        assert_eq!(
            store.list(Some(Phase::Waiting)).await.unwrap(),
            vec![id.clone()]
        );
        assert_eq!(
            store.list(Some(Phase::Done)).await.unwrap(),
            vec![JourneyId::new("other")]
        );
        // Conditional saves go on from the stored revision.
        assert!(
            store
                .save(&id, Some(Revision(1)), Phase::Done, &raw(json!({})))
                .await
                .is_err()
        );
        assert_eq!(
            store
                .save(&id, Some(Revision(2)), Phase::Done, &raw(json!({})))
                .await
                .unwrap(),
            Revision(3)
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_file_of_a_newer_layout_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newer.db");
        drop(SqliteStore::open(&path).await.unwrap());
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection
            .execute_batch("PRAGMA user_version = 99")
            .unwrap();
        drop(connection);
        let error = SqliteStore::open(&path).await.unwrap_err().to_string();
        assert!(error.contains("newer version"), "{error}");
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use finhub_ext::ManualClock;
    use finhub_onboarding::store::postgres::PostgresStore;
    use finhub_onboarding::store::{ClaimingStore, JourneyId, JourneyStore, Phase, WorkerId};
    use serde_json::json;

    use super::common::postgres::TempCluster;
    use super::{conformance, start};
    use conformance::raw;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_store_conforms() {
        let Some(cluster) = TempCluster::start() else {
            return;
        };
        let store = PostgresStore::connect(&cluster.config()).await.unwrap();
        conformance::journey_store(Arc::new(store)).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_store_claims_conform() {
        let Some(cluster) = TempCluster::start() else {
            return;
        };
        let clock = Arc::new(ManualClock::new(start()));
        let store = PostgresStore::connect(&cluster.config())
            .await
            .unwrap()
            .with_clock(clock.clone());
        conformance::claiming_store(Arc::new(store), &clock).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_postgres_connections_never_claim_the_same_journey() {
        let Some(cluster) = TempCluster::start() else {
            return;
        };
        // Two connections, as two machines have; the second also creates
        // the table (already there).
        let first = Arc::new(PostgresStore::connect(&cluster.config()).await.unwrap());
        let second = Arc::new(PostgresStore::connect(&cluster.config()).await.unwrap());
        conformance::concurrent_claims(first, second).await;
    }

    /// With the database's clock: a claim holds while its lease runs, and a
    /// worker that stops renewing loses its journeys when it runs out. The
    /// bounds are generous (the lease is 60 s in the first part; the second
    /// waits up to 30 s for a 50 ms lease).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lease_measured_by_the_database_runs_out() {
        let Some(cluster) = TempCluster::start() else {
            return;
        };
        let store = PostgresStore::connect(&cluster.config()).await.unwrap();
        let id = JourneyId::new("dies@example.com");
        store
            .save(&id, None, Phase::Running, &raw(json!({})))
            .await
            .unwrap();
        let (dead, alive) = (WorkerId::new("dead"), WorkerId::new("alive"));
        assert_eq!(
            store
                .claim(&dead, Duration::from_secs(60), 5)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(
            store
                .claim(&alive, Duration::from_secs(60), 5)
                .await
                .unwrap()
                .is_empty()
        );
        // Shorten the dead worker's lease to 50 ms, then never renew it.
        assert_eq!(
            store
                .renew(&dead, std::slice::from_ref(&id), Duration::from_millis(50))
                .await
                .unwrap(),
            vec![id.clone()]
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let claimed = store
                .claim(&alive, Duration::from_secs(60), 5)
                .await
                .unwrap();
            if let Some(record) = claimed.first() {
                assert_eq!(record.id, id);
                break;
            }
            assert!(Instant::now() < deadline, "the lease never ran out");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            store
                .renew(&dead, &[id], Duration::from_secs(60))
                .await
                .unwrap()
                .is_empty()
        );
    }
}
