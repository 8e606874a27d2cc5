//! How many saves per second the SQLite journey store takes: JOURNEYS
//! journeys (default 2000) of 10 saves each (one creation, nine conditional
//! updates), CONCURRENCY (default 256) journeys at a time, as a batch
//! would; for both durabilities, in a temporary file.
//!
//! `cargo run --release -p finhub-onboarding --example sqlite_saves -- [JOURNEYS] [CONCURRENCY]`

use std::sync::Arc;
use std::time::Instant;

use finhub_onboarding::store::sqlite::{Durability, SqliteOptions, SqliteStore};
use finhub_onboarding::store::{JourneyId, JourneyStore, Phase};
use serde_json::json;
use serde_json::value::to_raw_value;
use tokio::sync::Semaphore;

const SAVES_PER_JOURNEY: u64 = 10;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let journeys: u64 = args.next().map_or(Ok(2000), |a| a.parse())?;
    let concurrency: usize = args.next().map_or(Ok(256), |a| a.parse())?;
    for durability in [Durability::Full, Durability::Normal] {
        let dir = tempfile::tempdir()?;
        let options = SqliteOptions::default().durability(durability);
        let store = Arc::new(SqliteStore::open_with(dir.path().join("bench.db"), options).await?);
        let permits = Arc::new(Semaphore::new(concurrency));
        let started = Instant::now();
        let mut tasks = Vec::new();
        for n in 0..journeys {
            let (store, permits) = (store.clone(), permits.clone());
            tasks.push(tokio::spawn(async move {
                let _permit = permits.acquire().await.expect("open");
                let id = JourneyId::new(format!("customer{n}@example.com"));
                let mut state = json!({"version": 1, "step": 0, "customerId": null});
                let mut revision = store
                    .save(
                        &id,
                        None,
                        Phase::Running,
                        &to_raw_value(&state).expect("JSON"),
                    )
                    .await?;
                for step in 1..SAVES_PER_JOURNEY {
                    state["step"] = json!(step);
                    let phase = if step + 1 == SAVES_PER_JOURNEY {
                        Phase::Done
                    } else {
                        Phase::Running
                    };
                    revision = store
                        .save(
                            &id,
                            Some(revision),
                            phase,
                            &to_raw_value(&state).expect("JSON"),
                        )
                        .await?;
                }
                Ok::<_, finhub_onboarding::StoreError>(())
            }));
        }
        for task in tasks {
            task.await??;
        }
        let seconds = started.elapsed().as_secs_f64();
        let saves = journeys * SAVES_PER_JOURNEY;
        println!(
            "{durability:?}: {saves} saves of {journeys} journeys, {concurrency} at a time, in {seconds:.2} s: {:.0} saves/s, {:.0} journeys/s",
            saves as f64 / seconds,
            journeys as f64 / seconds
        );
        assert_eq!(
            store.list(Some(Phase::Done)).await?.len() as u64,
            journeys,
            "every journey saved to the end"
        );
    }
    Ok(())
}
