//! FinHub's documented vocabularies as Rust types, so that a caller cannot
//! send a value outside them: gender, roles, consent kinds, document and
//! verification types, MIME types, address kinds and ISO 3166-1 countries.
//!
//! Each enum knows its wire code ([`Gender::as_str`]) and is found back from
//! it ([`Gender::from_code`], exact and case-sensitive, as FinHub documents
//! them).

use std::fmt;
use std::str::FromStr;

use finhub_api::types::AcceptConsentConsentType;

macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $code:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in the order the docs list them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code FinHub expects on the wire.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The value whose wire code is exactly `code`.
            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == code)
            }

            /// The documented wire codes, comma-separated (for messages).
            #[allow(dead_code)] // not every vocabulary has a rule message
            pub(crate) fn codes() -> String {
                Self::ALL
                    .iter()
                    .map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// Gender of a person (facts §1.8: `MALE`, `FEMALE`, `OTHER`).
    Gender {
        /// `MALE`.
        Male => "MALE",
        /// `FEMALE`.
        Female => "FEMALE",
        /// `OTHER`.
        Other => "OTHER",
    }
}

vocabulary! {
    /// Role id of a registered user (facts §1.8). A new customer's user
    /// normally has both.
    Role {
        /// `ACCOUNT_OWNER`: primary account owner.
        AccountOwner => "ACCOUNT_OWNER",
        /// `USER`: standard user permissions.
        User => "USER",
    }
}

vocabulary! {
    /// The consents a customer accepts before activation (facts §2.12), by
    /// their path value. All three are mandatory; the docs accept them in
    /// this order.
    ConsentKind {
        /// `terms`: terms and conditions (`TERMS_AND_CONDITIONS` in
        /// responses).
        Terms => "terms",
        /// `privacy`: privacy policy (`PRIVACY_POLICY`).
        Privacy => "privacy",
        /// `data-processing`: data processing (`DATA_PROCESSING`).
        DataProcessing => "data-processing",
    }
}

impl ConsentKind {
    /// The code responses and the activation check use for this consent
    /// (`TERMS_AND_CONDITIONS`, `PRIVACY_POLICY`, `DATA_PROCESSING`).
    pub const fn response_code(self) -> &'static str {
        match self {
            ConsentKind::Terms => "TERMS_AND_CONDITIONS",
            ConsentKind::Privacy => "PRIVACY_POLICY",
            ConsentKind::DataProcessing => "DATA_PROCESSING",
        }
    }
}

impl From<ConsentKind> for AcceptConsentConsentType {
    fn from(kind: ConsentKind) -> Self {
        match kind {
            ConsentKind::Terms => AcceptConsentConsentType::Terms,
            ConsentKind::Privacy => AcceptConsentConsentType::Privacy,
            ConsentKind::DataProcessing => AcceptConsentConsentType::DataProcessing,
        }
    }
}

impl From<AcceptConsentConsentType> for ConsentKind {
    fn from(kind: AcceptConsentConsentType) -> Self {
        match kind {
            AcceptConsentConsentType::Terms => ConsentKind::Terms,
            AcceptConsentConsentType::Privacy => ConsentKind::Privacy,
            AcceptConsentConsentType::DataProcessing => ConsentKind::DataProcessing,
        }
    }
}

vocabulary! {
    /// Type of an uploaded verification document (facts §2.9, §2.10): the
    /// B2C identity and address documents, the risk-based KYC documents and
    /// the B2B documents the same endpoint takes.
    DocumentType {
        /// `PASSPORT` (B2C identity document).
        Passport => "PASSPORT",
        /// `NATIONAL_ID` (B2C identity document).
        NationalId => "NATIONAL_ID",
        /// `PROOF_OF_ADDRESS`.
        ProofOfAddress => "PROOF_OF_ADDRESS",
        /// `GOVERNMENT_ID` (low-risk identity document).
        GovernmentId => "GOVERNMENT_ID",
        /// `SOURCE_OF_FUNDS` (medium risk and above).
        SourceOfFunds => "SOURCE_OF_FUNDS",
        /// `BENEFICIAL_OWNERSHIP` (high risk).
        BeneficialOwnership => "BENEFICIAL_OWNERSHIP",
        /// `PEP_DECLARATION` (high risk).
        PepDeclaration => "PEP_DECLARATION",
        /// `BANK_STATEMENT`.
        BankStatement => "BANK_STATEMENT",
        /// `INCOME_PROOF`.
        IncomeProof => "INCOME_PROOF",
        /// `SELFIE`.
        Selfie => "SELFIE",
        /// `CERTIFICATE_OF_INCORPORATION` (B2B).
        CertificateOfIncorporation => "CERTIFICATE_OF_INCORPORATION",
        /// `ARTICLES_OF_ASSOCIATION` (B2B).
        ArticlesOfAssociation => "ARTICLES_OF_ASSOCIATION",
        /// `SHAREHOLDER_REGISTER` (B2B).
        ShareholderRegister => "SHAREHOLDER_REGISTER",
        /// `DIRECTOR_ID` (B2B).
        DirectorId => "DIRECTOR_ID",
        /// `FINANCIAL_STATEMENTS` (B2B).
        FinancialStatements => "FINANCIAL_STATEMENTS",
        /// `BUSINESS_LICENSE` (B2B).
        BusinessLicense => "BUSINESS_LICENSE",
    }
}

vocabulary! {
    /// MIME type of an uploaded document (facts §2.8: PDF, JPEG, PNG).
    DocumentMime {
        /// `application/pdf`.
        Pdf => "application/pdf",
        /// `image/jpeg`.
        Jpeg => "image/jpeg",
        /// `image/png`.
        Png => "image/png",
    }
}

vocabulary! {
    /// Type of a verification process (facts §2.7).
    VerificationType {
        /// `IDENTITY_VERIFICATION`: the B2C default.
        IdentityVerification => "IDENTITY_VERIFICATION",
        /// `DOCUMENT_VERIFICATION`.
        DocumentVerification => "DOCUMENT_VERIFICATION",
        /// `ENHANCED_DUE_DILIGENCE`.
        EnhancedDueDiligence => "ENHANCED_DUE_DILIGENCE",
        /// `SANCTIONS_CHECK`.
        SanctionsCheck => "SANCTIONS_CHECK",
        /// `CUSTOMER_DUE_DILIGENCE`.
        CustomerDueDiligence => "CUSTOMER_DUE_DILIGENCE",
        /// `BUSINESS_VERIFICATION`: the B2B default.
        BusinessVerification => "BUSINESS_VERIFICATION",
    }
}

vocabulary! {
    /// Verification level requested for a verification (facts §2.7, §3.4).
    VerificationLevel {
        /// `TENANT_VERIFIED`: the default; the tenant admin approves.
        TenantVerified => "TENANT_VERIFIED",
        /// `POWER_TENANT_VERIFIED`: high risk; the power tenant approves.
        PowerTenantVerified => "POWER_TENANT_VERIFIED",
        /// `FINHUB_VERIFIED`.
        FinhubVerified => "FINHUB_VERIFIED",
    }
}

vocabulary! {
    /// Kind of a postal address (facts §1.8).
    AddressKind {
        /// `HOME`: what B2C registrations send.
        Home => "HOME",
        /// `RESIDENTIAL`.
        Residential => "RESIDENTIAL",
        /// `PRIMARY`.
        Primary => "PRIMARY",
        /// `MAILING`.
        Mailing => "MAILING",
    }
}

/// An ISO 3166-1 country, written on the wire as its alpha-2 code (`LT`),
/// as FinHub documents nationality and address country (facts §1.8).
///
/// [`Country::parse`] also takes the alpha-3 code and English names and
/// aliases (`Lithuania`, `United Kingdom`, `USA`), since FinHub's own
/// examples send names; the country list comes from the `celes` crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country {
    alpha2: &'static str,
    name: &'static str,
}

impl Country {
    /// The country whose alpha-2 code is `code`, in any letter case.
    pub fn from_alpha2(code: &str) -> Option<Country> {
        if code.len() != 2 {
            return None;
        }
        celes::Country::from_alpha2(code)
            .ok()
            .map(Country::from_celes)
    }

    /// The country `input` names: an alpha-2 or alpha-3 code (any letter
    /// case) or an English name or common alias (spaces, punctuation and
    /// letter case are ignored).
    pub fn parse(input: &str) -> Result<Country, UnknownCountry> {
        let trimmed = input.trim();
        let found = match trimmed.len() {
            2 => celes::Country::from_alpha2(trimmed).ok(),
            3 => celes::Country::from_alpha3(trimmed)
                .ok()
                .or_else(|| by_name(trimmed)),
            _ => by_name(trimmed),
        };
        found
            .map(Country::from_celes)
            .ok_or_else(|| UnknownCountry {
                input: input.to_string(),
            })
    }

    /// The ISO 3166-1 alpha-2 code, e.g. `LT`.
    pub fn alpha2(&self) -> &'static str {
        self.alpha2
    }

    /// The English short name, e.g. `Lithuania`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    fn from_celes(c: celes::Country) -> Country {
        Country {
            alpha2: c.alpha2,
            name: c.long_name,
        }
    }
}

fn by_name(input: &str) -> Option<celes::Country> {
    let key: String = input
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    if key.is_empty() {
        return None;
    }
    celes::Country::from_name(&key)
        .or_else(|_| celes::Country::from_alias(&key))
        .or_else(|_| match key.strip_prefix("the") {
            Some(rest) if !rest.is_empty() => {
                celes::Country::from_name(rest).or_else(|_| celes::Country::from_alias(rest))
            }
            _ => Err("unknown value"),
        })
        .ok()
}

impl FromStr for Country {
    type Err = UnknownCountry;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Country::parse(s)
    }
}

impl TryFrom<&str> for Country {
    type Error = UnknownCountry;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Country::parse(s)
    }
}

impl fmt::Display for Country {
    /// The alpha-2 code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.alpha2)
    }
}

impl AsRef<str> for Country {
    /// The alpha-2 code, so a `Country` goes wherever the builders take a
    /// country name or code.
    fn as_ref(&self) -> &str {
        self.alpha2
    }
}

/// The input of [`Country::parse`] names no ISO 3166-1 country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCountry {
    input: String,
}

impl UnknownCountry {
    /// What was given.
    pub fn input(&self) -> &str {
        &self.input
    }
}

impl fmt::Display for UnknownCountry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not an ISO 3166-1 country (expected an alpha-2 code such as `LT`, or an English country name)",
            self.input
        )
    }
}

impl std::error::Error for UnknownCountry {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_names_codes_and_aliases() {
        for (input, code) in [
            ("LT", "LT"),
            ("lt", "LT"),
            ("LTU", "LT"),
            ("Lithuania", "LT"),
            (" lithuania ", "LT"),
            ("United Kingdom", "GB"),
            ("Germany", "DE"),
            ("United States", "US"),
            ("USA", "US"),
            ("Netherlands", "NL"),
            ("Samoa", "WS"),
        ] {
            assert_eq!(
                Country::parse(input).map(|c| c.alpha2()),
                Ok(code),
                "{input}"
            );
        }
        for bad in ["", "XX", "Atlantis", "Narnia", "12", "L"] {
            assert!(Country::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Country::from_alpha2("Lithuania"), None);
    }

    #[test]
    fn vocabularies_round_trip() {
        for g in Gender::ALL {
            assert_eq!(Gender::from_code(g.as_str()), Some(*g));
        }
        assert_eq!(Gender::from_code("Male"), None);
        assert_eq!(DocumentMime::Pdf.as_str(), "application/pdf");
        for k in ConsentKind::ALL {
            let path: AcceptConsentConsentType = (*k).into();
            assert_eq!(path.to_string(), k.as_str());
            assert_eq!(ConsentKind::from(path), *k);
        }
    }
}
