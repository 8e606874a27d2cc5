//! Path parameters (ids placed in the URL path), checked before a request is
//! built: an empty id, `.` or `..` would make the URL resolve to another
//! endpoint (`/verifications/../approve`), which would then receive the
//! bearer token.

use super::Violations;
use super::codes::{PATH_DOT_SEGMENT, PATH_EMPTY};

/// Checks path parameters given as `(name, value)`, `name` as in the path
/// template (`verificationId`). Each violation is reported at
/// `path.<name>` with rule `path.empty` or `path.dot_segment`.
pub fn validate_path_parameters(parameters: &[(&str, &str)]) -> Result<(), Violations> {
    let mut out = Violations::new();
    for (name, value) in parameters {
        if value.is_empty() {
            out.push(
                format!("path.{name}"),
                PATH_EMPTY,
                "must not be empty: the URL would lose a segment",
            );
        } else if is_dot_segment(value) {
            out.push(
                format!("path.{name}"),
                PATH_DOT_SEGMENT,
                "must not be `.` or `..`: the URL would resolve to another endpoint",
            );
        }
    }
    out.into_result()
}

/// `.` or `..`, also percent-encoded (`%2e`), which URL parsers treat alike.
fn is_dot_segment(segment: &str) -> bool {
    let lowered = segment.to_ascii_lowercase().replace("%2e", ".");
    lowered == "." || lowered == ".."
}

/// Whether `path` (a request's URL path below the base URL's own path)
/// matches `template` (`/api/v2.1/verifications/{verificationId}`) segment
/// for segment: literal segments equal, parameter segments neither empty
/// nor dot segments.
pub(crate) fn matches_template(template: &str, path: &str) -> bool {
    let mut expected = template.split('/');
    let mut actual = path.split('/');
    loop {
        match (expected.next(), actual.next()) {
            (None, None) => return true,
            (Some(want), Some(got)) => {
                let parameter = want.starts_with('{') && want.ends_with('}');
                let fine = if parameter {
                    !got.is_empty() && !is_dot_segment(got)
                } else {
                    want == got
                };
                if !fine {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_dot_parameters_are_refused_by_name() {
        let err = validate_path_parameters(&[
            ("verificationId", ""),
            ("customerId", "."),
            ("userId", ".."),
            ("sessionId", "%2E%2e"),
            ("ownerTenantId", "t-1"),
        ])
        .unwrap_err();
        assert_eq!(err.len(), 4);
        assert!(err.contains("path.verificationId", PATH_EMPTY));
        assert!(err.contains("path.customerId", PATH_DOT_SEGMENT));
        assert!(err.contains("path.userId", PATH_DOT_SEGMENT));
        assert!(err.contains("path.sessionId", PATH_DOT_SEGMENT));
        assert!(validate_path_parameters(&[("customerId", "..a"), ("userId", "a.b")]).is_ok());
    }

    #[test]
    fn paths_match_their_template_segment_for_segment() {
        let template = "/api/v2.1/verifications/{verificationId}/approve";
        assert!(matches_template(
            template,
            "/api/v2.1/verifications/v-1/approve"
        ));
        for path in [
            "/api/v2.1/approve",
            "/api/v2.1/verifications/approve",
            "/api/v2.1/verifications//approve",
            "/api/v2.1/verifications/v-1/approve/",
            "/api/v2.1/verifications/v-1/documents",
            "/api/v2.1/verifications/%2e%2e/approve",
        ] {
            assert!(!matches_template(template, path), "{path}");
        }
    }
}
