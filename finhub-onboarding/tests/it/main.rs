//! finhub-onboarding's integration tests, in one test binary: journeys
//! against the in-process sandbox, lost answers, the stores (one
//! conformance suite for every store; PostgreSQL with the `postgres`
//! feature) and batch onboarding.

#[path = "../common/mod.rs"]
mod common;

mod batch_input;
mod batch_results;
mod batch_run;
mod journey;
mod lost_answers;
mod store_conformance;
