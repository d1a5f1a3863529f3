//! Talent notes (DESIGN.md §4 "talent notes"): the host of a completed visit writes
//! what it saw in a pupil, under `/bookings/{booking_id}/talent-notes`; the recruitment
//! interests among them reach the pupil's school at `/students/{student_id}/interests`
//! and `/schools/{school_id}/interests`.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use driehoek_api_macros::guarded;
use driehoek_domain::ids::{BookingId, SchoolId, StudentId, TalentNoteId};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::authz::{Authorized, Host, PupilAndSchool, StudentsSchool, guarded};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::problems::{DeleteErrors, ReadErrors, WriteErrors};
use crate::responses::{created, no_content};
use crate::state::AppState;
use crate::wire::ListOf;
use crate::wire::talent::{InterestOut, TalentNoteIn, TalentNoteOut};

/// Under `/bookings`.
pub fn configure_bookings(cfg: &mut ServiceConfig) {
    cfg.service(guarded(write_talent_note))
        .service(guarded(list_talent_notes))
        .service(guarded(get_talent_note))
        .service(guarded(withdraw_talent_note));
}

/// Under `/students`.
pub fn configure_students(cfg: &mut ServiceConfig) {
    cfg.service(guarded(student_interests));
}

/// Under `/schools`.
pub fn configure_schools(cfg: &mut ServiceConfig) {
    cfg.service(guarded(school_interests));
}

type NotePath = web::Path<(String, Uuid, Uuid)>;

#[guarded]
/// Write a talent note
///
/// By the host business of a completed booking, about one pupil named on it, by the
/// booking's reference for the pupil (`host_pupils[].reference`; never the pupil's
/// id). The note becomes an entry of the pupil's portfolio (`kind: talent`,
/// `author_role: coach`, linked to the booking) when the pupil consents to sharing
/// with the host (`share_with_business`), else 422 `consent_missing` and nothing is
/// written. `contact_interest: true` passes a wish to be in touch on to the pupil's
/// school (and the pupil and guardians) only when the pupil is certainly 16 or older
/// and consents to `recruitment_contact`; otherwise the note is kept without it and
/// `interest_passed_on` is `false`, without saying why.
#[utoipa::path(
    operation_id = "talent_notes.create", tag = "bookings",
    params(("tenant" = String, Path, description = "Tenant slug"), ("booking_id" = Uuid, Path, description = "Booking id")),
    request_body = TalentNoteIn,
    responses((status = 201, description = "Written; in the pupil's portfolio", body = TalentNoteOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{booking_id}/talent-notes")]
pub async fn write_talent_note(
    req: HttpRequest,
    ctx: Authorized<Host>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    body: JsonBody<TalentNoteIn>,
) -> Result<HttpResponse, ApiError> {
    let note = state
        .students
        .write_talent_note(
            &ctx.actor,
            ctx.tenant.id,
            BookingId::from_uuid(path.1),
            body.into_inner()?.try_into()?,
        )
        .await?;
    Ok(created(
        format!("{}/{}", req.path(), note.note.id),
        1,
        TalentNoteOut::from(note),
    ))
}

#[guarded]
/// List the host's talent notes on a booking
///
/// For the host business: its notes on the booking, oldest first.
#[utoipa::path(
    operation_id = "talent_notes.list", tag = "bookings",
    params(("tenant" = String, Path, description = "Tenant slug"), ("booking_id" = Uuid, Path, description = "Booking id")),
    responses((status = 200, description = "The notes (one page: `next_cursor` is always null)", body = ListOf<TalentNoteOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{booking_id}/talent-notes")]
pub async fn list_talent_notes(
    ctx: Authorized<Host>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let notes = state
        .students
        .talent_notes(&ctx.actor, ctx.tenant.id, BookingId::from_uuid(path.1))
        .await?;
    Ok(HttpResponse::Ok().json(ListOf {
        data: notes.into_iter().map(TalentNoteOut::from).collect(),
        next_cursor: None,
    }))
}

#[guarded]
/// Read one of the host's talent notes
#[utoipa::path(
    operation_id = "talent_notes.get", tag = "bookings",
    params(("tenant" = String, Path, description = "Tenant slug"), ("booking_id" = Uuid, Path, description = "Booking id"),
           ("note_id" = Uuid, Path, description = "Talent note id")),
    responses((status = 200, description = "The note", body = TalentNoteOut), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{booking_id}/talent-notes/{note_id}")]
pub async fn get_talent_note(
    ctx: Authorized<Host>,
    state: web::Data<AppState>,
    path: NotePath,
) -> Result<HttpResponse, ApiError> {
    let note = state
        .students
        .talent_note(
            &ctx.actor,
            ctx.tenant.id,
            BookingId::from_uuid(path.1),
            TalentNoteId::from_uuid(path.2),
        )
        .await?;
    Ok(HttpResponse::Ok().json(TalentNoteOut::from(note)))
}

#[guarded]
/// Withdraw a talent note
///
/// By its host: the note, its portfolio entry and any recruitment interest are gone.
#[utoipa::path(
    operation_id = "talent_notes.delete", tag = "bookings",
    params(("tenant" = String, Path, description = "Tenant slug"), ("booking_id" = Uuid, Path, description = "Booking id"),
           ("note_id" = Uuid, Path, description = "Talent note id")),
    responses((status = 204, description = "Withdrawn"), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/{booking_id}/talent-notes/{note_id}")]
pub async fn withdraw_talent_note(
    ctx: Authorized<Host>,
    state: web::Data<AppState>,
    path: NotePath,
) -> Result<HttpResponse, ApiError> {
    state
        .students
        .withdraw_talent_note(
            &ctx.actor,
            ctx.tenant.id,
            BookingId::from_uuid(path.1),
            TalentNoteId::from_uuid(path.2),
        )
        .await?;
    Ok(no_content())
}

#[guarded]
/// List the recruitment interests in a pupil
///
/// For the pupil's school, the pupil and guardians: hosts' wishes to be in touch,
/// with what they saw and whom to answer, newest first (at most 500). Only while the
/// pupil consents to `recruitment_contact`: withdrawing the consent hides them.
#[utoipa::path(
    operation_id = "students.interests", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id")),
    responses((status = 200, description = "The interests (one page: `next_cursor` is always null)", body = ListOf<InterestOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{student_id}/interests")]
pub async fn student_interests(
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let interests = state
        .students
        .student_interests(&ctx.actor, ctx.tenant.id, StudentId::from_uuid(path.1))
        .await?;
    Ok(HttpResponse::Ok().json(ListOf {
        data: interests.into_iter().map(InterestOut::from).collect(),
        next_cursor: None,
    }))
}

#[guarded]
/// List the recruitment interests in a school's pupils
///
/// For the school: the interests in its pupils who consent to `recruitment_contact`
/// now, newest first (at most 500). Never for the city.
#[utoipa::path(
    operation_id = "schools.interests", tag = "schools",
    params(("tenant" = String, Path, description = "Tenant slug"), ("school_id" = Uuid, Path, description = "School id")),
    responses((status = 200, description = "The interests (one page: `next_cursor` is always null)", body = ListOf<InterestOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{school_id}/interests")]
pub async fn school_interests(
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let interests = state
        .students
        .school_interests(&ctx.actor, ctx.tenant.id, SchoolId::from_uuid(path.1))
        .await?;
    Ok(HttpResponse::Ok().json(ListOf {
        data: interests.into_iter().map(InterestOut::from).collect(),
        next_cursor: None,
    }))
}
