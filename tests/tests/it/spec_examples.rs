//! Every example of the vendored `openapi.yaml` (requests and responses)
//! decodes into the generated type of its schema and encodes back to the same
//! JSON meaning. The published create-session operation has none (FinHub
//! published it without examples); its answers are the captured fixtures.

use finhub_api::types;
use finhub_tests::{PUBLISHED_OPERATION, examples, meaning, spec};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn round_trip<T: DeserializeOwned + Serialize>(value: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(value.clone()).map_err(|e| format!("decode: {e}"))?;
    serde_json::to_value(&typed).map_err(|e| format!("encode: {e}"))
}

macro_rules! by_schema {
    ($name:expr, $value:expr, [$($ty:ident),* $(,)?]) => {
        match $name {
            $(stringify!($ty) => Some(round_trip::<types::$ty>($value)),)*
            _ => None,
        }
    };
}

fn round_trip_schema(name: &str, value: &Value) -> Option<Result<Value, String>> {
    by_schema!(
        name,
        value,
        [
            CreateAdminSessionRequest,
            CreateIndividualSessionRequest,
            RefreshSessionRequest,
            BaseResponseSessionResponse,
            BaseResponseSessionTermination,
            BaseResponseCategorizationHierarchy,
            IndividualRegistrationRequest,
            BaseResponseCustomerRegistrationResponse,
            CustomerVerificationRequest,
            CreateVerificationRequest,
            BaseResponseVerification,
            UploadVerificationDocumentRequest,
            BaseResponseVerificationDocument,
            ApproveVerificationRequest,
            BaseResponseVerificationApproval,
            AcceptConsentRequest,
            BaseResponseConsent,
            BaseResponseActivationReadiness,
            ActivationRequest,
            BaseResponseActivation,
            BaseResponseWalletList,
            ErrorEnvelope,
        ]
    )
}

#[test]
fn every_spec_example_round_trips_through_the_generated_types() {
    let examples = examples(&spec());
    assert!(
        examples.len() >= 23,
        "only {} examples found",
        examples.len()
    );
    let mut failures = Vec::new();
    for example in &examples {
        match round_trip_schema(&example.schema, &example.value) {
            None => failures.push(format!(
                "{}: no generated type listed for schema {}",
                example.origin, example.schema
            )),
            Some(Err(e)) => failures.push(format!("{} ({}): {e}", example.origin, example.schema)),
            Some(Ok(back)) => {
                if meaning(&back) != meaning(&example.value) {
                    failures.push(format!(
                        "{} ({}): changed on the way back\n  sent: {}\n  back: {}",
                        example.origin,
                        example.schema,
                        meaning(&example.value),
                        meaning(&back)
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_operation_has_request_and_response_examples() {
    let spec = spec();
    let examples = examples(&spec);
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let name = format!("{} {path}", method.to_uppercase());
            if (method.as_str(), path.as_str()) == PUBLISHED_OPERATION {
                assert!(
                    !examples
                        .iter()
                        .any(|e| e.origin.starts_with(&format!("{name} "))),
                    "{name} is FinHub's published operation, which has no examples"
                );
                continue;
            }
            assert!(
                examples
                    .iter()
                    .any(|e| e.origin.starts_with(&format!("{name} response 200"))),
                "{name} has no 200 response example"
            );
            if op.get("requestBody").is_some() {
                assert!(
                    examples
                        .iter()
                        .any(|e| e.origin.starts_with(&format!("{name} request"))),
                    "{name} has no request example"
                );
            }
        }
    }
}
