//! What every journey store must do, written once and run against each
//! store: [`MemoryStore`] sets the reference semantics.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use finhub_ext::ManualClock;
use finhub_onboarding::store::{
    ClaimingStore, JourneyId, JourneyStore, Phase, RawValue, Revision, StoreError, WorkerId,
};
use serde_json::json;

fn id(text: &str) -> JourneyId {
    JourneyId::new(text)
}

fn conflict(result: Result<Revision, StoreError>) -> (Option<Revision>, Option<Revision>) {
    match result {
        Err(StoreError::Conflict {
            expected, found, ..
        }) => (expected, found),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// `value` as the JSON text a runner saves.
pub fn raw(value: serde_json::Value) -> Box<RawValue> {
    serde_json::value::to_raw_value(&value).unwrap()
}

/// Saves, conflicts, loads and lists, as [`MemoryStore`] does them. The
/// store must be empty.
pub async fn journey_store<S: JourneyStore + 'static>(store: Arc<S>) {
    let a = id("a@example.com");
    let state = json!({
        "version": 1,
        "text": "Šiauliai – 東京 \"quoted\" \\ back",
        "big": 18446744073709551615u64,
        "negative": -12,
        "fraction": 0.5,
        "nested": {"list": [1, "two", null, true], "empty": {}}
    });
    assert!(store.load(&a).await.unwrap().is_none());

    // A new journey: only one creation wins.
    let r1 = store
        .save(&a, None, Phase::Running, &raw(state.clone()))
        .await
        .unwrap();
    assert_eq!(r1, Revision(1));
    assert_eq!(
        conflict(store.save(&a, None, Phase::Done, &raw(json!({}))).await),
        (None, Some(Revision(1)))
    );
    let loaded = store.load(&a).await.unwrap().unwrap();
    assert_eq!(loaded.id, a);
    assert_eq!(loaded.revision, Revision(1));
    assert_eq!(loaded.phase, Phase::Running);
    assert_eq!(loaded.state, state, "the state comes back as saved");

    // Saves name the revision they replace.
    let r2 = store
        .save(&a, Some(r1), Phase::Waiting, &raw(json!({"version": 2})))
        .await
        .unwrap();
    assert_eq!(r2, Revision(2));
    assert_eq!(
        conflict(
            store
                .save(&a, Some(r1), Phase::Done, &raw(json!({"stale": true})))
                .await
        ),
        (Some(Revision(1)), Some(Revision(2)))
    );
    let loaded = store.load(&a).await.unwrap().unwrap();
    assert_eq!(
        (loaded.revision, loaded.phase, loaded.state),
        (Revision(2), Phase::Waiting, json!({"version": 2})),
        "a conflicting save changes nothing"
    );
    // A revision of a journey that does not exist.
    assert_eq!(
        conflict(
            store
                .save(
                    &id("nobody"),
                    Some(Revision(3)),
                    Phase::Running,
                    &raw(json!({}))
                )
                .await
        ),
        (Some(Revision(3)), None)
    );
    assert!(store.load(&id("nobody")).await.unwrap().is_none());

    // Lists in id order (byte order: upper case before lower case).
    for (key, phase) in [
        ("b", Phase::Done),
        ("B", Phase::Running),
        ("ab", Phase::Failed),
        ("a-b", Phase::Running),
        ("é", Phase::Waiting),
    ] {
        store
            .save(&id(key), None, phase, &raw(json!({})))
            .await
            .unwrap();
    }
    let all: Vec<String> = store
        .list(None)
        .await
        .unwrap()
        .iter()
        .map(|i| i.as_str().to_string())
        .collect();
    assert_eq!(all, ["B", "a-b", "a@example.com", "ab", "b", "é"]);
    assert_eq!(
        store.list(Some(Phase::Running)).await.unwrap(),
        vec![id("B"), id("a-b")]
    );
    assert_eq!(
        store.list(Some(Phase::Waiting)).await.unwrap(),
        vec![id("a@example.com"), id("é")]
    );
    assert_eq!(store.list(Some(Phase::Done)).await.unwrap(), vec![id("b")]);
    assert_eq!(
        store.list(Some(Phase::Failed)).await.unwrap(),
        vec![id("ab")]
    );

    // Racing saves of one revision: exactly one wins.
    let race = id("race");
    let r1 = store
        .save(&race, None, Phase::Running, &raw(json!({"n": 0})))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..16)
        .map(|n| {
            let (store, race) = (store.clone(), race.clone());
            tokio::spawn(async move {
                store
                    .save(&race, Some(r1), Phase::Running, &raw(json!({"n": n})))
                    .await
            })
        })
        .collect();
    let mut won = Vec::new();
    for (n, task) in tasks.into_iter().enumerate() {
        match task.await.unwrap() {
            Ok(revision) => won.push((n, revision)),
            Err(StoreError::Conflict { found, .. }) => assert_eq!(found, Some(Revision(2))),
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!(won.len(), 1, "{won:?}");
    let record = store.load(&race).await.unwrap().unwrap();
    assert_eq!(record.revision, Revision(2));
    assert_eq!(record.state, json!({"n": won[0].0}));
}

fn ids(records: &[finhub_onboarding::store::Record]) -> BTreeSet<String> {
    records.iter().map(|r| r.id.as_str().to_string()).collect()
}

/// Claims, renewals, releases and expiry, measured by `clock` (the store's
/// lease clock). The store must be empty.
pub async fn claiming_store<S: ClaimingStore + 'static>(store: Arc<S>, clock: &ManualClock) {
    let lease = Duration::from_secs(30);
    let (a, b, c, d) = (
        WorkerId::new("a"),
        WorkerId::new("b"),
        WorkerId::new("c"),
        WorkerId::new("d"),
    );
    for n in 1..=5 {
        store
            .save(
                &id(&format!("r{n}")),
                None,
                Phase::Running,
                &raw(json!({"n": n})),
            )
            .await
            .unwrap();
    }
    store
        .save(&id("w1"), None, Phase::Waiting, &raw(json!({})))
        .await
        .unwrap();
    store
        .save(&id("d1"), None, Phase::Done, &raw(json!({})))
        .await
        .unwrap();
    store
        .save(&id("f1"), None, Phase::Failed, &raw(json!({})))
        .await
        .unwrap();
    let unfinished: BTreeSet<String> = ["r1", "r2", "r3", "r4", "r5", "w1"]
        .map(String::from)
        .into();

    assert!(store.claim(&a, lease, 0).await.unwrap().is_empty());
    let by_a = store.claim(&a, lease, 3).await.unwrap();
    assert_eq!(by_a.len(), 3);
    let by_b = store.claim(&b, lease, 10).await.unwrap();
    assert_eq!(by_b.len(), 3, "only the unfinished journeys nobody holds");
    assert!(ids(&by_a).is_disjoint(&ids(&by_b)));
    assert_eq!(
        ids(&by_a)
            .union(&ids(&by_b))
            .cloned()
            .collect::<BTreeSet<_>>(),
        unfinished
    );
    let record = by_a.iter().chain(&by_b).find(|r| r.id == id("r2")).unwrap();
    assert_eq!(
        (record.revision, record.phase, &record.state),
        (Revision(1), Phase::Running, &json!({"n": 2})),
        "a claim hands out the record"
    );
    assert!(store.claim(&c, lease, 10).await.unwrap().is_empty());

    // b keeps its claims alive; a's run out.
    let b_ids: Vec<JourneyId> = by_b.iter().map(|r| r.id.clone()).collect();
    clock.advance(Duration::from_secs(20));
    let renewed = store.renew(&b, &b_ids, lease).await.unwrap();
    assert_eq!(renewed.len(), 3);
    clock.advance(Duration::from_secs(10));
    // At the end of a's lease exactly: expired.
    let by_c = store.claim(&c, lease, 10).await.unwrap();
    assert_eq!(
        ids(&by_c),
        ids(&by_a),
        "a's expired claims, not b's renewed ones"
    );
    let a_ids: Vec<JourneyId> = by_a.iter().map(|r| r.id.clone()).collect();
    assert!(
        store.renew(&a, &a_ids, lease).await.unwrap().is_empty(),
        "a lost its journeys to c"
    );
    // Releasing what one does not hold changes nothing.
    store.release(&a, &a_ids).await.unwrap();
    assert!(store.claim(&d, lease, 10).await.unwrap().is_empty());

    // A released journey is claimable at once, after any never claimed.
    store
        .save(&id("new"), None, Phase::Running, &raw(json!({})))
        .await
        .unwrap();
    store.release(&c, &a_ids[..1]).await.unwrap();
    let next = store.claim(&d, lease, 1).await.unwrap();
    assert_eq!(ids(&next), BTreeSet::from(["new".to_string()]));
    let next = store.claim(&d, lease, 5).await.unwrap();
    assert_eq!(ids(&next), BTreeSet::from([a_ids[0].as_str().to_string()]));

    // A journey finished while claimed is never handed out again.
    let finished = by_b[0].clone();
    store
        .save(
            &finished.id,
            Some(finished.revision),
            Phase::Done,
            &raw(json!({})),
        )
        .await
        .unwrap();
    clock.advance(Duration::from_secs(3600));
    let everything = store.claim(&a, lease, 100).await.unwrap();
    let expected: BTreeSet<String> = unfinished
        .iter()
        .chain(&["new".to_string()])
        .filter(|i| **i != finished.id.as_str())
        .cloned()
        .collect();
    assert_eq!(ids(&everything), expected);
    store
        .release(
            &a,
            &everything.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        )
        .await
        .unwrap();
}

/// Two workers claiming concurrently, one journey at a time, until none is
/// left: each journey goes to exactly one of them. The store must be empty.
pub async fn concurrent_claims<S: ClaimingStore + 'static>(first: Arc<S>, second: Arc<S>) {
    const JOURNEYS: usize = 60;
    for n in 0..JOURNEYS {
        first
            .save(
                &id(&format!("j{n:03}")),
                None,
                Phase::Running,
                &raw(json!({})),
            )
            .await
            .unwrap();
    }
    let worker = |store: Arc<S>, name: &'static str| {
        tokio::spawn(async move {
            let me = WorkerId::new(name);
            let mut got = Vec::new();
            loop {
                let claimed = store.claim(&me, Duration::from_secs(600), 2).await.unwrap();
                if claimed.is_empty() {
                    return got;
                }
                got.extend(claimed.into_iter().map(|r| r.id.as_str().to_string()));
                tokio::task::yield_now().await;
            }
        })
    };
    let (x, y) = (worker(first, "x"), worker(second, "y"));
    let (x, y) = (x.await.unwrap(), y.await.unwrap());
    let (xs, ys): (BTreeSet<_>, BTreeSet<_>) =
        (x.iter().cloned().collect(), y.iter().cloned().collect());
    assert_eq!(xs.len(), x.len(), "x got a journey twice");
    assert_eq!(ys.len(), y.len(), "y got a journey twice");
    assert!(
        xs.is_disjoint(&ys),
        "both got {:?}",
        xs.intersection(&ys).collect::<Vec<_>>()
    );
    assert_eq!(xs.len() + ys.len(), JOURNEYS);
}
