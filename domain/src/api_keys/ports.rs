use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::ApiKey;
use crate::error::DomainResult;
use crate::ids::{ApiKeyId, StudentId, TenantId};

/// What a revocation ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// One key or token, and the tokens it made.
    Key(ApiKeyId),
    /// Every token for one pupil (the pupil moved school or is being erased).
    StudentTokens(StudentId),
}
use crate::paging::PageRequest;

#[async_trait]
pub trait ApiKeyRepository: Send + Sync {
    /// Stores a key; a binding to a school or business outside its tenant is refused by
    /// the schema's tenant-scoped foreign keys.
    async fn insert(&self, key: &ApiKey) -> DomainResult<()>;
    async fn find_by_digest(&self, digest: &str) -> DomainResult<Option<ApiKey>>;
    async fn get(&self, tenant: TenantId, id: ApiKeyId) -> DomainResult<Option<ApiKey>>;
    /// The tenant's organisation keys (pupils' and guardians' tokens are not among them).
    async fn list(&self, tenant: TenantId, page: &PageRequest) -> DomainResult<Vec<ApiKey>>;
    /// The pupil's and guardians' tokens for one pupil.
    async fn student_tokens(
        &self,
        tenant: TenantId,
        student: StudentId,
        page: &PageRequest,
    ) -> DomainResult<Vec<ApiKey>>;
    /// Marks revoked (once) the key and every token it made, or every token of one
    /// pupil; records the changes. Answers the keys it revoked, as they are now.
    async fn revoke(
        &self,
        tenant: TenantId,
        which: Revocation,
        at: DateTime<Utc>,
    ) -> DomainResult<Vec<ApiKey>>;
    /// Records that `key` was used at `at`.
    async fn touch(&self, key: &ApiKey, at: DateTime<Utc>) -> DomainResult<()>;
}
