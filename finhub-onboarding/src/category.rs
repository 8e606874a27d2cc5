//! Choosing the customer's category: the lowest-risk individual (B2C)
//! category of the tenant's hierarchy (facts §2.1: the B2C hierarchy also
//! lists B2B categories, I-32; risk levels LOW, MEDIUM, HIGH and
//! verification depths BASIC, STANDARD, ENHANCED).

use finhub_ext::api::types::{CategorizationHierarchy, Category};
use serde::{Deserialize, Serialize};

/// The category the journey registers the customer in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChosenCategory {
    /// Its key in the hierarchy (`INDIVIDUAL_STANDARD`).
    pub key: String,
    /// Its `databaseId`, sent as `customerCategory.id`.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// The words of a category (key, ids, name, description), upper case.
fn words(key: &str, category: &Category) -> Vec<String> {
    [
        Some(key),
        category.category_id.as_deref(),
        category.database_id.as_deref(),
        category.category_name.as_deref(),
        category.description.as_deref(),
    ]
    .into_iter()
    .flatten()
    .flat_map(|text| text.split(|c: char| !c.is_ascii_alphanumeric()))
    .filter(|w| !w.is_empty())
    .map(str::to_ascii_uppercase)
    .collect()
}

/// How risky the category reads (0 lowest), or `None` when it is not an
/// individual category.
fn risk(key: &str, category: &Category) -> Option<u8> {
    let words = words(key, category);
    let has = |w: &str| words.iter().any(|x| x == w);
    let business = ["B2B", "BUSINESS", "ENTERPRISE", "CORPORATE", "ORGANIZATION"];
    if business.iter().any(|w| has(w)) {
        return None;
    }
    if !["INDIVIDUAL", "B2C", "CONSUMER", "PERSON", "PERSONAL"]
        .iter()
        .any(|w| has(w))
    {
        return None;
    }
    let ranked = [
        ("HIGH", 9),
        ("PEP", 9),
        ("MEDIUM", 6),
        ("PREMIUM", 5),
        ("ENHANCED", 5),
        ("LOW", 0),
        ("BASIC", 1),
        ("SIMPLIFIED", 1),
        ("STANDARD", 2),
        ("VERIFIED", 3),
    ];
    Some(
        ranked
            .iter()
            .find(|(word, _)| has(word))
            .map_or(4, |(_, rank)| *rank),
    )
}

/// The lowest-risk individual category that has a `databaseId`, ties
/// broken by key; `Err` lists the categories found.
pub(crate) fn choose(hierarchy: &CategorizationHierarchy) -> Result<ChosenCategory, String> {
    let mut candidates: Vec<(u8, &String, &Category, &String)> = hierarchy
        .categories
        .iter()
        .filter_map(|(key, category)| {
            let id = category
                .database_id
                .as_ref()
                .filter(|id| !id.trim().is_empty())?;
            Some((risk(key, category)?, key, category, id))
        })
        .collect();
    candidates.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    match candidates.first() {
        Some((_, key, category, id)) => Ok(ChosenCategory {
            key: (*key).clone(),
            id: (*id).clone(),
            name: category
                .category_name
                .clone()
                .unwrap_or_else(|| (*key).clone()),
        }),
        None => {
            let mut keys: Vec<&str> = hierarchy.categories.keys().map(String::as_str).collect();
            keys.sort_unstable();
            Err(if keys.is_empty() {
                "none".to_string()
            } else {
                keys.join(", ")
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hierarchy(categories: &[(&str, &str, Option<&str>)]) -> CategorizationHierarchy {
        CategorizationHierarchy {
            categories: categories
                .iter()
                .map(|(key, id, description)| {
                    (
                        key.to_string(),
                        Category {
                            database_id: Some(id.to_string()),
                            description: description.map(str::to_string),
                            ..Category::default()
                        },
                    )
                })
                .collect(),
            ..CategorizationHierarchy::default()
        }
    }

    #[test]
    fn the_lowest_risk_individual_category_of_each_documented_hierarchy() {
        // [RUN]: an individual and a business category.
        let run = hierarchy(&[
            ("B2B_SMALL_BUSINESS", "fs-cat-b2b-small-001", None),
            ("INDIVIDUAL_STANDARD", "fs-cat-b2c-low-001", None),
        ]);
        assert_eq!(choose(&run).unwrap().key, "INDIVIDUAL_STANDARD");
        // [FLOW]: high risk before standard in the map, low risk present.
        let flow = hierarchy(&[
            (
                "HIGH_RISK_INDIVIDUAL",
                "uuid-1",
                Some("PEP, high-risk country"),
            ),
            ("STANDARD_INDIVIDUAL", "uuid-2", None),
            ("LOW_RISK_INDIVIDUAL", "uuid-3", None),
        ]);
        assert_eq!(choose(&flow).unwrap().id, "uuid-3");
        // [REF]: basic before verified and premium; ENTERPRISE is not B2C.
        let reference = hierarchy(&[
            ("ENTERPRISE", "cat-4", None),
            ("INDIVIDUAL_PREMIUM", "cat-3", None),
            ("INDIVIDUAL_VERIFIED", "cat-2", None),
            ("INDIVIDUAL_BASIC", "cat-cloudvault-ind-001", None),
        ]);
        let chosen = choose(&reference).unwrap();
        assert_eq!(chosen.key, "INDIVIDUAL_BASIC");
        assert_eq!(
            chosen.name, "INDIVIDUAL_BASIC",
            "the key when there is no name"
        );
        // The sandbox's lenient hierarchy: the description says low risk.
        let sandbox = hierarchy(&[
            (
                "HIGH_RISK_INDIVIDUAL",
                "fs-cat-b2c-high-001",
                Some("PEP; approved at POWER_TENANT level"),
            ),
            (
                "INDIVIDUAL_STANDARD",
                "fs-cat-b2c-low-001",
                Some("Standard individual customer (low risk)"),
            ),
        ]);
        assert_eq!(choose(&sandbox).unwrap().id, "fs-cat-b2c-low-001");
    }

    #[test]
    fn no_individual_category_lists_what_there_is() {
        let business = hierarchy(&[("B2B_SMALL_BUSINESS", "x", None), ("ENTERPRISE", "y", None)]);
        assert_eq!(
            choose(&business).unwrap_err(),
            "B2B_SMALL_BUSINESS, ENTERPRISE"
        );
        assert_eq!(choose(&hierarchy(&[])).unwrap_err(), "none");
    }
}
