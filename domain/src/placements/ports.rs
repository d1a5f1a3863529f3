use async_trait::async_trait;

use super::Placement;
use crate::audit::AuditEvent;
use crate::bookings::Booking;
use crate::error::DomainResult;
use crate::ids::{PlacementId, SchoolId, SlotId, TenantId};
use crate::paging::PageRequest;

/// What became of a confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// Every booking is stored and the placement confirmed.
    Confirmed,
    /// These slots no longer had the seats for their group: nothing was written.
    SlotsChanged(Vec<SlotId>),
    /// The placement moved on (confirmed or discarded) meanwhile: nothing was written.
    Moved,
}

#[async_trait]
pub trait PlacementRepository: Send + Sync {
    /// Stores a proposal with the audit events of making it.
    async fn insert(&self, placement: &Placement, audit: &[AuditEvent]) -> DomainResult<()>;
    async fn get(&self, tenant: TenantId, id: PlacementId) -> DomainResult<Option<Placement>>;
    /// The school's placements, oldest first, one page after `page.after`.
    async fn list(
        &self,
        tenant: TenantId,
        school: SchoolId,
        page: &PageRequest,
    ) -> DomainResult<Vec<Placement>>;
    /// In one transaction: takes each booking's seats on its slot (only where they are
    /// all there), stores the bookings with their named pupils and the audit events,
    /// and writes `placement` (already confirmed, at its new version) if the stored
    /// one is still at `expected_version`. All or nothing.
    async fn confirm(
        &self,
        placement: &Placement,
        expected_version: i64,
        bookings: &[Booking],
        audit: &[AuditEvent],
    ) -> DomainResult<Confirmation>;
    /// Removes a proposal at its version; `false` if it moved on.
    async fn delete(&self, placement: &Placement) -> DomainResult<bool>;
}
