use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::{
    AgeRange, GroupSize, NewSlot, NewWorkVisit, Schedule, Slot, SlotChanges, SlotStatus,
    Visibility, WorkVisit, WorkVisitChanges, WorkVisitFilter, WorkVisitRepository, WorkVisitStatus,
    check_capacity, check_coach_for_slot,
};
use crate::auth::{Actor, Role};
use crate::businesses::{BusinessRepository, CoachRepository};
use crate::clock::SharedClock;
use crate::error::{ConflictKind, DomainError, DomainResult, ValidationErrors};
use crate::ids::{BusinessId, CoachId, SlotId, TenantId, WorkVisitId};
use crate::paging::{Page, PageRequest};
use crate::programmes::ProgrammeRepository;
use crate::tenants::Tenant;
use crate::values::dedup_keep_order;
use crate::versioning::{check_if_match, written};

#[derive(Clone)]
pub struct WorkVisitService {
    pub(super) repo: Arc<dyn WorkVisitRepository>,
    pub(super) businesses: Arc<dyn BusinessRepository>,
    pub(super) coaches: Arc<dyn CoachRepository>,
    pub(super) programmes: Arc<dyn ProgrammeRepository>,
    pub(super) clock: SharedClock,
}

/// What a caller may see of work visits.
pub fn visibility_for(actor: &Actor) -> Visibility {
    match (actor.role, actor.business()) {
        (Role::PlatformAdmin | Role::CityAdmin, _) => Visibility::All,
        (Role::Business, Some(own)) => Visibility::PublishedOrOwn(own),
        _ => Visibility::Published,
    }
}

/// The calendar day of `at` in the tenant's time zone (UTC if it cannot be read).
fn local_day(tenant: &Tenant, at: DateTime<Utc>) -> NaiveDate {
    match tenant.timezone.as_str().parse::<Tz>() {
        Ok(tz) => at.with_timezone(&tz).date_naive(),
        Err(_) => at.date_naive(),
    }
}

/// The tenant's screening policy applied to `coach` on a slot with `schedule`, counted
/// in the tenant's calendar days.
pub(super) fn screen_coach(
    tenant: &Tenant,
    coach: &crate::businesses::Coach,
    teacher_present: bool,
    schedule: &Schedule,
) -> DomainResult<()> {
    check_coach_for_slot(
        tenant.settings.coach_screening,
        coach,
        teacher_present,
        local_day(tenant, schedule.starts_at()),
        local_day(tenant, schedule.ends_at()),
    )
}

impl WorkVisitService {
    pub fn new(
        repo: Arc<dyn WorkVisitRepository>,
        businesses: Arc<dyn BusinessRepository>,
        coaches: Arc<dyn CoachRepository>,
        programmes: Arc<dyn ProgrammeRepository>,
        clock: SharedClock,
    ) -> Self {
        Self {
            repo,
            businesses,
            coaches,
            programmes,
            clock,
        }
    }

    async fn check_references(
        &self,
        tenant: TenantId,
        business: BusinessId,
        visit: &WorkVisit,
    ) -> DomainResult<()> {
        let mut errors = ValidationErrors::new();
        if self.businesses.get(tenant, business).await?.is_none() {
            errors.add("/business_id", "no such business in this tenant");
        }
        if let Some(programme) = visit.programme_id
            && self.programmes.get(tenant, programme).await?.is_none()
        {
            errors.add("/programme_id", "no such programme in this tenant");
        }
        errors.into_result()?;
        visit.check_place()
    }

    pub async fn create(
        &self,
        actor: &Actor,
        tenant: TenantId,
        new: NewWorkVisit,
    ) -> DomainResult<WorkVisit> {
        actor.require_business_editor(new.business_id)?;
        let now = self.clock.now();
        let visit = WorkVisit {
            id: WorkVisitId::new(),
            tenant_id: tenant,
            business_id: new.business_id,
            programme_id: new.programme_id,
            external_id: new.external_id,
            title: new.title,
            description: new.description,
            format: new.format,
            sectors: dedup_keep_order(new.sectors),
            occupations: dedup_keep_order(new.occupations),
            competences: dedup_keep_order(new.competences),
            ages: new.ages,
            education_levels: dedup_keep_order(new.education_levels),
            group_size: new.group_size,
            languages: dedup_keep_order(new.languages),
            location: new.location,
            online: new.online,
            accessibility: new.accessibility,
            requirements: new.requirements,
            preparation: new.preparation,
            status: new.status.unwrap_or(WorkVisitStatus::Draft),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.check_references(tenant, new.business_id, &visit)
            .await?;
        self.repo.insert(&visit).await?;
        Ok(visit)
    }

    /// Searches the work visits the caller may see.
    pub async fn list(
        &self,
        actor: &Actor,
        tenant: TenantId,
        mut filter: WorkVisitFilter,
        page: PageRequest,
    ) -> DomainResult<Page<WorkVisit>> {
        filter.visibility = visibility_for(actor);
        let rows = self.repo.list(tenant, &filter, &page).await?;
        Ok(Page::from_fetched(rows, &page, |v| v.id.as_uuid()))
    }

    /// One work visit, if the caller may see it (otherwise it does not exist for them).
    pub async fn get(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: WorkVisitId,
    ) -> DomainResult<WorkVisit> {
        self.repo
            .get(tenant, id)
            .await?
            .filter(|visit| visibility_for(actor).allows(visit))
            .ok_or(DomainError::NotFound("work visit"))
    }

    pub async fn update(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: WorkVisitId,
        changes: WorkVisitChanges,
        if_match: Option<i64>,
    ) -> DomainResult<WorkVisit> {
        let mut visit = self.editable(actor, tenant, id).await?;
        check_if_match(visit.version, if_match)?;
        let expected = visit.version;
        let mut errors = ValidationErrors::new();
        if let Some(next) = changes.status
            && !visit.status.may_become(next)
        {
            return Err(DomainError::conflict(
                ConflictKind::InvalidState,
                format!(
                    "a {} work visit cannot become {}",
                    status_code(visit.status),
                    status_code(next)
                ),
            ));
        }
        let ages = AgeRange::new(
            changes.min_age.unwrap_or(visit.ages.min()),
            changes.max_age.unwrap_or(visit.ages.max()),
        );
        let group = GroupSize::new(
            changes.group_size_min.unwrap_or(visit.group_size.min()),
            changes.group_size_max.unwrap_or(visit.group_size.max()),
        );
        let ages = errors.check("/max_age", ages);
        let group = errors.check("/group_size_max", group);
        errors.into_result()?;
        if let (Some(ages), Some(group)) = (ages, group) {
            visit.ages = ages;
            visit.group_size = group;
        }
        apply(&mut visit, changes);
        self.check_references(tenant, visit.business_id, &visit)
            .await?;
        visit.version += 1;
        visit.updated_at = self.clock.now();
        written(
            self.repo.update(&visit, expected).await?,
            visit,
            expected + 1,
        )
    }

    /// Only drafts are deleted; an offering that was published is withdrawn instead, so
    /// schools that saw it keep a consistent picture.
    pub async fn delete(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: WorkVisitId,
        if_match: Option<i64>,
    ) -> DomainResult<()> {
        let visit = self.editable(actor, tenant, id).await?;
        check_if_match(visit.version, if_match)?;
        if visit.status != WorkVisitStatus::Draft {
            return Err(DomainError::conflict(
                ConflictKind::InvalidState,
                "only a draft is deleted; set status to withdrawn instead",
            ));
        }
        written(self.repo.delete(&visit).await?, (), visit.version + 1)
    }

    /// Checks the coach against the business and the tenant's screening policy.
    async fn check_coach(
        &self,
        tenant: &Tenant,
        visit: &WorkVisit,
        coach: Option<CoachId>,
        teacher_present: bool,
        schedule: &Schedule,
    ) -> DomainResult<()> {
        let Some(coach_id) = coach else {
            return Ok(());
        };
        let coach = self
            .coaches
            .get(tenant.id, visit.business_id, coach_id)
            .await?
            .ok_or_else(|| {
                DomainError::invalid("/coach_id", "no such coach of this work visit's business")
            })?;
        screen_coach(tenant, &coach, teacher_present, schedule)
    }

    pub async fn create_slot(
        &self,
        actor: &Actor,
        tenant: &Tenant,
        visit_id: WorkVisitId,
        new: NewSlot,
    ) -> DomainResult<Slot> {
        let visit = self.editable(actor, tenant.id, visit_id).await?;
        self.check_coach(
            tenant,
            &visit,
            new.coach_id,
            new.teacher_present,
            &new.schedule,
        )
        .await?;
        let now = self.clock.now();
        let slot = Slot {
            id: SlotId::new(),
            tenant_id: tenant.id,
            work_visit_id: visit.id,
            external_id: new.external_id,
            schedule: new.schedule,
            capacity: new.capacity,
            seats_booked: 0,
            coach_id: new.coach_id,
            teacher_present: new.teacher_present,
            status: SlotStatus::Scheduled,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.repo.insert_slot(&slot).await?;
        Ok(slot)
    }

    pub async fn list_slots(
        &self,
        actor: &Actor,
        tenant: TenantId,
        visit: WorkVisitId,
        page: PageRequest,
    ) -> DomainResult<Page<Slot>> {
        self.get(actor, tenant, visit).await?;
        let rows = self.repo.list_slots(tenant, visit, &page).await?;
        Ok(Page::from_fetched(rows, &page, |s| s.id.as_uuid()))
    }

    pub async fn get_slot(
        &self,
        actor: &Actor,
        tenant: TenantId,
        visit: WorkVisitId,
        id: SlotId,
    ) -> DomainResult<Slot> {
        self.get(actor, tenant, visit).await?;
        self.repo
            .get_slot(tenant, visit, id)
            .await?
            .ok_or(DomainError::NotFound("slot"))
    }

    /// The work visit, if the caller may edit it (its business or the city); handlers
    /// ask before reading a body, so a stranger learns nothing from a 422.
    pub async fn editable(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: WorkVisitId,
    ) -> DomainResult<WorkVisit> {
        let visit = self.get(actor, tenant, id).await?;
        actor.require_business_editor(visit.business_id)?;
        Ok(visit)
    }

    /// The slot, if the caller may edit it (the visit's business or the city).
    pub async fn editable_slot(
        &self,
        actor: &Actor,
        tenant: TenantId,
        visit_id: WorkVisitId,
        id: SlotId,
    ) -> DomainResult<Slot> {
        self.editable(actor, tenant, visit_id).await?;
        self.repo
            .get_slot(tenant, visit_id, id)
            .await?
            .ok_or(DomainError::NotFound("slot"))
    }

    pub async fn update_slot(
        &self,
        actor: &Actor,
        tenant: &Tenant,
        visit_id: WorkVisitId,
        id: SlotId,
        changes: SlotChanges,
        if_match: Option<i64>,
    ) -> DomainResult<Slot> {
        let visit = self.editable(actor, tenant.id, visit_id).await?;
        let mut slot = self
            .repo
            .get_slot(tenant.id, visit_id, id)
            .await?
            .ok_or(DomainError::NotFound("slot"))?;
        check_if_match(slot.version, if_match)?;
        let expected = slot.version;
        if slot.status == SlotStatus::Cancelled
            && changes.status != Some(SlotStatus::Cancelled)
            && changes != SlotChanges::default()
        {
            return Err(DomainError::conflict(
                ConflictKind::InvalidState,
                "a cancelled slot does not change; create a new one",
            ));
        }
        if let Some(capacity) = changes.capacity {
            check_capacity(capacity).map_err(|m| DomainError::invalid("/capacity", m))?;
            if capacity < slot.seats_booked {
                return Err(DomainError::invalid(
                    "/capacity",
                    format!(
                        "{} seats are booked; capacity cannot go below that",
                        slot.seats_booked
                    ),
                ));
            }
            slot.capacity = capacity;
        }
        let recheck = changes.coach_id.is_some()
            || changes.schedule.is_some()
            || changes.teacher_present.is_some();
        if let Some(v) = changes.external_id {
            slot.external_id = v;
        }
        if let Some(v) = changes.schedule {
            slot.schedule = v;
        }
        if let Some(v) = changes.coach_id {
            slot.coach_id = v;
        }
        if let Some(v) = changes.teacher_present {
            slot.teacher_present = v;
        }
        if let Some(v) = changes.status {
            slot.status = v;
        }
        if recheck {
            self.check_coach(
                tenant,
                &visit,
                slot.coach_id,
                slot.teacher_present,
                &slot.schedule,
            )
            .await?;
        }
        slot.version += 1;
        slot.updated_at = self.clock.now();
        written(
            self.repo.update_slot(&slot, expected).await?,
            slot,
            expected + 1,
        )
    }

    /// A slot with booked seats is cancelled, never deleted.
    pub async fn delete_slot(
        &self,
        actor: &Actor,
        tenant: TenantId,
        visit_id: WorkVisitId,
        id: SlotId,
        if_match: Option<i64>,
    ) -> DomainResult<()> {
        self.editable(actor, tenant, visit_id).await?;
        let slot = self
            .repo
            .get_slot(tenant, visit_id, id)
            .await?
            .ok_or(DomainError::NotFound("slot"))?;
        check_if_match(slot.version, if_match)?;
        if slot.seats_booked > 0 {
            return Err(DomainError::conflict(
                ConflictKind::ResourceInUse,
                "the slot has bookings; cancel it instead",
            ));
        }
        written(self.repo.delete_slot(&slot).await?, (), slot.version + 1)
    }
}

fn status_code(status: WorkVisitStatus) -> &'static str {
    use crate::vocabularies::Vocabulary;
    status.code()
}

fn apply(v: &mut WorkVisit, c: WorkVisitChanges) {
    if let Some(x) = c.programme_id {
        v.programme_id = x;
    }
    if let Some(x) = c.external_id {
        v.external_id = x;
    }
    if let Some(x) = c.title {
        v.title = x;
    }
    if let Some(x) = c.description {
        v.description = x;
    }
    if let Some(x) = c.format {
        v.format = x;
    }
    if let Some(x) = c.sectors {
        v.sectors = dedup_keep_order(x);
    }
    if let Some(x) = c.occupations {
        v.occupations = dedup_keep_order(x);
    }
    if let Some(x) = c.competences {
        v.competences = dedup_keep_order(x);
    }
    if let Some(x) = c.education_levels {
        v.education_levels = dedup_keep_order(x);
    }
    if let Some(x) = c.languages {
        v.languages = dedup_keep_order(x);
    }
    if let Some(x) = c.location {
        v.location = x;
    }
    if let Some(x) = c.online {
        v.online = x;
    }
    if let Some(x) = c.accessibility {
        v.accessibility = x;
    }
    if let Some(x) = c.requirements {
        v.requirements = x;
    }
    if let Some(x) = c.preparation {
        v.preparation = x;
    }
    if let Some(x) = c.status {
        v.status = x;
    }
}

#[cfg(test)]
mod tests {
    use crate::error::{DomainError, Rule};
    use crate::tenants::CoachScreeningPolicy;
    use crate::testing::Fixture;
    use crate::vocabularies::EducationLevel::NlHavo;

    const NOW: &str = "2027-06-01T09:00:00Z";
    /// A track of two sessions: 9 and 23 June.
    const TRACK: (&str, &str) = ("2027-06-09T08:30:00Z", "2027-06-23T12:00:00Z");

    fn screening_refused<T: std::fmt::Debug>(result: crate::error::DomainResult<T>) -> bool {
        matches!(
            result,
            Err(DomainError::RuleBroken {
                rule: Rule::CoachScreeningInvalid,
                ..
            })
        )
    }

    #[tokio::test]
    async fn a_coach_must_be_screened_through_the_last_day_of_the_slot() {
        let mut f = Fixture::at(NOW);
        f.tenant.settings.coach_screening = CoachScreeningPolicy::Required;
        let (business, expiring) = f.business_with_coach("2027-06-15").await;
        let visit = f.offering(&business, (1, 6), &[NlHavo]).await;
        let refused = f.slot(&visit, TRACK, 4, Some((expiring.id, true))).await;
        assert!(screening_refused(refused), "ends before the track does");
        let (_, screened) = f.business_with_coach("2027-06-23").await;
        let other = f.offering(&business, (1, 6), &[NlHavo]).await;
        assert!(
            f.slot(&other, TRACK, 4, Some((screened.id, false)))
                .await
                .is_err(),
            "another business's coach is not this offering's"
        );
    }

    #[tokio::test]
    async fn a_teacher_present_stands_in_for_screening_only_where_the_city_allows_it() {
        let mut f = Fixture::at(NOW);
        let (business, expired) = f.business_with_coach("2027-01-01").await;
        let visit = f.offering(&business, (1, 6), &[NlHavo]).await;
        f.tenant.settings.coach_screening = CoachScreeningPolicy::RequiredUnlessTeacherPresent;
        assert!(
            f.slot(&visit, TRACK, 4, Some((expired.id, true)))
                .await
                .is_ok()
        );
        assert!(screening_refused(
            f.slot(&visit, TRACK, 4, Some((expired.id, false))).await
        ));
        f.tenant.settings.coach_screening = CoachScreeningPolicy::Required;
        assert!(screening_refused(
            f.slot(&visit, TRACK, 4, Some((expired.id, true))).await
        ));
        f.tenant.settings.coach_screening = CoachScreeningPolicy::NotRequired;
        assert!(
            f.slot(&visit, TRACK, 4, Some((expired.id, false)))
                .await
                .is_ok()
        );
    }
}
