use async_trait::async_trait;

use super::{Business, BusinessFilter, Coach, CoachFilter};
use crate::error::DomainResult;
use crate::ids::{BusinessId, CoachId, TenantId};
use crate::paging::PageRequest;

#[async_trait]
pub trait BusinessRepository: Send + Sync {
    async fn insert(&self, business: &Business) -> DomainResult<()>;
    async fn get(&self, tenant: TenantId, id: BusinessId) -> DomainResult<Option<Business>>;
    async fn list(
        &self,
        tenant: TenantId,
        filter: &BusinessFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<Business>>;
    async fn update(&self, business: &Business, expected_version: i64) -> DomainResult<bool>;
    /// Removes the business with its coaches and memberships; refused while an
    /// unrevoked key acts for it.
    async fn delete(&self, business: &Business) -> DomainResult<bool>;
}

#[async_trait]
pub trait CoachRepository: Send + Sync {
    async fn insert(&self, coach: &Coach) -> DomainResult<()>;
    async fn get(
        &self,
        tenant: TenantId,
        business: BusinessId,
        id: CoachId,
    ) -> DomainResult<Option<Coach>>;
    async fn list(
        &self,
        tenant: TenantId,
        business: BusinessId,
        filter: &CoachFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<Coach>>;
    async fn update(&self, coach: &Coach, expected_version: i64) -> DomainResult<bool>;
    async fn delete(&self, coach: &Coach) -> DomainResult<bool>;
}
