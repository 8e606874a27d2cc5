//! The outbox: registration e-mails the activation code, readable in
//! process and over the control API (token required); with
//! `ActivationCodes::Emailed` only that code activates.

use chrono::{TimeZone, Utc};
use finhub_sandbox::{ActivationCodes, Clock, MessageKind, Operation, Sandbox};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{self, Api, Reply};

#[tokio::test]
async fn registration_emails_the_activation_code() {
    let start = Utc.with_ymd_and_hms(2026, 3, 31, 11, 49, 46).unwrap();
    let sandbox = Sandbox::builder()
        .clock(Clock::manual(start))
        .start()
        .await
        .unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    assert!(sandbox.outbox().is_empty());

    let email = "Ann+Outbox@Example.test";
    let (customer_id, _) = api.register(&admin, email).await;
    // A refused registration sends nothing.
    api.send(
        Operation::RegisterIndividualCustomer,
        "/api/v2.1/customer/individual/registration",
        Some(&admin),
        Some(common::registration(email)),
    )
    .await
    .expect(409);
    let messages = sandbox.outbox();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    assert_eq!(message.to, email);
    assert_eq!(message.kind, MessageKind::Activation);
    assert_eq!(message.customer_id, customer_id);
    assert_eq!(message.sent_at, start);
    let code = message.code.expose().to_string();
    let digits = code.strip_prefix("ACTIVATION_CODE_").unwrap();
    assert!(
        digits.len() == 14 && digits.bytes().all(|b| b.is_ascii_digit()),
        "{code}"
    );
    assert!(
        !format!("{message:?}").contains(&code),
        "Debug shows the code"
    );
    assert_eq!(sandbox.outbox_to("ann+outbox@example.test"), messages);

    // Over HTTP: the control token is required.
    let url = format!("{}/__sandbox/outbox", sandbox.base_url());
    let refused = reqwest::Client::new()
        .get(&url)
        .query(&[("to", email)])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    let read = |to: Option<&'static str>| {
        let request = common::control(&sandbox, Method::GET, "/outbox");
        let request = match to {
            Some(to) => request.query(&[("to", to)]),
            None => request,
        };
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()
        }
    };
    // `+` and `@` travel percent-encoded; the address matches in any case.
    assert_eq!(
        read(Some("ANN+OUTBOX@example.test")).await,
        json!([{
            "to": email, "kind": "ACTIVATION", "code": code,
            "customerId": customer_id, "sentAt": "2026-03-31T11:49:46Z",
        }])
    );
    assert_eq!(read(Some("bob@example.test")).await, json!([]));
    let bob = api.register(&admin, "bob@example.test").await.0;
    let all = read(None).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[1]["customerId"], bob);
    assert_ne!(all[1]["code"], all[0]["code"]);
}

async fn activate(api: &Api, admin: &str, customer: &common::Customer, code: &str) -> Reply {
    api.send(
        Operation::ActivateCustomer,
        &format!("/api/v2.1/customer/individual/{}/activation", customer.id),
        Some(admin),
        Some(json!({"userId": customer.user_id, "code": code})),
    )
    .await
}

#[tokio::test]
async fn emailed_codes_activate_only_with_the_code_of_the_email() {
    let sandbox = Sandbox::builder()
        .activation_codes(ActivationCodes::Emailed)
        .start()
        .await
        .unwrap();
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let ann = api.onboard_start(&admin, &common::email("emailed")).await;
    let bob = api.onboard_start(&admin, &common::email("other")).await;
    api.make_ready(&admin, &ann).await;
    let before = sandbox.stats().side_effects;

    // The step runner's made-up code, another customer's code, blank.
    let bobs = sandbox.outbox_to(&bob.email)[0].code.expose().to_string();
    for wrong in ["ACTIVATION_CODE_20260331114954", bobs.as_str()] {
        let reply = activate(&api, &admin, &ann, wrong).await;
        reply.expect_error(400, "Request validation failed");
        assert_eq!(reply.error_fields(), ["code"], "{}", reply.text);
    }
    let reply = activate(&api, &admin, &ann, " ").await;
    assert_eq!(reply.expect(400).error_fields(), ["code"]);
    assert_eq!(sandbox.stats().side_effects, before);
    let readiness = api.readiness(&ann.session.token, &ann.id).await;
    assert_eq!(readiness.data()["activationAllowed"], true);

    // The code of Ann's e-mail, read over the control API.
    let response = common::control(&sandbox, Method::GET, "/outbox")
        .query(&[("to", ann.email.as_str())])
        .send()
        .await
        .unwrap();
    let messages: Value = response.json().await.unwrap();
    let code = messages[0]["code"].as_str().unwrap().to_string();
    activate(&api, &admin, &ann, &code).await.expect(200);
    assert_eq!(sandbox.stats().side_effects.activations, 1);
}

#[tokio::test]
async fn any_non_empty_code_activates_by_default() {
    let sandbox = Sandbox::start().await.unwrap();
    assert_eq!(
        sandbox.config().activation_codes,
        ActivationCodes::AnyNonEmpty
    );
    let api = Api::new(&sandbox);
    let admin = api.admin_login().await.token;
    let ann = api.onboard_start(&admin, &common::email("any")).await;
    api.make_ready(&admin, &ann).await;
    assert_eq!(sandbox.outbox().len(), 1);
    activate(&api, &admin, &ann, "ACTIVATION_CODE_20260331114954")
        .await
        .expect(200);
}
