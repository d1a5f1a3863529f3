//! `/v1/tenants/{tenant}/schools`: the schools and organisations taking part.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use driehoek_api_macros::guarded;
use driehoek_domain::ids::SchoolId;
use driehoek_domain::schools::SchoolFilter;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{code_filter, text_filter, timestamp_filter};
use crate::authz::{Anyone, Authorized, CityAdmin, SchoolOrCity, guarded};
use crate::error::ApiError;
use crate::extract::{IfMatch, JsonBody, Query, page_request};
use crate::problems::{DeleteErrors, ReadErrors, WriteErrors};
use crate::responses::{created, list, no_content, resource};
use crate::state::AppState;
use crate::wire::ListOf;
use crate::wire::schools::{SchoolIn, SchoolOut, SchoolPatch};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(list_schools))
        .service(guarded(create_school))
        .service(guarded(get_school))
        .service(guarded(update_school))
        .service(guarded(delete_school));
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SchoolQuery {
    /// Case-insensitive part of the name, 1-100 characters.
    q: Option<String>,
    /// A school kind (vocabulary `school_kinds`).
    #[param(value_type = Option<crate::wire::SchoolKindCode>)]
    kind: Option<String>,
    /// An education level (vocabulary `education_levels`).
    #[param(value_type = Option<crate::wire::EducationLevelCode>)]
    education_level: Option<String>,
    /// Only schools changed at or after this time (RFC 3339).
    updated_since: Option<String>,
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[guarded]
/// List schools
///
/// The public catalogue of the tenant's schools; every role of the tenant may read it.
#[utoipa::path(
    operation_id = "schools.list", tag = "schools",
    params(("tenant" = String, Path, description = "Tenant slug"), SchoolQuery),
    responses((status = 200, description = "One page of schools", body = ListOf<SchoolOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("")]
pub async fn list_schools(
    req: HttpRequest,
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    query: Query<SchoolQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let filter = SchoolFilter {
        q: text_filter(query.q.as_deref())?,
        kind: code_filter("kind", query.kind.as_deref())?,
        education_level: code_filter("education_level", query.education_level.as_deref())?,
        updated_since: timestamp_filter("updated_since", query.updated_since.as_deref())?,
    };
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let schools = state
        .schools
        .list(&ctx.actor, ctx.tenant.id, filter, page)
        .await?;
    Ok(list(&req, schools, SchoolOut::from))
}

#[guarded]
/// Create a school
///
/// City administrators register the schools and organisations taking part.
#[utoipa::path(
    operation_id = "schools.create", tag = "schools",
    params(("tenant" = String, Path, description = "Tenant slug")),
    request_body = SchoolIn,
    responses((status = 201, description = "Created", body = SchoolOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("")]
pub async fn create_school(
    req: HttpRequest,
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    body: JsonBody<SchoolIn>,
) -> Result<HttpResponse, ApiError> {
    let school = state
        .schools
        .create(&ctx.actor, ctx.tenant.id, body.into_inner()?.try_into()?)
        .await?;
    Ok(created(
        format!("{}/{}", req.path(), school.id),
        school.version,
        SchoolOut::from(school),
    ))
}

#[guarded]
/// Read a school
#[utoipa::path(
    operation_id = "schools.get", tag = "schools",
    params(("tenant" = String, Path, description = "Tenant slug"), ("school_id" = Uuid, Path, description = "School id")),
    responses((status = 200, description = "The school", body = SchoolOut), (status = 304, description = "Not modified since the `If-None-Match` version"), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{school_id}")]
pub async fn get_school(
    req: HttpRequest,
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let school = state
        .schools
        .get(&ctx.actor, ctx.tenant.id, SchoolId::from_uuid(path.1))
        .await?;
    Ok(resource(&req, school.version, SchoolOut::from(school)))
}

#[guarded]
/// Update a school
///
/// JSON merge patch. City administrators, or the school's own key.
#[utoipa::path(
    operation_id = "schools.update", tag = "schools",
    params(("tenant" = String, Path, description = "Tenant slug"), ("school_id" = Uuid, Path, description = "School id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    request_body(content = SchoolPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Updated", body = SchoolOut), WriteErrors),
    security(("api_key" = []))
)]
#[patch("/{school_id}")]
pub async fn update_school(
    req: HttpRequest,
    ctx: Authorized<SchoolOrCity>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<SchoolPatch>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner()?.try_into()?;
    let school = state
        .schools
        .update(
            &ctx.actor,
            ctx.tenant.id,
            SchoolId::from_uuid(path.1),
            changes,
            if_match.version()?,
        )
        .await?;
    Ok(resource(&req, school.version, SchoolOut::from(school)))
}

#[guarded]
/// Delete a school
///
/// City administrators. Refused (409) while an unrevoked key acts for the school.
#[utoipa::path(
    operation_id = "schools.delete", tag = "schools",
    params(("tenant" = String, Path, description = "Tenant slug"), ("school_id" = Uuid, Path, description = "School id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    responses((status = 204, description = "Deleted"), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/{school_id}")]
pub async fn delete_school(
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    state
        .schools
        .delete(
            &ctx.actor,
            ctx.tenant.id,
            SchoolId::from_uuid(path.1),
            if_match.version()?,
        )
        .await?;
    Ok(no_content())
}
