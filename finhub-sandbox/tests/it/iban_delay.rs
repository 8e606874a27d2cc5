//! The IBAN delay: the product wallet gets its IBAN a while (sandbox
//! clock) after activation; before it, the runner profile answers 404 for
//! the wallets and the others list them without `iban`.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use finhub_sandbox::{Clock, Profile, Sandbox};
use serde_json::Value;

use crate::common::{self, Api};

const DELAY: Duration = Duration::from_secs(600);

async fn activated(profile: Profile) -> (Sandbox, Api, common::Customer, Value) {
    let start = Utc.with_ymd_and_hms(2026, 3, 31, 11, 49, 54).unwrap();
    let sandbox = Sandbox::builder()
        .clock(Clock::manual(start))
        .profile(profile)
        .iban_delay(DELAY)
        .start()
        .await
        .unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let customer = api.onboard_start(&admin, &common::email("iban")).await;
    api.make_ready(&admin, &customer).await;
    let reply = api.activate(&admin, &customer.id, &customer.email).await;
    let answer = reply.expect(200).data().clone();
    (sandbox, api, customer, answer)
}

fn ibans(wallets: &Value) -> Vec<Option<&str>> {
    wallets
        .as_array()
        .unwrap()
        .iter()
        .map(|wallet| wallet["iban"].as_str())
        .collect()
}

#[tokio::test]
async fn wallets_show_the_iban_once_the_delay_has_passed() {
    let (sandbox, api, customer, answer) = activated(Profile::Lenient).await;
    // Activation answers without an IBAN: none is assigned yet.
    assert!(answer.get("iban").is_none(), "{answer}");
    assert!(answer.get("accountNumber").is_none(), "{answer}");
    assert!(answer["wallet"].get("iban").is_none(), "{answer}");
    assert_eq!(answer["activationStatus"], "ACTIVATED");

    let token = &customer.session.token;
    for step in [Duration::ZERO, DELAY - Duration::from_secs(1)] {
        sandbox.clock().advance(step);
        let reply = api.wallets(token, &customer.id).await;
        let wallets = reply.expect(200).data();
        assert_eq!(ibans(wallets), [None, None], "{}", reply.text);
        assert_eq!(wallets[0]["status"], "ACTIVE");
    }
    sandbox.clock().advance(Duration::from_secs(1));
    let reply = api.wallets(token, &customer.id).await;
    let found = ibans(reply.expect(200).data());
    let iban = found[0].expect("the product wallet's IBAN");
    assert!(finhub_sandbox::iban::is_valid(iban), "{iban}");
    assert_eq!(found[1], None, "the master wallet has none");
}

#[tokio::test]
async fn the_runner_answers_404_until_the_iban_is_assigned() {
    let (sandbox, api, customer, answer) = activated(Profile::Runner).await;
    assert_eq!(answer, serde_json::json!({}));
    let token = &customer.session.token;
    sandbox.clock().advance(DELAY - Duration::from_secs(1));
    let before = sandbox.stats().side_effects;
    api.wallets(token, &customer.id).await.expect_error(
        404,
        &format!(
            "No wallets found for customer '{}' (wallets are created on activation)",
            customer.id
        ),
    );
    assert_eq!(sandbox.stats().side_effects, before);
    sandbox.clock().advance(Duration::from_secs(1));
    let reply = api.wallets(token, &customer.id).await;
    let iban = ibans(reply.expect(200).data())[0].expect("an IBAN");
    assert!(finhub_sandbox::iban::is_valid(iban), "{iban}");
}
