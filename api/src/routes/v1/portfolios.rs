//! `/v1/tenants/{tenant}/students/{student_id}/portfolio` and `/route-plan`: a pupil's
//! talent portfolio (its summary and entries) and route plan on the city's map.
//!
//! Only the pupil's own school (its `school` key) and platform administrators reach a
//! pupil; every other role gets 403 before anything is looked up.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use driehoek_api_macros::guarded;
use driehoek_domain::ids::{BookingId, PortfolioEntryId, StudentId};
use driehoek_domain::students::EntryFilter;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::code_filter;
use super::students::{EntryPath, StudentPath};
use crate::authz::{Authorized, PupilAndSchool, PupilPlanners, guarded};
use crate::error::ApiError;
use crate::extract::{IfMatch, JsonBody, Query, page_request};
use crate::problems::{DeleteErrors, ReadErrors, WriteErrors};
use crate::responses::{created, list, no_content, resource};
use crate::state::AppState;
use crate::wire::ListOf;
use crate::wire::portfolios::{
    AgreementRecorded, EntryIn, EntryOut, EntryPatch, PlanAgreementOut, PortfolioOut, RoutePlanIn,
    RoutePlanOut,
};

/// The portfolio's and the route plan's routes, under `/students`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(get_portfolio))
        .service(guarded(list_entries))
        .service(guarded(add_entry))
        .service(guarded(get_entry))
        .service(guarded(update_entry))
        .service(guarded(delete_entry))
        .service(guarded(get_route_plan))
        .service(guarded(put_route_plan))
        .service(guarded(route_plan_versions))
        .service(guarded(agree_to_route_plan));
}

#[guarded]
/// Read a pupil's portfolio at a glance
///
/// Entries per career competence, talents, interests by sector and occupation, and
/// the latest entries.
#[utoipa::path(
    operation_id = "students.portfolio", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id")),
    responses((status = 200, description = "The summary", body = PortfolioOut), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{student_id}/portfolio")]
pub async fn get_portfolio(
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
) -> Result<HttpResponse, ApiError> {
    let summary = state
        .students
        .summary(&ctx.actor, ctx.tenant.id, StudentId::from_uuid(path.1))
        .await?;
    Ok(HttpResponse::Ok().json(PortfolioOut::new(path.1, summary)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntryQuery {
    /// A career competence (vocabulary `competences`).
    #[param(value_type = Option<crate::wire::CompetenceCode>)]
    competence: Option<String>,
    /// An entry kind (vocabulary `portfolio_entry_kinds`).
    #[param(value_type = Option<crate::wire::PortfolioEntryKindCode>)]
    kind: Option<String>,
    booking_id: Option<Uuid>,
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[guarded]
/// List portfolio entries
///
/// Oldest first. Entries sealed at a transfer without `portfolio_transfer` consent are
/// not listed.
#[utoipa::path(
    operation_id = "students.entries.list", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id"), EntryQuery),
    responses((status = 200, description = "One page of entries", body = ListOf<EntryOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{student_id}/portfolio/entries")]
pub async fn list_entries(
    req: HttpRequest,
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
    query: Query<EntryQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let filter = EntryFilter {
        competence: code_filter("competence", query.competence.as_deref())?,
        kind: code_filter("kind", query.kind.as_deref())?,
        booking_id: query.booking_id.map(BookingId::from_uuid),
    };
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let entries = state
        .students
        .list_entries(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            filter,
            page,
        )
        .await?;
    Ok(list(&req, entries, EntryOut::from))
}

#[guarded]
/// Add a portfolio entry
#[utoipa::path(
    operation_id = "students.entries.create", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id")),
    request_body = EntryIn,
    responses((status = 201, description = "Added", body = EntryOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{student_id}/portfolio/entries")]
pub async fn add_entry(
    req: HttpRequest,
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
    body: JsonBody<EntryIn>,
) -> Result<HttpResponse, ApiError> {
    let entry = state
        .students
        .add_entry(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            body.into_inner()?.try_into()?,
        )
        .await?;
    Ok(created(
        format!("{}/{}", req.path(), entry.id),
        entry.version,
        EntryOut::from(entry),
    ))
}

#[guarded]
/// Read a portfolio entry
#[utoipa::path(
    operation_id = "students.entries.get", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id"),
           ("entry_id" = Uuid, Path, description = "Entry id")),
    responses((status = 200, description = "The entry", body = EntryOut), (status = 304, description = "Not modified since the `If-None-Match` version"), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{student_id}/portfolio/entries/{entry_id}")]
pub async fn get_entry(
    req: HttpRequest,
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: EntryPath,
) -> Result<HttpResponse, ApiError> {
    let entry = state
        .students
        .get_entry(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            PortfolioEntryId::from_uuid(path.2),
        )
        .await?;
    Ok(resource(&req, entry.version, EntryOut::from(entry)))
}

#[guarded]
/// Update a portfolio entry
#[utoipa::path(
    operation_id = "students.entries.update", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id"),
           ("entry_id" = Uuid, Path, description = "Entry id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    request_body(content = EntryPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Updated", body = EntryOut), WriteErrors),
    security(("api_key" = []))
)]
#[patch("/{student_id}/portfolio/entries/{entry_id}")]
pub async fn update_entry(
    req: HttpRequest,
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: EntryPath,
    if_match: IfMatch,
    body: JsonBody<EntryPatch>,
) -> Result<HttpResponse, ApiError> {
    let entry = state
        .students
        .update_entry(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            PortfolioEntryId::from_uuid(path.2),
            body.into_inner()?.try_into()?,
            if_match.version()?,
        )
        .await?;
    Ok(resource(&req, entry.version, EntryOut::from(entry)))
}

#[guarded]
/// Remove a portfolio entry
#[utoipa::path(
    operation_id = "students.entries.delete", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id"),
           ("entry_id" = Uuid, Path, description = "Entry id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    responses((status = 204, description = "Removed"), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/{student_id}/portfolio/entries/{entry_id}")]
pub async fn delete_entry(
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: EntryPath,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    state
        .students
        .delete_entry(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            PortfolioEntryId::from_uuid(path.2),
            if_match.version()?,
        )
        .await?;
    Ok(no_content())
}

#[guarded]
/// Read a pupil's route plan
///
/// The current version, checked against the map as it is now: `route_status` is
/// `valid`, `broken` (the map changed; `route_problem` points at the first step that no
/// longer follows an edge) or `map_unavailable` (the map is no longer published).
#[utoipa::path(
    operation_id = "students.route_plan.get", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id")),
    responses((status = 200, description = "The current plan", body = RoutePlanOut), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{student_id}/route-plan")]
pub async fn get_route_plan(
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
) -> Result<HttpResponse, ApiError> {
    let view = state
        .students
        .route_plan(&ctx.actor, ctx.tenant.id, StudentId::from_uuid(path.1))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, crate::responses::etag(view.plan.version)))
        .json(RoutePlanOut::from(view)))
}

#[guarded]
/// Set a pupil's route plan
///
/// By the pupil's school or the pupil (a pupil's token). Each call makes a new version
/// and keeps the earlier ones; a new version starts with no agreements.
/// The steps (and `plan_b`) must follow edges of a published route map, else 422
/// `route_not_in_map` pointing at the first step that does not. Send `If-Match` with
/// the version read to refuse a change made in between (412).
#[utoipa::path(
    operation_id = "students.route_plan.put", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id"),
           ("If-Match" = Option<String>, Header, description = "The plan version last read; refused with 412 when stale")),
    request_body = RoutePlanIn,
    responses((status = 200, description = "The new version", body = RoutePlanOut), WriteErrors),
    security(("api_key" = []))
)]
#[put("/{student_id}/route-plan")]
pub async fn put_route_plan(
    ctx: Authorized<PupilPlanners>,
    state: web::Data<AppState>,
    path: StudentPath,
    if_match: IfMatch,
    body: JsonBody<RoutePlanIn>,
) -> Result<HttpResponse, ApiError> {
    let view = state
        .students
        .set_route_plan(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            body.into_inner()?.try_into()?,
            if_match.version()?,
        )
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, crate::responses::etag(view.plan.version)))
        .json(RoutePlanOut::from(view)))
}

#[guarded]
/// List a route plan's versions
///
/// Every version of the pupil's plan, newest first.
#[utoipa::path(
    operation_id = "students.route_plan.versions", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id")),
    responses((status = 200, description = "Every version, newest first (one page: `next_cursor` is always null)", body = ListOf<RoutePlanOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{student_id}/route-plan/versions")]
pub async fn route_plan_versions(
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
) -> Result<HttpResponse, ApiError> {
    let versions = state
        .students
        .route_plan_versions(&ctx.actor, ctx.tenant.id, StudentId::from_uuid(path.1))
        .await?;
    Ok(HttpResponse::Ok().json(ListOf {
        data: versions.iter().map(RoutePlanOut::from).collect(),
        next_cursor: None,
    }))
}

#[guarded]
/// Agree to a pupil's route plan
///
/// The caller agrees, as who it is, to the current version of the plan: a pupil's
/// token as `student`, a guardian's as `guardian`, the school's key as the `mentor`;
/// the token or key is kept as evidence. Send `If-Match` with the version read to
/// agree to that version only (412 when the plan changed since). Agreeing again to
/// the same version answers the first agreement with `200`. A new version of the plan
/// starts with no agreements.
#[utoipa::path(
    operation_id = "students.route_plan.agree", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id"),
           ("If-Match" = Option<String>, Header, description = "The plan version read; refused with 412 when stale")),
    responses((status = 201, description = "Agreed", body = AgreementRecorded),
              (status = 200, description = "Agreed already: the first agreement", body = AgreementRecorded), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{student_id}/route-plan/agreements")]
pub async fn agree_to_route_plan(
    req: HttpRequest,
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let (view, agreement, created) = state
        .students
        .agree_to_plan(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            if_match.version()?,
        )
        .await?;
    let body = AgreementRecorded {
        version: view.plan.version,
        agreement: PlanAgreementOut::from(&agreement),
    };
    let mut reply = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(reply
        .insert_header((header::LOCATION, req.path().replace("/agreements", "")))
        .insert_header((header::ETAG, crate::responses::etag(view.plan.version)))
        .json(body))
}
