//! `/v1/tenants/{tenant}/placements`: a whole class spread over the slots of one day by
//! the pupils' ranked choices, proposed, then confirmed as bookings or discarded.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use driehoek_api_macros::guarded;
use driehoek_domain::ids::{PlacementId, SchoolId};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::authz::{Authorized, StudentsSchool, guarded};
use crate::error::ApiError;
use crate::extract::{IfMatch, JsonBody, Query, page_request};
use crate::problems::{DeleteErrors, ReadErrors, WriteErrors};
use crate::responses::{created, list, no_content, resource};
use crate::state::AppState;
use crate::wire::ListOf;
use crate::wire::placements::{PlacementIn, PlacementOut, PlacementSummaryOut};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(list_placements))
        .service(guarded(propose_placement))
        .service(guarded(get_placement))
        .service(guarded(confirm_placement))
        .service(guarded(discard_placement));
}

type PlacementPath = web::Path<(String, Uuid)>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlacementQuery {
    /// The school (the platform only; a school key lists its own).
    school_id: Option<Uuid>,
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[guarded]
/// List the school's placements
///
/// Proposals and confirmed ones, oldest first, each with its totals; read one for its
/// slots and pupils.
#[utoipa::path(
    operation_id = "placements.list", tag = "placements",
    params(("tenant" = String, Path, description = "Tenant slug"), PlacementQuery),
    responses((status = 200, description = "One page", body = ListOf<PlacementSummaryOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("")]
pub async fn list_placements(
    req: HttpRequest,
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    query: Query<PlacementQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let placements = state
        .placements
        .list(
            &ctx.actor,
            ctx.tenant.id,
            query.school_id.map(SchoolId::from_uuid),
            page,
        )
        .await?;
    Ok(list(&req, placements, PlacementSummaryOut::from))
}

#[guarded]
/// Propose a placement of a class
///
/// The school gives the slots of one day and each pupil's ranked choices of offerings;
/// nothing is booked yet. Each pupil gets one slot of an offering they chose, or is
/// unplaced with a reason, honouring every slot's seats left, each offering's group
/// size (a slot that gets anyone gets at least the smallest group, never more than
/// the largest) and target group (the pupil's certain age on the slot's date and
/// education level), and `participation` consent. Among the placements that keep
/// these rules it maximises, in this order, the pupils placed, then the first
/// choices, then the second, and so on (the Hungarian algorithm over pupils and seats,
/// with a branch and bound for the smallest groups; `optimal` says the search proved
/// it). The same request gives the same proposal. Refused whole (422, nothing
/// written) for a slot that is unknown, cancelled, started or of an unpublished
/// offering, a pupil not (or no longer) of the school or named twice, a choice
/// without a slot among `slot_ids` or given twice, or more pupils than the slots seat.
/// For the pupils' own school (placements name pupils: the city's keys never see
/// them); each pupil's part is in the audit log (`student.placement`).
#[utoipa::path(
    operation_id = "placements.create", tag = "placements",
    params(("tenant" = String, Path, description = "Tenant slug")),
    request_body = PlacementIn,
    responses((status = 201, description = "The proposal", body = PlacementOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("")]
pub async fn propose_placement(
    req: HttpRequest,
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    body: JsonBody<PlacementIn>,
) -> Result<HttpResponse, ApiError> {
    let placement = state
        .placements
        .propose(&ctx.actor, ctx.tenant.id, body.into_inner()?.try_into()?)
        .await?;
    Ok(created(
        format!("{}/{}", req.path(), placement.id),
        placement.version,
        PlacementOut::from(placement),
    ))
}

#[guarded]
/// Read a placement
#[utoipa::path(
    operation_id = "placements.get", tag = "placements",
    params(("tenant" = String, Path, description = "Tenant slug"), ("placement_id" = Uuid, Path, description = "Placement id")),
    responses((status = 200, description = "The placement", body = PlacementOut), (status = 304, description = "Not modified since the `If-None-Match` version"), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{placement_id}")]
pub async fn get_placement(
    req: HttpRequest,
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    path: PlacementPath,
) -> Result<HttpResponse, ApiError> {
    let placement = state
        .placements
        .get(&ctx.actor, ctx.tenant.id, PlacementId::from_uuid(path.1))
        .await?;
    Ok(resource(
        &req,
        placement.version,
        PlacementOut::from(placement),
    ))
}

#[guarded]
/// Confirm a placement
///
/// Books every group of the proposal as one booking naming its pupils (under the
/// placement's `group_name` and contact), in one transaction: all or nothing. When a
/// slot can no longer take its group (its seats were taken meanwhile, it was
/// cancelled or has started, its offering was withdrawn or its group size changed)
/// nothing is booked and the answer is 409 `placement_outdated`, its `errors[]`
/// pointing at each such slot (`/slots/{i}`); a placed pupil whose `participation`
/// consent is no longer granted, or who left the school, is a 422. A confirmed
/// placement is not confirmed again (409 `state_conflict`).
#[utoipa::path(
    operation_id = "placements.confirm", tag = "placements",
    params(("tenant" = String, Path, description = "Tenant slug"), ("placement_id" = Uuid, Path, description = "Placement id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    responses((status = 200, description = "Confirmed: each slot with a group carries its `booking_id`", body = PlacementOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{placement_id}/confirm")]
pub async fn confirm_placement(
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    path: PlacementPath,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let placement = state
        .placements
        .confirm(
            &ctx.actor,
            ctx.tenant.id,
            PlacementId::from_uuid(path.1),
            if_match.version()?,
        )
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::ETAG,
            crate::responses::etag(placement.version),
        ))
        .json(PlacementOut::from(placement)))
}

#[guarded]
/// Discard a proposal
///
/// Only a proposal: a confirmed placement's bookings are cancelled one by one (409
/// `state_conflict`).
#[utoipa::path(
    operation_id = "placements.delete", tag = "placements",
    params(("tenant" = String, Path, description = "Tenant slug"), ("placement_id" = Uuid, Path, description = "Placement id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    responses((status = 204, description = "Discarded"), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/{placement_id}")]
pub async fn discard_placement(
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    path: PlacementPath,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    state
        .placements
        .discard(
            &ctx.actor,
            ctx.tenant.id,
            PlacementId::from_uuid(path.1),
            if_match.version()?,
        )
        .await?;
    Ok(no_content())
}
