//! The results file of a batch (`--out FILE`): one line per input row.
//!
//! The format follows the extension ([`ResultsFormat::from_path`]):
//!
//! * `.csv`: a header row, then `row,email,customer_id,state,detail,iban`;
//!   `state` is `done`, `waiting`, `failed` or `invalid`; `detail` is what a
//!   waiting journey waits on, a failed journey's error code, or an invalid
//!   row's findings (`column rule severity: message`, separated by ` | `);
//! * `.jsonl` or `.ndjson`: one JSON object per line, `{"row", "email",
//!   "customerId", "state", "iban"}` plus `"waitingOn"`, `"errorCode"` or
//!   `"findings"` (the [`Finding`]s as objects) by state.
//!
//! A results file never holds a password or a token: [`RowResult`] has no
//! place for one. It does hold e-mail addresses and IBANs, so it is created
//! readable by its owner only.
//!
//! The file is written next to its final place under a temporary name and
//! moved there by [`ResultsWriter::finish`]: a reader never sees half a
//! file, and a run that stops before `finish` leaves the previous results
//! file as it was.

use std::fmt;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use tempfile::NamedTempFile;

use super::input::Finding;

/// Where one row's journey ended up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RowState {
    /// Every step is done.
    Done,
    /// Waiting for something outside the journey.
    Waiting {
        /// What it waits on (for example `kyc_review`, `activation_code`).
        #[serde(rename = "waitingOn")]
        on: String,
    },
    /// Stopped with a failure that running again will not fix.
    Failed {
        /// The error's code (FinHub's, or the client's error kind); never a
        /// message that could quote a request.
        #[serde(rename = "errorCode")]
        code: String,
    },
    /// The row was not sent: its findings have an error.
    Invalid {
        /// Every finding of the row.
        findings: Vec<Finding>,
    },
}

impl RowState {
    /// `done`, `waiting`, `failed` or `invalid`.
    pub fn as_str(&self) -> &'static str {
        match self {
            RowState::Done => "done",
            RowState::Waiting { .. } => "waiting",
            RowState::Failed { .. } => "failed",
            RowState::Invalid { .. } => "invalid",
        }
    }

    /// The CSV `detail` column.
    fn detail(&self) -> String {
        match self {
            RowState::Done => String::new(),
            RowState::Waiting { on } => on.clone(),
            RowState::Failed { code } => code.clone(),
            RowState::Invalid { findings } => findings
                .iter()
                .map(|f| format!("{} {} {}: {}", f.column, f.rule, f.severity, f.message))
                .collect::<Vec<_>>()
                .join(" | "),
        }
    }
}

impl fmt::Display for RowState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of the results: an input row and where its journey stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowResult {
    /// The row's line number in the input file.
    pub row: u64,
    /// The customer's e-mail address as the input wrote it.
    pub email: String,
    /// FinHub's customer id, once registered.
    pub customer_id: Option<String>,
    /// Where the journey stands.
    #[serde(flatten)]
    pub state: RowState,
    /// The wallet's IBAN, once known.
    pub iban: Option<String>,
}

/// The format of a results file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultsFormat {
    /// CSV with a header row (`.csv`).
    Csv,
    /// One JSON object per line (`.jsonl`, `.ndjson`).
    JsonLines,
}

impl ResultsFormat {
    /// The format of the file at `path`, by its extension.
    pub fn from_path(path: &Path) -> Result<ResultsFormat, ResultsError> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("csv") => Ok(ResultsFormat::Csv),
            Some("jsonl" | "ndjson") => Ok(ResultsFormat::JsonLines),
            _ => Err(ResultsError::UnknownFormat {
                path: path.to_path_buf(),
            }),
        }
    }
}

/// Why the results file could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResultsError {
    /// The extension names no known format.
    #[error(
        "{}: unknown results file format; use .csv or .jsonl",
        path.display()
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// Writing failed.
    #[error("writing the results file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
}

enum Sink {
    Csv(Box<csv::Writer<BufWriter<NamedTempFile>>>),
    JsonLines(BufWriter<NamedTempFile>),
}

/// Writes a results file (see the [module docs](self)).
pub struct ResultsWriter {
    path: PathBuf,
    sink: Sink,
}

impl fmt::Debug for ResultsWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResultsWriter")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// The CSV header.
const CSV_HEADER: [&str; 6] = ["row", "email", "customer_id", "state", "detail", "iban"];

impl ResultsWriter {
    /// Starts the results file at `path` (its format by its extension),
    /// under a temporary name in the same directory until
    /// [`finish`](Self::finish).
    pub fn create(path: &Path) -> Result<ResultsWriter, ResultsError> {
        let format = ResultsFormat::from_path(path)?;
        let io = |source| ResultsError::Io {
            path: path.to_path_buf(),
            source,
        };
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        // Created 0600: the results hold e-mail addresses and IBANs.
        let file = tempfile::Builder::new()
            .prefix(".results-")
            .tempfile_in(directory)
            .map_err(io)?;
        let out = BufWriter::new(file);
        let sink = match format {
            ResultsFormat::Csv => {
                let mut writer = csv::Writer::from_writer(out);
                writer.write_record(CSV_HEADER).map_err(|e| io(csv_io(e)))?;
                Sink::Csv(Box::new(writer))
            }
            ResultsFormat::JsonLines => Sink::JsonLines(out),
        };
        Ok(ResultsWriter {
            path: path.to_path_buf(),
            sink,
        })
    }

    /// Appends one row's result.
    pub fn write(&mut self, result: &RowResult) -> Result<(), ResultsError> {
        let path = &self.path;
        let io = |source| ResultsError::Io {
            path: path.clone(),
            source,
        };
        match &mut self.sink {
            Sink::Csv(writer) => writer
                .write_record([
                    result.row.to_string(),
                    result.email.clone(),
                    result.customer_id.clone().unwrap_or_default(),
                    result.state.as_str().to_string(),
                    result.state.detail(),
                    result.iban.clone().unwrap_or_default(),
                ])
                .map_err(|e| io(csv_io(e))),
            Sink::JsonLines(out) => {
                serde_json::to_writer(&mut *out, result).map_err(|e| io(e.into()))?;
                out.write_all(b"\n").map_err(io)
            }
        }
    }

    /// Writes everything out, syncs it to disk and moves the file to its
    /// place (replacing an older one).
    pub fn finish(self) -> Result<PathBuf, ResultsError> {
        let path = self.path;
        let io = |source| ResultsError::Io {
            path: path.clone(),
            source,
        };
        let out = match self.sink {
            Sink::Csv(writer) => (*writer)
                .into_inner()
                .map_err(|e| io(std::io::Error::other(e.to_string())))?,
            Sink::JsonLines(out) => out,
        };
        let file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.as_file().sync_all().map_err(io)?;
        file.persist(&path).map_err(|e| io(e.error))?;
        Ok(path)
    }
}

fn csv_io(error: csv::Error) -> std::io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        other => std::io::Error::other(format!("{other:?}")),
    }
}
