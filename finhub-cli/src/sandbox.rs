//! `finhub sandbox`: the stateful FinHub sandbox as a standalone server.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use finhub_sandbox::{Sandbox, SandboxConfig};

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
/// variables, then these flags. Prints the address, the seeded credentials
/// and the control token — the one secret printed on purpose, to the
/// operator's own terminal, since the control endpoints need it.
pub async fn run(args: SandboxArgs) -> Result<ExitCode, String> {
    let mut config = SandboxConfig::from_env().map_err(|e| e.to_string())?;
    if let Some(seconds) = args.token_lifetime {
        config.token_lifetime = Duration::from_secs(seconds);
    }
    config.validate().map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", args.port))?;
    let configured_token = config.control_token.is_some();
    let sandbox = Sandbox::builder()
        .config(config)
        .listener(listener)
        .start()
        .await
        .map_err(|e| e.to_string())?;
    let base = sandbox.base_url();
    println!("FinHub sandbox listening on {base}");
    println!("seeded credentials (sandbox only, not real FinHub ones):");
    print!("{}", sandbox.credentials().render());
    println!(
        "control endpoints {base}/__sandbox/ (faults, clock, stats) need the header \
         `Authorization: Bearer <control token>`"
    );
    if configured_token {
        println!("control token: the one set in FINHUB_SANDBOX_CONTROL_TOKEN");
    } else {
        println!("control token (new at every start; keep it to yourself):");
        println!("{}", sandbox.control_token().expose());
    }
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown().await;
    Ok(ExitCode::SUCCESS)
}
