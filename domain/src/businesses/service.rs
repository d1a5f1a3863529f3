use std::sync::Arc;

use super::{
    Business, BusinessChanges, BusinessFilter, BusinessRepository, Coach, CoachChanges,
    CoachFilter, CoachRepository, NewBusiness, NewCoach, ParticipationStatus,
};
use crate::auth::Actor;
use crate::clock::SharedClock;
use crate::error::{DomainError, DomainResult};
use crate::ids::{BusinessId, CoachId, TenantId};
use crate::paging::{Page, PageRequest};
use crate::values::dedup_keep_order;
use crate::versioning::{check_if_match, written};

#[derive(Clone)]
pub struct BusinessService {
    repo: Arc<dyn BusinessRepository>,
    coaches: Arc<dyn CoachRepository>,
    clock: SharedClock,
}

impl BusinessService {
    pub fn new(
        repo: Arc<dyn BusinessRepository>,
        coaches: Arc<dyn CoachRepository>,
        clock: SharedClock,
    ) -> Self {
        Self {
            repo,
            coaches,
            clock,
        }
    }

    pub async fn create(
        &self,
        actor: &Actor,
        tenant: TenantId,
        new: NewBusiness,
    ) -> DomainResult<Business> {
        actor.require_admin()?;
        let now = self.clock.now();
        let business = Business {
            id: BusinessId::new(),
            tenant_id: tenant,
            name: new.name,
            kind: new.kind,
            registration_code: new.registration_code,
            sectors: dedup_keep_order(new.sectors),
            description: new.description,
            address: new.address,
            contact_email: new.contact_email,
            website: new.website,
            status: new.status.unwrap_or(ParticipationStatus::Active),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.repo.insert(&business).await?;
        Ok(business)
    }

    /// Part of the public catalogue: every role of the tenant reads it.
    pub async fn list(
        &self,
        _actor: &Actor,
        tenant: TenantId,
        filter: BusinessFilter,
        page: PageRequest,
    ) -> DomainResult<Page<Business>> {
        let rows = self.repo.list(tenant, &filter, &page).await?;
        Ok(Page::from_fetched(rows, &page, |b| b.id.as_uuid()))
    }

    pub async fn get(
        &self,
        _actor: &Actor,
        tenant: TenantId,
        id: BusinessId,
    ) -> DomainResult<Business> {
        self.repo
            .get(tenant, id)
            .await?
            .ok_or(DomainError::NotFound("business"))
    }

    pub async fn update(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: BusinessId,
        changes: BusinessChanges,
        if_match: Option<i64>,
    ) -> DomainResult<Business> {
        let mut business = self.get(actor, tenant, id).await?;
        actor.require_business_editor(id)?;
        check_if_match(business.version, if_match)?;
        let expected = business.version;
        changes.apply(&mut business);
        business.sectors = dedup_keep_order(business.sectors);
        business.version += 1;
        business.updated_at = self.clock.now();
        written(
            self.repo.update(&business, expected).await?,
            business,
            expected + 1,
        )
    }

    pub async fn delete(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: BusinessId,
        if_match: Option<i64>,
    ) -> DomainResult<()> {
        let business = self.get(actor, tenant, id).await?;
        actor.require_admin()?;
        check_if_match(business.version, if_match)?;
        written(self.repo.delete(&business).await?, (), business.version + 1)
    }

    pub async fn create_coach(
        &self,
        actor: &Actor,
        tenant: TenantId,
        business: BusinessId,
        new: NewCoach,
    ) -> DomainResult<Coach> {
        self.get(actor, tenant, business).await?;
        actor.require_business_editor(business)?;
        let now = self.clock.now();
        let coach = Coach {
            id: CoachId::new(),
            tenant_id: tenant,
            business_id: business,
            display_name: new.display_name,
            bio: new.bio,
            occupations: dedup_keep_order(new.occupations),
            languages: dedup_keep_order(new.languages),
            screening: new.screening,
            status: new.status.unwrap_or(ParticipationStatus::Active),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.coaches.insert(&coach).await?;
        Ok(coach)
    }

    pub async fn list_coaches(
        &self,
        actor: &Actor,
        tenant: TenantId,
        business: BusinessId,
        filter: CoachFilter,
        page: PageRequest,
    ) -> DomainResult<Page<Coach>> {
        self.get(actor, tenant, business).await?;
        let rows = self.coaches.list(tenant, business, &filter, &page).await?;
        Ok(Page::from_fetched(rows, &page, |c| c.id.as_uuid()))
    }

    pub async fn get_coach(
        &self,
        _actor: &Actor,
        tenant: TenantId,
        business: BusinessId,
        id: CoachId,
    ) -> DomainResult<Coach> {
        self.coaches
            .get(tenant, business, id)
            .await?
            .ok_or(DomainError::NotFound("coach"))
    }

    pub async fn update_coach(
        &self,
        actor: &Actor,
        tenant: TenantId,
        business: BusinessId,
        id: CoachId,
        changes: CoachChanges,
        if_match: Option<i64>,
    ) -> DomainResult<Coach> {
        let mut coach = self.get_coach(actor, tenant, business, id).await?;
        actor.require_business_editor(business)?;
        check_if_match(coach.version, if_match)?;
        let expected = coach.version;
        changes.apply(&mut coach);
        coach.occupations = dedup_keep_order(coach.occupations);
        coach.languages = dedup_keep_order(coach.languages);
        coach.version += 1;
        coach.updated_at = self.clock.now();
        written(
            self.coaches.update(&coach, expected).await?,
            coach,
            expected + 1,
        )
    }

    pub async fn delete_coach(
        &self,
        actor: &Actor,
        tenant: TenantId,
        business: BusinessId,
        id: CoachId,
        if_match: Option<i64>,
    ) -> DomainResult<()> {
        let coach = self.get_coach(actor, tenant, business, id).await?;
        actor.require_business_editor(business)?;
        check_if_match(coach.version, if_match)?;
        written(self.coaches.delete(&coach).await?, (), coach.version + 1)
    }
}
