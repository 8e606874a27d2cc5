//! FinHub's documented request rules, checked before anything is sent.
//!
//! Every violation is reported at once, each with the JSON path of the field
//! (`individualCustomer.person.email`), a stable rule code and a plain
//! message. Messages never contain the rejected value of a secret field.

use std::fmt;

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON path of the field in the request body (or `path.<name>` for a
    /// path parameter), e.g. `individualCustomer.person.email`.
    pub path: String,
    /// Stable code of the rule, e.g. `password.too_short`.
    pub rule: &'static str,
    /// What is wrong and what is expected, in plain words.
    pub message: String,
}

/// Every violation found in one request; never empty when returned as an
/// error.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Violations(Vec<Violation>);

impl Violations {
    /// An empty list.
    pub fn new() -> Self {
        Violations(Vec::new())
    }

    /// Adds a violation.
    pub fn push(
        &mut self,
        path: impl Into<String>,
        rule: &'static str,
        message: impl Into<String>,
    ) {
        self.0.push(Violation {
            path: path.into(),
            rule,
            message: message.into(),
        });
    }

    /// Whether no rule is broken.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of violations.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The violations, in the order they were found.
    pub fn iter(&self) -> impl Iterator<Item = &Violation> {
        self.0.iter()
    }

    /// `Ok(())` when empty, else `Err(self)`.
    pub fn into_result(self) -> Result<(), Violations> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} rule violation(s)", self.0.len())?;
        for v in &self.0 {
            write!(f, "; {} [{}]: {}", v.path, v.rule, v.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

/// A request body that FinHub's documented rules apply to.
pub trait Validate {
    /// Checks every documented rule; returns all violations at once.
    fn validate(&self) -> Result<(), Violations>;
}
