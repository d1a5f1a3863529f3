use std::sync::Arc;

use super::{
    Booking, BookingFilter, BookingRepository, BookingScope, BookingStatus, Feedback,
    FeedbackAuthor, FeedbackRepository, NewBooking, NewFeedback,
};
use crate::auth::{Actor, Role};
use crate::clock;
use crate::error::{ConflictKind, DomainError, DomainResult, Rule};
use crate::ids::{BookingId, FeedbackId, TenantId};
use crate::paging::{Page, PageRequest};
use crate::schools::SchoolRepository;
use crate::values::Description;
use crate::versioning::check_if_match;
use crate::work_visits::{SlotStatus, WorkVisitRepository, WorkVisitStatus};

#[derive(Clone)]
pub struct BookingService {
    repo: Arc<dyn BookingRepository>,
    feedback: Arc<dyn FeedbackRepository>,
    work_visits: Arc<dyn WorkVisitRepository>,
    schools: Arc<dyn SchoolRepository>,
}

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
        Role::Integrator => Err(DomainError::forbidden(
            "integrators read the catalogue, not bookings",
        )),
    }
}

/// Schools book for themselves; the city (and platform) for a school. No one else.
pub fn require_booker(actor: &Actor) -> DomainResult<()> {
    match actor.role {
        Role::School | Role::CityAdmin | Role::PlatformAdmin => Ok(()),
        Role::Business | Role::Integrator => Err(DomainError::forbidden(
            "only schools (or the city for them) book work visits",
        )),
    }
}

impl BookingService {
    pub fn new(
        repo: Arc<dyn BookingRepository>,
        feedback: Arc<dyn FeedbackRepository>,
        work_visits: Arc<dyn WorkVisitRepository>,
        schools: Arc<dyn SchoolRepository>,
    ) -> Self {
        Self {
            repo,
            feedback,
            work_visits,
            schools,
        }
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
        let now = clock::now();
        let unavailable =
            |why: &str| DomainError::conflict(ConflictKind::SlotUnavailable, why.to_owned());
        if visit.status != WorkVisitStatus::Published {
            return Err(unavailable("the work visit is not published"));
        }
        if slot.status == SlotStatus::Cancelled {
            return Err(unavailable("the slot is cancelled"));
        }
        if slot.schedule.starts_at() <= now {
            return Err(unavailable("the slot has already started"));
        }
        let seats = u16::try_from(new.seats).unwrap_or(u16::MAX);
        if new.seats == 0
            || seats < visit.group_size.min()
            || seats > visit.group_size.max()
            || new.seats > slot.capacity
        {
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
        let booking = Booking {
            id: BookingId::new(),
            tenant_id: tenant,
            slot_id: slot.id,
            work_visit_id: visit.id,
            business_id: visit.business_id,
            school_id,
            group_name: new.group_name,
            seats: new.seats,
            contact: new.contact,
            notes: new.notes,
            status: BookingStatus::Confirmed,
            cancellation_reason: None,
            cancelled_at: None,
            attendance: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.repo.book(&booking, new.waitlist).await
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
            .cancel(&booking, reason, clock::now())
            .await?
            .ok_or(DomainError::VersionMismatch {
                current: booking.version + 1,
            })
    }

    /// Records who came (by the booking school, the host or the city) once the visit
    /// has started, and completes the booking. Recording again corrects the counts.
    pub async fn record_attendance(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: BookingId,
        present: u32,
        absent: u32,
        if_match: Option<i64>,
    ) -> DomainResult<Booking> {
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
        let now = clock::now();
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
        let expected = booking.version;
        booking.attendance = Some(super::Attendance {
            present,
            absent,
            recorded_at: now,
        });
        booking.status = BookingStatus::Completed;
        booking.version += 1;
        booking.updated_at = now;
        if self.repo.update(&booking, expected).await? {
            Ok(booking)
        } else {
            Err(DomainError::VersionMismatch {
                current: expected + 1,
            })
        }
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
        let now = clock::now();
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
