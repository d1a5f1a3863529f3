use async_trait::async_trait;

use super::Tenant;
use crate::error::DomainResult;
use crate::ids::TenantId;
use crate::paging::PageRequest;

#[async_trait]
pub trait TenantRepository: Send + Sync {
    /// Stores a new tenant with its change-log counter; a taken slug is a conflict.
    async fn insert(&self, tenant: &Tenant) -> DomainResult<()>;
    async fn get(&self, id: TenantId) -> DomainResult<Option<Tenant>>;
    async fn get_by_slug(&self, slug: &str) -> DomainResult<Option<Tenant>>;
    async fn list(&self, page: &PageRequest) -> DomainResult<Vec<Tenant>>;
    /// Writes `tenant` (already at its new version) if the stored version is still
    /// `expected_version`; `false` when another write came first.
    async fn update(&self, tenant: &Tenant, expected_version: i64) -> DomainResult<bool>;
}
