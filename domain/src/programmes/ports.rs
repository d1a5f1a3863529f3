use async_trait::async_trait;

use super::{Programme, ProgrammeFilter, ProgrammeMember};
use crate::error::DomainResult;
use crate::ids::{ProgrammeId, ProgrammeMemberId, TenantId};
use crate::paging::PageRequest;

#[async_trait]
pub trait ProgrammeRepository: Send + Sync {
    async fn insert(&self, programme: &Programme) -> DomainResult<()>;
    async fn get(&self, tenant: TenantId, id: ProgrammeId) -> DomainResult<Option<Programme>>;
    async fn list(
        &self,
        tenant: TenantId,
        filter: &ProgrammeFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<Programme>>;
    async fn update(&self, programme: &Programme, expected_version: i64) -> DomainResult<bool>;
    /// Removes the programme and its memberships.
    async fn delete(&self, programme: &Programme) -> DomainResult<bool>;

    /// A school or business that is already a member is a `Duplicate` conflict; one
    /// outside the tenant is refused by the schema's tenant-scoped foreign keys.
    async fn insert_member(&self, member: &ProgrammeMember) -> DomainResult<()>;
    async fn get_member(
        &self,
        tenant: TenantId,
        programme: ProgrammeId,
        id: ProgrammeMemberId,
    ) -> DomainResult<Option<ProgrammeMember>>;
    async fn list_members(
        &self,
        tenant: TenantId,
        programme: ProgrammeId,
        page: &PageRequest,
    ) -> DomainResult<Vec<ProgrammeMember>>;
    async fn update_member(
        &self,
        member: &ProgrammeMember,
        expected_version: i64,
    ) -> DomainResult<bool>;
    async fn delete_member(&self, member: &ProgrammeMember) -> DomainResult<bool>;
}
