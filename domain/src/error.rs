//! Errors the domain reports. The API maps each variant to one stable problem `code`;
//! adapters translate storage failures (unique and foreign-key violations) into the
//! matching variant, so no caller ever sees a driver error.

use std::fmt;

/// One invalid field, located by a JSON Pointer into the request document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub pointer: String,
    pub message: String,
}

/// All the invalid fields of one request; never empty when returned as an error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors(Vec<FieldError>);

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(pointer, message);
        errors
    }

    pub fn add(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            pointer: pointer.into(),
            message: message.into(),
        });
    }

    /// Keeps the value when it parsed, records the problem under `pointer` when not.
    pub fn check<T, E: fmt::Display>(&mut self, pointer: &str, parsed: Result<T, E>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(error) => {
                self.add(pointer, error.to_string());
                None
            }
        }
    }

    /// Like [`check`](Self::check) for an optional input: absent stays absent.
    pub fn check_opt<T, E: fmt::Display>(
        &mut self,
        pointer: &str,
        parsed: Option<Result<T, E>>,
    ) -> Option<Option<T>> {
        match parsed {
            None => Some(None),
            Some(parsed) => self.check(pointer, parsed).map(Some),
        }
    }

    /// Parses every element of a list, pointing at the bad ones by index.
    pub fn check_all<T, E: fmt::Display>(
        &mut self,
        pointer: &str,
        parsed: impl IntoIterator<Item = Result<T, E>>,
    ) -> Option<Vec<T>> {
        let mut values = Vec::new();
        let mut ok = true;
        for (index, item) in parsed.into_iter().enumerate() {
            match item {
                Ok(value) => values.push(value),
                Err(error) => {
                    ok = false;
                    self.add(format!("{pointer}/{index}"), error.to_string());
                }
            }
        }
        ok.then_some(values)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }

    /// `Ok(())` when nothing was recorded.
    pub fn into_result(self) -> Result<(), DomainError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(self))
        }
    }
}

/// Why a write conflicts with the current state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    /// A value that must be unique in the tenant is already taken.
    Duplicate,
    /// The resource is still referenced and cannot be removed.
    ResourceInUse,
    /// The resource's state does not allow this (e.g. deleting a published offering).
    InvalidState,
    /// Not enough seats left on the slot.
    SlotFull,
    /// The slot cannot be booked: cancelled, past, or its offering is not published.
    SlotUnavailable,
    /// A sync would remove a slot that still has open bookings.
    SlotHasBookings,
}

/// A domain rule the request breaks, reported with its own stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The coach's screening is missing or does not cover the slot, and the tenant's
    /// policy requires one.
    CoachScreeningInvalid,
    /// The booking's group does not fit the offering's target group.
    OutsideTargetGroup,
    /// Consecutive steps of a route plan are not joined by an edge of its map.
    RouteNotInMap,
    /// A pupil named on a booking has no `participation` consent.
    ConsentMissing,
    /// The consent may not be recorded so: the pupil is too young to decide alone, or
    /// too young for the purpose.
    ConsentNotAllowed,
    /// A credential is asked for a booking that does not name the pupil, or at which
    /// the pupil was not recorded present.
    NotAttended,
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("{} field(s) are invalid", .0.len())]
    Validation(ValidationErrors),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// A pupil's token asks for what a pupil does alone only from the city's consent
    /// age (a guardian or the school does it for a younger pupil).
    #[error("below the consent age: {0}")]
    BelowConsentAge(String),
    #[error("conflict: {message}")]
    Conflict { kind: ConflictKind, message: String },
    #[error("{message}")]
    RuleBroken {
        rule: Rule,
        pointer: String,
        message: String,
    },
    /// What the request rests on changed since it was prepared (a placement's slots
    /// since the proposal): each item points at a part that changed.
    #[error("{} part(s) changed meanwhile", .0.len())]
    Outdated(ValidationErrors),
    #[error("version mismatch: the resource is at version {current}")]
    VersionMismatch { current: i64 },
    #[error("dependency unavailable: {0}")]
    Unavailable(String),
    /// The store failed: the driver's error, with the chain of its sources, for the
    /// log (never for a response). `unavailable` when the store could not be reached.
    #[error("the store failed: {source}")]
    Store {
        unavailable: bool,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    pub fn conflict(kind: ConflictKind, message: impl Into<String>) -> Self {
        Self::Conflict {
            kind,
            message: message.into(),
        }
    }

    pub fn rule(rule: Rule, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self::RuleBroken {
            rule,
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    pub fn invalid(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(ValidationErrors::single(pointer, message))
    }

    /// The same error with its JSON Pointers moved under `prefix` (a part of a larger
    /// document, such as one item of a batch).
    pub fn within(self, prefix: &str) -> Self {
        match self {
            Self::Validation(errors) => Self::Validation(ValidationErrors(
                errors
                    .0
                    .into_iter()
                    .map(|e| FieldError {
                        pointer: format!("{prefix}{}", e.pointer),
                        message: e.message,
                    })
                    .collect(),
            )),
            Self::RuleBroken {
                rule,
                pointer,
                message,
            } => Self::RuleBroken {
                rule,
                pointer: format!("{prefix}{pointer}"),
                message,
            },
            other => other,
        }
    }
}

pub type DomainResult<T> = Result<T, DomainError>;
