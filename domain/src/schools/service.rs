use std::sync::Arc;

use super::{NewSchool, School, SchoolChanges, SchoolFilter, SchoolRepository};
use crate::auth::Actor;
use crate::clock::SharedClock;
use crate::error::{DomainError, DomainResult};
use crate::ids::{SchoolId, TenantId};
use crate::paging::{Page, PageRequest};
use crate::values::dedup_keep_order;
use crate::versioning::{check_if_match, written};

#[derive(Clone)]
pub struct SchoolService {
    repo: Arc<dyn SchoolRepository>,
    clock: SharedClock,
}

impl SchoolService {
    pub fn new(repo: Arc<dyn SchoolRepository>, clock: SharedClock) -> Self {
        Self { repo, clock }
    }

    pub async fn create(
        &self,
        actor: &Actor,
        tenant: TenantId,
        new: NewSchool,
    ) -> DomainResult<School> {
        actor.require_admin()?;
        let now = self.clock.now();
        let school = School {
            id: SchoolId::new(),
            tenant_id: tenant,
            name: new.name,
            kind: new.kind,
            registration_code: new.registration_code,
            education_levels: dedup_keep_order(new.education_levels),
            address: new.address,
            contact_email: new.contact_email,
            website: new.website,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.repo.insert(&school).await?;
        Ok(school)
    }

    /// The school list is part of the public catalogue: every role of the tenant reads it.
    pub async fn list(
        &self,
        _actor: &Actor,
        tenant: TenantId,
        filter: SchoolFilter,
        page: PageRequest,
    ) -> DomainResult<Page<School>> {
        let rows = self.repo.list(tenant, &filter, &page).await?;
        Ok(Page::from_fetched(rows, &page, |s| s.id.as_uuid()))
    }

    pub async fn get(
        &self,
        _actor: &Actor,
        tenant: TenantId,
        id: SchoolId,
    ) -> DomainResult<School> {
        self.repo
            .get(tenant, id)
            .await?
            .ok_or(DomainError::NotFound("school"))
    }

    pub async fn update(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: SchoolId,
        changes: SchoolChanges,
        if_match: Option<i64>,
    ) -> DomainResult<School> {
        let mut school = self.get(actor, tenant, id).await?;
        actor.require_school_editor(id)?;
        check_if_match(school.version, if_match)?;
        let expected = school.version;
        changes.apply(&mut school);
        school.education_levels = dedup_keep_order(school.education_levels);
        school.version += 1;
        school.updated_at = self.clock.now();
        written(
            self.repo.update(&school, expected).await?,
            school,
            expected + 1,
        )
    }

    pub async fn delete(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: SchoolId,
        if_match: Option<i64>,
    ) -> DomainResult<()> {
        let school = self.get(actor, tenant, id).await?;
        actor.require_admin()?;
        check_if_match(school.version, if_match)?;
        written(self.repo.delete(&school).await?, (), school.version + 1)
    }
}
