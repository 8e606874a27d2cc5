//! The journey against the sandbox: to completion in every profile, with
//! every wait answered (KYC review, the e-mailed code, a login), the state
//! saved all the way without a password, and resumed from the store in a
//! new runner.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use finhub_ext::ManualClock;
use finhub_onboarding::{
    ApprovalState, Backoff, FileStore, Journey, JourneyId, JourneyStore, Outcome, Phase, Polling,
    Runner, SampleDocuments, Step, WaitingOn,
};
use finhub_sandbox::{ActivationCodes, Clock, ExposeSecret, Operation, Profile, Sandbox};

#[tokio::test]
async fn the_journey_completes_in_every_profile_with_every_wait() {
    for profile in [Profile::Lenient, Profile::Runner, Profile::Reference] {
        let sandbox = sandbox(profile).await;
        let store = store();
        let runner = runner(&sandbox, store.clone());
        let mut journey = journey();
        let mut driven = Driven::default();
        drive(&runner, &mut journey, &sandbox, &mut driven)
            .await
            .unwrap_or_else(|e| panic!("{profile:?}: {e}"));
        let context = format!("{profile:?}");
        assert!(
            driven.waited(|w| *w == WaitingOn::KycReview),
            "{context}: {:?}",
            driven.outcomes
        );
        assert!(
            driven.waited(|w| matches!(w, WaitingOn::ActivationCode { rejected: false })),
            "{context}"
        );
        assert_eq!(journey.next_step(), None, "{context}");
        assert_eq!(journey.completed_steps(), Step::ALL, "{context}");
        assert_eq!(journey.phase(), Phase::Done);
        let iban = journey.iban().expect("an IBAN");
        assert!(iban.starts_with("LT"), "{context}: {iban}");
        assert_eq!(journey.document_ids().len(), 2, "{context}");
        assert!(!journey.has_session(), "{context}: logged out");
        assert_eq!(
            store.load(journey.id()).await.unwrap().unwrap().phase,
            Phase::Done
        );
        let stats = sandbox.stats();
        assert_once_each(&stats, &context);
        assert_sent_once_each(&stats, profile, &context);
        assert_eq!(stats.side_effects.logouts, 1, "{context}");
        // Logged in once, never again (the session stayed live).
        assert_eq!(stats.side_effects.customer_sessions, 1, "{context}");
        // The lowest-risk individual category (not the high-risk one).
        assert_eq!(
            journey.category().unwrap().id,
            "fs-cat-b2c-low-001",
            "{context}"
        );
        // Running a finished journey again sends nothing.
        let before = sandbox.stats().total_requests();
        assert_eq!(runner.advance(&mut journey).await.unwrap(), Outcome::Done);
        assert_eq!(sandbox.stats().total_requests(), before, "{context}");
    }
}

/// Every state a full run saved is searched for the password and for
/// tokens: the password appears in none, and tokens (JWTs, refresh tokens)
/// only inside the `session` field, the snapshot saved on purpose. The
/// activation code is gone once used. `Debug` shows none of them.
#[tokio::test]
async fn no_saved_state_holds_the_password_and_tokens_only_in_the_session() {
    let sandbox = sandbox(Profile::Lenient).await;
    let store = store();
    let runner = runner(&sandbox, store.clone());
    let mut journey = journey();
    let mut driven = Driven::default();
    drive(&runner, &mut journey, &sandbox, &mut driven)
        .await
        .unwrap();
    let states = store.states();
    assert!(states.len() > 15, "{} saves", states.len());
    let code = sandbox.outbox_to(&journey.customer().email)[0]
        .code
        .expose()
        .to_string();
    let tenant_key = sandbox.credentials().tenant_key.expose_secret().to_string();
    let mut sessions_seen = 0;
    for (n, state) in states.iter().enumerate() {
        // Every saved state is a journey of this version.
        let saved: Journey = serde_json::from_value(state.clone())
            .unwrap_or_else(|e| panic!("save {n} is not a journey: {e}"));
        assert_eq!(saved.version(), finhub_onboarding::JOURNEY_VERSION);
        assert_eq!(saved.id(), journey.id());
        let text = serde_json::to_string(state).unwrap();
        assert!(!text.contains(PASSWORD), "save {n} holds the password");
        assert!(
            !text.to_lowercase().contains("password"),
            "save {n} names a password field: {text}"
        );
        assert!(!text.contains(&tenant_key), "save {n} holds the tenant key");
        let mut without_session = state.clone();
        let session = without_session.as_object_mut().unwrap().remove("session");
        let rest = serde_json::to_string(&without_session).unwrap();
        assert!(
            !rest.contains("eyJ"),
            "save {n}: a JWT outside the session: {rest}"
        );
        if let Some(session) = session {
            sessions_seen += 1;
            // The refresh token's captured form ends with the tenant key's
            // first eight characters: it appears in the session only.
            let refresh = session["refreshToken"].as_str().unwrap();
            assert!(
                !rest.contains(refresh),
                "save {n}: the refresh token outside the session"
            );
            assert!(session["accessToken"].as_str().unwrap().starts_with("eyJ"));
            let keys: Vec<&String> = session.as_object().unwrap().keys().collect();
            assert!(
                !keys.iter().any(|k| k.to_lowercase().contains("password")),
                "{keys:?}"
            );
        }
    }
    assert!(sessions_seen > 5, "the session was saved ({sessions_seen})");
    // The code was saved between being supplied and the activation only.
    let final_text = store.saved().pop().unwrap();
    assert!(!final_text.contains(&code), "the used code is gone");
    assert!(!final_text.contains("session"), "the ended session is gone");
    let debug = format!("{journey:?}");
    assert!(
        !debug.contains(PASSWORD) && !debug.contains(&code) && !debug.contains("eyJ"),
        "{debug}"
    );
}

/// A wrong activation code: FinHub refuses it, the journey asks again
/// (nothing activated), and the right one activates once.
#[tokio::test]
async fn a_refused_code_is_asked_for_again() {
    let sandbox = sandbox(Profile::Lenient).await;
    let runner = runner(&sandbox, store());
    let mut journey = journey();
    let mut outcome = runner.advance(&mut journey).await.unwrap();
    while matches!(
        outcome,
        Outcome::Waiting {
            on: WaitingOn::KycReview,
            ..
        }
    ) {
        sandbox
            .approve_review(journey.verification_id().unwrap())
            .unwrap();
        outcome = runner.advance(&mut journey).await.unwrap();
    }
    assert_eq!(
        outcome,
        Outcome::Waiting {
            on: WaitingOn::ActivationCode { rejected: false },
            retry_after: None
        }
    );
    // Asking again without a code sends nothing.
    let before = sandbox.stats().requests_for(Operation::ActivateCustomer);
    runner.advance(&mut journey).await.unwrap();
    assert_eq!(
        sandbox.stats().requests_for(Operation::ActivateCustomer),
        before
    );
    assert!(journey.supply_activation_code("  ").is_err());
    journey
        .supply_activation_code("ACTIVATION_CODE_00000000000000")
        .unwrap();
    assert_eq!(
        runner.advance(&mut journey).await.unwrap(),
        Outcome::Waiting {
            on: WaitingOn::ActivationCode { rejected: true },
            retry_after: None
        }
    );
    assert_eq!(sandbox.stats().side_effects.activations, 0);
    let code = sandbox.outbox_to(&journey.customer().email)[0].code.clone();
    journey.supply_activation_code(code.expose()).unwrap();
    assert_eq!(runner.advance(&mut journey).await.unwrap(), Outcome::Done);
    assert_eq!(sandbox.stats().side_effects.activations, 1);
}

/// The KYC review and the IBAN are polled with back-off that grows and is
/// capped; time is the sandbox's manual clock, nothing sleeps.
#[tokio::test]
async fn review_and_iban_are_polled_with_growing_capped_back_off() {
    let clock = Clock::manual(chrono::Utc::now());
    let sandbox = Sandbox::builder()
        .clock(clock.clone())
        .activation_codes(ActivationCodes::AnyNonEmpty)
        .review(finhub_sandbox::ReviewMode::All)
        .review_delay(Duration::from_secs(3 * 3600))
        .iban_delay(Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    let polling = Polling {
        review: Backoff::new(Duration::from_secs(600), Duration::from_secs(3600)),
        iban: Backoff::new(Duration::from_secs(5), Duration::from_secs(20)),
    };
    let runner = runner(&sandbox, store()).polling(polling);
    let mut journey = journey();
    let mut review_waits = Vec::new();
    let outcome = loop {
        match runner.advance(&mut journey).await.unwrap() {
            Outcome::Waiting {
                on: WaitingOn::KycReview,
                retry_after: Some(wait),
            } => {
                review_waits.push(wait.as_secs());
                clock.advance(wait);
            }
            other => break other,
        }
    };
    // 10, 20, 40 min (the review completes after 3 h on its own), capped at 60.
    assert_eq!(
        review_waits,
        [600, 600, 1200, 2400, 3600, 3600],
        "{review_waits:?}"
    );
    assert!(matches!(journey.approval(), ApprovalState::Approved { .. }));
    assert_eq!(
        outcome,
        Outcome::Waiting {
            on: WaitingOn::ActivationCode { rejected: false },
            retry_after: None
        }
    );
    journey
        .supply_activation_code("ACTIVATION_CODE_ANY")
        .unwrap();
    let mut iban_waits = Vec::new();
    loop {
        match runner.advance(&mut journey).await.unwrap() {
            Outcome::Waiting {
                on: WaitingOn::Iban,
                retry_after: Some(wait),
            } => {
                iban_waits.push(wait.as_secs());
                clock.advance(wait);
            }
            Outcome::Done => break,
            other => panic!("{other:?}"),
        }
    }
    // 5 + 10 + 20 + 20 = 55 s < 60 s: one more.
    assert_eq!(iban_waits, [5, 10, 20, 20, 20], "{iban_waits:?}");
    assert!(journey.iban().is_some());
    assert_once_each(&sandbox.stats(), "polled");
}

/// Later, in a new process: the saved session is resumed without the
/// password. Where FinHub refreshes it (2 hours later, the refresh token
/// still valid), the journey goes on; where the refresh is refused (2 days
/// later, the server's session is gone) or not offered (the runner profile
/// answers 405), it waits for the customer's password for one login, and
/// goes on after it. Both clocks (server's and client's) move together;
/// nothing sleeps.
#[tokio::test]
async fn a_resumed_session_refreshes_or_waits_for_one_login() {
    let hours = |n: u64| Duration::from_secs(n * 3600);
    for (profile, later, needs_login) in [
        (Profile::Lenient, hours(2), false),
        (Profile::Lenient, hours(48), true),
        (Profile::Runner, hours(2), true),
    ] {
        let context = format!("{profile:?} after {later:?}");
        let start = chrono::Utc::now();
        let clock = Clock::manual(start);
        let client_clock = Arc::new(ManualClock::new(start));
        let sandbox = Sandbox::builder()
            .profile(profile)
            .clock(clock.clone())
            .review(finhub_sandbox::ReviewMode::All)
            .start()
            .await
            .unwrap();
        let store = store();
        let mut journey = journey();
        let first = Runner::new(
            client_on(&sandbox, client_clock.clone()),
            store.clone(),
            SampleDocuments,
        );
        let outcome = first.advance(&mut journey).await.unwrap();
        assert!(
            matches!(
                outcome,
                Outcome::Waiting {
                    on: WaitingOn::KycReview,
                    ..
                }
            ),
            "{context}: {outcome:?}"
        );
        sandbox
            .approve_review(journey.verification_id().unwrap())
            .unwrap();
        let id = journey.id().clone();
        drop((first, journey));

        clock.advance(later);
        client_clock.advance(later);
        let second = Runner::new(
            client_on(&sandbox, client_clock.clone()),
            store.clone(),
            SampleDocuments,
        );
        let mut journey = second.load(&id).await.unwrap().expect("saved");
        let outcome = second.advance(&mut journey).await.unwrap();
        if needs_login {
            assert_eq!(
                outcome,
                Outcome::Waiting {
                    on: WaitingOn::CustomerLogin,
                    retry_after: None
                },
                "{context}"
            );
            assert_eq!(journey.phase(), Phase::Waiting);
            // Nothing is sent without a session; asking again sends no login.
            let logins = sandbox
                .stats()
                .requests_for(Operation::CreateCustomerSession);
            assert_eq!(
                second.advance(&mut journey).await.unwrap(),
                outcome,
                "{context}"
            );
            assert_eq!(
                sandbox
                    .stats()
                    .requests_for(Operation::CreateCustomerSession),
                logins
            );
            journey.supply_password(PASSWORD);
        }
        let outcome = second.advance(&mut journey).await.unwrap();
        assert!(
            matches!(
                outcome,
                Outcome::Waiting {
                    on: WaitingOn::ActivationCode { .. },
                    ..
                }
            ),
            "{context}: {outcome:?}"
        );
        let stats = sandbox.stats();
        let expected_logins = if needs_login { 2 } else { 1 };
        assert_eq!(
            stats.side_effects.customer_sessions, expected_logins,
            "{context}"
        );
        if !needs_login {
            assert_eq!(stats.side_effects.session_refreshes, 1, "{context}");
        }
        let code = sandbox.outbox()[0].code.clone();
        journey.supply_activation_code(code.expose()).unwrap();
        assert_eq!(
            second.advance(&mut journey).await.unwrap(),
            Outcome::Done,
            "{context}"
        );
        assert_once_each(&sandbox.stats(), &context);
    }
}

/// The same journey kept in a `FileStore`: started by one runner, reloaded
/// from the directory by another, finished.
#[tokio::test]
async fn a_file_store_carries_the_journey_between_runners() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = sandbox(Profile::Lenient).await;
    let mut journey = journey();
    let id = journey.id().clone();
    {
        let runner = Runner::new(
            client(&sandbox),
            FileStore::open(dir.path()).unwrap(),
            SampleDocuments,
        );
        let outcome = runner.advance(&mut journey).await.unwrap();
        assert!(
            matches!(
                outcome,
                Outcome::Waiting {
                    on: WaitingOn::KycReview,
                    ..
                }
            ),
            "{outcome:?}"
        );
    }
    sandbox
        .approve_review(journey.verification_id().unwrap())
        .unwrap();
    drop(journey);
    let store = FileStore::open(dir.path()).unwrap();
    assert_eq!(
        store.list(Some(Phase::Waiting)).await.unwrap(),
        vec![id.clone()]
    );
    let runner = Runner::new(client(&sandbox), store, SampleDocuments);
    let mut journey: Journey = runner.load(&id).await.unwrap().unwrap();
    let mut driven = Driven::default();
    drive(&runner, &mut journey, &sandbox, &mut driven)
        .await
        .unwrap();
    assert_once_each(&sandbox.stats(), "file store");
    // A copy loaded earlier cannot overwrite a newer save (another runner
    // saved in between): a conflict, and the newer state stays.
    let mut stale = runner.load(&id).await.unwrap().unwrap();
    let mut newer = runner.load(&id).await.unwrap().unwrap();
    newer.supply_activation_code("NEWER").unwrap();
    runner.save(&mut newer).await.unwrap();
    stale.supply_activation_code("STALE").unwrap();
    let err = runner.save(&mut stale).await.unwrap_err();
    assert!(
        matches!(err, finhub_onboarding::StoreError::Conflict { .. }),
        "{err}"
    );
    let text = std::fs::read_to_string(FileStore::open(dir.path()).unwrap().path_of(&id)).unwrap();
    assert!(text.contains("NEWER") && !text.contains("STALE"));
}

/// A state saved by another version, or not a journey at all, is refused
/// on load with a typed error that quotes nothing from it.
#[tokio::test]
async fn foreign_or_corrupt_states_are_refused_on_load() {
    let sandbox = Sandbox::start().await.unwrap();
    let store = store();
    let runner = runner(&sandbox, store.clone());
    let id = JourneyId::new("old");
    store
        .save(
            &id,
            None,
            Phase::Running,
            &serde_json::value::to_raw_value(&serde_json::json!({"version": 99, "id": "old"}))
                .unwrap(),
        )
        .await
        .unwrap();
    let err = runner.load(&id).await.unwrap_err();
    assert!(
        matches!(
            err,
            finhub_onboarding::LoadError::Version {
                found: 99,
                supported: 1,
                ..
            }
        ),
        "{err}"
    );
    let id = JourneyId::new("corrupt");
    store
        .save(
            &id,
            None,
            Phase::Running,
            &serde_json::value::to_raw_value(
                &serde_json::json!({"version": 1, "id": "corrupt", "customer": "Secret-Value-1"}),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let err = runner.load(&id).await.unwrap_err();
    assert!(
        matches!(err, finhub_onboarding::LoadError::Corrupt { .. }),
        "{err}"
    );
    assert!(!err.to_string().contains("Secret-Value-1"), "{err}");
    assert!(
        runner
            .load(&JourneyId::new("none"))
            .await
            .unwrap()
            .is_none()
    );
}

/// The saves of one journey, counted: an outcome goes to the store with
/// the next intent when nothing is sent between them, and before any other
/// request otherwise; a registration's outcome at once. In the sandbox's
/// default modes (KYC approved at once, one wait for the e-mailed code) a
/// journey is saved 15 times (24 when every outcome was saved on its own).
/// No save writes the same state as the one before, and nothing is sent
/// twice.
#[tokio::test]
async fn a_journey_is_saved_fifteen_times() {
    let sandbox = Sandbox::start().await.unwrap();
    let store = store();
    let runner = runner(&sandbox, store.clone());
    let mut journey = journey();
    let mut driven = Driven::default();
    drive(&runner, &mut journey, &sandbox, &mut driven)
        .await
        .unwrap();
    assert_eq!(journey.phase(), Phase::Done);
    let saved = store.saved();
    assert_eq!(saved.len(), 15, "saves per journey");
    assert_eq!(journey.revision().map(|r| r.0), Some(15));
    for pair in saved.windows(2) {
        assert_ne!(pair[0], pair[1], "a save wrote the same state again");
    }
    let stats = sandbox.stats();
    assert_once_each(&stats, "default modes");
    assert_sent_once_each(&stats, Profile::Lenient, "default modes");
    // The last save holds the outcome: loaded again, it is done.
    let loaded = runner.load(journey.id()).await.unwrap().unwrap();
    assert_eq!(loaded.phase(), Phase::Done);
    assert_eq!(loaded.next_step(), None);
}
