//! Integration tests of the sandbox, all against a real server on 127.0.0.1.

mod access;
mod auth;
mod common;
mod control;
mod documented;
mod envelope;
mod faults;
mod iban_delay;
mod journey;
mod limits;
mod modules;
mod outbox;
mod profiles;
mod review;
mod robustness;
mod rules;
mod schema;
mod server;
mod traces;
