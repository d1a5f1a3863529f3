//! `/v1/tenants/{tenant}/businesses`: partners offering work visits, and their coaches.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use driehoek_api_macros::guarded;
use driehoek_domain::businesses::BusinessFilter;
use driehoek_domain::businesses::CoachFilter;
use driehoek_domain::ids::{BusinessId, CoachId};
use driehoek_domain::values::IscoCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{code_filter, text_filter, timestamp_filter};
use crate::authz::{Anyone, Authorized, BusinessOrCity, CityAdmin, guarded};
use crate::error::ApiError;
use crate::extract::{IfMatch, JsonBody, Query, page_request};
use crate::problems::{DeleteErrors, ReadErrors, WriteErrors};
use crate::responses::{created, list, no_content, resource};
use crate::state::AppState;
use crate::wire::ListOf;
use crate::wire::businesses::{
    BusinessIn, BusinessOut, BusinessPatch, CoachIn, CoachOut, CoachPatch,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(list_businesses))
        .service(guarded(create_business))
        .service(guarded(get_business))
        .service(guarded(update_business))
        .service(guarded(delete_business))
        .service(guarded(list_coaches))
        .service(guarded(create_coach))
        .service(guarded(get_coach))
        .service(guarded(update_coach))
        .service(guarded(delete_coach));
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BusinessQuery {
    /// Case-insensitive part of the name, 1-100 characters.
    q: Option<String>,
    /// A business kind (vocabulary `business_kinds`).
    #[param(value_type = Option<crate::wire::BusinessKindCode>)]
    kind: Option<String>,
    /// A NACE section the business works in.
    #[param(value_type = Option<crate::wire::NaceSectionCode>)]
    sector: Option<String>,
    /// `active` or `inactive`.
    #[param(value_type = Option<crate::wire::ParticipationStatusCode>)]
    status: Option<String>,
    /// Only businesses changed at or after this time (RFC 3339).
    updated_since: Option<String>,
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[guarded]
/// List businesses
///
/// The public catalogue of partners; every role of the tenant may read it.
#[utoipa::path(
    operation_id = "businesses.list", tag = "businesses",
    params(("tenant" = String, Path, description = "Tenant slug"), BusinessQuery),
    responses((status = 200, description = "One page of businesses", body = ListOf<BusinessOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("")]
pub async fn list_businesses(
    req: HttpRequest,
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    query: Query<BusinessQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let filter = BusinessFilter {
        q: text_filter(query.q.as_deref())?,
        kind: code_filter("kind", query.kind.as_deref())?,
        sector: code_filter("sector", query.sector.as_deref())?,
        status: code_filter("status", query.status.as_deref())?,
        updated_since: timestamp_filter("updated_since", query.updated_since.as_deref())?,
    };
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let businesses = state
        .businesses
        .list(&ctx.actor, ctx.tenant.id, filter, page)
        .await?;
    Ok(list(&req, businesses, BusinessOut::from))
}

#[guarded]
/// Create a business
///
/// City administrators register the partners.
#[utoipa::path(
    operation_id = "businesses.create", tag = "businesses",
    params(("tenant" = String, Path, description = "Tenant slug")),
    request_body = BusinessIn,
    responses((status = 201, description = "Created", body = BusinessOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("")]
pub async fn create_business(
    req: HttpRequest,
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    body: JsonBody<BusinessIn>,
) -> Result<HttpResponse, ApiError> {
    let business = state
        .businesses
        .create(&ctx.actor, ctx.tenant.id, body.into_inner()?.try_into()?)
        .await?;
    Ok(created(
        format!("{}/{}", req.path(), business.id),
        business.version,
        BusinessOut::from(business),
    ))
}

#[guarded]
/// Read a business
#[utoipa::path(
    operation_id = "businesses.get", tag = "businesses",
    params(("tenant" = String, Path, description = "Tenant slug"), ("business_id" = Uuid, Path, description = "Business id")),
    responses((status = 200, description = "The business", body = BusinessOut), (status = 304, description = "Not modified since the `If-None-Match` version"), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{business_id}")]
pub async fn get_business(
    req: HttpRequest,
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let business = state
        .businesses
        .get(&ctx.actor, ctx.tenant.id, BusinessId::from_uuid(path.1))
        .await?;
    Ok(resource(
        &req,
        business.version,
        BusinessOut::from(business),
    ))
}

#[guarded]
/// Update a business
///
/// JSON merge patch. City administrators, or the business's own key.
#[utoipa::path(
    operation_id = "businesses.update", tag = "businesses",
    params(("tenant" = String, Path, description = "Tenant slug"), ("business_id" = Uuid, Path, description = "Business id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    request_body(content = BusinessPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Updated", body = BusinessOut), WriteErrors),
    security(("api_key" = []))
)]
#[patch("/{business_id}")]
pub async fn update_business(
    req: HttpRequest,
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<BusinessPatch>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner()?.try_into()?;
    let business = state
        .businesses
        .update(
            &ctx.actor,
            ctx.tenant.id,
            BusinessId::from_uuid(path.1),
            changes,
            if_match.version()?,
        )
        .await?;
    Ok(resource(
        &req,
        business.version,
        BusinessOut::from(business),
    ))
}

#[guarded]
/// Delete a business
///
/// City administrators. Removes its coaches and memberships; refused (409) while an unrevoked key acts for it.
#[utoipa::path(
    operation_id = "businesses.delete", tag = "businesses",
    params(("tenant" = String, Path, description = "Tenant slug"), ("business_id" = Uuid, Path, description = "Business id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    responses((status = 204, description = "Deleted"), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/{business_id}")]
pub async fn delete_business(
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    state
        .businesses
        .delete(
            &ctx.actor,
            ctx.tenant.id,
            BusinessId::from_uuid(path.1),
            if_match.version()?,
        )
        .await?;
    Ok(no_content())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoachQuery {
    /// `active` or `inactive`.
    #[param(value_type = Option<crate::wire::ParticipationStatusCode>)]
    status: Option<String>,
    /// An ISCO-08 unit group the coach works in.
    #[param(value_type = Option<crate::wire::IscoCodeText>)]
    occupation: Option<String>,
    /// Only coaches changed at or after this time (RFC 3339).
    updated_since: Option<String>,
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[guarded]
/// List a business's coaches
#[utoipa::path(
    operation_id = "coaches.list", tag = "businesses",
    params(("tenant" = String, Path, description = "Tenant slug"), ("business_id" = Uuid, Path, description = "Business id"), CoachQuery),
    responses((status = 200, description = "One page of coaches", body = ListOf<CoachOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{business_id}/coaches")]
pub async fn list_coaches(
    req: HttpRequest,
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    query: Query<CoachQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let filter = CoachFilter {
        status: code_filter("status", query.status.as_deref())?,
        occupation: query
            .occupation
            .as_deref()
            .map(|o| {
                IscoCode::parse(o).map_err(|e| ApiError::invalid_query(format!("occupation: {e}")))
            })
            .transpose()?,
        updated_since: timestamp_filter("updated_since", query.updated_since.as_deref())?,
    };
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let coaches = state
        .businesses
        .list_coaches(
            &ctx.actor,
            ctx.tenant.id,
            BusinessId::from_uuid(path.1),
            filter,
            page,
        )
        .await?;
    Ok(list(&req, coaches, CoachOut::from))
}

#[guarded]
/// Add a coach
///
/// City administrators, or the business's own key.
#[utoipa::path(
    operation_id = "coaches.create", tag = "businesses",
    params(("tenant" = String, Path, description = "Tenant slug"), ("business_id" = Uuid, Path, description = "Business id")),
    request_body = CoachIn,
    responses((status = 201, description = "Created", body = CoachOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{business_id}/coaches")]
pub async fn create_coach(
    req: HttpRequest,
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    body: JsonBody<CoachIn>,
) -> Result<HttpResponse, ApiError> {
    let coach = state
        .businesses
        .create_coach(
            &ctx.actor,
            ctx.tenant.id,
            BusinessId::from_uuid(path.1),
            body.into_inner()?.try_into()?,
        )
        .await?;
    Ok(created(
        format!("{}/{}", req.path(), coach.id),
        coach.version,
        CoachOut::from(coach),
    ))
}

#[guarded]
/// Read a coach
#[utoipa::path(
    operation_id = "coaches.get", tag = "businesses",
    params(("tenant" = String, Path, description = "Tenant slug"), ("business_id" = Uuid, Path, description = "Business id"), ("coach_id" = Uuid, Path, description = "Coach id")),
    responses((status = 200, description = "The coach", body = CoachOut), (status = 304, description = "Not modified since the `If-None-Match` version"), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{business_id}/coaches/{coach_id}")]
pub async fn get_coach(
    req: HttpRequest,
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let coach = state
        .businesses
        .get_coach(
            &ctx.actor,
            ctx.tenant.id,
            BusinessId::from_uuid(path.1),
            CoachId::from_uuid(path.2),
        )
        .await?;
    Ok(resource(&req, coach.version, CoachOut::from(coach)))
}

#[guarded]
/// Update a coach
///
/// JSON merge patch. City administrators, or the business's own key.
#[utoipa::path(
    operation_id = "coaches.update", tag = "businesses",
    params(("tenant" = String, Path, description = "Tenant slug"), ("business_id" = Uuid, Path, description = "Business id"), ("coach_id" = Uuid, Path, description = "Coach id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    request_body(content = CoachPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Updated", body = CoachOut), WriteErrors),
    security(("api_key" = []))
)]
#[patch("/{business_id}/coaches/{coach_id}")]
pub async fn update_coach(
    req: HttpRequest,
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<CoachPatch>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner()?.try_into()?;
    let coach = state
        .businesses
        .update_coach(
            &ctx.actor,
            ctx.tenant.id,
            BusinessId::from_uuid(path.1),
            CoachId::from_uuid(path.2),
            changes,
            if_match.version()?,
        )
        .await?;
    Ok(resource(&req, coach.version, CoachOut::from(coach)))
}

#[guarded]
/// Remove a coach
#[utoipa::path(
    operation_id = "coaches.delete", tag = "businesses",
    params(("tenant" = String, Path, description = "Tenant slug"), ("business_id" = Uuid, Path, description = "Business id"), ("coach_id" = Uuid, Path, description = "Coach id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    responses((status = 204, description = "Deleted"), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/{business_id}/coaches/{coach_id}")]
pub async fn delete_coach(
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    state
        .businesses
        .delete_coach(
            &ctx.actor,
            ctx.tenant.id,
            BusinessId::from_uuid(path.1),
            CoachId::from_uuid(path.2),
            if_match.version()?,
        )
        .await?;
    Ok(no_content())
}
