//! `finhub sandbox`: the stateful FinHub sandbox as a standalone server.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use finhub_sandbox::{ActivationCodes, Profile, ReviewMode, Sandbox, SandboxConfig};

/// Options of `finhub sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Access-token lifetime in seconds (short lifetimes exercise refresh).
    #[arg(long)]
    token_lifetime: Option<u64>,
    /// Which of FinHub's documented variants to play: lenient (the paths
    /// of openapi.yaml, the fullest answers; the default), runner (what
    /// FinHub's step runner captured) or reference (the older reference
    /// and "latest" paths).
    #[arg(long, value_name = "NAME")]
    profile: Option<Profile>,
    /// Which activation codes activation accepts: any-non-empty (the
    /// default) or emailed (only the code of the activation e-mail, read
    /// from GET /__sandbox/outbox).
    #[arg(long, value_name = "MODE")]
    activation_codes: Option<ActivationCodes>,
    /// Which KYC approvals wait for the power tenant's review (202
    /// PENDING_REVIEW): off (the default), power-tenant (high-risk
    /// customers and POWER_TENANT_VERIFIED requests) or all.
    #[arg(long, value_name = "MODE")]
    review: Option<ReviewMode>,
    /// Seconds (sandbox clock) after which a held review completes on its
    /// own; without it, only POST /__sandbox/verifications/{id}/approve
    /// completes it.
    #[arg(long, value_name = "SECS")]
    review_delay: Option<u64>,
    /// Seconds (sandbox clock) after activation until the product wallet
    /// gets its IBAN (default 0).
    #[arg(long, value_name = "SECS")]
    iban_delay: Option<u64>,
}

impl SandboxArgs {
    /// Applies the flags over `config` (read from `FINHUB_SANDBOX_*`).
    fn apply(&self, config: &mut SandboxConfig) {
        if let Some(seconds) = self.token_lifetime {
            config.token_lifetime = Duration::from_secs(seconds);
        }
        if let Some(profile) = self.profile {
            config.profile = profile;
        }
        if let Some(codes) = self.activation_codes {
            config.activation_codes = codes;
        }
        if let Some(review) = self.review {
            config.review = review;
        }
        if let Some(seconds) = self.review_delay {
            config.review_delay = Some(Duration::from_secs(seconds));
        }
        if let Some(seconds) = self.iban_delay {
            config.iban_delay = Duration::from_secs(seconds);
        }
    }
}

/// What the sandbox plays, one line each, for the operator.
fn describe(config: &SandboxConfig) -> String {
    let review = match (config.review, config.review_delay) {
        (ReviewMode::Off, _) => "off".to_string(),
        (mode, Some(delay)) => format!("{mode} (a review completes after {} s)", delay.as_secs()),
        (mode, None) => {
            format!("{mode} (POST /__sandbox/verifications/{{id}}/approve completes a review)")
        }
    };
    format!(
        "  {:<28} {}\n  {:<28} {}\n  {:<28} {}\n  {:<28} {} s\n",
        "profile",
        config.profile,
        "activation codes",
        config.activation_codes,
        "review of approvals",
        review,
        "IBAN delay after activation",
        config.iban_delay.as_secs(),
    )
}

/// The sandbox `finhub onboard` runs against when no `--base-url` is given,
/// in process: seeded like `finhub sandbox` (defaults, or the
/// `FINHUB_SANDBOX_*` variables).
pub async fn embedded() -> Result<Sandbox, String> {
    let config = SandboxConfig::from_env()
        .map_err(|e| format!("cannot configure the embedded sandbox: {e}"))?;
    Sandbox::builder()
        .config(config)
        .start()
        .await
        .map_err(|e| format!("cannot start the embedded sandbox: {e}"))
}

/// Serves until interrupted. Configuration comes from `FINHUB_SANDBOX_*`
/// variables, then these flags. Prints the address, the seeded credentials,
/// what the sandbox plays (profile and slow parts) and the control token —
/// the one secret printed on purpose, to the operator's own terminal, since
/// the control endpoints need it.
pub async fn run(args: SandboxArgs) -> Result<ExitCode, String> {
    let mut config = SandboxConfig::from_env().map_err(|e| e.to_string())?;
    args.apply(&mut config);
    config.validate().map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", args.port))?;
    let configured_token = config.control_token.is_some();
    let playing = describe(&config);
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
    println!("playing:");
    print!("{playing}");
    println!(
        "control endpoints {base}/__sandbox/ (faults, clock, stats, outbox, reviews) need the \
         header `Authorization: Bearer <control token>`"
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: SandboxArgs,
    }

    fn parse(flags: &[&str]) -> Result<SandboxConfig, String> {
        let cli = Cli::try_parse_from(std::iter::once("finhub").chain(flags.iter().copied()))
            .map_err(|e| e.to_string())?;
        let mut config = SandboxConfig::default();
        cli.args.apply(&mut config);
        Ok(config)
    }

    #[test]
    fn flags_set_the_profile_and_the_slow_parts() {
        let config = parse(&[
            "--profile",
            "runner",
            "--activation-codes",
            "emailed",
            "--review",
            "power-tenant",
            "--review-delay",
            "3600",
            "--iban-delay",
            "60",
        ])
        .unwrap();
        assert_eq!(config.profile, Profile::Runner);
        assert_eq!(config.activation_codes, ActivationCodes::Emailed);
        assert_eq!(config.review, ReviewMode::PowerTenant);
        assert_eq!(config.review_delay, Some(Duration::from_secs(3600)));
        assert_eq!(config.iban_delay, Duration::from_secs(60));
        let text = describe(&config);
        for line in [
            "profile                      runner",
            "activation codes             emailed",
            "review of approvals          power-tenant (a review completes after 3600 s)",
            "IBAN delay after activation  60 s",
        ] {
            assert!(text.contains(line), "{line}\n{text}");
        }

        let defaults = parse(&[]).unwrap();
        assert_eq!(defaults.profile, Profile::Lenient);
        assert!(describe(&defaults).contains("review of approvals          off"));
    }

    #[test]
    fn an_unknown_name_is_refused_naming_the_choices() {
        let error = parse(&["--profile", "strict"]).unwrap_err();
        assert!(error.contains("lenient, runner, reference"), "{error}");
        let error = parse(&["--review", "sometimes"]).unwrap_err();
        assert!(error.contains("off, power-tenant, all"), "{error}");
        let error = parse(&["--activation-codes", "sms"]).unwrap_err();
        assert!(error.contains("any-non-empty, emailed"), "{error}");
    }
}
