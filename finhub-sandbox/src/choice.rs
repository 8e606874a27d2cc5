//! [`UnknownChoice`]: a setting named by a word (a profile, an
//! activation-code mode, a review mode) that is not one of its choices, as
//! read from an environment variable or a command-line flag.

use std::fmt;

/// A word that names none of a setting's choices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownChoice {
    /// The setting (`profile`, `activation codes`, `review mode`).
    pub setting: &'static str,
    /// What was given (at most 100 characters of it).
    pub given: String,
    /// The words that are accepted.
    pub choices: &'static [&'static str],
}

impl UnknownChoice {
    pub(crate) fn new(
        setting: &'static str,
        given: &str,
        choices: &'static [&'static str],
    ) -> Self {
        UnknownChoice {
            setting,
            given: given.chars().take(100).collect(),
            choices,
        }
    }
}

impl fmt::Display for UnknownChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown {} `{}` (expected one of: {})",
            self.setting,
            self.given,
            self.choices.join(", ")
        )
    }
}

impl std::error::Error for UnknownChoice {}

/// The choice of `choices` (pairs of word and value) that `text` names,
/// ignoring surrounding spaces and letter case.
pub(crate) fn parse<T: Copy>(
    setting: &'static str,
    text: &str,
    words: &'static [&'static str],
    values: &[T],
) -> Result<T, UnknownChoice> {
    let wanted = text.trim();
    words
        .iter()
        .zip(values)
        .find(|(word, _)| word.eq_ignore_ascii_case(wanted))
        .map(|(_, value)| *value)
        .ok_or_else(|| UnknownChoice::new(setting, wanted, words))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_setting_and_the_choices() {
        const WORDS: &[&str] = &["one", "two"];
        assert_eq!(parse("number", " TWO ", WORDS, &[1, 2]), Ok(2));
        let error = parse("number", "three", WORDS, &[1, 2]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown number `three` (expected one of: one, two)"
        );
        let long = "x".repeat(500);
        assert_eq!(
            parse("number", &long, WORDS, &[1, 2])
                .unwrap_err()
                .given
                .len(),
            100
        );
    }
}
