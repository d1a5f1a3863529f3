use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::EventFilter;
use crate::changes::{Audience, FeedScope};
use crate::ids::{BusinessId, TenantId, WebhookAttemptId, WebhookDeliveryId, WebhookEndpointId};
use crate::values::Description;

vocabulary! {
    /// Whether an endpoint receives deliveries.
    pub enum EndpointStatus = "webhook_endpoint_statuses" {
        Enabled => "enabled", "Enabled", "Actief";
        Disabled => "disabled", "Disabled", "Uitgeschakeld";
    }
}

vocabulary! {
    /// Where a delivery stands.
    pub enum DeliveryStatus = "webhook_delivery_statuses" {
        Pending => "pending", "Pending", "In afwachting";
        Succeeded => "succeeded", "Delivered", "Afgeleverd";
        Failed => "failed", "Failed (gave up)", "Mislukt (opgegeven)";
    }
}

/// Every secret starts with this (Standard Webhooks): `whsec_` and the base64 key.
pub const SECRET_PREFIX: &str = "whsec_";

/// An endpoint's signing secret, `whsec_<base64 of 32 random bytes>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    /// A new secret: 256 bits from the operating system.
    pub fn generate() -> Result<Self, String> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| format!("no randomness from the OS: {e}"))?;
        Ok(Self(format!("{SECRET_PREFIX}{}", STANDARD.encode(key))))
    }

    /// A stored secret, as written by [`Secret::generate`].
    pub fn parse(text: &str) -> Result<Self, String> {
        let secret = Self(text.to_owned());
        secret.key()?;
        Ok(secret)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The HMAC key: the base64 part, decoded.
    pub fn key(&self) -> Result<Vec<u8>, String> {
        let encoded = self
            .0
            .strip_prefix(SECRET_PREFIX)
            .ok_or("a webhook secret starts with whsec_")?;
        STANDARD
            .decode(encoded)
            .map_err(|e| format!("a webhook secret is base64 after whsec_: {e}"))
    }
}

/// A receiver of the tenant's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub id: WebhookEndpointId,
    pub tenant_id: TenantId,
    /// The business whose endpoint it is; `None` for the city's.
    pub business_id: Option<BusinessId>,
    pub url: String,
    pub description: Option<Description>,
    pub events: Vec<EventFilter>,
    pub status: EndpointStatus,
    /// Why the endpoint was disabled, when it was by Driehoek (a `410 Gone`).
    pub disabled_reason: Option<String>,
    pub secret: Secret,
    /// The secret before the last rotation, still signing until it expires.
    pub previous_secret: Option<(Secret, DateTime<Utc>)>,
    /// The last change of the tenant's log the worker has turned into deliveries.
    pub cursor_seq: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Endpoint {
    /// The changes the endpoint may receive: what its owner's change feed shows.
    pub fn scope(&self) -> FeedScope {
        self.business_id
            .map_or(FeedScope::City, FeedScope::Business)
    }

    pub fn wants(&self, event_type: &str) -> bool {
        self.events.iter().any(|f| f.matches(event_type))
    }

    /// The secrets that sign a delivery made at `now`: the current one, and the one
    /// before a rotation during its grace period.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&Secret> {
        let mut secrets = vec![&self.secret];
        secrets.extend(self.in_grace(now).map(|(previous, _)| previous));
        secrets
    }

    /// The secret before the last rotation and until when it signs, while it still does.
    pub fn in_grace(&self, now: DateTime<Utc>) -> Option<(&Secret, DateTime<Utc>)> {
        self.previous_secret
            .as_ref()
            .filter(|(_, until)| *until > now)
            .map(|(secret, until)| (secret, *until))
    }

    /// The endpoint as it stands at `now`: a previous secret whose grace has ended no
    /// longer signs and is not shown.
    pub fn as_of(mut self, now: DateTime<Utc>) -> Self {
        if self.in_grace(now).is_none() {
            self.previous_secret = None;
        }
        self
    }

    /// Who sees changes to the endpoint in the change feed: its business, or the city.
    pub fn feed_audience(&self) -> Audience {
        Self::audience_of(self.business_id)
    }

    /// Who sees changes to an endpoint of `business` (or of the city, with none).
    pub fn audience_of(business: Option<BusinessId>) -> Audience {
        match business {
            Some(business) => Audience::Parties {
                school: None,
                business: Some(business),
            },
            None => Audience::Admins,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEndpoint {
    pub url: String,
    pub description: Option<Description>,
    /// As sent; parsed for the endpoint's owner.
    pub events: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub description: Option<Option<Description>>,
    pub events: Option<Vec<String>>,
    pub status: Option<EndpointStatus>,
}

/// One event for one endpoint, with every attempt to deliver it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Also the `webhook-id` header: the same on every attempt and on a replay, so a
    /// receiver recognises a message it has already handled.
    pub id: WebhookDeliveryId,
    pub tenant_id: TenantId,
    pub endpoint_id: WebhookEndpointId,
    pub event_type: String,
    /// The change it was made from; `None` for a test event.
    pub seq: Option<i64>,
    pub resource: Option<String>,
    pub resource_id: Option<Uuid>,
    /// The body, exactly as every attempt sends it.
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status_code: Option<u16>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl Delivery {
    /// A delivery due at once.
    pub fn new(
        endpoint: &Endpoint,
        event_type: String,
        payload: String,
        change: Option<(i64, &str, Uuid)>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: WebhookDeliveryId::new(),
            tenant_id: endpoint.tenant_id,
            endpoint_id: endpoint.id,
            event_type,
            seq: change.map(|(seq, _, _)| seq),
            resource: change.map(|(_, res, _)| res.to_owned()),
            resource_id: change.map(|(_, _, id)| id),
            payload,
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            last_status_code: None,
            created_at: now,
            completed_at: None,
        }
    }
}

/// One try at sending a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub id: WebhookAttemptId,
    pub delivery_id: WebhookDeliveryId,
    pub attempted_at: DateTime<Utc>,
    /// The receiver's status; `None` when no answer came (refused, timed out).
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u64,
}

/// A delivery with its attempts, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryLog {
    pub delivery: Delivery,
    pub attempts: Vec<Attempt>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryFilter {
    pub status: Option<DeliveryStatus>,
}

/// One change of the log as the worker reads it: with its audience, the resource's
/// status before and after, and the parent a nested resource's path needs.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedChange {
    pub change: crate::changes::Change,
    pub audience: Audience,
    pub status: Option<String>,
    pub previous_status: Option<String>,
    /// The milestone the change was, when it is not a status (`booking.prepared`).
    pub event: Option<String>,
    pub parent: Option<Uuid>,
}

/// One attempt and the delivery's state after it, to be recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub delivery: Delivery,
    pub attempt: Attempt,
    /// Disable the endpoint, for this reason (it answered `410 Gone`).
    pub disable: Option<&'static str>,
}

/// What the receiver made of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendResult {
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u64,
}
