//! Request builders for the B2C journey: give each fact once, in typed
//! values, and get a body that already passed every documented rule.
//!
//! Each builder's `build()` returns the generated request type of
//! [`finhub_api::types`], or every [`Violation`](crate::validation::Violation)
//! at once (see [`validation`](crate::validation) for the rules and their
//! codes). Nothing is sent; the bodies go to the client as they are.
//!
//! | step | builder | body |
//! |---|---|---|
//! | registration | [`RegistrationBuilder`] | `IndividualRegistrationRequest` |
//! | admin login | [`AdminSessionBuilder`] | `CreateAdminSessionRequest` |
//! | customer login | [`CustomerSessionBuilder`] | `CreateIndividualSessionRequest` |
//! | verification | [`VerificationBuilder`] | `CreateVerificationRequest` |
//! | KYC document | [`DocumentUploadBuilder`] | `UploadVerificationDocumentRequest` |
//! | KYC approval | [`ApprovalBuilder`] | `ApproveVerificationRequest` |
//! | consents | [`ConsentBuilder`] | [`ConsentAcceptance`] (path type + `AcceptConsentRequest`) |
//! | activation | [`ActivationBuilder`] | [`Activation`] (`ActivationRequest` + the customer's e-mail) |
//!
//! ```
//! use chrono::NaiveDate;
//! use finhub_ext::builders::{Gender, PostalAddress, RegistrationBuilder};
//!
//! let registration = RegistrationBuilder::new()
//!     .tenant_id("97e7ff29-15f3-49ef-9681-3bbfcce4f6cd")
//!     .name("Marcus", "Jensen")
//!     .email("marcus.jensen@example.com")
//!     .phone("+37060012345")
//!     .password("SecurePass123!")
//!     .date_of_birth(NaiveDate::from_ymd_opt(1990, 5, 15).unwrap())
//!     .gender(Gender::Male)
//!     .nationality("Lithuania")
//!     .place_of_birth("Vilnius")
//!     .pincode("12345")
//!     .address(PostalAddress::home("Gedimino pr. 1", "Vilnius", "01103", "Lithuania"))
//!     .category("fs-cat-b2c-low-001", "Individual Standard")
//!     .build()
//!     .expect("a valid registration");
//! assert_eq!(registration.nationality.as_deref(), Some("LT"));
//! let person = registration.individual_customer.person.as_ref().unwrap();
//! assert_eq!(person.email.as_deref(), Some("marcus.jensen@example.com"));
//!
//! // Every mistake at once, each with its path and rule code.
//! let err = RegistrationBuilder::new()
//!     .email("not an email")
//!     .password("short")
//!     .build()
//!     .unwrap_err();
//! assert!(err.contains("email", "email.syntax"));
//! assert!(err.contains("password", "password.too_short"));
//! assert!(err.contains("firstName", "required.missing"));
//! ```

#![warn(missing_docs)]

use secrecy::{ExposeSecret, SecretString};

mod activation;
mod consent;
mod registration;
mod session;
mod verification;

pub use activation::{Activation, ActivationBuilder};
pub use consent::{ConsentAcceptance, ConsentBuilder};
pub use registration::{PostalAddress, RegistrationBuilder};
pub use session::{AdminSessionBuilder, CustomerSessionBuilder};
pub use verification::{ApprovalBuilder, DocumentUploadBuilder, VerificationBuilder};

/// A secret taken as a [`SecretString`], held as the generated types'
/// [`Sensitive`](finhub_api::Sensitive) (both wipe their memory on drop and
/// never print).
pub(crate) fn sensitive(secret: impl Into<SecretString>) -> finhub_api::Sensitive {
    finhub_api::Sensitive::new(secret.into().expose_secret())
}

pub use crate::validation::vocabulary::{
    AddressKind, ConsentKind, Country, DocumentMime, DocumentType, Gender, Role, UnknownCountry,
    VerificationLevel, VerificationType,
};
