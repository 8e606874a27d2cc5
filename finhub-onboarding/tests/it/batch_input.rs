//! The customers file: columns, formats, every finding as
//! `row:column rule`, duplicates, a refused header, and passwords never
//! echoed. Fixtures: `tests/fixtures/batch/`.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use finhub_ext::builders::Gender;
use finhub_ext::validation::Severity;
use finhub_onboarding::batch::input::{
    BatchInput, CheckReport, InputError, InputOptions, Row, check_file,
};
use secrecy::ExposeSecret;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/batch")
        .join(name)
}

fn options() -> InputOptions {
    InputOptions::default().today(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap())
}

fn rows(name: &str) -> Vec<Row> {
    BatchInput::open(&fixture(name), options())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The findings as `row:column rule severity`.
fn brief(report: &CheckReport) -> Vec<String> {
    report
        .findings
        .iter()
        .map(|f| format!("{}:{} {} {}", f.row, f.column, f.rule, f.severity))
        .collect()
}

fn errors(report: &CheckReport) -> Vec<String> {
    brief(report)
        .into_iter()
        .filter(|f| f.ends_with(" error"))
        .map(|f| f.trim_end_matches(" error").to_string())
        .collect()
}

#[test]
fn valid_csv_rows_become_customers_with_every_fact() {
    let rows = rows("valid.csv");
    assert_eq!(rows.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 3, 4]);
    assert!(rows.iter().all(Row::is_valid), "{rows:#?}");
    let marcus = rows[0].customer.as_ref().unwrap();
    assert_eq!(marcus.email, "marcus.jensen@example.com");
    assert_eq!(marcus.gender, Some(Gender::Male));
    let password = rows[0].password().unwrap();
    assert_eq!(password.expose_secret(), "Canary-Valid-Pass-1!");
    let request = marcus
        .registration_builder(password)
        .tenant_id("97e7ff29-15f3-49ef-9681-3bbfcce4f6cd")
        .category("fs-cat-b2c-low-001", "Individual Standard")
        .build()
        .unwrap();
    let person = request.individual_customer.person.as_ref().unwrap();
    assert_eq!(request.nationality.as_deref(), Some("LT"));
    assert_eq!(
        person.addresses[0].street.as_deref(),
        Some("Gedimino pr. 1, apt. 4")
    );
    assert_eq!(person.addresses[0].postal_code.as_deref(), Some("01103"));
    assert_eq!(request.pincode.as_deref(), Some("12345"));
    // A row with only the required columns: valid, with warnings.
    let ona = &rows[1];
    assert_eq!(ona.customer.as_ref().unwrap().phone, None);
    assert!(ona.findings.iter().all(|f| f.severity == Severity::Warning));
    assert!(
        ona.findings
            .iter()
            .any(|f| f.column == "phone" && f.rule == "required.disputed")
    );
    // A record spanning two lines is its first line; `male` is MALE.
    let jonas = rows[2].customer.as_ref().unwrap();
    assert_eq!(jonas.last_name, "Multi\nLine");
    assert_eq!(jonas.gender, Some(Gender::Male));
    assert!(rows[2].findings.is_empty(), "{:?}", rows[2].findings);
}

#[test]
fn every_problem_of_a_csv_file_is_reported_at_its_row_and_column() {
    let report = check_file(&fixture("mixed.csv"), options()).unwrap();
    assert_eq!((report.rows, report.valid, report.invalid), (8, 0, 8));
    assert_eq!(
        errors(&report),
        [
            "2:email email.syntax",
            "3:password password.too_short",
            "3:password password.missing_uppercase",
            "3:password password.missing_digit",
            "3:password password.missing_special",
            "4:gender gender.unknown",
            "4:date_of_birth date.future",
            "5:city address.incomplete",
            "5:postal_code address.incomplete",
            "5:country address.incomplete",
            "6:email email.duplicate",
            "7:* row.field_count",
            "7:password required.missing",
            "8:first_name required.missing",
            "9:country country.unknown",
        ]
    );
    let brief = brief(&report);
    assert!(
        brief.contains(&"1:notes column.unknown warning".to_string()),
        "{brief:#?}"
    );
    assert!(
        brief.contains(&"1:phone required.disputed warning".to_string()),
        "{brief:#?}"
    );
    assert!(
        !brief.iter().any(|f| f.starts_with("2:phone")),
        "a column the file lacks is the header's warning, once"
    );
    assert!(
        !brief.contains(&"4:gender required.disputed warning".to_string()),
        "a gender outside the vocabulary is not also absent"
    );
    let duplicate = report
        .findings
        .iter()
        .find(|f| f.rule == "email.duplicate")
        .unwrap();
    assert!(duplicate.message.contains("row 3"), "{duplicate}");
    assert!(
        !duplicate.message.contains("ben@"),
        "no personal data: {duplicate}"
    );
    let shown = duplicate.to_string();
    assert!(
        shown.starts_with("6:email email.duplicate error: "),
        "{shown}"
    );
}

#[test]
fn a_header_without_required_columns_is_one_finding_and_no_row_is_read() {
    let input = BatchInput::open(&fixture("missing-columns.csv"), options()).unwrap();
    assert!(input.is_refused());
    let missing: Vec<_> = input
        .header_findings()
        .iter()
        .filter(|f| f.is_error())
        .collect();
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(
        (missing[0].row, missing[0].column.as_str(), missing[0].rule),
        (1, "*", "column.missing")
    );
    assert!(
        missing[0].message.contains("email, password"),
        "{}",
        missing[0]
    );
    assert_eq!(input.count(), 0);
    let report = check_file(&fixture("missing-columns.csv"), options()).unwrap();
    assert_eq!(report.rows, 0);
    assert!(report.has_errors());

    let repeated = BatchInput::csv(
        "email,first_name,last_name,password,EMAIL\n".as_bytes(),
        options(),
    )
    .unwrap();
    assert!(repeated.is_refused());
    assert!(
        repeated
            .header_findings()
            .iter()
            .any(|f| f.rule == "column.duplicate" && f.column == "EMAIL")
    );
    let empty = BatchInput::csv("".as_bytes(), options()).unwrap();
    assert_eq!(empty.header_findings()[0].rule, "file.empty");
}

#[test]
fn json_lines_rows_are_checked_like_csv_rows() {
    let report = check_file(&fixture("customers.jsonl"), options()).unwrap();
    assert_eq!(
        (report.rows, report.valid, report.invalid),
        (6, 2, 4),
        "the blank line is no row"
    );
    assert_eq!(
        errors(&report),
        [
            "3:pincode value.not_text",
            "4:* row.not_json",
            "5:* row.not_json",
            "6:email email.duplicate",
        ]
    );
    assert!(brief(&report).contains(&"6:nickname column.unknown warning".to_string()));
    let rows = rows("customers.jsonl");
    let lina = rows[0].customer.as_ref().unwrap();
    assert_eq!(lina.pincode.as_deref(), Some("00123"));
    assert_eq!(rows.last().unwrap().row, 7);
    assert!(rows.last().unwrap().is_valid(), "null is not given");
}

#[test]
fn a_file_of_another_format_is_refused_by_its_extension() {
    let error = BatchInput::open(Path::new("customers.xlsx"), options()).unwrap_err();
    assert!(matches!(error, InputError::UnknownFormat { .. }));
    assert!(error.to_string().contains(".csv"), "{error}");
}

#[test]
fn passwords_never_appear_in_findings_rows_or_reports() {
    const VALID: &str = "Canary#Valid-Pass-7341";
    const WEAK: &str = "canaryweak";
    const MISMATCH: &str = "Canary#Other-9913";
    let csv = format!(
        "email,first_name,last_name,password\n\
         a@example.com,A,One,{VALID}\n\
         b@example.com,B,Two,{WEAK}\n\
         not-an-email,C,Three,{MISMATCH}\n\
         A@example.com,D,Four,{VALID}\n"
    );
    let rows: Vec<Row> = BatchInput::csv(csv.as_bytes(), options())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(rows.len(), 4);
    assert!(
        rows[1]
            .findings
            .iter()
            .any(|f| f.rule == "password.missing_uppercase")
    );
    let mut printed = String::new();
    for row in &rows {
        printed.push_str(&format!("{row:?}\n"));
        for finding in &row.findings {
            printed.push_str(&format!(
                "{finding} {finding:?} {}\n",
                serde_json::to_string(finding).unwrap()
            ));
        }
    }
    for canary in [VALID, WEAK, MISMATCH] {
        assert!(!printed.contains(canary), "{canary} printed:\n{printed}");
    }
    assert!(printed.contains("** redacted **"));
}

/// Rows made on the fly: the file is read as a stream.
struct Generated {
    rows: usize,
    next: usize,
    pending: Vec<u8>,
}

impl std::io::Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            if self.next > self.rows {
                return Ok(0);
            }
            self.pending = if self.next == 0 {
                b"first_name,last_name,email,password\n".to_vec()
            } else if self.next == self.rows {
                // The last row repeats the first's e-mail.
                b"Last,Row,Customer1@example.com,Stream#Pass123\n".to_vec()
            } else {
                format!(
                    "C,{n},customer{n}@example.com,Stream#Pass123\n",
                    n = self.next
                )
                .into_bytes()
            };
            self.next += 1;
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        Ok(n)
    }
}

#[test]
fn a_long_file_streams_and_duplicates_are_found_to_its_end() {
    const ROWS: usize = 20_000;
    let input = BatchInput::csv(
        Generated {
            rows: ROWS,
            next: 0,
            pending: Vec::new(),
        },
        options(),
    )
    .unwrap();
    let (mut valid, mut last) = (0, None);
    for row in input {
        let row = row.unwrap();
        if row.is_valid() {
            valid += 1;
        }
        last = Some(row);
    }
    assert_eq!(valid, ROWS - 1);
    let last = last.unwrap();
    assert_eq!(last.row, ROWS as u64 + 1);
    assert_eq!(last.findings.len(), 1, "{:?}", last.findings);
    assert!(
        last.findings[0].message.contains("row 2"),
        "{}",
        last.findings[0]
    );
}
