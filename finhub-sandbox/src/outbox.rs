//! The outbox: the e-mails FinHub would send, kept instead of sent, and
//! [`ActivationCodes`], whether activation insists on the code they carry.
//!
//! FinHub's registration sends the new customer an activation e-mail with
//! a code (§2.2 side effects, §2.14 "the activation code arrived by
//! e-mail"); the sandbox records that e-mail as an [`OutboxMessage`],
//! readable in process ([`Sandbox::outbox`](crate::Sandbox::outbox)) and
//! over the control API (`GET /__sandbox/outbox?to=EMAIL`). With
//! [`ActivationCodes::Emailed`] activation accepts only that code, so a
//! journey has to read it from the outbox as a user reads the e-mail.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use finhub_api::{LenientTimestamp, Sensitive};
use rand::RngExt;
use serde::Serialize;

use crate::choice::{self, UnknownChoice};

/// Which activation codes the activation accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ActivationCodes {
    /// Any non-empty `code`: the step runner sends a made-up
    /// `ACTIVATION_CODE_<timestamp>`, which suggests the real sandbox does
    /// not check it (`docs/finhub-api.md` §6). The default.
    #[default]
    AnyNonEmpty,
    /// Only the code of the activation e-mail in the outbox; another one
    /// is a 400 naming `code`.
    Emailed,
}

const CODE_NAMES: &[&str] = &["any-non-empty", "emailed"];

impl ActivationCodes {
    /// Both modes.
    pub const ALL: [ActivationCodes; 2] = [ActivationCodes::AnyNonEmpty, ActivationCodes::Emailed];

    /// Its name for `FINHUB_SANDBOX_ACTIVATION_CODES` and
    /// `finhub sandbox --activation-codes`: `any-non-empty`, `emailed`.
    pub fn name(self) -> &'static str {
        CODE_NAMES[self as usize]
    }
}

impl fmt::Display for ActivationCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ActivationCodes {
    type Err = UnknownChoice;

    /// `any-non-empty` or `emailed` (any letter case).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        choice::parse("activation codes", text, CODE_NAMES, &ActivationCodes::ALL)
    }
}

/// What an e-mail is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MessageKind {
    /// The activation e-mail registration sends, with the activation code.
    Activation,
}

/// One e-mail FinHub would have sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxMessage {
    /// The recipient: the customer's e-mail as registered.
    pub to: String,
    /// What it is for.
    pub kind: MessageKind,
    /// The activation code it carries (redacted in `Debug`; the control
    /// API shows it, behind the control token).
    pub code: Sensitive,
    /// The customer it is about.
    pub customer_id: String,
    /// When it was sent, on the sandbox clock.
    #[serde(serialize_with = "lenient_timestamp")]
    pub sent_at: DateTime<Utc>,
}

fn lenient_timestamp<S: serde::Serializer>(
    at: &DateTime<Utc>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    LenientTimestamp::from(*at).serialize(serializer)
}

/// A fresh activation code: `ACTIVATION_CODE_` and 14 random digits, the
/// shape of the step runner's example (`ACTIVATION_CODE_20260331114954`)
/// but not the time, so a code made up the runner's way is not it.
pub(crate) fn activation_code() -> Sensitive {
    let mut rng = rand::rng();
    let digits: String = (0..14)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect();
    Sensitive::from(format!("ACTIVATION_CODE_{digits}"))
}

/// The e-mails sent so far, oldest first, with an index by recipient so
/// that reading one customer's e-mails does not scan everyone's.
#[derive(Default)]
pub(crate) struct Outbox {
    messages: Mutex<Messages>,
}

#[derive(Default)]
struct Messages {
    /// Every message, oldest first.
    all: Vec<OutboxMessage>,
    /// Positions in `all` per recipient (ASCII-lowercased), oldest first.
    by_recipient: HashMap<String, Vec<usize>>,
}

impl Outbox {
    fn lock(&self) -> MutexGuard<'_, Messages> {
        // Every update is one push to each list (the index after the
        // message): a poisoned outbox is still consistent.
        self.messages.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records `message` as sent.
    pub fn send(&self, message: OutboxMessage) {
        let key = message.to.to_ascii_lowercase();
        let mut messages = self.lock();
        let position = messages.all.len();
        messages.all.push(message);
        messages.by_recipient.entry(key).or_default().push(position);
    }

    /// Every message, or those to `to` (compared without letter case),
    /// oldest first.
    pub fn list(&self, to: Option<&str>) -> Vec<OutboxMessage> {
        let messages = self.lock();
        match to {
            None => messages.all.clone(),
            Some(to) => messages
                .by_recipient
                .get(&to.trim().to_ascii_lowercase())
                .map(|positions| positions.iter().map(|&i| messages.all[i].clone()).collect())
                .unwrap_or_default(),
        }
    }
}

impl fmt::Debug for Outbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbox")
            .field("messages", &self.lock().all.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_look_like_the_runners_and_differ() {
        let code = activation_code();
        let digits = code.expose().strip_prefix("ACTIVATION_CODE_").unwrap();
        assert_eq!(digits.len(), 14);
        assert!(digits.bytes().all(|b| b.is_ascii_digit()));
        assert_ne!(activation_code(), activation_code());
    }

    #[test]
    fn lists_by_recipient_and_redacts_the_code_in_debug() {
        let outbox = Outbox::default();
        let at = DateTime::from_timestamp(1_768_298_622, 0).unwrap();
        for (to, customer) in [("Ann@Example.test", "c-1"), ("bob@example.test", "c-2")] {
            outbox.send(OutboxMessage {
                to: to.into(),
                kind: MessageKind::Activation,
                code: Sensitive::from("ACTIVATION_CODE_1"),
                customer_id: customer.into(),
                sent_at: at,
            });
        }
        assert_eq!(outbox.list(None).len(), 2);
        let ann = outbox.list(Some(" ann@example.test"));
        assert_eq!(ann.len(), 1);
        assert_eq!(ann[0].customer_id, "c-1");
        assert!(outbox.list(Some("carol@example.test")).is_empty());
        assert!(!format!("{ann:?}").contains("ACTIVATION_CODE_1"));
        let json = serde_json::to_value(&ann[0]).unwrap();
        assert_eq!(json["kind"], "ACTIVATION");
        assert_eq!(json["code"], "ACTIVATION_CODE_1");
        assert_eq!(json["sentAt"], "2026-01-13T10:03:42Z");
        assert_eq!(json["customerId"], "c-1");
        // A second e-mail to the same recipient, in another letter case:
        // both, oldest first; the full list keeps the order of sending.
        outbox.send(OutboxMessage {
            to: "ANN@example.TEST".into(),
            kind: MessageKind::Activation,
            code: Sensitive::from("ACTIVATION_CODE_2"),
            customer_id: "c-3".into(),
            sent_at: at,
        });
        let ids =
            |list: Vec<OutboxMessage>| list.into_iter().map(|m| m.customer_id).collect::<Vec<_>>();
        assert_eq!(ids(outbox.list(Some("ann@example.test"))), ["c-1", "c-3"]);
        assert_eq!(ids(outbox.list(None)), ["c-1", "c-2", "c-3"]);
        assert_eq!("EMAILED".parse(), Ok(ActivationCodes::Emailed));
        assert!("any".parse::<ActivationCodes>().is_err());
    }
}
