//! `/v1/tenants/{tenant}/bookings`: schools booking seats on slots.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use driehoek_api_macros::guarded;
use driehoek_domain::bookings::{AttendanceReport, Booking, CycleStep};
use driehoek_domain::bookings::{BookingFilter, BookingScope};
use driehoek_domain::ids::{BookingId, FeedbackId, SlotId, StudentId, WorkVisitId};
use driehoek_domain::values::Description;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{code_filter, timestamp_filter};
use crate::authz::{Authorized, BookingParties, Host, SchoolOrCity, guarded};
use crate::error::ApiError;
use crate::extract::{IfMatch, JsonBody, Query, TenantCtx, page_request};
use crate::problems::{ReadErrors, WriteErrors};
use crate::responses::{created, list, resource};
use crate::state::AppState;
use crate::wire::ListOf;
use crate::wire::bookings::{
    AttendanceIn, BookingIn, BookingOut, CancelIn, FeedbackIn, FeedbackOut,
};
use crate::wire::portfolios::SharedEntryOut;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(list_bookings))
        .service(guarded(create_booking))
        .service(guarded(get_booking))
        .service(guarded(cancel_booking))
        .service(guarded(record_attendance))
        .service(guarded(mark_prepared))
        .service(guarded(mark_debriefed))
        .service(guarded(give_feedback))
        .service(guarded(list_feedback))
        .service(guarded(get_feedback))
        .service(guarded(shared_entries));
}

/// One booking as the caller may see it (pupils' names only where consent allows).
async fn shown(
    state: &AppState,
    ctx: &TenantCtx,
    booking: Booking,
) -> Result<BookingOut, ApiError> {
    let names = state
        .students
        .names_for_host(&ctx.actor, ctx.tenant.id, std::slice::from_ref(&booking))
        .await?;
    Ok(BookingOut::seen_by(booking, &ctx.actor, &names))
}

#[guarded]
/// Read the portfolio entries pupils share with the host
///
/// For the host business of the booking: the entries linked to this booking that the
/// pupil marked `shared_with_business`, of pupils who consent to sharing with the
/// host (`share_with_business`), with their display names. Nothing else of a pupil's
/// portfolio is ever visible to a business. Every entry shown is audited.
#[utoipa::path(
    operation_id = "bookings.shared_entries", tag = "bookings",
    params(("tenant" = String, Path, description = "Tenant slug"), ("booking_id" = Uuid, Path, description = "Booking id")),
    responses((status = 200, description = "The shared entries, oldest first (one page: `next_cursor` is always null)", body = ListOf<SharedEntryOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{booking_id}/portfolio-entries")]
pub async fn shared_entries(
    ctx: Authorized<Host>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let entries = state
        .students
        .shared_with_host(&ctx.actor, ctx.tenant.id, BookingId::from_uuid(path.1))
        .await?;
    Ok(HttpResponse::Ok().json(ListOf {
        data: entries.into_iter().map(SharedEntryOut::from).collect(),
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BookingQuery {
    slot_id: Option<Uuid>,
    work_visit_id: Option<Uuid>,
    /// `confirmed`, `waitlisted`, `cancelled` or `completed`.
    #[param(value_type = Option<crate::wire::BookingStatusCode>)]
    status: Option<String>,
    /// Only bookings changed at or after this time (RFC 3339).
    updated_since: Option<String>,
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[guarded]
/// List bookings
///
/// A school sees its own, a business those on its work visits, the city all.
/// Integrators get 403.
#[utoipa::path(
    operation_id = "bookings.list", tag = "bookings",
    params(("tenant" = String, Path, description = "Tenant slug"), BookingQuery),
    responses((status = 200, description = "One page of bookings", body = ListOf<BookingOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("")]
pub async fn list_bookings(
    req: HttpRequest,
    ctx: Authorized<BookingParties>,
    state: web::Data<AppState>,
    query: Query<BookingQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let filter = BookingFilter {
        scope: BookingScope::All,
        slot_id: query.slot_id.map(SlotId::from_uuid),
        work_visit_id: query.work_visit_id.map(WorkVisitId::from_uuid),
        status: code_filter("status", query.status.as_deref())?,
        updated_since: timestamp_filter("updated_since", query.updated_since.as_deref())?,
    };
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let bookings = state
        .bookings
        .list(&ctx.actor, ctx.tenant.id, filter, page)
        .await?;
    let names = state
        .students
        .names_for_host(&ctx.actor, ctx.tenant.id, &bookings.items)
        .await?;
    Ok(list(&req, bookings, |b| {
        BookingOut::seen_by(b, &ctx.actor, &names)
    }))
}

#[guarded]
/// Book a slot
///
/// A school key books seats for its own school (a city administrator names the
/// school). Seats are taken atomically: concurrent requests never exceed the slot's
/// capacity. A full slot answers 409 `slot_full`, or wait-lists the booking when the
/// request says `"waitlist": true`.
#[utoipa::path(
    operation_id = "bookings.create", tag = "bookings",
    params(("tenant" = String, Path, description = "Tenant slug")),
    request_body = BookingIn,
    responses((status = 201, description = "Booked (`confirmed`) or wait-listed (`waitlisted`)", body = BookingOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("")]
pub async fn create_booking(
    req: HttpRequest,
    ctx: Authorized<SchoolOrCity>,
    state: web::Data<AppState>,
    body: JsonBody<BookingIn>,
) -> Result<HttpResponse, ApiError> {
    let booking = state
        .bookings
        .book(&ctx.actor, ctx.tenant.id, body.into_inner()?.try_into()?)
        .await?;
    Ok(created(
        format!("{}/{}", req.path(), booking.id),
        booking.version,
        shown(&state, &ctx, booking).await?,
    ))
}

#[guarded]
/// Read a booking
#[utoipa::path(
    operation_id = "bookings.get", tag = "bookings",
    params(("tenant" = String, Path, description = "Tenant slug"), ("booking_id" = Uuid, Path, description = "Booking id")),
    responses((status = 200, description = "The booking", body = BookingOut), (status = 304, description = "Not modified since the `If-None-Match` version"), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{booking_id}")]
pub async fn get_booking(
    req: HttpRequest,
    ctx: Authorized<BookingParties>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let booking = state
        .bookings
        .get(&ctx.actor, ctx.tenant.id, BookingId::from_uuid(path.1))
        .await?;
    Ok(resource(
        &req,
        booking.version,
        shown(&state, &ctx, booking).await?,
    ))
}

#[guarded]
/// Cancel a booking
///
/// By the booking school, the host business or the city. The seats go back to the
/// slot and the oldest wait-listed bookings that now fit are confirmed.
#[utoipa::path(
    operation_id = "bookings.cancel", tag = "bookings",
    params(("tenant" = String, Path, description = "Tenant slug"), ("booking_id" = Uuid, Path, description = "Booking id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    request_body = CancelIn,
    responses((status = 200, description = "Cancelled", body = BookingOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{booking_id}/cancel")]
pub async fn cancel_booking(
    ctx: Authorized<BookingParties>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<CancelIn>,
) -> Result<HttpResponse, ApiError> {
    let id = BookingId::from_uuid(path.1);
    state.bookings.get(&ctx.actor, ctx.tenant.id, id).await?;
    let reason = match body.into_inner()?.reason {
        Some(r) => Some(
            Description::parse(&r)
                .map_err(|m| ApiError::from(driehoek_domain::DomainError::invalid("/reason", m)))?,
        ),
        None => None,
    };
    let booking = state
        .bookings
        .cancel(&ctx.actor, ctx.tenant.id, id, reason, if_match.version()?)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::ETAG,
            crate::responses::etag(booking.version),
        ))
        .json(shown(&state, &ctx, booking).await?))
}

#[guarded]
/// Record attendance
///
/// By the booking school, the host business or the city, once the visit has started
/// (409 `state_conflict` before). Completes the booking; sending it again corrects
/// the counts. `present + absent` cannot exceed the seats booked.
#[utoipa::path(
    operation_id = "bookings.attendance", tag = "bookings",
    params(("tenant" = String, Path, description = "Tenant slug"), ("booking_id" = Uuid, Path, description = "Booking id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    request_body = AttendanceIn,
    responses((status = 200, description = "Recorded; the booking is completed", body = BookingOut), WriteErrors),
    security(("api_key" = []))
)]
#[put("/{booking_id}/attendance")]
pub async fn record_attendance(
    req: HttpRequest,
    ctx: Authorized<BookingParties>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    if_match: IfMatch,
    body: JsonBody<AttendanceIn>,
) -> Result<HttpResponse, ApiError> {
    let id = BookingId::from_uuid(path.1);
    state.bookings.get(&ctx.actor, ctx.tenant.id, id).await?;
    let input = body.into_inner()?;
    let booking = state
        .bookings
        .record_attendance(
            &ctx.actor,
            ctx.tenant.id,
            id,
            AttendanceReport {
                present: input.present,
                absent: input.absent,
                pupils: input
                    .students
                    .iter()
                    .map(|p| (StudentId::from_uuid(p.student_id), p.present))
                    .collect(),
            },
            if_match.version()?,
        )
        .await?;
    Ok(resource(
        &req,
        booking.version,
        shown(&state, &ctx, booking).await?,
    ))
}

/// Marks a step of the visit cycle and answers the booking with its ETag.
async fn mark(
    ctx: &TenantCtx,
    state: &AppState,
    id: Uuid,
    step: CycleStep,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let booking = state
        .bookings
        .mark_step(
            &ctx.actor,
            ctx.tenant.id,
            BookingId::from_uuid(id),
            step,
            if_match.version()?,
        )
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::ETAG,
            crate::responses::etag(booking.version),
        ))
        .json(shown(state, ctx, booking).await?))
}

#[guarded]
/// Mark the class prepared
///
/// By the booking school (or the city for it), for a confirmed or completed booking:
/// the class went through the offering's `preparation`. Sets `prepared_at` once
/// (marking again answers the booking unchanged) and sends `booking.prepared` to the
/// host's webhooks.
#[utoipa::path(
    operation_id = "bookings.prepared", tag = "bookings",
    params(("tenant" = String, Path, description = "Tenant slug"), ("booking_id" = Uuid, Path, description = "Booking id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    responses((status = 200, description = "Marked; the booking", body = BookingOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{booking_id}/prepared")]
pub async fn mark_prepared(
    ctx: Authorized<SchoolOrCity>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    mark(&ctx, &state, path.1, CycleStep::Prepared, if_match).await
}

#[guarded]
/// Mark the visit debriefed
///
/// By the booking school (or the city for it), once the visit is completed (409
/// `state_conflict` before attendance is recorded): the class looked back on it
/// together. Sets `debriefed_at` once and sends `booking.debriefed` to the host's
/// webhooks.
#[utoipa::path(
    operation_id = "bookings.debriefed", tag = "bookings",
    params(("tenant" = String, Path, description = "Tenant slug"), ("booking_id" = Uuid, Path, description = "Booking id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    responses((status = 200, description = "Marked; the booking", body = BookingOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{booking_id}/debriefed")]
pub async fn mark_debriefed(
    ctx: Authorized<SchoolOrCity>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    mark(&ctx, &state, path.1, CycleStep::Debriefed, if_match).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedbackQuery {
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[guarded]
/// Give feedback on a completed visit
///
/// The school (its own, once, and its pupils' — anonymous, at most one per pupil
/// present), the host business (once, with `would_host_again`), or the city for either.
/// Only after attendance is recorded (409 `state_conflict` before); a second school or
/// business feedback is 409 `duplicate`.
#[utoipa::path(
    operation_id = "bookings.feedback.create", tag = "bookings",
    params(("tenant" = String, Path, description = "Tenant slug"), ("booking_id" = Uuid, Path, description = "Booking id")),
    request_body = FeedbackIn,
    responses((status = 201, description = "Recorded", body = FeedbackOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{booking_id}/feedback")]
pub async fn give_feedback(
    req: HttpRequest,
    ctx: Authorized<BookingParties>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    body: JsonBody<FeedbackIn>,
) -> Result<HttpResponse, ApiError> {
    let id = BookingId::from_uuid(path.1);
    state.bookings.get(&ctx.actor, ctx.tenant.id, id).await?;
    let feedback = state
        .bookings
        .give_feedback(
            &ctx.actor,
            ctx.tenant.id,
            id,
            body.into_inner()?.try_into()?,
        )
        .await?;
    Ok(created(
        format!("{}/{}", req.path(), feedback.id),
        feedback.version,
        FeedbackOut::from(feedback),
    ))
}

#[guarded]
/// List a booking's feedback
///
/// For whoever may see the booking: its school, the host business, the city.
/// Pupils' feedback never names them.
#[utoipa::path(
    operation_id = "bookings.feedback.list", tag = "bookings",
    params(("tenant" = String, Path, description = "Tenant slug"), ("booking_id" = Uuid, Path, description = "Booking id"), FeedbackQuery),
    responses((status = 200, description = "One page of feedback, oldest first", body = ListOf<FeedbackOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{booking_id}/feedback")]
pub async fn list_feedback(
    req: HttpRequest,
    ctx: Authorized<BookingParties>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    query: Query<FeedbackQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let feedback = state
        .bookings
        .list_feedback(
            &ctx.actor,
            ctx.tenant.id,
            BookingId::from_uuid(path.1),
            page,
        )
        .await?;
    Ok(list(&req, feedback, FeedbackOut::from))
}

#[guarded]
/// Read one feedback
#[utoipa::path(
    operation_id = "bookings.feedback.get", tag = "bookings",
    params(("tenant" = String, Path, description = "Tenant slug"), ("booking_id" = Uuid, Path, description = "Booking id"),
           ("feedback_id" = Uuid, Path, description = "Feedback id")),
    responses((status = 200, description = "The feedback", body = FeedbackOut), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{booking_id}/feedback/{feedback_id}")]
pub async fn get_feedback(
    req: HttpRequest,
    ctx: Authorized<BookingParties>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let feedback = state
        .bookings
        .get_feedback(
            &ctx.actor,
            ctx.tenant.id,
            BookingId::from_uuid(path.1),
            FeedbackId::from_uuid(path.2),
        )
        .await?;
    Ok(resource(
        &req,
        feedback.version,
        FeedbackOut::from(feedback),
    ))
}
