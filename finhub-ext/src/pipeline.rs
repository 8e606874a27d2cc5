//! The request pipeline: the decorator the generated client runs around
//! every request (the call engine's requests and direct calls on
//! [`FinhubClient::raw`](crate::FinhubClient::raw) alike). Its stages, in
//! the order they run:
//!
//! 0. **form**: a request in an operation's alternative form whose
//!    alternative is another path (see [`crate::alternatives`]) gets the
//!    alternative template's path, each path parameter carried over by
//!    name. The round's form comes from its context; a direct call uses the
//!    form the client pinned or learned. Touches the URL path only.
//! 1. **path check** (before anything else is added, so that a refused
//!    request never gets a token): the request's URL path must match the
//!    path template of the form actually used, segment for segment, below
//!    the base URL's own path. A path that an empty, `.` or `..` id
//!    collapsed (`/verifications/../approve`) is refused and nothing is
//!    sent. Reads the URL only.
//! 2. **context headers**: tenant, request source, platform, device, user
//!    agent (unless the caller's own HTTP client keeps its own), `Accept`,
//!    and the end user's `X-Forwarded-For`; progenitor's `api-version`
//!    header is removed. Touches request headers only.
//! 3. **auth**: `Authorization: Bearer …` (marked sensitive) with the token
//!    the call was given, or, for a direct generated call, the cached token
//!    of the operation's kind in its form (admin operations use the admin
//!    session).
//!    Touches the `Authorization` header only; never renews (the engine
//!    does, where a token can be awaited).
//! 4. **admission** (only with a caller-supplied gate,
//!    [`FinhubClientBuilder::admission`](crate::FinhubClientBuilder::admission)):
//!    before each attempt, retries included, the gate is awaited; after it,
//!    the gate hears the attempt's status and `Retry-After` (see
//!    [`crate::admission`]). Touches nothing of the request.
//! 5. **send/retry**: the request is sent with the per-request timeout; a
//!    failed attempt of an idempotent operation is sent again as
//!    [`crate::retry`] says (a POST only when the connection could not be
//!    opened). Records the status and `Retry-After` of the last attempt in
//!    the call's context.
//! 6. **bounded read** (final response only): a redirect (3xx) is refused
//!    and never followed; so is a response whose URL differs from the
//!    request's (a redirect that a caller-supplied HTTP client followed).
//!    The body is read at most up to the configured limit (a larger
//!    `Content-Length` is refused before reading), success and error bodies
//!    alike. A refused response keeps its status, loses its `Location` and
//!    its body, and the refusal is recorded in the call's context.
//! 7. **envelope normalize**: a 2xx body in any of FinHub's envelope shapes
//!    is rewritten into the documented one (see `envelope`). Touches the
//!    body (and drops `Content-Length`) only.
//! 8. **log**: one `tracing` span `finhub.call` per generated call (around
//!    stages 4 to 7) with operation id, method, path template, attempt,
//!    status and latency, and one event when it ends; never bodies, tokens,
//!    passwords, the tenant secret, the end user's IP or a redirect target.
//!
//! Per-call data travels explicitly: the engine builds, for each round of a
//! call, a generated client whose decorator is [`CallDecorator`] holding
//! that round's [`CallContext`] (end user, token, what happened on the
//! wire). Direct calls on the generated client use a decorator without a
//! context.
//!
//! A refused request or response ends a typed call with a typed error
//! ([`Error::Redirect`], [`Error::ResponseTooLarge`], [`Error::Validation`]
//! with rule `path.template_mismatch`). A direct call on the generated
//! client gets `Error::Custom` for a refused request, and for a refused
//! response one whose body fails to read (a 3xx comes back as
//! `UnexpectedResponse`, without its `Location`).

use std::fmt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use finhub_api::Operation;
use finhub_api::hooks::{BoxFuture, Decorator};
use http_body::Frame;
use http_body_util::{BodyExt, Limited};
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, HeaderValue, LOCATION};
use reqwest::{ResponseBuilderExt, Url};
use secrecy::ExposeSecret;
use tracing::Instrument;
use zeroize::Zeroizing;

use crate::admission::{Admission, AttemptOutcome};
use crate::alternatives::{self, Form, Forms};
use crate::clock::Clock;
use crate::envelope::normalize_success_body;
use crate::error::{Error, ErrorDetails};
use crate::headers::{ContextHeaders, EndUser};
use crate::operation::{TokenKind, TokenRoutes, handling};
use crate::retry::{RetryPolicy, is_retryable_status, retry_after};
use crate::session::{Session, Token};
use crate::validation::codes::PATH_TEMPLATE_MISMATCH;
use crate::validation::{Violations, matches_template};

/// What one round of a call carries through the pipeline: who it is for,
/// the token to send, and what happened on the wire.
#[derive(Debug, Default)]
pub(crate) struct CallContext {
    pub(crate) end_user: Option<EndUser>,
    pub(crate) token: Option<Arc<Token>>,
    /// The documented form the round sends.
    pub(crate) form: Form,
    record: Mutex<CallRecord>,
}

/// What the pipeline saw of the last attempt (one HTTP send) of a round.
#[derive(Debug, Default, Clone)]
pub(crate) struct CallRecord {
    pub(crate) status: Option<u16>,
    pub(crate) retry_after: Option<Duration>,
    /// Why the pipeline refused the request or its response, if it did.
    pub(crate) refused: Option<Refusal>,
}

/// Why the pipeline refused a request or a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The server answered with a redirect (3xx); it was not followed.
    Redirect,
    /// The HTTP client followed a redirect: the response comes from another
    /// URL than the request's.
    FollowedRedirect,
    /// The body is larger than the limit; it was not read beyond it.
    TooLarge { limit: usize },
    /// The request's path does not match the operation's path template.
    PathMismatch,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Redirect => f.write_str("FinHub documents no redirect; it was not followed"),
            Refusal::FollowedRedirect => f.write_str(
                "the HTTP client followed a redirect; the request may already have reached the redirect target",
            ),
            Refusal::TooLarge { limit } => {
                write!(f, "the response body is larger than {limit} bytes")
            }
            Refusal::PathMismatch => f.write_str(
                "the request path does not match the operation's path template (an empty, `.` or `..` path parameter?); nothing was sent",
            ),
        }
    }
}

impl std::error::Error for Refusal {}

impl Refusal {
    /// The typed error of a call that the pipeline refused.
    pub(crate) fn into_error(self, operation: Operation, status: Option<u16>) -> Error {
        match self {
            Refusal::Redirect | Refusal::FollowedRedirect => Error::Redirect(ErrorDetails {
                message: Some(self.to_string()),
                ..ErrorDetails::new(operation, status)
            }),
            Refusal::TooLarge { limit } => Error::ResponseTooLarge {
                operation,
                status,
                limit,
            },
            Refusal::PathMismatch => {
                let mut violations = Violations::new();
                violations.push("path", PATH_TEMPLATE_MISMATCH, self.to_string());
                Error::Validation {
                    operation: Some(operation),
                    violations,
                }
            }
        }
    }
}

impl CallContext {
    /// The context of a round for `end_user`, sending `token` in `form`.
    pub(crate) fn new(end_user: Option<EndUser>, token: Option<Arc<Token>>, form: Form) -> Self {
        CallContext {
            end_user,
            token,
            form,
            record: Mutex::default(),
        }
    }

    /// What the pipeline saw, once the round is over.
    pub(crate) fn record(&self) -> CallRecord {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CallRecord> {
        self.record.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn refuse(&self, refusal: Refusal) {
        self.lock().refused = Some(refusal);
    }
}

/// The pipeline: configuration shared by every call of a client.
#[derive(Debug)]
pub(crate) struct Pipeline {
    pub(crate) headers: ContextHeaders,
    pub(crate) retry: RetryPolicy,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) admin: Arc<Session>,
    pub(crate) routes: TokenRoutes,
    /// The documented forms pinned and learned (shared by clones).
    pub(crate) forms: Arc<Forms>,
    /// The base URL's own path (`""` or `/prefix`).
    pub(crate) base_path: String,
    /// The largest response body read.
    pub(crate) max_response_bytes: usize,
    /// The time allowed for one attempt, set on every request.
    pub(crate) timeout: Duration,
    /// The caller's gate of stage 4, if any.
    pub(crate) admission: Option<Arc<dyn Admission>>,
}

/// The decorator of one round of a call (with its context), or of direct
/// calls on the generated client (without one).
#[derive(Debug)]
pub(crate) struct CallDecorator {
    pub(crate) pipeline: Arc<Pipeline>,
    pub(crate) context: Option<Arc<CallContext>>,
}

/// The `Authorization` value for `token`. The `Bearer …` text is built in
/// memory that is wiped when dropped; the header value itself belongs to
/// the request (and to reqwest and hyper after it is sent) and is not wiped.
fn bearer(token: &Token) -> Result<HeaderValue, String> {
    let text = bearer_text(token);
    let mut value = HeaderValue::from_str(&text)
        .map_err(|_| "the session token contains characters not allowed in a header".to_string())?;
    value.set_sensitive(true);
    Ok(value)
}

/// `Bearer <token>`, in memory that is wiped when dropped.
fn bearer_text(token: &Token) -> Zeroizing<String> {
    let secret = token.access.expose_secret();
    let mut text = Zeroizing::new(String::with_capacity("Bearer ".len() + secret.len()));
    text.push_str("Bearer ");
    text.push_str(secret);
    text
}

impl Decorator for CallDecorator {
    fn prepare(&self, request: &mut reqwest::Request, operation: Operation) -> Result<(), String> {
        let pipeline = &self.pipeline;
        let context = self.context.as_deref();
        let form = context.map_or_else(|| pipeline.forms.current(operation), |c| c.form);
        // Stage 0: form.
        pipeline.apply_form(request, operation, form);
        // Stage 1: path check.
        pipeline
            .check_path(request, operation, form)
            .inspect_err(|_| {
                if let Some(context) = context {
                    context.refuse(Refusal::PathMismatch);
                }
            })?;
        // Stage 2: context headers.
        pipeline.headers.apply(
            request.headers_mut(),
            context.and_then(|c| c.end_user.as_ref()),
        );
        // Stage 3: auth.
        let token = match context {
            Some(context) => context.token.clone(),
            None => match alternatives::token_kind(&pipeline.routes, operation, form) {
                TokenKind::Admin => pipeline.admin.current(),
                TokenKind::Customer => {
                    return Err(format!(
                        "{operation} needs a customer session: call it through a CustomerClient"
                    ));
                }
                TokenKind::None => None,
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
        operation: Operation,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        // Stage 8: log (the span around stages 4 to 7).
        let form = self
            .context
            .as_deref()
            .map_or_else(|| self.pipeline.forms.current(operation), |c| c.form);
        let span = tracing::info_span!(
            "finhub.call",
            operation = operation.id(),
            method = %request.method(),
            path = alternatives::template_in_form(operation, form),
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        Box::pin(
            self.pipeline
                .send_with_retries(client, request, operation, self.context.as_deref())
                .instrument(span),
        )
    }
}

impl Pipeline {
    /// Stage 0: a request in a path alternative gets the alternative's path
    /// (parameters carried over by name). A path that does not match the
    /// primary template is left alone, for stage 1 to refuse.
    fn apply_form(&self, request: &mut reqwest::Request, operation: Operation, form: Form) {
        let Some(below) = request.url().path().strip_prefix(self.base_path.as_str()) else {
            return;
        };
        let Some(path) = alternatives::path_in_form(operation, form, below) else {
            return;
        };
        if path != below {
            let full = format!("{}{path}", self.base_path);
            request.url_mut().set_path(&full);
        }
    }

    /// Stage 1: the request's path is the operation's, in the form used.
    fn check_path(
        &self,
        request: &reqwest::Request,
        operation: Operation,
        form: Form,
    ) -> Result<(), String> {
        let template = alternatives::template_in_form(operation, form);
        let matches = request
            .url()
            .path()
            .strip_prefix(self.base_path.as_str())
            .is_some_and(|path| matches_template(template, path));
        if matches {
            return Ok(());
        }
        tracing::warn!(
            operation = operation.id(),
            path = template,
            "request refused: its path does not match the operation's template"
        );
        Err(format!(
            "{operation}: {} ({template})",
            Refusal::PathMismatch
        ))
    }

    /// Stages 4 to 7 (and the closing log event of stage 8).
    async fn send_with_retries(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        operation: Operation,
        context: Option<&CallContext>,
    ) -> reqwest::Result<reqwest::Response> {
        let idempotent = handling(operation).is_idempotent();
        let span = tracing::Span::current();
        let mut attempt = 1;
        loop {
            *request.timeout_mut() = Some(self.timeout);
            let spare = (attempt < self.retry.attempts())
                .then(|| request.try_clone())
                .flatten();
            let sent = request.url().clone();
            // Stage 4: admission.
            if let Some(admission) = &self.admission {
                admission.admit(operation).await;
            }
            let started = Instant::now();
            // Stage 5: send.
            let result = client.execute(request).await;
            let latency = started.elapsed();
            span.record("attempt", attempt);
            span.record("latency_ms", latency.as_secs_f64() * 1000.0);
            let (retry, wait) = match &result {
                Ok(response) => {
                    let status = response.status();
                    span.record("status", status.as_u16());
                    let wait = retry_after(response.headers(), self.clock.now());
                    // Stage 4: admission hears the outcome.
                    if let Some(admission) = &self.admission {
                        admission.report(
                            operation,
                            AttemptOutcome {
                                status: Some(status.as_u16()),
                                retry_after: wait,
                            },
                        );
                    }
                    if let Some(context) = context {
                        let mut record = context.lock();
                        record.status = Some(status.as_u16());
                        record.retry_after = wait;
                    }
                    let redirected = status.is_redirection() || *response.url() != sent;
                    (
                        idempotent && !redirected && is_retryable_status(status),
                        wait,
                    )
                }
                Err(error) => {
                    if let Some(context) = context {
                        context.lock().status = None;
                    }
                    if let Some(admission) = &self.admission {
                        admission.report(
                            operation,
                            AttemptOutcome {
                                status: None,
                                retry_after: None,
                            },
                        );
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
            // Stage 8: log.
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
                Ok(response) => self.admit(response, &sent, context).await,
                Err(error) => Err(error),
            };
        }
    }

    /// Stages 6 and 7 on the final response: refuses a redirect and a body
    /// over the limit, reads the body (bounded) and normalizes a success
    /// body.
    async fn admit(
        &self,
        response: reqwest::Response,
        sent: &Url,
        context: Option<&CallContext>,
    ) -> reqwest::Result<reqwest::Response> {
        let limit = self.max_response_bytes;
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let refusal = if response.status().is_redirection() {
            Some(Refusal::Redirect)
        } else if response.url() != sent {
            Some(Refusal::FollowedRedirect)
        } else if declared.is_some_and(|length| length > limit as u64) {
            Some(Refusal::TooLarge { limit })
        } else {
            None
        };
        if let Some(refusal) = refusal {
            return Ok(refuse(response, refusal, context));
        }
        let url = response.url().clone();
        let (mut parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
        let body = match Limited::new(body, limit).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) => match error.downcast::<reqwest::Error>() {
                Ok(error) => return Err(*error),
                // The only other error of `Limited`: the limit was reached.
                Err(_) => {
                    let response = rebuild(url, parts, reqwest::Body::from(Bytes::new()));
                    return Ok(refuse(response, Refusal::TooLarge { limit }, context));
                }
            },
        };
        // Stage 7: envelope normalize.
        let body = match normalize_success_body_of(parts.status, &body) {
            Some(wrapped) => {
                parts.headers.remove(CONTENT_LENGTH);
                Bytes::from(wrapped)
            }
            None => body,
        };
        Ok(rebuild(url, parts, body))
    }
}

/// A success body rewritten into the documented envelope (see
/// [`crate::envelope`]), when it needs to be.
fn normalize_success_body_of(status: reqwest::StatusCode, body: &[u8]) -> Option<Vec<u8>> {
    status
        .is_success()
        .then(|| normalize_success_body(body))
        .flatten()
}

/// A response with the status, version, headers and URL of `parts` and
/// `url`, and `body`.
fn rebuild(
    url: Url,
    parts: http::response::Parts,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    let mut rebuilt = http::Response::builder()
        .url(url)
        .body(())
        .unwrap_or_default()
        .map(|()| body.into());
    *rebuilt.status_mut() = parts.status;
    *rebuilt.version_mut() = parts.version;
    *rebuilt.headers_mut() = parts.headers;
    reqwest::Response::from(rebuilt)
}

/// Records `refusal` for the call and returns the response with a body that
/// fails with it (its own body is dropped unread) and without `Location`.
fn refuse(
    response: reqwest::Response,
    refusal: Refusal,
    context: Option<&CallContext>,
) -> reqwest::Response {
    if let Some(context) = context {
        context.refuse(refusal);
    }
    tracing::warn!(
        status = response.status().as_u16(),
        "response refused: {refusal}"
    );
    let url = response.url().clone();
    let (mut parts, _unread) = http::Response::<reqwest::Body>::from(response).into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    parts.headers.remove(LOCATION);
    rebuild(url, parts, reqwest::Body::wrap(RefusedBody(Some(refusal))))
}

/// A body that fails with the pipeline's refusal instead of yielding data.
struct RefusedBody(Option<Refusal>);

impl http_body::Body for RefusedBody {
    type Data = Bytes;
    type Error = Refusal;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Refusal>>> {
        Poll::Ready(self.0.take().map(Err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `Bearer …` text the header is built from, checked by the
    /// compiler: the test builds only while it is of a type that wipes its
    /// memory on drop.
    #[test]
    fn the_bearer_text_wipes_its_memory_on_drop() {
        fn check(token: &Token) {
            crate::assert_wipes_on_drop(&bearer_text(token));
        }
        let _: fn(&Token) = check;
    }

    #[test]
    fn refusals_become_typed_errors_naming_the_operation() {
        let err = Refusal::PathMismatch.into_error(Operation::ApproveVerification, None);
        match &err {
            Error::Validation {
                operation,
                violations,
            } => {
                assert_eq!(*operation, Some(Operation::ApproveVerification));
                assert!(violations.contains("path", PATH_TEMPLATE_MISMATCH));
            }
            other => panic!("{other:?}"),
        }
        let err = Refusal::Redirect.into_error(Operation::CreateAdminSession, Some(307));
        assert_eq!(err.status(), Some(307));
        assert!(matches!(err, Error::Redirect(_)));
        let err =
            Refusal::TooLarge { limit: 10 }.into_error(Operation::ListCustomerWallets, Some(200));
        assert_eq!(err.operation(), Some(Operation::ListCustomerWallets));
        assert!(err.to_string().contains("larger than 10 bytes"), "{err}");
    }
}
