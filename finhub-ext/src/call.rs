//! The call engine: one typed call from start to payload.
//!
//! A **call** is one typed method (or one login, refresh or logout): the
//! token it carries, renewed first when due; one **round** through the
//! generated client and the [pipeline](crate::pipeline), which may send
//! several **attempts** (HTTP requests, see [`crate::retry`]); the round
//! classified into the payload or an [`Error`]; after a 401 on an ordinary
//! operation, one renewal of the session and one more round; and, when the
//! answer is the trigger of the operation's documented alternative
//! ([`crate::alternatives`]), one round in the other form, which the client
//! remembers when it works.
//!
//! The engine is also what a [`Session`] is handed to renew its token
//! ([`Renewal`]): logins and refreshes are calls like any other, made for
//! the end user of the call that found the token due.

use std::future::Future;
use std::sync::Arc;

use finhub_api::hooks::{BoxFuture, Inner};
use finhub_api::{Operation, ResponseValue, Sensitive, types};
use secrecy::{ExposeSecret, SecretString};

use crate::alternatives::{self, Form, Forms};
use crate::builders::{AdminSessionBuilder, CustomerSessionBuilder};
use crate::classify::{ApiError, classify};
use crate::clock::Clock;
use crate::config::Config;
use crate::envelope::{Envelope, error_fields};
use crate::error::{Error, ErrorDetails, clip};
use crate::headers::EndUser;
use crate::operation::{Handling, SessionRole, TokenKind, handling};
use crate::pipeline::{CallContext, CallDecorator, Pipeline};
use crate::session::{Login, Owner, RefreshIds, Renewal, Session, Token};
use crate::validation::{Validate, ValidationContext, Violations, validate_path_parameters};

/// What every call of a client shares: configuration, the HTTP client, the
/// pipeline and the admin session.
pub(crate) struct Engine {
    pub(crate) config: Config,
    pub(crate) clock: Arc<dyn Clock>,
    /// The admin session (without credentials when none are configured).
    pub(crate) admin: Arc<Session>,
    http: reqwest::Client,
    pipeline: Arc<Pipeline>,
    /// The generated client for direct calls ([`crate::FinhubClient::raw`]):
    /// the pipeline without a call context.
    raw: finhub_api::Client,
}

/// One typed call in progress.
pub(crate) struct Call<'s> {
    handling: Handling,
    /// The customer session of the handle making the call, if any.
    customer: Option<&'s Session>,
    end_user: Option<EndUser>,
    /// `Some(token)`: exactly this token (or none), never renewed: logins,
    /// refreshes, logout. `None`: the token of the session the operation is
    /// routed to in the round's form.
    fixed: Option<Option<Arc<Token>>>,
    /// Whether the caller gave what the alternative form needs (the
    /// activation's e-mail); without it the call sends the primary form only.
    alternative_input: bool,
}

impl Call<'_> {
    /// The call may not send its alternative form: the caller did not give
    /// what it needs.
    pub(crate) fn without_alternative(mut self) -> Self {
        self.alternative_input = false;
        self
    }
}

/// The session and token of one form of a call.
struct Round<'s> {
    /// The session to renew after a 401, if the round may renew one.
    session: Option<&'s Session>,
    token: Option<Arc<Token>>,
}

/// The engine renewing a session for one call's end user.
struct Renewer<'a> {
    engine: &'a Engine,
    end_user: Option<&'a EndUser>,
}

impl Engine {
    /// The engine of a client with `config`, sending through `http` and
    /// `pipeline`.
    pub(crate) fn new(
        config: Config,
        clock: Arc<dyn Clock>,
        admin: Arc<Session>,
        http: reqwest::Client,
        pipeline: Arc<Pipeline>,
    ) -> Self {
        let raw = finhub_api::Client::new_with_client(
            &config.base_url,
            http.clone(),
            Inner::new(Arc::new(CallDecorator {
                pipeline: pipeline.clone(),
                context: None,
            })),
        );
        Engine {
            config,
            clock,
            admin,
            http,
            pipeline,
            raw,
        }
    }

    /// The generated client for direct calls.
    pub(crate) fn raw(&self) -> &finhub_api::Client {
        &self.raw
    }

    /// Refuses path parameters (`values`, in the order of the operation's
    /// path template) that are empty, `.` or `..`, which would send the
    /// call, and its token, to another endpoint.
    pub(crate) fn check_path(&self, operation: Operation, values: &[&str]) -> Result<(), Error> {
        let names = operation.path_parameters();
        debug_assert_eq!(names.len(), values.len(), "{operation}: path parameters");
        let parameters: Vec<(&str, &str)> =
            names.iter().copied().zip(values.iter().copied()).collect();
        validate_path_parameters(&parameters).map_err(invalid(operation))
    }

    /// FinHub's documented rules for `body`, checked before anything is
    /// sent, with the client's clock for "today": an error stops the call
    /// (nothing is sent); warnings are logged (rule and path only) and the
    /// call goes ahead.
    pub(crate) fn check_body<T: Validate>(
        &self,
        operation: Operation,
        body: &T,
    ) -> Result<(), Error> {
        let context = ValidationContext::on(self.clock.now().date_naive());
        let report = body.validate_in(&context);
        if report.has_errors() {
            return Err(invalid(operation)(report));
        }
        report.log_warnings(operation);
        Ok(())
    }

    /// The documented forms of this client, pinned and learned.
    pub(crate) fn forms(&self) -> &Forms {
        &self.pipeline.forms
    }

    /// The admin session, when admin credentials are configured.
    pub(crate) fn admin_session(&self, operation: Operation) -> Result<&Session, Error> {
        if self.admin.has_credentials() {
            Ok(&self.admin)
        } else {
            Err(Error::Config(format!(
                "{operation} uses the admin token: configure admin credentials (FinhubClientBuilder::admin)"
            )))
        }
    }

    /// A token of `session` that is not due for renewal, renewed first if
    /// needed, for `end_user`.
    pub(crate) async fn valid_token(
        &self,
        session: &Session,
        operation: Operation,
        end_user: Option<&EndUser>,
    ) -> Result<Arc<Token>, Error> {
        let renewer = Renewer {
            engine: self,
            end_user,
        };
        session.valid_token(&renewer, operation).await
    }

    /// Renews `session` now unless its token of generation `stale` was
    /// already replaced.
    pub(crate) async fn renew(
        &self,
        session: &Session,
        stale: u64,
        operation: Operation,
        end_user: Option<&EndUser>,
    ) -> Result<Arc<Token>, Error> {
        let renewer = Renewer {
            engine: self,
            end_user,
        };
        session.renew(&renewer, Some(stale), operation).await
    }

    /// A call of `operation`, with the token it is routed to (renewed first
    /// when due, once more after a 401); `customer`: the session of the
    /// customer handle making it, if any.
    pub(crate) fn start<'s>(
        operation: Operation,
        customer: Option<&'s Session>,
        end_user: Option<&EndUser>,
    ) -> Call<'s> {
        Call {
            handling: handling(operation),
            customer,
            end_user: end_user.cloned(),
            fixed: None,
            alternative_input: true,
        }
    }

    /// A call of `operation` with exactly `token` (or none), which is never
    /// renewed: logins, refreshes, logout.
    pub(crate) fn start_with(
        operation: Operation,
        token: Option<Arc<Token>>,
        end_user: Option<&EndUser>,
    ) -> Call<'static> {
        Call {
            handling: handling(operation),
            customer: None,
            end_user: end_user.cloned(),
            fixed: Some(token),
            alternative_input: true,
        }
    }

    /// The session and token of `call` in `form`; an `Error::Config` when
    /// the form needs a session the client does not have.
    async fn round<'s>(&'s self, call: &Call<'s>, form: Form) -> Result<Round<'s>, Error> {
        let operation = call.handling.operation;
        let end_user = call.end_user.as_ref();
        if let Some(fixed) = &call.fixed {
            let kind = alternatives::token_kind(&self.config.routes, operation, form);
            // A login in the form that carries the admin token.
            if call.handling.role == SessionRole::Login && kind == TokenKind::Admin {
                let admin = self.admin_session(operation)?;
                let token = self.valid_token(admin, operation, end_user).await?;
                return Ok(Round {
                    session: None,
                    token: Some(token),
                });
            }
            return Ok(Round {
                session: None,
                token: fixed.clone(),
            });
        }
        let session = match alternatives::token_kind(&self.config.routes, operation, form) {
            TokenKind::None => None,
            TokenKind::Admin => Some(self.admin_session(operation)?),
            TokenKind::Customer => Some(call.customer.ok_or_else(|| {
                Error::Config(format!(
                    "{operation} is routed to the customer token: call it on a CustomerClient"
                ))
            })?),
        };
        let token = match session {
            Some(session) => Some(self.valid_token(session, operation, end_user).await?),
            None => None,
        };
        Ok(Round { session, token })
    }

    /// Runs `call`: each round gets a generated client whose decorator is
    /// the pipeline with that round's context, and `send` makes the
    /// generated call on it in the round's documented form.
    ///
    /// The call starts in the form the client pinned or learned (the
    /// primary otherwise; the other one when the first needs a session the
    /// client does not have). After a 401 on an ordinary operation the
    /// session is renewed and the round sent once more. When an answer is
    /// the trigger of the operation's documented alternative, the other
    /// form is sent once; if it works, the client keeps it.
    pub(crate) async fn run<'s, E, F, Fut>(
        &'s self,
        call: Call<'s>,
        send: F,
    ) -> Result<E::Data, Error>
    where
        E: Envelope,
        F: Fn(finhub_api::Client, Form) -> Fut,
        Fut: Future<Output = Result<ResponseValue<E>, ApiError>>,
    {
        let operation = call.handling.operation;
        let routed = self.config.routes.routed(operation).is_some();
        let may_switch = call.alternative_input && self.forms().may_switch(operation, routed);
        let mut form = if call.alternative_input {
            self.forms().current(operation)
        } else {
            Form::Primary
        };
        let mut round = match self.round(&call, form).await {
            Err(Error::Config(_)) if may_switch => {
                // This form needs a session the client does not have: the
                // other form, without learning anything from it.
                form = form.other();
                self.round(&call, form).await?
            }
            other => other?,
        };
        let mut renewed = false;
        // The first form's refusal, once the other form has been sent.
        let mut refused: Option<Error> = None;
        loop {
            let context = Arc::new(CallContext::new(
                call.end_user.clone(),
                round.token.clone(),
                form,
            ));
            let result = send(self.client_for(context.clone()), form).await;
            let record = context.record();
            let fields = match &result {
                Err(finhub_api::Error::ErrorResponse(response)) => error_fields(response),
                _ => Vec::new(),
            };
            let outcome = classify(call.handling, result, &record, self.clock.now());
            let outcome = match outcome {
                Err(Error::Unauthorized(details)) => {
                    match self.renewed(&call, &round, renewed, details).await {
                        Ok(fresh) => {
                            round.token = Some(fresh);
                            renewed = true;
                            continue;
                        }
                        Err(error) => Err(error),
                    }
                }
                other => other,
            };
            let trigger = alternatives::alternative(operation).map(|row| row.trigger);
            let fires = |error: &Error| trigger.is_some_and(|t| t.fires(error, &fields));
            match outcome {
                Ok(data) => {
                    if refused.is_some() {
                        self.forms().learn(operation, form);
                    }
                    return Ok(data);
                }
                // The other form was refused the same way: the first
                // answer is the more telling one.
                Err(error) if refused.is_some() && fires(&error) => {
                    return Err(refused.unwrap_or(error));
                }
                Err(error) if may_switch && refused.is_none() && fires(&error) => {
                    let other = form.other();
                    match self.round(&call, other).await {
                        Ok(next) => {
                            tracing::info!(
                                operation = operation.id(),
                                status = error.status(),
                                form = other.as_str(),
                                "the server refused this form; sending the other documented form once"
                            );
                            form = other;
                            round = next;
                            renewed = false;
                            refused = Some(error);
                        }
                        // The other form cannot be sent (no session for
                        // it): the answer to this one stands.
                        Err(_) => return Err(error),
                    }
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// The generated client of one round.
    fn client_for(&self, context: Arc<CallContext>) -> finhub_api::Client {
        finhub_api::Client::new_with_client(
            &self.config.base_url,
            self.http.clone(),
            Inner::new(Arc::new(CallDecorator {
                pipeline: self.pipeline.clone(),
                context: Some(context),
            })),
        )
    }

    /// After a 401: a fresh token for one more round, when the round's
    /// session may be renewed (an ordinary operation, not renewed yet in
    /// this form); otherwise the error that ends the call, or that the
    /// alternative's trigger then reads.
    async fn renewed(
        &self,
        call: &Call<'_>,
        round: &Round<'_>,
        renewed: bool,
        details: ErrorDetails,
    ) -> Result<Arc<Token>, Error> {
        let (Some(session), Some(rejected), SessionRole::Ordinary, false) =
            (round.session, &round.token, call.handling.role, renewed)
        else {
            return Err(Error::Unauthorized(details));
        };
        let operation = call.handling.operation;
        match self
            .renew(
                session,
                rejected.generation,
                operation,
                call.end_user.as_ref(),
            )
            .await
        {
            Ok(fresh) => Ok(fresh),
            // The login refusal itself (or a resumed session that cannot
            // renew without a login): the session is latched and the
            // caller must replace the credentials or log in.
            Err(
                e @ (Error::InvalidCredentials(_)
                | Error::InvalidTenantKeys(_)
                | Error::ReloginRequired { .. }),
            ) => Err(e),
            Err(e) => Err(Error::Unauthorized(ErrorDetails {
                message: Some(clip(&format!(
                    "the token was refused and renewing the session failed: {e}"
                ))),
                ..details
            })),
        }
    }

    /// A login call of `owner` with `login` and the tenant's key and secret.
    async fn log_in(
        &self,
        owner: &Owner,
        login: &Login,
        end_user: Option<&EndUser>,
    ) -> Result<types::SessionResponse, Error> {
        let tenant = &self.config.tenant;
        match owner {
            Owner::Admin {
                organization_id,
                user_id,
            } => {
                let operation = Operation::CreateAdminSession;
                self.check_path(operation, &[organization_id.as_str(), user_id.as_str()])?;
                let body = AdminSessionBuilder::new(&login.username, login.password.clone())
                    .tenant_credentials(tenant.key.clone(), tenant.secret.clone())
                    .build()
                    .map_err(invalid(operation))?;
                let (organization_id, user_id, body) =
                    (organization_id.as_str(), user_id.as_str(), &body);
                self.run(
                    Engine::start_with(operation, None, end_user),
                    |raw, _| async move {
                        raw.create_admin_session(organization_id, user_id, body)
                            .await
                    },
                )
                .await
            }
            Owner::Customer {
                customer_id,
                user_id,
            } => {
                let operation = Operation::CreateCustomerSession;
                self.check_path(operation, &[customer_id.as_str(), user_id.as_str()])?;
                let body = CustomerSessionBuilder::new(&login.username, login.password.clone())
                    .tenant_credentials(tenant.key.clone(), tenant.secret.clone())
                    .build()
                    .map_err(invalid(operation))?;
                let (customer_id, user_id, body) = (customer_id.as_str(), user_id.as_str(), &body);
                self.run(
                    Engine::start_with(operation, None, end_user),
                    |raw, _| async move {
                        raw.create_customer_session(customer_id, user_id, body)
                            .await
                    },
                )
                .await
            }
        }
    }

    /// A refresh call of the customer session `ids`.
    async fn refresh(
        &self,
        ids: RefreshIds<'_>,
        token: &Arc<Token>,
        refresh: &SecretString,
        end_user: Option<&EndUser>,
    ) -> Result<types::SessionResponse, Error> {
        let operation = Operation::RefreshCustomerSession;
        self.check_path(operation, &[ids.customer_id, ids.user_id, ids.session_id])?;
        let body = types::RefreshSessionRequest {
            refresh_token: Sensitive::new(refresh.expose_secret()),
        };
        self.check_body(operation, &body)?;
        let body = &body;
        let call = Engine::start_with(operation, Some(token.clone()), end_user);
        self.run(call, |raw, _| async move {
            raw.refresh_customer_session(ids.customer_id, ids.user_id, ids.session_id, body)
                .await
        })
        .await
    }
}

impl Renewal for Renewer<'_> {
    fn log_in<'a>(
        &'a self,
        owner: &'a Owner,
        login: &'a Login,
    ) -> BoxFuture<'a, Result<types::SessionResponse, Error>> {
        Box::pin(self.engine.log_in(owner, login, self.end_user))
    }

    fn refresh<'a>(
        &'a self,
        ids: RefreshIds<'a>,
        token: &'a Arc<Token>,
        refresh: &'a SecretString,
    ) -> BoxFuture<'a, Result<types::SessionResponse, Error>> {
        Box::pin(self.engine.refresh(ids, token, refresh, self.end_user))
    }
}

/// The error of `violations` found before calling `operation`.
fn invalid(operation: Operation) -> impl Fn(Violations) -> Error {
    move |violations| Error::Validation {
        operation: Some(operation),
        violations,
    }
}
