//! Webhook endpoints and their deliveries on the wire.

use chrono::{DateTime, Utc};
use driehoek_domain::ValidationErrors;
use driehoek_domain::values::Description;
use driehoek_domain::webhooks::{
    Attempt, DeliveryLog, DeliveryStatus, Endpoint, EndpointChanges, EventFilter, EventType,
    NewEndpoint,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{DeliveryStatusCode, WebhookStatusCode, double_option, patch_field};

/// A new webhook endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookIn {
    /// Where deliveries are POSTed: `https`, on a public address.
    #[schema(example = "https://partner.example.com/driehoek/webhooks")]
    pub url: String,
    /// Event types (see `GET /v1/webhook-event-types`), `<resource>.*`, or `*` for every
    /// event the endpoint's owner may see.
    #[schema(example = json!(["booking.*", "work_visit.published"]))]
    pub events: Vec<String>,
    #[schema(min_length = 1, max_length = 5000)]
    pub description: Option<String>,
}

impl TryFrom<WebhookIn> for NewEndpoint {
    type Error = ValidationErrors;

    fn try_from(input: WebhookIn) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let description = errors.check_opt(
            "/description",
            input.description.as_deref().map(Description::parse),
        );
        match description {
            Some(description) if errors.is_empty() => Ok(NewEndpoint {
                url: input.url,
                description,
                events: input.events,
            }),
            _ => Err(errors),
        }
    }
}

/// Changes to an endpoint (JSON merge patch). Setting `status` to `enabled` resumes
/// deliveries where they stopped.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    #[schema(min_length = 1, max_length = 5000)]
    pub description: Option<Option<String>>,
    pub status: Option<WebhookStatusCode>,
}

impl TryFrom<WebhookPatch> for EndpointChanges {
    type Error = ValidationErrors;

    fn try_from(input: WebhookPatch) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let changes = EndpointChanges {
            url: input.url,
            events: input.events,
            description: patch_field(
                &mut errors,
                "/description",
                input
                    .description
                    .map(|v| v.as_deref().map(Description::parse)),
            ),
            status: input.status.map(|s| s.0),
        };
        if errors.is_empty() {
            Ok(changes)
        } else {
            Err(errors)
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookOut {
    pub id: Uuid,
    pub url: String,
    #[schema(example = json!(["booking.*"]))]
    pub events: Vec<String>,
    pub description: Option<String>,
    pub status: WebhookStatusCode,
    /// Why Driehoek disabled the endpoint, when it did.
    pub disabled_reason: Option<String>,
    /// The business whose endpoint it is; `null` for the city's.
    pub business_id: Option<Uuid>,
    /// Until when the secret before the last rotation still signs deliveries too.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Endpoint> for WebhookOut {
    fn from(e: Endpoint) -> Self {
        let previous_secret_expires_at = e.previous_secret.as_ref().map(|(_, until)| *until);
        Self {
            id: e.id.as_uuid(),
            url: e.url,
            events: e.events.iter().map(EventFilter::as_text).collect(),
            description: e.description.map(|d| d.to_string()),
            status: e.status.into(),
            disabled_reason: e.disabled_reason,
            business_id: e.business_id.map(|b| b.as_uuid()),
            previous_secret_expires_at,
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// A new endpoint, or one with a new secret: the only time the secret is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: WebhookOut,
    /// The signing secret (Standard Webhooks: `whsec_` and the base64 key). Store it
    /// now: it is never shown again.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// A secret rotation.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateIn {
    /// How long the old secret keeps signing too, 0-604800 (default 86400: one day).
    pub grace_period_seconds: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptOut {
    pub id: Uuid,
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status; `null` when none came (refused, timed out).
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u64,
}

impl From<Attempt> for AttemptOut {
    fn from(a: Attempt) -> Self {
        Self {
            id: a.id.as_uuid(),
            attempted_at: a.attempted_at,
            status_code: a.status_code,
            error: a.error,
            duration_ms: a.duration_ms,
        }
    }
}

/// One event for one endpoint, with every attempt to deliver it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryOut {
    /// Also the `webhook-id` header, the same on every attempt and replay.
    pub id: Uuid,
    #[schema(example = "booking.cancelled")]
    pub event_type: String,
    pub status: DeliveryStatusCode,
    /// The change-feed number of the change it reports; `null` for a test event.
    pub seq: Option<i64>,
    pub resource: Option<String>,
    pub resource_id: Option<Uuid>,
    /// The body every attempt sends, byte for byte.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// When it is tried next, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<u16>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Oldest first.
    pub attempts: Vec<AttemptOut>,
}

impl From<DeliveryLog> for DeliveryOut {
    fn from(log: DeliveryLog) -> Self {
        let d = log.delivery;
        Self {
            id: d.id.as_uuid(),
            payload: serde_json::from_str(&d.payload)
                .unwrap_or(serde_json::Value::String(d.payload)),
            event_type: d.event_type,
            status: d.status.into(),
            seq: d.seq,
            resource: d.resource,
            resource_id: d.resource_id,
            next_attempt_at: (d.status == DeliveryStatus::Pending).then_some(d.next_attempt_at),
            last_status_code: d.last_status_code,
            created_at: d.created_at,
            completed_at: d.completed_at,
            attempts: log.attempts.into_iter().map(AttemptOut::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventTypeOut {
    #[schema(example = "booking.cancelled")]
    pub name: String,
    #[schema(example = "booking")]
    pub resource: String,
    pub description: String,
}

impl From<EventType> for EventTypeOut {
    fn from(e: EventType) -> Self {
        Self {
            name: e.name,
            resource: e.resource.to_owned(),
            description: e.description,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventTypeList {
    pub data: Vec<EventTypeOut>,
}

/// The body of every delivery (Standard Webhooks): a thin event naming the resource
/// and where to read it with the receiver's own key.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEvent {
    #[schema(example = "booking.cancelled")]
    pub r#type: String,
    /// When the change happened.
    pub timestamp: DateTime<Utc>,
    pub data: WebhookEventData,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEventData {
    #[schema(example = "booking")]
    pub resource: String,
    pub id: Uuid,
    #[schema(example = "updated")]
    pub op: String,
    pub version: i64,
    /// The change's number in the tenant's change feed.
    pub seq: i64,
    #[schema(example = "rotterdam")]
    pub tenant: String,
    /// The resource's path; `null` after a deletion.
    #[schema(example = "/v1/tenants/rotterdam/bookings/0193…")]
    pub url: Option<String>,
}
