use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Delivery, DeliveryFilter, DeliveryLog, Endpoint, LoggedChange, Outcome, SendResult};
use crate::error::DomainResult;
use crate::ids::{BusinessId, TenantId, WebhookDeliveryId, WebhookEndpointId};
use crate::paging::PageRequest;

#[async_trait]
pub trait WebhookRepository: Send + Sync {
    /// Stores a new endpoint, with its change.
    async fn insert_endpoint(&self, endpoint: &Endpoint) -> DomainResult<()>;
    async fn get_endpoint(
        &self,
        tenant: TenantId,
        id: WebhookEndpointId,
    ) -> DomainResult<Option<Endpoint>>;
    /// The tenant's endpoints, or only those of `business`.
    async fn list_endpoints(
        &self,
        tenant: TenantId,
        business: Option<BusinessId>,
        page: &PageRequest,
    ) -> DomainResult<Vec<Endpoint>>;
    /// Writes the endpoint (already at its new version) if the stored one is still at
    /// `expected_version`; `false` when it moved.
    async fn update_endpoint(
        &self,
        endpoint: &Endpoint,
        expected_version: i64,
    ) -> DomainResult<bool>;
    /// Removes the endpoint with its deliveries; `false` when its version moved.
    async fn delete_endpoint(&self, endpoint: &Endpoint) -> DomainResult<bool>;

    /// An endpoint's deliveries, newest first, with their attempts.
    async fn list_deliveries(
        &self,
        endpoint: &Endpoint,
        filter: DeliveryFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<DeliveryLog>>;
    async fn get_delivery(
        &self,
        endpoint: &Endpoint,
        id: WebhookDeliveryId,
    ) -> DomainResult<Option<DeliveryLog>>;
    /// Queues a delivery made outside the change log (a test event).
    async fn enqueue(&self, delivery: &Delivery) -> DomainResult<()>;
    /// Makes a delivery due again at `now`, whatever its state (a replay).
    async fn requeue(
        &self,
        endpoint: &Endpoint,
        id: WebhookDeliveryId,
        now: DateTime<Utc>,
    ) -> DomainResult<bool>;

    /// Every enabled endpoint of every tenant, each with its tenant's slug.
    async fn enabled_endpoints(&self) -> DomainResult<Vec<(Endpoint, String)>>;
    /// The tenant's changes numbered above `after` and at most `up_to`, in order, at
    /// most `limit`.
    async fn logged_changes(
        &self,
        tenant: TenantId,
        after: i64,
        up_to: i64,
        limit: u32,
    ) -> DomainResult<Vec<LoggedChange>>;
    /// Stores `deliveries` for `endpoint` and moves its cursor to `cursor`, in one
    /// transaction, only if its cursor is still the one the caller read: `false` when
    /// another node got there first (and nothing is written).
    async fn fan_out(
        &self,
        endpoint: &Endpoint,
        cursor: i64,
        deliveries: &[Delivery],
    ) -> DomainResult<bool>;
    /// Leases up to `limit` due deliveries of enabled endpoints to `owner` until
    /// `lease_until`, each with its endpoint. A delivery waits while an older one for
    /// the same resource and endpoint is pending, so each resource's events arrive in
    /// order; a delivery leased by another node is not due until its lease ends.
    async fn claim_due(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<(Delivery, Endpoint)>>;
    /// Records attempts and their deliveries' new states (releasing the leases), and
    /// disables the endpoints an outcome asks to, in one transaction. An outcome whose
    /// lease `owner` no longer holds is skipped.
    async fn record_attempts(&self, outcomes: &[Outcome], owner: &str) -> DomainResult<()>;
    /// Removes deliveries completed before `before`, with their attempts; returns how
    /// many.
    async fn purge_completed(&self, before: DateTime<Utc>) -> DomainResult<u64>;
}

/// How deliveries leave: HTTP in production.
#[async_trait]
pub trait WebhookTransport: Send + Sync {
    /// Whether `url` (already well-formed) may receive deliveries: it must resolve, and
    /// only to public addresses unless private targets are allowed.
    async fn check_target(&self, url: &url::Url) -> Result<(), String>;
    /// POSTs `body` to `url` with `headers`; never follows redirects.
    async fn post(&self, url: &str, headers: &[(&'static str, String)], body: &str) -> SendResult;
    /// Whether plain `http` and private addresses are allowed (development and tests).
    fn allows_private(&self) -> bool;
}
