//! [`Profile`]: which of FinHub's documented variants the sandbox plays,
//! chosen at start. FinHub's pages disagree on paths, answers and tokens
//! (`docs/finhub-api.md` §4); a profile makes the sandbox answer as one
//! generation of the pages does, so a client and an onboarding journey can
//! be tested against each reading instead of only against the one the SDK
//! was written from.
//!
//! * [`Profile::Lenient`] (the default): the paths of `openapi.yaml`, the
//!   fullest answers (every field any page shows), and both token kinds
//!   where the pages disagree.
//! * [`Profile::Runner`]: what FinHub's step runner captured (the \[RUN\]
//!   pages): their minimal answers, no refresh, admin-only steps, the
//!   e-mail as the activation's `userId`, wallets 404 until the IBAN is
//!   there.
//! * [`Profile::Reference`]: the paths of the older reference and the
//!   "latest" pages (\[REF\], \[LATEST\]) where they differ from
//!   `openapi.yaml`.
//!
//! The crate docs hold the table of every difference with the page
//! generation and the `docs/finhub-api.md` entry it comes from. Whatever
//! path serves it, an operation keeps its name ([`Operation`]) in the
//! counters, the fault rules and the token table; a path the active
//! profile does not serve is a 404 (or 405 for a method) counted in
//! [`Stats::not_found`](crate::Stats::not_found).

use std::fmt;
use std::str::FromStr;

use finhub_api::Operation;

use crate::access::Access;
use crate::choice::{self, UnknownChoice};

/// Which documented variant of FinHub the sandbox plays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Profile {
    /// The paths of `openapi.yaml`, the fullest documented answers, and
    /// both token kinds where the pages disagree: what the sandbox always
    /// did. The default.
    #[default]
    Lenient,
    /// What FinHub's step runner captured (\[RUN\] pages): minimal answers,
    /// `data.userId` and no `expiresIn` at login, no refresh (405), consent
    /// `PENDING`, activation `data: {}`, `POST /verifications` and
    /// activation with the admin token only, the customer's e-mail as the
    /// activation `userId`, wallets 404 until the IBAN is assigned.
    Runner,
    /// The older reference and "latest" pages (\[REF\], \[LATEST\]) where their
    /// paths differ: the plural registration and categorization paths, the
    /// customer-scoped `…/verification/initiate`, the admin login at
    /// `POST /api/v2.1/admin/session/login`; the spellings of
    /// `openapi.yaml` answer 404.
    Reference,
}

/// The admin login of FinHub's administration index (I-34).
pub(crate) const ADMIN_SESSION_LOGIN: &str = "/api/v2.1/admin/session/login";
/// The categorization hierarchy under the plural `/customers/` (\[LATEST\], I-32).
const PLURAL_HIERARCHY: &str = "/api/v2.1/customers/individual/categorization/hierarchy/{tenantId}";
/// Registration under the plural `/customers/` (\[LATEST\], I-14).
const PLURAL_REGISTER: &str = "/api/v2.1/customers/individual/register";
/// The customer-scoped start of a verification of the \[REF\] code sample and
/// the flow guide (I-24).
const VERIFICATION_INITIATE: &str =
    "/api/v2.1/customer/individual/{customerId}/verification/initiate";

const NAMES: &[&str] = &["lenient", "runner", "reference"];

/// What the activation's `userId` must hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ActivationUser {
    /// The user id, the customer's e-mail or the username.
    AnyOfTheCustomers,
    /// The customer's e-mail only (the step runner's example, I-6).
    Email,
}

/// What the wallet list answers after activation, before the IBAN is
/// assigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BeforeIban {
    /// 404, as before activation (§2.15: ask again until a wallet has an IBAN).
    NotFound,
    /// The wallets, without `iban` (§3.6: the IBAN may appear a little later).
    WalletsWithoutIban,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 3] = [Profile::Lenient, Profile::Runner, Profile::Reference];

    /// Its name for `FINHUB_SANDBOX_PROFILE` and `finhub sandbox --profile`:
    /// `lenient`, `runner`, `reference`.
    pub fn name(self) -> &'static str {
        NAMES[self as usize]
    }

    /// The path at which this profile serves `operation` (with the
    /// operation's method), or `None` when it does not serve it: the path
    /// then answers 405 for that method (the refresh of [`Runner`](Self::Runner))
    /// or 404.
    pub fn path(self, operation: Operation) -> Option<&'static str> {
        use Operation as Op;
        match (self, operation) {
            // §2.4, I-22: the runner never refreshes; the inferred PUT is
            // not offered.
            (Profile::Runner, Op::RefreshCustomerSession) => None,
            // I-34: the administration index's login.
            (Profile::Reference, Op::CreateAdminSession) => Some(ADMIN_SESSION_LOGIN),
            // I-32: [LATEST]'s plural hierarchy path.
            (Profile::Reference, Op::GetCategorizationHierarchy) => Some(PLURAL_HIERARCHY),
            // I-14: [LATEST]'s plural registration.
            (Profile::Reference, Op::RegisterIndividualCustomer) => Some(PLURAL_REGISTER),
            // I-24: the [REF] code sample's and the flow guide's spelling.
            (Profile::Reference, Op::SubmitCustomerVerification) => Some(VERIFICATION_INITIATE),
            (_, operation) => Some(operation.path()),
        }
    }

    /// Which token `operation` takes in this profile: [`Access::of`], with
    /// the entries the pages dispute pinned where the profile's pages are
    /// clear. The runner uses the admin token for `POST /verifications`
    /// (§2.7) and for activation (§2.14); the other profiles keep both
    /// kinds (the reference pages themselves disagree on activation, I-31,
    /// and say nothing definite about starting a verification, I-24).
    pub fn access(self, operation: Operation) -> Access {
        match (self, operation) {
            (Profile::Runner, Operation::CreateVerification | Operation::ActivateCustomer) => {
                Access::Admin
            }
            _ => Access::of(operation),
        }
    }

    /// Whether answers take the minimal forms the step runner captured
    /// (login, verification, document, approval, consent, readiness,
    /// activation, categorization).
    pub(crate) fn captured_answers(self) -> bool {
        self == Profile::Runner
    }

    /// Whether logout answers `{success, data}`, the only documented logout
    /// answer (§2.5, I-23), rather than the full envelope.
    pub(crate) fn success_data_logout(self) -> bool {
        matches!(self, Profile::Runner | Profile::Reference)
    }

    /// What the activation's `userId` must hold (I-6).
    pub(crate) fn activation_user(self) -> ActivationUser {
        match self {
            Profile::Runner => ActivationUser::Email,
            Profile::Lenient | Profile::Reference => ActivationUser::AnyOfTheCustomers,
        }
    }

    /// What the wallet list answers before the IBAN is assigned.
    pub(crate) fn before_iban(self) -> BeforeIban {
        match self {
            Profile::Runner => BeforeIban::NotFound,
            Profile::Lenient | Profile::Reference => BeforeIban::WalletsWithoutIban,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = UnknownChoice;

    /// `lenient`, `runner` or `reference` (any letter case).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        choice::parse("profile", text, NAMES, &Profile::ALL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for profile in Profile::ALL {
            assert_eq!(profile.name().parse::<Profile>(), Ok(profile));
            assert_eq!(profile.to_string(), profile.name());
        }
        assert_eq!("RUNNER".parse::<Profile>(), Ok(Profile::Runner));
        assert!("strict".parse::<Profile>().is_err());
        assert_eq!(Profile::default(), Profile::Lenient);
    }

    #[test]
    fn lenient_serves_openapi_yaml_and_the_others_differ_where_documented() {
        for operation in Operation::ALL {
            assert_eq!(Profile::Lenient.path(operation), Some(operation.path()));
            assert_eq!(Profile::Lenient.access(operation), Access::of(operation));
        }
        let differs = |profile: Profile| {
            Operation::ALL
                .into_iter()
                .filter(|op| profile.path(*op) != Some(op.path()))
                .count()
        };
        assert_eq!(differs(Profile::Runner), 1);
        assert_eq!(differs(Profile::Reference), 4);
    }
}
