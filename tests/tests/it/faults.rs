//! The fault suite: every operation of the journey, against the sandbox,
//! under every fault it can inject — latency beyond the timeout, 500, 502,
//! 503, 504, 429 with `Retry-After`, a dropped connection, malformed and
//! truncated JSON. Each must give the right error, be sent exactly as many
//! times as the oracle (`finhub_tests::oracle`, written from the docs, not
//! from the client's own table) says, and never make the server do a POST's
//! work twice (the sandbox counts requests and side effects).
//!
//! Time: back-off runs on a `ManualClock` (nothing sleeps). The latency
//! fault needs real time — the HTTP client's timeout is a real timer — so
//! the only real-time bounds are generous ones: a healthy call answers well
//! within [`TIMEOUT`], and the sandbox holds a delayed request for
//! [`LATENCY`], twice as long. The side-effect counters are read only after
//! every delayed request has finished (see [`settle`]).

use std::sync::Arc;
use std::time::Duration;

use finhub_ext::builders::{
    ActivationBuilder, ApprovalBuilder, ConsentBuilder, ConsentKind, DocumentMime, DocumentType,
    DocumentUploadBuilder, Gender, PostalAddress, RegistrationBuilder, VerificationBuilder,
};
use finhub_ext::{CustomerClient, CustomerCredentials, Error, FinhubClient, ManualClock};
use finhub_sandbox::{FaultRule, Operation, Sandbox, SideEffects, Stats};
use finhub_tests::oracle::{self, Expected};
use tokio::task::JoinSet;

const EMAIL: &str = "fault.suite@example.com";
const PASSWORD: &str = "Fault-suite-password-1!";

/// The client's timeout. Healthy calls to the in-process sandbox take
/// milliseconds.
const TIMEOUT: Duration = Duration::from_secs(2);

/// The injected latency: longer than [`TIMEOUT`], so a delayed request
/// always times out.
const LATENCY: Duration = Duration::from_secs(4);

/// A sandbox, a client on a manual clock (so back-off never sleeps), and
/// what the journey produced so far.
struct World {
    sandbox: Sandbox,
    client: FinhubClient,
    customer: Option<CustomerClient>,
    customer_id: String,
    user_id: String,
    verification_id: String,
}

impl World {
    async fn new() -> World {
        let sandbox = Sandbox::start().await.unwrap();
        let client = sandbox
            .credentials()
            .client_builder()
            .timeout(TIMEOUT)
            .clock(Arc::new(ManualClock::new(chrono::Utc::now())))
            .build()
            .unwrap();
        World {
            sandbox,
            client,
            customer: None,
            customer_id: String::new(),
            user_id: String::new(),
            verification_id: String::new(),
        }
    }

    fn customer(&self) -> &CustomerClient {
        self.customer.as_ref().expect("a customer session")
    }

    /// Runs operation `id` through its typed method.
    async fn call(&mut self, id: &str) -> Result<(), Error> {
        let tenant = self.client.tenant_id().to_string();
        match id {
            "create_admin_session" => self.client.admin_login().await,
            "get_categorization_hierarchy" => {
                self.client.categorization_hierarchy().await.map(drop)
            }
            "register_individual_customer" => {
                let request = RegistrationBuilder::new()
                    .tenant_id(&tenant)
                    .name("Marcus", "Jensen")
                    .email(EMAIL)
                    .phone("+37060012345")
                    .password(PASSWORD)
                    .date_of_birth("1990-05-15")
                    .gender(Gender::Male)
                    .nationality("LT")
                    .place_of_birth("Vilnius")
                    .pincode("12345")
                    .address(PostalAddress::home(
                        "Gedimino pr. 1",
                        "Vilnius",
                        "01103",
                        "LT",
                    ))
                    .category("fs-cat-b2c-low-001", "Individual Standard")
                    .build()
                    .unwrap();
                let customer = self.client.register_customer(&request).await?;
                self.customer_id = customer.id.unwrap();
                self.user_id = customer.user.and_then(|u| u.id).unwrap();
                Ok(())
            }
            "create_customer_session" => {
                let credentials =
                    CustomerCredentials::new(&self.customer_id, &self.user_id, EMAIL, PASSWORD);
                self.customer = Some(self.client.customer_login(credentials).await?);
                Ok(())
            }
            "refresh_customer_session" => self.customer().refresh().await,
            "submit_customer_verification" => self
                .customer()
                .start_verification(&Default::default())
                .await
                .map(drop),
            "create_verification" => {
                let request = VerificationBuilder::new(&self.customer_id).build().unwrap();
                let verification = self.customer().create_verification(&request).await?;
                self.verification_id = verification.verification_id.unwrap();
                Ok(())
            }
            "get_verification" => self
                .customer()
                .verification(&self.verification_id)
                .await
                .map(drop),
            "upload_verification_document" => {
                let document = DocumentUploadBuilder::new(
                    DocumentType::Passport,
                    DocumentMime::Pdf,
                    "passport.pdf",
                    b"%PDF-1.4\n".to_vec(),
                )
                .verification_id(&self.verification_id)
                .customer_id(&self.customer_id)
                .build()
                .unwrap();
                self.customer()
                    .upload_document(&self.verification_id, &document)
                    .await
                    .map(drop)
            }
            "approve_verification" => {
                let request = ApprovalBuilder::new(&self.verification_id).build().unwrap();
                self.client
                    .approve_verification(&self.verification_id, &request)
                    .await
                    .map(drop)
            }
            "accept_consent" => {
                // Three calls: a fault on the operation hits the first one.
                for kind in [
                    ConsentKind::Terms,
                    ConsentKind::Privacy,
                    ConsentKind::DataProcessing,
                ] {
                    let consent = ConsentBuilder::new(kind, "1.0").build().unwrap();
                    self.customer()
                        .accept_consent(consent.consent_type, &consent.body)
                        .await?;
                }
                Ok(())
            }
            "check_activation_readiness" => self
                .customer()
                .activation_readiness(&tenant)
                .await
                .map(drop),
            "activate_customer" => {
                let request = ActivationBuilder::new(&self.user_id, "ACTIVATION_CODE_1")
                    .build()
                    .unwrap();
                self.client
                    .activate_customer(&self.customer_id, &request)
                    .await
                    .map(drop)
            }
            "list_customer_wallets" => self.customer().wallets().await.map(drop),
            "delete_customer_session" => self.customer.take().unwrap().logout().await.map(drop),
            other => panic!("no call for {other}"),
        }
    }

    /// Runs the journey (the oracle's order) up to, not including, `target`.
    async fn reach(&mut self, target: &str) {
        for op in oracle::OPERATIONS.iter().take_while(|op| op.id != target) {
            self.call(op.id)
                .await
                .unwrap_or_else(|e| panic!("preparing {target}: {}: {e}", op.id));
        }
    }
}

/// Which sandbox counter each operation's work moves (written from the
/// sandbox's documented counters; reads move none).
fn counter_of(id: &str) -> Option<&'static str> {
    match id {
        "create_admin_session" => Some("admin_sessions"),
        "register_individual_customer" => Some("registrations"),
        "create_customer_session" => Some("customer_sessions"),
        "refresh_customer_session" => Some("session_refreshes"),
        "delete_customer_session" => Some("logouts"),
        "submit_customer_verification" | "create_verification" => Some("verifications"),
        "upload_verification_document" => Some("documents"),
        "approve_verification" => Some("approvals"),
        "accept_consent" => Some("consents"),
        "activate_customer" => Some("activations"),
        "get_categorization_hierarchy"
        | "get_verification"
        | "check_activation_readiness"
        | "list_customer_wallets" => None,
        other => panic!("no counter known for {other}"),
    }
}

fn counters(e: &SideEffects) -> [(&'static str, u64); 10] {
    [
        ("registrations", e.registrations),
        ("admin_sessions", e.admin_sessions),
        ("customer_sessions", e.customer_sessions),
        ("session_refreshes", e.session_refreshes),
        ("logouts", e.logouts),
        ("verifications", e.verifications),
        ("documents", e.documents),
        ("approvals", e.approvals),
        ("consents", e.consents),
        ("activations", e.activations),
    ]
}

/// Whether the sandbox does the operation's work under a fault.
#[derive(Clone, Copy, Debug)]
enum Work {
    /// Never: the fault answers instead of the handler.
    Never,
    /// Exactly once per request: handled, then the answer is spoiled.
    Always,
    /// At most once per request: the handler runs after the delay unless
    /// the server drops it when the client hangs up.
    AtMostOnce,
}

/// One fault of the suite and what the finhub-ext README says the client does under it.
#[derive(Clone, Copy)]
struct Fault {
    name: &'static str,
    rule: fn() -> FaultRule,
    /// The error the call must end with.
    error: fn(&Error) -> bool,
    /// How many requests the client sends, from the oracle.
    requests: fn(&Expected) -> u32,
    work: Work,
    /// How long the sandbox may still be busy after the client gave up.
    delay: Duration,
}

fn faults() -> Vec<Fault> {
    fn server(e: &Error) -> bool {
        matches!(e, Error::Server(_))
    }
    vec![
        Fault {
            name: "latency beyond the timeout",
            rule: || FaultRule::latency(LATENCY),
            error: |e| matches!(e, Error::Timeout { .. }),
            requests: Expected::attempts_on_transport_failure,
            work: Work::AtMostOnce,
            delay: LATENCY,
        },
        Fault {
            name: "500",
            rule: || FaultRule::status(500),
            error: server,
            requests: |op| op.attempts_on_status(500),
            work: Work::Never,
            delay: Duration::ZERO,
        },
        Fault {
            name: "502",
            rule: || FaultRule::status(502),
            error: server,
            requests: |op| op.attempts_on_status(502),
            work: Work::Never,
            delay: Duration::ZERO,
        },
        Fault {
            name: "503",
            rule: || FaultRule::status(503),
            error: server,
            requests: |op| op.attempts_on_status(503),
            work: Work::Never,
            delay: Duration::ZERO,
        },
        Fault {
            name: "504",
            rule: || FaultRule::status(504),
            error: server,
            requests: |op| op.attempts_on_status(504),
            work: Work::Never,
            delay: Duration::ZERO,
        },
        Fault {
            name: "429 with Retry-After",
            rule: || FaultRule::too_many_requests(1),
            error: |e| matches!(e, Error::RateLimited { retry_after: Some(d), .. } if *d == Duration::from_secs(1)),
            requests: |op| op.attempts_on_status(429),
            work: Work::Never,
            delay: Duration::ZERO,
        },
        Fault {
            name: "connection drop",
            rule: FaultRule::drop_connection,
            error: |e| matches!(e, Error::Transport { .. }),
            requests: Expected::attempts_on_transport_failure,
            work: Work::Never,
            delay: Duration::ZERO,
        },
        Fault {
            name: "malformed JSON",
            rule: FaultRule::malformed_json,
            error: |e| {
                matches!(
                    e,
                    Error::Decode {
                        status: Some(200),
                        ..
                    }
                )
            },
            requests: |_| 1,
            work: Work::Never,
            delay: Duration::ZERO,
        },
        Fault {
            name: "truncated JSON",
            rule: FaultRule::truncated_body,
            error: |e| matches!(e, Error::Decode { .. } | Error::Transport { .. }),
            requests: |_| 1,
            work: Work::Always,
            delay: Duration::ZERO,
        },
    ]
}

/// The sandbox's counters once it has finished every request it holds.
///
/// The sandbox does not report requests in flight. A request it delays
/// arrived before the client gave up on it (at least [`TIMEOUT`] before the
/// failed call returned), so after `delay - TIMEOUT` more its handler has
/// woken up; then the counters are read until two reads 100 ms apart agree
/// (at most 10 s). Waiting longer can only make the reading more complete.
async fn settle(sandbox: &Sandbox, delay: Duration) -> Stats {
    if !delay.is_zero() {
        tokio::time::sleep(delay.saturating_sub(TIMEOUT) + Duration::from_millis(100)).await;
    }
    let mut last = sandbox.stats();
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = sandbox.stats();
        if now == last {
            return now;
        }
        last = now;
    }
    panic!("the sandbox's counters did not settle within 10 s");
}

async fn scenario(target: &'static Expected, fault: Fault) {
    let (id, name) = (target.id, fault.name);
    let mut world = World::new().await;
    world.reach(id).await;
    let operation: Operation = id.parse().unwrap();
    let before = settle(&world.sandbox, Duration::ZERO).await;
    world
        .sandbox
        .faults()
        .inject((fault.rule)().on(operation))
        .unwrap();
    let result = world.call(id).await;
    let error = result.expect_err(&format!("{id} under {name} must fail"));
    assert!(
        (fault.error)(&error),
        "{id} under {name}: unexpected {error:?}"
    );
    let after = settle(&world.sandbox, fault.delay).await;

    let requests = after.requests_for(operation) - before.requests_for(operation);
    let expected = u64::from((fault.requests)(target));
    assert_eq!(
        requests, expected,
        "{id} under {name}: {requests} requests, the oracle says {expected} ({error})"
    );
    let own = counter_of(id);
    for ((counter, was), (_, is)) in counters(&before.side_effects)
        .into_iter()
        .zip(counters(&after.side_effects))
    {
        let work = is - was;
        let allowed = match (Some(counter) == own, fault.work) {
            (false, _) | (true, Work::Never) => 0..=0,
            (true, Work::Always) => requests..=requests,
            (true, Work::AtMostOnce) => 0..=requests,
        };
        assert!(
            allowed.contains(&work),
            "{id} under {name}: `{counter}` moved by {work}, expected {allowed:?}"
        );
        if !target.idempotent {
            assert!(
                work <= 1,
                "{id} under {name}: the server did the work {work} times"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_under_every_fault() {
    let faults = faults();
    let mut scenarios = 0;
    // One batch per fault, every operation at once (each in its own
    // sandbox), so that the latency fault waits once, not once per
    // operation.
    for fault in &faults {
        let mut batch = JoinSet::new();
        for target in oracle::OPERATIONS {
            batch.spawn(scenario(target, *fault));
        }
        while let Some(done) = batch.join_next().await {
            if let Err(e) = done {
                std::panic::resume_unwind(e.into_panic());
            }
            scenarios += 1;
        }
    }
    assert_eq!(scenarios, oracle::OPERATIONS.len() * faults.len());
    assert_eq!(scenarios, 15 * 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mislabelled_content_type_is_tolerated_when_the_body_is_json() {
    let mut world = World::new().await;
    world.reach("get_categorization_hierarchy").await;
    world
        .sandbox
        .faults()
        .inject(FaultRule::wrong_content_type().on(Operation::GetCategorizationHierarchy))
        .unwrap();
    world.call("get_categorization_hierarchy").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transient_fault_on_an_idempotent_call_is_absorbed_by_the_retry() {
    let mut world = World::new().await;
    world.reach("list_customer_wallets").await;
    let before = world
        .sandbox
        .stats()
        .requests_for(Operation::ListCustomerWallets);
    world
        .sandbox
        .faults()
        .inject(
            FaultRule::status(503)
                .on(Operation::ListCustomerWallets)
                .times(u64::from(oracle::MAX_ATTEMPTS - 1)),
        )
        .unwrap();
    world.call("list_customer_wallets").await.unwrap();
    let requests = world
        .sandbox
        .stats()
        .requests_for(Operation::ListCustomerWallets)
        - before;
    assert_eq!(requests, u64::from(oracle::MAX_ATTEMPTS));
}
