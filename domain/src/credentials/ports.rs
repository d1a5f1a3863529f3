use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Credential, IssuerKey, StatusEntry};
use crate::audit::AuditEvent;
use crate::error::DomainResult;
use crate::ids::{BookingId, CredentialId, StudentId, TenantId};

/// What storing a new credential came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issued {
    /// Stored.
    New,
    /// The pupil already holds a credential for the booking: this one.
    Existing(Credential),
    /// Another credential took the status entry meanwhile; choose another.
    StatusTaken,
}

#[async_trait]
pub trait CredentialRepository: Send + Sync {
    /// The city's signing keys, oldest first, private halves opened.
    async fn keys(&self, tenant: TenantId) -> DomainResult<Vec<IssuerKey>>;
    /// Stores a key (its private half sealed); `false` when its generation was taken
    /// meanwhile (another node made or rotated the key at the same time).
    async fn insert_key(&self, key: &IssuerKey) -> DomainResult<bool>;
    /// Stores the credential with the audit event, in one transaction, unless the
    /// pupil holds one for the booking already or its status entry is taken.
    async fn insert(&self, credential: &Credential, audit: &AuditEvent) -> DomainResult<Issued>;
    /// The pupil's credential for the booking.
    async fn find(
        &self,
        tenant: TenantId,
        student: StudentId,
        booking: BookingId,
    ) -> DomainResult<Option<Credential>>;
    /// The pupil's credentials, oldest first.
    async fn of_student(
        &self,
        tenant: TenantId,
        student: StudentId,
    ) -> DomainResult<Vec<Credential>>;
    async fn get(&self, tenant: TenantId, id: CredentialId) -> DomainResult<Option<Credential>>;
    /// Marks the credential revoked at `at` (kept when it was already) with the audit
    /// event; `false` when it is gone.
    async fn revoke(
        &self,
        tenant: TenantId,
        id: CredentialId,
        at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> DomainResult<bool>;
    /// How many credentials the city ever issued (erased pupils' included).
    async fn issued(&self, tenant: TenantId) -> DomainResult<u64>;
    /// The revoked entries of list `list`; `None` when no credential was put in it.
    async fn revoked_in(&self, tenant: TenantId, list: u32) -> DomainResult<Option<Vec<u32>>>;
    /// Whether the entry is revoked; `None` when no credential holds it.
    async fn is_revoked(&self, tenant: TenantId, entry: StatusEntry) -> DomainResult<Option<bool>>;
}
