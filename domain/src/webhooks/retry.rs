//! When a failed delivery is tried again: exponential backoff from a first delay,
//! capped, until the delivery is about three days old.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt; each later wait doubles it.
    pub first_delay: Duration,
    /// The longest wait between two attempts.
    pub max_delay: Duration,
    /// No attempt is made later than this after the delivery was created.
    pub give_up_after: Duration,
}

impl Default for RetryPolicy {
    /// 5 s, 10 s, 20 s, … doubling up to 12 h between attempts, for 72 hours: about 19
    /// attempts in all.
    fn default() -> Self {
        Self {
            first_delay: Duration::from_secs(5),
            max_delay: Duration::from_secs(12 * 3600),
            give_up_after: Duration::from_secs(72 * 3600),
        }
    }
}

impl RetryPolicy {
    /// The same schedule with another first delay (tests run it in milliseconds).
    pub fn with_first_delay(first_delay: Duration) -> Self {
        Self {
            first_delay,
            ..Self::default()
        }
    }

    /// When to try again after `attempts` failed attempts, the last at `now`; `jitter`
    /// in 0..1 spreads retries of many deliveries (up to a fifth of the wait either
    /// way). `None` once the next attempt would come after the delivery's last chance.
    pub fn next_attempt(
        &self,
        attempts: u32,
        created_at: DateTime<Utc>,
        now: DateTime<Utc>,
        jitter: f64,
    ) -> Option<DateTime<Utc>> {
        let doublings = attempts.saturating_sub(1).min(30);
        let wait = self
            .first_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay)
            .mul_f64(0.8 + 0.4 * jitter.clamp(0.0, 1.0));
        let next = now + TimeDelta::from_std(wait).ok()?;
        let deadline = created_at + TimeDelta::from_std(self.give_up_after).ok()?;
        (next <= deadline).then_some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_and_stop_after_three_days() {
        let policy = RetryPolicy::default();
        let start = DateTime::<Utc>::UNIX_EPOCH;
        let mut now = start;
        let mut waits = Vec::new();
        let mut attempts = 0;
        while let Some(next) = policy.next_attempt(attempts + 1, start, now, 0.5) {
            waits.push((next - now).num_seconds());
            now = next;
            attempts += 1;
        }
        assert_eq!(&waits[..4], &[5, 10, 20, 40]);
        assert!(waits.iter().all(|w| *w <= 12 * 3600));
        assert!(waits.windows(2).all(|w| w[0] <= w[1]));
        let total = (now - start).num_hours();
        assert!((60..=72).contains(&total), "retried for {total} h");
        assert!((15..=25).contains(&waits.len()), "{} attempts", waits.len());
    }

    #[test]
    fn jitter_stays_within_a_fifth() {
        let policy = RetryPolicy::default();
        let t = DateTime::<Utc>::UNIX_EPOCH;
        let wait = |j| {
            policy
                .next_attempt(3, t, t, j)
                .map(|n| (n - t).num_milliseconds())
        };
        assert_eq!(wait(0.0), Some(16_000));
        assert_eq!(wait(1.0), Some(24_000));
    }
}
