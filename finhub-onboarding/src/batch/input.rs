//! The customers file of a batch: one customer per row, checked before
//! anything is sent.
//!
//! # Formats
//!
//! Chosen by the file's extension ([`InputFormat::from_path`]):
//!
//! * `.csv`: comma-separated, a header row naming the columns (any order,
//!   any letter case, surrounding spaces ignored), fields quoted as RFC 4180
//!   says when they hold commas, quotes or line breaks; UTF-8 (a leading
//!   byte-order mark is ignored);
//! * `.jsonl` or `.ndjson`: one JSON object per line, its keys the column
//!   names, its values strings (`null` or a missing key: not given); blank
//!   lines are skipped.
//!
//! # Columns
//!
//! | column | required | what | checked |
//! |---|---|---|---|
//! | `first_name` | yes | first name | not blank |
//! | `last_name` | yes | last name | not blank |
//! | `email` | yes | e-mail address; also the login name and the journey's id | e-mail syntax; unique in the file, letter case ignored |
//! | `password` | yes | the customer's initial password (FinHub's registration requires one) | FinHub's password policy; never echoed |
//! | `phone` | no | phone number, E.164 (`+37060012345`) | E.164 |
//! | `date_of_birth` | no | `YYYY-MM-DD` | a real date, not in the future |
//! | `gender` | no | `MALE`, `FEMALE` or `OTHER` (any letter case) | the vocabulary |
//! | `nationality` | no | ISO 3166-1 code or English country name (`LT`, `Lithuania`) | a country |
//! | `place_of_birth` | no | a city | — |
//! | `street`, `city`, `postal_code`, `country` | no, but all four or none | the home address; `country` as `nationality` | complete; a country |
//! | `pincode` | no | PIN code | — |
//!
//! Every row is built into a registration through
//! [`RegistrationBuilder`](finhub_ext::builders::RegistrationBuilder) and
//! checked with FinHub's documented rules
//! ([`finhub_ext::validation`]; an optional column left empty is the
//! `required.disputed` warning), plus the file's own rules ([`codes`]).
//! The category and tenant are the batch's, not a row's: their rules are
//! the batch's to check.
//!
//! # Findings
//!
//! Each problem is a [`Finding`], printed `row:column rule severity:
//! message`, for example `7:email email.syntax error: …`: `row` is the
//! line number in the file (where the record starts, for a CSV record
//! spanning lines), `column` the column's name as the header writes it
//! (`*` for the row or the header as a whole). Errors make a row invalid
//! (it is not sent); warnings are reported and the row is sent. A message
//! never quotes a value, except a vocabulary value (a gender, a country),
//! and never a password.
//!
//! A header that lacks a required column (or names one twice) is one error
//! for the header (row 1), and no row of the file is read. A column the
//! format does not know is a warning (row 1 for CSV, the row for JSON
//! lines); its values are ignored. A CSV header without one of the optional
//! columns FinHub's pages disagree on requiring (`phone`, `date_of_birth`,
//! `gender`, `nationality`, `place_of_birth`, `pincode`) is one
//! `required.disputed` warning for the header, not one per row; an empty
//! cell of such a column is a warning of its row.
//!
//! # Streaming
//!
//! [`BatchInput`] is an iterator over the rows: one record is in memory at
//! a time (plus one lower-case e-mail address per row, for the duplicate
//! check), so files of any length can be checked and run.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, Utc};
use finhub_ext::builders::Gender;
use finhub_ext::validation::{Severity, codes as rules};
use secrecy::SecretString;
use serde::Serialize;

use crate::customer::{Address, Customer};

/// The file's own rule codes (the registration's are
/// [`finhub_ext::validation::codes`]).
pub mod codes {
    /// The header lacks required columns (an error; no row is read).
    pub const COLUMN_MISSING: &str = "column.missing";
    /// The header names a column twice (an error; no row is read).
    pub const COLUMN_DUPLICATE: &str = "column.duplicate";
    /// A column (or JSON key) this format does not know (a warning; its
    /// values are ignored).
    pub const COLUMN_UNKNOWN: &str = "column.unknown";
    /// The file has no header row (an error).
    pub const FILE_EMPTY: &str = "file.empty";
    /// A CSV record with more or fewer fields than the header (an error).
    pub const ROW_FIELD_COUNT: &str = "row.field_count";
    /// A JSON line that is not a JSON object (an error).
    pub const ROW_NOT_JSON: &str = "row.not_json";
    /// A value that is not UTF-8 text (an error).
    pub const VALUE_NOT_UTF8: &str = "value.not_utf8";
    /// A JSON value that is neither a string nor `null` (an error).
    pub const VALUE_NOT_TEXT: &str = "value.not_text";
    /// The e-mail address of an earlier row, letter case ignored (an
    /// error; the earlier row stays valid).
    pub const EMAIL_DUPLICATE: &str = "email.duplicate";
    /// Some parts of the address are given, others not (an error at each
    /// missing part).
    pub const ADDRESS_INCOMPLETE: &str = "address.incomplete";
}

/// The severity of a rule: the file's own, or the registration's.
fn severity_of(rule: &str) -> Severity {
    match rule {
        codes::COLUMN_UNKNOWN => Severity::Warning,
        codes::COLUMN_MISSING
        | codes::COLUMN_DUPLICATE
        | codes::FILE_EMPTY
        | codes::ROW_FIELD_COUNT
        | codes::ROW_NOT_JSON
        | codes::VALUE_NOT_UTF8
        | codes::VALUE_NOT_TEXT
        | codes::EMAIL_DUPLICATE
        | codes::ADDRESS_INCOMPLETE => Severity::Error,
        other => rules::severity(other),
    }
}

/// The columns of a customers file (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    /// `first_name`.
    FirstName,
    /// `last_name`.
    LastName,
    /// `email`.
    Email,
    /// `password`.
    Password,
    /// `phone`.
    Phone,
    /// `date_of_birth`.
    DateOfBirth,
    /// `gender`.
    Gender,
    /// `nationality`.
    Nationality,
    /// `place_of_birth`.
    PlaceOfBirth,
    /// `street`.
    Street,
    /// `city`.
    City,
    /// `postal_code`.
    PostalCode,
    /// `country`.
    Country,
    /// `pincode`.
    Pincode,
}

impl Column {
    /// Every column, in the documented order.
    pub const ALL: [Column; 14] = [
        Column::FirstName,
        Column::LastName,
        Column::Email,
        Column::Password,
        Column::Phone,
        Column::DateOfBirth,
        Column::Gender,
        Column::Nationality,
        Column::PlaceOfBirth,
        Column::Street,
        Column::City,
        Column::PostalCode,
        Column::Country,
        Column::Pincode,
    ];

    /// The column's name in a header or as a JSON key.
    pub const fn name(self) -> &'static str {
        match self {
            Column::FirstName => "first_name",
            Column::LastName => "last_name",
            Column::Email => "email",
            Column::Password => "password",
            Column::Phone => "phone",
            Column::DateOfBirth => "date_of_birth",
            Column::Gender => "gender",
            Column::Nationality => "nationality",
            Column::PlaceOfBirth => "place_of_birth",
            Column::Street => "street",
            Column::City => "city",
            Column::PostalCode => "postal_code",
            Column::Country => "country",
            Column::Pincode => "pincode",
        }
    }

    /// Whether every file must have the column.
    pub const fn is_required(self) -> bool {
        matches!(
            self,
            Column::FirstName | Column::LastName | Column::Email | Column::Password
        )
    }

    /// The column a header cell names (trimmed, any letter case).
    pub fn from_name(name: &str) -> Option<Column> {
        let name = name.trim().to_ascii_lowercase();
        Column::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The column of a registration body's JSON path, as
    /// [`RegistrationBuilder::findings`] reports them.
    fn of_path(path: &str) -> Option<Column> {
        Some(match path {
            "firstName" | "individualCustomer.customerName" => Column::FirstName,
            "lastName" => Column::LastName,
            "email" => Column::Email,
            "password" | "matchingPassword" => Column::Password,
            "phone" => Column::Phone,
            "dateOfBirth" => Column::DateOfBirth,
            "gender" => Column::Gender,
            "nationality" => Column::Nationality,
            "placeOfBirth" => Column::PlaceOfBirth,
            "pincode" => Column::Pincode,
            _ => match path.strip_prefix("individualCustomer.person.addresses[0].")? {
                "street" => Column::Street,
                "city" => Column::City,
                "postalCode" => Column::PostalCode,
                "country" => Column::Country,
                _ => return None,
            },
        })
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The optional columns whose absence is FinHub's `required.disputed`
/// warning.
const DISPUTED: [Column; 6] = [
    Column::Phone,
    Column::DateOfBirth,
    Column::Gender,
    Column::Nationality,
    Column::PlaceOfBirth,
    Column::Pincode,
];

/// Registration paths that are the batch's facts, not a row's.
fn is_batch_wide(path: &str) -> bool {
    [
        "customerCategory",
        "tenantId",
        "roleIds",
        "individualCustomer.tenantId",
        "individualCustomer.categorization",
        "individualCustomer.user.roles",
    ]
    .iter()
    .any(|prefix| path.starts_with(prefix))
}

/// One problem of a row or of the header (see the [module docs](self)).
/// Serializes as `{"row", "column", "rule", "severity", "message"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The line number in the file (1 is the header of a CSV file).
    pub row: u64,
    /// The column's name as the file writes it; `*` for the whole row or
    /// header.
    pub column: String,
    /// The rule's code ([`codes`] or [`finhub_ext::validation::codes`]).
    pub rule: &'static str,
    /// Whether the finding makes the row invalid.
    pub severity: Severity,
    /// What is wrong, in plain words; never a password.
    pub message: String,
}

impl Finding {
    fn new(row: u64, column: impl Into<String>, rule: &'static str, message: String) -> Self {
        Finding {
            row,
            column: column.into(),
            rule,
            severity: severity_of(rule),
            message,
        }
    }

    /// Whether the finding makes its row invalid.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    /// `row:column rule severity: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{} {} {}: {}",
            self.row, self.column, self.rule, self.severity, self.message
        )
    }
}

/// One row of the file, checked.
#[derive(Clone)]
pub struct Row {
    /// The line number in the file.
    pub row: u64,
    /// The e-mail address as written (trimmed; empty when none), for the
    /// results.
    pub email: String,
    /// The customer, when no finding is an error: the journey's
    /// [`Customer`] itself (the optional facts the row leaves empty are
    /// `None`; a passport and a proof of address to upload).
    pub customer: Option<Customer>,
    /// Every finding of the row, errors and warnings.
    pub findings: Vec<Finding>,
    /// The row's password, when the row is valid; never stored.
    password: Option<SecretString>,
}

impl fmt::Debug for Row {
    /// Everything but the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Row")
            .field("row", &self.row)
            .field("email", &self.email)
            .field("customer", &self.customer)
            .field("findings", &self.findings)
            .field(
                "password",
                &self.password.as_ref().map(|_| "** redacted **"),
            )
            .finish()
    }
}

impl Row {
    /// Whether the row can be sent (no finding is an error).
    pub fn is_valid(&self) -> bool {
        self.customer.is_some()
    }

    /// The customer's initial password, when the row is valid: given to
    /// the journey (in memory only) to register with.
    pub fn password(&self) -> Option<&SecretString> {
        self.password.as_ref()
    }
}

/// The format of a customers file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// CSV with a header row (`.csv`).
    Csv,
    /// One JSON object per line (`.jsonl`, `.ndjson`).
    JsonLines,
}

impl InputFormat {
    /// The format of the file at `path`, by its extension.
    pub fn from_path(path: &Path) -> Result<InputFormat, InputError> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("csv") => Ok(InputFormat::Csv),
            Some("jsonl" | "ndjson") => Ok(InputFormat::JsonLines),
            _ => Err(InputError::UnknownFormat {
                path: path.to_path_buf(),
            }),
        }
    }
}

/// Why a customers file cannot be read at all (a problem of a row is a
/// [`Finding`] instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The extension names no known format.
    #[error(
        "{}: unknown customers file format; use .csv (with a header row) or .jsonl (JSON lines)",
        path.display()
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// Reading failed.
    #[error("reading the customers file failed at line {line}: {source}")]
    Io {
        /// The line being read.
        line: u64,
        /// The failure.
        source: std::io::Error,
    },
}

/// How rows are checked.
#[derive(Debug, Clone, Default)]
pub struct InputOptions {
    today: Option<NaiveDate>,
}

impl InputOptions {
    /// The date a date of birth must not be after (default: today, UTC);
    /// tests fix it.
    pub fn today(mut self, today: NaiveDate) -> Self {
        self.today = Some(today);
        self
    }
}

/// The values of one row, by column, before checking.
struct RawRow {
    row: u64,
    values: HashMap<Column, String>,
    findings: Vec<Finding>,
}

impl RawRow {
    fn new(row: u64) -> Self {
        RawRow {
            row,
            values: HashMap::new(),
            findings: Vec::new(),
        }
    }

    fn finding(&mut self, column: impl Into<String>, rule: &'static str, message: String) {
        self.findings
            .push(Finding::new(self.row, column, rule, message));
    }

    fn get(&self, column: Column) -> Option<&str> {
        self.values.get(&column).map(String::as_str)
    }
}

enum Source<R> {
    Csv {
        reader: csv::Reader<R>,
        /// The column of each header cell (`None`: unknown, ignored).
        columns: Vec<Option<Column>>,
        /// The header cells as written (trimmed).
        names: Vec<String>,
        record: csv::ByteRecord,
    },
    JsonLines {
        reader: BufReader<R>,
        line: u64,
        buffer: Vec<u8>,
    },
}

/// The rows of a customers file, read and checked one at a time (see the
/// [module docs](self)).
pub struct BatchInput<R> {
    source: Source<R>,
    header: Vec<Finding>,
    refused: bool,
    /// First row of each e-mail address, lower case.
    emails: HashMap<String, u64>,
    /// Optional columns the header lacks: their `required.disputed`
    /// warning is the header's, once.
    absent: Vec<Column>,
    today: NaiveDate,
}

impl<R> fmt::Debug for BatchInput<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchInput")
            .field("header", &self.header)
            .field("refused", &self.refused)
            .finish_non_exhaustive()
    }
}

impl BatchInput<File> {
    /// Opens the customers file at `path`, its format by its extension.
    pub fn open(path: &Path, options: InputOptions) -> Result<Self, InputError> {
        let format = InputFormat::from_path(path)?;
        let file = File::open(path).map_err(|source| InputError::Io { line: 0, source })?;
        match format {
            InputFormat::Csv => BatchInput::csv(file, options),
            InputFormat::JsonLines => Ok(BatchInput::json_lines(file, options)),
        }
    }
}

fn unknown_column_message(what: &str) -> String {
    format!(
        "not a column of the customers file; {what} ignored (columns: {})",
        Column::ALL.map(Column::name).join(", ")
    )
}

const NOT_UTF8: &str = "not UTF-8 text; save the file as UTF-8";

impl<R: Read> BatchInput<R> {
    /// A CSV file: reads and checks its header row.
    pub fn csv(reader: R, options: InputOptions) -> Result<Self, InputError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(reader);
        let mut header = Vec::new();
        let mut cells = csv::ByteRecord::new();
        let has_header = reader
            .read_byte_record(&mut cells)
            .map_err(|e| csv_error(e, 1))?;
        let mut columns: Vec<Option<Column>> = Vec::new();
        let mut names = Vec::new();
        let mut refused = false;
        if !has_header {
            header.push(Finding::new(
                1,
                "*",
                codes::FILE_EMPTY,
                "the file is empty: it needs a header row naming the columns".into(),
            ));
            refused = true;
        }
        for (index, cell) in cells.iter().enumerate() {
            let text = String::from_utf8_lossy(cell);
            let text = if index == 0 {
                text.trim_start_matches('\u{feff}')
            } else {
                &text
            };
            let name = text.trim().to_string();
            let column = Column::from_name(&name);
            match column {
                None => header.push(Finding::new(
                    1,
                    name.clone(),
                    codes::COLUMN_UNKNOWN,
                    unknown_column_message("its values are"),
                )),
                Some(column) if columns.contains(&Some(column)) => {
                    header.push(Finding::new(
                        1,
                        name.clone(),
                        codes::COLUMN_DUPLICATE,
                        format!("the header names `{column}` twice; no row is read"),
                    ));
                    refused = true;
                }
                Some(_) => {}
            }
            columns.push(column);
            names.push(name);
        }
        let missing: Vec<&str> = Column::ALL
            .into_iter()
            .filter(|c| c.is_required() && !columns.contains(&Some(*c)))
            .map(Column::name)
            .collect();
        // Optional columns FinHub's pages disagree on requiring (I-12): one
        // warning for the file instead of one per row.
        let absent: Vec<Column> = DISPUTED
            .into_iter()
            .filter(|c| has_header && !columns.contains(&Some(*c)))
            .collect();
        for column in &absent {
            header.push(Finding::new(
                1,
                column.name(),
                rules::REQUIRED_DISPUTED,
                format!(
                    "the file has no `{column}` column; FinHub's pages disagree on requiring it (I-12): registrations are sent without it"
                ),
            ));
        }
        if has_header && !missing.is_empty() {
            header.push(Finding::new(
                1,
                "*",
                codes::COLUMN_MISSING,
                format!(
                    "the header lacks required columns: {}; no row is read",
                    missing.join(", ")
                ),
            ));
            refused = true;
        }
        Ok(BatchInput {
            source: Source::Csv {
                reader,
                columns,
                names,
                record: csv::ByteRecord::new(),
            },
            header,
            refused,
            emails: HashMap::new(),
            absent,
            today: options.today.unwrap_or_else(|| Utc::now().date_naive()),
        })
    }

    /// A JSON lines file.
    pub fn json_lines(reader: R, options: InputOptions) -> Self {
        BatchInput {
            source: Source::JsonLines {
                reader: BufReader::new(reader),
                line: 0,
                buffer: Vec::new(),
            },
            header: Vec::new(),
            refused: false,
            emails: HashMap::new(),
            absent: Vec::new(),
            today: options.today.unwrap_or_else(|| Utc::now().date_naive()),
        }
    }

    /// The findings of the header (CSV): unknown, repeated or missing
    /// columns.
    pub fn header_findings(&self) -> &[Finding] {
        &self.header
    }

    /// Whether the header has an error: then no row is read.
    pub fn is_refused(&self) -> bool {
        self.refused
    }

    /// The next row's values, or `None` at the end of the file.
    fn next_raw(&mut self) -> Result<Option<RawRow>, InputError> {
        match &mut self.source {
            Source::Csv {
                reader,
                columns,
                names,
                record,
            } => {
                let line = reader.position().line();
                if !reader
                    .read_byte_record(record)
                    .map_err(|e| csv_error(e, line))?
                {
                    return Ok(None);
                }
                let row = record.position().map_or(line, |p| p.line());
                let mut raw = RawRow::new(row);
                if record.len() != columns.len() {
                    raw.finding(
                        "*",
                        codes::ROW_FIELD_COUNT,
                        format!("{} fields, the header has {}", record.len(), columns.len()),
                    );
                }
                for (index, cell) in record.iter().enumerate() {
                    let Some(Some(column)) = columns.get(index) else {
                        continue;
                    };
                    match std::str::from_utf8(cell) {
                        Ok(text) => {
                            let text = text.trim();
                            if !text.is_empty() {
                                raw.values.insert(*column, text.to_string());
                            }
                        }
                        Err(_) => raw.finding(
                            names[index].clone(),
                            codes::VALUE_NOT_UTF8,
                            NOT_UTF8.into(),
                        ),
                    }
                }
                Ok(Some(raw))
            }
            Source::JsonLines {
                reader,
                line,
                buffer,
            } => loop {
                buffer.clear();
                let read = reader
                    .read_until(b'\n', buffer)
                    .map_err(|source| InputError::Io {
                        line: *line + 1,
                        source,
                    })?;
                if read == 0 {
                    return Ok(None);
                }
                *line += 1;
                if buffer.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                return Ok(Some(json_row(*line, buffer)));
            },
        }
    }

    /// Checks a row's values.
    fn check(&mut self, mut raw: RawRow) -> Row {
        let unreadable = raw.findings.iter().any(|f| {
            f.rule == codes::ROW_NOT_JSON || (f.rule == codes::VALUE_NOT_UTF8 && f.column == "*")
        });
        if unreadable {
            return Row {
                row: raw.row,
                email: String::new(),
                customer: None,
                findings: raw.findings,
                password: None,
            };
        }
        let email = raw.get(Column::Email).unwrap_or_default().to_string();
        if !email.is_empty() {
            let key = email.to_lowercase();
            match self.emails.get(&key) {
                Some(&first) => raw.finding(
                    Column::Email.name(),
                    codes::EMAIL_DUPLICATE,
                    format!("the same e-mail address (letter case ignored) as row {first}"),
                ),
                None => {
                    self.emails.insert(key, raw.row);
                }
            }
        }
        let gender = match raw.get(Column::Gender) {
            None => None,
            Some(text) => {
                let gender = Gender::from_code(&text.to_ascii_uppercase());
                if gender.is_none() {
                    let message = format!("`{text}` is not a gender; use MALE, FEMALE or OTHER");
                    raw.finding(Column::Gender.name(), rules::GENDER_UNKNOWN, message);
                }
                gender
            }
        };
        let parts = [
            Column::Street,
            Column::City,
            Column::PostalCode,
            Column::Country,
        ];
        let given = parts.iter().filter(|c| raw.get(**c).is_some()).count();
        let address = if given == parts.len() {
            Some(Address {
                street: raw.get(Column::Street).unwrap_or_default().to_string(),
                city: raw.get(Column::City).unwrap_or_default().to_string(),
                postal_code: raw.get(Column::PostalCode).unwrap_or_default().to_string(),
                country: raw.get(Column::Country).unwrap_or_default().to_string(),
            })
        } else {
            if given > 0 {
                for part in parts {
                    if raw.get(part).is_none() {
                        raw.finding(
                            part.name(),
                            codes::ADDRESS_INCOMPLETE,
                            "the address needs street, city, postal_code and country, or none of them"
                                .into(),
                        );
                    }
                }
            }
            None
        };
        let text = |column: Column| raw.get(column).map(str::to_string);
        let date_text = text(Column::DateOfBirth);
        let date_of_birth = date_text.as_deref().and_then(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .ok()
                // Exactly the form FinHub takes (the builder's rule).
                .filter(|date| date.format("%Y-%m-%d").to_string() == d)
        });
        let customer = Customer {
            first_name: text(Column::FirstName).unwrap_or_default(),
            last_name: text(Column::LastName).unwrap_or_default(),
            email: email.clone(),
            phone: text(Column::Phone),
            date_of_birth,
            gender,
            nationality: text(Column::Nationality),
            place_of_birth: text(Column::PlaceOfBirth),
            pincode: text(Column::Pincode),
            address,
            documents: crate::customer::Document::passport_and_proof_of_address(),
        };
        let password = SecretString::from(raw.values.remove(&Column::Password).unwrap_or_default());
        let mut registration = customer.registration_builder(&password).today(self.today);
        if date_of_birth.is_none()
            && let Some(text) = &date_text
        {
            // Not a date: the builder names the rule.
            registration = registration.date_of_birth(text);
        }
        // A column with a finding of its own gets none from the builder
        // (a gender outside the vocabulary is not also "absent").
        let flagged: Vec<String> = raw.findings.iter().map(|f| f.column.clone()).collect();
        for violation in registration.findings() {
            if is_batch_wide(&violation.path) {
                continue;
            }
            let column = Column::of_path(&violation.path);
            if violation.rule == rules::REQUIRED_DISPUTED
                && column.is_some_and(|c| self.absent.contains(&c))
            {
                continue;
            }
            let column = column.map_or_else(|| "*".to_string(), |c| c.name().to_string());
            // Once per column and rule (`password` and `matchingPassword`
            // are one column).
            if flagged.contains(&column)
                || raw
                    .findings
                    .iter()
                    .any(|f| f.column == column && f.rule == violation.rule)
            {
                continue;
            }
            raw.findings.push(Finding {
                row: raw.row,
                column,
                rule: violation.rule,
                severity: violation.severity,
                message: violation.message,
            });
        }
        let valid = !raw.findings.iter().any(Finding::is_error);
        Row {
            row: raw.row,
            email,
            customer: valid.then_some(customer),
            findings: raw.findings,
            password: valid.then_some(password),
        }
    }
}

/// A JSON line's values.
fn json_row(line: u64, bytes: &[u8]) -> RawRow {
    let mut raw = RawRow::new(line);
    let Ok(text) = std::str::from_utf8(bytes) else {
        raw.finding("*", codes::VALUE_NOT_UTF8, NOT_UTF8.into());
        return raw;
    };
    let shape = "each line is one customer, `{\"email\": \"…\", …}`";
    let object = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(object)) => object,
        Ok(_) => {
            raw.finding(
                "*",
                codes::ROW_NOT_JSON,
                format!("not a JSON object; {shape}"),
            );
            return raw;
        }
        Err(error) => {
            let message = format!("not JSON (at character {}); {shape}", error.column());
            raw.finding("*", codes::ROW_NOT_JSON, message);
            return raw;
        }
    };
    for (key, value) in object {
        let name = key.trim().to_string();
        let Some(column) = Column::from_name(&name) else {
            raw.finding(
                name,
                codes::COLUMN_UNKNOWN,
                unknown_column_message("its value is"),
            );
            continue;
        };
        match value {
            serde_json::Value::String(text) => {
                let text = text.trim();
                if !text.is_empty() {
                    raw.values.insert(column, text.to_string());
                }
            }
            serde_json::Value::Null => {}
            _ => raw.finding(
                name,
                codes::VALUE_NOT_TEXT,
                "write the value as a JSON string (a number loses leading zeros)".into(),
            ),
        }
    }
    raw
}

fn csv_error(error: csv::Error, line: u64) -> InputError {
    let line = error.position().map_or(line, |p| p.line());
    let source = match error.into_kind() {
        csv::ErrorKind::Io(source) => source,
        other => std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{other:?}")),
    };
    InputError::Io { line, source }
}

impl<R: Read> Iterator for BatchInput<R> {
    type Item = Result<Row, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.refused {
            return None;
        }
        match self.next_raw() {
            Ok(Some(raw)) => Some(Ok(self.check(raw))),
            Ok(None) => None,
            Err(error) => {
                self.refused = true;
                Some(Err(error))
            }
        }
    }
}

/// What a whole customers file holds, checked: the report before a batch
/// runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// Rows read (header excluded).
    pub rows: u64,
    /// Rows that can be sent.
    pub valid: u64,
    /// Rows with an error.
    pub invalid: u64,
    /// Every finding, header first, then by row.
    pub findings: Vec<Finding>,
}

impl CheckReport {
    /// Whether anything stops a row or the file: any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(Finding::is_error)
    }
}

/// Reads and checks the whole customers file at `path` (streaming: rows
/// are not kept, only their findings).
pub fn check_file(path: &Path, options: InputOptions) -> Result<CheckReport, InputError> {
    let mut input = BatchInput::open(path, options)?;
    let mut report = CheckReport {
        findings: input.header_findings().to_vec(),
        ..CheckReport::default()
    };
    for row in input.by_ref() {
        let row = row?;
        report.rows += 1;
        if row.is_valid() {
            report.valid += 1;
        } else {
            report.invalid += 1;
        }
        report.findings.extend(row.findings);
    }
    Ok(report)
}
