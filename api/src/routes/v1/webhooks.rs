//! `/v1/tenants/{tenant}/webhooks`: endpoints that receive the tenant's events, their
//! delivery log, test events, replays and secret rotation. City administrators manage
//! all of the tenant's endpoints; a business key its own, which receive only what the
//! business may read.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use driehoek_api_macros::guarded;
use driehoek_domain::ids::{WebhookDeliveryId, WebhookEndpointId};
use driehoek_domain::webhooks::{DeliveryFilter, DeliveryStatus, catalogue};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::PageQuery;
use super::code_filter;
use crate::authz::{Authorized, AuthorizedCaller, BusinessOrCity, Organisations, guarded};
use crate::error::ApiError;
use crate::extract::{IfMatch, JsonBody, Query, page_request};
use crate::problems::{DeleteErrors, ReadErrors, WriteErrors};
use crate::responses::{list, no_content, resource};
use crate::state::AppState;
use crate::wire::ListOf;
use crate::wire::webhooks::{
    DeliveryOut, EventTypeList, EventTypeOut, RotateIn, WebhookIn, WebhookOut, WebhookPatch,
    WebhookWithSecret,
};

/// The event types, outside any tenant.
pub fn configure_event_types(cfg: &mut ServiceConfig) {
    cfg.service(guarded(list_event_types));
}

/// A tenant's endpoints and deliveries, under `/webhooks`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(list_webhooks))
        .service(guarded(create_webhook))
        .service(guarded(get_webhook))
        .service(guarded(update_webhook))
        .service(guarded(delete_webhook))
        .service(guarded(rotate_secret))
        .service(guarded(send_test))
        .service(guarded(list_deliveries))
        .service(guarded(get_delivery))
        .service(guarded(replay_delivery));
}

type WebhookPath = web::Path<(String, Uuid)>;
type DeliveryPath = web::Path<(String, Uuid, Uuid)>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// `pending`, `succeeded` or `failed`.
    #[param(value_type = Option<crate::wire::DeliveryStatusCode>)]
    status: Option<String>,
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// The secret-bearing answers are never cached.
fn with_secret(status: actix_web::http::StatusCode, body: WebhookWithSecret) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, crate::responses::etag(body.webhook.version)))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

#[guarded]
/// List webhook event types
///
/// Every event type an endpoint may subscribe to. One event is sent per change: a
/// transition of note (`booking.cancelled`, `work_visit.published`, …) has its own
/// type, other updates are `<resource>.updated`. Pupils' data never leaves by
/// webhook. Any valid key.
#[utoipa::path(
    operation_id = "webhooks.event_types", tag = "webhook-endpoints",
    responses((status = 200, description = "The event types", body = EventTypeList), ReadErrors),
    security(("api_key" = []))
)]
#[get("/webhook-event-types")]
pub async fn list_event_types(
    _caller: AuthorizedCaller<Organisations>,
) -> Result<HttpResponse, ApiError> {
    let data = catalogue().into_iter().map(EventTypeOut::from).collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .json(EventTypeList { data }))
}

#[guarded]
/// List webhook endpoints
///
/// City administrators see all of the tenant's endpoints; a business its own.
#[utoipa::path(
    operation_id = "webhooks.list", tag = "webhook-endpoints",
    params(("tenant" = String, Path, description = "Tenant slug"), PageQuery),
    responses((status = 200, description = "One page of endpoints", body = ListOf<WebhookOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("")]
pub async fn list_webhooks(
    req: HttpRequest,
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let page = query.page()?;
    let endpoints = state.webhooks.list(&ctx.actor, ctx.tenant.id, page).await?;
    Ok(list(&req, endpoints, WebhookOut::from))
}

#[guarded]
/// Create a webhook endpoint
///
/// City administrators, or a business for its own events (it receives only changes
/// the business may read: the catalogue and bookings on its offerings). The endpoint
/// receives changes made from now on. The signing `secret` is in this response only.
/// The URL must be `https` on a public address: private and loopback targets are
/// refused (422) unless the operator allows them.
#[utoipa::path(
    operation_id = "webhooks.create", tag = "webhook-endpoints",
    params(("tenant" = String, Path, description = "Tenant slug")),
    request_body = WebhookIn,
    responses((status = 201, description = "Created; the secret is shown once", body = WebhookWithSecret), WriteErrors),
    security(("api_key" = []))
)]
#[post("")]
pub async fn create_webhook(
    req: HttpRequest,
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    body: JsonBody<WebhookIn>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner()?.try_into()?;
    let (endpoint, secret) = state
        .webhooks
        .create(&ctx.actor, ctx.tenant.id, new)
        .await?;
    let location = format!("{}/{}", req.path(), endpoint.id);
    let mut response = with_secret(
        actix_web::http::StatusCode::CREATED,
        WebhookWithSecret {
            webhook: endpoint.into(),
            secret,
        },
    );
    if let Ok(value) = header::HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

#[guarded]
/// Read a webhook endpoint
#[utoipa::path(
    operation_id = "webhooks.get", tag = "webhook-endpoints",
    params(("tenant" = String, Path, description = "Tenant slug"), ("webhook_id" = Uuid, Path, description = "Endpoint id")),
    responses((status = 200, description = "The endpoint, without its secret", body = WebhookOut), (status = 304, description = "Not modified since the `If-None-Match` version"), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{webhook_id}")]
pub async fn get_webhook(
    req: HttpRequest,
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: WebhookPath,
) -> Result<HttpResponse, ApiError> {
    let endpoint = state
        .webhooks
        .get(
            &ctx.actor,
            ctx.tenant.id,
            WebhookEndpointId::from_uuid(path.1),
        )
        .await?;
    Ok(resource(&req, endpoint.version, WebhookOut::from(endpoint)))
}

#[guarded]
/// Update a webhook endpoint
///
/// JSON merge patch. `"status": "enabled"` re-enables an endpoint Driehoek disabled;
/// deliveries resume where they stopped, nothing is skipped.
#[utoipa::path(
    operation_id = "webhooks.update", tag = "webhook-endpoints",
    params(("tenant" = String, Path, description = "Tenant slug"), ("webhook_id" = Uuid, Path, description = "Endpoint id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    request_body(content = WebhookPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Updated", body = WebhookOut), WriteErrors),
    security(("api_key" = []))
)]
#[patch("/{webhook_id}")]
pub async fn update_webhook(
    req: HttpRequest,
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: WebhookPath,
    if_match: IfMatch,
    body: JsonBody<WebhookPatch>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner()?.try_into()?;
    let endpoint = state
        .webhooks
        .update(
            &ctx.actor,
            ctx.tenant.id,
            WebhookEndpointId::from_uuid(path.1),
            changes,
            if_match.version()?,
        )
        .await?;
    Ok(resource(&req, endpoint.version, WebhookOut::from(endpoint)))
}

#[guarded]
/// Delete a webhook endpoint
///
/// With its delivery log; nothing more is sent to it.
#[utoipa::path(
    operation_id = "webhooks.delete", tag = "webhook-endpoints",
    params(("tenant" = String, Path, description = "Tenant slug"), ("webhook_id" = Uuid, Path, description = "Endpoint id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    responses((status = 204, description = "Deleted"), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/{webhook_id}")]
pub async fn delete_webhook(
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: WebhookPath,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    state
        .webhooks
        .delete(
            &ctx.actor,
            ctx.tenant.id,
            WebhookEndpointId::from_uuid(path.1),
            if_match.version()?,
        )
        .await?;
    Ok(no_content())
}

#[guarded]
/// Rotate an endpoint's secret
///
/// A new secret, shown in this response only. During the grace period every delivery
/// carries two signatures in `webhook-signature`, one per secret, so the receiver
/// switches at its own pace.
#[utoipa::path(
    operation_id = "webhooks.rotate_secret", tag = "webhook-endpoints",
    params(("tenant" = String, Path, description = "Tenant slug"), ("webhook_id" = Uuid, Path, description = "Endpoint id")),
    request_body = RotateIn,
    responses((status = 200, description = "Rotated; the new secret is shown once", body = WebhookWithSecret), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{webhook_id}/rotate-secret")]
pub async fn rotate_secret(
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: WebhookPath,
    body: JsonBody<RotateIn>,
) -> Result<HttpResponse, ApiError> {
    let grace = body
        .into_inner()?
        .grace_period_seconds
        .map(Duration::from_secs);
    let (endpoint, secret) = state
        .webhooks
        .rotate_secret(
            &ctx.actor,
            ctx.tenant.id,
            WebhookEndpointId::from_uuid(path.1),
            grace,
        )
        .await?;
    Ok(with_secret(
        actix_web::http::StatusCode::OK,
        WebhookWithSecret {
            webhook: endpoint.into(),
            secret,
        },
    ))
}

#[guarded]
/// Send a test event
///
/// Queues a `webhook.test` event for the endpoint, whatever it subscribed to; it is
/// sent within a second or so. Follow it in the delivery log.
#[utoipa::path(
    operation_id = "webhooks.test", tag = "webhook-endpoints",
    params(("tenant" = String, Path, description = "Tenant slug"), ("webhook_id" = Uuid, Path, description = "Endpoint id")),
    responses((status = 202, description = "Queued", body = DeliveryOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{webhook_id}/test")]
pub async fn send_test(
    req: HttpRequest,
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: WebhookPath,
) -> Result<HttpResponse, ApiError> {
    let log = state
        .webhooks
        .send_test(
            &ctx.actor,
            ctx.tenant.id,
            WebhookEndpointId::from_uuid(path.1),
        )
        .await?;
    Ok(accepted(&req, log.delivery.id, log.into()))
}

fn accepted(req: &HttpRequest, id: WebhookDeliveryId, body: DeliveryOut) -> HttpResponse {
    let path = req.path();
    let base = path
        .rsplit_once("/deliveries/")
        .map_or_else(|| path.trim_end_matches("/test"), |(base, _)| base);
    HttpResponse::Accepted()
        .insert_header((header::LOCATION, format!("{base}/deliveries/{id}")))
        .json(body)
}

#[guarded]
/// List an endpoint's deliveries
///
/// Newest first, each with every attempt (time, status, error, duration).
#[utoipa::path(
    operation_id = "webhooks.deliveries", tag = "webhook-endpoints",
    params(("tenant" = String, Path, description = "Tenant slug"), ("webhook_id" = Uuid, Path, description = "Endpoint id"), DeliveryQuery),
    responses((status = 200, description = "One page of deliveries", body = ListOf<DeliveryOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{webhook_id}/deliveries")]
pub async fn list_deliveries(
    req: HttpRequest,
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: WebhookPath,
    query: Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let filter = DeliveryFilter {
        status: code_filter::<DeliveryStatus>("status", query.status.as_deref())?,
    };
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let deliveries = state
        .webhooks
        .deliveries(
            &ctx.actor,
            ctx.tenant.id,
            WebhookEndpointId::from_uuid(path.1),
            filter,
            page,
        )
        .await?;
    Ok(list(&req, deliveries, DeliveryOut::from))
}

#[guarded]
/// Read a delivery
#[utoipa::path(
    operation_id = "webhooks.delivery", tag = "webhook-endpoints",
    params(("tenant" = String, Path, description = "Tenant slug"), ("webhook_id" = Uuid, Path, description = "Endpoint id"), ("delivery_id" = Uuid, Path, description = "Delivery id")),
    responses((status = 200, description = "The delivery and its attempts", body = DeliveryOut), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{webhook_id}/deliveries/{delivery_id}")]
pub async fn get_delivery(
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: DeliveryPath,
) -> Result<HttpResponse, ApiError> {
    let log = state
        .webhooks
        .delivery(
            &ctx.actor,
            ctx.tenant.id,
            WebhookEndpointId::from_uuid(path.1),
            WebhookDeliveryId::from_uuid(path.2),
        )
        .await?;
    Ok(HttpResponse::Ok().json(DeliveryOut::from(log)))
}

#[guarded]
/// Replay a delivery
///
/// Sends the delivery again — same `webhook-id`, same body, fresh signature — as soon
/// as the worker comes by, whether it succeeded or failed before.
#[utoipa::path(
    operation_id = "webhooks.replay", tag = "webhook-endpoints",
    params(("tenant" = String, Path, description = "Tenant slug"), ("webhook_id" = Uuid, Path, description = "Endpoint id"), ("delivery_id" = Uuid, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued again", body = DeliveryOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{webhook_id}/deliveries/{delivery_id}/replay")]
pub async fn replay_delivery(
    req: HttpRequest,
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: DeliveryPath,
) -> Result<HttpResponse, ApiError> {
    let log = state
        .webhooks
        .replay(
            &ctx.actor,
            ctx.tenant.id,
            WebhookEndpointId::from_uuid(path.1),
            WebhookDeliveryId::from_uuid(path.2),
        )
        .await?;
    Ok(accepted(&req, log.delivery.id, log.into()))
}

/// Documents every event type as an OpenAPI 3.1 webhook: the POST Driehoek makes to
/// an endpoint, with the Standard Webhooks headers and the thin event body.
pub fn document(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::PartialSchema;
    use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
    use utoipa::openapi::request_body::RequestBodyBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{
        ContentBuilder, PathItem, PathsBuilder, Ref, Required, ResponseBuilder, ResponsesBuilder,
    };

    use crate::wire::webhooks::{WebhookEvent, WebhookEventData};

    let schemas = &mut doc.components.get_or_insert_with(Default::default).schemas;
    schemas.insert("WebhookEvent".to_owned(), WebhookEvent::schema());
    schemas.insert("WebhookEventData".to_owned(), WebhookEventData::schema());
    let header = |name: &str, description: &str| {
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::True)
            .description(Some(description))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()
    };
    let parameters = vec![
        header(
            "webhook-id",
            "The delivery's id: the same on every retry and replay, so a receiver handles each message once.",
        ),
        header(
            "webhook-timestamp",
            "When this attempt was signed, in Unix seconds. Refuse messages more than five minutes off.",
        ),
        header(
            "webhook-signature",
            "`v1,<base64 HMAC-SHA256 of \"{webhook-id}.{webhook-timestamp}.{body}\">` keyed with the base64-decoded part of the endpoint's `whsec_` secret; during a secret rotation two signatures, separated by a space. Accept the message if any one matches.",
        ),
    ];
    let responses = ResponsesBuilder::new()
        .response(
            "2XX",
            ResponseBuilder::new().description("Received. Any other answer is retried with exponential backoff for about three days."),
        )
        .response(
            "410",
            ResponseBuilder::new().description("Gone: Driehoek disables the endpoint and sends nothing more until it is enabled again."),
        )
        .build();
    let mut events: Vec<(String, String)> = catalogue()
        .into_iter()
        .map(|e| (e.name, e.description))
        .collect();
    events.push((
        driehoek_domain::webhooks::TEST_EVENT.to_owned(),
        "A test event, sent by `POST …/webhooks/{id}/test`; `data` holds only `endpoint_id`."
            .to_owned(),
    ));
    let mut paths = PathsBuilder::new();
    for (name, description) in events {
        let operation = OperationBuilder::new()
            .operation_id(Some(format!("webhook.{name}")))
            .tag("webhooks")
            .summary(Some(name.clone()))
            .description(Some(description))
            .parameters(Some(parameters.clone()))
            .request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("WebhookEvent")))
                            .build(),
                    )
                    .build(),
            ))
            .responses(responses.clone())
            .build();
        paths = paths.path(name, PathItem::new(HttpMethod::Post, operation));
    }
    doc.webhooks = Some(paths.build());
}
