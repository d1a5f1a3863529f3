use std::collections::HashMap;
use std::sync::Arc;

use super::{
    Confirmation, NewPlacement, PlacedPupil, Placement, PlacementRepository, PlacementSlot,
    PlacementStatus, UnplacedReason,
};
use crate::audit::{AuditAction, AuditEvent};
use crate::auth::{Actor, Role};
use crate::bookings::{Booking, NewBooking};
use crate::clock::SharedClock;
use crate::error::{ConflictKind, DomainError, DomainResult, ValidationErrors};
use crate::ids::{PlacementId, SchoolId, SlotId, StudentId, TenantId, WorkVisitId};
use crate::matching::placement::{MAX_CHOICES, MAX_PUPILS, MAX_SLOTS, SlotSeats, Wishes, place};
use crate::paging::{Page, PageRequest};
use crate::schools::SchoolRepository;
use crate::students::{Student, StudentRecords};
use crate::versioning::check_if_match;
use crate::vocabularies::ConsentPurpose;
use crate::work_visits::{Slot, WorkVisit, WorkVisitRepository, open_to_level};

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
    /// The offering of `slot` when a group can be booked on it at `now`, else why not.
    fn bookable(
        &self,
        slot: &Slot,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<&WorkVisit, &'static str> {
        let visit = self
            .visits
            .get(&slot.work_visit_id)
            .ok_or("its work visit is gone")?;
        slot.bookable(visit, now).map(|()| visit)
    }
}

/// Whether `student` is in the target group of `visit` on `slot`: the offering's ages
/// hold the pupil's certain age on the slot's date, its levels the pupil's.
fn fits(student: &Student, (slot, visit): (&Slot, &WorkVisit)) -> bool {
    visit
        .ages
        .holds(student.certain_age(slot.schedule.starts_at()))
        && open_to_level(&visit.education_levels, student.education_level)
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
        // The day's slots, each with its (published) offering.
        let mut open: Vec<(&Slot, &WorkVisit)> = Vec::with_capacity(new.slot_ids.len());
        for (index, id) in new.slot_ids.iter().enumerate() {
            match day.slots.iter().find(|s| s.id == *id) {
                None => errors.add(format!("/slot_ids/{index}"), "no such slot in this tenant"),
                Some(slot) => match day.bookable(slot, now) {
                    Ok(visit) => open.push((slot, visit)),
                    Err(why) => errors.add(format!("/slot_ids/{index}"), why),
                },
            }
        }
        for (index, pupil) in new.pupils.iter().enumerate() {
            for (at, choice) in pupil.choices.iter().enumerate() {
                if !open.iter().any(|(_, v)| v.id == *choice) {
                    errors.add(
                        format!("/pupils/{index}/choices/{at}"),
                        "none of the slot_ids is a slot of this offering",
                    );
                }
            }
        }
        errors.into_result()?;
        let ids: Vec<StudentId> = new.pupils.iter().map(|p| p.student_id).collect();
        let found = self
            .pupils
            .active_at(tenant, school_id, &ids, |i| {
                format!("/pupils/{i}/student_id")
            })
            .await?;
        let seats: u32 = open
            .iter()
            .map(|(slot, visit)| slot.seats_left().min(u32::from(visit.group_size.max())))
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
        let seats: Vec<SlotSeats> = open
            .iter()
            .map(|(slot, visit)| SlotSeats {
                offering: visit.id,
                seats: slot.seats_left(),
                group_min: u32::from(visit.group_size.min()),
                group_max: u32::from(visit.group_size.max()),
            })
            .collect();
        // Per pupil per slot: in the offering's target group (consent aside).
        let in_group: Vec<Vec<bool>> = found
            .iter()
            .map(|student| open.iter().map(|o| fits(student, *o)).collect())
            .collect();
        let wishes: Vec<Wishes> = new
            .pupils
            .iter()
            .zip(&found)
            .zip(&in_group)
            .map(|((pupil, student), in_group)| Wishes {
                choices: pupil.choices.clone(),
                fits: in_group
                    .iter()
                    .map(|fit| *fit && consenting.contains(&student.id))
                    .collect(),
            })
            .collect();
        let assignment = place(&seats, &wishes);
        let pupils = new
            .pupils
            .iter()
            .zip(&found)
            .zip(in_group.iter().zip(&assignment.places))
            .map(|((pupil, student), (in_group, place))| {
                let chosen_fits = open
                    .iter()
                    .zip(in_group)
                    .any(|((_, visit), fit)| *fit && pupil.choices.contains(&visit.id));
                PlacedPupil {
                    student_id: pupil.student_id,
                    choices: pupil.choices.clone(),
                    place: place.map(|p| (open[p.slot].0.id, p.rank as u32)),
                    unplaced: match place {
                        Some(_) => None,
                        None if !consenting.contains(&student.id) => {
                            Some(UnplacedReason::ConsentMissing)
                        }
                        None if !chosen_fits => Some(UnplacedReason::OutsideTargetGroup),
                        None => Some(UnplacedReason::NoSeat),
                    },
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
            slots: open
                .iter()
                .map(|(slot, visit)| PlacementSlot {
                    slot_id: slot.id,
                    work_visit_id: visit.id,
                    title: visit.title.clone(),
                    starts_at: slot.schedule.starts_at(),
                    seats_left: slot.seats_left(),
                    booking_id: None,
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
                Some(slot) => match day.bookable(slot, now) {
                    Err(why) => Some(why.to_owned()),
                    Ok(visit) if !visit.group_size.holds(group) => Some(format!(
                        "the offering now takes groups of {} to {}",
                        visit.group_size.min(),
                        visit.group_size.max()
                    )),
                    Ok(_) if slot.seats_left() < group => Some(format!(
                        "{} seats left, the group is {group}",
                        slot.seats_left()
                    )),
                    Ok(_) => None,
                },
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
            let new = NewBooking {
                slot_id: planned.slot_id,
                school_id: Some(placement.school_id),
                group_name: placement.group_name.clone(),
                seats: group.len() as u32,
                contact: placement.contact.clone(),
                notes: None,
                student_ids: group,
                waitlist: false,
            };
            let booking = Booking::new(tenant, visit, placement.school_id, new, now);
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
    /// consent; else 422 pointing at them.
    async fn check_still_placeable(
        &self,
        tenant: TenantId,
        placement: &Placement,
        placed: &[StudentId],
    ) -> DomainResult<()> {
        // Where each placed pupil stands among all the placement's pupils.
        let at: Vec<usize> = placement
            .pupils
            .iter()
            .enumerate()
            .filter(|(_, p)| p.place.is_some())
            .map(|(index, _)| index)
            .collect();
        let pointer = |i: usize| format!("/pupils/{}/student_id", at.get(i).copied().unwrap_or(i));
        self.pupils
            .active_at(tenant, placement.school_id, placed, pointer)
            .await?;
        self.pupils
            .require_participation(tenant, placed, pointer)
            .await
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
