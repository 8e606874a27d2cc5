//! Categorization and registration: `get_categorization_hierarchy` (admin
//! token) and `register_individual_customer` (admin or customer token; see
//! [`Access::of`](crate::Access::of)).
//!
//! Registration applies the documented rules in the documented words
//! (`individualCustomer is required`, `firstName is required in person
//! object`, `Password and matching password do not match`), reports every
//! other problem in the `Request validation failed` variant with one entry
//! per field, and refuses a second customer with the same e-mail in the
//! tenant with 409, atomically. A registration sends the activation e-mail
//! (to the outbox) with the customer's activation code.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::Response;
use chrono::NaiveDate;
use finhub_api::LenientTimestamp;
use finhub_api::types::{
    Address, BaseResponseCustomerRegistrationResponse, Categorization, Contact,
    CustomerRegistrationResponse, IndividualRegistrationRequest, Person, PersonName,
    RegistrationUser,
};
use serde_json::{Map, Value};

use crate::auth::{LoginGuard, SecretDigest};
use crate::body::{self, JsonRequest};
use crate::catalog::CategoryMatch;
use crate::envelope::{ApiError, ApiResult, FieldError, ok};
use crate::ids;
use crate::outbox::{self, MessageKind, OutboxMessage};
use crate::routes::caller::Caller;
use crate::state::{AppState, Customer, CustomerStatus, User};
use crate::stats::SideEffect;

/// `GET /api/v2.1/customer/individual/categorization/hierarchy/{tenantId}`
/// (the reference profile: under `/api/v2.1/customers/…`)
pub(crate) async fn get_categorization_hierarchy(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
    Path(tenant_id): Path<String>,
) -> ApiResult {
    if tenant_id != state.config.tenant_id {
        return Err(ApiError::not_found(format!(
            "Tenant '{tenant_id}' not found"
        )));
    }
    Response::builder()
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(state.catalog.response.clone()))
        .map_err(|_| ApiError::internal("Could not build the response"))
}

/// Fields the spec marks required (besides `individualCustomer`, which has
/// its own documented message).
const REQUIRED: [&str; 13] = [
    "firstName",
    "lastName",
    "email",
    "phone",
    "password",
    "matchingPassword",
    "dateOfBirth",
    "gender",
    "nationality",
    "placeOfBirth",
    "pincode",
    "roleIds",
    "customerCategory",
];

const PERSON_REQUIRED: [&str; 2] = ["firstName", "lastName"];

const GENDERS: [&str; 3] = ["MALE", "FEMALE", "OTHER"];
const ROLES: [&str; 2] = ["ACCOUNT_OWNER", "USER"];

fn blank(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(text)) => text.trim().is_empty(),
        Some(_) => false,
    }
}

/// The rules whose error messages are documented word for word, then the
/// presence of every required field.
fn documented_rules(body: &Map<String, Value>) -> Result<(), ApiError> {
    let customer = match body.get("individualCustomer") {
        None | Some(Value::Null) => {
            return Err(ApiError::bad_request("individualCustomer is required"));
        }
        Some(customer) => customer,
    };
    if let Some(Value::Object(person)) = customer.get("person") {
        for field in PERSON_REQUIRED {
            if blank(person.get(field)) {
                return Err(ApiError::bad_request(format!(
                    "{field} is required in person object"
                )));
            }
        }
    }
    if let (Some(Value::String(password)), Some(Value::String(matching))) =
        (body.get("password"), body.get("matchingPassword"))
        && password != matching
    {
        return Err(ApiError::bad_request(
            "Password and matching password do not match",
        ));
    }
    let missing: Vec<FieldError> = REQUIRED
        .into_iter()
        .filter(|field| matches!(body.get(*field), None | Some(Value::Null)))
        .map(FieldError::required)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(missing))
    }
}

fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !email.chars().any(char::is_whitespace)
        && !domain.contains('@')
        && domain
            .split_once('.')
            .is_some_and(|(host, tld)| !host.is_empty() && !tld.is_empty() && !tld.ends_with('.'))
}

fn valid_phone(phone: &str) -> bool {
    let Some(digits) = phone.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

fn strong_password(password: &str) -> bool {
    password.chars().count() >= 8
        && password.chars().any(|c| c.is_uppercase())
        && password.chars().any(|c| c.is_lowercase())
        && password.chars().any(|c| c.is_ascii_digit())
        && password.chars().any(|c| !c.is_alphanumeric())
}

/// Field-level checks of a decoded request.
fn field_errors(request: &IndividualRegistrationRequest, today: NaiveDate) -> Vec<FieldError> {
    let mut errors = Vec::new();
    // Fields FinHub's pages disagree on requiring (facts I-12) may be
    // absent; a value that is sent must not be blank.
    for (field, value) in [
        ("firstName", Some(&request.first_name)),
        ("lastName", Some(&request.last_name)),
        ("nationality", request.nationality.as_ref()),
        ("placeOfBirth", request.place_of_birth.as_ref()),
        ("pincode", request.pincode.as_ref()),
    ] {
        if value.is_some_and(|v| v.trim().is_empty()) {
            errors.push(FieldError::new(field, format!("{field} must not be blank")));
        }
    }
    if !valid_email(request.email.trim()) {
        errors.push(FieldError::new(
            "email",
            "email must be a valid e-mail address",
        ));
    }
    if let Some(phone) = &request.phone
        && !valid_phone(phone.trim())
    {
        errors.push(FieldError::new(
            "phone",
            "phone must be in E.164 format with country code (e.g. +37060012345)",
        ));
    }
    if !strong_password(request.password.expose()) {
        errors.push(FieldError::new(
            "password",
            "password must have at least 8 characters with upper- and lower-case letters, a digit and a special character",
        ));
    }
    if let Some(date_of_birth) = &request.date_of_birth {
        match NaiveDate::parse_from_str(date_of_birth.trim(), "%Y-%m-%d") {
            Ok(date) if date < today => {}
            _ => errors.push(FieldError::new(
                "dateOfBirth",
                "dateOfBirth must be a past date in YYYY-MM-DD format",
            )),
        }
    }
    if let Some(gender) = &request.gender
        && !GENDERS.contains(&gender.as_str())
    {
        errors.push(FieldError::new(
            "gender",
            "gender must be one of MALE, FEMALE, OTHER",
        ));
    }
    if request.role_ids.is_empty() {
        errors.push(FieldError::new("roleIds", "roleIds must not be empty"));
    }
    for role in &request.role_ids {
        if !ROLES.contains(&role.as_str()) {
            errors.push(FieldError::new(
                "roleIds",
                format!("unknown role '{role}' (expected ACCOUNT_OWNER or USER)"),
            ));
        }
    }
    // `customerCategory` may be absent (facts I-12); a category that is
    // sent must name one.
    if request
        .customer_category
        .as_ref()
        .is_some_and(|c| c.id.as_deref().is_none_or(|id| id.trim().is_empty()))
    {
        errors.push(FieldError::required("customerCategory.id"));
    }
    errors
}

/// ISO alpha-2 codes are upper-cased; anything else (a country name, as
/// some docs examples send) is kept.
fn country(value: &str) -> String {
    let value = value.trim();
    if value.len() == 2 && value.chars().all(|c| c.is_ascii_alphabetic()) {
        value.to_ascii_uppercase()
    } else {
        value.to_string()
    }
}

fn person_of(request: &IndividualRegistrationRequest, email: &str) -> Person {
    let sent = request
        .individual_customer
        .person
        .clone()
        .unwrap_or_default();
    let first = request.first_name.trim().to_string();
    let last = request.last_name.trim().to_string();
    let mut contacts: Vec<Contact> = sent
        .contacts
        .into_iter()
        .map(|contact| Contact {
            id: Some(ids::person_id()),
            ..contact
        })
        .collect();
    if contacts.is_empty() {
        contacts = vec![Contact {
            id: Some(ids::person_id()),
            type_: Some("EMAIL".into()),
            value: Some(email.to_string()),
            is_primary: Some(true),
        }];
        if let Some(phone) = request.phone.as_deref().map(str::trim) {
            contacts.push(Contact {
                id: Some(ids::person_id()),
                type_: Some("PHONE".into()),
                value: Some(phone.to_string()),
                is_primary: Some(false),
            });
        }
    }
    Person {
        id: Some(ids::person_id()),
        full_name: Some(format!("{first} {last}")),
        names: vec![
            PersonName {
                type_: Some("FIRST".into()),
                value: Some(first.clone()),
            },
            PersonName {
                type_: Some("LAST".into()),
                value: Some(last.clone()),
            },
        ],
        first_name: Some(first),
        last_name: Some(last),
        email: Some(email.to_string()),
        date_of_birth: request
            .date_of_birth
            .as_deref()
            .map(|d| d.trim().to_string()),
        gender: request.gender.clone(),
        nationality: request.nationality.as_deref().map(country),
        place_of_birth: request
            .place_of_birth
            .as_deref()
            .map(|p| p.trim().to_string()),
        addresses: sent
            .addresses
            .into_iter()
            .map(|address| Address {
                id: Some(ids::person_id()),
                country: address.country.as_deref().map(country),
                ..address
            })
            .collect(),
        contacts,
        documents: Vec::new(),
        pincode: None,
    }
}

/// `POST /api/v2.1/customer/individual/registration` (the reference
/// profile: `POST /api/v2.1/customers/individual/register`)
pub(crate) async fn register_individual_customer(
    State(state): State<Arc<AppState>>,
    _caller: Caller,
    body: JsonRequest,
) -> ApiResult {
    let raw: Value = body.decode()?;
    let Value::Object(map) = &raw else {
        return Err(ApiError::bad_request("Request body must be a JSON object"));
    };
    documented_rules(map)?;
    let request: IndividualRegistrationRequest = body::from_value(raw)?;
    let now = state.clock.now();
    let errors = field_errors(&request, now.date_naive());
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    // Without a category the customer gets the tenant's first individual
    // category ("the system automatically assigns the customer to the B2C
    // Individual category", facts §2.2).
    let category = request
        .customer_category
        .as_ref()
        .and_then(|c| c.id.as_deref())
        .map(str::trim)
        .or_else(|| state.catalog.individual_ids().next())
        .unwrap_or_default();
    let high_risk = match state.catalog.classify(category) {
        CategoryMatch::Individual { high_risk } => high_risk,
        CategoryMatch::Business => {
            return Err(ApiError::validation(vec![FieldError::new(
                "customerCategory.id",
                format!("Category '{category}' is not an individual (B2C) category"),
            )]));
        }
        CategoryMatch::Unknown => {
            let known: Vec<&str> = state.catalog.individual_ids().collect();
            return Err(ApiError::not_found(format!(
                "Category '{category}' not found (individual categories: {})",
                known.join(", ")
            )));
        }
    };

    let email = request.email.trim().to_string();
    let username = request
        .individual_customer
        .user
        .as_ref()
        .and_then(|user| user.username.as_deref())
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .unwrap_or(&email)
        .to_string();
    let customer = Customer {
        id: ids::uuid(),
        email: email.clone(),
        first_name: request.first_name.trim().to_string(),
        last_name: request.last_name.trim().to_string(),
        phone: request
            .phone
            .as_deref()
            .unwrap_or_default()
            .trim()
            .to_string(),
        gender: request.gender.clone().unwrap_or_default(),
        person: person_of(&request, &email),
        user: User {
            id: ids::user_id(),
            username,
            password: SecretDigest::of(request.password.expose()),
            guard: Arc::new(LoginGuard::default()),
            last_login: None,
        },
        status: CustomerStatus::Registered,
        high_risk,
        activation_code: outbox::activation_code(),
        created_at: now,
        updated_at: now,
        consents: [None, None, None],
        verification_ids: Vec::new(),
        wallets: Vec::new(),
        activated_at: None,
    };
    let response = registration_response(&state, &customer, &request.role_ids);
    {
        let mut store = state.write();
        let key = email.to_lowercase();
        if store.emails.contains_key(&key) {
            return Err(ApiError::conflict(format!(
                "Customer with email '{email}' already exists"
            )));
        }
        store.emails.insert(key, customer.id.clone());
        // §2.2, §2.14: the activation e-mail with its code.
        state.outbox.send(OutboxMessage {
            to: customer.email.clone(),
            kind: MessageKind::Activation,
            code: customer.activation_code.clone(),
            customer_id: customer.id.clone(),
            sent_at: now,
        });
        store.customers.insert(customer.id.clone(), customer);
    }
    state.counters.side_effect(SideEffect::Registration);
    Ok(ok(response))
}

fn registration_response(
    state: &AppState,
    customer: &Customer,
    roles: &[String],
) -> BaseResponseCustomerRegistrationResponse {
    let created = LenientTimestamp::from(customer.created_at);
    BaseResponseCustomerRegistrationResponse {
        code: Some(200),
        message: Some(
            "B2C individual account created successfully. Redirect to activate-account page".into(),
        ),
        redirect_url: Some("/auth/activate-account".into()),
        data: Some(CustomerRegistrationResponse {
            id: Some(customer.id.clone()),
            tenant_id: Some(state.config.tenant_id.clone()),
            organization: Some(false),
            individual: Some(true),
            customer_type: Some("CT_PERSON".into()),
            customer_status: Some(customer.status.code().into()),
            categorization: Some(Categorization {
                active: Some(true),
                is_active: Some(true),
                id: Some("B2CCustomerIndividual".into()),
                name: Some("B2C Individual".into()),
                description: Some("Customer categorization for B2C".into()),
                category_feature_relations: Vec::new(),
                parametrization: Vec::new(),
            }),
            person: Some(customer.person.clone()),
            user: Some(RegistrationUser {
                id: Some(customer.user.id.clone()),
                tenant_id: Some(state.config.tenant_id.clone()),
                username: Some(customer.user.username.clone()),
                email: Some(customer.email.clone()),
                status: Some(customer.status.user_status().into()),
                is_active: Some(false),
                roles: roles.to_vec(),
                permissions: Vec::new(),
                requires_password_change: Some(false),
                two_factor_enabled: Some(false),
                password: None,
            }),
            created_at: Some(created.clone()),
            updated_at: Some(created),
            notifications: Vec::new(),
            consents: Vec::new(),
            organization_associations: Vec::new(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn emails_and_phones() {
        assert!(valid_email("marcus.jensen@example.com"));
        assert!(!valid_email("marcus.jensen@example"));
        assert!(!valid_email("marcus jensen@example.com"));
        assert!(!valid_email("@example.com"));
        assert!(valid_phone("+37060012345"));
        assert!(!valid_phone("37060012345"));
        assert!(!valid_phone("+0123"));
        assert!(!valid_phone("+3706001234567890"));
    }

    #[test]
    fn password_policy() {
        assert!(strong_password("SecurePass123!"));
        assert!(!strong_password("securepass123!"));
        assert!(!strong_password("SecurePass!"));
        assert!(!strong_password("SecurePass123"));
        assert!(!strong_password("Sp1!"));
    }

    #[test]
    fn documented_messages_come_first() {
        let rules = |body: Value| documented_rules(body.as_object().unwrap()).unwrap_err();
        assert_eq!(rules(json!({})).message, "individualCustomer is required");
        assert_eq!(
            rules(json!({"individualCustomer": {"person": {"lastName": "J"}}})).message,
            "firstName is required in person object"
        );
        assert_eq!(
            rules(json!({"individualCustomer": {}, "password": "a", "matchingPassword": "b"}))
                .message,
            "Password and matching password do not match"
        );
        let err =
            rules(json!({"individualCustomer": {}, "password": "a", "matchingPassword": "a"}));
        assert_eq!(err.message, "Request validation failed");
        let fields: Vec<String> = err.data.unwrap()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect();
        assert!(fields.contains(&"firstName".to_string()), "{fields:?}");
        assert!(!fields.contains(&"password".to_string()), "{fields:?}");
    }
}
