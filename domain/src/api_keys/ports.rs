use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::ApiKey;
use crate::error::DomainResult;
use crate::ids::{ApiKeyId, TenantId};
use crate::paging::PageRequest;

#[async_trait]
pub trait ApiKeyRepository: Send + Sync {
    /// Stores a key; a binding to a school or business outside its tenant is refused by
    /// the schema's tenant-scoped foreign keys.
    async fn insert(&self, key: &ApiKey) -> DomainResult<()>;
    async fn find_by_digest(&self, digest: &str) -> DomainResult<Option<ApiKey>>;
    async fn get(&self, tenant: TenantId, id: ApiKeyId) -> DomainResult<Option<ApiKey>>;
    async fn list(&self, tenant: TenantId, page: &PageRequest) -> DomainResult<Vec<ApiKey>>;
    /// Marks the key revoked (once); records the change.
    async fn revoke(&self, tenant: TenantId, id: ApiKeyId, at: DateTime<Utc>) -> DomainResult<()>;
    /// Records that `key` was used at `at`.
    async fn touch(&self, key: &ApiKey, at: DateTime<Utc>) -> DomainResult<()>;
}
