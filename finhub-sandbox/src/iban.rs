//! IBANs with valid ISO 13616 check digits (mod-97), so clients that verify
//! an IBAN accept the sandbox's. Activated customers get Lithuanian IBANs,
//! as in FinHub's examples: `LTkk bbbb bccc cccc cccc` (5-digit bank code,
//! 11-digit account number).

/// Bank code of every sandbox IBAN (the one in FinHub's examples).
pub(crate) const SANDBOX_BANK_CODE: &str = "10000";

/// The remainder mod 97 of an IBAN's numeric form (letters A–Z as 10–35).
/// `None` for a character that is neither a digit nor an ASCII letter.
fn mod97(chars: impl Iterator<Item = char>) -> Option<u32> {
    let mut remainder = 0u32;
    for c in chars {
        let value = c.to_ascii_uppercase().to_digit(36)?;
        remainder = if value < 10 {
            (remainder * 10 + value) % 97
        } else {
            (remainder * 100 + value) % 97
        };
    }
    Some(remainder)
}

/// The two check digits for `country` (two letters) and `bban`.
/// `None` if either holds anything but ASCII letters and digits.
pub(crate) fn check_digits(country: &str, bban: &str) -> Option<u8> {
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let rearranged = bban.chars().chain(country.chars()).chain("00".chars());
    let remainder = mod97(rearranged)?;
    Some((98 - remainder) as u8)
}

/// Builds the IBAN `country + check digits + bban`.
pub(crate) fn build(country: &str, bban: &str) -> Option<String> {
    let check = check_digits(country, bban)?;
    Some(format!("{}{check:02}{bban}", country.to_ascii_uppercase()))
}

/// A Lithuanian IBAN for account number `account` (taken mod 10^11) at the
/// sandbox bank.
pub(crate) fn lithuanian(account: u64) -> String {
    let bban = format!("{SANDBOX_BANK_CODE}{:011}", account % 100_000_000_000);
    build("LT", &bban).expect("digits only")
}

/// Whether `iban` (spaces allowed) has valid ISO 13616 check digits.
pub fn is_valid(iban: &str) -> bool {
    let compact: String = iban.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() < 5 || compact.len() > 34 || !compact.is_ascii() {
        return false;
    }
    let (head, bban) = compact.split_at(4);
    if !head[..2].chars().all(|c| c.is_ascii_alphabetic())
        || !head[2..].chars().all(|c| c.is_ascii_digit())
    {
        return false;
    }
    mod97(bban.chars().chain(head.chars())) == Some(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ibans_validate() {
        // Published examples (ECBS/SWIFT registry).
        for iban in [
            "LT12 1000 0111 0100 1000",
            "GB82 WEST 1234 5698 7654 32",
            "DE89 3704 0044 0532 0130 00",
        ] {
            assert!(is_valid(iban), "{iban}");
        }
        assert!(!is_valid("LT13 1000 0111 0100 1000"));
        assert!(!is_valid("GB82 WEST 1234 5698 7654 33"));
        assert!(!is_valid("LT"));
        assert!(!is_valid("1212 1000 0111 0100 1000"));
    }

    #[test]
    fn check_digits_match_published_examples() {
        assert_eq!(check_digits("LT", "1000011101001000"), Some(12));
        assert_eq!(check_digits("GB", "WEST12345698765432"), Some(82));
        assert_eq!(check_digits("DE", "370400440532013000"), Some(89));
        assert_eq!(check_digits("L1", "1000"), None);
        assert_eq!(check_digits("LT", "10-00"), None);
    }

    #[test]
    fn generated_lithuanian_ibans_are_valid() {
        for account in [0, 1, 12_345_600_037, 99_999_999_999, u64::MAX] {
            let iban = lithuanian(account);
            assert_eq!(iban.len(), 20, "{iban}");
            assert!(iban.starts_with("LT"));
            assert_eq!(&iban[4..9], SANDBOX_BANK_CODE);
            assert!(is_valid(&iban), "{iban}");
        }
        assert_eq!(lithuanian(12_345_600_037).len(), 20);
    }
}
