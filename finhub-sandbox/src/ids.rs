//! Identifiers in the shapes the real server uses: UUIDs for customers,
//! sessions, verifications and wallets, and short base-36 ids such as
//! `6r1k1hw6npq` for users and persons (a client that assumes every id is a
//! UUID fails against the sandbox as it would against FinHub).

use rand::RngExt;

const BASE36: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// A random UUID v4 in its hyphenated form.
pub(crate) fn uuid() -> String {
    let mut buffer = uuid::Uuid::encode_buffer();
    uuid::Uuid::new_v4()
        .hyphenated()
        .encode_lower(&mut buffer)
        .to_string()
}

/// An id the client proposes (a verification's `verificationId`, a
/// document's `docId`), in canonical form (lower-case, hyphenated), if it
/// is a UUID as FinHub's pages describe such ids (§2.9). Anything else
/// (which could also break the paths it later appears in) is `None`.
pub(crate) fn proposed(id: &str) -> Option<String> {
    let parsed = uuid::Uuid::parse_str(id.trim()).ok()?;
    let mut buffer = uuid::Uuid::encode_buffer();
    Some(parsed.hyphenated().encode_lower(&mut buffer).to_string())
}

/// A random lower-case base-36 id of `len` characters, starting with a
/// digit like the real server's (`6r1k1hw6npq`), so it never looks like a
/// UUID or a word.
pub(crate) fn short_id(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|i| {
            let alphabet: &[u8] = if i == 0 { &BASE36[1..10] } else { BASE36 };
            alphabet[rng.random_range(0..alphabet.len())] as char
        })
        .collect()
}

/// A user id: 11 base-36 characters (`6r1k1hw6npq`).
pub(crate) fn user_id() -> String {
    short_id(11)
}

/// A person id: 10 base-36 characters (`the2r6zaa6`-like).
pub(crate) fn person_id() -> String {
    short_id(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_short_base36_and_not_uuids() {
        for _ in 0..100 {
            let id = user_id();
            assert_eq!(id.len(), 11);
            assert!(id.bytes().all(|b| BASE36.contains(&b)), "{id}");
            assert!(uuid::Uuid::parse_str(&id).is_err());
        }
        assert_ne!(user_id(), user_id());
        assert_eq!(uuid().len(), 36);
    }

    #[test]
    fn proposed_ids_are_uuids_in_canonical_form() {
        assert_eq!(
            proposed(" 3F9C2B1A-6D4E-4A8B-B7C5-0E1F2A3B4C5D ").as_deref(),
            Some("3f9c2b1a-6d4e-4a8b-b7c5-0e1f2a3b4c5d")
        );
        for bad in ["", "..", "../admin", "not-a-uuid", "3f9c2b1a"] {
            assert_eq!(proposed(bad), None, "{bad}");
        }
    }
}
