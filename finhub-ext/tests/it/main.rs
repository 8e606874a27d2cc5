//! finhub-ext's integration tests against a FinHub double (httpmock), all
//! in one test binary. The tests that capture `tracing` output are in
//! `tests/logs/` (their own binary; it says why).

#[path = "../common/mod.rs"]
mod common;
mod validation_fixtures;

mod admission;
mod alternatives;
mod bounded_reads;
mod builders;
mod builders_properties;
mod errors;
mod from_env;
mod headers;
mod lockout;
mod module_graph;
mod operation_oracle;
mod path_parameters;
mod proxy;
mod redacted_debug;
mod redirects;
mod retries;
mod robustness;
mod service_api;
mod session_snapshot;
mod sessions;
mod tolerance;
mod validation_network;
mod validation_rules;
