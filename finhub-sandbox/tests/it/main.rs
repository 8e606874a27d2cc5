//! Integration tests of the sandbox, all against a real server on 127.0.0.1.

mod auth;
mod common;
mod faults;
mod journey;
mod rules;
mod schema;
mod server;
mod traces;
