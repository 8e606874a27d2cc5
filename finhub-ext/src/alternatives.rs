//! Documented alternatives: where FinHub's pages disagree on how to call an
//! operation, the one table of both forms, and what the client learns.
//!
//! For each operation in [`ALTERNATIVES`] the client sends the **primary**
//! form. Only when the server's answer proves that nothing was done with it
//! (the row's [`Trigger`]: a 404/405 for a path, a 401/403 for a token, …)
//! does it send the **alternative** once. The form that worked is then used
//! by every later call of that client and of all its clones, and a
//! `tracing::info!` event names the operation and the form learned. A
//! timeout, a transport failure, a 5xx or a lost or unreadable response
//! never triggers the alternative: the primary may have been carried out.
//!
//! [`FinhubClientBuilder::form`](crate::FinhubClientBuilder::form) pins an
//! operation to one form (no switching);
//! [`FinhubClientBuilder::form_fallback`](crate::FinhubClientBuilder::form_fallback)
//! switches the fallback off for every operation (each sends its pinned or
//! primary form only). An operation routed to a token with
//! [`FinhubClientBuilder::token_route`](crate::FinhubClientBuilder::token_route)
//! is pinned to that token.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use finhub_api::Operation;

use crate::error::Error;
use crate::operation::{TokenKind, TokenRoutes, handling};

/// Which of an operation's documented forms a request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Form {
    /// The form the client sends first (the documentation it trusts most).
    #[default]
    Primary,
    /// The other documented form, sent after the primary's trigger.
    Alternative,
}

impl Form {
    /// The other form.
    pub const fn other(self) -> Form {
        match self {
            Form::Primary => Form::Alternative,
            Form::Alternative => Form::Primary,
        }
    }

    /// `primary` or `alternative`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Form::Primary => "primary",
            Form::Alternative => "alternative",
        }
    }
}

impl fmt::Display for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// What the alternative form changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Another path template; the path parameters are carried over by name
    /// (a parameter the alternative does not have is dropped).
    Path(&'static str),
    /// Another bearer token.
    Token(TokenKind),
    /// The activation body's `userId` holds the customer's e-mail instead
    /// of the user id.
    UserIdIsEmail,
    /// The login carries `Authorization: Bearer` with the admin token.
    AdminBearerOnLogin,
}

/// The answer that proves the server did nothing with a form and wants the
/// other one. Only an HTTP response with one of these statuses counts;
/// never a timeout, a transport failure or a 5xx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// HTTP 404 or 405: the server has no such route.
    RouteMissing,
    /// HTTP 401 or 403: the token is refused. A 401 is first answered as
    /// always, by renewing the session and sending once more; only a
    /// renewed token that is refused again triggers the alternative.
    TokenRefused,
    /// HTTP 400 or 404 whose message or field data names `userId`.
    UserIdRefused,
    /// HTTP 400 whose message names a missing `Authorization` header.
    /// Never a 401: at a login a 401 means wrong credentials, and another
    /// attempt would count toward FinHub's lockout after 5 failed logins.
    AuthorizationHeaderMissing,
}

/// One row of [`ALTERNATIVES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alternative {
    /// The operation.
    pub operation: Operation,
    /// The primary form, in words.
    pub primary: &'static str,
    /// What the alternative changes.
    pub change: Change,
    /// The alternative form, in words.
    pub alternative: &'static str,
    /// When the other form is tried.
    pub trigger: Trigger,
    /// Where FinHub documents each form (sections and inconsistencies of
    /// `docs/finhub-api.md`).
    pub sources: &'static str,
}

/// Every documented alternative: the one table the client follows.
pub const ALTERNATIVES: [Alternative; 7] = [
    Alternative {
        operation: Operation::CreateAdminSession,
        primary: "POST /api/v2.1/admin/organization/{organizationId}/users/{userId}/sessions",
        change: Change::Path("/api/v2.1/admin/session/login"),
        alternative: "POST /api/v2.1/admin/session/login",
        trigger: Trigger::RouteMissing,
        sources: "§1.10 (reference pages) / I-34 (administration index)",
    },
    Alternative {
        operation: Operation::GetCategorizationHierarchy,
        primary: "GET /api/v2.1/customer/individual/categorization/hierarchy/{tenantId}",
        change: Change::Path("/api/v2.1/customers/individual/categorization/hierarchy/{tenantId}"),
        alternative: "GET /api/v2.1/customers/individual/categorization/hierarchy/{tenantId} (plural)",
        trigger: Trigger::RouteMissing,
        sources: "§2.1 [RUN], [REF], [FLOW] / [LATEST] (I-32)",
    },
    Alternative {
        operation: Operation::RegisterIndividualCustomer,
        primary: "POST /api/v2.1/customer/individual/registration",
        change: Change::Path("/api/v2.1/customers/individual/register"),
        alternative: "POST /api/v2.1/customers/individual/register (plural)",
        trigger: Trigger::RouteMissing,
        sources: "§2.2 [RUN], [REF], [OAS] / [LATEST] (I-14)",
    },
    Alternative {
        operation: Operation::CreateCustomerSession,
        primary: "no Authorization header",
        change: Change::AdminBearerOnLogin,
        alternative: "Authorization: Bearer <admin token>",
        trigger: Trigger::AuthorizationHeaderMissing,
        sources: "§2.3 [OAS] / a later version of the page (I-18)",
    },
    Alternative {
        operation: Operation::SubmitCustomerVerification,
        primary: "POST /api/v2.1/customer/individual/{customerId}/verification",
        change: Change::Path("/api/v2.1/customer/individual/{customerId}/verification/initiate"),
        alternative: "POST /api/v2.1/customer/individual/{customerId}/verification/initiate",
        trigger: Trigger::RouteMissing,
        sources: "§2.6 overview, [REF] submission / [REF] code sample, [FLOW] (I-24)",
    },
    Alternative {
        operation: Operation::CreateVerification,
        primary: "the admin token",
        change: Change::Token(TokenKind::Customer),
        alternative: "the customer token",
        trigger: Trigger::TokenRefused,
        sources: "§2.7, §3.1 [RUN] / [FLOW]",
    },
    Alternative {
        operation: Operation::ActivateCustomer,
        primary: "userId: the user id",
        change: Change::UserIdIsEmail,
        alternative: "userId: the customer's e-mail",
        trigger: Trigger::UserIdRefused,
        sources: "§2.14 [LATEST], the field's name / [RUN] example (I-6)",
    },
];

/// The documented alternative of `operation`, if it has one.
pub fn alternative(operation: Operation) -> Option<&'static Alternative> {
    ALTERNATIVES.iter().find(|row| row.operation == operation)
}

impl Trigger {
    /// Whether `error` (with the field names `fields` its body names) is
    /// this trigger. Only an answer with an HTTP status counts.
    pub(crate) fn fires(self, error: &Error, fields: &[String]) -> bool {
        let Some(status) = http_status(error) else {
            return false;
        };
        let message = error
            .details()
            .and_then(|d| d.message.as_deref())
            .unwrap_or_default();
        match self {
            Trigger::RouteMissing => matches!(status, 404 | 405),
            Trigger::TokenRefused => matches!(status, 401 | 403),
            Trigger::UserIdRefused => {
                matches!(status, 400 | 404)
                    && (names(message, "userid") || fields.iter().any(|f| names(f, "userid")))
            }
            Trigger::AuthorizationHeaderMissing => {
                status == 400
                    && (names(message, "authorization")
                        || fields.iter().any(|f| names(f, "authorization")))
            }
        }
    }
}

/// The HTTP status of an error that is an answer of the server (not an
/// error code inside a 2xx envelope, not a refusal of the pipeline).
fn http_status(error: &Error) -> Option<u16> {
    match error {
        Error::BadRequest(d)
        | Error::Unauthorized(d)
        | Error::Forbidden(d)
        | Error::NotFound(d)
        | Error::InvalidCredentials(d)
        | Error::InvalidTenantKeys(d)
        | Error::UnexpectedStatus(d) => d.status.filter(|s| (400..500).contains(s)),
        _ => None,
    }
}

/// Whether `text` names `word` (lower case, letters and digits only):
/// `userId`, `user_id`, `USER ID` and `Authorization:` all count.
fn names(text: &str, word: &str) -> bool {
    let folded: String = text
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    folded.contains(word)
}

/// The path of a request sent in `form`: the primary path unchanged, or
/// `path` (a request path of `operation`'s template) rewritten into the
/// alternative template with the same parameters by name. `None` when the
/// path does not match the template.
pub(crate) fn path_in_form(operation: Operation, form: Form, path: &str) -> Option<String> {
    let template = match (form, alternative(operation).map(|row| row.change)) {
        (Form::Alternative, Some(Change::Path(template))) => template,
        _ => return Some(path.to_string()),
    };
    let mut values = HashMap::new();
    let mut actual = path.split('/');
    for want in operation.path().split('/') {
        let got = actual.next()?;
        if let Some(name) = want.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
            values.insert(name, got);
        } else if want != got {
            return None;
        }
    }
    if actual.next().is_some() {
        return None;
    }
    let mut out = Vec::new();
    for segment in template.split('/') {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => out.push(*values.get(name)?),
            None => out.push(segment),
        }
    }
    Some(out.join("/"))
}

/// The path template a request of `operation` in `form` must match.
pub(crate) fn template_in_form(operation: Operation, form: Form) -> &'static str {
    match (form, alternative(operation).map(|row| row.change)) {
        (Form::Alternative, Some(Change::Path(template))) => template,
        _ => operation.path(),
    }
}

/// The token a request of `operation` in `form` carries: the one it was
/// routed to with `token_route`, else the form's.
pub(crate) fn token_kind(routes: &TokenRoutes, operation: Operation, form: Form) -> TokenKind {
    if let Some(kind) = routes.routed(operation) {
        return kind;
    }
    match (form, alternative(operation).map(|row| row.change)) {
        (Form::Alternative, Some(Change::Token(kind))) => kind,
        (Form::Alternative, Some(Change::AdminBearerOnLogin)) => TokenKind::Admin,
        _ => handling(operation).token,
    }
}

/// The forms of a client: pinned by the builder, learned from the server.
/// Shared by every clone of a client.
#[derive(Debug, Default)]
pub(crate) struct Forms {
    pinned: Vec<(Operation, Form)>,
    fallback: bool,
    learned: Mutex<HashMap<Operation, Form>>,
}

impl Forms {
    /// Forms with `pinned` operations and the fallback on or off.
    pub(crate) fn new(pinned: Vec<(Operation, Form)>, fallback: bool) -> Self {
        Forms {
            pinned,
            fallback,
            learned: Mutex::default(),
        }
    }

    fn learned(&self) -> std::sync::MutexGuard<'_, HashMap<Operation, Form>> {
        self.learned.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The form the next call of `operation` starts with: pinned, else
    /// learned, else primary.
    pub(crate) fn current(&self, operation: Operation) -> Form {
        if let Some((_, form)) = self.pinned.iter().find(|(op, _)| *op == operation) {
            return *form;
        }
        self.learned()
            .get(&operation)
            .copied()
            .unwrap_or(Form::Primary)
    }

    /// Whether a call of `operation` may switch to its other form: it has
    /// one, the fallback is on and the operation is not pinned
    /// (`routed`: its token was chosen with `token_route`).
    pub(crate) fn may_switch(&self, operation: Operation, routed: bool) -> bool {
        self.fallback
            && alternative(operation).is_some()
            && !routed
            && !self.pinned.iter().any(|(op, _)| *op == operation)
    }

    /// Records that `form` worked for `operation`, for every later call.
    pub(crate) fn learn(&self, operation: Operation, form: Form) {
        let previous = self.learned().insert(operation, form);
        if previous.unwrap_or(Form::Primary) != form {
            let row = alternative(operation);
            tracing::info!(
                operation = operation.id(),
                form = form.as_str(),
                uses = row.map_or("", |row| match form {
                    Form::Primary => row.primary,
                    Form::Alternative => row.alternative,
                }),
                "learned which documented form the server takes"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_fits_its_operation() {
        let mut seen = Vec::new();
        for row in ALTERNATIVES {
            assert!(!seen.contains(&row.operation), "{} twice", row.operation);
            seen.push(row.operation);
            if let Change::Path(template) = row.change {
                assert_ne!(template, row.operation.path(), "{}", row.operation);
                assert!(template.starts_with("/api/v2.1/"), "{template}");
                // Every parameter of the alternative is one of the primary.
                for segment in template.split('/') {
                    if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'))
                    {
                        assert!(
                            row.operation.path_parameters().contains(&name),
                            "{}: {name}",
                            row.operation
                        );
                    }
                }
                assert_eq!(row.trigger, Trigger::RouteMissing, "{}", row.operation);
            }
        }
    }

    #[test]
    fn paths_are_rewritten_by_parameter_name() {
        let op = Operation::SubmitCustomerVerification;
        assert_eq!(
            path_in_form(
                op,
                Form::Alternative,
                "/api/v2.1/customer/individual/c-1/verification"
            )
            .as_deref(),
            Some("/api/v2.1/customer/individual/c-1/verification/initiate")
        );
        assert_eq!(
            path_in_form(
                op,
                Form::Primary,
                "/api/v2.1/customer/individual/c-1/verification"
            )
            .as_deref(),
            Some("/api/v2.1/customer/individual/c-1/verification")
        );
        let admin = Operation::CreateAdminSession;
        assert_eq!(
            path_in_form(
                admin,
                Form::Alternative,
                "/api/v2.1/admin/organization/o/users/u/sessions"
            )
            .as_deref(),
            Some("/api/v2.1/admin/session/login")
        );
        assert_eq!(path_in_form(op, Form::Alternative, "/api/v2.1/other"), None);
    }

    #[test]
    fn words_are_found_in_any_spelling() {
        for text in ["userId is invalid", "Unknown user_id", "USER ID not found"] {
            assert!(names(text, "userid"), "{text}");
        }
        assert!(!names("User not found", "userid"));
        assert!(names(
            "Missing required header: Authorization",
            "authorization"
        ));
    }

    #[test]
    fn pinned_forms_win_and_learning_is_shared() {
        let forms = Forms::new(
            vec![(Operation::CreateVerification, Form::Alternative)],
            true,
        );
        assert_eq!(
            forms.current(Operation::CreateVerification),
            Form::Alternative
        );
        assert!(!forms.may_switch(Operation::CreateVerification, false));
        assert!(forms.may_switch(Operation::ActivateCustomer, false));
        assert!(!forms.may_switch(Operation::ActivateCustomer, true));
        assert!(!forms.may_switch(Operation::ListCustomerWallets, false));
        forms.learn(Operation::ActivateCustomer, Form::Alternative);
        assert_eq!(
            forms.current(Operation::ActivateCustomer),
            Form::Alternative
        );
        let off = Forms::new(Vec::new(), false);
        assert!(!off.may_switch(Operation::ActivateCustomer, false));
    }
}
