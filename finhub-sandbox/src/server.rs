//! Running the sandbox: the in-process [`Sandbox`] handle (ephemeral port,
//! shut down on drop) and [`serve`] / [`serve_with_shutdown`] for a
//! standalone server on a listener the caller bound.
//!
//! Connections are served with hyper directly rather than `axum::serve`, so
//! that a fault can close a connection without any response: the route
//! marks its response with [`DropConnection`] and the connection service
//! turns that into an error, on which hyper drops the connection.

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
use hyper_util::server::graceful::GracefulShutdown;
use rand::RngExt;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

use crate::clock::Clock;
use crate::config::{ConfigError, SandboxConfig, SandboxCredentials};
use crate::faults::Faults;
use crate::routes;
use crate::state::AppState;
use crate::stats::Stats;

/// How long open connections get to finish when the sandbox shuts down.
const GRACE: Duration = Duration::from_secs(5);

/// Response marker: close the connection instead of answering.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

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
        let task = tokio::spawn(run(listener, router, async move {
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
    AppState::new(config, clock, &secret)
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

    /// What a client needs to log in, with [`base_url`](Self::base_url).
    pub fn credentials(&self) -> SandboxCredentials {
        SandboxCredentials {
            base_url: Some(self.base_url.clone()),
            ..self.state.config.credentials()
        }
    }

    /// The sandbox's clock: advance it to expire tokens or lift lockouts.
    pub fn clock(&self) -> &Clock {
        &self.state.clock
    }

    /// The fault rules.
    pub fn faults(&self) -> &Faults {
        &self.state.faults
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
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
pub async fn serve_with_shutdown(
    config: SandboxConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SandboxError> {
    config.validate()?;
    let state = Arc::new(build_state(config, Clock::system()));
    let router = routes::router(state);
    run(listener, router, shutdown).await;
    Ok(())
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

/// The accept loop: serves until `shutdown`, then drains.
async fn run(listener: TcpListener, router: Router, shutdown: impl Future<Output = ()>) {
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    // No timer: hyper then arms no header-read timeout per request, which
    // a local test server does not need and which costs on every request.
    let builder = hyper::server::conn::http1::Builder::new();
    tokio::pin!(shutdown);
    loop {
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
