//! Partner sync (DESIGN.md §3.8): a business's own system states what it offers, by its
//! own ids, and Driehoek works out what changed and writes only that. Sending the same
//! payload twice writes nothing the second time: no version bump, no change row.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::service::screen_coach;
use super::{
    NewWorkVisit, Schedule, Slot, SlotStatus, WorkVisit, WorkVisitService, WorkVisitStatus,
    check_capacity,
};
use crate::auth::Actor;
use crate::businesses::Coach;
use crate::error::{ConflictKind, DomainError, DomainResult};
use crate::ids::{BusinessId, CoachId, ProgrammeId, SlotId, TenantId, WorkVisitId};
use crate::tenants::Tenant;
use crate::values::dedup_keep_order;
use crate::work_visits::ExternalId;

/// At most this many work visits in one sync call.
pub const MAX_SYNC_ITEMS: usize = 1000;

/// `full`: the payload is everything the business offers, so its synced work visits
/// that are absent are withdrawn. `partial`: only the named ones are touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    Full,
    Partial,
}

/// One slot as the partner describes it, named by its own id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSlot {
    pub external_id: ExternalId,
    pub schedule: Schedule,
    pub capacity: u32,
    pub coach_id: Option<CoachId>,
    pub teacher_present: bool,
    pub status: SlotStatus,
}

/// One work visit as the partner describes it: every field (absent optional fields are
/// cleared) and the slots it manages. `visit.external_id` is always set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncItem {
    pub visit: NewWorkVisit,
    pub slots: Vec<SyncSlot>,
}

impl SyncItem {
    pub fn external_id(&self) -> Option<&ExternalId> {
        self.visit.external_id.as_ref()
    }
}

/// What the store holds of one slot, with what its bookings forbid.
#[derive(Debug, Clone)]
pub struct StoredSlot {
    pub slot: Slot,
    /// Confirmed or wait-listed bookings: the slot may not disappear under them.
    pub open_bookings: u32,
    /// Any booking at all (cancelled and completed ones too): the slot is history and
    /// is cancelled rather than deleted.
    pub any_bookings: bool,
}

/// What the store holds of one synced work visit.
#[derive(Debug, Clone)]
pub struct StoredOffering {
    pub visit: WorkVisit,
    pub slots: Vec<StoredSlot>,
}

/// The write one item needs for its work visit row.
#[derive(Debug, Clone)]
pub enum VisitWrite {
    Insert(WorkVisit),
    /// The new state and the version it replaces.
    Update(WorkVisit, i64),
    Keep(WorkVisit),
}

impl VisitWrite {
    pub fn visit(&self) -> &WorkVisit {
        match self {
            Self::Insert(v) | Self::Update(v, _) | Self::Keep(v) => v,
        }
    }
}

/// Every write one item needs, applied together or not at all.
#[derive(Debug, Clone)]
pub struct SyncWrite {
    pub visit: VisitWrite,
    pub insert_slots: Vec<Slot>,
    /// New states with the versions they replace. A slot becoming `cancelled` cancels
    /// its bookings, as any slot cancellation does.
    pub update_slots: Vec<(Slot, i64)>,
    pub delete_slots: Vec<Slot>,
    /// The slots the visit has afterwards (for the answer).
    pub slots_after: Vec<Slot>,
    /// When the sync ran: the time its deletions are recorded at.
    pub at: DateTime<Utc>,
}

impl SyncWrite {
    pub fn writes_nothing(&self) -> bool {
        matches!(self.visit, VisitWrite::Keep(_))
            && self.insert_slots.is_empty()
            && self.update_slots.is_empty()
            && self.delete_slots.is_empty()
    }

    pub fn outcome(&self) -> SyncOutcome {
        match &self.visit {
            VisitWrite::Insert(_) => SyncOutcome::Created,
            _ if self.writes_nothing() => SyncOutcome::Unchanged,
            _ => SyncOutcome::Updated,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncOutcome {
    Created,
    Updated,
    Unchanged,
    /// Absent from a full sync and therefore withdrawn.
    Withdrawn,
}

/// The state of one offering after the sync.
#[derive(Debug, Clone)]
pub struct Synced {
    pub outcome: SyncOutcome,
    pub visit: WorkVisit,
    pub slots: Vec<Slot>,
}

/// The answer for one offering: an item of the payload (by position) or a work visit
/// withdrawn because a full sync left it out.
#[derive(Debug)]
pub struct SyncItemResult {
    pub index: Option<usize>,
    pub external_id: ExternalId,
    pub result: DomainResult<Synced>,
}

/// The work visit the item describes, built on the stored one when there is one.
/// Partner payloads say what is published; without a status an offering is published.
pub(super) fn planned_visit(
    tenant: TenantId,
    item: &NewWorkVisit,
    stored: Option<&WorkVisit>,
    now: DateTime<Utc>,
) -> DomainResult<WorkVisit> {
    let status = item.status.unwrap_or(WorkVisitStatus::Published);
    if let Some(old) = stored
        && !old.status.may_become(status)
    {
        return Err(DomainError::conflict(
            ConflictKind::InvalidState,
            "a work visit that was published cannot go back to draft; withdraw it instead",
        ));
    }
    let visit = WorkVisit {
        id: stored.map_or_else(WorkVisitId::new, |s| s.id),
        tenant_id: tenant,
        business_id: item.business_id,
        programme_id: item.programme_id,
        external_id: item.external_id.clone(),
        title: item.title.clone(),
        description: item.description.clone(),
        format: item.format,
        sectors: dedup_keep_order(item.sectors.clone()),
        occupations: dedup_keep_order(item.occupations.clone()),
        competences: dedup_keep_order(item.competences.clone()),
        ages: item.ages,
        education_levels: dedup_keep_order(item.education_levels.clone()),
        group_size: item.group_size,
        languages: dedup_keep_order(item.languages.clone()),
        location: item.location.clone(),
        online: item.online,
        accessibility: item.accessibility.clone(),
        requirements: item.requirements.clone(),
        preparation: item.preparation.clone(),
        status,
        version: stored.map_or(1, |s| s.version),
        created_at: stored.map_or(now, |s| s.created_at),
        updated_at: stored.map_or(now, |s| s.updated_at),
    };
    visit.check_place()?;
    Ok(visit)
}

/// The slot writes that make the stored slots match the payload's. Slots the partner
/// never named (no `external_id`) and slots that have ended are left alone; an absent
/// slot is deleted, or cancelled when bookings refer to it, and refused with
/// `slot_has_bookings` while it has open bookings.
///
/// Returns the writes and, for each inserted or changed slot, whether its coach must be
/// checked again.
pub(super) fn planned_slots(
    visit: &WorkVisit,
    wanted: &[SyncSlot],
    stored: &[StoredSlot],
    now: DateTime<Utc>,
) -> DomainResult<SlotPlan> {
    let mut seen = HashSet::new();
    for (i, slot) in wanted.iter().enumerate() {
        if !seen.insert(&slot.external_id) {
            return Err(DomainError::invalid(
                format!("/slots/{i}/external_id"),
                "another slot of this work visit has the same external_id",
            ));
        }
    }
    let by_external: HashMap<&ExternalId, &StoredSlot> = stored
        .iter()
        .filter_map(|s| s.slot.external_id.as_ref().map(|e| (e, s)))
        .collect();
    let mut plan = SlotPlan::default();
    for (i, want) in wanted.iter().enumerate() {
        let pointer = format!("/slots/{i}");
        check_capacity(want.capacity)
            .map_err(|m| DomainError::invalid(format!("{pointer}/capacity"), m))?;
        let Some(old) = by_external.get(&want.external_id) else {
            let slot = Slot {
                id: SlotId::new(),
                tenant_id: visit.tenant_id,
                work_visit_id: visit.id,
                external_id: Some(want.external_id.clone()),
                schedule: want.schedule.clone(),
                capacity: want.capacity,
                seats_booked: 0,
                coach_id: want.coach_id,
                teacher_present: want.teacher_present,
                status: want.status,
                version: 1,
                created_at: now,
                updated_at: now,
            };
            plan.coach_checks.push((pointer, slot.clone()));
            plan.inserts.push(slot);
            continue;
        };
        let old_slot = &old.slot;
        let mut next = old_slot.clone();
        next.schedule = want.schedule.clone();
        next.capacity = want.capacity;
        next.coach_id = want.coach_id;
        next.teacher_present = want.teacher_present;
        next.status = want.status;
        if next.status == SlotStatus::Cancelled {
            // Cancelling frees every seat (its bookings are cancelled with it).
            next.seats_booked = 0;
        }
        if next == *old_slot {
            plan.after.push(next);
            continue;
        }
        if old_slot.status == SlotStatus::Cancelled {
            return Err(DomainError::conflict(
                ConflictKind::InvalidState,
                format!(
                    "slot '{}' is cancelled and does not change; give a new slot a new external_id",
                    want.external_id.as_str()
                ),
            ));
        }
        if next.status == SlotStatus::Scheduled && next.capacity < old_slot.seats_booked {
            return Err(DomainError::invalid(
                format!("{pointer}/capacity"),
                format!(
                    "{} seats are booked; capacity cannot go below that",
                    old_slot.seats_booked
                ),
            ));
        }
        if next.coach_id != old_slot.coach_id
            || next.schedule != old_slot.schedule
            || next.teacher_present != old_slot.teacher_present
        {
            plan.coach_checks.push((pointer, next.clone()));
        }
        next.version += 1;
        next.updated_at = now;
        plan.updates.push((next, old_slot.version));
    }
    for old in stored {
        let Some(external) = &old.slot.external_id else {
            plan.after.push(old.slot.clone());
            continue;
        };
        if seen.contains(external) {
            continue;
        }
        if old.slot.schedule.ends_at() <= now || old.slot.status == SlotStatus::Cancelled {
            plan.after.push(old.slot.clone());
        } else if old.open_bookings > 0 {
            return Err(DomainError::conflict(
                ConflictKind::SlotHasBookings,
                format!(
                    "slot '{}' has {} open booking(s); send it with status 'cancelled' to cancel them",
                    external.as_str(),
                    old.open_bookings
                ),
            ));
        } else if old.any_bookings {
            let mut cancelled = old.slot.clone();
            cancelled.status = SlotStatus::Cancelled;
            cancelled.seats_booked = 0;
            cancelled.version += 1;
            cancelled.updated_at = now;
            plan.updates.push((cancelled, old.slot.version));
        } else {
            plan.deletes.push(old.slot.clone());
        }
    }
    plan.after.extend(plan.inserts.iter().cloned());
    plan.after
        .extend(plan.updates.iter().map(|(slot, _)| slot.clone()));
    plan.after
        .sort_by_key(|s| (s.schedule.starts_at(), s.id.as_uuid()));
    Ok(plan)
}

#[derive(Debug, Default)]
pub(super) struct SlotPlan {
    pub inserts: Vec<Slot>,
    pub updates: Vec<(Slot, i64)>,
    pub deletes: Vec<Slot>,
    /// Every slot the visit has once the plan is applied.
    pub after: Vec<Slot>,
    /// New or rescheduled slots whose coach the screening policy must accept, with the
    /// pointer to report a refusal at.
    pub coach_checks: Vec<(String, Slot)>,
}

/// The write that withdraws an offering a full sync left out; `None` when it is
/// already withdrawn.
pub(super) fn withdrawal(stored: &StoredOffering, now: DateTime<Utc>) -> Option<SyncWrite> {
    if stored.visit.status == WorkVisitStatus::Withdrawn {
        return None;
    }
    let mut visit = stored.visit.clone();
    visit.status = WorkVisitStatus::Withdrawn;
    visit.version += 1;
    visit.updated_at = now;
    Some(SyncWrite {
        visit: VisitWrite::Update(visit, stored.visit.version),
        insert_slots: vec![],
        update_slots: vec![],
        delete_slots: vec![],
        slots_after: stored.slots.iter().map(|s| s.slot.clone()).collect(),
        at: now,
    })
}

/// Reference lookups shared by the items of one sync, so a thousand slots with the same
/// coach cost one read.
struct Lookups<'a> {
    service: &'a WorkVisitService,
    tenant: TenantId,
    programmes: HashMap<ProgrammeId, bool>,
    coaches: HashMap<CoachId, Option<Coach>>,
}

impl Lookups<'_> {
    async fn programme_exists(&mut self, id: ProgrammeId) -> DomainResult<bool> {
        if let Some(known) = self.programmes.get(&id) {
            return Ok(*known);
        }
        let exists = self
            .service
            .programmes
            .get(self.tenant, id)
            .await?
            .is_some();
        self.programmes.insert(id, exists);
        Ok(exists)
    }

    async fn coach(&mut self, business: BusinessId, id: CoachId) -> DomainResult<Option<&Coach>> {
        if !self.coaches.contains_key(&id) {
            let coach = self.service.coaches.get(self.tenant, business, id).await?;
            self.coaches.insert(id, coach);
        }
        Ok(self.coaches.get(&id).and_then(Option::as_ref))
    }
}

impl WorkVisitService {
    /// May the caller sync this business's offerings? Asked before the payload is read.
    pub async fn sync_target(
        &self,
        actor: &Actor,
        tenant: TenantId,
        business: BusinessId,
    ) -> DomainResult<()> {
        actor.require_business_editor(business)?;
        self.businesses
            .get(tenant, business)
            .await?
            .map(|_| ())
            .ok_or(DomainError::NotFound("business"))
    }

    /// Brings the business's synced offerings in line with `items` (each with its
    /// position in the payload). In `full` mode, synced offerings absent from the
    /// payload and from `also_present` (items that failed before reaching here) are
    /// withdrawn. Each item succeeds or fails alone.
    pub async fn sync(
        &self,
        actor: &Actor,
        tenant: &Tenant,
        business: BusinessId,
        mode: SyncMode,
        items: Vec<(usize, SyncItem)>,
        also_present: &[ExternalId],
    ) -> DomainResult<Vec<SyncItemResult>> {
        self.sync_target(actor, tenant.id, business).await?;
        let now = self.clock.now();
        let named: Vec<ExternalId> = items
            .iter()
            .filter_map(|(_, item)| item.external_id().cloned())
            .collect();
        let only = match mode {
            SyncMode::Full => None,
            SyncMode::Partial => Some(named.as_slice()),
        };
        let stored = self.repo.load_offerings(tenant.id, business, only).await?;
        let stored: HashMap<ExternalId, StoredOffering> = stored
            .into_iter()
            .filter_map(|o| o.visit.external_id.clone().map(|e| (e, o)))
            .collect();
        let mut lookups = Lookups {
            service: self,
            tenant: tenant.id,
            programmes: HashMap::new(),
            coaches: HashMap::new(),
        };
        let mut seen: HashSet<ExternalId> = also_present.iter().cloned().collect();
        let mut planned = Vec::with_capacity(items.len());
        for (index, mut item) in items {
            let Some(external) = item.external_id().cloned() else {
                return Err(DomainError::Internal(
                    "a sync item reached the service without an external_id".to_owned(),
                ));
            };
            item.visit.business_id = business;
            let plan = if seen.insert(external.clone()) {
                self.plan_item(tenant, &item, stored.get(&external), now, &mut lookups)
                    .await
            } else {
                Err(DomainError::invalid(
                    "/external_id",
                    "another item of this payload has the same external_id",
                ))
            };
            planned.push((Some(index), external, plan));
        }
        if mode == SyncMode::Full {
            let mut absent: Vec<&StoredOffering> = stored
                .iter()
                .filter(|(external, _)| !seen.contains(*external))
                .map(|(_, offering)| offering)
                .collect();
            absent.sort_by_key(|o| o.visit.id.as_uuid());
            for offering in absent {
                if let (Some(write), Some(external)) = (
                    withdrawal(offering, now),
                    offering.visit.external_id.clone(),
                ) {
                    planned.push((None, external, Ok(write)));
                }
            }
        }
        let writes: Vec<&SyncWrite> = planned
            .iter()
            .filter_map(|(_, _, plan)| plan.as_ref().ok())
            .filter(|write| !write.writes_nothing())
            .collect();
        let mut applied = self.repo.apply_sync(&writes).await?.into_iter();
        let mut results = Vec::with_capacity(planned.len());
        for (index, external_id, plan) in planned {
            let result = match plan {
                Err(error) => Err(error),
                Ok(write) if write.writes_nothing() => Ok(synced(write, SyncOutcome::Unchanged)),
                Ok(write) => match applied.next() {
                    Some(Ok(())) => {
                        let outcome = if index.is_none() {
                            SyncOutcome::Withdrawn
                        } else {
                            write.outcome()
                        };
                        Ok(synced(write, outcome))
                    }
                    Some(Err(error)) => Err(error),
                    None => Err(DomainError::Internal(
                        "the store answered for fewer items than it was given".to_owned(),
                    )),
                },
            };
            results.push(SyncItemResult {
                index,
                external_id,
                result,
            });
        }
        Ok(results)
    }

    async fn plan_item(
        &self,
        tenant: &Tenant,
        item: &SyncItem,
        stored: Option<&StoredOffering>,
        now: DateTime<Utc>,
        lookups: &mut Lookups<'_>,
    ) -> DomainResult<SyncWrite> {
        let mut visit = planned_visit(tenant.id, &item.visit, stored.map(|s| &s.visit), now)?;
        if let Some(programme) = visit.programme_id
            && !lookups.programme_exists(programme).await?
        {
            return Err(DomainError::invalid(
                "/programme_id",
                "no such programme in this tenant",
            ));
        }
        let stored_slots = stored.map_or(&[][..], |s| s.slots.as_slice());
        let slots = planned_slots(&visit, &item.slots, stored_slots, now)?;
        for (pointer, slot) in &slots.coach_checks {
            let Some(coach_id) = slot.coach_id else {
                continue;
            };
            let coach = lookups
                .coach(visit.business_id, coach_id)
                .await?
                .ok_or_else(|| {
                    DomainError::invalid(
                        format!("{pointer}/coach_id"),
                        "no such coach of this business",
                    )
                })?;
            screen_coach(tenant, coach, slot.teacher_present, &slot.schedule)
                .map_err(|e| e.within(pointer))?;
        }
        let visit = match stored {
            None => VisitWrite::Insert(visit),
            Some(old) if old.visit == visit => VisitWrite::Keep(visit),
            Some(old) => {
                visit.version += 1;
                visit.updated_at = now;
                VisitWrite::Update(visit, old.visit.version)
            }
        };
        Ok(SyncWrite {
            visit,
            insert_slots: slots.inserts,
            update_slots: slots.updates,
            delete_slots: slots.deletes,
            slots_after: slots.after,
            at: now,
        })
    }
}

fn synced(write: SyncWrite, outcome: SyncOutcome) -> Synced {
    Synced {
        outcome,
        visit: write.visit.visit().clone(),
        slots: write.slots_after,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::ids::BusinessId;
    use crate::values::Name;
    use crate::vocabularies::WorkVisitFormat;
    use crate::work_visits::{AgeRange, GroupSize};

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, d, h, 0, 0).unwrap()
    }

    fn new_visit(status: Option<WorkVisitStatus>) -> NewWorkVisit {
        NewWorkVisit {
            business_id: BusinessId::new(),
            programme_id: None,
            external_id: ExternalId::parse("HR-1").ok(),
            title: Name::parse("Een dag in de haven").unwrap(),
            description: None,
            format: WorkVisitFormat::TasterDay,
            sectors: vec![],
            occupations: vec![],
            competences: vec![],
            ages: AgeRange::new(12, 16).unwrap(),
            education_levels: vec![],
            group_size: GroupSize::new(1, 4).unwrap(),
            languages: vec![],
            location: None,
            online: true,
            accessibility: None,
            requirements: None,
            preparation: None,
            status,
        }
    }

    fn sync_slot(id: &str, day: u32, capacity: u32) -> SyncSlot {
        SyncSlot {
            external_id: ExternalId::parse(id).unwrap(),
            schedule: Schedule::new(at(day, 9), at(day, 12), vec![]).unwrap(),
            capacity,
            coach_id: None,
            teacher_present: false,
            status: SlotStatus::Scheduled,
        }
    }

    fn stored(visit: &WorkVisit, want: &SyncSlot, open: u32, any: bool) -> StoredSlot {
        let plan = planned_slots(visit, std::slice::from_ref(want), &[], at(1, 0)).unwrap();
        let mut slot = plan.inserts[0].clone();
        slot.seats_booked = open;
        StoredSlot {
            slot,
            open_bookings: open,
            any_bookings: any,
        }
    }

    #[test]
    fn an_identical_payload_plans_no_write() {
        let now = at(1, 0);
        let item = new_visit(None);
        let visit = planned_visit(TenantId::new(), &item, None, now).unwrap();
        assert_eq!(visit.status, WorkVisitStatus::Published);
        let again = planned_visit(visit.tenant_id, &item, Some(&visit), at(2, 0)).unwrap();
        assert_eq!(again, visit, "same fields, same version, same timestamps");
        let want = sync_slot("S1", 3, 4);
        let slots = [stored(&visit, &want, 0, false)];
        let plan = planned_slots(&visit, &[want], &slots, now).unwrap();
        assert!(plan.inserts.is_empty() && plan.updates.is_empty() && plan.deletes.is_empty());
        assert_eq!(plan.after.len(), 1);
    }

    #[test]
    fn absent_slots_are_deleted_cancelled_or_refused_by_their_bookings() {
        let now = at(1, 0);
        let visit = planned_visit(TenantId::new(), &new_visit(None), None, now).unwrap();
        let free = stored(&visit, &sync_slot("FREE", 3, 4), 0, false);
        let history = stored(&visit, &sync_slot("HIST", 4, 4), 0, true);
        let plan = planned_slots(&visit, &[], &[free.clone(), history], now).unwrap();
        assert_eq!(plan.deletes.len(), 1);
        assert_eq!(plan.deletes[0].id, free.slot.id);
        assert_eq!(plan.updates.len(), 1);
        assert_eq!(plan.updates[0].0.status, SlotStatus::Cancelled);

        let booked = stored(&visit, &sync_slot("BOOKED", 5, 4), 2, true);
        let error = planned_slots(&visit, &[], std::slice::from_ref(&booked), now).unwrap_err();
        assert!(matches!(
            error,
            DomainError::Conflict {
                kind: ConflictKind::SlotHasBookings,
                ..
            }
        ));
        let mut cancel = sync_slot("BOOKED", 5, 4);
        cancel.status = SlotStatus::Cancelled;
        let plan = planned_slots(&visit, &[cancel], std::slice::from_ref(&booked), now).unwrap();
        assert_eq!(plan.updates.len(), 1, "the payload may cancel it");

        let ended = planned_slots(&visit, &[], &[booked], at(6, 0)).unwrap();
        assert!(
            ended.updates.is_empty() && ended.deletes.is_empty(),
            "past slots stay"
        );
    }

    #[test]
    fn capacity_cannot_drop_below_booked_seats_and_ids_are_unique() {
        let now = at(1, 0);
        let visit = planned_visit(TenantId::new(), &new_visit(None), None, now).unwrap();
        let booked = stored(&visit, &sync_slot("S", 5, 4), 3, true);
        assert!(planned_slots(&visit, &[sync_slot("S", 5, 2)], &[booked], now).is_err());
        let twice = [sync_slot("S", 5, 2), sync_slot("S", 6, 2)];
        assert!(planned_slots(&visit, &twice, &[], now).is_err());
    }

    #[test]
    fn a_published_offering_does_not_return_to_draft() {
        let now = at(1, 0);
        let visit = planned_visit(TenantId::new(), &new_visit(None), None, now).unwrap();
        let draft = new_visit(Some(WorkVisitStatus::Draft));
        assert!(planned_visit(visit.tenant_id, &draft, Some(&visit), now).is_err());
    }
}
