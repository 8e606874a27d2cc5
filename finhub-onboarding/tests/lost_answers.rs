//! The crash and lost-answer matrix: for every POST of the journey, the
//! sandbox does the work and drops the connection before the answer
//! (`drop_after_processing`), once. The run stops; a resumed run — a new
//! process as far as the journey knows: the state reloaded from the store,
//! a new client — completes, and the sandbox's counters show every side
//! effect exactly once. A lost registration is the exception FinHub leaves
//! no read for: the typed "outcome unknown" answer, and no second POST.

mod common;

use common::*;
use finhub_onboarding::{Failure, JourneyStore, Outcome, Step};
use finhub_sandbox::{FaultRule, Operation, Profile, Sandbox};

/// One lost answer: the operation, how many of its requests pass before
/// the one whose answer is lost, and a name.
struct Case {
    name: &'static str,
    operation: Operation,
    after: u64,
}

const fn case(name: &'static str, operation: Operation, after: u64) -> Case {
    Case {
        name,
        operation,
        after,
    }
}

/// Every POST of the journey (the registration apart, below).
const CASES: [Case; 11] = [
    case("admin login", Operation::CreateAdminSession, 0),
    case("customer login", Operation::CreateCustomerSession, 0),
    case("verification", Operation::CreateVerification, 0),
    case("first document", Operation::UploadVerificationDocument, 0),
    case("second document", Operation::UploadVerificationDocument, 1),
    case("approval", Operation::ApproveVerification, 0),
    case("terms", Operation::AcceptConsent, 0),
    case("privacy", Operation::AcceptConsent, 1),
    case("data processing", Operation::AcceptConsent, 2),
    case("activation", Operation::ActivateCustomer, 0),
    // The logout is a DELETE: idempotent, retried by the client itself.
    case("logout", Operation::DeleteCustomerSession, 0),
];

async fn lost_once(profile: Profile, case: &Case) {
    let context = format!("{profile:?}, {}", case.name);
    let sandbox = sandbox(profile).await;
    // The runner profile refuses the client's first activation form (400
    // naming `userId`) before the documented alternative does the work:
    // lose the answer of the one that activates.
    let refused_first =
        u64::from(profile == Profile::Runner && case.operation == Operation::ActivateCustomer);
    sandbox
        .faults()
        .inject(
            FaultRule::drop_after_processing()
                .on(case.operation)
                .after(case.after + refused_first)
                .times(1),
        )
        .unwrap();
    let store = store();
    let mut journey = journey();
    let id = journey.id().clone();
    let mut driven = Driven::default();

    // The first process: runs until the lost answer stops it.
    let first = runner(&sandbox, store.clone());
    let error = drive(&first, &mut journey, &sandbox, &mut driven).await;
    let stopped = match error {
        Err(error) => error,
        Ok(()) if case.operation == Operation::DeleteCustomerSession => {
            // The client sent the idempotent logout again by itself.
            assert_eq!(sandbox.stats().faults_injected, 1, "{context}");
            assert_once_each(&sandbox.stats(), &context);
            assert_sent_once_each(&sandbox.stats(), profile, &context);
            return;
        }
        Ok(()) => panic!("{context}: the lost answer did not stop the run"),
    };
    assert_eq!(
        sandbox.stats().faults_injected,
        1,
        "{context}: the fault fired"
    );
    assert!(stopped.is_retryable(), "{context}: {stopped}");
    drop((first, journey));

    // A new process: the state from the store, a new client.
    let second = runner(&sandbox, store.clone());
    let mut journey = second.load(&id).await.unwrap().expect("saved");
    drive(&second, &mut journey, &sandbox, &mut driven)
        .await
        .unwrap_or_else(|e| panic!("{context}: the resumed run failed: {e}"));
    assert_eq!(journey.next_step(), None, "{context}");
    assert_once_each(&sandbox.stats(), &context);
    assert_sent_once_each(&sandbox.stats(), profile, &context);
    assert_eq!(
        store.load(&id).await.unwrap().unwrap().phase,
        finhub_onboarding::Phase::Done
    );
}

#[tokio::test]
async fn every_lost_answer_is_read_back_and_nothing_is_done_twice() {
    for case in &CASES {
        lost_once(Profile::Lenient, case).await;
    }
}

/// The runner profile's answers say less (no `missingConsents`, no
/// verification status in the readiness check; wallets 404 until the
/// IBAN): the lost consents and activation are still resolved.
#[tokio::test]
async fn lost_answers_in_the_runner_profile() {
    for case in &CASES {
        lost_once(Profile::Runner, case).await;
    }
}

/// A lost registration: FinHub has no customer lookup, so the journey
/// answers `OutcomeUnknown` and never registers again by itself, however
/// often it runs. An operator who finds the customer (the sandbox plays
/// the admin portal) hands the ids over, and the journey completes with
/// one registration.
#[tokio::test]
async fn a_lost_registration_is_outcome_unknown_and_never_sent_twice() {
    let sandbox = sandbox(Profile::Lenient).await;
    sandbox
        .faults()
        .inject(
            FaultRule::drop_after_processing()
                .on(Operation::RegisterIndividualCustomer)
                .times(1),
        )
        .unwrap();
    let store = store();
    let mut journey = journey();
    let id = journey.id().clone();
    let first = runner(&sandbox, store.clone());
    let outcome = first.advance(&mut journey).await.unwrap();
    let Outcome::Failed {
        failure: Failure::OutcomeUnknown { step, what_to_do },
    } = &outcome
    else {
        panic!("{outcome:?}");
    };
    assert_eq!(*step, Step::Registration);
    assert!(what_to_do.contains("registration_found"), "{what_to_do}");
    assert!(
        what_to_do.contains(&journey.customer().email),
        "{what_to_do}"
    );
    assert!(!what_to_do.contains(PASSWORD));
    assert_eq!(sandbox.stats().side_effects.registrations, 1);

    // Again, in this process and in a new one (even with the password at
    // hand): the same answer, no POST.
    assert_eq!(first.advance(&mut journey).await.unwrap(), outcome);
    drop((first, journey));
    let second = runner(&sandbox, store.clone());
    let mut journey = second.load(&id).await.unwrap().unwrap();
    for _ in 0..3 {
        assert_eq!(second.advance(&mut journey).await.unwrap(), outcome);
    }
    journey.supply_password(PASSWORD);
    assert_eq!(second.advance(&mut journey).await.unwrap(), outcome);
    assert_eq!(
        sandbox
            .stats()
            .requests_for(Operation::RegisterIndividualCustomer),
        1,
        "sent once"
    );
    assert_eq!(
        store.load(&id).await.unwrap().unwrap().phase,
        finhub_onboarding::Phase::Failed
    );

    // The operator finds the customer and hands the ids over.
    let found = sandbox.find_customer(&journey.customer().email).unwrap();
    assert!(journey.registration_found(&found.customer_id, &found.user_id));
    let mut driven = Driven::default();
    drive(&second, &mut journey, &sandbox, &mut driven)
        .await
        .unwrap();
    // The password supplied above logs the customer in.
    assert!(!driven.waited(|w| *w == finhub_onboarding::WaitingOn::CustomerLogin));
    assert_eq!(journey.customer_id(), Some(found.customer_id.as_str()));
    assert_once_each(&sandbox.stats(), "registration found");
}

/// An operator who wrongly declares the customer absent: the journey
/// registers again, FinHub refuses the e-mail (409), and the journey stops
/// with that refusal — still one customer.
#[tokio::test]
async fn registering_again_after_an_operators_not_found_is_refused_by_finhub() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox
        .faults()
        .inject(
            FaultRule::drop_after_processing()
                .on(Operation::RegisterIndividualCustomer)
                .times(1),
        )
        .unwrap();
    let runner = runner(&sandbox, store());
    let mut journey = journey();
    assert!(matches!(
        runner.advance(&mut journey).await.unwrap(),
        Outcome::Failed {
            failure: Failure::OutcomeUnknown { .. }
        }
    ));
    assert!(journey.registration_not_found(PASSWORD));
    let outcome = runner.advance(&mut journey).await.unwrap();
    assert!(
        matches!(
            &outcome,
            Outcome::Failed {
                failure: Failure::Rejected {
                    step: Step::Registration,
                    status: Some(409),
                    ..
                }
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(sandbox.stats().side_effects.registrations, 1);
    let registrations = || {
        sandbox
            .stats()
            .requests_for(Operation::RegisterIndividualCustomer)
    };
    assert_eq!(registrations(), 2);
    // The refusal sticks: nothing is sent until someone clears it.
    assert_eq!(runner.advance(&mut journey).await.unwrap(), outcome);
    assert_eq!(registrations(), 2);
    assert!(journey.clear_failure());
    assert!(!journey.clear_failure());
    assert_eq!(runner.advance(&mut journey).await.unwrap(), outcome);
    assert_eq!(registrations(), 3, "retried after the failure was cleared");
}

/// A registration answered 429 (with `Retry-After`) was not handled by
/// FinHub: the run stops with the retryable error and its wait, the
/// journey is not registered (not "sent without an answer"), and the next
/// run registers — one customer, the password still at hand.
#[tokio::test]
async fn a_throttled_registration_is_sent_again_by_a_later_run() {
    let sandbox = sandbox(Profile::Lenient).await;
    sandbox
        .faults()
        .inject(
            FaultRule::too_many_requests(2)
                .on(Operation::RegisterIndividualCustomer)
                .times(1),
        )
        .unwrap();
    let store = store();
    let runner = runner(&sandbox, store.clone());
    let mut journey = journey();
    let error = runner.advance(&mut journey).await.unwrap_err();
    assert_eq!(error.step(), Some(Step::Registration));
    assert!(error.is_retryable(), "{error}");
    let finhub_onboarding::AdvanceError::Finhub {
        source: finhub_ext::Error::RateLimited { retry_after, .. },
        ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(*retry_after, Some(std::time::Duration::from_secs(2)));
    assert_eq!(sandbox.stats().side_effects.registrations, 0);
    assert_eq!(journey.customer_id(), None);
    let saved = store.load(journey.id()).await.unwrap().unwrap();
    assert_ne!(saved.phase, finhub_onboarding::Phase::Failed);

    let mut driven = Driven::default();
    drive(&runner, &mut journey, &sandbox, &mut driven)
        .await
        .unwrap();
    assert!(
        !driven.waited(|w| matches!(
            w,
            finhub_onboarding::WaitingOn::RegistrationPassword
                | finhub_onboarding::WaitingOn::CustomerLogin
        )),
        "the password was kept for the second try: {:?}",
        driven.outcomes
    );
    assert_eq!(
        sandbox
            .stats()
            .requests_for(Operation::RegisterIndividualCustomer),
        2,
        "the throttled one and the one that registered"
    );
    assert_once_each(&sandbox.stats(), "throttled registration");
}
