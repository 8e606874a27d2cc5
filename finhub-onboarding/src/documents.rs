//! Where the content of KYC documents comes from: a [`DocumentSource`] the
//! runner asks at upload time, so that files never sit in the journey's
//! state. [`SampleDocuments`] makes tiny valid PDFs, for tests and demos.

use std::future::Future;
use std::pin::Pin;

use crate::customer::Document;
use crate::store::JourneyId;

/// The error of a [`DocumentSource`].
pub type SourceError = Box<dyn std::error::Error + Send + Sync>;

/// The future a [`DocumentSource`] returns.
pub type ContentFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<u8>, SourceError>> + Send + 'a>>;

/// Gives the bytes of a customer's KYC document when the journey uploads
/// it (from the service's own storage, where the customer's files are).
pub trait DocumentSource: Send + Sync {
    /// The content of `document` of journey `journey`.
    fn content<'a>(&'a self, journey: &'a JourneyId, document: &'a Document) -> ContentFuture<'a>;
}

/// A tiny valid PDF for every document, titled with its file name: what
/// tests, demos and the sandbox need.
#[derive(Debug, Clone, Copy, Default)]
pub struct SampleDocuments;

impl SampleDocuments {
    /// The sample PDF titled `title`.
    pub fn pdf(title: &str) -> Vec<u8> {
        format!(
            "%PDF-1.4\n% {title}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
        )
        .into_bytes()
    }
}

impl DocumentSource for SampleDocuments {
    fn content<'a>(&'a self, _: &'a JourneyId, document: &'a Document) -> ContentFuture<'a> {
        let pdf = SampleDocuments::pdf(&document.file_name);
        Box::pin(async move { Ok(pdf) })
    }
}
