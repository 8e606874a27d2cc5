//! The generated operation catalogue (`finhub_ext::Operation`: method,
//! path), the client's own table (`finhub_ext::operation::handling`: token,
//! role, idempotency) and its retryable statuses (`finhub_ext::retry`) agree
//! with the oracle written from the docs, on every entry and every status.
//! The other suites take their expectations from the oracle; this one says
//! where the client's table departs from it.

use std::collections::BTreeSet;

use crate::common::oracle::{self, Method, Role, Token};
use finhub_ext::operation::{SessionRole, handling};
use finhub_ext::retry::is_retryable_status;
use finhub_ext::{Operation, RetryPolicy, TokenKind};
use reqwest::StatusCode;

fn method(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Delete => reqwest::Method::DELETE,
    }
}

fn token(token: Token) -> TokenKind {
    match token {
        Token::Admin => TokenKind::Admin,
        Token::Customer => TokenKind::Customer,
        Token::None => TokenKind::None,
    }
}

fn role(role: Role) -> SessionRole {
    match role {
        Role::Ordinary => SessionRole::Ordinary,
        Role::Login => SessionRole::Login,
        Role::Refresh => SessionRole::Refresh,
        Role::Logout => SessionRole::Logout,
    }
}

#[test]
fn the_client_knows_exactly_the_operations_of_the_oracle() {
    let code: BTreeSet<_> = Operation::ALL.iter().map(|op| op.id()).collect();
    let oracle: BTreeSet<_> = oracle::OPERATIONS.iter().map(|op| op.id).collect();
    assert_eq!(code, oracle);
    assert_eq!(
        Operation::ALL.len(),
        oracle::OPERATIONS.len(),
        "duplicate ids"
    );
}

#[test]
fn every_operation_has_the_oracles_method_path_token_role_and_idempotency() {
    let mut disagreements = Vec::new();
    for expected in oracle::OPERATIONS {
        let Some(op) = Operation::from_id(expected.id) else {
            disagreements.push(format!("{}: missing from the client", expected.id));
            continue;
        };
        let row = handling(op);
        let mut differs = |what: &str, code: String, oracle: String| {
            if code != oracle {
                disagreements.push(format!(
                    "{}: {what} is {code} in the client, {oracle} in the oracle",
                    expected.id
                ));
            }
        };
        differs(
            "method",
            op.method().to_string(),
            method(expected.method).to_string(),
        );
        differs("path", op.path().into(), expected.path.into());
        differs(
            "default token",
            format!("{:?}", row.token),
            format!("{:?}", token(expected.token)),
        );
        differs(
            "role",
            format!("{:?}", row.role),
            format!("{:?}", role(expected.role)),
        );
        differs(
            "idempotent",
            row.is_idempotent().to_string(),
            expected.idempotent.to_string(),
        );
    }
    assert!(
        disagreements.is_empty(),
        "the client's operation table disagrees with the oracle:\n{}",
        disagreements.join("\n")
    );
}

#[test]
fn the_retryable_statuses_are_the_oracles_on_every_status() {
    let retried: BTreeSet<u16> = oracle::OPERATIONS
        .iter()
        .flat_map(|op| op.retried_on.iter().copied())
        .collect();
    assert_eq!(
        retried,
        oracle::RETRYABLE_STATUSES.iter().copied().collect(),
        "the oracle retries one set of statuses"
    );
    let disagreements: Vec<u16> = (100..=599)
        .filter(|status| {
            is_retryable_status(StatusCode::from_u16(*status).unwrap())
                != oracle::RETRYABLE_STATUSES.contains(status)
        })
        .collect();
    assert!(
        disagreements.is_empty(),
        "is_retryable_status disagrees with the oracle on {disagreements:?}"
    );
    // Retried statuses apply to idempotent operations only.
    for op in oracle::OPERATIONS {
        assert_eq!(
            op.retried_on.is_empty(),
            !op.idempotent,
            "{}: retried statuses and idempotency disagree in the oracle",
            op.id
        );
    }
}

#[test]
fn the_default_policy_makes_the_oracles_number_of_attempts_and_caps_retry_after() {
    let policy = RetryPolicy::default();
    assert_eq!(policy.attempts(), oracle::MAX_ATTEMPTS);
    assert_eq!(
        policy.delay(1, Some(std::time::Duration::from_secs(3600))),
        std::time::Duration::from_secs(oracle::MAX_RETRY_AFTER_SECS)
    );
    assert_eq!(
        policy.delay(1, Some(std::time::Duration::from_secs(29))),
        std::time::Duration::from_secs(29)
    );
}
