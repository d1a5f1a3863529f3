//! `/v1/tenants/{tenant}/programmes`: the programmes the city runs, and their members.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use driehoek_api_macros::guarded;
use driehoek_domain::ids::{ProgrammeId, ProgrammeMemberId};
use driehoek_domain::programmes::ProgrammeFilter;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{code_filter, text_filter, timestamp_filter};
use crate::authz::{Anyone, Authorized, CityAdmin, guarded};
use crate::error::ApiError;
use crate::extract::{IfMatch, JsonBody, Query, page_request};
use crate::problems::{DeleteErrors, ReadErrors, WriteErrors};
use crate::responses::{created, list, no_content, resource};
use crate::state::AppState;
use crate::wire::ListOf;
use crate::wire::programmes::{
    ProgrammeIn, ProgrammeMemberIn, ProgrammeMemberOut, ProgrammeMemberPatch, ProgrammeOut,
    ProgrammePatch,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(list_programmes))
        .service(guarded(create_programme))
        .service(guarded(get_programme))
        .service(guarded(update_programme))
        .service(guarded(delete_programme))
        .service(guarded(list_members))
        .service(guarded(add_member))
        .service(guarded(get_member))
        .service(guarded(update_member))
        .service(guarded(remove_member));
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProgrammeQuery {
    /// Case-insensitive part of the name, 1-100 characters.
    q: Option<String>,
    /// `draft`, `active` or `closed`.
    #[param(value_type = Option<crate::wire::ProgrammeStatusCode>)]
    status: Option<String>,
    /// A career competence the programme trains.
    #[param(value_type = Option<crate::wire::CompetenceCode>)]
    competence: Option<String>,
    /// Only programmes changed at or after this time (RFC 3339).
    updated_since: Option<String>,
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[guarded]
/// List programmes
///
/// Every role of the tenant may read them.
#[utoipa::path(
    operation_id = "programmes.list", tag = "programmes",
    params(("tenant" = String, Path, description = "Tenant slug"), ProgrammeQuery),
    responses((status = 200, description = "One page of programmes", body = ListOf<ProgrammeOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("")]
pub async fn list_programmes(
    req: HttpRequest,
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    query: Query<ProgrammeQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let filter = ProgrammeFilter {
        q: text_filter(query.q.as_deref())?,
        status: code_filter("status", query.status.as_deref())?,
        competence: code_filter("competence", query.competence.as_deref())?,
        updated_since: timestamp_filter("updated_since", query.updated_since.as_deref())?,
    };
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let programmes = state
        .programmes
        .list(&ctx.actor, ctx.tenant.id, filter, page)
        .await?;
    Ok(list(&req, programmes, ProgrammeOut::from))
}

#[guarded]
/// Create a programme
///
/// City administrators.
#[utoipa::path(
    operation_id = "programmes.create", tag = "programmes",
    params(("tenant" = String, Path, description = "Tenant slug")),
    request_body = ProgrammeIn,
    responses((status = 201, description = "Created", body = ProgrammeOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("")]
pub async fn create_programme(
    req: HttpRequest,
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    body: JsonBody<ProgrammeIn>,
) -> Result<HttpResponse, ApiError> {
    let programme = state
        .programmes
        .create(&ctx.actor, ctx.tenant.id, body.into_inner()?.try_into()?)
        .await?;
    Ok(created(
        format!("{}/{}", req.path(), programme.id),
        programme.version,
        ProgrammeOut::from(programme),
    ))
}

#[guarded]
/// Read a programme
#[utoipa::path(
    operation_id = "programmes.get", tag = "programmes",
    params(("tenant" = String, Path, description = "Tenant slug"), ("programme_id" = Uuid, Path, description = "Programme id")),
    responses((status = 200, description = "The programme", body = ProgrammeOut), (status = 304, description = "Not modified since the `If-None-Match` version"), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{programme_id}")]
pub async fn get_programme(
    req: HttpRequest,
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let programme = state
        .programmes
        .get(&ctx.actor, ctx.tenant.id, ProgrammeId::from_uuid(path.1))
        .await?;
    Ok(resource(
        &req,
        programme.version,
        ProgrammeOut::from(programme),
    ))
}

#[guarded]
/// Update a programme
///
/// JSON merge patch. City administrators.
#[utoipa::path(
    operation_id = "programmes.update", tag = "programmes",
    params(("tenant" = String, Path, description = "Tenant slug"), ("programme_id" = Uuid, Path, description = "Programme id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    request_body(content = ProgrammePatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Updated", body = ProgrammeOut), WriteErrors),
    security(("api_key" = []))
)]
#[patch("/{programme_id}")]
pub async fn update_programme(
    req: HttpRequest,
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<ProgrammePatch>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner()?.try_into()?;
    let programme = state
        .programmes
        .update(
            &ctx.actor,
            ctx.tenant.id,
            ProgrammeId::from_uuid(path.1),
            changes,
            if_match.version()?,
        )
        .await?;
    Ok(resource(
        &req,
        programme.version,
        ProgrammeOut::from(programme),
    ))
}

#[guarded]
/// Delete a programme
///
/// City administrators. Removes its memberships.
#[utoipa::path(
    operation_id = "programmes.delete", tag = "programmes",
    params(("tenant" = String, Path, description = "Tenant slug"), ("programme_id" = Uuid, Path, description = "Programme id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    responses((status = 204, description = "Deleted"), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/{programme_id}")]
pub async fn delete_programme(
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    state
        .programmes
        .delete(
            &ctx.actor,
            ctx.tenant.id,
            ProgrammeId::from_uuid(path.1),
            if_match.version()?,
        )
        .await?;
    Ok(no_content())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[guarded]
/// List a programme's members
#[utoipa::path(
    operation_id = "programme_members.list", tag = "programmes",
    params(("tenant" = String, Path, description = "Tenant slug"), ("programme_id" = Uuid, Path, description = "Programme id"), MemberQuery),
    responses((status = 200, description = "One page of members", body = ListOf<ProgrammeMemberOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{programme_id}/members")]
pub async fn list_members(
    req: HttpRequest,
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    query: Query<MemberQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let members = state
        .programmes
        .list_members(
            &ctx.actor,
            ctx.tenant.id,
            ProgrammeId::from_uuid(path.1),
            page,
        )
        .await?;
    Ok(list(&req, members, ProgrammeMemberOut::from))
}

#[guarded]
/// Add a member
///
/// City administrators add a school or business of the tenant to the programme.
#[utoipa::path(
    operation_id = "programme_members.create", tag = "programmes",
    params(("tenant" = String, Path, description = "Tenant slug"), ("programme_id" = Uuid, Path, description = "Programme id")),
    request_body = ProgrammeMemberIn,
    responses((status = 201, description = "Created", body = ProgrammeMemberOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{programme_id}/members")]
pub async fn add_member(
    req: HttpRequest,
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    body: JsonBody<ProgrammeMemberIn>,
) -> Result<HttpResponse, ApiError> {
    let member = state
        .programmes
        .add_member(
            &ctx.actor,
            ctx.tenant.id,
            ProgrammeId::from_uuid(path.1),
            body.into_inner()?.try_into()?,
        )
        .await?;
    Ok(created(
        format!("{}/{}", req.path(), member.id),
        member.version,
        ProgrammeMemberOut::from(member),
    ))
}

#[guarded]
/// Read a member
#[utoipa::path(
    operation_id = "programme_members.get", tag = "programmes",
    params(("tenant" = String, Path, description = "Tenant slug"), ("programme_id" = Uuid, Path, description = "Programme id"), ("member_id" = Uuid, Path, description = "Membership id")),
    responses((status = 200, description = "The membership", body = ProgrammeMemberOut), (status = 304, description = "Not modified since the `If-None-Match` version"), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{programme_id}/members/{member_id}")]
pub async fn get_member(
    req: HttpRequest,
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let member = state
        .programmes
        .get_member(
            &ctx.actor,
            ctx.tenant.id,
            ProgrammeId::from_uuid(path.1),
            ProgrammeMemberId::from_uuid(path.2),
        )
        .await?;
    Ok(resource(
        &req,
        member.version,
        ProgrammeMemberOut::from(member),
    ))
}

#[guarded]
/// Update a member
#[utoipa::path(
    operation_id = "programme_members.update", tag = "programmes",
    params(("tenant" = String, Path, description = "Tenant slug"), ("programme_id" = Uuid, Path, description = "Programme id"), ("member_id" = Uuid, Path, description = "Membership id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    request_body(content = ProgrammeMemberPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Updated", body = ProgrammeMemberOut), WriteErrors),
    security(("api_key" = []))
)]
#[patch("/{programme_id}/members/{member_id}")]
pub async fn update_member(
    req: HttpRequest,
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<ProgrammeMemberPatch>,
) -> Result<HttpResponse, ApiError> {
    let member = state
        .programmes
        .update_member(
            &ctx.actor,
            ctx.tenant.id,
            ProgrammeId::from_uuid(path.1),
            ProgrammeMemberId::from_uuid(path.2),
            body.into_inner()?.into(),
            if_match.version()?,
        )
        .await?;
    Ok(resource(
        &req,
        member.version,
        ProgrammeMemberOut::from(member),
    ))
}

#[guarded]
/// Remove a member
#[utoipa::path(
    operation_id = "programme_members.delete", tag = "programmes",
    params(("tenant" = String, Path, description = "Tenant slug"), ("programme_id" = Uuid, Path, description = "Programme id"), ("member_id" = Uuid, Path, description = "Membership id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    responses((status = 204, description = "Deleted"), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/{programme_id}/members/{member_id}")]
pub async fn remove_member(
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    state
        .programmes
        .remove_member(
            &ctx.actor,
            ctx.tenant.id,
            ProgrammeId::from_uuid(path.1),
            ProgrammeMemberId::from_uuid(path.2),
            if_match.version()?,
        )
        .await?;
    Ok(no_content())
}
