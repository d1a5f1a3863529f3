//! The clock port: the one source of "now" for every rule and stored timestamp.
//!
//! Services and adapters are given a [`Clock`] in the composition root and never read
//! the system time themselves, so the rules that depend on the date (a slot that has
//! started, attendance after the start, the consent age by birth year, expiry of keys
//! and tokens, webhook retries) can be tested by moving a [`TestClock`], and the demo
//! data can be laid out around whatever today is.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};

/// Where "now" comes from.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time at the precision every supported database keeps
    /// (microseconds), so what a write answers is exactly what a later read returns —
    /// and a partner re-sending the same payload compares equal to what was stored.
    fn now(&self) -> DateTime<Utc>;
}

/// How services hold their clock.
pub type SharedClock = Arc<dyn Clock>;

/// The operating system's clock: the one used in production.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl SystemClock {
    pub fn shared() -> SharedClock {
        Arc::new(Self)
    }
}

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// A clock for tests and demonstrations, set to any instant and moved by hand.
///
/// A *running* test clock ticks with the system clock from the instant it was set
/// to (so timeouts, retries and expiry still happen in real time); a *frozen* one
/// stands still until it is moved. Both move forward or backward with
/// [`TestClock::advance`] and [`TestClock::set`].
#[derive(Debug)]
pub struct TestClock {
    state: Mutex<TestTime>,
}

#[derive(Debug, Clone, Copy)]
enum TestTime {
    /// Ahead of (or behind) the system clock by this much.
    Running(TimeDelta),
    Frozen(DateTime<Utc>),
}

impl TestClock {
    /// A clock that reads `at` now and ticks on from there.
    pub fn running_from(at: DateTime<Utc>) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(TestTime::Running(at - Utc::now())),
        })
    }

    /// A clock that reads `at` until it is moved.
    pub fn frozen_at(at: DateTime<Utc>) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(TestTime::Frozen(at.trunc_subsecs(6))),
        })
    }

    /// Moves the clock by `by` (backwards when negative).
    pub fn advance(&self, by: TimeDelta) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        *state = match *state {
            TestTime::Running(offset) => TestTime::Running(offset + by),
            TestTime::Frozen(at) => TestTime::Frozen(at + by),
        };
    }

    /// Sets the clock to `at`; a running clock ticks on from there.
    pub fn set(&self, at: DateTime<Utc>) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        *state = match *state {
            TestTime::Running(_) => TestTime::Running(at - Utc::now()),
            TestTime::Frozen(_) => TestTime::Frozen(at.trunc_subsecs(6)),
        };
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        match *self.state.lock().unwrap_or_else(PoisonError::into_inner) {
            TestTime::Running(offset) => (Utc::now() + offset).trunc_subsecs(6),
            TestTime::Frozen(at) => at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn instant(year: i32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(year, 6, 1, 9, 0, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn a_frozen_clock_stands_still_until_moved() {
        let clock = TestClock::frozen_at(instant(2030));
        assert_eq!(clock.now(), instant(2030));
        clock.advance(TimeDelta::days(1));
        assert_eq!(clock.now(), instant(2030) + TimeDelta::days(1));
        clock.set(instant(2027));
        assert_eq!(clock.now(), instant(2027));
    }

    #[test]
    fn a_running_clock_ticks_from_where_it_was_set() {
        let clock = TestClock::running_from(instant(2030));
        let read = clock.now();
        assert!(read >= instant(2030) && read < instant(2030) + TimeDelta::minutes(1));
        clock.advance(TimeDelta::hours(-2));
        assert!(clock.now() < instant(2030));
    }

    #[test]
    fn every_clock_reads_whole_microseconds() {
        let system = SystemClock.now();
        assert_eq!(system, system.trunc_subsecs(6));
        let test = TestClock::running_from(instant(2027)).now();
        assert_eq!(test, test.trunc_subsecs(6));
    }
}
