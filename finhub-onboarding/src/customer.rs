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
    /// Phone number in E.164 form (`+37060012345`). This and the facts
    /// below are optional, as FinHub's `openapi.yaml` has them; FinHub's
    /// pages disagree on requiring them (facts I-12), so a registration
    /// without one is sent with a `required.disputed` warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Date of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<NaiveDate>,
    /// Gender (`MALE`, `FEMALE`, `OTHER`).
    #[serde(
        default,
        with = "codes::optional_gender",
        skip_serializing_if = "Option::is_none"
    )]
    pub gender: Option<Gender>,
    /// Nationality: an ISO 3166-1 alpha-2 code (`LT`) or an English country
    /// name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    /// Place of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_of_birth: Option<String>,
    /// The personal code FinHub calls `pincode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pincode: Option<String>,
    /// Home address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
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

impl Document {
    /// The KYC documents of a customer whose facts say nothing else: a
    /// passport and a proof of address, as PDFs (what a batch row uploads).
    pub fn passport_and_proof_of_address() -> Vec<Document> {
        vec![
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
        ]
    }
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
            phone: Some("+37060012345".into()),
            date_of_birth: NaiveDate::from_ymd_opt(1990, 5, 15),
            gender: Some(Gender::Male),
            nationality: Some("LT".into()),
            place_of_birth: Some("Vilnius".into()),
            pincode: Some("12345".into()),
            address: Some(Address {
                street: "Gedimino pr. 1".into(),
                city: "Vilnius".into(),
                postal_code: "01103".into(),
                country: "LT".into(),
            }),
            documents: Document::passport_and_proof_of_address(),
        }
    }

    /// A customer with only the facts FinHub's `openapi.yaml` requires
    /// (names and e-mail), and [`Document::passport_and_proof_of_address`]
    /// to upload; the optional facts are set on the fields.
    pub fn new(
        first_name: impl Into<String>,
        last_name: impl Into<String>,
        email: impl Into<String>,
    ) -> Customer {
        Customer {
            first_name: first_name.into(),
            last_name: last_name.into(),
            email: email.into(),
            phone: None,
            date_of_birth: None,
            gender: None,
            nationality: None,
            place_of_birth: None,
            pincode: None,
            address: None,
            documents: Document::passport_and_proof_of_address(),
        }
    }

    /// A registration of this customer with `password` and every fact
    /// given (an optional fact left out is not sent); the caller adds the
    /// tenant and the category before building it. A batch's input check
    /// reads its [`findings`](RegistrationBuilder::findings).
    pub fn registration_builder(&self, password: &SecretString) -> RegistrationBuilder {
        let mut builder = RegistrationBuilder::new()
            .name(&self.first_name, &self.last_name)
            .email(&self.email)
            .password(password.clone());
        if let Some(phone) = &self.phone {
            builder = builder.phone(phone);
        }
        if let Some(date) = self.date_of_birth {
            builder = builder.date_of_birth(date);
        }
        if let Some(gender) = self.gender {
            builder = builder.gender(gender);
        }
        if let Some(nationality) = &self.nationality {
            builder = builder.nationality(nationality);
        }
        if let Some(place) = &self.place_of_birth {
            builder = builder.place_of_birth(place);
        }
        if let Some(pincode) = &self.pincode {
            builder = builder.pincode(pincode);
        }
        if let Some(address) = &self.address {
            builder = builder.address(PostalAddress::home(
                &address.street,
                &address.city,
                &address.postal_code,
                &address.country,
            ));
        }
        builder
    }

    /// The registration body for this customer with `password`, in the
    /// category `category_id` (`databaseId`) named `category_name`, for
    /// tenant `tenant_id`; every documented rule checked
    /// ([`RegistrationBuilder::build`]; a missing optional fact is a
    /// warning, not an error).
    pub fn registration(
        &self,
        tenant_id: &str,
        category_id: &str,
        category_name: &str,
        password: &SecretString,
    ) -> Result<IndividualRegistrationRequest, Violations> {
        self.registration_builder(password)
            .tenant_id(tenant_id)
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
    fn the_disputed_facts_are_optional_and_old_states_still_load() {
        let password = SecretString::from("Sample-password-1!");
        // Only what `openapi.yaml` requires: valid, sent without the rest.
        let bare = Customer::new("Ona", "Petraitė", "ona@example.com");
        bare.validate(&password).unwrap();
        let request = bare
            .registration("tenant-1", "fs-cat-b2c-low-001", "Standard", &password)
            .unwrap();
        assert_eq!(request.phone, None);
        assert_eq!(request.date_of_birth, None);
        let json = serde_json::to_value(&bare).unwrap();
        assert!(json.get("phone").is_none() && json.get("address").is_none());
        assert_eq!(serde_json::from_value::<Customer>(json).unwrap(), bare);
        // A state written when every fact was required reads as before.
        let old = serde_json::json!({
            "firstName": "Marcus", "lastName": "Jensen",
            "email": "marcus@example.com", "phone": "+37060012345",
            "dateOfBirth": "1990-05-15", "gender": "MALE", "nationality": "LT",
            "placeOfBirth": "Vilnius", "pincode": "12345",
            "address": {"street": "Gedimino pr. 1", "city": "Vilnius",
                        "postalCode": "01103", "country": "LT"},
            "documents": [{"documentType": "PASSPORT", "mime": "application/pdf",
                           "fileName": "passport.pdf"}]
        });
        let read: Customer = serde_json::from_value(old).unwrap();
        assert_eq!(read.gender, Some(Gender::Male));
        assert_eq!(read.address.unwrap().postal_code, "01103");
        assert_eq!(read.date_of_birth, NaiveDate::from_ymd_opt(1990, 5, 15));
        let unknown = serde_json::json!({
            "firstName": "A", "lastName": "B", "email": "a@example.com",
            "gender": "ROBOT", "documents": []
        });
        assert!(serde_json::from_value::<Customer>(unknown).is_err());
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
