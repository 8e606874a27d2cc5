//! What in `openapi.yaml` is FinHub's and what is ours.
//!
//! - The operation FinHub published in OpenAPI form (create customer
//!   session), its five schemas and the document-level parts published with
//!   it stand exactly as published (`tests/fixtures/published/`).
//! - Everything else is our reconstruction from FinHub's prose and carries
//!   `x-finhub-inferred` with a reason citing `docs/finhub-api.md`; an example
//!   without that mark is one a FinHub page shows, verbatim (a captured
//!   fixture).
//! - Corrections to the published part live in `openapi.overrides.yaml`
//!   (`documented-additions`) and reach the generated client.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use finhub_api::types;
use finhub_tests::{PUBLISHED_OPERATION, fixture, published, schema_violations, spec, workspace};
use regex::Regex;
use serde_json::{Value, json};

const MARK: &str = "x-finhub-inferred";

/// A citation of `docs/finhub-api.md` (`§2.3`, `I-19`).
static CITATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"§[0-9]|\bI-[0-9]+\b").expect("citation regex"));

fn escaped(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Every place where `a` and `b` differ, as JSON pointers.
fn differences(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let here = format!("{at}/{}", escaped(key));
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => differences(x, y, &here, out),
                    (Some(_), None) => out.push(format!("{here}: missing from openapi.yaml")),
                    (None, Some(_)) => out.push(format!("{here}: added in openapi.yaml")),
                    (None, None) => {}
                }
            }
        }
        _ if a != b => out.push(format!("{at}: {a} became {b}")),
        _ => {}
    }
}

fn published_schema_names() -> BTreeSet<String> {
    published()["components"]["schemas"]
        .as_object()
        .expect("published schemas")
        .keys()
        .cloned()
        .collect()
}

/// Every operation of the spec: (method, path, operation).
fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            out.push((method.clone(), path.clone(), op.clone()));
        }
    }
    out
}

/// Every `key` member anywhere in `value`, with its pointer.
fn members<'a>(value: &'a Value, key: &str, at: String, out: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let here = format!("{at}/{}", escaped(k));
                if k == key {
                    out.push((here.clone(), v));
                }
                members(v, key, here, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                members(v, key, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_published_operation_stands_as_finhub_published_it() {
    let published = published();
    let spec = spec();
    let (method, path) = PUBLISHED_OPERATION;
    assert!(published["paths"][path][method].is_object());
    let mut parts: Vec<String> = ["openapi", "info", "servers", "security", "tags"]
        .iter()
        .map(|k| format!("/{k}"))
        .collect();
    parts.push(format!("/paths/{}", escaped(path)));
    parts.extend(
        published_schema_names()
            .iter()
            .map(|name| format!("/components/schemas/{name}")),
    );
    assert_eq!(parts.len(), 11, "{parts:?}");
    assert_eq!(published["tags"].as_array().unwrap().len(), 30);
    let mut found = Vec::new();
    for part in &parts {
        let theirs = published.pointer(part).expect("a published part");
        let ours = spec.pointer(part).unwrap_or(&Value::Null);
        differences(theirs, ours, part, &mut found);
    }
    // Nothing of the published document is left out of the comparison.
    let top: BTreeSet<&str> = published
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        top,
        BTreeSet::from([
            "openapi",
            "info",
            "servers",
            "security",
            "tags",
            "paths",
            "components"
        ])
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_comparison_sees_an_added_example() {
    let published = json!({"content": {"application/json": {"schema": {"$ref": "#/x"}}}});
    let mut ours = published.clone();
    ours["content"]["application/json"]["example"] = json!({"code": 200});
    let mut found = Vec::new();
    differences(&published, &ours, "", &mut found);
    assert_eq!(
        found,
        ["/content/application~1json/example: added in openapi.yaml"]
    );
}

/// Whether a spec object carries a non-empty `x-finhub-inferred` reason.
fn marked(object: &Value) -> bool {
    object
        .get(MARK)
        .and_then(Value::as_str)
        .is_some_and(|reason| !reason.trim().is_empty())
}

#[test]
fn every_reconstructed_operation_and_schema_is_marked_inferred() {
    let spec = spec();
    let mut unmarked = Vec::new();
    for (method, path, op) in operations(&spec) {
        if (method.as_str(), path.as_str()) == PUBLISHED_OPERATION {
            assert!(
                op.get(MARK).is_none(),
                "the published operation is FinHub's own"
            );
            continue;
        }
        if !marked(&op) {
            unmarked.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    let published = published_schema_names();
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        if published.contains(name) {
            continue;
        }
        if !marked(schema) {
            unmarked.push(format!("schema {name}"));
        }
    }
    assert!(
        unmarked.is_empty(),
        "not marked {MARK}:\n{}",
        unmarked.join("\n")
    );
}

#[test]
fn every_example_is_a_page_example_or_marked_inferred() {
    let spec = spec();
    let captured: Vec<Value> = std::fs::read_dir(workspace().join("tests/fixtures/captured"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|name| name.ends_with(".json"))
        .map(|name| fixture(&format!("captured/{name}")))
        .collect();
    let mut problems = Vec::new();
    let mut verbatim = 0;
    let mut media = Vec::new();
    members(
        &spec["paths"],
        "application/json",
        "/paths".into(),
        &mut media,
    );
    for (at, media) in media {
        if media.get("example").is_some() {
            problems.push(format!("{at}: a bare `example` says nothing of its source"));
        }
        let Some(named) = media.get("examples").and_then(Value::as_object) else {
            continue;
        };
        for (name, example) in named {
            let here = format!("{at}/examples/{name}");
            if example.get("summary").and_then(Value::as_str).is_none() {
                problems.push(format!("{here}: no summary"));
            }
            if example.get(MARK).is_none() {
                if captured.contains(&example["value"]) {
                    verbatim += 1;
                } else {
                    problems.push(format!(
                        "{here}: neither marked {MARK} nor a captured page example"
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(verbatim >= 5, "only {verbatim} verbatim examples");
}

#[test]
fn tooling_metadata_stays_where_finhub_published_it() {
    let spec = spec();
    let allowed: Vec<String> = published_schema_names()
        .iter()
        .map(|name| format!("/components/schemas/{name}/"))
        .collect();
    let mut found = Vec::new();
    members(&spec, "x-mint", String::new(), &mut found);
    assert!(!found.is_empty(), "the published schema's x-mint is gone");
    let stray: Vec<&String> = found
        .iter()
        .map(|(at, _)| at)
        .filter(|at| !allowed.iter().any(|prefix| at.starts_with(prefix.as_str())))
        .collect();
    assert!(
        stray.is_empty(),
        "x-mint outside FinHub's published schemas: {stray:?}"
    );
}

#[test]
fn every_inferred_reason_is_one_line_citing_the_docs() {
    let spec = spec();
    let mut reasons = Vec::new();
    members(&spec, MARK, String::new(), &mut reasons);
    assert!(reasons.len() >= 60, "only {} marks", reasons.len());
    let overrides: Value = serde_yaml::from_str(
        &std::fs::read_to_string(workspace().join("openapi.overrides.yaml")).unwrap(),
    )
    .unwrap();
    let additions = overrides["documented-additions"].as_array().unwrap();
    for addition in additions {
        reasons.push((
            addition["at"].as_str().unwrap().to_string(),
            &addition["reason"],
        ));
    }
    let bad: Vec<String> = reasons
        .iter()
        .filter(|(_, reason)| {
            !reason
                .as_str()
                .is_some_and(|r| !r.contains('\n') && CITATION.is_match(r))
        })
        .map(|(at, reason)| format!("{at}: {reason}"))
        .collect();
    assert!(
        bad.is_empty(),
        "reasons without a citation:\n{}",
        bad.join("\n")
    );
}

#[test]
fn documented_additions_correct_only_the_published_part_and_reach_the_client() {
    let spec = spec();
    let overrides: Value = serde_yaml::from_str(
        &std::fs::read_to_string(workspace().join("openapi.overrides.yaml")).unwrap(),
    )
    .unwrap();
    let normalized: Value = serde_yaml::from_str(
        &std::fs::read_to_string(workspace().join("finhub-api/src/generated.openapi.yaml"))
            .unwrap(),
    )
    .unwrap();
    let mut prefixes: Vec<String> = published_schema_names()
        .iter()
        .map(|name| format!("/components/schemas/{name}/"))
        .collect();
    prefixes.push(format!("/paths/{}/", escaped(PUBLISHED_OPERATION.1)));
    let additions = overrides["documented-additions"].as_array().unwrap();
    let targets: Vec<&str> = additions
        .iter()
        .map(|a| a["at"].as_str().unwrap())
        .collect();
    for at in &targets {
        assert!(
            prefixes.iter().any(|p| at.starts_with(p.as_str())),
            "{at}: only FinHub's published part is corrected by addition; elsewhere openapi.yaml itself says it, marked {MARK}"
        );
        assert!(spec.pointer(at).is_none(), "{at}: openapi.yaml was edited");
        assert!(
            normalized.pointer(at).is_some(),
            "{at}: not in the generated client"
        );
    }
    let login = format!(
        "/paths/{}/post/responses/403",
        escaped(PUBLISHED_OPERATION.1)
    );
    assert!(targets.contains(&"/components/schemas/SessionResponse/properties/userId"));
    assert!(targets.contains(&login.as_str()));
}

#[test]
fn upload_dates_are_epoch_millis_or_date_time_strings() {
    let spec = spec();
    let document = |upload_date: Value| json!({"id": "d7379b5e-…", "uploadDate": upload_date});
    for accepted in [json!(1768245720542_i64), json!("2026-01-12T19:22:00.542Z")] {
        let violations =
            schema_violations(&spec, "VerificationDocument", &document(accepted.clone()));
        assert!(violations.is_empty(), "{accepted}: {violations:?}");
        let decoded: types::VerificationDocument =
            serde_json::from_value(document(accepted.clone())).unwrap();
        assert!(
            decoded.upload_date.unwrap().to_utc().is_some(),
            "{accepted}"
        );
    }
    assert!(
        !schema_violations(&spec, "VerificationDocument", &document(json!("yesterday"))).is_empty()
    );
    let data = &fixture("variants/document-upload-epoch-millis.json")["data"];
    assert_eq!(
        schema_violations(&spec, "VerificationDocument", data),
        Vec::<String>::new()
    );
}

#[test]
fn uploads_may_carry_the_latest_doc_id() {
    let spec = spec();
    let schema = &spec["components"]["schemas"]["UploadVerificationDocumentRequest"];
    assert!(schema["properties"]["docId"].is_object());
    assert!(
        !schema["required"]
            .as_array()
            .unwrap()
            .contains(&json!("docId"))
    );
    let mut body = serde_json::to_value(types::UploadVerificationDocumentRequest {
        document_type: "PASSPORT".into(),
        mime_type: Some("application/pdf".into()),
        file_name: "passport.pdf".into(),
        file_content: "JVBERi0xLjQKJeLjz9MKJSVFT0YK".into(),
        doc_id: Some("6f1c2a9e-4b7d-4e3a-9c8f-2d5b1a0e7c63".into()),
        customer_id: None,
        description: None,
        document_category: None,
        file_size: None,
        verification_id: None,
    })
    .unwrap();
    assert_eq!(body["docId"], "6f1c2a9e-4b7d-4e3a-9c8f-2d5b1a0e7c63");
    assert_eq!(
        schema_violations(&spec, "UploadVerificationDocumentRequest", &body),
        Vec::<String>::new()
    );
    body.as_object_mut().unwrap().remove("docId");
    assert_eq!(
        schema_violations(&spec, "UploadVerificationDocumentRequest", &body),
        Vec::<String>::new()
    );
}
