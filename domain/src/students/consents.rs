use chrono::{DateTime, Utc};

use super::Student;
use crate::auth::Role;
use crate::ids::{ApiKeyId, ConsentId, StudentId, TenantId};
use crate::vocabularies::ConsentPurpose;

vocabulary! {
    /// What was decided for a purpose.
    pub enum ConsentStatus = "consent_statuses" {
        Granted => "granted", "Granted", "Gegeven";
        Refused => "refused", "Refused", "Geweigerd";
        Withdrawn => "withdrawn", "Withdrawn", "Ingetrokken";
    }
}

vocabulary! {
    /// Who decided.
    pub enum ConsentGiver = "consent_givers" {
        Guardian => "guardian", "Parent or guardian", "Ouder of voogd";
        Student => "student", "The pupil", "De leerling";
    }
}

vocabulary! {
    /// How a decision about a pupil (a consent, an agreement to the route plan)
    /// reached Driehoek: its evidence.
    pub enum DecisionChannel = "decision_channels" {
        Key => "key", "By the school, with its key", "Door de school, met haar sleutel";
        Token => "token", "With the pupil's or guardian's own token", "Met het eigen token van leerling of ouder";
        Invitation => "invitation", "By a parent, on the page of an invitation", "Door een ouder, op de pagina van een uitnodiging";
    }
}

/// The youngest age at which an employer may be allowed to contact a pupil.
pub const RECRUITMENT_CONTACT_AGE: i32 = 16;

/// One line of a pupil's consent ledger. Lines are never changed or removed (until the
/// pupil is erased); the current state of a purpose is its latest line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub id: ConsentId,
    pub tenant_id: TenantId,
    pub student_id: StudentId,
    pub purpose: ConsentPurpose,
    pub status: ConsentStatus,
    pub given_by: ConsentGiver,
    pub recorded_at: DateTime<Utc>,
    /// The key, token or invitation it was recorded with.
    pub recorded_by_key_id: Option<ApiKeyId>,
    pub recorded_by_role: Role,
    pub recorded_via: DecisionChannel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewConsent {
    pub purpose: ConsentPurpose,
    pub status: ConsentStatus,
    /// Who decided, as the request says: a school names it; a pupil's or guardian's
    /// token is who decided, and may only repeat it.
    pub given_by: Option<ConsentGiver>,
}

/// Why a consent line may not be recorded, if it may not: a pupil decides alone only at
/// or above the tenant's consent age, and recruitment contact is never allowed below 16.
pub fn consent_refusal(
    student: &Student,
    new: &NewConsent,
    given_by: ConsentGiver,
    consent_age: u8,
    at: DateTime<Utc>,
) -> Option<(&'static str, String)> {
    let age = student.certain_age(at);
    if given_by == ConsentGiver::Student && age < i32::from(consent_age) {
        return Some((
            "/given_by",
            format!(
                "a pupil decides alone from {consent_age} in this city; this pupil (born {}) \
                 is certainly only {age}: a guardian must decide",
                student.birth_year
            ),
        ));
    }
    if new.purpose == ConsentPurpose::RecruitmentContact
        && new.status == ConsentStatus::Granted
        && age < RECRUITMENT_CONTACT_AGE
    {
        return Some((
            "/purpose",
            format!(
                "recruitment contact may only be granted from {RECRUITMENT_CONTACT_AGE}; \
                 this pupil (born {}) is certainly only {age}",
                student.birth_year
            ),
        ));
    }
    None
}

/// The current state of each purpose: the latest line of the ledger (given oldest
/// first), or nothing when none was recorded.
pub fn current_consents(ledger: &[Consent]) -> Vec<(ConsentPurpose, Option<&Consent>)> {
    use crate::vocabularies::Vocabulary;
    ConsentPurpose::ALL
        .iter()
        .map(|purpose| {
            (
                *purpose,
                ledger.iter().rev().find(|c| c.purpose == *purpose),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::ids::SchoolId;
    use crate::students::StudentStatus;
    use crate::values::{ExternalRef, Name};
    use crate::vocabularies::EducationLevel;

    fn pupil(birth_year: i32) -> Student {
        let now = crate::testing::now();
        Student {
            id: StudentId::new(),
            tenant_id: TenantId::new(),
            school_id: SchoolId::new(),
            external_ref: ExternalRef::parse("1").unwrap(),
            display_name: Name::parse("Sara").unwrap(),
            birth_year,
            grade: None,
            education_level: EducationLevel::NlHavo,
            status: StudentStatus::Active,
            portfolio_open_from: None,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    fn consent(
        purpose: ConsentPurpose,
        status: ConsentStatus,
        given_by: ConsentGiver,
    ) -> NewConsent {
        NewConsent {
            purpose,
            status,
            given_by: Some(given_by),
        }
    }

    fn refusal(student: &Student, new: &NewConsent, age: u8, at: DateTime<Utc>) -> bool {
        let giver = new.given_by.unwrap();
        consent_refusal(student, new, giver, age, at).is_some()
    }

    #[test]
    fn a_pupil_decides_alone_only_when_certainly_old_enough() {
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let alone = consent(
            ConsentPurpose::Media,
            ConsentStatus::Granted,
            ConsentGiver::Student,
        );
        // Born 2010: 15 or 16 in 2026 — not certainly 16.
        assert!(refusal(&pupil(2010), &alone, 16, at));
        assert!(!refusal(&pupil(2009), &alone, 16, at));
        // Flanders: 13.
        assert!(!refusal(&pupil(2012), &alone, 13, at));
        assert!(refusal(&pupil(2013), &alone, 13, at));
        let guardian = consent(
            ConsentPurpose::Media,
            ConsentStatus::Granted,
            ConsentGiver::Guardian,
        );
        assert!(!refusal(&pupil(2016), &guardian, 16, at));
    }

    #[test]
    fn recruitment_contact_is_never_granted_below_sixteen() {
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let grant = consent(
            ConsentPurpose::RecruitmentContact,
            ConsentStatus::Granted,
            ConsentGiver::Guardian,
        );
        assert!(refusal(&pupil(2011), &grant, 13, at));
        assert!(!refusal(&pupil(2009), &grant, 13, at));
        let refuse = NewConsent {
            status: ConsentStatus::Refused,
            ..grant
        };
        assert!(!refusal(&pupil(2011), &refuse, 13, at));
    }
}
