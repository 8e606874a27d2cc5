//! How often a waiting journey asks again: [`Backoff`] (grows, capped) for
//! the KYC review and the IBAN, together in [`Polling`].

use std::time::Duration;

/// Exponential back-off: `initial`, doubling with every poll, never more
/// than `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Wait after the first poll.
    pub initial: Duration,
    /// The cap.
    pub max: Duration,
}

impl Backoff {
    /// `initial`, doubling up to `max`.
    pub const fn new(initial: Duration, max: Duration) -> Backoff {
        Backoff { initial, max }
    }

    /// The wait after poll number `polls` (1 for the first).
    pub fn after(&self, polls: u32) -> Duration {
        let doublings = polls.saturating_sub(1).min(32);
        self.initial
            .saturating_mul(2u32.saturating_pow(doublings))
            .min(self.max)
    }
}

/// How often the journey polls while it waits for FinHub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Polling {
    /// While FinHub's KYC review is pending (facts §2.7: the power tenant's
    /// approval "may take 1–3 business days"). Default 1 minute, doubling
    /// up to 1 hour.
    pub review: Backoff,
    /// While the activated wallet has no IBAN yet (facts §2.15). Default
    /// 1 second, doubling up to 5 minutes.
    pub iban: Backoff,
}

impl Default for Polling {
    fn default() -> Self {
        Polling {
            review: Backoff::new(Duration::from_secs(60), Duration::from_secs(3600)),
            iban: Backoff::new(Duration::from_secs(1), Duration::from_secs(300)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_and_is_capped() {
        let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(10));
        let waits: Vec<u64> = (1..=6).map(|n| backoff.after(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 10, 10]);
        assert_eq!(backoff.after(0), Duration::from_secs(1));
        assert_eq!(backoff.after(u32::MAX), Duration::from_secs(10));
    }
}
