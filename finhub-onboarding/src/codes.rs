//! The serde form of FinHub's vocabularies that the journey keeps in its
//! state (gender, document and MIME types, consent kinds): their wire codes
//! (`MALE`, `PASSPORT`, `application/pdf`, `terms`), read back exactly.

macro_rules! wire_code {
    ($module:ident, $type:ty, $what:literal) => {
        #[doc = concat!("`", stringify!($type), "` as its wire code.")]
        pub(crate) mod $module {
            use serde::{Deserialize, Deserializer, Serializer};

            pub(crate) fn serialize<S: Serializer>(
                value: &$type,
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(value.as_str())
            }

            pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<$type, D::Error> {
                let code = String::deserialize(deserializer)?;
                <$type>::from_code(&code).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        concat!("`{}` is not a ", $what, " code"),
                        code
                    ))
                })
            }
        }
    };
}

wire_code!(gender, finhub_ext::builders::Gender, "gender");

/// An optional `Gender` as its wire code (absent or `null`: none).
pub(crate) mod optional_gender {
    use finhub_ext::builders::Gender;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<Gender>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(gender) => super::gender::serialize(gender, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Gender>, D::Error> {
        #[derive(Deserialize)]
        struct Code(#[serde(with = "super::gender")] Gender);
        Ok(Option::<Code>::deserialize(deserializer)?.map(|Code(gender)| gender))
    }
}
wire_code!(
    document_type,
    finhub_ext::builders::DocumentType,
    "document type"
);
wire_code!(
    document_mime,
    finhub_ext::builders::DocumentMime,
    "MIME type"
);
wire_code!(
    consent_kind,
    finhub_ext::builders::ConsentKind,
    "consent kind"
);

#[cfg(test)]
mod tests {
    use finhub_ext::builders::{ConsentKind, DocumentMime, DocumentType, Gender};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct All {
        #[serde(with = "super::gender")]
        gender: Gender,
        #[serde(with = "super::document_type")]
        document: DocumentType,
        #[serde(with = "super::document_mime")]
        mime: DocumentMime,
        #[serde(with = "super::consent_kind")]
        consent: ConsentKind,
    }

    #[test]
    fn codes_round_trip_and_unknown_codes_are_named() {
        let all = All {
            gender: Gender::Female,
            document: DocumentType::ProofOfAddress,
            mime: DocumentMime::Pdf,
            consent: ConsentKind::DataProcessing,
        };
        let json = serde_json::to_value(&all).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"gender": "FEMALE", "document": "PROOF_OF_ADDRESS",
                "mime": "application/pdf", "consent": "data-processing"})
        );
        assert_eq!(serde_json::from_value::<All>(json).unwrap(), all);
        let err = serde_json::from_value::<All>(serde_json::json!({"gender": "female",
            "document": "PASSPORT", "mime": "application/pdf", "consent": "terms"}))
        .unwrap_err();
        assert!(
            err.to_string().contains("`female` is not a gender code"),
            "{err}"
        );
    }
}
