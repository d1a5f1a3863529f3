use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

use super::{
    Attempt, Delivery, DeliveryFilter, DeliveryLog, DeliveryStatus, Endpoint, EndpointChanges,
    EndpointStatus, EventFilter, LoggedChange, NewEndpoint, Outcome, RetryPolicy, Secret,
    TEST_EVENT, WebhookRepository, WebhookTransport, event_type, parse_url, resource_path,
    signature_header,
};
use crate::auth::{Actor, Role};
use crate::changes::{ChangeOp, ChangeRepository};
use crate::clock::SharedClock;
use crate::error::{DomainError, DomainResult, ValidationErrors};
use crate::ids::{BusinessId, TenantId, WebhookAttemptId, WebhookDeliveryId, WebhookEndpointId};
use crate::paging::{Page, PageRequest};
use crate::versioning::{check_if_match, written};

/// The most event filters one endpoint holds.
pub const MAX_EVENT_FILTERS: usize = 100;
/// The longest grace period of a rotated secret.
pub const MAX_GRACE: Duration = Duration::from_secs(7 * 24 * 3600);
/// The grace period of a rotated secret unless the caller names one.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(24 * 3600);
/// Changes one fan-out round reads per tenant.
const FAN_OUT_BATCH: u32 = 500;
/// How long a node holds a delivery it is sending; well beyond a send's time-out, so
/// a slow receiver never has its delivery taken by a second node.
const LEASE: TimeDelta = TimeDelta::seconds(120);

/// How long a delivered or abandoned delivery stays in the log.
pub const KEEP_DELIVERIES: TimeDelta = TimeDelta::days(30);

/// What one round of sending did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendRound {
    pub succeeded: usize,
    /// Failed attempts that will be tried again.
    pub retrying: usize,
    /// Deliveries given up (after about three days, or on a `410 Gone`).
    pub failed: usize,
}

impl SendRound {
    pub fn total(&self) -> usize {
        self.succeeded + self.retrying + self.failed
    }
}

#[derive(Clone)]
pub struct WebhookService {
    repo: Arc<dyn WebhookRepository>,
    changes: Arc<dyn ChangeRepository>,
    transport: Arc<dyn WebhookTransport>,
    retry: RetryPolicy,
    clock: SharedClock,
}

impl WebhookService {
    pub fn new(
        repo: Arc<dyn WebhookRepository>,
        changes: Arc<dyn ChangeRepository>,
        transport: Arc<dyn WebhookTransport>,
        retry: RetryPolicy,
        clock: SharedClock,
    ) -> Self {
        Self {
            repo,
            changes,
            transport,
            retry,
            clock,
        }
    }

    /// City administrators manage the tenant's endpoints; a business its own.
    fn owner(actor: &Actor) -> DomainResult<Option<BusinessId>> {
        match actor.role {
            Role::PlatformAdmin | Role::CityAdmin => Ok(None),
            Role::Business => actor
                .business()
                .map(Some)
                .ok_or_else(|| DomainError::forbidden("the key has no business")),
            Role::School | Role::Integrator | Role::Pupil | Role::Guardian => {
                Err(DomainError::forbidden(
                    "webhooks are managed by the city's administrators and by businesses",
                ))
            }
        }
    }

    async fn checked_url(&self, text: &str) -> Result<String, String> {
        let url = parse_url(text, self.transport.allows_private())?;
        self.transport.check_target(&url).await?;
        Ok(url.to_string())
    }

    fn parse_events(
        texts: &[String],
        for_business: bool,
        errors: &mut ValidationErrors,
    ) -> Vec<EventFilter> {
        if texts.is_empty() {
            errors.add("/events", "name at least one event type, or \"*\"");
        }
        if texts.len() > MAX_EVENT_FILTERS {
            errors.add(
                "/events",
                format!("at most {MAX_EVENT_FILTERS} event types"),
            );
        }
        let mut filters: Vec<EventFilter> = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            if let Some(filter) = errors.check(
                &format!("/events/{i}"),
                EventFilter::parse(text, for_business),
            ) && !filters.contains(&filter)
            {
                filters.push(filter);
            }
        }
        filters
    }

    /// Registers an endpoint; the secret is returned this once. It receives changes
    /// from now on.
    pub async fn create(
        &self,
        actor: &Actor,
        tenant: TenantId,
        new: NewEndpoint,
    ) -> DomainResult<(Endpoint, String)> {
        let owner = Self::owner(actor)?;
        let mut errors = ValidationErrors::new();
        let events = Self::parse_events(&new.events, owner.is_some(), &mut errors);
        let url = match errors.check("/url", self.checked_url(&new.url).await) {
            Some(url) if errors.is_empty() => url,
            _ => return Err(DomainError::Validation(errors)),
        };
        let secret = Secret::generate().map_err(DomainError::Internal)?;
        let now = self.clock.now();
        let endpoint = Endpoint {
            id: WebhookEndpointId::new(),
            tenant_id: tenant,
            business_id: owner,
            url,
            description: new.description,
            events,
            status: EndpointStatus::Enabled,
            disabled_reason: None,
            secret: secret.clone(),
            previous_secret: None,
            cursor_seq: self.changes.last_seq(tenant).await?,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.repo.insert_endpoint(&endpoint).await?;
        Ok((endpoint, secret.as_str().to_owned()))
    }

    pub async fn list(
        &self,
        actor: &Actor,
        tenant: TenantId,
        page: PageRequest,
    ) -> DomainResult<Page<Endpoint>> {
        let owner = Self::owner(actor)?;
        let now = self.clock.now();
        let rows = self.repo.list_endpoints(tenant, owner, &page).await?;
        let rows = rows.into_iter().map(|e| e.as_of(now)).collect();
        Ok(Page::from_fetched(rows, &page, |e| e.id.as_uuid()))
    }

    /// An endpoint the caller manages; another business's is not found.
    pub async fn get(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: WebhookEndpointId,
    ) -> DomainResult<Endpoint> {
        let owner = Self::owner(actor)?;
        self.repo
            .get_endpoint(tenant, id)
            .await?
            .filter(|e| owner.is_none() || e.business_id == owner)
            .map(|e| e.as_of(self.clock.now()))
            .ok_or(DomainError::NotFound("webhook endpoint"))
    }

    /// Changes the URL, events, description or status. Enabling a disabled endpoint
    /// resumes deliveries where they stopped.
    pub async fn update(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: WebhookEndpointId,
        changes: EndpointChanges,
        if_match: Option<i64>,
    ) -> DomainResult<Endpoint> {
        let mut endpoint = self.get(actor, tenant, id).await?;
        check_if_match(endpoint.version, if_match)?;
        let mut errors = ValidationErrors::new();
        if let Some(texts) = &changes.events {
            endpoint.events =
                Self::parse_events(texts, endpoint.business_id.is_some(), &mut errors);
        }
        if let Some(text) = &changes.url
            && let Some(url) = errors.check("/url", self.checked_url(text).await)
        {
            endpoint.url = url;
        }
        errors.into_result()?;
        if let Some(description) = changes.description {
            endpoint.description = description;
        }
        if let Some(status) = changes.status {
            endpoint.status = status;
            endpoint.disabled_reason = None;
        }
        self.write(endpoint).await
    }

    async fn write(&self, mut endpoint: Endpoint) -> DomainResult<Endpoint> {
        let expected = endpoint.version;
        endpoint.version += 1;
        endpoint.updated_at = self.clock.now();
        written(
            self.repo.update_endpoint(&endpoint, expected).await?,
            endpoint,
            expected + 1,
        )
    }

    pub async fn delete(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: WebhookEndpointId,
        if_match: Option<i64>,
    ) -> DomainResult<()> {
        let endpoint = self.get(actor, tenant, id).await?;
        check_if_match(endpoint.version, if_match)?;
        written(
            self.repo.delete_endpoint(&endpoint).await?,
            (),
            endpoint.version + 1,
        )
    }

    /// A new secret, returned this once. The old one keeps signing (a second
    /// signature in the same header) for `grace`, so receivers can switch without
    /// losing a delivery.
    pub async fn rotate_secret(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: WebhookEndpointId,
        grace: Option<Duration>,
    ) -> DomainResult<(Endpoint, String)> {
        let grace = grace.unwrap_or(DEFAULT_GRACE);
        if grace > MAX_GRACE {
            return Err(DomainError::invalid(
                "/grace_period_seconds",
                format!("at most {} seconds (7 days)", MAX_GRACE.as_secs()),
            ));
        }
        let mut endpoint = self.get(actor, tenant, id).await?;
        let secret = Secret::generate().map_err(DomainError::Internal)?;
        let until = self.clock.now()
            + TimeDelta::from_std(grace).map_err(|e| DomainError::Internal(e.to_string()))?;
        let previous = std::mem::replace(&mut endpoint.secret, secret.clone());
        endpoint.previous_secret = (!grace.is_zero()).then_some((previous, until));
        let endpoint = self.write(endpoint).await?;
        Ok((endpoint, secret.as_str().to_owned()))
    }

    /// Queues a `webhook.test` event for the endpoint, due at once.
    pub async fn send_test(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: WebhookEndpointId,
    ) -> DomainResult<DeliveryLog> {
        let endpoint = self.get(actor, tenant, id).await?;
        let now = self.clock.now();
        let payload = serde_json::json!({
            "type": TEST_EVENT,
            "timestamp": timestamp(now),
            "data": {"endpoint_id": endpoint.id.as_uuid()},
        })
        .to_string();
        let delivery = Delivery::new(&endpoint, TEST_EVENT.to_owned(), payload, None, now);
        self.repo.enqueue(&delivery).await?;
        Ok(DeliveryLog {
            delivery,
            attempts: Vec::new(),
        })
    }

    pub async fn deliveries(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: WebhookEndpointId,
        filter: DeliveryFilter,
        page: PageRequest,
    ) -> DomainResult<Page<DeliveryLog>> {
        let endpoint = self.get(actor, tenant, id).await?;
        let rows = self.repo.list_deliveries(&endpoint, filter, &page).await?;
        Ok(Page::from_fetched(rows, &page, |d| d.delivery.id.as_uuid()))
    }

    pub async fn delivery(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: WebhookEndpointId,
        delivery: WebhookDeliveryId,
    ) -> DomainResult<DeliveryLog> {
        let endpoint = self.get(actor, tenant, id).await?;
        self.repo
            .get_delivery(&endpoint, delivery)
            .await?
            .ok_or(DomainError::NotFound("delivery"))
    }

    /// Sends a delivery again, with the same `webhook-id` and body, as soon as the
    /// worker comes by (once the endpoint is enabled).
    pub async fn replay(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: WebhookEndpointId,
        delivery: WebhookDeliveryId,
    ) -> DomainResult<DeliveryLog> {
        let endpoint = self.get(actor, tenant, id).await?;
        if !self
            .repo
            .requeue(&endpoint, delivery, self.clock.now())
            .await?
        {
            return Err(DomainError::NotFound("delivery"));
        }
        self.repo
            .get_delivery(&endpoint, delivery)
            .await?
            .ok_or(DomainError::NotFound("delivery"))
    }

    /// Turns new changes into deliveries for every enabled endpoint: the changes its
    /// owner may see, of the types it subscribed to. Safe on many nodes at once: each
    /// endpoint's deliveries and cursor move together, only from the cursor read.
    /// Returns the deliveries made.
    pub async fn fan_out(&self) -> DomainResult<usize> {
        let mut by_tenant: HashMap<TenantId, (String, Vec<Endpoint>)> = HashMap::new();
        for (endpoint, slug) in self.repo.enabled_endpoints().await? {
            by_tenant
                .entry(endpoint.tenant_id)
                .or_insert_with(|| (slug, Vec::new()))
                .1
                .push(endpoint);
        }
        let mut made = 0;
        for (tenant, (slug, endpoints)) in by_tenant {
            let last = self.changes.last_seq(tenant).await?;
            let Some(from) = endpoints
                .iter()
                .map(|e| e.cursor_seq)
                .filter(|c| *c < last)
                .min()
            else {
                continue;
            };
            let logged = self
                .repo
                .logged_changes(tenant, from, last, FAN_OUT_BATCH)
                .await?;
            let full = logged.len() >= FAN_OUT_BATCH as usize;
            let cursor = match logged.last() {
                Some(change) if full => change.change.seq,
                _ => last,
            };
            let now = self.clock.now();
            let events: Vec<(&LoggedChange, String, String)> = logged
                .iter()
                .filter_map(|c| {
                    let kind = event_type(
                        &c.change.resource,
                        c.change.op,
                        (c.status.as_deref(), c.previous_status.as_deref()),
                        c.event.as_deref(),
                    )?;
                    let body = change_payload(&kind, c, &slug);
                    Some((c, kind, body))
                })
                .collect();
            for endpoint in endpoints.iter().filter(|e| e.cursor_seq < cursor) {
                let scope = endpoint.scope();
                let deliveries: Vec<Delivery> = events
                    .iter()
                    .filter(|(c, kind, _)| {
                        c.change.seq > endpoint.cursor_seq
                            && c.change.seq <= cursor
                            && scope.sees(c.audience)
                            && endpoint.wants(kind)
                    })
                    .map(|(c, kind, body)| {
                        let change = (c.change.seq, c.change.resource.as_str(), c.change.id);
                        Delivery::new(endpoint, kind.clone(), body.clone(), Some(change), now)
                    })
                    .collect();
                if self.repo.fan_out(endpoint, cursor, &deliveries).await? {
                    made += deliveries.len();
                }
            }
        }
        Ok(made)
    }

    /// Removes deliveries completed more than [`KEEP_DELIVERIES`] ago.
    pub async fn purge_old_deliveries(&self) -> DomainResult<u64> {
        self.repo
            .purge_completed(self.clock.now() - KEEP_DELIVERIES)
            .await
    }

    /// Sends up to `limit` due deliveries, leased to `node` while they are in flight,
    /// all at once; records every attempt.
    pub async fn send_due(&self, node: &str, limit: u32) -> DomainResult<SendRound> {
        let now = self.clock.now();
        let claimed = self.repo.claim_due(node, now, now + LEASE, limit).await?;
        let sends = claimed
            .iter()
            .map(|(delivery, endpoint)| self.attempt(delivery, endpoint));
        let mut outcomes = futures_util::future::join_all(sends)
            .await
            .into_iter()
            .collect::<DomainResult<Vec<_>>>()?;
        // A round's finished deliveries share its end as their completion time (each
        // attempt keeps its own), so they are recorded together.
        let finished = self.clock.now();
        for outcome in &mut outcomes {
            if outcome.delivery.completed_at.is_some() {
                outcome.delivery.completed_at = Some(finished);
            }
        }
        self.repo.record_attempts(&outcomes, node).await?;
        let mut round = SendRound::default();
        for outcome in &outcomes {
            match outcome.delivery.status {
                DeliveryStatus::Succeeded => round.succeeded += 1,
                DeliveryStatus::Pending => round.retrying += 1,
                DeliveryStatus::Failed => round.failed += 1,
            }
        }
        Ok(round)
    }

    /// Sends a delivery once; what came of it, for the caller to record.
    async fn attempt(&self, delivery: &Delivery, endpoint: &Endpoint) -> DomainResult<Outcome> {
        let sent_at = self.clock.now();
        let message_id = delivery.id.to_string();
        let timestamp = sent_at.timestamp();
        let signature = signature_header(
            &endpoint.signing_secrets(sent_at),
            &message_id,
            timestamp,
            &delivery.payload,
        )
        .map_err(DomainError::Internal)?;
        let headers = [
            ("webhook-id", message_id),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
        ];
        let result = self
            .transport
            .post(&endpoint.url, &headers, &delivery.payload)
            .await;
        let done = self.clock.now();
        let mut next = delivery.clone();
        next.attempts += 1;
        next.last_status_code = result.status_code;
        let mut disable = None;
        match result.status_code {
            Some(code) if (200..300).contains(&code) => {
                next.status = DeliveryStatus::Succeeded;
                next.completed_at = Some(done);
            }
            Some(410) => {
                next.status = DeliveryStatus::Failed;
                next.completed_at = Some(done);
                disable = Some("the endpoint answered 410 Gone");
            }
            _ => match self
                .retry
                .next_attempt(next.attempts, delivery.created_at, done, jitter())
            {
                Some(at) => {
                    next.status = DeliveryStatus::Pending;
                    next.next_attempt_at = at;
                }
                None => {
                    next.status = DeliveryStatus::Failed;
                    next.completed_at = Some(done);
                }
            },
        }
        let attempt = Attempt {
            id: WebhookAttemptId::new(),
            delivery_id: delivery.id,
            attempted_at: sent_at,
            status_code: result.status_code,
            error: result.error,
            duration_ms: result.duration_ms,
        };
        Ok(Outcome {
            delivery: next,
            attempt,
            disable,
        })
    }
}

/// A number in 0..1 from the OS, to spread retries; the middle if none comes.
fn jitter() -> f64 {
    let mut byte = [0u8; 1];
    match getrandom::fill(&mut byte) {
        Ok(()) => f64::from(byte[0]) / 255.0,
        Err(_) => 0.5,
    }
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A thin event: what changed and where to read it with the receiver's own key, so
/// what it then reads is current and what its role may see, and no personal data
/// travels in the webhook itself.
fn change_payload(kind: &str, logged: &LoggedChange, tenant: &str) -> String {
    let change = &logged.change;
    let path = (change.op != ChangeOp::Deleted)
        .then(|| resource_path(tenant, &change.resource, change.id, logged.parent))
        .flatten();
    serde_json::json!({
        "type": kind,
        "timestamp": timestamp(change.at),
        "data": {
            "resource": change.resource,
            "id": change.id,
            "op": change.op.as_str(),
            "version": change.version,
            "seq": change.seq,
            "tenant": tenant,
            "url": path,
        },
    })
    .to_string()
}
