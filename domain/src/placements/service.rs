use std::collections::HashMap;
use std::sync::Arc;

use super::{
    Confirmation, NewPlacement, PlacedPupil, Placement, PlacementRepository, PlacementSlot,
    PlacementStatus, UnplacedReason,
};
use crate::audit::{AuditAction, AuditEvent};
use crate::auth::{Actor, Role};
use crate::bookings::{Booking, BookingStatus, NamedStudent};
use crate::clock::SharedClock;
use crate::error::{ConflictKind, DomainError, DomainResult, Rule, ValidationErrors};
use crate::ids::{BookingId, PlacementId, SchoolId, SlotId, StudentId, TenantId, WorkVisitId};
use crate::matching::placement::{MAX_CHOICES, MAX_PUPILS, MAX_SLOTS, SlotSeats, Wishes, place};
use crate::paging::{Page, PageRequest};
use crate::schools::SchoolRepository;
use crate::students::{Student, StudentRecords, StudentStatus};
use crate::versioning::check_if_match;
use crate::vocabularies::ConsentPurpose;
use crate::work_visits::{Slot, SlotStatus, WorkVisit, WorkVisitRepository, WorkVisitStatus};

/// Proposes, confirms and discards placements.
#[derive(Clone)]
pub struct PlacementService {
    repo: Arc<dyn PlacementRepository>,
    work_visits: Arc<dyn WorkVisitRepository>,
    schools: Arc<dyn SchoolRepository>,
    pupils: StudentRecords,
    clock: SharedClock,
}

/// A placement names pupils, so it is for their own school (and the platform): the
/// city's keys never see which pupils chose what, as with naming pupils on bookings.
fn placing_school(actor: &Actor, named: Option<SchoolId>) -> DomainResult<SchoolId> {
    match (actor.role, actor.school(), named) {
        (Role::School, Some(own), None) => Ok(own),
        (Role::School, Some(own), Some(named)) if named == own => Ok(own),
        (Role::School, _, _) => Err(DomainError::forbidden("a school key places its own pupils")),
        (Role::PlatformAdmin, _, Some(named)) => Ok(named),
        (Role::PlatformAdmin, _, None) => Err(DomainError::invalid(
            "/school_id",
            "name the school the placement is for",
        )),
        _ => Err(DomainError::forbidden(
            "placements name pupils: they are for the pupils' own school",
        )),
    }
}

/// The slots and offerings of a placement, as they are now.
struct Day {
    slots: Vec<Slot>,
    visits: HashMap<WorkVisitId, WorkVisit>,
}

impl Day {
    fn visit(&self, slot: &Slot) -> Option<&WorkVisit> {
        self.visits.get(&slot.work_visit_id)
    }

    /// Why a group cannot be booked on `slot` at `now`, if it cannot.
    fn unavailable(&self, slot: &Slot, now: chrono::DateTime<chrono::Utc>) -> Option<&'static str> {
        match self.visit(slot) {
            _ if slot.status == SlotStatus::Cancelled => Some("the slot is cancelled"),
            _ if slot.schedule.starts_at() <= now => Some("the slot has already started"),
            Some(visit) if visit.status == WorkVisitStatus::Published => None,
            _ => Some("its work visit is not published"),
        }
    }
}

/// Whether `student` may go to `slot` of `visit`: the offering's ages hold the pupil's
/// certain age on the slot's date, and its education levels name the pupil's or none.
fn fits(student: &Student, slot: &Slot, visit: &WorkVisit) -> bool {
    let age = student.certain_age(slot.schedule.starts_at());
    i32::from(visit.ages.min()) <= age
        && age <= i32::from(visit.ages.max())
        && (visit.education_levels.is_empty()
            || visit.education_levels.contains(&student.education_level))
}

impl PlacementService {
    pub fn new(
        repo: Arc<dyn PlacementRepository>,
        work_visits: Arc<dyn WorkVisitRepository>,
        schools: Arc<dyn SchoolRepository>,
        pupils: StudentRecords,
        clock: SharedClock,
    ) -> Self {
        Self {
            repo,
            work_visits,
            schools,
            pupils,
            clock,
        }
    }

    async fn day(&self, tenant: TenantId, ids: &[SlotId]) -> DomainResult<Day> {
        let slots = self.work_visits.slots_by_ids(tenant, ids).await?;
        let visit_ids: Vec<WorkVisitId> = slots.iter().map(|s| s.work_visit_id).collect();
        let visits = self
            .work_visits
            .visits_by_ids(tenant, &visit_ids)
            .await?
            .into_iter()
            .map(|v| (v.id, v))
            .collect();
        Ok(Day { slots, visits })
    }

    /// Proposes a placement (nothing is booked): see [`crate::matching::placement`]
    /// for how pupils are placed. Refuses, writing nothing, a request naming a slot
    /// that is not bookable, a pupil not of the school, a choice without a slot here,
    /// or more pupils than the slots can seat.
    pub async fn propose(
        &self,
        actor: &Actor,
        tenant: TenantId,
        new: NewPlacement,
    ) -> DomainResult<Placement> {
        let school_id = placing_school(actor, new.school_id)?;
        check_shape(&new)?;
        self.schools
            .get(tenant, school_id)
            .await?
            .ok_or_else(|| DomainError::invalid("/school_id", "no such school in this tenant"))?;
        let now = self.clock.now();
        let day = self.day(tenant, &new.slot_ids).await?;
        let mut errors = ValidationErrors::new();
        let mut slots: Vec<&Slot> = Vec::with_capacity(new.slot_ids.len());
        for (index, id) in new.slot_ids.iter().enumerate() {
            match day.slots.iter().find(|s| s.id == *id) {
                None => errors.add(format!("/slot_ids/{index}"), "no such slot in this tenant"),
                Some(slot) => match day.unavailable(slot, now) {
                    Some(why) => errors.add(format!("/slot_ids/{index}"), why),
                    None => slots.push(slot),
                },
            }
        }
        errors.into_result()?;
        let mut errors = ValidationErrors::new();
        let ids: Vec<StudentId> = new.pupils.iter().map(|p| p.student_id).collect();
        let students = self.pupils.students.get_many(tenant, &ids).await?;
        let mut found: Vec<&Student> = Vec::with_capacity(ids.len());
        for (index, pupil) in new.pupils.iter().enumerate() {
            match students.iter().find(|s| s.id == pupil.student_id) {
                Some(s) if s.school_id == school_id && s.status == StudentStatus::Active => {
                    found.push(s);
                }
                Some(s) if s.school_id == school_id => errors.add(
                    format!("/pupils/{index}/student_id"),
                    "the pupil has left the school",
                ),
                _ => errors.add(
                    format!("/pupils/{index}/student_id"),
                    "no such pupil at the school",
                ),
            }
            for (at, choice) in pupil.choices.iter().enumerate() {
                if !slots.iter().any(|s| s.work_visit_id == *choice) {
                    errors.add(
                        format!("/pupils/{index}/choices/{at}"),
                        "none of the slot_ids is a slot of this offering",
                    );
                }
            }
        }
        errors.into_result()?;
        let seats: u32 = slots
            .iter()
            .filter_map(|s| {
                Some(
                    s.seats_left()
                        .min(u32::from(day.visit(s)?.group_size.max())),
                )
            })
            .sum();
        if new.pupils.len() > seats as usize {
            return Err(DomainError::invalid(
                "/pupils",
                format!(
                    "{} pupils, and these slots seat {seats} (seats left, at most the offering's largest group each)",
                    new.pupils.len()
                ),
            ));
        }
        let consenting = self
            .pupils
            .consents
            .granted(tenant, &ids, ConsentPurpose::Participation)
            .await?;
        let seats: Vec<SlotSeats> = slots
            .iter()
            .filter_map(|slot| {
                let visit = day.visit(slot)?;
                Some(SlotSeats {
                    offering: slot.work_visit_id,
                    seats: slot.seats_left(),
                    group_min: u32::from(visit.group_size.min()),
                    group_max: u32::from(visit.group_size.max()),
                })
            })
            .collect();
        let wishes: Vec<Wishes> = new
            .pupils
            .iter()
            .zip(&found)
            .map(|(pupil, student)| Wishes {
                choices: pupil.choices.clone(),
                fits: slots
                    .iter()
                    .map(|slot| {
                        consenting.contains(&student.id)
                            && day.visit(slot).is_some_and(|v| fits(student, slot, v))
                    })
                    .collect(),
            })
            .collect();
        let assignment = place(&seats, &wishes);
        let pupils = new
            .pupils
            .iter()
            .zip(&found)
            .zip(&assignment.places)
            .map(|((pupil, student), place)| {
                let unplaced = match place {
                    Some(_) => None,
                    None if !consenting.contains(&student.id) => {
                        Some(UnplacedReason::ConsentMissing)
                    }
                    None if !slots.iter().any(|slot| {
                        pupil.choices.contains(&slot.work_visit_id)
                            && day.visit(slot).is_some_and(|v| fits(student, slot, v))
                    }) =>
                    {
                        Some(UnplacedReason::OutsideTargetGroup)
                    }
                    None => Some(UnplacedReason::NoSeat),
                };
                PlacedPupil {
                    student_id: pupil.student_id,
                    choices: pupil.choices.clone(),
                    place: place.map(|p| (slots[p.slot].id, p.rank as u32)),
                    unplaced,
                }
            })
            .collect();
        let placement = Placement {
            id: PlacementId::new(),
            tenant_id: tenant,
            school_id,
            group_name: new.group_name,
            contact: new.contact,
            status: PlacementStatus::Proposed,
            optimal: assignment.optimal,
            slots: slots
                .iter()
                .filter_map(|s| {
                    Some(PlacementSlot {
                        slot_id: s.id,
                        work_visit_id: s.work_visit_id,
                        title: day.visit(s)?.title.clone(),
                        starts_at: s.schedule.starts_at(),
                        seats_left: s.seats_left(),
                        booking_id: None,
                    })
                })
                .collect(),
            pupils,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let audit: Vec<AuditEvent> = found
            .iter()
            .map(|s| {
                AuditEvent::new(
                    actor,
                    tenant,
                    AuditAction::PlacementPropose,
                    (s.id, s.school_id),
                    now,
                )
            })
            .collect();
        self.repo.insert(&placement, &audit).await?;
        Ok(placement)
    }

    /// The school's placements, oldest first (the platform names the school).
    pub async fn list(
        &self,
        actor: &Actor,
        tenant: TenantId,
        school: Option<SchoolId>,
        page: PageRequest,
    ) -> DomainResult<Page<Placement>> {
        let school = placing_school(actor, school)?;
        let rows = self.repo.list(tenant, school, &page).await?;
        Ok(Page::from_fetched(rows, &page, |p| p.id.as_uuid()))
    }

    /// A placement of the caller's school (the platform: any); others' do not exist.
    pub async fn get(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: PlacementId,
    ) -> DomainResult<Placement> {
        let visible = |p: &Placement| {
            actor.is_platform_admin()
                || (actor.role == Role::School && actor.school() == Some(p.school_id))
        };
        if !actor.is_platform_admin() && actor.role != Role::School {
            return Err(DomainError::forbidden(
                "placements name pupils: they are for the pupils' own school",
            ));
        }
        self.repo
            .get(tenant, id)
            .await?
            .filter(visible)
            .ok_or(DomainError::NotFound("placement"))
    }

    /// Books every group of the proposal as a booking naming its pupils, in one
    /// transaction. Refused whole, with 409 `placement_outdated` naming each slot, when
    /// a slot can no longer take its group (seats taken meanwhile, cancelled, started,
    /// its offering withdrawn or its group size changed); with 422 `consent_missing`
    /// when a placed pupil's participation consent is no longer granted.
    pub async fn confirm(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: PlacementId,
        if_match: Option<i64>,
    ) -> DomainResult<Placement> {
        let mut placement = self.get(actor, tenant, id).await?;
        check_if_match(placement.version, if_match)?;
        if placement.status != PlacementStatus::Proposed {
            return Err(DomainError::conflict(
                ConflictKind::InvalidState,
                "the placement is already confirmed",
            ));
        }
        let now = self.clock.now();
        let ids: Vec<SlotId> = placement.slots.iter().map(|s| s.slot_id).collect();
        let day = self.day(tenant, &ids).await?;
        let mut outdated = ValidationErrors::new();
        for (index, planned) in placement.slots.iter().enumerate() {
            let group = placement.group(planned.slot_id).len() as u32;
            if group == 0 {
                continue;
            }
            let why = match day.slots.iter().find(|s| s.id == planned.slot_id) {
                None => Some("the slot no longer exists".to_owned()),
                Some(slot) => day.unavailable(slot, now).map(str::to_owned).or_else(|| {
                    let visit = day.visit(slot)?;
                    let (min, max) = (
                        u32::from(visit.group_size.min()),
                        u32::from(visit.group_size.max()),
                    );
                    if group < min || group > max {
                        Some(format!("the offering now takes groups of {min} to {max}"))
                    } else if slot.seats_left() < group {
                        Some(format!(
                            "{} seats left, the group is {group}",
                            slot.seats_left()
                        ))
                    } else {
                        None
                    }
                }),
            };
            if let Some(why) = why {
                outdated.add(
                    format!("/slots/{index}"),
                    format!("slot {}: {why}", planned.slot_id),
                );
            }
        }
        if !outdated.is_empty() {
            return Err(DomainError::Outdated(outdated));
        }
        let placed: Vec<StudentId> = placement
            .pupils
            .iter()
            .filter(|p| p.place.is_some())
            .map(|p| p.student_id)
            .collect();
        self.check_still_placeable(tenant, &placement, &placed)
            .await?;
        let groups: Vec<Vec<StudentId>> = placement
            .slots
            .iter()
            .map(|s| placement.group(s.slot_id))
            .collect();
        let mut bookings = Vec::new();
        for (planned, group) in placement.slots.iter_mut().zip(groups) {
            let Some(visit) = day.visits.get(&planned.work_visit_id) else {
                continue;
            };
            if group.is_empty() {
                continue;
            }
            let booking = Booking {
                id: BookingId::new(),
                tenant_id: tenant,
                slot_id: planned.slot_id,
                work_visit_id: planned.work_visit_id,
                business_id: visit.business_id,
                school_id: placement.school_id,
                group_name: placement.group_name.clone(),
                seats: group.len() as u32,
                contact: placement.contact.clone(),
                notes: None,
                status: BookingStatus::Confirmed,
                cancellation_reason: None,
                cancelled_at: None,
                attendance: None,
                students: group
                    .into_iter()
                    .map(|student_id| NamedStudent {
                        student_id,
                        present: None,
                    })
                    .collect(),
                version: 1,
                created_at: now,
                updated_at: now,
            };
            planned.booking_id = Some(booking.id);
            bookings.push(booking);
        }
        let audit: Vec<AuditEvent> = placed
            .iter()
            .map(|student| {
                AuditEvent::new(
                    actor,
                    tenant,
                    AuditAction::BookingNameStudents,
                    (*student, placement.school_id),
                    now,
                )
            })
            .collect();
        let expected = placement.version;
        placement.status = PlacementStatus::Confirmed;
        placement.version += 1;
        placement.updated_at = now;
        match self
            .repo
            .confirm(&placement, expected, &bookings, &audit)
            .await?
        {
            Confirmation::Confirmed => Ok(placement),
            Confirmation::SlotsChanged(changed) => {
                let mut errors = ValidationErrors::new();
                for (index, planned) in placement.slots.iter().enumerate() {
                    if changed.contains(&planned.slot_id) {
                        errors.add(
                            format!("/slots/{index}"),
                            format!("slot {}: its seats were taken meanwhile", planned.slot_id),
                        );
                    }
                }
                Err(DomainError::Outdated(errors))
            }
            Confirmation::Moved => Err(DomainError::conflict(
                ConflictKind::InvalidState,
                "the placement was confirmed or discarded meanwhile",
            )),
        }
    }

    /// The placed pupils are still active pupils of the school with participation
    /// consent; else 422 naming them.
    async fn check_still_placeable(
        &self,
        tenant: TenantId,
        placement: &Placement,
        placed: &[StudentId],
    ) -> DomainResult<()> {
        let students = self.pupils.students.get_many(tenant, placed).await?;
        let granted = self
            .pupils
            .consents
            .granted(tenant, placed, ConsentPurpose::Participation)
            .await?;
        let mut errors = ValidationErrors::new();
        let mut missing = Vec::new();
        for (index, pupil) in placement.pupils.iter().enumerate() {
            if pupil.place.is_none() {
                continue;
            }
            let here = students.iter().any(|s| {
                s.id == pupil.student_id
                    && s.school_id == placement.school_id
                    && s.status == StudentStatus::Active
            });
            if !here {
                errors.add(
                    format!("/pupils/{index}/student_id"),
                    "the pupil is no longer at the school",
                );
            } else if !granted.contains(&pupil.student_id) {
                missing.push((index, pupil.student_id));
            }
        }
        errors.into_result()?;
        match missing.first() {
            None => Ok(()),
            Some((index, _)) => Err(DomainError::rule(
                Rule::ConsentMissing,
                format!("/pupils/{index}/student_id"),
                format!(
                    "no participation consent any more for pupil(s) {}",
                    missing
                        .iter()
                        .map(|(_, id)| id.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// Discards a proposal; a confirmed placement stays (its bookings are cancelled
    /// one by one).
    pub async fn discard(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: PlacementId,
        if_match: Option<i64>,
    ) -> DomainResult<()> {
        let placement = self.get(actor, tenant, id).await?;
        check_if_match(placement.version, if_match)?;
        if placement.status != PlacementStatus::Proposed {
            return Err(DomainError::conflict(
                ConflictKind::InvalidState,
                "a confirmed placement is not discarded: cancel its bookings instead",
            ));
        }
        if self.repo.delete(&placement).await? {
            Ok(())
        } else {
            Err(DomainError::conflict(
                ConflictKind::InvalidState,
                "the placement was confirmed or discarded meanwhile",
            ))
        }
    }
}

/// Counts and repeats, before anything is read.
fn check_shape(new: &NewPlacement) -> DomainResult<()> {
    let mut errors = ValidationErrors::new();
    if new.slot_ids.is_empty() || new.slot_ids.len() > MAX_SLOTS {
        errors.add("/slot_ids", format!("give 1 to {MAX_SLOTS} slots"));
    }
    for (index, id) in new.slot_ids.iter().enumerate() {
        if new.slot_ids[..index].contains(id) {
            errors.add(format!("/slot_ids/{index}"), "the slot is named twice");
        }
    }
    if new.pupils.is_empty() || new.pupils.len() > MAX_PUPILS {
        errors.add("/pupils", format!("give 1 to {MAX_PUPILS} pupils"));
    }
    for (index, pupil) in new.pupils.iter().enumerate() {
        if new.pupils[..index]
            .iter()
            .any(|p| p.student_id == pupil.student_id)
        {
            errors.add(
                format!("/pupils/{index}/student_id"),
                "the pupil is named twice",
            );
        }
        if pupil.choices.is_empty() || pupil.choices.len() > MAX_CHOICES {
            errors.add(
                format!("/pupils/{index}/choices"),
                format!("give 1 to {MAX_CHOICES} choices"),
            );
        }
        for (at, choice) in pupil.choices.iter().enumerate() {
            if pupil.choices[..at].contains(choice) {
                errors.add(
                    format!("/pupils/{index}/choices/{at}"),
                    "the offering is chosen twice",
                );
            }
        }
    }
    errors.into_result()
}
