use async_trait::async_trait;

use super::{
    Consent, EntryFilter, GuardianInvitation, PlanAgreement, PortfolioEntry, RoutePlan, Student,
    StudentBooking, StudentFilter, StudentPlacement,
};
use crate::audit::AuditEvent;
use crate::error::DomainResult;
use chrono::{DateTime, Utc};

use crate::ids::{BookingId, InvitationId, PortfolioEntryId, SchoolId, StudentId, TenantId};
use crate::paging::PageRequest;
use crate::vocabularies::ConsentPurpose;

/// Pupils' records. Every write takes the audit events it makes and stores them in the
/// same transaction: a write to a pupil's data is never without its audit trail.
#[async_trait]
pub trait StudentRepository: Send + Sync {
    /// A taken `external_ref` at the school is a `Duplicate` conflict.
    async fn insert(&self, student: &Student, audit: &AuditEvent) -> DomainResult<()>;
    async fn get(&self, tenant: TenantId, id: StudentId) -> DomainResult<Option<Student>>;
    /// Pupils of `ids` (those that exist in the tenant).
    async fn get_many(&self, tenant: TenantId, ids: &[StudentId]) -> DomainResult<Vec<Student>>;
    async fn list(
        &self,
        tenant: TenantId,
        school: SchoolId,
        filter: &StudentFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<Student>>;
    /// The school's pupils with these external references.
    async fn by_refs(
        &self,
        tenant: TenantId,
        school: SchoolId,
        refs: &[String],
    ) -> DomainResult<Vec<Student>>;
    /// `false` when the stored version is no longer `expected_version`.
    async fn update(
        &self,
        student: &Student,
        expected_version: i64,
        audit: &AuditEvent,
    ) -> DomainResult<bool>;
    /// A roster import in one transaction: new pupils and changed ones (each with the
    /// version it was read at). Any conflict undoes the whole import.
    async fn import(
        &self,
        created: &[Student],
        updated: &[(Student, i64)],
        audit: &[AuditEvent],
    ) -> DomainResult<()>;
    /// The bookings the pupil is named on, oldest first.
    async fn bookings(&self, tenant: TenantId, id: StudentId) -> DomainResult<Vec<StudentBooking>>;
    /// The class placements naming the pupil, oldest first.
    async fn placements(
        &self,
        tenant: TenantId,
        id: StudentId,
    ) -> DomainResult<Vec<StudentPlacement>>;
    /// Erases the pupil: portfolio, consents, the naming on bookings and the record
    /// itself, each removal in the change log (ids only). Bookings keep their counts.
    /// `false` when the version moved.
    async fn erase(&self, student: &Student, audit: &AuditEvent) -> DomainResult<bool>;
}

#[async_trait]
pub trait ConsentRepository: Send + Sync {
    async fn insert(&self, consent: &Consent, audit: &AuditEvent) -> DomainResult<()>;
    /// The pupil's whole ledger, oldest first.
    async fn ledger(&self, tenant: TenantId, student: StudentId) -> DomainResult<Vec<Consent>>;
    /// Of `students`, those whose latest line for `purpose` grants it.
    async fn granted(
        &self,
        tenant: TenantId,
        students: &[StudentId],
        purpose: ConsentPurpose,
    ) -> DomainResult<Vec<StudentId>>;
}

#[async_trait]
pub trait RoutePlanRepository: Send + Sync {
    /// Stores a new version; one already stored at that version is a `Duplicate`.
    async fn insert(&self, plan: &RoutePlan, audit: &AuditEvent) -> DomainResult<()>;
    /// Every version of the pupil's plan, oldest first.
    async fn versions(&self, tenant: TenantId, student: StudentId) -> DomainResult<Vec<RoutePlan>>;
    /// Records `agreement` on the stored version `plan`, unless its party agreed to
    /// that version already: answers the party's agreement as stored and whether it
    /// is the one just recorded.
    async fn agree(
        &self,
        plan: &RoutePlan,
        agreement: &PlanAgreement,
        audit: &AuditEvent,
    ) -> DomainResult<(PlanAgreement, bool)>;
}

#[async_trait]
pub trait PortfolioRepository: Send + Sync {
    async fn insert(&self, entry: &PortfolioEntry, audit: &AuditEvent) -> DomainResult<()>;
    async fn get(
        &self,
        tenant: TenantId,
        id: PortfolioEntryId,
    ) -> DomainResult<Option<PortfolioEntry>>;
    /// One page of the pupil's entries made at or after `open_from` (all when `None`).
    async fn list(
        &self,
        tenant: TenantId,
        student: &Student,
        filter: &EntryFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<PortfolioEntry>>;
    /// Every entry of the pupil, oldest first, sealed ones included.
    async fn all(&self, tenant: TenantId, student: StudentId) -> DomainResult<Vec<PortfolioEntry>>;
    /// Every entry linked to the booking, oldest first.
    async fn on_booking(
        &self,
        tenant: TenantId,
        booking: BookingId,
    ) -> DomainResult<Vec<PortfolioEntry>>;
    async fn update(
        &self,
        entry: &PortfolioEntry,
        expected_version: i64,
        audit: &AuditEvent,
    ) -> DomainResult<bool>;
    async fn delete(&self, entry: &PortfolioEntry, audit: &AuditEvent) -> DomainResult<bool>;
}

/// Guardian invitations. Writes take their audit events, as pupils' records do.
#[async_trait]
pub trait InvitationRepository: Send + Sync {
    async fn insert(&self, invitation: &GuardianInvitation, audit: &AuditEvent)
    -> DomainResult<()>;
    async fn find_by_digest(&self, digest: &str) -> DomainResult<Option<GuardianInvitation>>;
    async fn get(
        &self,
        tenant: TenantId,
        id: InvitationId,
    ) -> DomainResult<Option<GuardianInvitation>>;
    /// The pupil's invitations, oldest first.
    async fn list(
        &self,
        tenant: TenantId,
        student: StudentId,
        page: &PageRequest,
    ) -> DomainResult<Vec<GuardianInvitation>>;
    /// Marks the invitation revoked (once).
    async fn revoke(
        &self,
        tenant: TenantId,
        id: InvitationId,
        at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> DomainResult<()>;
    /// Records that the parent submitted the page at `at`.
    async fn mark_used(
        &self,
        tenant: TenantId,
        id: InvitationId,
        at: DateTime<Utc>,
    ) -> DomainResult<()>;
}
