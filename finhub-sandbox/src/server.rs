//! Running the sandbox: the in-process [`Sandbox`] handle (ephemeral port,
//! shut down on drop) and [`serve`] / [`serve_with_shutdown`] for a
//! standalone server on a listener the caller bound.
//!
//! Connections are served with hyper directly rather than `axum::serve`, so
//! that a fault can close a connection without any response: the route
//! marks its response with [`DropConnection`] and the connection service
//! turns that into an error, on which hyper drops the connection.
//!
//! Slow clients are bounded here too: at most
//! [`max_connections`](SandboxConfig::max_connections) connections are
//! served at once (the next ones wait in the listener's backlog until one
//! closes), and a request's head must arrive within
//! [`header_read_timeout`](SandboxConfig::header_read_timeout) (which also
//! closes idle keep-alive connections).

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::rt::TokioTimer;
use hyper_util::server::graceful::GracefulShutdown;
use rand::RngExt;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

use crate::clock::Clock;
use crate::config::{ConfigError, SandboxConfig, SandboxCredentials};
use crate::control_token::ControlToken;
use crate::faults::{DropConnection, Faults};
use crate::outbox::{ActivationCodes, OutboxMessage};
use crate::profile::Profile;
use crate::review::{ReviewError, ReviewMode};
use crate::routes;
use crate::state::AppState;
use crate::stats::Stats;
use finhub_api::types::VerificationApproval;

/// How long open connections get to finish when the sandbox shuts down.
const GRACE: Duration = Duration::from_secs(5);

/// Why a sandbox did not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Binding or reading the listener failed.
    #[error("sandbox listener: {0}")]
    Io(#[from] io::Error),
}

/// A running sandbox, serving on 127.0.0.1 until dropped (or
/// [`shutdown`](Sandbox::shutdown)).
///
/// ```no_run
/// # async fn demo() -> Result<(), finhub_sandbox::SandboxError> {
/// let sandbox = finhub_sandbox::Sandbox::start().await?;
/// let base_url = sandbox.base_url(); // e.g. http://127.0.0.1:41234
/// let credentials = sandbox.credentials(); // tenant id, admin login, tenant keys
/// # let _ = (base_url, credentials);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Sandbox {
    base_url: String,
    addr: SocketAddr,
    state: Arc<AppState>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

/// A registered customer's ids, as [`Sandbox::find_customer`] finds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredCustomer {
    /// The customer id (the registration's `data.id`).
    pub customer_id: String,
    /// The user id (the registration's `data.user.id`).
    pub user_id: String,
}

/// Configures a [`Sandbox`] before starting it.
#[derive(Debug, Default)]
pub struct SandboxBuilder {
    config: SandboxConfig,
    clock: Option<Clock>,
    listener: Option<TcpListener>,
}

impl SandboxBuilder {
    /// Replaces the whole configuration (seeded credentials, lifetimes…).
    pub fn config(mut self, config: SandboxConfig) -> Self {
        self.config = config;
        self
    }

    /// Access-token lifetime (`expiresIn`); tests use a few seconds together
    /// with [`Clock::advance`] to exercise refresh.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.config.token_lifetime = lifetime;
        self
    }

    /// The clock the sandbox reads (default: [`Clock::system`]). Keep a
    /// clone to move time, or use [`Sandbox::clock`].
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Which of FinHub's documented variants to play (default
    /// [`Profile::Lenient`]); see the crate docs for what each changes.
    pub fn profile(mut self, profile: Profile) -> Self {
        self.config.profile = profile;
        self
    }

    /// Whether activation takes any non-empty code (the default) or only
    /// the one e-mailed at registration ([`Sandbox::outbox`]).
    pub fn activation_codes(mut self, codes: ActivationCodes) -> Self {
        self.config.activation_codes = codes;
        self
    }

    /// Which approvals wait for the power tenant's review (default
    /// [`ReviewMode::Off`]).
    pub fn review(mut self, mode: ReviewMode) -> Self {
        self.config.review = mode;
        self
    }

    /// How long (sandbox clock) a held review takes to complete on its
    /// own; without it, only [`Sandbox::approve_review`] (or the control
    /// API) completes it.
    pub fn review_delay(mut self, delay: Duration) -> Self {
        self.config.review_delay = Some(delay);
        self
    }

    /// How long (sandbox clock) after activation the product wallet gets
    /// its IBAN (default: at once).
    pub fn iban_delay(mut self, delay: Duration) -> Self {
        self.config.iban_delay = delay;
        self
    }

    /// Seed of the fault-rate generator.
    pub fn fault_seed(mut self, seed: u64) -> Self {
        self.config.fault_seed = seed;
        self
    }

    /// Serves on `listener` instead of an ephemeral port on 127.0.0.1
    /// (a standalone server binding `--port N`).
    pub fn listener(mut self, listener: TcpListener) -> Self {
        self.listener = Some(listener);
        self
    }

    /// Starts serving in a background task of the current Tokio runtime.
    pub async fn start(self) -> Result<Sandbox, SandboxError> {
        self.config.validate()?;
        let listener = match self.listener {
            Some(listener) => listener,
            None => TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?,
        };
        let addr = listener.local_addr()?;
        let state = Arc::new(build_state(self.config, self.clock.unwrap_or_default()));
        let (shutdown, signal) = watch::channel(false);
        let router = routes::router(state.clone());
        let limits = Limits::of(&state.config);
        let task = tokio::spawn(run(listener, router, limits, async move {
            let mut signal = signal;
            // Resolves on `true` or when the handle is gone.
            let _ = signal.wait_for(|stop| *stop).await;
        }));
        Ok(Sandbox {
            base_url: format!("http://{addr}"),
            addr,
            state,
            shutdown,
            task: Some(task),
        })
    }
}

fn build_state(config: SandboxConfig, clock: Clock) -> AppState {
    let secret: Vec<u8> = match &config.jwt_secret {
        Some(secret) => secret.expose().as_bytes().to_vec(),
        None => {
            let mut rng = rand::rng();
            (0..32).map(|_| rng.random::<u8>()).collect()
        }
    };
    let control_token = match &config.control_token {
        Some(token) => ControlToken::fixed(token.expose()),
        None => ControlToken::random(),
    };
    AppState::new(config, clock, &secret, control_token)
}

impl Sandbox {
    /// Starts a sandbox with the default configuration on an ephemeral port
    /// of 127.0.0.1.
    pub async fn start() -> Result<Sandbox, SandboxError> {
        Sandbox::builder().start().await
    }

    /// A builder to configure the sandbox first.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The socket address served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The configuration the sandbox runs with.
    pub fn config(&self) -> &SandboxConfig {
        &self.state.config
    }

    /// The profile it plays.
    pub fn profile(&self) -> Profile {
        self.state.config.profile
    }

    /// The e-mails FinHub would have sent (the activation e-mail of every
    /// registration, with its code), oldest first. Also
    /// `GET /__sandbox/outbox`.
    pub fn outbox(&self) -> Vec<OutboxMessage> {
        self.state.outbox.list(None)
    }

    /// The e-mails sent to `to` (compared without letter case), oldest
    /// first. Also `GET /__sandbox/outbox?to=EMAIL`.
    pub fn outbox_to(&self, to: &str) -> Vec<OutboxMessage> {
        self.state.outbox.list(Some(to))
    }

    /// The customer registered with `email` (compared without letter
    /// case): what an operator looks up in FinHub's admin portal when a
    /// registration's answer was lost (FinHub's API has no customer lookup,
    /// `docs/finhub-api.md` §2.16). In process only.
    pub fn find_customer(&self, email: &str) -> Option<RegisteredCustomer> {
        let store = self.state.read();
        let id = store.emails.get(&email.trim().to_lowercase())?;
        let customer = store.customer(id)?;
        Some(RegisteredCustomer {
            customer_id: customer.id.clone(),
            user_id: customer.user.id.clone(),
        })
    }

    /// Completes the power tenant's review of a verification the tenant
    /// admin approved in review mode: it becomes `APPROVED` (at
    /// `POWER_TENANT_VERIFIED` when it needed the power tenant). Also
    /// `POST /__sandbox/verifications/{id}/approve`.
    pub fn approve_review(
        &self,
        verification_id: &str,
    ) -> Result<VerificationApproval, ReviewError> {
        self.state.approve_review(verification_id)
    }

    /// What a client needs to log in, with [`base_url`](Self::base_url).
    pub fn credentials(&self) -> SandboxCredentials {
        SandboxCredentials {
            base_url: Some(self.base_url.clone()),
            ..self.state.config.credentials()
        }
    }

    /// The token the control endpoints (`/__sandbox/…` faults, clock,
    /// stats) require as `Authorization: Bearer <token>`: random per start
    /// unless [`SandboxConfig::control_token`] fixes it. The in-process
    /// handle ([`faults`](Self::faults), [`clock`](Self::clock),
    /// [`stats`](Self::stats)) needs none.
    pub fn control_token(&self) -> &ControlToken {
        &self.state.control_token
    }

    /// The sandbox's clock: advance it to expire tokens or lift lockouts.
    pub fn clock(&self) -> &Clock {
        &self.state.clock
    }

    /// The fault rules.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// A snapshot of the counters (after completing any review whose
    /// delay has passed on the sandbox clock).
    pub fn stats(&self) -> Stats {
        self.state.settle_reviews();
        self.state.counters.snapshot()
    }

    /// Sets every counter back to zero.
    pub fn reset_stats(&self) {
        self.state.counters.reset();
    }

    /// Stops accepting, lets open requests finish (up to 5 s), and waits
    /// until every connection task has ended.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sandbox {
    /// Signals the server to stop; it finishes open requests in the
    /// background and then ends all of its tasks.
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// Serves the sandbox on `listener` until the process ends.
pub async fn serve(config: SandboxConfig, listener: TcpListener) -> Result<(), SandboxError> {
    serve_with_shutdown(config, listener, std::future::pending()).await
}

/// Serves the sandbox on `listener` until `shutdown` resolves, then stops
/// gracefully. For a standalone server, e.g. with `tokio::signal::ctrl_c()`.
///
/// The control endpoints need the control token: set
/// [`SandboxConfig::control_token`] to use them, or start with
/// [`Sandbox::builder`] and [`listener`](SandboxBuilder::listener) to read
/// the random one from [`Sandbox::control_token`].
pub async fn serve_with_shutdown(
    config: SandboxConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SandboxError> {
    config.validate()?;
    let state = Arc::new(build_state(config, Clock::system()));
    let limits = Limits::of(&state.config);
    let router = routes::router(state);
    run(listener, router, limits, shutdown).await;
    Ok(())
}

/// The connection-level limits of [`SandboxConfig`].
#[derive(Debug, Clone, Copy)]
struct Limits {
    max_connections: usize,
    header_read_timeout: Duration,
}

impl Limits {
    fn of(config: &SandboxConfig) -> Self {
        Limits {
            max_connections: config.max_connections,
            header_read_timeout: config.header_read_timeout,
        }
    }
}

/// The error that makes hyper drop a connection without a response.
#[derive(Debug)]
struct ConnectionDropped;

impl std::fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for ConnectionDropped {}

/// One connection's service: the router, plus connection dropping.
#[derive(Clone)]
struct ConnectionService {
    router: Router,
}

impl hyper::service::Service<Request<Incoming>> for ConnectionService {
    type Response = Response;
    type Error = ConnectionDropped;
    type Future = Pin<Box<dyn Future<Output = Result<Response, ConnectionDropped>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let router = self.router.clone();
        Box::pin(async move {
            let response = match router.oneshot(request.map(Body::new)).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if response.extensions().get::<DropConnection>().is_some() {
                return Err(ConnectionDropped);
            }
            Ok(response)
        })
    }
}

/// The accept loop: serves until `shutdown`, then drains. A connection is
/// accepted only with a free slot (of `max_connections`), so the next ones
/// wait in the listener's backlog until one closes.
async fn run(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        // The semaphore is never closed.
        let Ok(slot) = slot else { break };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        while connections.try_join_next().is_some() {}
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(error) => {
                // Out of descriptors and the like: back off, keep serving.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let service = ConnectionService {
            router: router.clone(),
        };
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        connections.spawn(async move {
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the grace period; closing them");
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}
