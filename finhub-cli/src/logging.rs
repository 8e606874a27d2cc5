//! `-v` and `RUST_LOG`: the log lines of the SDK and the onboarding library
//! on stderr — one line per FinHub call with its operation, status and
//! latency (finhub-ext's `finhub.call` span), and what the journey did.
//! The SDK never logs a body, a token or a password, so neither does this.

use tracing_subscriber::EnvFilter;

/// What `-v` shows when `RUST_LOG` is not set.
pub const VERBOSE_FILTER: &str = "finhub_ext=info,finhub_onboarding=info";

/// Sends log lines to stderr: those `RUST_LOG` selects when it is set (and
/// valid), else [`VERBOSE_FILTER`] with `verbose`; nothing otherwise.
pub fn init(verbose: bool) {
    let filter = match std::env::var_os("RUST_LOG") {
        Some(_) => match EnvFilter::try_from_default_env() {
            Ok(filter) => Some(filter),
            Err(e) => {
                eprintln!("warning: RUST_LOG is not a log filter ({e}); ignored");
                verbose.then(|| EnvFilter::new(VERBOSE_FILTER))
            }
        },
        None => verbose.then(|| EnvFilter::new(VERBOSE_FILTER)),
    };
    if let Some(filter) = filter {
        // A second initialization (a test calling twice) keeps the first.
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(filter)
            .try_init();
    }
}
