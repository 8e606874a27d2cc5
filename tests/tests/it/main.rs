//! The contract tests, in one test binary: the spec's provenance and
//! examples, the fixtures, the status mapping, the typed mocks, operation ids named by the enum, the fault
//! suite against the sandbox, and the journey against Prism (ignored here;
//! `cargo xtask contract` runs it).

mod captured_sources;
mod captured_variants;
mod doc_citations;
mod docs_requests;
mod faults;
mod operation_literals;
mod prism_contract;
mod request_schemas;
mod spec_examples;
mod spec_provenance;
mod status_mapping;
mod typed_mocks;
