//! A coach's eye (DESIGN.md §4 "talent notes"): what the host of a completed visit saw
//! in a pupil, kept as an entry of the pupil's portfolio, and the host's wish to be in
//! touch later — a recruitment interest, passed on to the pupil's school (and the
//! pupil and guardians) only for a pupil of 16 or older who consents to it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::PortfolioEntry;
use crate::audit::AuditEvent;
use crate::error::DomainResult;
use crate::ids::{
    BookingId, BusinessId, PortfolioEntryId, SchoolId, StudentId, TalentNoteId, TenantId,
};
use crate::values::{Description, Email, Name, WebUrl};
use crate::vocabularies::Competence;

/// The most competences one note names.
pub const MAX_NOTE_COMPETENCES: usize = 5;

/// An observation by the host of a completed booking about one pupil named on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TalentNote {
    pub id: TalentNoteId,
    pub tenant_id: TenantId,
    pub booking_id: BookingId,
    pub business_id: BusinessId,
    pub student_id: StudentId,
    /// The pupil's school when the note was written.
    pub school_id: SchoolId,
    /// The portfolio entry the note made (`kind: talent`, `author_role: coach`).
    pub entry_id: PortfolioEntryId,
    pub competences: Vec<Competence>,
    /// The strengths seen, in a few words: the entry's title.
    pub talents: Name,
    pub note: Description,
    /// The host asked to be in touch with the pupil later and the wish reached the
    /// pupil's school (16 or older, with consent). A wish that could not be passed on
    /// is not kept.
    pub interest_passed_on: bool,
    pub created_at: DateTime<Utc>,
}

/// What the host writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTalentNote {
    /// The booking's reference for the pupil, as the host sees it.
    pub pupil: String,
    pub competences: Vec<Competence>,
    pub talents: Name,
    pub note: Description,
    /// Ask to be in touch with the pupil later (a recruitment interest).
    pub contact_interest: bool,
}

/// A talent note's recruitment interest as the pupil's school, the pupil and the
/// guardians read it: the note, and who to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecruitmentInterest {
    pub note: TalentNote,
    pub business_name: Name,
    pub contact_email: Option<Email>,
    pub website: Option<WebUrl>,
}

/// Whose interests to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterestScope {
    Student(StudentId),
    School(SchoolId),
}

/// The most interests one list answers, newest first.
pub const MAX_INTERESTS: u64 = 500;

#[async_trait]
pub trait TalentNoteRepository: Send + Sync {
    /// Stores the note with the portfolio entry it makes (and the entry's change) and
    /// the audit events, in one transaction.
    async fn insert(
        &self,
        note: &TalentNote,
        entry: &PortfolioEntry,
        audit: &[AuditEvent],
    ) -> DomainResult<()>;
    /// The notes on a booking, oldest first.
    async fn on_booking(
        &self,
        tenant: TenantId,
        booking: BookingId,
    ) -> DomainResult<Vec<TalentNote>>;
    /// Removes the note and its portfolio entry (with the entry's change) and stores
    /// the audit event, in one transaction. `false` when it was gone already.
    async fn delete(&self, note: &TalentNote, audit: &AuditEvent) -> DomainResult<bool>;
    /// The notes whose interest was passed on, newest first, at most [`MAX_INTERESTS`],
    /// with their host's name and contact.
    async fn interests(
        &self,
        tenant: TenantId,
        scope: InterestScope,
    ) -> DomainResult<Vec<RecruitmentInterest>>;
    /// Every note about the pupil, oldest first (the pupil's export).
    async fn of_student(
        &self,
        tenant: TenantId,
        student: StudentId,
    ) -> DomainResult<Vec<TalentNote>>;
}
