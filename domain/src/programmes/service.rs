use std::sync::Arc;

use super::{
    MemberOrg, NewProgramme, NewProgrammeMember, Programme, ProgrammeChanges, ProgrammeFilter,
    ProgrammeMember, ProgrammeMemberChanges, ProgrammeRepository, ProgrammeStatus,
};
use crate::auth::Actor;
use crate::businesses::BusinessRepository;
use crate::clock::SharedClock;
use crate::error::{DomainError, DomainResult};
use crate::ids::{ProgrammeId, ProgrammeMemberId, TenantId};
use crate::paging::{Page, PageRequest};
use crate::schools::SchoolRepository;
use crate::values::{check_date_order, dedup_keep_order};
use crate::versioning::{check_if_match, written};

#[derive(Clone)]
pub struct ProgrammeService {
    repo: Arc<dyn ProgrammeRepository>,
    schools: Arc<dyn SchoolRepository>,
    businesses: Arc<dyn BusinessRepository>,
    clock: SharedClock,
}

impl ProgrammeService {
    pub fn new(
        repo: Arc<dyn ProgrammeRepository>,
        schools: Arc<dyn SchoolRepository>,
        businesses: Arc<dyn BusinessRepository>,
        clock: SharedClock,
    ) -> Self {
        Self {
            repo,
            schools,
            businesses,
            clock,
        }
    }

    pub async fn create(
        &self,
        actor: &Actor,
        tenant: TenantId,
        new: NewProgramme,
    ) -> DomainResult<Programme> {
        actor.require_admin()?;
        check_date_order(new.starts_on, new.ends_on)
            .map_err(|m| DomainError::invalid("/ends_on", m))?;
        let now = self.clock.now();
        let programme = Programme {
            id: ProgrammeId::new(),
            tenant_id: tenant,
            name: new.name,
            description: new.description,
            owner: new.owner,
            starts_on: new.starts_on,
            ends_on: new.ends_on,
            status: new.status.unwrap_or(ProgrammeStatus::Draft),
            funding: new.funding,
            target_participants_per_year: new.target_participants_per_year,
            competences: dedup_keep_order(new.competences),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.repo.insert(&programme).await?;
        Ok(programme)
    }

    pub async fn list(
        &self,
        _actor: &Actor,
        tenant: TenantId,
        filter: ProgrammeFilter,
        page: PageRequest,
    ) -> DomainResult<Page<Programme>> {
        let rows = self.repo.list(tenant, &filter, &page).await?;
        Ok(Page::from_fetched(rows, &page, |p| p.id.as_uuid()))
    }

    pub async fn get(
        &self,
        _actor: &Actor,
        tenant: TenantId,
        id: ProgrammeId,
    ) -> DomainResult<Programme> {
        self.repo
            .get(tenant, id)
            .await?
            .ok_or(DomainError::NotFound("programme"))
    }

    pub async fn update(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: ProgrammeId,
        changes: ProgrammeChanges,
        if_match: Option<i64>,
    ) -> DomainResult<Programme> {
        let mut programme = self.get(actor, tenant, id).await?;
        actor.require_admin()?;
        check_if_match(programme.version, if_match)?;
        let expected = programme.version;
        changes.apply(&mut programme);
        check_date_order(programme.starts_on, programme.ends_on)
            .map_err(|m| DomainError::invalid("/ends_on", m))?;
        programme.competences = dedup_keep_order(programme.competences);
        programme.version += 1;
        programme.updated_at = self.clock.now();
        written(
            self.repo.update(&programme, expected).await?,
            programme,
            expected + 1,
        )
    }

    pub async fn delete(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: ProgrammeId,
        if_match: Option<i64>,
    ) -> DomainResult<()> {
        let programme = self.get(actor, tenant, id).await?;
        actor.require_admin()?;
        check_if_match(programme.version, if_match)?;
        written(
            self.repo.delete(&programme).await?,
            (),
            programme.version + 1,
        )
    }

    pub async fn add_member(
        &self,
        actor: &Actor,
        tenant: TenantId,
        programme: ProgrammeId,
        new: NewProgrammeMember,
    ) -> DomainResult<ProgrammeMember> {
        self.get(actor, tenant, programme).await?;
        actor.require_admin()?;
        check_date_order(new.joined_on, new.left_on)
            .map_err(|m| DomainError::invalid("/left_on", m))?;
        let exists = match new.org {
            MemberOrg::School(id) => self.schools.get(tenant, id).await?.is_some(),
            MemberOrg::Business(id) => self.businesses.get(tenant, id).await?.is_some(),
        };
        if !exists {
            let pointer = match new.org {
                MemberOrg::School(_) => "/school_id",
                MemberOrg::Business(_) => "/business_id",
            };
            return Err(DomainError::invalid(
                pointer,
                "no such organisation in this tenant",
            ));
        }
        let now = self.clock.now();
        let member = ProgrammeMember {
            id: ProgrammeMemberId::new(),
            tenant_id: tenant,
            programme_id: programme,
            org: new.org,
            role: new.role,
            joined_on: new.joined_on,
            left_on: new.left_on,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.repo.insert_member(&member).await?;
        Ok(member)
    }

    pub async fn list_members(
        &self,
        actor: &Actor,
        tenant: TenantId,
        programme: ProgrammeId,
        page: PageRequest,
    ) -> DomainResult<Page<ProgrammeMember>> {
        self.get(actor, tenant, programme).await?;
        let rows = self.repo.list_members(tenant, programme, &page).await?;
        Ok(Page::from_fetched(rows, &page, |m| m.id.as_uuid()))
    }

    pub async fn get_member(
        &self,
        _actor: &Actor,
        tenant: TenantId,
        programme: ProgrammeId,
        id: ProgrammeMemberId,
    ) -> DomainResult<ProgrammeMember> {
        self.repo
            .get_member(tenant, programme, id)
            .await?
            .ok_or(DomainError::NotFound("programme member"))
    }

    pub async fn update_member(
        &self,
        actor: &Actor,
        tenant: TenantId,
        programme: ProgrammeId,
        id: ProgrammeMemberId,
        changes: ProgrammeMemberChanges,
        if_match: Option<i64>,
    ) -> DomainResult<ProgrammeMember> {
        let mut member = self.get_member(actor, tenant, programme, id).await?;
        actor.require_admin()?;
        check_if_match(member.version, if_match)?;
        let expected = member.version;
        if let Some(v) = changes.role {
            member.role = v;
        }
        if let Some(v) = changes.joined_on {
            member.joined_on = v;
        }
        if let Some(v) = changes.left_on {
            member.left_on = v;
        }
        check_date_order(member.joined_on, member.left_on)
            .map_err(|m| DomainError::invalid("/left_on", m))?;
        member.version += 1;
        member.updated_at = self.clock.now();
        written(
            self.repo.update_member(&member, expected).await?,
            member,
            expected + 1,
        )
    }

    pub async fn remove_member(
        &self,
        actor: &Actor,
        tenant: TenantId,
        programme: ProgrammeId,
        id: ProgrammeMemberId,
        if_match: Option<i64>,
    ) -> DomainResult<()> {
        let member = self.get_member(actor, tenant, programme, id).await?;
        actor.require_admin()?;
        check_if_match(member.version, if_match)?;
        written(
            self.repo.delete_member(&member).await?,
            (),
            member.version + 1,
        )
    }
}
