//! [`RegistrationBuilder`]: each fact of a registration given once, written
//! to every place FinHub's body repeats it.

use std::fmt;

use chrono::NaiveDate;
use finhub_api::Sensitive;
use finhub_api::types::{
    Address, Categorization, CategorizationHierarchy, Category, CategoryFeatureRelation, Contact,
    CustomerCategoryRef, FeatureRef, IndividualCustomer, IndividualRegistrationRequest,
    Parametrization, Person, RegistrationUser,
};

use secrecy::SecretString;

use super::sensitive;
use crate::validation::codes::{CATEGORY_UNKNOWN, REQUIRED_MISSING};
use crate::validation::{
    AddressKind, Country, Gender, Role, Validate, ValidationContext, Violation, Violations,
};

/// The status FinHub gives a newly registered user (facts §3.3).
const PENDING_ACTIVATION: &str = "PENDING_ACTIVATION";

/// Builds a validated [`IndividualRegistrationRequest`] (facts §2.2).
///
/// FinHub's registration body repeats the same facts at the top level, in
/// `individualCustomer.person`, in `individualCustomer.user`, in
/// `customerName` and in the person's contacts. The builder takes each fact
/// once and writes every place, always consistently:
///
/// | input | written to |
/// |---|---|
/// | [`name`](Self::name) | `firstName`, `lastName`; `person.firstName`, `person.lastName`, `person.fullName`; `individualCustomer.customerName` |
/// | [`email`](Self::email) | `email`; `person.email`; an `EMAIL` contact; `user.email`, `user.username` |
/// | [`phone`](Self::phone) | `phone`; a `PHONE` contact |
/// | [`password`](Self::password) | `password`, `matchingPassword` (unless [`matching_password`](Self::matching_password) is given); `user.password` |
/// | [`date_of_birth`](Self::date_of_birth), [`gender`](Self::gender), [`nationality`](Self::nationality), [`place_of_birth`](Self::place_of_birth), [`pincode`](Self::pincode) | the top level and `person` |
/// | [`address`](Self::address) | `person.addresses` (the first is primary) |
/// | [`category`](Self::category), [`category_from`](Self::category_from) | `customerCategory`; with [`feature`](Self::feature)s also `individualCustomer.categorization` |
/// | [`roles`](Self::roles) (default `ACCOUNT_OWNER`, `USER`) | `roleIds`, `user.roles` |
/// | [`tenant_id`](Self::tenant_id) (optional: FinHub falls back to the `X-Tenant-ID` header) | `tenantId`, `individualCustomer.tenantId`, `user.tenantId` |
///
/// and sets the new user's `status: PENDING_ACTIVATION` and
/// `isActive: false`. Country names (`Lithuania`) become ISO alpha-2 codes
/// (`LT`).
///
/// [`build`](Self::build) checks every documented rule (see
/// [`validation`](crate::validation)) and returns all violations at once,
/// each reported once at the top-level place the fact was given (for
/// example `email`, not also `individualCustomer.person.email`).
#[derive(Clone)]
pub struct RegistrationBuilder {
    tenant_id: Option<String>,
    first_name: String,
    last_name: String,
    email: String,
    phone: String,
    password: Sensitive,
    matching_password: Option<Sensitive>,
    date_of_birth: String,
    gender: Option<Gender>,
    nationality: String,
    place_of_birth: String,
    pincode: String,
    addresses: Vec<PostalAddress>,
    category: Option<CustomerCategoryRef>,
    category_error: Option<Violation>,
    hierarchy: Option<CategorizationHierarchy>,
    features: Vec<(String, Vec<(String, String)>)>,
    roles: Vec<Role>,
    today: Option<NaiveDate>,
}

impl fmt::Debug for RegistrationBuilder {
    /// Shows which facts are set, never the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistrationBuilder")
            .field("tenant_id", &self.tenant_id)
            .field("email_set", &!self.email.is_empty())
            .field("password", &self.password)
            .field("gender", &self.gender)
            .field("nationality", &self.nationality)
            .field("addresses", &self.addresses.len())
            .field("category", &self.category)
            .field("features", &self.features.len())
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl Default for RegistrationBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl RegistrationBuilder {
    /// An empty registration whose user gets the roles `ACCOUNT_OWNER` and
    /// `USER`.
    pub fn new() -> Self {
        RegistrationBuilder {
            tenant_id: None,
            first_name: String::new(),
            last_name: String::new(),
            email: String::new(),
            phone: String::new(),
            password: Sensitive::default(),
            matching_password: None,
            date_of_birth: String::new(),
            gender: None,
            nationality: String::new(),
            place_of_birth: String::new(),
            pincode: String::new(),
            addresses: Vec::new(),
            category: None,
            category_error: None,
            hierarchy: None,
            features: Vec::new(),
            roles: vec![Role::AccountOwner, Role::User],
            today: None,
        }
    }

    /// The tenant the customer belongs to.
    pub fn tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = Some(tenant_id.into());
        self
    }

    /// First and last name.
    pub fn name(mut self, first: impl Into<String>, last: impl Into<String>) -> Self {
        self.first_name = first.into();
        self.last_name = last.into();
        self
    }

    /// Email address; also the user's login name.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = email.into();
        self
    }

    /// Phone number in E.164 form (`+37060012345`).
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = phone.into();
        self
    }

    /// The user's password (a [`SecretString`], or a `&str`/`String`
    /// turned into one); never printed.
    pub fn password(mut self, password: impl Into<SecretString>) -> Self {
        self.password = sensitive(password);
        self
    }

    /// The password confirmation, when the caller's form collects one; by
    /// default `matchingPassword` is the password itself.
    pub fn matching_password(mut self, confirmation: impl Into<SecretString>) -> Self {
        self.matching_password = Some(sensitive(confirmation));
        self
    }

    /// Date of birth: a [`chrono::NaiveDate`] or a `YYYY-MM-DD` string (both
    /// print that way); a malformed or future date is reported by
    /// [`build`](Self::build).
    pub fn date_of_birth(mut self, date: impl fmt::Display) -> Self {
        self.date_of_birth = date.to_string();
        self
    }

    /// Gender.
    pub fn gender(mut self, gender: Gender) -> Self {
        self.gender = Some(gender);
        self
    }

    /// Nationality: a [`Country`], an ISO code or an English country name
    /// (`Lithuania` is sent as `LT`); an unknown one is reported by
    /// [`build`](Self::build).
    pub fn nationality(mut self, country: impl AsRef<str>) -> Self {
        self.nationality = country.as_ref().to_string();
        self
    }

    /// Place of birth (a city).
    pub fn place_of_birth(mut self, place: impl Into<String>) -> Self {
        self.place_of_birth = place.into();
        self
    }

    /// PIN code.
    pub fn pincode(mut self, pincode: impl Into<String>) -> Self {
        self.pincode = pincode.into();
        self
    }

    /// Adds an address; the first one added is the primary address.
    pub fn address(mut self, address: PostalAddress) -> Self {
        self.addresses.push(address);
        self
    }

    /// The customer category by its id (the `databaseId` of the
    /// categorization hierarchy) and name.
    pub fn category(mut self, id: impl Into<String>, name: impl Into<String>) -> Self {
        self.category = Some(CustomerCategoryRef {
            id: Some(id.into()),
            name: Some(name.into()),
        });
        self.category_error = None;
        self
    }

    /// The customer category `key` of the tenant's categorization hierarchy
    /// (its key such as `INDIVIDUAL_STANDARD`, its `categoryId` or its
    /// `databaseId`). The builder sends the category's `databaseId` and
    /// name, and [`build`](Self::build) checks [`feature`](Self::feature)
    /// parametrization against the hierarchy's mandatory keys and allowed
    /// values (facts §2.1). An unknown key is reported by `build` as
    /// `category.unknown`.
    pub fn category_from(mut self, hierarchy: &CategorizationHierarchy, key: &str) -> Self {
        self.hierarchy = Some(hierarchy.clone());
        self.category = None;
        self.category_error = None;
        match find_category(hierarchy, key) {
            Some(category) => match &category.database_id {
                Some(id) if !id.trim().is_empty() => {
                    self.category = Some(CustomerCategoryRef {
                        id: Some(id.clone()),
                        name: category.category_name.clone(),
                    });
                }
                _ => {
                    self.category_error = Some(Violation::new(
                        "customerCategory.id",
                        REQUIRED_MISSING,
                        format!("category `{key}` of the hierarchy has no databaseId to send"),
                    ));
                }
            },
            None => {
                let mut known: Vec<&str> =
                    hierarchy.categories.keys().map(String::as_str).collect();
                known.sort_unstable();
                self.category_error = Some(Violation::new(
                    "customerCategory.id",
                    CATEGORY_UNKNOWN,
                    format!(
                        "`{key}` is not a category of the tenant's hierarchy; known: {}",
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                ));
            }
        }
        self
    }

    /// Enables feature `code` of the category with its parametrization
    /// (`name`, `value`; values are strings, several values of a multi-value
    /// key comma-separated). Sent in `individualCustomer.categorization`
    /// for medium- and high-risk customers (facts §2.2).
    pub fn feature<K, V>(
        mut self,
        code: impl Into<String>,
        parameters: impl IntoIterator<Item = (K, V)>,
    ) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        self.features.push((
            code.into(),
            parameters
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        ));
        self
    }

    /// The user's roles (default `ACCOUNT_OWNER`, `USER`); repeats are sent
    /// once.
    pub fn roles(mut self, roles: impl IntoIterator<Item = Role>) -> Self {
        self.roles.clear();
        for role in roles {
            if !self.roles.contains(&role) {
                self.roles.push(role);
            }
        }
        self
    }

    /// The date the date of birth must not be after; by default today's UTC
    /// date. Tests fix it so that they are deterministic.
    pub fn today(mut self, today: NaiveDate) -> Self {
        self.today = Some(today);
        self
    }

    /// The registration body, with every duplicated place filled, after
    /// every documented rule passed; otherwise all violations at once.
    /// Warnings do not fail it: [`findings`](Self::findings) reports them.
    pub fn build(&self) -> Result<IndividualRegistrationRequest, Violations> {
        let request = self.assemble();
        self.check(&request).into_result().map(|()| request)
    }

    /// Every finding of the documented rules, errors and warnings, each
    /// once at the place the fact was given, as [`build`](Self::build)
    /// reports them; `build` fails when one of them is an error. For a
    /// caller that shows warnings before sending (a batch's input check).
    pub fn findings(&self) -> Violations {
        self.check(&self.assemble())
    }

    fn check(&self, request: &IndividualRegistrationRequest) -> Violations {
        let mut out = Violations::new();
        if let Some(violation) = &self.category_error {
            out.push(
                violation.path.clone(),
                violation.rule,
                violation.message.clone(),
            );
        }
        let today = self
            .today
            .unwrap_or_else(|| ValidationContext::new().today());
        let context = ValidationContext::on(today);
        let found = match &self.hierarchy {
            Some(hierarchy) => request.validate_in(&context.with_hierarchy(hierarchy)),
            None => request.validate_in(&context),
        };
        let category_reported = self.category_error.is_some();
        for v in found {
            // An unknown category key is reported once, not also as a
            // missing category id.
            if category_reported && v.path == "customerCategory.id" {
                continue;
            }
            out.push(v.path, v.rule, v.message);
        }
        out.canonicalize(canonical_path);
        out
    }

    fn assemble(&self) -> IndividualRegistrationRequest {
        let nationality = normalize_country(&self.nationality);
        let gender = self.gender.map(Gender::as_str).unwrap_or_default();
        let full_name = format!("{} {}", self.first_name.trim(), self.last_name.trim())
            .trim()
            .to_string();
        let full_name = (!full_name.is_empty()).then_some(full_name);
        let roles: Vec<String> = self.roles.iter().map(|r| r.as_str().to_string()).collect();
        let matching = self
            .matching_password
            .clone()
            .unwrap_or_else(|| self.password.clone());

        let addresses = self
            .addresses
            .iter()
            .enumerate()
            .map(|(i, a)| Address {
                id: None,
                type_: Some(a.kind.as_str().to_string()),
                street: non_blank(&a.street),
                city: non_blank(&a.city),
                state: a.state.as_deref().and_then(non_blank),
                postal_code: non_blank(&a.postal_code),
                country: Some(normalize_country(&a.country)),
                is_primary: Some(i == 0),
            })
            .collect();
        let mut contacts = vec![Contact {
            id: None,
            type_: Some("EMAIL".into()),
            value: Some(self.email.clone()),
            is_primary: Some(true),
        }];
        // Without a phone number (FinHub's pages disagree on requiring one,
        // facts I-12) there is no phone contact to send.
        if !self.phone.trim().is_empty() {
            contacts.push(Contact {
                id: None,
                type_: Some("PHONE".into()),
                value: Some(self.phone.clone()),
                is_primary: Some(true),
            });
        }
        let person = Person {
            first_name: Some(self.first_name.clone()),
            last_name: Some(self.last_name.clone()),
            full_name: full_name.clone(),
            email: Some(self.email.clone()),
            // Facts the docs do not require are left out when not given
            // (facts I-12), rather than sent empty.
            date_of_birth: non_blank(&self.date_of_birth),
            gender: non_blank(gender),
            nationality: non_blank(&nationality),
            place_of_birth: non_blank(&self.place_of_birth),
            pincode: non_blank(&self.pincode),
            addresses,
            contacts,
            ..Default::default()
        };
        let user = RegistrationUser {
            tenant_id: self.tenant_id.clone(),
            username: Some(self.email.clone()),
            email: Some(self.email.clone()),
            password: Some(self.password.clone()),
            status: Some(PENDING_ACTIVATION.into()),
            roles: roles.clone(),
            is_active: Some(false),
            ..Default::default()
        };
        let category = self.category.clone().unwrap_or_default();
        let categorization = (!self.features.is_empty()).then(|| Categorization {
            id: category.id.clone(),
            name: category.name.clone(),
            is_active: Some(true),
            category_feature_relations: self
                .features
                .iter()
                .map(|(code, parameters)| CategoryFeatureRelation {
                    feature: Some(FeatureRef {
                        id: self.feature_id(code),
                        code: Some(code.clone()),
                    }),
                    enabled: Some(true),
                    parametrization: parameters
                        .iter()
                        .map(|(name, value)| Parametrization {
                            name: Some(name.clone()),
                            value: Some(value.clone()),
                        })
                        .collect(),
                })
                .collect(),
            ..Default::default()
        });

        IndividualRegistrationRequest {
            tenant_id: self.tenant_id.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            email: self.email.clone(),
            // What FinHub's pages disagree on requiring (facts I-12) is left
            // out when not given, never sent empty.
            phone: non_blank(&self.phone),
            password: self.password.clone(),
            matching_password: matching,
            date_of_birth: non_blank(&self.date_of_birth),
            gender: non_blank(gender),
            nationality: non_blank(&nationality),
            place_of_birth: non_blank(&self.place_of_birth),
            pincode: non_blank(&self.pincode),
            role_ids: roles,
            customer_category: self.category.clone(),
            individual_customer: IndividualCustomer {
                tenant_id: self.tenant_id.clone(),
                customer_name: full_name,
                person: Some(person),
                user: Some(user),
                categorization,
            },
        }
    }

    /// The feature's `databaseId` from the hierarchy, when known.
    fn feature_id(&self, code: &str) -> Option<String> {
        let hierarchy = self.hierarchy.as_ref()?;
        let chosen = self.category.as_ref().and_then(|c| c.id.as_deref());
        hierarchy
            .categories
            .values()
            .filter(|c| c.database_id.as_deref() == chosen)
            .flat_map(|c| c.available_features.iter())
            .chain(hierarchy.features.values())
            .find(|f| f.feature_code.as_deref() == Some(code))
            .or_else(|| hierarchy.features.get(code))
            .and_then(|f| f.database_id.clone())
    }
}

/// A postal address for [`RegistrationBuilder::address`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalAddress {
    kind: AddressKind,
    street: String,
    city: String,
    state: Option<String>,
    postal_code: String,
    country: String,
}

impl PostalAddress {
    /// An address of the given kind. `country` is a [`Country`], an ISO
    /// code or an English country name; it is sent as the alpha-2 code.
    pub fn new(
        kind: AddressKind,
        street: impl Into<String>,
        city: impl Into<String>,
        postal_code: impl Into<String>,
        country: impl AsRef<str>,
    ) -> Self {
        PostalAddress {
            kind,
            street: street.into(),
            city: city.into(),
            state: None,
            postal_code: postal_code.into(),
            country: country.as_ref().to_string(),
        }
    }

    /// A `HOME` address, what B2C registrations send.
    pub fn home(
        street: impl Into<String>,
        city: impl Into<String>,
        postal_code: impl Into<String>,
        country: impl AsRef<str>,
    ) -> Self {
        Self::new(AddressKind::Home, street, city, postal_code, country)
    }

    /// State, county or region.
    pub fn state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }
}

fn find_category<'h>(hierarchy: &'h CategorizationHierarchy, key: &str) -> Option<&'h Category> {
    hierarchy.categories.get(key).or_else(|| {
        hierarchy.categories.values().find(|c| {
            c.category_id.as_deref() == Some(key) || c.database_id.as_deref() == Some(key)
        })
    })
}

/// The alpha-2 code of a known country; anything else unchanged, for the
/// rules to report.
fn normalize_country(input: &str) -> String {
    Country::parse(input)
        .map(|c| c.alpha2().to_string())
        .unwrap_or_else(|_| input.to_string())
}

fn non_blank(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// Where a violation of a builder-written duplicate is reported: the
/// top-level place the fact was given.
fn canonical_path(path: &str) -> Option<String> {
    const PERSON: &str = "individualCustomer.person.";
    const USER: &str = "individualCustomer.user.";
    if let Some(field) = path.strip_prefix(PERSON) {
        return match field {
            "firstName" | "lastName" | "email" | "dateOfBirth" | "gender" | "nationality"
            | "placeOfBirth" | "pincode" => Some(field.to_string()),
            "contacts[0].value" => Some("email".into()),
            "contacts[1].value" => Some("phone".into()),
            _ => None,
        };
    }
    if let Some(field) = path.strip_prefix(USER) {
        return match field {
            "email" | "username" => Some("email".into()),
            "password" => Some("password".into()),
            "tenantId" => Some("tenantId".into()),
            _ => field
                .strip_prefix("roles")
                .map(|rest| format!("roleIds{rest}")),
        };
    }
    match path {
        "individualCustomer.tenantId" => Some("tenantId".into()),
        "individualCustomer.categorization.id" => Some("customerCategory.id".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{assert_option_wipes_on_drop, assert_wipes_on_drop};

    /// The secret fields of this module, checked by the compiler: the test
    /// builds only while each is of a type that wipes its memory on drop.
    #[test]
    fn every_field_holding_a_secret_wipes_its_memory_on_drop() {
        fn check(builder: &RegistrationBuilder) {
            assert_wipes_on_drop(&builder.password);
            assert_option_wipes_on_drop(&builder.matching_password);
        }
        let _: fn(&RegistrationBuilder) = check;
    }
}
