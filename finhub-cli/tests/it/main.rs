//! The `finhub` command's integration tests, in one test binary: each runs
//! the built binary (single-customer `onboard`, `--batch`, `sandbox`,
//! `validate`) against an in-process sandbox.

mod batch;
mod cli;
