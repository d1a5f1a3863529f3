//! Talent notes and recruitment interests (DESIGN.md §4 "talent notes"): the host of a
//! completed booking writes what it saw in a pupil named on it, addressed by the
//! booking's reference for the pupil; the note becomes a portfolio entry with the
//! pupil's `share_with_business` consent, and a wish to be in touch reaches the pupil's
//! school only for a pupil certainly 16 or older with `recruitment_contact` consent.

use super::*;
use crate::bookings::BookingStatus;
use crate::ids::TalentNoteId;
use crate::students::{
    InterestScope, MAX_NOTE_COMPETENCES, NewTalentNote, RECRUITMENT_CONTACT_AGE,
    RecruitmentInterest, TalentNote,
};
use crate::values::EntryBody;
use crate::vocabularies::{Competence, PortfolioEntryKind};

/// A talent note as its host sees it: the pupil by the booking's reference only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostNote {
    pub note: TalentNote,
    pub pupil: String,
}

/// What the host of a booking reads and writes about its pupils (shared entries,
/// talent notes) is for a business key (or the platform). Every other role is refused
/// before anything is looked up.
fn require_host(actor: &Actor) -> DomainResult<()> {
    match actor.role {
        Role::Business | Role::PlatformAdmin => Ok(()),
        _ => Err(DomainError::forbidden(
            "this is for the host business of the visit; the school reads its pupils' portfolios",
        )),
    }
}

impl StudentService {
    /// The booking as its host sees it; any other booking does not exist for it.
    pub(super) async fn hosted(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: BookingId,
    ) -> DomainResult<Booking> {
        require_host(actor)?;
        let scope = booking_scope(actor)?;
        self.bookings
            .get(tenant, id)
            .await?
            .filter(|b| scope.allows(b))
            .ok_or(DomainError::NotFound("booking"))
    }

    /// The host writes what it saw in a pupil named on a completed booking.
    pub async fn write_talent_note(
        &self,
        actor: &Actor,
        tenant: TenantId,
        booking: BookingId,
        new: NewTalentNote,
    ) -> DomainResult<HostNote> {
        let booking = self.hosted(actor, tenant, booking).await?;
        if booking.status != BookingStatus::Completed {
            return Err(DomainError::conflict(
                ConflictKind::InvalidState,
                "talent notes follow the visit: the attendance is recorded first",
            ));
        }
        let competences = dedup_keep_order(new.competences);
        if competences.len() > MAX_NOTE_COMPETENCES {
            return Err(DomainError::invalid(
                "/competences",
                format!("at most {MAX_NOTE_COMPETENCES} competences"),
            ));
        }
        let named = booking
            .pupil_by_reference(&new.pupil)
            .and_then(|id| booking.students.iter().find(|p| p.student_id == id))
            .copied()
            .ok_or_else(|| {
                DomainError::invalid("/pupil", "no pupil of this booking has this reference")
            })?;
        if named.present == Some(false) {
            return Err(DomainError::invalid(
                "/pupil",
                "the school recorded this pupil absent from the visit",
            ));
        }
        let student = self
            .students
            .get(tenant, named.student_id)
            .await?
            .ok_or_else(|| {
                DomainError::invalid("/pupil", "no pupil of this booking has this reference")
            })?;
        let ids = [student.id];
        if self
            .consents
            .granted(tenant, &ids, ConsentPurpose::ShareWithBusiness)
            .await?
            .is_empty()
        {
            return Err(DomainError::rule(
                crate::error::Rule::ConsentMissing,
                "/pupil",
                "the pupil's portfolio is not shared with the host (`share_with_business`)",
            ));
        }
        let now = self.clock.now();
        let interest_passed_on = new.contact_interest
            && student.certain_age(now) >= RECRUITMENT_CONTACT_AGE
            && !self
                .consents
                .granted(tenant, &ids, ConsentPurpose::RecruitmentContact)
                .await?
                .is_empty();
        let body =
            EntryBody::parse(new.note.as_str()).map_err(|e| DomainError::invalid("/note", e))?;
        let entry = PortfolioEntry {
            id: PortfolioEntryId::new(),
            tenant_id: tenant,
            student_id: student.id,
            school_id: student.school_id,
            competence: competences
                .first()
                .copied()
                .unwrap_or(Competence::Qualities),
            kind: PortfolioEntryKind::Talent,
            title: new.talents.clone(),
            body,
            sectors: Vec::new(),
            occupations: Vec::new(),
            evidence_url: None,
            booking_id: Some(booking.id),
            shared_with_business: false,
            author_role: EntryAuthor::Coach,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let note = TalentNote {
            id: TalentNoteId::new(),
            tenant_id: tenant,
            booking_id: booking.id,
            business_id: booking.business_id,
            student_id: student.id,
            school_id: student.school_id,
            entry_id: entry.id,
            competences,
            talents: new.talents,
            note: new.note,
            interest_passed_on,
            created_at: now,
        };
        let event = self.event(actor, tenant, AuditAction::TalentNoteWrite, &student);
        self.talent_notes.insert(&note, &entry, &[event]).await?;
        Ok(HostNote {
            pupil: new.pupil,
            note,
        })
    }

    /// The host's notes on one of its bookings, oldest first.
    pub async fn talent_notes(
        &self,
        actor: &Actor,
        tenant: TenantId,
        booking: BookingId,
    ) -> DomainResult<Vec<HostNote>> {
        let booking = self.hosted(actor, tenant, booking).await?;
        let notes = self.talent_notes.on_booking(tenant, booking.id).await?;
        let ids: Vec<StudentId> = dedup_keep_order(notes.iter().map(|n| n.student_id).collect());
        let students = self.students.get_many(tenant, &ids).await?;
        self.audited_read(
            actor,
            tenant,
            AuditAction::TalentNotesRead,
            &students.iter().collect::<Vec<_>>(),
        )
        .await?;
        Ok(notes
            .into_iter()
            .map(|note| HostNote {
                pupil: booking.pupil_reference(note.student_id),
                note,
            })
            .collect())
    }

    /// The host withdraws one of its notes: the portfolio entry and any interest go
    /// with it.
    pub async fn withdraw_talent_note(
        &self,
        actor: &Actor,
        tenant: TenantId,
        booking: BookingId,
        id: TalentNoteId,
    ) -> DomainResult<()> {
        let (_, note, student) = self.own_note(actor, tenant, booking, id).await?;
        let event = self.event(actor, tenant, AuditAction::TalentNoteWithdraw, &student);
        if self.talent_notes.delete(&note, &event).await? {
            Ok(())
        } else {
            Err(DomainError::NotFound("talent note"))
        }
    }

    /// One of the host's notes on one of its bookings; the read is audited.
    pub async fn talent_note(
        &self,
        actor: &Actor,
        tenant: TenantId,
        booking: BookingId,
        id: TalentNoteId,
    ) -> DomainResult<HostNote> {
        let (booking, note, student) = self.own_note(actor, tenant, booking, id).await?;
        self.audited_read(actor, tenant, AuditAction::TalentNotesRead, &[&student])
            .await?;
        Ok(HostNote {
            pupil: booking.pupil_reference(note.student_id),
            note,
        })
    }

    /// The host's booking, its note `id` and the pupil it is about; any other note does
    /// not exist for the caller.
    async fn own_note(
        &self,
        actor: &Actor,
        tenant: TenantId,
        booking: BookingId,
        id: TalentNoteId,
    ) -> DomainResult<(Booking, TalentNote, Student)> {
        let booking = self.hosted(actor, tenant, booking).await?;
        let note = self
            .talent_notes
            .on_booking(tenant, booking.id)
            .await?
            .into_iter()
            .find(|n| n.id == id)
            .ok_or(DomainError::NotFound("talent note"))?;
        let student = self
            .students
            .get(tenant, note.student_id)
            .await?
            .ok_or(DomainError::NotFound("talent note"))?;
        Ok((booking, note, student))
    }

    /// The recruitment interests in one pupil, for the pupil's school, the pupil and
    /// guardians: only while the pupil consents to `recruitment_contact`, and only
    /// those the school may open (made at this school, or carried along with the
    /// portfolio).
    pub async fn student_interests(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
    ) -> DomainResult<Vec<RecruitmentInterest>> {
        let student = self.visible(actor, tenant, id).await?;
        let mut interests = self
            .talent_notes
            .interests(tenant, InterestScope::Student(id))
            .await?;
        let consenting = !self
            .consents
            .granted(tenant, &[id], ConsentPurpose::RecruitmentContact)
            .await?
            .is_empty();
        interests.retain(|i| consenting && student.entry_is_open(i.note.created_at));
        self.audited_read(actor, tenant, AuditAction::InterestsRead, &[&student])
            .await?;
        Ok(interests)
    }

    /// The recruitment interests in a school's pupils, newest first: of pupils who are
    /// at the school now and consent to `recruitment_contact`.
    pub async fn school_interests(
        &self,
        actor: &Actor,
        tenant: TenantId,
        school: SchoolId,
    ) -> DomainResult<Vec<RecruitmentInterest>> {
        require_student_role(actor)?;
        match actor.school() {
            Some(own) if own != school => {
                return Err(DomainError::forbidden(
                    "a school key reads its own pupils' interests only",
                ));
            }
            Some(_) => {}
            None => {
                self.schools
                    .get(tenant, school)
                    .await?
                    .ok_or(DomainError::NotFound("school"))?;
            }
        }
        let mut interests = self
            .talent_notes
            .interests(tenant, InterestScope::School(school))
            .await?;
        let ids: Vec<StudentId> =
            dedup_keep_order(interests.iter().map(|i| i.note.student_id).collect());
        let consenting: HashSet<StudentId> = self
            .consents
            .granted(tenant, &ids, ConsentPurpose::RecruitmentContact)
            .await?
            .into_iter()
            .collect();
        let students: HashMap<StudentId, Student> = self
            .students
            .get_many(tenant, &ids)
            .await?
            .into_iter()
            .filter(|s| s.school_id == school && consenting.contains(&s.id))
            .map(|s| (s.id, s))
            .collect();
        interests.retain(|i| {
            students
                .get(&i.note.student_id)
                .is_some_and(|s| s.entry_is_open(i.note.created_at))
        });
        let shown: Vec<&Student> =
            dedup_keep_order(interests.iter().map(|i| i.note.student_id).collect())
                .iter()
                .filter_map(|id| students.get(id))
                .collect();
        self.audited_read(actor, tenant, AuditAction::InterestsRead, &shown)
            .await?;
        Ok(interests)
    }
}
