//! The one source of "now" for stored timestamps.

use chrono::{DateTime, SubsecRound, Utc};

/// The current time at the precision every supported database keeps (microseconds),
/// so what a write answers is exactly what a later read returns — and a partner
/// re-sending the same payload compares equal to what was stored.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
