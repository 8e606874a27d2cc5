//! The tenant's categorization hierarchy: the categories a registration may
//! name and the features with their parametrization rules, modelled on the
//! documented example. The response never changes, so it is serialized once
//! at startup and served as shared bytes.
//!
//! Two individual categories: `INDIVIDUAL_STANDARD` (low risk, the \[RUN\]
//! example's `fs-cat-b2c-low-001`) and `HIGH_RISK_INDIVIDUAL` (\[FLOW\]'s
//! high-risk category, "approved at POWER_TENANT level", §2.1), whose
//! customers' KYC needs the power tenant (review mode). The runner
//! profile answers the \[RUN\] example's minimal form (`databaseId` and
//! `categoryName` per category, no features).

use std::collections::HashMap;

use axum::body::Bytes;
use finhub_api::types::{
    BaseResponseCategorizationHierarchy, CategorizationHierarchy, Category, Feature,
};

use crate::profile::Profile;

/// An individual (B2C) category a registration may name.
#[derive(Debug, Clone)]
pub(crate) struct IndividualCategory {
    pub database_id: &'static str,
    pub category_id: &'static str,
    pub high_risk: bool,
}

/// What the sandbox knows about categories.
#[derive(Debug, Clone)]
pub(crate) struct Catalog {
    /// The serialized `get_categorization_hierarchy` response.
    pub response: Bytes,
    individual: Vec<IndividualCategory>,
    business: Vec<&'static str>,
}

/// What a registration's `customerCategory.id` refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CategoryMatch {
    /// An individual category; `high_risk`: its KYC needs the power tenant.
    Individual {
        high_risk: bool,
    },
    Business,
    Unknown,
}

fn customer_profile() -> Feature {
    let values = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    Feature {
        database_id: Some("fs-feat-customer-profile-001".into()),
        feature_code: Some("CUSTOMER_PROFILE".into()),
        feature_name: Some("Customer Profile".into()),
        mandatory_keys: values(&["industry", "profile_completeness"]),
        allowed_values: HashMap::from([
            (
                "industry".to_string(),
                values(&["OTHER", "FINTECH", "PAYMENT_SERVICES", "ECOMMERCE"]),
            ),
            (
                "profile_completeness".to_string(),
                values(&["BASIC", "STANDARD", "FULL"]),
            ),
            (
                "crypto_exchange_integration".to_string(),
                values(&["true", "false"]),
            ),
            (
                "data_source".to_string(),
                values(&["external", "banq_platform"]),
            ),
        ]),
        multi_value_keys: Vec::new(),
    }
}

impl Catalog {
    /// The hierarchy of tenant `tenant_id` named `tenant_name`, in the
    /// form `profile` answers.
    pub fn new(tenant_id: &str, tenant_name: &str, profile: Profile) -> Self {
        let individual = vec![
            IndividualCategory {
                database_id: "fs-cat-b2c-low-001",
                category_id: "INDIVIDUAL_STANDARD",
                high_risk: false,
            },
            IndividualCategory {
                database_id: "fs-cat-b2c-high-001",
                category_id: "HIGH_RISK_INDIVIDUAL",
                high_risk: true,
            },
        ];
        let business = vec!["fs-cat-b2b-small-001", "B2B_SMALL_BUSINESS"];
        let mut categories = HashMap::new();
        categories.insert(
            "INDIVIDUAL_STANDARD".to_string(),
            Category {
                database_id: Some("fs-cat-b2c-low-001".into()),
                category_id: Some("INDIVIDUAL_STANDARD".into()),
                category_name: Some("Individual Standard".into()),
                description: Some("Standard individual customer (low risk)".into()),
                available_features: vec![customer_profile()],
            },
        );
        categories.insert(
            "HIGH_RISK_INDIVIDUAL".to_string(),
            Category {
                database_id: Some("fs-cat-b2c-high-001".into()),
                category_id: Some("HIGH_RISK_INDIVIDUAL".into()),
                category_name: Some("High Risk Individual".into()),
                description: Some(
                    "PEP, high-risk country or high volume; approved at POWER_TENANT level".into(),
                ),
                available_features: Vec::new(),
            },
        );
        categories.insert(
            "B2B_SMALL_BUSINESS".to_string(),
            Category {
                database_id: Some("fs-cat-b2b-small-001".into()),
                category_id: Some("B2B_SMALL_BUSINESS".into()),
                category_name: Some("Small Business".into()),
                description: Some("Small business customer (B2B)".into()),
                available_features: Vec::new(),
            },
        );
        let data = if profile.captured_answers() {
            // The [RUN] example: `{tenantId, categories: {KEY: {databaseId,
            // categoryName}}}`.
            let categories = categories
                .into_iter()
                .map(|(key, category)| {
                    let minimal = Category {
                        database_id: category.database_id,
                        category_name: category.category_name,
                        ..Category::default()
                    };
                    (key, minimal)
                })
                .collect();
            CategorizationHierarchy {
                tenant_id: Some(tenant_id.to_string()),
                categories,
                ..CategorizationHierarchy::default()
            }
        } else {
            CategorizationHierarchy {
                tenant_id: Some(tenant_id.to_string()),
                tenant_name: Some(tenant_name.to_string()),
                compliance_level: Some("NON_REGULATED".into()),
                categories,
                features: HashMap::from([("CUSTOMER_PROFILE".to_string(), customer_profile())]),
            }
        };
        let body = BaseResponseCategorizationHierarchy {
            code: Some(200),
            message: Some("Success".into()),
            data: Some(data),
        };
        let response = serde_json::to_vec(&body).expect("the hierarchy serializes");
        Catalog {
            response: Bytes::from(response),
            individual,
            business,
        }
    }

    /// Classifies a registration's category id (a `databaseId` or a
    /// category code).
    pub fn classify(&self, id: &str) -> CategoryMatch {
        if let Some(category) = self
            .individual
            .iter()
            .find(|c| c.database_id == id || c.category_id == id)
        {
            CategoryMatch::Individual {
                high_risk: category.high_risk,
            }
        } else if self.business.contains(&id) {
            CategoryMatch::Business
        } else {
            CategoryMatch::Unknown
        }
    }

    /// The `databaseId`s a registration may name.
    pub fn individual_ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.individual.iter().map(|c| c.database_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hierarchy_decodes_and_classifies() {
        let catalog = Catalog::new("t-1", "Sandbox", Profile::Lenient);
        let body: BaseResponseCategorizationHierarchy =
            serde_json::from_slice(&catalog.response).unwrap();
        let data = body.data.unwrap();
        assert_eq!(data.tenant_id.as_deref(), Some("t-1"));
        assert_eq!(
            data.categories["INDIVIDUAL_STANDARD"]
                .database_id
                .as_deref(),
            Some("fs-cat-b2c-low-001")
        );
        let low = CategoryMatch::Individual { high_risk: false };
        let high = CategoryMatch::Individual { high_risk: true };
        assert_eq!(catalog.classify("fs-cat-b2c-low-001"), low);
        assert_eq!(catalog.classify("INDIVIDUAL_STANDARD"), low);
        assert_eq!(catalog.classify("fs-cat-b2c-high-001"), high);
        assert_eq!(catalog.classify("HIGH_RISK_INDIVIDUAL"), high);
        assert_eq!(
            catalog.classify("fs-cat-b2b-small-001"),
            CategoryMatch::Business
        );
        assert_eq!(catalog.classify("nope"), CategoryMatch::Unknown);
        assert_eq!(
            catalog.individual_ids().collect::<Vec<_>>(),
            ["fs-cat-b2c-low-001", "fs-cat-b2c-high-001"]
        );
    }

    #[test]
    fn the_runner_answers_the_captured_minimal_form() {
        let catalog = Catalog::new("t-1", "Sandbox", Profile::Runner);
        let body: serde_json::Value = serde_json::from_slice(&catalog.response).unwrap();
        assert_eq!(
            body["data"]["categories"]["INDIVIDUAL_STANDARD"],
            serde_json::json!({"databaseId": "fs-cat-b2c-low-001", "categoryName": "Individual Standard"})
        );
        let keys: Vec<&String> = body["data"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["categories", "tenantId"]);
    }
}
