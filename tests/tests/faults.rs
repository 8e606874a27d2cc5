//! The fault suite: every operation of the journey, against the sandbox,
//! under every fault it can inject — latency beyond the timeout, 500, 502,
//! 503, 504, 429 with `Retry-After`, a dropped connection, malformed and
//! truncated JSON, a wrong content type. Each must give the right outcome,
//! be retried only where the policy allows (idempotent operations), and
//! never make the server do a POST's work twice (the sandbox counts).

use std::sync::Arc;
use std::time::Duration;

use finhub_ext::builders::{
    ActivationBuilder, ApprovalBuilder, ConsentBuilder, ConsentKind, DocumentMime, DocumentType,
    DocumentUploadBuilder, Gender, PostalAddress, RegistrationBuilder, VerificationBuilder,
};
use finhub_ext::{CustomerClient, CustomerCredentials, Error, FinhubClient, ManualClock};
use finhub_sandbox::{FaultRule, Operation, Sandbox, SideEffects};

/// The journey's operations, in the order the journey reaches them.
const JOURNEY: [&str; 15] = [
    "create_admin_session",
    "get_categorization_hierarchy",
    "register_individual_customer",
    "create_customer_session",
    "refresh_customer_session",
    "submit_customer_verification",
    "create_verification",
    "get_verification",
    "upload_verification_document",
    "approve_verification",
    "accept_consent",
    "check_activation_readiness",
    "activate_customer",
    "list_customer_wallets",
    "delete_customer_session",
];

const EMAIL: &str = "fault.suite@example.com";
const PASSWORD: &str = "Fault-suite-password-1!";

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
            .timeout(Duration::from_millis(300))
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

    /// Runs the journey up to (not including) `target`.
    async fn reach(&mut self, target: &str) {
        for id in JOURNEY.iter().take_while(|id| **id != target) {
            self.call(id)
                .await
                .unwrap_or_else(|e| panic!("preparing {target}: {id}: {e}"));
        }
    }
}

fn effects_total(e: &SideEffects) -> u64 {
    e.registrations + e.verifications + e.documents + e.approvals + e.consents + e.activations
}

/// What a fault should lead to.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// This error, retried for idempotent operations.
    Retryable(fn(&Error) -> bool),
    /// This error, never retried.
    Final(fn(&Error) -> bool),
}

fn is_idempotent(id: &str) -> bool {
    finhub_ext::operation::Operation::find(id)
        .unwrap()
        .is_idempotent()
}

async fn scenario(
    target: &'static str,
    name: &str,
    rule: FaultRule,
    expect: Expect,
    handled: bool,
) {
    let mut world = World::new().await;
    world.reach(target).await;
    let operation: Operation = target.parse().unwrap();
    let before = world.sandbox.stats();
    world.sandbox.faults().inject(rule.on(operation)).unwrap();
    let result = world.call(target).await;
    let after = world.sandbox.stats();
    let requests = after.requests_for(operation) - before.requests_for(operation);
    let error = result.expect_err(&format!("{target} under {name} must fail"));
    let (matches, retried) = match expect {
        Expect::Retryable(is) => (is(&error), is_idempotent(target)),
        Expect::Final(is) => (is(&error), false),
    };
    assert!(matches, "{target} under {name}: unexpected {error:?}");
    // The three consents are three calls: the fault hits the first one.
    let expected = if retried { 3 } else { 1 };
    assert_eq!(
        requests, expected,
        "{target} under {name}: {requests} requests ({error})"
    );
    let work = effects_total(&after.side_effects) - effects_total(&before.side_effects);
    let allowed = u64::from(handled && !is_idempotent(target) && !target.contains("session"));
    assert!(
        work <= allowed,
        "{target} under {name}: the server did the work {work} times"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_under_every_fault() {
    let server_error: fn(&Error) -> bool = |e| matches!(e, Error::Server(_));
    type Fault = (&'static str, fn() -> FaultRule, Expect, bool);
    let faults: Vec<Fault> = vec![
        (
            "latency beyond the timeout",
            || FaultRule::latency(Duration::from_secs(2)),
            Expect::Retryable(|e| matches!(e, Error::Timeout { .. })),
            true,
        ),
        (
            "500",
            || FaultRule::status(500),
            Expect::Final(server_error),
            false,
        ),
        (
            "502",
            || FaultRule::status(502),
            Expect::Retryable(server_error),
            false,
        ),
        (
            "503",
            || FaultRule::status(503),
            Expect::Retryable(server_error),
            false,
        ),
        (
            "504",
            || FaultRule::status(504),
            Expect::Retryable(server_error),
            false,
        ),
        (
            "429 with Retry-After",
            || FaultRule::too_many_requests(1),
            Expect::Retryable(
                |e| matches!(e, Error::RateLimited { retry_after: Some(d), .. } if *d == Duration::from_secs(1)),
            ),
            false,
        ),
        (
            "connection drop",
            FaultRule::drop_connection,
            Expect::Retryable(|e| matches!(e, Error::Transport { .. })),
            false,
        ),
        (
            "malformed JSON",
            FaultRule::malformed_json,
            Expect::Final(|e| {
                matches!(
                    e,
                    Error::Decode {
                        status: Some(200),
                        ..
                    }
                )
            }),
            false,
        ),
        (
            "truncated JSON",
            FaultRule::truncated_body,
            Expect::Final(|e| matches!(e, Error::Decode { .. } | Error::Transport { .. })),
            true,
        ),
    ];
    let mut scenarios = 0;
    for target in JOURNEY {
        for (name, rule, expect, handled) in &faults {
            // Refresh and logout fall back or end the session differently
            // under some faults; their rules are covered in finhub-ext's tests.
            if matches!(target, "refresh_customer_session")
                && matches!(*name, "truncated JSON" | "malformed JSON")
            {
                continue;
            }
            scenario(target, name, rule(), *expect, *handled).await;
            scenarios += 1;
        }
    }
    assert!(scenarios >= 130, "{scenarios} scenarios");
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
    world
        .sandbox
        .faults()
        .inject(
            FaultRule::status(503)
                .on(Operation::ListCustomerWallets)
                .times(2),
        )
        .unwrap();
    world.call("list_customer_wallets").await.unwrap();
    assert_eq!(
        world
            .sandbox
            .stats()
            .requests_for(Operation::ListCustomerWallets),
        3
    );
}
