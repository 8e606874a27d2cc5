//! The registration body's rules (facts §1.7, §1.8, §2.1, §2.2, §3.3).

use finhub_api::types::{
    CategorizationHierarchy, Category, Feature, IndividualRegistrationRequest, Person,
    RegistrationUser,
};

use super::codes::*;
use super::rules::{self, blank, disputed, required, same};
use super::{Validate, ValidationContext, Violations};

const IC: &str = "individualCustomer";
const PERSON: &str = "individualCustomer.person";
const USER: &str = "individualCustomer.user";
const CATEGORIZATION: &str = "individualCustomer.categorization";

/// The status a newly registered user has (facts §3.3).
const INITIAL_USER_STATUS: &str = "PENDING_ACTIVATION";

/// Why a field the registration's parameter list marks required may be
/// absent (facts I-12).
const PROSE_SILENT: &str =
    "the registration's parameter list marks it required, its prose does not (I-12)";
/// The same for `pincode` and `customerCategory`.
const PROSE_OPTIONAL: &str =
    "the registration's parameter list marks it required, its prose calls it optional (I-12)";
/// The same for `phone` and `roleIds`.
const FLOW_OMITS: &str =
    "the parameter list marks it required, the [FLOW] registration example leaves it out (I-12)";
/// The same for the person and the user.
const RUNNER_OMITS: &str = "the [RUN] registration example sends neither person nor user, and the server seems to build both from the top-level fields (I-12)";
/// The same for the person's date of birth, gender and nationality.
const PERSON_SILENT: &str =
    "the docs list it in the person object without saying it is required (I-12)";

impl Validate for IndividualRegistrationRequest {
    /// Every documented registration rule in `context`; with a hierarchy,
    /// also the category rules of facts §2.1.
    fn validate_in(&self, context: &ValidationContext<'_>) -> Violations {
        let mut out = Violations::new();
        registration(&mut out, self, context);
        out
    }
}

/// Non-blank value of an optional field.
fn present(value: Option<&str>) -> Option<&str> {
    value.filter(|s| !s.trim().is_empty())
}

/// An optional field that, when sent, must not be blank.
fn not_blank_if_sent(out: &mut Violations, path: &str, value: Option<&str>) {
    if value.is_some_and(|s| s.trim().is_empty()) {
        out.push(
            path,
            REQUIRED_MISSING,
            format!("`{path}` is empty; omit it or give a value"),
        );
    }
}

fn registration(
    out: &mut Violations,
    r: &IndividualRegistrationRequest,
    context: &ValidationContext<'_>,
) {
    // Top level (facts §2.2 field table, §1.8 formats).
    required(out, "firstName", Some(&r.first_name));
    required(out, "lastName", Some(&r.last_name));
    if let Some(email) = required(out, "email", Some(&r.email)) {
        rules::email(out, "email", email);
    }
    if let Some(phone) = disputed(out, "phone", r.phone.as_deref(), FLOW_OMITS) {
        rules::phone(out, "phone", phone);
    }
    if required(out, "password", Some(r.password.expose())).is_some() {
        rules::password(out, "password", r.password.expose());
    }
    if required(out, "matchingPassword", Some(r.matching_password.expose())).is_some()
        && r.matching_password.expose() != r.password.expose()
    {
        out.push(
            "matchingPassword",
            PASSWORD_MISMATCH,
            "`matchingPassword` must equal `password` exactly",
        );
    }
    if let Some(dob) = disputed(out, "dateOfBirth", r.date_of_birth.as_deref(), PROSE_SILENT) {
        rules::past_date(out, "dateOfBirth", dob, context);
    }
    if let Some(gender) = disputed(out, "gender", r.gender.as_deref(), PROSE_SILENT) {
        rules::gender(out, "gender", gender);
    }
    if let Some(nationality) = disputed(out, "nationality", r.nationality.as_deref(), PROSE_SILENT)
    {
        rules::country(out, "nationality", nationality);
    }
    disputed(
        out,
        "placeOfBirth",
        r.place_of_birth.as_deref(),
        PROSE_SILENT,
    );
    disputed(out, "pincode", r.pincode.as_deref(), PROSE_OPTIONAL);
    if r.role_ids.is_empty() {
        out.push(
            "roleIds",
            REQUIRED_DISPUTED,
            format!("`roleIds` is absent; {FLOW_OMITS}; the request is sent without it"),
        );
    }
    rules::roles(out, "roleIds", &r.role_ids);
    disputed(
        out,
        "customerCategory.id",
        r.customer_category.as_ref().and_then(|c| c.id.as_deref()),
        PROSE_OPTIONAL,
    );
    not_blank_if_sent(out, "tenantId", r.tenant_id.as_deref());

    // individualCustomer (facts §2.2: "individualCustomer is required", and
    // every fact duplicated from the top level must agree with it).
    let ic = &r.individual_customer;
    let ic_tenant = format!("{IC}.tenantId");
    not_blank_if_sent(out, &ic_tenant, ic.tenant_id.as_deref());
    if let (Some(top), Some(nested)) = (
        present(r.tenant_id.as_deref()),
        present(ic.tenant_id.as_deref()),
    ) {
        same(out, &ic_tenant, "tenantId", top == nested);
    }
    not_blank_if_sent(
        out,
        &format!("{IC}.customerName"),
        ic.customer_name.as_deref(),
    );
    match &ic.person {
        Some(person) => self::person(out, r, person, context),
        None => {
            disputed(out, PERSON, None, RUNNER_OMITS);
        }
    }
    match &ic.user {
        Some(user) => self::user(out, r, user),
        None => {
            disputed(out, USER, None, RUNNER_OMITS);
        }
    }
    if let Some(categorization) = &ic.categorization
        && let (Some(top), Some(nested)) = (
            present(r.customer_category.as_ref().and_then(|c| c.id.as_deref())),
            present(categorization.id.as_deref()),
        )
    {
        same(
            out,
            &format!("{CATEGORIZATION}.id"),
            "customerCategory.id",
            top == nested,
        );
    }
    if let Some(hierarchy) = context.hierarchy() {
        category(out, r, hierarchy);
    }
}

/// A person field that the top level duplicates: present (required, or
/// `why` it may be absent), format-checked, and equal to the top-level
/// value.
fn duplicated(
    out: &mut Violations,
    field: &str,
    nested: Option<&str>,
    top: Option<&str>,
    why: Option<&str>,
    format: impl FnOnce(&mut Violations, &str, &str),
) {
    let path = format!("{PERSON}.{field}");
    let value = match why {
        None => required(out, &path, nested),
        Some(why) => rules::disputed_if_absent(out, &path, nested, why),
    };
    if let Some(value) = value {
        format(out, &path, value);
        if let Some(top) = top
            && !blank(Some(top))
        {
            same(out, &path, field, value == top);
        }
    }
}

fn person(
    out: &mut Violations,
    r: &IndividualRegistrationRequest,
    p: &Person,
    context: &ValidationContext<'_>,
) {
    // "firstName is required in person object" (facts §2.2).
    duplicated(
        out,
        "firstName",
        p.first_name.as_deref(),
        Some(&r.first_name),
        None,
        |_, _, _| {},
    );
    duplicated(
        out,
        "lastName",
        p.last_name.as_deref(),
        Some(&r.last_name),
        None,
        |_, _, _| {},
    );
    duplicated(
        out,
        "email",
        p.email.as_deref(),
        Some(&r.email),
        None,
        rules::email,
    );
    duplicated(
        out,
        "dateOfBirth",
        p.date_of_birth.as_deref(),
        r.date_of_birth.as_deref(),
        Some(PERSON_SILENT),
        |out, path, v| rules::past_date(out, path, v, context),
    );
    duplicated(
        out,
        "gender",
        p.gender.as_deref(),
        r.gender.as_deref(),
        Some(PERSON_SILENT),
        rules::gender,
    );
    duplicated(
        out,
        "nationality",
        p.nationality.as_deref(),
        r.nationality.as_deref(),
        Some(PERSON_SILENT),
        rules::country,
    );
    for (field, nested, top) in [
        (
            "placeOfBirth",
            p.place_of_birth.as_deref(),
            r.place_of_birth.as_deref(),
        ),
        ("pincode", p.pincode.as_deref(), r.pincode.as_deref()),
    ] {
        let path = format!("{PERSON}.{field}");
        not_blank_if_sent(out, &path, nested);
        if let Some(value) = present(nested)
            && let Some(top) = top
            && !blank(Some(top))
        {
            same(out, &path, field, value == top);
        }
    }
    for (i, address) in p.addresses.iter().enumerate() {
        let path = format!("{PERSON}.addresses[{i}].country");
        if let Some(country) = address.country.as_deref()
            && let Some(country) = required(out, &path, Some(country))
        {
            rules::country(out, &path, country);
        }
    }
    for (i, contact) in p.contacts.iter().enumerate() {
        let base = format!("{PERSON}.contacts[{i}]");
        let value_path = format!("{base}.value");
        match contact.type_.as_deref() {
            Some("EMAIL") => {
                if let Some(v) = required(out, &value_path, contact.value.as_deref()) {
                    rules::email(out, &value_path, v);
                }
            }
            Some("PHONE") => {
                if let Some(v) = required(out, &value_path, contact.value.as_deref()) {
                    rules::phone(out, &value_path, v);
                }
            }
            Some(other) if !other.trim().is_empty() => out.push(
                format!("{base}.type"),
                CONTACT_TYPE_UNKNOWN,
                format!("`{other}` is not a documented contact type; expected EMAIL or PHONE"),
            ),
            _ => {
                required(out, &format!("{base}.type"), None);
            }
        }
    }
}

fn user(out: &mut Violations, r: &IndividualRegistrationRequest, u: &RegistrationUser) {
    let tenant_path = format!("{USER}.tenantId");
    not_blank_if_sent(out, &tenant_path, u.tenant_id.as_deref());
    if let Some(tenant) = present(u.tenant_id.as_deref()) {
        let ic_tenant = present(r.individual_customer.tenant_id.as_deref());
        if let Some(ic_tenant) = ic_tenant {
            same(
                out,
                &tenant_path,
                "individualCustomer.tenantId",
                tenant == ic_tenant,
            );
        } else if let Some(top) = present(r.tenant_id.as_deref()) {
            same(out, &tenant_path, "tenantId", tenant == top);
        }
    }
    not_blank_if_sent(out, &format!("{USER}.username"), u.username.as_deref());
    let email_path = format!("{USER}.email");
    not_blank_if_sent(out, &email_path, u.email.as_deref());
    if let Some(email) = present(u.email.as_deref()) {
        rules::email(out, &email_path, email);
        if !blank(Some(&r.email)) {
            same(out, &email_path, "email", email == r.email);
        }
    }
    if let Some(password) = &u.password {
        let path = format!("{USER}.password");
        if required(out, &path, Some(password.expose())).is_some() && !r.password.is_empty() {
            same(
                out,
                &path,
                "password",
                password.expose() == r.password.expose(),
            );
        }
    }
    let roles_path = format!("{USER}.roles");
    rules::roles(out, &roles_path, &u.roles);
    if !u.roles.is_empty() && !r.role_ids.is_empty() {
        let mut nested: Vec<&str> = u.roles.iter().map(String::as_str).collect();
        let mut top: Vec<&str> = r.role_ids.iter().map(String::as_str).collect();
        nested.sort_unstable();
        nested.dedup();
        top.sort_unstable();
        top.dedup();
        same(out, &roles_path, "roleIds", nested == top);
    }
    if let Some(status) = u.status.as_deref()
        && status != INITIAL_USER_STATUS
    {
        out.push(
            format!("{USER}.status"),
            USER_INITIAL_STATE,
            format!("a newly registered user has status `{INITIAL_USER_STATUS}`, not `{status}`"),
        );
    }
    if u.is_active == Some(true) {
        out.push(
            format!("{USER}.isActive"),
            USER_INITIAL_STATE,
            "a newly registered user is inactive (`isActive: false`) until activation",
        );
    }
}

/// Category id and feature parametrization against the tenant's hierarchy
/// (facts §2.1: `databaseId`, `mandatoryKeys`, `allowedValues`,
/// `multiValueKeys`).
fn category(
    out: &mut Violations,
    r: &IndividualRegistrationRequest,
    hierarchy: &CategorizationHierarchy,
) {
    let id = present(r.customer_category.as_ref().and_then(|c| c.id.as_deref()));
    let chosen: Option<&Category> = id.and_then(|id| {
        hierarchy
            .categories
            .values()
            .find(|c| c.database_id.as_deref() == Some(id))
    });
    if let Some(id) = id
        && chosen.is_none()
    {
        let mut known: Vec<&str> = hierarchy
            .categories
            .values()
            .filter_map(|c| c.database_id.as_deref())
            .collect();
        known.sort_unstable();
        out.push(
            "customerCategory.id",
            CATEGORY_UNKNOWN,
            format!(
                "`{id}` is not the databaseId of a category in the tenant's hierarchy; known: {}",
                list(&known)
            ),
        );
    }
    let Some(categorization) = &r.individual_customer.categorization else {
        return;
    };
    for (i, relation) in categorization.category_feature_relations.iter().enumerate() {
        if relation.enabled == Some(false) {
            continue;
        }
        let base = format!("{CATEGORIZATION}.categoryFeatureRelations[{i}]");
        let code_path = format!("{base}.feature.code");
        let Some(code) = required(
            out,
            &code_path,
            relation.feature.as_ref().and_then(|f| f.code.as_deref()),
        ) else {
            continue;
        };
        let Some(feature) = feature(hierarchy, chosen, code) else {
            out.push(
                code_path,
                CATEGORY_FEATURE_UNKNOWN,
                format!("`{code}` is not a feature of the tenant's categorization hierarchy"),
            );
            continue;
        };
        for key in &feature.mandatory_keys {
            let given = relation
                .parametrization
                .iter()
                .any(|p| p.name.as_deref() == Some(key) && !blank(p.value.as_deref()));
            if !given {
                out.push(
                    format!("{base}.parametrization"),
                    CATEGORY_MANDATORY_KEY,
                    format!("feature `{code}` requires the parametrization key `{key}`"),
                );
            }
        }
        for (j, parameter) in relation.parametrization.iter().enumerate() {
            let (Some(name), Some(value)) = (parameter.name.as_deref(), parameter.value.as_deref())
            else {
                continue;
            };
            let Some(allowed) = feature.allowed_values.get(name).filter(|a| !a.is_empty()) else {
                continue;
            };
            let multi = feature.multi_value_keys.iter().any(|k| k == name);
            let rejected = if multi {
                value
                    .split(',')
                    .map(str::trim)
                    .find(|v| !allowed.iter().any(|a| a == v))
            } else {
                (!allowed.iter().any(|a| a == value)).then_some(value)
            };
            if let Some(rejected) = rejected {
                let allowed: Vec<&str> = allowed.iter().map(String::as_str).collect();
                out.push(
                    format!("{base}.parametrization[{j}].value"),
                    CATEGORY_VALUE_NOT_ALLOWED,
                    format!(
                        "`{rejected}` is not an allowed value of `{name}` for feature `{code}`; allowed: {}",
                        list(&allowed)
                    ),
                );
            }
        }
    }
}

/// The definition of feature `code`: the chosen category's own list first,
/// then the hierarchy's feature map (by key, then by feature code).
fn feature<'h>(
    hierarchy: &'h CategorizationHierarchy,
    chosen: Option<&'h Category>,
    code: &str,
) -> Option<&'h Feature> {
    chosen
        .and_then(|c| {
            c.available_features
                .iter()
                .find(|f| f.feature_code.as_deref() == Some(code))
        })
        .or_else(|| hierarchy.features.get(code))
        .or_else(|| {
            hierarchy
                .features
                .values()
                .find(|f| f.feature_code.as_deref() == Some(code))
        })
}

fn list(items: &[&str]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}
