//! `/v1/tenants/{tenant}/work-visits`: the offerings of businesses and their slots.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use driehoek_api_macros::guarded;
use driehoek_domain::ids::{BusinessId, ProgrammeId, SlotId, WorkVisitId};
use driehoek_domain::values::IscoCode;
use driehoek_domain::work_visits::{Visibility, WorkVisitFilter};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{code_filter, text_filter, timestamp_filter};
use crate::authz::{Anyone, Authorized, BusinessOrCity, guarded};
use crate::error::ApiError;
use crate::extract::{IfMatch, JsonBody, Query, page_request};
use crate::problems::{DeleteErrors, ReadErrors, WriteErrors};
use crate::responses::{created, list, no_content, resource};
use crate::state::AppState;
use crate::wire::ListOf;
use crate::wire::work_visits::{
    SlotIn, SlotOut, SlotPatch, WorkVisitIn, WorkVisitOut, WorkVisitPatch,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(list_work_visits))
        .service(guarded(create_work_visit))
        .service(guarded(get_work_visit))
        .service(guarded(update_work_visit))
        .service(guarded(delete_work_visit))
        .service(guarded(list_slots))
        .service(guarded(create_slot))
        .service(guarded(get_slot))
        .service(guarded(update_slot))
        .service(guarded(delete_slot));
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkVisitQuery {
    /// Case-insensitive part of the title, 1-100 characters.
    q: Option<String>,
    /// `draft`, `published` or `withdrawn` (schools and integrators see only published ones).
    #[param(value_type = Option<crate::wire::WorkVisitStatusCode>)]
    status: Option<String>,
    /// A NACE section.
    #[param(value_type = Option<crate::wire::NaceSectionCode>)]
    sector: Option<String>,
    /// An ISCO-08 unit group.
    #[param(value_type = Option<crate::wire::IscoCodeText>)]
    occupation: Option<String>,
    /// A work-visit format.
    #[param(value_type = Option<crate::wire::WorkVisitFormatCode>)]
    format: Option<String>,
    /// An education level the offering is meant for.
    #[param(value_type = Option<crate::wire::EducationLevelCode>)]
    education_level: Option<String>,
    /// A pupil's age that fits the offering's `min_age..max_age`.
    #[param(minimum = 0, maximum = 150)]
    age: Option<u8>,
    /// Has a scheduled slot starting at or after this time (RFC 3339).
    from: Option<String>,
    /// Has a scheduled slot starting before this time (RFC 3339).
    to: Option<String>,
    /// `true`: has a scheduled slot with seats left (in the `from`/`to` window, if given).
    available: Option<bool>,
    business_id: Option<Uuid>,
    programme_id: Option<Uuid>,
    /// Only offerings changed at or after this time (RFC 3339).
    updated_since: Option<String>,
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[guarded]
/// Search work visits
///
/// Schools and integrators see published offerings; a business also its own drafts;
/// the city everything.
#[utoipa::path(
    operation_id = "work_visits.list", tag = "work-visits",
    params(("tenant" = String, Path, description = "Tenant slug"), WorkVisitQuery),
    responses((status = 200, description = "One page of work visits", body = ListOf<WorkVisitOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("")]
pub async fn list_work_visits(
    req: HttpRequest,
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    query: Query<WorkVisitQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let from = timestamp_filter("from", query.from.as_deref())?;
    let to = timestamp_filter("to", query.to.as_deref())?;
    let mut filter = WorkVisitFilter::new(Visibility::Published);
    filter.q = text_filter(query.q.as_deref())?;
    filter.status = code_filter("status", query.status.as_deref())?;
    filter.sector = code_filter("sector", query.sector.as_deref())?;
    filter.occupation = query
        .occupation
        .as_deref()
        .map(|o| {
            IscoCode::parse(o).map_err(|e| ApiError::invalid_query(format!("occupation: {e}")))
        })
        .transpose()?;
    filter.format = code_filter("format", query.format.as_deref())?;
    filter.education_level = code_filter("education_level", query.education_level.as_deref())?;
    filter.age = query.age;
    filter.from = from;
    filter.to = to;
    filter.available = query.available.unwrap_or(false);
    filter.business_id = query.business_id.map(BusinessId::from_uuid);
    filter.programme_id = query.programme_id.map(ProgrammeId::from_uuid);
    filter.updated_since = timestamp_filter("updated_since", query.updated_since.as_deref())?;
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let visits = state
        .work_visits
        .list(&ctx.actor, ctx.tenant.id, filter, page)
        .await?;
    Ok(list(&req, visits, WorkVisitOut::from))
}

#[guarded]
/// Create a work visit
///
/// A business key for its own business, or a city administrator for any.
#[utoipa::path(
    operation_id = "work_visits.create", tag = "work-visits",
    params(("tenant" = String, Path, description = "Tenant slug")),
    request_body = WorkVisitIn,
    responses((status = 201, description = "Created", body = WorkVisitOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("")]
pub async fn create_work_visit(
    req: HttpRequest,
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    body: JsonBody<WorkVisitIn>,
) -> Result<HttpResponse, ApiError> {
    let visit = state
        .work_visits
        .create(&ctx.actor, ctx.tenant.id, body.into_inner()?.try_into()?)
        .await?;
    Ok(created(
        format!("{}/{}", req.path(), visit.id),
        visit.version,
        WorkVisitOut::from(visit),
    ))
}

#[guarded]
/// Read a work visit
#[utoipa::path(
    operation_id = "work_visits.get", tag = "work-visits",
    params(("tenant" = String, Path, description = "Tenant slug"), ("work_visit_id" = Uuid, Path, description = "Work visit id")),
    responses((status = 200, description = "The work visit", body = WorkVisitOut), (status = 304, description = "Not modified since the `If-None-Match` version"), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{work_visit_id}")]
pub async fn get_work_visit(
    req: HttpRequest,
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let visit = state
        .work_visits
        .get(&ctx.actor, ctx.tenant.id, WorkVisitId::from_uuid(path.1))
        .await?;
    Ok(resource(&req, visit.version, WorkVisitOut::from(visit)))
}

#[guarded]
/// Update, publish or withdraw a work visit
///
/// JSON merge patch by its business or the city. `status` moves `draft` → `published`
/// → `withdrawn` (a withdrawn offering may be published again).
#[utoipa::path(
    operation_id = "work_visits.update", tag = "work-visits",
    params(("tenant" = String, Path, description = "Tenant slug"), ("work_visit_id" = Uuid, Path, description = "Work visit id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    request_body(content = WorkVisitPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Updated", body = WorkVisitOut), WriteErrors),
    security(("api_key" = []))
)]
#[patch("/{work_visit_id}")]
pub async fn update_work_visit(
    req: HttpRequest,
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<WorkVisitPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = WorkVisitId::from_uuid(path.1);
    state
        .work_visits
        .editable(&ctx.actor, ctx.tenant.id, id)
        .await?;
    let changes = body.into_inner()?.try_into()?;
    let visit = state
        .work_visits
        .update(&ctx.actor, ctx.tenant.id, id, changes, if_match.version()?)
        .await?;
    Ok(resource(&req, visit.version, WorkVisitOut::from(visit)))
}

#[guarded]
/// Delete a draft work visit
///
/// Only drafts are deleted (409 `state_conflict` otherwise: withdraw instead).
#[utoipa::path(
    operation_id = "work_visits.delete", tag = "work-visits",
    params(("tenant" = String, Path, description = "Tenant slug"), ("work_visit_id" = Uuid, Path, description = "Work visit id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    responses((status = 204, description = "Deleted"), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/{work_visit_id}")]
pub async fn delete_work_visit(
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    state
        .work_visits
        .delete(
            &ctx.actor,
            ctx.tenant.id,
            WorkVisitId::from_uuid(path.1),
            if_match.version()?,
        )
        .await?;
    Ok(no_content())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotQuery {
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[guarded]
/// List a work visit's slots
#[utoipa::path(
    operation_id = "slots.list", tag = "work-visits",
    params(("tenant" = String, Path, description = "Tenant slug"), ("work_visit_id" = Uuid, Path, description = "Work visit id"), SlotQuery),
    responses((status = 200, description = "One page of slots", body = ListOf<SlotOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{work_visit_id}/slots")]
pub async fn list_slots(
    req: HttpRequest,
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    query: Query<SlotQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let slots = state
        .work_visits
        .list_slots(
            &ctx.actor,
            ctx.tenant.id,
            WorkVisitId::from_uuid(path.1),
            page,
        )
        .await?;
    Ok(list(&req, slots, SlotOut::from))
}

#[guarded]
/// Add a slot
///
/// By the visit's business or the city. A coach must belong to that business and,
/// when the tenant's policy requires it, hold a screening that covers the slot
/// (422 `coach_screening_invalid` otherwise).
#[utoipa::path(
    operation_id = "slots.create", tag = "work-visits",
    params(("tenant" = String, Path, description = "Tenant slug"), ("work_visit_id" = Uuid, Path, description = "Work visit id")),
    request_body = SlotIn,
    responses((status = 201, description = "Created", body = SlotOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{work_visit_id}/slots")]
pub async fn create_slot(
    req: HttpRequest,
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    body: JsonBody<SlotIn>,
) -> Result<HttpResponse, ApiError> {
    let visit_id = WorkVisitId::from_uuid(path.1);
    state
        .work_visits
        .editable(&ctx.actor, ctx.tenant.id, visit_id)
        .await?;
    let new = body.into_inner()?.into_new()?;
    let slot = state
        .work_visits
        .create_slot(&ctx.actor, &ctx.tenant, visit_id, new)
        .await?;
    Ok(created(
        format!("{}/{}", req.path(), slot.id),
        slot.version,
        SlotOut::from(slot),
    ))
}

#[guarded]
/// Read a slot
#[utoipa::path(
    operation_id = "slots.get", tag = "work-visits",
    params(("tenant" = String, Path, description = "Tenant slug"), ("work_visit_id" = Uuid, Path, description = "Work visit id"), ("slot_id" = Uuid, Path, description = "Slot id")),
    responses((status = 200, description = "The slot", body = SlotOut), (status = 304, description = "Not modified since the `If-None-Match` version"), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{work_visit_id}/slots/{slot_id}")]
pub async fn get_slot(
    req: HttpRequest,
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let slot = state
        .work_visits
        .get_slot(
            &ctx.actor,
            ctx.tenant.id,
            WorkVisitId::from_uuid(path.1),
            SlotId::from_uuid(path.2),
        )
        .await?;
    Ok(resource(&req, slot.version, SlotOut::from(slot)))
}

#[guarded]
/// Update, move or cancel a slot
///
/// JSON merge patch by the visit's business or the city. Capacity never goes below the
/// seats booked; a cancelled slot does not change again.
#[utoipa::path(
    operation_id = "slots.update", tag = "work-visits",
    params(("tenant" = String, Path, description = "Tenant slug"), ("work_visit_id" = Uuid, Path, description = "Work visit id"), ("slot_id" = Uuid, Path, description = "Slot id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    request_body(content = SlotPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Updated", body = SlotOut), WriteErrors),
    security(("api_key" = []))
)]
#[patch("/{work_visit_id}/slots/{slot_id}")]
pub async fn update_slot(
    req: HttpRequest,
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<SlotPatch>,
) -> Result<HttpResponse, ApiError> {
    let (visit_id, slot_id) = (WorkVisitId::from_uuid(path.1), SlotId::from_uuid(path.2));
    let current = state
        .work_visits
        .editable_slot(&ctx.actor, ctx.tenant.id, visit_id, slot_id)
        .await?;
    let changes = body.into_inner()?.into_changes(&current)?;
    let slot = state
        .work_visits
        .update_slot(
            &ctx.actor,
            &ctx.tenant,
            visit_id,
            slot_id,
            changes,
            if_match.version()?,
        )
        .await?;
    Ok(resource(&req, slot.version, SlotOut::from(slot)))
}

#[guarded]
/// Delete a slot without bookings
///
/// A slot with booked seats is cancelled instead (409 `resource_in_use`).
#[utoipa::path(
    operation_id = "slots.delete", tag = "work-visits",
    params(("tenant" = String, Path, description = "Tenant slug"), ("work_visit_id" = Uuid, Path, description = "Work visit id"), ("slot_id" = Uuid, Path, description = "Slot id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    responses((status = 204, description = "Deleted"), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/{work_visit_id}/slots/{slot_id}")]
pub async fn delete_slot(
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    state
        .work_visits
        .delete_slot(
            &ctx.actor,
            ctx.tenant.id,
            WorkVisitId::from_uuid(path.1),
            SlotId::from_uuid(path.2),
            if_match.version()?,
        )
        .await?;
    Ok(no_content())
}
