use std::sync::Arc;

use super::policy::WhenFull;
use super::{
    AttendanceReport, Booking, BookingFilter, BookingRepository, BookingScope, BookingStatus,
    CycleStep, Feedback, FeedbackAuthor, FeedbackRepository, NewBooking, NewFeedback,
};
use crate::audit::{AuditAction, AuditEvent};
use crate::auth::{Actor, Role};
use crate::clock::SharedClock;
use crate::error::{ConflictKind, DomainError, DomainResult, Rule};
use crate::ids::{BookingId, FeedbackId, TenantId};
use crate::ids::{PortfolioEntryId, StudentId};
use crate::paging::{Page, PageRequest};
use crate::schools::SchoolRepository;
use crate::students::{EntryAuthor, PortfolioEntry, StudentRecords};
use crate::values::{Description, EntryBody};
use crate::versioning::{check_if_match, written};
use crate::vocabularies::{Competence, PortfolioEntryKind};
use crate::work_visits::WorkVisitRepository;

#[derive(Clone)]
pub struct BookingService {
    repo: Arc<dyn BookingRepository>,
    feedback: Arc<dyn FeedbackRepository>,
    work_visits: Arc<dyn WorkVisitRepository>,
    schools: Arc<dyn SchoolRepository>,
    pupils: StudentRecords,
    clock: SharedClock,
}

/// The text an experience entry starts with, ready for the pupil's reflection.
const REFLECTION_PROMPT: &str = "What did you do, what went well, what surprised you, \
and would you like to do this work later?";

/// Which bookings a caller may see: a school its own, a business those on its
/// visits, the city all; integrators none.
pub fn booking_scope(actor: &Actor) -> DomainResult<BookingScope> {
    match actor.role {
        Role::PlatformAdmin | Role::CityAdmin => Ok(BookingScope::All),
        Role::School => actor
            .school()
            .map(BookingScope::School)
            .ok_or_else(|| DomainError::forbidden("the key has no school")),
        Role::Business => actor
            .business()
            .map(BookingScope::Business)
            .ok_or_else(|| DomainError::forbidden("the key has no business")),
        Role::Integrator | Role::Pupil | Role::Guardian => Err(DomainError::forbidden(
            "integrators, pupils and guardians read the catalogue, not bookings",
        )),
    }
}

/// Schools book for themselves; the city (and platform) for a school. No one else.
pub fn require_booker(actor: &Actor) -> DomainResult<()> {
    match actor.role {
        Role::School | Role::CityAdmin | Role::PlatformAdmin => Ok(()),
        Role::Business | Role::Integrator | Role::Pupil | Role::Guardian => Err(
            DomainError::forbidden("only schools (or the city for them) book work visits"),
        ),
    }
}

impl BookingService {
    pub fn new(
        repo: Arc<dyn BookingRepository>,
        feedback: Arc<dyn FeedbackRepository>,
        work_visits: Arc<dyn WorkVisitRepository>,
        schools: Arc<dyn SchoolRepository>,
        pupils: StudentRecords,
        clock: SharedClock,
    ) -> Self {
        Self {
            repo,
            feedback,
            work_visits,
            schools,
            pupils,
            clock,
        }
    }

    /// Checks the pupils a booking names: pupils of the booking school, active, at most
    /// one per seat, each with `participation` consent (else 422 `consent_missing`
    /// naming every pupil without it). Returns the audit events of naming them.
    async fn check_named_students(
        &self,
        actor: &Actor,
        tenant: TenantId,
        school: crate::ids::SchoolId,
        seats: u32,
        ids: &[StudentId],
    ) -> DomainResult<Vec<AuditEvent>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        if actor.role != Role::School && !actor.is_platform_admin() {
            return Err(DomainError::forbidden(
                "only the pupils' own school names them on a booking",
            ));
        }
        if u32::try_from(ids.len()).unwrap_or(u32::MAX) > seats {
            return Err(DomainError::invalid(
                "/student_ids",
                format!("{} pupils named on {seats} seats", ids.len()),
            ));
        }
        let found = self
            .pupils
            .active_at(tenant, school, ids, |i| format!("/student_ids/{i}"))
            .await?;
        // The pointer names the list: the detail names every pupil without consent.
        self.pupils
            .require_participation(tenant, ids, |_| "/student_ids".to_owned())
            .await?;
        let now = self.clock.now();
        Ok(found
            .iter()
            .map(|s| {
                AuditEvent::new(
                    actor,
                    tenant,
                    AuditAction::BookingNameStudents,
                    (s.id, s.school_id),
                    now,
                )
            })
            .collect())
    }

    /// Books seats on a slot for a school's group.
    pub async fn book(
        &self,
        actor: &Actor,
        tenant: TenantId,
        new: NewBooking,
    ) -> DomainResult<Booking> {
        require_booker(actor)?;
        let school_id = match (actor.role, actor.school(), new.school_id) {
            (Role::School, Some(own), None) => own,
            (Role::School, Some(own), Some(named)) if named == own => own,
            (Role::School, _, _) => {
                return Err(DomainError::forbidden(
                    "a school key books for its own school",
                ));
            }
            (Role::PlatformAdmin | Role::CityAdmin, _, Some(named)) => named,
            (Role::PlatformAdmin | Role::CityAdmin, _, None) => {
                return Err(DomainError::invalid(
                    "/school_id",
                    "name the school the booking is for",
                ));
            }
            _ => {
                return Err(DomainError::forbidden(
                    "only schools (or the city for them) book work visits",
                ));
            }
        };
        let school =
            self.schools.get(tenant, school_id).await?.ok_or_else(|| {
                DomainError::invalid("/school_id", "no such school in this tenant")
            })?;
        let slot = self
            .work_visits
            .find_slot(tenant, new.slot_id)
            .await?
            .ok_or_else(|| DomainError::invalid("/slot_id", "no such slot in this tenant"))?;
        let visit = self
            .work_visits
            .get(tenant, slot.work_visit_id)
            .await?
            .ok_or_else(|| DomainError::invalid("/slot_id", "no such slot in this tenant"))?;
        let now = self.clock.now();
        slot.bookable(&visit, now)
            .map_err(|why| DomainError::conflict(ConflictKind::SlotUnavailable, why))?;
        if !visit.group_size.holds(new.seats) || new.seats > slot.capacity {
            return Err(DomainError::rule(
                Rule::OutsideTargetGroup,
                "/seats",
                format!(
                    "this offering takes groups of {} to {} (and at most {} on this slot)",
                    visit.group_size.min(),
                    visit.group_size.max(),
                    slot.capacity
                ),
            ));
        }
        let levels_fit = visit.education_levels.is_empty()
            || school.education_levels.is_empty()
            || school
                .education_levels
                .iter()
                .any(|l| visit.education_levels.contains(l));
        if !levels_fit {
            return Err(DomainError::rule(
                Rule::OutsideTargetGroup,
                "/slot_id",
                "the offering is meant for education levels the school does not teach",
            ));
        }
        let waitlist = new.waitlist;
        let new = NewBooking {
            student_ids: crate::values::dedup_keep_order(new.student_ids),
            ..new
        };
        let audit = self
            .check_named_students(actor, tenant, school_id, new.seats, &new.student_ids)
            .await?;
        let booking = Booking::new(tenant, &visit, school_id, new, now);
        self.repo
            .book(&booking, WhenFull::from_request(waitlist), &audit)
            .await
    }

    pub async fn list(
        &self,
        actor: &Actor,
        tenant: TenantId,
        mut filter: BookingFilter,
        page: PageRequest,
    ) -> DomainResult<Page<Booking>> {
        filter.scope = booking_scope(actor)?;
        let rows = self.repo.list(tenant, &filter, &page).await?;
        Ok(Page::from_fetched(rows, &page, |b| b.id.as_uuid()))
    }

    /// A booking the caller may see; others' bookings do not exist for them.
    pub async fn get(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: BookingId,
    ) -> DomainResult<Booking> {
        let scope = booking_scope(actor)?;
        self.repo
            .get(tenant, id)
            .await?
            .filter(|b| scope.allows(b))
            .ok_or(DomainError::NotFound("booking"))
    }

    /// The booking school, the host business or the city cancels; the seats go back
    /// and the oldest wait-listed bookings that fit are confirmed.
    pub async fn cancel(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: BookingId,
        reason: Option<Description>,
        if_match: Option<i64>,
    ) -> DomainResult<Booking> {
        let booking = self.get(actor, tenant, id).await?;
        check_if_match(booking.version, if_match)?;
        if !matches!(
            booking.status,
            BookingStatus::Confirmed | BookingStatus::Waitlisted
        ) {
            return Err(DomainError::conflict(
                ConflictKind::InvalidState,
                "only a confirmed or wait-listed booking is cancelled",
            ));
        }
        self.repo
            .cancel(&booking, reason, self.clock.now())
            .await?
            .ok_or(DomainError::VersionMismatch {
                current: booking.version + 1,
            })
    }

    /// Marks a step of the visit cycle (by the booking school or the city): the class
    /// prepared a confirmed (or completed) booking, or debriefed a completed one. Once
    /// marked, a step keeps its first time: marking again answers the booking as it is.
    pub async fn mark_step(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: BookingId,
        step: CycleStep,
        if_match: Option<i64>,
    ) -> DomainResult<Booking> {
        require_booker(actor)?;
        let mut booking = self.get(actor, tenant, id).await?;
        check_if_match(booking.version, if_match)?;
        let allowed: &[BookingStatus] = match step {
            CycleStep::Prepared => &[BookingStatus::Confirmed, BookingStatus::Completed],
            CycleStep::Debriefed => &[BookingStatus::Completed],
        };
        if !allowed.contains(&booking.status) {
            return Err(DomainError::conflict(
                ConflictKind::InvalidState,
                match step {
                    CycleStep::Prepared => "only a confirmed or completed booking is prepared",
                    CycleStep::Debriefed => {
                        "the debrief follows the visit: record the attendance first"
                    }
                },
            ));
        }
        let now = self.clock.now();
        let at = match step {
            CycleStep::Prepared => &mut booking.prepared_at,
            CycleStep::Debriefed => &mut booking.debriefed_at,
        };
        if at.is_some() {
            return Ok(booking);
        }
        *at = Some(now);
        let expected = booking.version;
        booking.version += 1;
        booking.updated_at = now;
        written(
            self.repo.mark(&booking, expected, step).await?,
            booking,
            expected + 1,
        )
    }

    /// Records who came (by the booking school, the host or the city) once the visit
    /// has started, and completes the booking. Recording again corrects the counts.
    /// Named pupils' presence (`pupils`) is for the booking school (or the platform):
    /// each pupil present gets an `experience` entry in the portfolio, linked to the
    /// booking and ready for reflection — once, however often attendance is recorded.
    pub async fn record_attendance(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: BookingId,
        report: AttendanceReport,
        if_match: Option<i64>,
    ) -> DomainResult<Booking> {
        let AttendanceReport {
            present,
            absent,
            pupils,
        } = report;
        let mut booking = self.get(actor, tenant, id).await?;
        check_if_match(booking.version, if_match)?;
        if !matches!(
            booking.status,
            BookingStatus::Confirmed | BookingStatus::Completed
        ) {
            return Err(DomainError::conflict(
                ConflictKind::InvalidState,
                "attendance is recorded for confirmed bookings only",
            ));
        }
        let slot = self
            .work_visits
            .find_slot(tenant, booking.slot_id)
            .await?
            .ok_or(DomainError::NotFound("slot"))?;
        let now = self.clock.now();
        if slot.schedule.starts_at() > now {
            return Err(DomainError::conflict(
                ConflictKind::InvalidState,
                "the visit has not started yet",
            ));
        }
        if present.saturating_add(absent) > booking.seats {
            return Err(DomainError::invalid(
                "/present",
                format!(
                    "present and absent add up to more than the {} seats booked",
                    booking.seats
                ),
            ));
        }
        let (entries, audit) = self
            .mark_students(actor, tenant, &mut booking, present, absent, &pupils)
            .await?;
        let expected = booking.version;
        booking.attendance = Some(super::Attendance {
            present,
            absent,
            recorded_at: now,
        });
        booking.status = BookingStatus::Completed;
        booking.version += 1;
        booking.updated_at = now;
        written(
            self.repo
                .record_attendance(&booking, expected, &entries, &audit)
                .await?,
            booking,
            expected + 1,
        )
    }

    /// Applies named pupils' presence to the booking; returns the experience entries
    /// it makes (for pupils present without one for this booking yet) and the audit
    /// events.
    async fn mark_students(
        &self,
        actor: &Actor,
        tenant: TenantId,
        booking: &mut Booking,
        present: u32,
        absent: u32,
        pupils: &[(StudentId, bool)],
    ) -> DomainResult<(Vec<PortfolioEntry>, Vec<AuditEvent>)> {
        if pupils.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        if actor.role != Role::School && !actor.is_platform_admin() {
            return Err(DomainError::forbidden(
                "only the pupils' own school records their attendance by name",
            ));
        }
        let mut errors = crate::ValidationErrors::new();
        for (index, (id, _)) in pupils.iter().enumerate() {
            let named = booking.students.iter().any(|p| p.student_id == *id);
            let repeated = pupils[..index].iter().any(|(other, _)| other == id);
            if !named || repeated {
                errors.add(
                    format!("/students/{index}/student_id"),
                    if repeated {
                        "the pupil appears twice"
                    } else {
                        "the pupil is not named on this booking"
                    },
                );
            }
        }
        let named_present = pupils.iter().filter(|(_, p)| *p).count();
        let named_absent = pupils.len() - named_present;
        if u32::try_from(named_present).unwrap_or(u32::MAX) > present
            || u32::try_from(named_absent).unwrap_or(u32::MAX) > absent
        {
            errors.add(
                "/students",
                "more pupils are named present (or absent) than the counts say",
            );
        }
        errors.into_result()?;
        for pupil in &mut booking.students {
            if let Some((_, was_there)) = pupils.iter().find(|(id, _)| *id == pupil.student_id) {
                pupil.present = Some(*was_there);
            }
        }
        let visit = self
            .work_visits
            .get(tenant, booking.work_visit_id)
            .await?
            .ok_or(DomainError::NotFound("work visit"))?;
        let ids: Vec<StudentId> = pupils.iter().map(|(id, _)| *id).collect();
        let students = self.pupils.students.get_many(tenant, &ids).await?;
        let already: Vec<StudentId> = self
            .pupils
            .portfolio
            .on_booking(tenant, booking.id)
            .await?
            .into_iter()
            .filter(|e| e.kind == PortfolioEntryKind::Experience)
            .map(|e| e.student_id)
            .collect();
        let now = self.clock.now();
        let body = EntryBody::parse(REFLECTION_PROMPT)
            .map_err(|e| DomainError::Internal(format!("reflection prompt: {e}")))?;
        let mut entries = Vec::new();
        let mut audit = Vec::new();
        for student in &students {
            audit.push(AuditEvent::new(
                actor,
                tenant,
                AuditAction::AttendanceRecord,
                (student.id, student.school_id),
                now,
            ));
            let was_there = pupils.iter().any(|(id, p)| *id == student.id && *p);
            if !was_there || already.contains(&student.id) {
                continue;
            }
            entries.push(PortfolioEntry {
                id: PortfolioEntryId::new(),
                tenant_id: tenant,
                student_id: student.id,
                school_id: student.school_id,
                competence: visit
                    .competences
                    .first()
                    .copied()
                    .unwrap_or(Competence::WorkExploration),
                kind: PortfolioEntryKind::Experience,
                title: visit.title.clone(),
                body: body.clone(),
                sectors: visit.sectors.clone(),
                occupations: visit.occupations.clone(),
                evidence_url: None,
                booking_id: Some(booking.id),
                shared_with_business: false,
                author_role: EntryAuthor::System,
                version: 1,
                created_at: now,
                updated_at: now,
            });
        }
        Ok((entries, audit))
    }

    /// Feedback on a completed booking by someone who may see it: the school (its own
    /// and, anonymously, its pupils' — at most one per pupil present), the host business
    /// (once), or the city for either.
    pub async fn give_feedback(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: BookingId,
        new: NewFeedback,
    ) -> DomainResult<Feedback> {
        let booking = self.get(actor, tenant, id).await?;
        new.check_author(actor)?;
        if booking.status != BookingStatus::Completed {
            return Err(DomainError::conflict(
                ConflictKind::InvalidState,
                "feedback follows the visit: record the attendance first",
            ));
        }
        if new.author == FeedbackAuthor::Student {
            let present = booking.attendance.map_or(0, |a| a.present);
            let given = self
                .feedback
                .count(tenant, id, FeedbackAuthor::Student)
                .await?;
            if given >= u64::from(present) {
                return Err(DomainError::conflict(
                    ConflictKind::InvalidState,
                    format!("each of the {present} pupils present has given feedback already"),
                ));
            }
        }
        let now = self.clock.now();
        let feedback = Feedback {
            id: FeedbackId::new(),
            tenant_id: tenant,
            booking_id: id,
            author: new.author,
            rating: new.rating,
            comment: new.comment,
            competences_practised: crate::values::dedup_keep_order(new.competences_practised),
            would_host_again: new.would_host_again,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.feedback.insert(&feedback).await?;
        Ok(feedback)
    }

    pub async fn list_feedback(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: BookingId,
        page: PageRequest,
    ) -> DomainResult<Page<Feedback>> {
        self.get(actor, tenant, id).await?;
        let rows = self.feedback.list(tenant, id, &page).await?;
        Ok(Page::from_fetched(rows, &page, |f| f.id.as_uuid()))
    }

    pub async fn get_feedback(
        &self,
        actor: &Actor,
        tenant: TenantId,
        booking: BookingId,
        id: FeedbackId,
    ) -> DomainResult<Feedback> {
        self.get(actor, tenant, booking).await?;
        self.feedback
            .get(tenant, booking, id)
            .await?
            .ok_or(DomainError::NotFound("feedback"))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::clock::Clock;
    use crate::schools::School;
    use crate::testing::{Fixture, admin};
    use crate::vocabularies::EducationLevel::{NlHavo, NlVmboBb};

    const NOW: &str = "2027-06-01T09:00:00Z";
    const SLOT: (&str, &str) = ("2027-06-09T08:30:00Z", "2027-06-09T12:00:00Z");

    /// A havo school, and a published offering for groups of 2-6 havo pupils with one
    /// slot of `capacity` seats next week.
    async fn open_slot(f: &Fixture, capacity: u32) -> (School, crate::work_visits::Slot) {
        let school = f.school(&[NlHavo]).await;
        let (business, _) = f.business_with_coach("2030-01-01").await;
        let visit = f.offering(&business, (2, 6), &[NlHavo]).await;
        let slot = f.slot(&visit, SLOT, capacity, None).await.unwrap();
        (school, slot)
    }

    fn conflict(result: DomainResult<Booking>) -> ConflictKind {
        match result {
            Err(DomainError::Conflict { kind, .. }) => kind,
            other => panic!("a conflict, not {other:?}"),
        }
    }

    fn broken_rule(result: DomainResult<Booking>) -> (Rule, String) {
        match result {
            Err(DomainError::RuleBroken { rule, pointer, .. }) => (rule, pointer),
            other => panic!("a broken rule, not {other:?}"),
        }
    }

    #[tokio::test]
    async fn seats_are_taken_until_the_slot_is_full_then_wait_listed_or_refused() {
        let f = Fixture::at(NOW);
        let (school, slot) = open_slot(&f, 6).await;
        let first = f.book(&school, &slot, 4, false).await.unwrap();
        assert_eq!(first.status, BookingStatus::Confirmed);
        assert_eq!(
            conflict(f.book(&school, &slot, 3, false).await),
            ConflictKind::SlotFull
        );
        let waiting = f.book(&school, &slot, 3, true).await.unwrap();
        assert_eq!(waiting.status, BookingStatus::Waitlisted);
        let seats = f.memory.rows().slots[0].seats_booked;
        assert_eq!(seats, 4, "the wait-listed booking holds no seats");
    }

    #[tokio::test]
    async fn a_group_outside_the_offering_is_refused_for_its_size_or_level() {
        let f = Fixture::at(NOW);
        let (school, slot) = open_slot(&f, 5).await;
        for seats in [1, 6] {
            let (rule, pointer) = broken_rule(f.book(&school, &slot, seats, false).await);
            assert_eq!(
                (rule, pointer.as_str()),
                (Rule::OutsideTargetGroup, "/seats"),
                "{seats}"
            );
        }
        let (business, _) = f.business_with_coach("2030-01-01").await;
        let vmbo = f.offering(&business, (2, 6), &[NlVmboBb]).await;
        let vmbo_slot = f.slot(&vmbo, SLOT, 6, None).await.unwrap();
        let (rule, pointer) = broken_rule(f.book(&school, &vmbo_slot, 3, false).await);
        assert_eq!(
            (rule, pointer.as_str()),
            (Rule::OutsideTargetGroup, "/slot_id")
        );
        assert!(f.memory.rows().bookings.is_empty(), "nothing was booked");
    }

    #[tokio::test]
    async fn a_slot_takes_no_booking_from_the_moment_it_starts() {
        let f = Fixture::at(NOW);
        let (school, slot) = open_slot(&f, 6).await;
        f.clock
            .set(Fixture::instant(SLOT.0) - TimeDelta::seconds(1));
        assert!(
            f.book(&school, &slot, 2, false).await.is_ok(),
            "a second before"
        );
        f.clock.set(Fixture::instant(SLOT.0));
        assert_eq!(
            conflict(f.book(&school, &slot, 2, false).await),
            ConflictKind::SlotUnavailable
        );
        assert_eq!(
            conflict(f.book(&school, &slot, 2, true).await),
            ConflictKind::SlotUnavailable,
            "not wait-listed either"
        );
    }

    #[tokio::test]
    async fn attendance_is_recorded_only_once_the_visit_has_started() {
        let f = Fixture::at(NOW);
        let (school, slot) = open_slot(&f, 6).await;
        let booking = f.book(&school, &slot, 4, false).await.unwrap();
        let report = || AttendanceReport {
            present: 3,
            absent: 1,
            pupils: Vec::new(),
        };
        let key = f.school_key(school.id);
        let early = f
            .bookings
            .record_attendance(&key, f.tenant.id, booking.id, report(), None)
            .await;
        assert!(
            matches!(
                early,
                Err(DomainError::Conflict {
                    kind: ConflictKind::InvalidState,
                    ..
                })
            ),
            "{early:?}"
        );
        f.clock
            .set(Fixture::instant(SLOT.0) + TimeDelta::minutes(5));
        let recorded = f
            .bookings
            .record_attendance(&key, f.tenant.id, booking.id, report(), None)
            .await
            .unwrap();
        assert_eq!(recorded.status, BookingStatus::Completed);
        assert_eq!(
            recorded.attendance.map(|a| a.recorded_at),
            Some(f.clock.now())
        );
    }

    #[tokio::test]
    async fn a_cancellation_confirms_the_oldest_waiting_bookings_that_fit() {
        let f = Fixture::at(NOW);
        let (school, slot) = open_slot(&f, 6).await;
        let held = f.book(&school, &slot, 5, false).await.unwrap();
        let large = f.book(&school, &slot, 6, true).await.unwrap();
        f.clock.advance(TimeDelta::minutes(1));
        let small = f.book(&school, &slot, 2, true).await.unwrap();
        f.clock.advance(TimeDelta::minutes(1));
        let cancelled = f
            .bookings
            .cancel(&admin(), f.tenant.id, held.id, None, None)
            .await
            .unwrap();
        assert_eq!(cancelled.status, BookingStatus::Cancelled);
        assert_eq!(cancelled.cancelled_at, Some(f.clock.now()));
        let status = |id| {
            f.memory
                .rows()
                .bookings
                .iter()
                .find(|b| b.id == id)
                .map(|b| b.status)
        };
        // Six seats free: the older 6-seat group first; the 2-seat one still waits.
        assert_eq!(status(large.id), Some(BookingStatus::Confirmed));
        assert_eq!(status(small.id), Some(BookingStatus::Waitlisted));
        assert_eq!(f.memory.rows().slots[0].seats_booked, 6);
    }
}
