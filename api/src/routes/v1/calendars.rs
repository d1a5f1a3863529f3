//! Calendar feeds (RFC 5545) of a school's bookings and a business's slots, for agendas
//! to subscribe to — with the key in the header, or with a feed link's token.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use driehoek_api_macros::guarded;
use driehoek_domain::calendars::Calendar;
use driehoek_domain::ids::{BusinessId, SchoolId};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::authz::{Authorized, AuthorizedFeed, BusinessOrCity, SchoolOrCity, guarded};
use crate::error::ApiError;
use crate::extract::TenantCtx;
use crate::ics;
use crate::problems::ReadErrors;
use crate::state::AppState;

/// The school calendar's routes, under `/schools`.
pub fn configure_schools(cfg: &mut ServiceConfig) {
    cfg.service(guarded(school_calendar))
        .service(guarded(school_calendar_link));
}

/// The business calendar's routes, under `/businesses`.
pub fn configure_businesses(cfg: &mut ServiceConfig) {
    cfg.service(guarded(business_calendar))
        .service(guarded(business_calendar_link));
}

/// Where an agenda subscribes to a calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarLinkOut {
    /// The feed with a read-only token for this calendar only, valid while the key
    /// that asked for it is: revoke the key to close the link.
    pub url: String,
    /// The same for agendas that open `webcal:` links.
    pub webcal_url: String,
}

fn ics_response(calendar: &Calendar) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/calendar; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=300"))
        .body(ics::render(calendar))
}

/// The link to `feed_path` with a token bound to the caller's key.
async fn link(
    req: &HttpRequest,
    ctx: &TenantCtx,
    state: &AppState,
    feed_path: &str,
) -> Result<HttpResponse, ApiError> {
    let token = state
        .api_keys
        .feed_token_for(&ctx.actor, ctx.tenant.id, feed_path)
        .await?;
    let info = req.connection_info();
    let url = format!(
        "{}://{}{feed_path}?token={token}",
        info.scheme(),
        info.host()
    );
    Ok(HttpResponse::Ok().json(CalendarLinkOut {
        webcal_url: format!("webcal://{}{feed_path}?token={token}", info.host()),
        url,
    }))
}

#[guarded]
/// A school's calendar
///
/// The school's booked work visits of the last 180 days and ahead, one event per
/// session, with stable UIDs (wait-listed ones tentative, cancelled ones cancelled).
/// For the school's key and the city, or with the token of a calendar link.
#[utoipa::path(
    operation_id = "schools.calendar", tag = "schools",
    params(("tenant" = String, Path, description = "Tenant slug"), ("school_id" = Uuid, Path, description = "School id"),
           ("token" = Option<String>, Query, description = "A calendar link's token, for agendas that cannot send headers")),
    responses((status = 200, description = "An RFC 5545 calendar", content_type = "text/calendar", body = String), ReadErrors),
    security(("api_key" = []), ())
)]
#[get("/{school_id}/calendar.ics")]
pub async fn school_calendar(
    ctx: AuthorizedFeed<SchoolOrCity>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let ctx = ctx.into_inner();
    let calendar = state
        .calendars
        .school(&ctx.actor, ctx.tenant.id, SchoolId::from_uuid(path.1))
        .await?;
    Ok(ics_response(&calendar))
}

#[guarded]
/// A link to subscribe to a school's calendar
///
/// A URL with a read-only token for this one calendar, bound to the calling key.
#[utoipa::path(
    operation_id = "schools.calendar_link", tag = "schools",
    params(("tenant" = String, Path, description = "Tenant slug"), ("school_id" = Uuid, Path, description = "School id")),
    responses((status = 200, description = "The subscription link", body = CalendarLinkOut), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{school_id}/calendar-link")]
pub async fn school_calendar_link(
    req: HttpRequest,
    ctx: Authorized<SchoolOrCity>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    state
        .calendars
        .school_access(&ctx.actor, ctx.tenant.id, SchoolId::from_uuid(path.1))
        .await?;
    let feed = format!(
        "/v1/tenants/{}/schools/{}/calendar.ics",
        ctx.tenant.slug, path.1
    );
    link(&req, &ctx, &state, &feed).await
}

#[guarded]
/// A business's calendar
///
/// The slots of the business's work visits of the last 180 days and ahead, with seats
/// booked, one event per session, with stable UIDs. For the business's key and the
/// city, or with the token of a calendar link.
#[utoipa::path(
    operation_id = "businesses.calendar", tag = "businesses",
    params(("tenant" = String, Path, description = "Tenant slug"), ("business_id" = Uuid, Path, description = "Business id"),
           ("token" = Option<String>, Query, description = "A calendar link's token, for agendas that cannot send headers")),
    responses((status = 200, description = "An RFC 5545 calendar", content_type = "text/calendar", body = String), ReadErrors),
    security(("api_key" = []), ())
)]
#[get("/{business_id}/calendar.ics")]
pub async fn business_calendar(
    ctx: AuthorizedFeed<BusinessOrCity>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let ctx = ctx.into_inner();
    let calendar = state
        .calendars
        .business(&ctx.actor, ctx.tenant.id, BusinessId::from_uuid(path.1))
        .await?;
    Ok(ics_response(&calendar))
}

#[guarded]
/// A link to subscribe to a business's calendar
#[utoipa::path(
    operation_id = "businesses.calendar_link", tag = "businesses",
    params(("tenant" = String, Path, description = "Tenant slug"), ("business_id" = Uuid, Path, description = "Business id")),
    responses((status = 200, description = "The subscription link", body = CalendarLinkOut), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{business_id}/calendar-link")]
pub async fn business_calendar_link(
    req: HttpRequest,
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    state
        .calendars
        .business_access(&ctx.actor, ctx.tenant.id, BusinessId::from_uuid(path.1))
        .await?;
    let feed = format!(
        "/v1/tenants/{}/businesses/{}/calendar.ics",
        ctx.tenant.slug, path.1
    );
    link(&req, &ctx, &state, &feed).await
}
