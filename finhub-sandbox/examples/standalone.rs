//! A standalone sandbox on a fixed port, until Ctrl-C:
//!
//! ```sh
//! cargo run -p finhub-sandbox --example standalone -- 8080
//! ```
//!
//! Prints the seeded credentials (`FINHUB_SANDBOX_*` variables override
//! them) and the control token that `/__sandbox/*` requires as
//! `Authorization: Bearer <token>`.

use finhub_sandbox::{Sandbox, SandboxConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = match std::env::args().nth(1) {
        Some(port) => port.parse()?,
        None => 8080,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let sandbox = Sandbox::builder()
        .config(SandboxConfig::from_env()?)
        .listener(listener)
        .start()
        .await?;
    println!("{}", sandbox.credentials().render());
    println!("control token (Authorization: Bearer <token> on /__sandbox/*):");
    println!("{}", sandbox.control_token().expose());
    tokio::signal::ctrl_c().await?;
    sandbox.shutdown().await;
    Ok(())
}
