//! The results file: one line per input row in CSV or JSON lines, written
//! whole or not at all, readable by its owner only, and never a password.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use chrono::NaiveDate;
use finhub_onboarding::batch::input::{BatchInput, InputOptions, Row};
use finhub_onboarding::batch::results::{ResultsError, ResultsWriter, RowResult, RowState};

const PASSWORD_CANARY: &str = "Canary#Results-Pass-5521";
const WEAK_CANARY: &str = "canaryresults";

/// Rows of an input holding password canaries: a valid row and an invalid
/// one (weak password, bad e-mail).
fn input_rows() -> Vec<Row> {
    let csv = format!(
        "email,first_name,last_name,password\n\
         ok@example.com,Ok,Row,{PASSWORD_CANARY}\n\
         bad-email,Bad,Row,{WEAK_CANARY}\n"
    );
    BatchInput::csv(
        csv.as_bytes(),
        InputOptions::default().today(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()),
    )
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// One result of each state, from the input rows.
fn results() -> Vec<RowResult> {
    let rows = input_rows();
    let invalid = rows[1].clone();
    vec![
        RowResult {
            row: rows[0].row,
            email: rows[0].email.clone(),
            customer_id: Some("ff72a196-426a-4ab3-a2d3-e4c583a9bc88".into()),
            state: RowState::Done,
            iban: Some("LT611000012345600037".into()),
        },
        RowResult {
            row: 4,
            email: "waits@example.com".into(),
            customer_id: Some("c-2".into()),
            state: RowState::Waiting {
                on: "kyc_review".into(),
            },
            iban: None,
        },
        RowResult {
            row: 5,
            email: "fails@example.com".into(),
            customer_id: None,
            state: RowState::Failed {
                code: "registration.conflict".into(),
            },
            iban: None,
        },
        RowResult {
            row: invalid.row,
            email: invalid.email,
            customer_id: None,
            state: RowState::Invalid {
                findings: invalid.findings,
            },
            iban: None,
        },
    ]
}

fn write(path: &Path) -> String {
    let mut writer = ResultsWriter::create(path).unwrap();
    for result in results() {
        writer.write(&result).unwrap();
    }
    assert_eq!(writer.finish().unwrap(), path);
    std::fs::read_to_string(path).unwrap()
}

fn only_the_results_file(dir: &Path) {
    let names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "a temporary file was left: {names:?}");
}

#[test]
fn csv_results_have_one_line_per_row_and_no_password() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.csv");
    let text = write(&path);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec!["row", "email", "customer_id", "state", "detail", "iban"]
    );
    let records: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(records.len(), 4);
    assert_eq!(
        records[0],
        [
            "2",
            "ok@example.com",
            "ff72a196-426a-4ab3-a2d3-e4c583a9bc88",
            "done",
            "",
            "LT611000012345600037"
        ]
    );
    assert_eq!(&records[1][3..5], ["waiting", "kyc_review"]);
    assert_eq!(&records[2][3..5], ["failed", "registration.conflict"]);
    assert_eq!(&records[3][0..4], ["3", "bad-email", "", "invalid"]);
    assert!(
        records[3][4].contains("email email.syntax error"),
        "{:?}",
        &records[3]
    );
    assert!(
        records[3][4].contains("password password.missing_uppercase error"),
        "{:?}",
        &records[3]
    );
    for canary in [PASSWORD_CANARY, WEAK_CANARY] {
        assert!(!text.contains(canary), "{canary} in:\n{text}");
    }
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "readable by its owner only: {mode:o}");
    only_the_results_file(dir.path());
}

#[test]
fn json_lines_results_carry_the_state_and_its_detail() {
    let dir = tempfile::tempdir().unwrap();
    let text = write(&dir.path().join("results.jsonl"));
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(
        lines[0],
        serde_json::json!({
            "row": 2, "email": "ok@example.com",
            "customerId": "ff72a196-426a-4ab3-a2d3-e4c583a9bc88",
            "state": "done", "iban": "LT611000012345600037"
        })
    );
    assert_eq!(lines[1]["waitingOn"], "kyc_review");
    assert_eq!(lines[2]["errorCode"], "registration.conflict");
    assert_eq!(lines[3]["state"], "invalid");
    let findings = lines[3]["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["rule"] == "email.syntax"
        && f["column"] == "email"
        && f["severity"] == "error"
        && f["row"] == 3));
    for canary in [PASSWORD_CANARY, WEAK_CANARY] {
        assert!(!text.contains(canary), "{canary} in:\n{text}");
    }
}

#[test]
fn results_not_finished_leave_the_previous_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.csv");
    std::fs::write(&path, "previous run\n").unwrap();
    let mut writer = ResultsWriter::create(&path).unwrap();
    writer.write(&results()[0]).unwrap();
    drop(writer);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "previous run\n");
    only_the_results_file(dir.path());
    let error = ResultsWriter::create(&dir.path().join("results.txt")).unwrap_err();
    assert!(
        matches!(error, ResultsError::UnknownFormat { .. }),
        "{error}"
    );
}
