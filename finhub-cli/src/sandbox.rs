//! `finhub sandbox`: the stateful FinHub sandbox as a standalone server.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use finhub_sandbox::SandboxConfig;

/// Options of `finhub sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Access-token lifetime in seconds (short lifetimes exercise refresh).
    #[arg(long)]
    token_lifetime: Option<u64>,
}

/// Serves until interrupted. Configuration comes from `FINHUB_SANDBOX_*`
/// variables, then these flags.
pub async fn run(args: SandboxArgs) -> Result<ExitCode, String> {
    let mut config = SandboxConfig::from_env().map_err(|e| e.to_string())?;
    if let Some(seconds) = args.token_lifetime {
        config.token_lifetime = Duration::from_secs(seconds);
    }
    config.validate().map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", args.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let mut credentials = config.credentials();
    credentials.base_url = Some(format!("http://{addr}"));
    println!("FinHub sandbox listening on http://{addr}");
    println!("seeded credentials (sandbox only, not real FinHub ones):");
    print!("{}", credentials.render());
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    finhub_sandbox::serve_with_shutdown(config, listener, shutdown)
        .await
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}
