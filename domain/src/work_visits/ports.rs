use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{ExternalId, Slot, StoredOffering, SyncWrite, WorkVisit, WorkVisitFilter};
use crate::error::DomainResult;
use crate::ids::{BusinessId, SlotId, TenantId, WorkVisitId};
use crate::matching::{Candidate, CandidateQuery};
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

    /// The slots with these ids (missing ones left out).
    async fn slots_by_ids(&self, tenant: TenantId, ids: &[SlotId]) -> DomainResult<Vec<Slot>>;
    /// The work visits with these ids (missing ones left out).
    async fn visits_by_ids(
        &self,
        tenant: TenantId,
        ids: &[WorkVisitId],
    ) -> DomainResult<Vec<WorkVisit>>;
    /// For each published offering, its earliest slot that `query` looks for
    /// ([`CandidateQuery::fits`]: scheduled, a seat left, starting in one of the
    /// query's windows while the offering's ages hold that window's age, the
    /// offering's levels naming the query's or none), each given to `each` as it is
    /// read (in no particular order), so none need be held.
    async fn candidates(
        &self,
        tenant: TenantId,
        query: &CandidateQuery,
        each: &mut (dyn FnMut(Candidate) + Send),
    ) -> DomainResult<()>;
    /// Slots of the business's work visits that end at or after `since`, earliest
    /// first, at most `limit`.
    async fn business_slots_since(
        &self,
        tenant: TenantId,
        business: BusinessId,
        since: DateTime<Utc>,
        limit: u64,
    ) -> DomainResult<Vec<Slot>>;

    /// The business's work visits that carry an `external_id` (all of them, or only
    /// those named), each with its slots and what their bookings forbid.
    async fn load_offerings(
        &self,
        tenant: TenantId,
        business: BusinessId,
        only: Option<&[ExternalId]>,
    ) -> DomainResult<Vec<StoredOffering>>;
    /// Applies each item's writes atomically and independently of the others (one
    /// failing item leaves the rest applied), recording one change per row written.
    /// A row that is no longer at the version the plan read fails its item with
    /// `VersionMismatch`. Answers per item, in order.
    async fn apply_sync(&self, writes: &[&SyncWrite]) -> DomainResult<Vec<DomainResult<()>>>;
}
