//! Feedback after a work visit: from the school, from the host business (would it host
//! again?) and from pupils, recorded by their school. Pupils' feedback carries no name:
//! the host learns what pupils thought, never who thought it.

use chrono::{DateTime, Utc};

use crate::auth::{Actor, Role};
use crate::error::{DomainError, DomainResult};
use crate::ids::{BookingId, FeedbackId, TenantId};
use crate::values::Description;
use crate::vocabularies::Competence;

vocabulary! {
    /// Whose feedback it is.
    pub enum FeedbackAuthor = "feedback_authors" {
        School => "school", "The school", "De school";
        Business => "business", "The host business", "Het gastbedrijf";
        Student => "student", "A pupil (recorded by the school)", "Een leerling (vastgelegd door de school)";
    }
}

/// A rating from 1 (poor) to 5 (excellent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rating(u8);

impl Rating {
    pub fn new(value: u8) -> Result<Self, String> {
        if (1..=5).contains(&value) {
            Ok(Self(value))
        } else {
            Err("must be between 1 and 5".to_owned())
        }
    }

    pub fn value(self) -> u8 {
        self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub id: FeedbackId,
    pub tenant_id: TenantId,
    pub booking_id: BookingId,
    pub author: FeedbackAuthor,
    pub rating: Rating,
    pub comment: Option<Description>,
    pub competences_practised: Vec<Competence>,
    /// The host's answer; only on the business's feedback.
    pub would_host_again: Option<bool>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeedback {
    pub author: FeedbackAuthor,
    pub rating: Rating,
    pub comment: Option<Description>,
    pub competences_practised: Vec<Competence>,
    pub would_host_again: Option<bool>,
}

impl NewFeedback {
    /// Who may give which feedback: a school key for its school and its pupils, a
    /// business key for itself, the city for anyone. `would_host_again` is the host's.
    pub fn check_author(&self, actor: &Actor) -> DomainResult<()> {
        let allowed = match actor.role {
            Role::PlatformAdmin | Role::CityAdmin => true,
            Role::School => matches!(
                self.author,
                FeedbackAuthor::School | FeedbackAuthor::Student
            ),
            Role::Business => self.author == FeedbackAuthor::Business,
            Role::Integrator | Role::Pupil | Role::Guardian => false,
        };
        if !allowed {
            return Err(DomainError::forbidden(
                "a school gives its own and its pupils' feedback, a business its own",
            ));
        }
        if self.would_host_again.is_some() && self.author != FeedbackAuthor::Business {
            return Err(DomainError::invalid(
                "/would_host_again",
                "only the host business answers this",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Binding;
    use crate::ids::{ApiKeyId, BusinessId, SchoolId};

    fn actor(role: Role, binding: Binding) -> Actor {
        Actor {
            key_id: Some(ApiKeyId::new()),
            role,
            tenant_id: Some(TenantId::new()),
            binding,
            request_id: None,
        }
    }

    fn feedback(author: FeedbackAuthor, again: Option<bool>) -> NewFeedback {
        NewFeedback {
            author,
            rating: Rating::new(4).unwrap(),
            comment: None,
            competences_practised: vec![],
            would_host_again: again,
        }
    }

    #[test]
    fn each_role_speaks_for_itself_only() {
        use FeedbackAuthor::*;
        let school = actor(Role::School, Binding::School(SchoolId::new()));
        let business = actor(Role::Business, Binding::Business(BusinessId::new()));
        assert!(feedback(School, None).check_author(&school).is_ok());
        assert!(feedback(Student, None).check_author(&school).is_ok());
        assert!(feedback(Business, None).check_author(&school).is_err());
        assert!(
            feedback(Business, Some(true))
                .check_author(&business)
                .is_ok()
        );
        assert!(feedback(School, None).check_author(&business).is_err());
        assert!(feedback(Student, Some(true)).check_author(&school).is_err());
        assert!(Rating::new(0).is_err() && Rating::new(6).is_err());
    }
}
