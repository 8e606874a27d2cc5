//! Who is onboarded: [`Customer`], the person's facts the journey registers
//! (never the password, which the caller hands over separately and the
//! journey never keeps), and the documents their KYC needs.

use chrono::NaiveDate;
use finhub_ext::SecretString;
use finhub_ext::api::types::IndividualRegistrationRequest;
use finhub_ext::builders::{
    DocumentMime, DocumentType, Gender, PostalAddress, RegistrationBuilder,
};
use finhub_ext::validation::Violations;
use serde::{Deserialize, Serialize};

use crate::codes;

/// The person to onboard, as the journey registers them (facts §2.2): every
/// fact once, written into FinHub's repeated registration body by
/// [`RegistrationBuilder`]. A plain serde value, kept in the journey's
/// state; it holds no secret (the password is given to
/// [`Journey::new`](crate::Journey::new) and never stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// E-mail address: the login name, and where FinHub sends the
    /// activation code.
    pub email: String,
    /// Phone number in E.164 form (`+37060012345`).
    pub phone: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// Gender (`MALE`, `FEMALE`, `OTHER`).
    #[serde(with = "codes::gender")]
    pub gender: Gender,
    /// Nationality: an ISO 3166-1 alpha-2 code (`LT`) or an English country
    /// name.
    pub nationality: String,
    /// Place of birth.
    pub place_of_birth: String,
    /// The personal code FinHub calls `pincode`.
    pub pincode: String,
    /// Home address.
    pub address: Address,
    /// The documents uploaded for KYC, in order. Their content comes from
    /// the runner's [`DocumentSource`](crate::DocumentSource), not from
    /// here.
    pub documents: Vec<Document>,
}

/// A home address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// Street and number.
    pub street: String,
    /// City.
    pub city: String,
    /// Postal code.
    pub postal_code: String,
    /// Country: ISO 3166-1 alpha-2 code or English name.
    pub country: String,
}

/// One KYC document to upload: its type, format and file name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    /// FinHub's document type (`PASSPORT`, `PROOF_OF_ADDRESS`, …).
    #[serde(with = "codes::document_type")]
    pub document_type: DocumentType,
    /// The file's format.
    #[serde(with = "codes::document_mime")]
    pub mime: DocumentMime,
    /// The file name sent with it.
    pub file_name: String,
}

impl Customer {
    /// The sample customer of FinHub's own examples (Marcus Jensen of
    /// Vilnius, facts §2.2) with a fresh e-mail address, so that every call
    /// registers a new customer; a passport and a proof of address to
    /// upload. The one sample registration the CLI, the benchmark and the
    /// tests share.
    pub fn sample() -> Customer {
        let unique = uuid::Uuid::new_v4().simple().to_string();
        Customer::sample_with_email(format!("marcus.jensen.{}@example.com", &unique[..12]))
    }

    /// [`sample`](Self::sample) with the given e-mail address.
    pub fn sample_with_email(email: impl Into<String>) -> Customer {
        Customer {
            first_name: "Marcus".into(),
            last_name: "Jensen".into(),
            email: email.into(),
            phone: "+37060012345".into(),
            date_of_birth: NaiveDate::from_ymd_opt(1990, 5, 15).unwrap_or_default(),
            gender: Gender::Male,
            nationality: "LT".into(),
            place_of_birth: "Vilnius".into(),
            pincode: "12345".into(),
            address: Address {
                street: "Gedimino pr. 1".into(),
                city: "Vilnius".into(),
                postal_code: "01103".into(),
                country: "LT".into(),
            },
            documents: vec![
                Document {
                    document_type: DocumentType::Passport,
                    mime: DocumentMime::Pdf,
                    file_name: "passport.pdf".into(),
                },
                Document {
                    document_type: DocumentType::ProofOfAddress,
                    mime: DocumentMime::Pdf,
                    file_name: "proof-of-address.pdf".into(),
                },
            ],
        }
    }

    /// The registration body for this customer with `password`, in the
    /// category `category_id` (`databaseId`) named `category_name`, for
    /// tenant `tenant_id`; every documented rule checked
    /// ([`RegistrationBuilder::build`]).
    pub fn registration(
        &self,
        tenant_id: &str,
        category_id: &str,
        category_name: &str,
        password: &SecretString,
    ) -> Result<IndividualRegistrationRequest, Violations> {
        RegistrationBuilder::new()
            .tenant_id(tenant_id)
            .name(&self.first_name, &self.last_name)
            .email(&self.email)
            .phone(&self.phone)
            .password(password.clone())
            .date_of_birth(self.date_of_birth)
            .gender(self.gender)
            .nationality(&self.nationality)
            .place_of_birth(&self.place_of_birth)
            .pincode(&self.pincode)
            .address(PostalAddress::home(
                &self.address.street,
                &self.address.city,
                &self.address.postal_code,
                &self.address.country,
            ))
            .category(category_id, category_name)
            .build()
    }

    /// Checks the customer and `password` against FinHub's registration
    /// rules before anything is sent (the category and tenant are not known
    /// yet; placeholders stand in for them). Every violation at once, each
    /// naming the field and the rule; also at least one document.
    pub fn validate(&self, password: &SecretString) -> Result<(), Violations> {
        let mut out = match self.registration("tenant", "category", "Category", password) {
            Ok(_) => Violations::new(),
            Err(found) => found,
        };
        if self.documents.is_empty() {
            out.push(
                "documents",
                finhub_ext::validation::codes::REQUIRED_MISSING,
                "at least one KYC document is needed (FinHub approves a verification only with a document)",
            );
        }
        out.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_validates_and_round_trips_and_each_has_its_own_email() {
        let password = SecretString::from("Sample-password-1!");
        let sample = Customer::sample();
        sample.validate(&password).unwrap();
        assert_ne!(sample.email, Customer::sample().email);
        let json = serde_json::to_value(&sample).unwrap();
        assert_eq!(json["gender"], "MALE");
        assert_eq!(json["dateOfBirth"], "1990-05-15");
        assert_eq!(json["documents"][0]["documentType"], "PASSPORT");
        assert_eq!(serde_json::from_value::<Customer>(json).unwrap(), sample);
        let request = sample
            .registration(
                "tenant-1",
                "fs-cat-b2c-low-001",
                "Individual Standard",
                &password,
            )
            .unwrap();
        assert_eq!(request.email, sample.email);
        assert_eq!(request.first_name, "Marcus");
    }

    #[test]
    fn bad_facts_are_named_with_their_rule() {
        let mut customer = Customer::sample_with_email("not-an-email");
        customer.documents.clear();
        let err = customer.validate(&SecretString::from("short")).unwrap_err();
        let paths: Vec<&str> = err.errors().map(|v| v.path.as_str()).collect();
        assert!(paths.contains(&"email"), "{err}");
        assert!(paths.contains(&"password"), "{err}");
        assert!(paths.contains(&"documents"), "{err}");
    }
}
