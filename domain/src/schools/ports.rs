use async_trait::async_trait;

use super::{School, SchoolFilter};
use crate::error::DomainResult;
use crate::ids::{SchoolId, TenantId};
use crate::paging::PageRequest;

#[async_trait]
pub trait SchoolRepository: Send + Sync {
    /// A taken registration code is a `Duplicate` conflict.
    async fn insert(&self, school: &School) -> DomainResult<()>;
    async fn get(&self, tenant: TenantId, id: SchoolId) -> DomainResult<Option<School>>;
    async fn list(
        &self,
        tenant: TenantId,
        filter: &SchoolFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<School>>;
    /// `false` when the stored version is no longer `expected_version`.
    async fn update(&self, school: &School, expected_version: i64) -> DomainResult<bool>;
    /// Removes the school and what hangs off it; refused (`ResourceInUse`) while an
    /// unrevoked key acts for it. `false` when the version moved.
    async fn delete(&self, school: &School) -> DomainResult<bool>;
}
