//! The request pipeline, run around every request the generated client
//! sends (typed methods of this crate and direct calls on
//! [`FinhubClient::raw`](crate::FinhubClient::raw) alike). Its stages, in
//! order:
//!
//! 1. **context headers** — tenant, request source, platform, device, user
//!    agent, `Accept`, and the end user's `X-Forwarded-For`; progenitor's
//!    `api-version` header is removed (FinHub does not document it);
//! 2. **auth** — `Authorization: Bearer …` (marked sensitive) with the token
//!    the call was given, or, for a direct generated call, the cached token
//!    of the operation's kind (admin operations use the admin session);
//! 3. **send**;
//! 4. **classify** — status recorded for error mapping; a 2xx body in any
//!    of FinHub's envelope shapes is rewritten into the documented one;
//! 5. **retry** — idempotent operations only, see [`crate::retry`];
//! 6. **log** — one `tracing` span per call with operation id, method, path
//!    template, attempt, status and latency; never bodies, tokens,
//!    passwords, the tenant secret or the end user's IP.
//!
//! Session renewal (ahead of expiry, and once after a 401, followed by one
//! retry of the call) wraps this pipeline in the typed methods of
//! [`FinhubClient`](crate::FinhubClient) and
//! [`CustomerClient`](crate::CustomerClient), where a token can be awaited.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use finhub_api::hooks::{BoxFuture, Decorator};
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, HeaderValue};
use secrecy::ExposeSecret;
use tracing::Instrument;

use crate::clock::Clock;
use crate::envelope::normalize_success_body;
use crate::headers::{ContextHeaders, EndUser};
use crate::operation::{Operation, TokenKind, TokenRoutes};
use crate::retry::{RetryPolicy, is_retryable_status, retry_after};
use crate::session::{Session, Token};

tokio::task_local! {
    /// The call being made on this task: end user, token, and what
    /// happened on the wire.
    static CALL: Arc<CallContext>;
}

/// What one call carries through the pipeline.
#[derive(Debug, Default)]
pub(crate) struct CallContext {
    pub(crate) end_user: Option<EndUser>,
    pub(crate) token: Option<Arc<Token>>,
    pub(crate) record: Mutex<CallRecord>,
}

/// What the pipeline saw.
#[derive(Debug, Default, Clone)]
pub(crate) struct CallRecord {
    pub(crate) attempts: u32,
    pub(crate) status: Option<u16>,
    pub(crate) retry_after: Option<Duration>,
}

impl CallContext {
    pub(crate) fn record(&self) -> CallRecord {
        self.record
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Runs `future` as the call described by `context`.
pub(crate) async fn scoped<F: Future>(context: Arc<CallContext>, future: F) -> F::Output {
    CALL.scope(context, future).await
}

/// The end user of the call running on this task, if any.
pub(crate) fn current_end_user() -> Option<EndUser> {
    CALL.try_with(|c| c.end_user.clone()).ok().flatten()
}

fn current() -> Option<Arc<CallContext>> {
    CALL.try_with(Arc::clone).ok()
}

/// The pipeline: implements the decorator the generated client calls.
#[derive(Debug)]
pub(crate) struct Pipeline {
    pub(crate) headers: ContextHeaders,
    pub(crate) retry: RetryPolicy,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) admin: Option<Arc<Session>>,
    pub(crate) routes: TokenRoutes,
}

fn bearer(token: &Token) -> Result<HeaderValue, String> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.access.expose_secret()))
        .map_err(|_| "the session token contains characters not allowed in a header".to_string())?;
    value.set_sensitive(true);
    Ok(value)
}

impl Decorator for Pipeline {
    fn prepare(
        &self,
        request: &mut reqwest::Request,
        operation_id: &'static str,
    ) -> Result<(), String> {
        let context = current();
        // Stage 1: context headers.
        self.headers.apply(
            request.headers_mut(),
            context.as_ref().and_then(|c| c.end_user.as_ref()),
        );
        // Stage 2: auth.
        let token = match &context {
            Some(context) => context.token.clone(),
            None => match Operation::find(operation_id).map(|op| self.routes.kind(op)) {
                Some(TokenKind::Admin) => self.admin.as_ref().and_then(|s| s.current()),
                Some(TokenKind::Customer) => {
                    return Err(format!(
                        "{operation_id} needs a customer session: call it through a CustomerClient"
                    ));
                }
                Some(TokenKind::None) | None => None,
            },
        };
        if let Some(token) = token {
            request.headers_mut().insert(AUTHORIZATION, bearer(&token)?);
        }
        Ok(())
    }

    fn send<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        let operation = Operation::find(operation_id);
        let span = tracing::info_span!(
            "finhub.call",
            operation = operation_id,
            method = %request.method(),
            path = operation.map_or("", |op| op.path),
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        Box::pin(
            self.send_with_retries(client, request, operation)
                .instrument(span),
        )
    }
}

impl Pipeline {
    async fn send_with_retries(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        operation: Option<&'static Operation>,
    ) -> reqwest::Result<reqwest::Response> {
        let context = current();
        let idempotent = operation.is_some_and(Operation::is_idempotent);
        let span = tracing::Span::current();
        let mut attempt = 1;
        loop {
            let spare = (attempt < self.retry.attempts())
                .then(|| request.try_clone())
                .flatten();
            let started = Instant::now();
            // Stage 3: send.
            let result = client.execute(request).await;
            let latency = started.elapsed();
            span.record("attempt", attempt);
            span.record("latency_ms", latency.as_secs_f64() * 1000.0);
            // Stage 4: classify.
            let (retry, wait) = match &result {
                Ok(response) => {
                    let status = response.status();
                    span.record("status", status.as_u16());
                    let wait = retry_after(response.headers(), self.clock.now());
                    if let Some(context) = &context {
                        let mut record = context.record.lock().unwrap_or_else(|e| e.into_inner());
                        record.attempts = attempt;
                        record.status = Some(status.as_u16());
                        record.retry_after = wait;
                    }
                    (idempotent && is_retryable_status(status), wait)
                }
                Err(error) => {
                    if let Some(context) = &context {
                        let mut record = context.record.lock().unwrap_or_else(|e| e.into_inner());
                        record.attempts = attempt;
                        record.status = None;
                    }
                    // A POST is retried only if it cannot have reached the server.
                    (idempotent || error.is_connect(), None)
                }
            };
            // Stage 5: retry.
            if let (true, Some(next)) = (retry, spare) {
                let delay = self.retry.delay(attempt, wait);
                tracing::info!(attempt, delay_ms = delay.as_millis() as u64, "retrying");
                self.clock.sleep(delay).await;
                request = next;
                attempt += 1;
                continue;
            }
            // Stage 6: log.
            match &result {
                Ok(response) => {
                    tracing::info!(status = response.status().as_u16(), "finhub call finished")
                }
                Err(error) => tracing::warn!(
                    timeout = error.is_timeout(),
                    connect = error.is_connect(),
                    "finhub call failed in transport"
                ),
            }
            return match result {
                Ok(response) if response.status().is_success() => normalize(response).await,
                other => other,
            };
        }
    }
}

/// Rewrites a success body into the documented envelope when FinHub sent a
/// bare payload (see [`crate::envelope`]). The body is read once; status,
/// headers, version and URL move into the rebuilt response unchanged.
async fn normalize(response: reqwest::Response) -> reqwest::Result<reqwest::Response> {
    use http_body_util::BodyExt;
    use reqwest::ResponseBuilderExt;

    let url = response.url().clone();
    let (mut parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    let body = body.collect().await?.to_bytes();
    let body = match normalize_success_body(&body) {
        Some(wrapped) => {
            parts.headers.remove(CONTENT_LENGTH);
            bytes::Bytes::from(wrapped)
        }
        None => body,
    };
    let mut rebuilt = http::Response::builder()
        .url(url)
        .body(body)
        .unwrap_or_default();
    *rebuilt.status_mut() = parts.status;
    *rebuilt.version_mut() = parts.version;
    *rebuilt.headers_mut() = parts.headers;
    Ok(reqwest::Response::from(rebuilt))
}
