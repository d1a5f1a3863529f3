use async_trait::async_trait;

use super::{Slot, WorkVisit, WorkVisitFilter};
use crate::error::DomainResult;
use crate::ids::{SlotId, TenantId, WorkVisitId};
use crate::paging::PageRequest;

#[async_trait]
pub trait WorkVisitRepository: Send + Sync {
    /// A taken `external_id` (per business) is a `Duplicate` conflict.
    async fn insert(&self, visit: &WorkVisit) -> DomainResult<()>;
    async fn get(&self, tenant: TenantId, id: WorkVisitId) -> DomainResult<Option<WorkVisit>>;
    async fn list(
        &self,
        tenant: TenantId,
        filter: &WorkVisitFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<WorkVisit>>;
    async fn update(&self, visit: &WorkVisit, expected_version: i64) -> DomainResult<bool>;
    /// Removes the work visit with its slots.
    async fn delete(&self, visit: &WorkVisit) -> DomainResult<bool>;

    /// A taken `external_id` (per work visit) is a `Duplicate` conflict.
    async fn insert_slot(&self, slot: &Slot) -> DomainResult<()>;
    /// A slot by id alone (bookings name only the slot).
    async fn find_slot(&self, tenant: TenantId, id: SlotId) -> DomainResult<Option<Slot>>;
    async fn get_slot(
        &self,
        tenant: TenantId,
        visit: WorkVisitId,
        id: SlotId,
    ) -> DomainResult<Option<Slot>>;
    async fn list_slots(
        &self,
        tenant: TenantId,
        visit: WorkVisitId,
        page: &PageRequest,
    ) -> DomainResult<Vec<Slot>>;
    /// Writes the slot's own fields; `seats_booked` is never written here, except that
    /// cancelling a slot (status becoming `cancelled`) also cancels its confirmed and
    /// wait-listed bookings in the same transaction, each saying the host cancelled
    /// the slot, and frees their seats.
    async fn update_slot(&self, slot: &Slot, expected_version: i64) -> DomainResult<bool>;
    async fn delete_slot(&self, slot: &Slot) -> DomainResult<bool>;
}
