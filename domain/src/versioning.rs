//! Optimistic concurrency: every mutable resource carries a `version` that starts at 1
//! and grows by one on each change; `If-Match` names the version a client last saw.

use crate::error::{DomainError, DomainResult};

/// Refuses the write when the client's `If-Match` names another version.
pub fn check_if_match(current: i64, if_match: Option<i64>) -> DomainResult<()> {
    match if_match {
        Some(expected) if expected != current => Err(DomainError::VersionMismatch { current }),
        _ => Ok(()),
    }
}

/// The outcome of a conditional write: `value` when it was `written`, else the
/// version mismatch of a resource that moved on to `current` meanwhile.
pub fn written<T>(written: bool, value: T, current: i64) -> DomainResult<T> {
    if written {
        Ok(value)
    } else {
        Err(DomainError::VersionMismatch { current })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_if_match_is_refused_and_absent_one_passes() {
        assert!(check_if_match(3, None).is_ok());
        assert!(check_if_match(3, Some(3)).is_ok());
        assert!(matches!(
            check_if_match(3, Some(2)),
            Err(DomainError::VersionMismatch { current: 3 })
        ));
    }
}
