//! `/v1/tenants/{tenant}/students`: pupils and their consents, the pupil's data rights
//! (export, erasure), and `/audit-events`, the log of every access. The portfolio and
//! the route plan are in [`super::portfolios`].
//!
//! Only the pupil's own school (its `school` key) and platform administrators reach a
//! pupil; every other role gets 403 before anything is looked up.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use driehoek_api_macros::guarded;
use driehoek_domain::ValidationErrors;
use driehoek_domain::audit::AuditFilter;
use driehoek_domain::ids::{ApiKeyId, SchoolId, StudentId};
use driehoek_domain::students::{MAX_IMPORT_ROWS, RosterRow, RowOutcome, StudentFilter};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{code_filter, text_filter, timestamp_filter};
use crate::authz::{Authorized, CityAdmin, PupilAndSchool, StudentsSchool, guarded};
use crate::error::{ApiError, ErrorCode};
use crate::extract::{
    IfMatch, JsonBody, Query, RawBody, TenantCtx, media_type, page_request, parse_json, parse_value,
};
use crate::problems::{DeleteErrors, ReadErrors, WriteErrors};
use crate::responses::{created, list, no_content, resource};
use crate::state::AppState;
use crate::tabular::{Columns, csv_objects};
use crate::wire::ListOf;
use crate::wire::students::{
    AuditEventOut, ConsentIn, ConsentOut, ConsentsOut, ImportIn, ImportOut, ImportResultCode,
    ImportRowOut, RosterRowIn, StudentBookingOut, StudentExportOut, StudentIn, StudentOut,
    StudentPatch, TransferIn,
};

/// The pupils' routes, under `/students`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(list_students))
        .service(guarded(create_student))
        .service(guarded(import_students))
        .service(guarded(get_student))
        .service(guarded(update_student))
        .service(guarded(erase_student))
        .service(guarded(export_student))
        .service(guarded(transfer_student))
        .service(guarded(list_consents))
        .service(guarded(record_consent))
        .service(guarded(list_student_bookings));
}

/// The access log of pupils' data, under `/audit-events`.
pub fn configure_audit_events(cfg: &mut ServiceConfig) {
    cfg.service(guarded(list_audit_events));
}

/// The body limit of a roster import (5 000 rows).
const IMPORT_BODY_BYTES: usize = 4 * 1024 * 1024;

pub(super) type StudentPath = web::Path<(String, Uuid)>;
pub(super) type EntryPath = web::Path<(String, Uuid, Uuid)>;

/// A platform administrator acts for no school of its own: it names one.
fn school_named(ctx: &TenantCtx, school: Option<Uuid>) -> Result<(), ApiError> {
    if ctx.actor.is_platform_admin() && school.is_none() {
        return Err(ApiError::invalid_query(
            "a platform administrator names the school: ?school_id=",
        ));
    }
    Ok(())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StudentQuery {
    /// Part of the display name or the external reference (case-insensitive), 1-100 characters.
    q: Option<String>,
    /// Exactly this grade, e.g. `2 havo`; 1-200 characters.
    grade: Option<String>,
    /// An education level (vocabulary `education_levels`).
    #[param(value_type = Option<crate::wire::EducationLevelCode>)]
    education_level: Option<String>,
    /// `active` or `left`.
    #[param(value_type = Option<crate::wire::StudentStatusCode>)]
    status: Option<String>,
    /// Platform administrators name the school; a school key lists its own pupils.
    school_id: Option<Uuid>,
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[guarded]
/// List a school's pupils
///
/// A school key lists its own pupils (a platform administrator names `school_id`).
/// Every pupil listed is recorded in the audit log. Other roles get 403.
#[utoipa::path(
    operation_id = "students.list", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), StudentQuery),
    responses((status = 200, description = "One page of pupils", body = ListOf<StudentOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("")]
pub async fn list_students(
    req: HttpRequest,
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    query: Query<StudentQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    school_named(&ctx, query.school_id)?;
    let grade = match query.grade.as_deref().map(str::trim) {
        Some(g) if g.is_empty() || g.chars().count() > 200 => {
            return Err(ApiError::invalid_query("grade must be 1-200 characters"));
        }
        other => other.map(str::to_owned),
    };
    let filter = StudentFilter {
        q: text_filter(query.q.as_deref())?,
        grade,
        education_level: code_filter("education_level", query.education_level.as_deref())?,
        status: code_filter("status", query.status.as_deref())?,
    };
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let students = state
        .students
        .list(
            &ctx.actor,
            ctx.tenant.id,
            query.school_id.map(SchoolId::from_uuid),
            filter,
            page,
        )
        .await?;
    Ok(list(&req, students, StudentOut::from))
}

#[guarded]
/// Add a pupil
///
/// A school key adds a pupil to its own school. Keep the minimum: a display name
/// (first name or alias), the birth year, grade, level and the school's own number.
#[utoipa::path(
    operation_id = "students.create", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug")),
    request_body = StudentIn,
    responses((status = 201, description = "Created", body = StudentOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("")]
pub async fn create_student(
    req: HttpRequest,
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    body: JsonBody<StudentIn>,
) -> Result<HttpResponse, ApiError> {
    let student = state
        .students
        .create(&ctx.actor, ctx.tenant.id, body.into_inner()?.try_into()?)
        .await?;
    Ok(created(
        format!("{}/{}", req.path(), student.id),
        student.version,
        StudentOut::from(student),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Platform administrators name the school; a school key imports its own roster.
    school_id: Option<Uuid>,
}

/// The CSV columns of a roster, in any order.
const ROSTER_COLUMNS: Columns<'static> = Columns {
    known: &[
        "external_ref",
        "display_name",
        "birth_year",
        "education_level",
        "grade",
        "status",
    ],
    required: &[
        "external_ref",
        "display_name",
        "birth_year",
        "education_level",
    ],
    numeric: &["birth_year"],
};

#[guarded]
/// Import a school's roster
///
/// Upserts pupils by `external_ref`, from JSON (`{"rows": [...]}`) or CSV
/// (`Content-Type: text/csv`, a header row naming the columns `external_ref`,
/// `display_name`, `birth_year`, `education_level` and optionally `grade`, `status`).
/// Up to 5 000 rows (4 MiB); each row is judged on its own and answered with
/// `created`, `updated`, `unchanged` or `failed` and its problem; the valid rows are
/// written together. Importing the same roster again changes nothing. Pupils missing
/// from the roster are left alone: send them with `status: left`.
#[utoipa::path(
    operation_id = "students.import", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ImportQuery),
    request_body(content(
        (ImportIn = "application/json"),
        (String = "text/csv", example = "external_ref,display_name,birth_year,education_level,grade\nLL-0042,Sara,2011,nl_havo,2 havo\n")
    )),
    responses((status = 200, description = "Per-row results", body = ImportOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/import")]
pub async fn import_students(
    req: HttpRequest,
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    query: Query<ImportQuery>,
    body: RawBody<IMPORT_BODY_BYTES>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    school_named(&ctx, query.school_id)?;
    let (_, content_type) = media_type(&req);
    if content_type != "application/json" && content_type != "text/csv" {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the roster as application/json or text/csv",
        ));
    }
    let body = body.into_inner()?;
    let (rows, prefix) = if content_type == "text/csv" {
        (csv_objects(&body, &ROSTER_COLUMNS, "")?, "")
    } else {
        (parse_json::<ImportIn>(&body)?.rows, "/rows")
    };
    if rows.len() > MAX_IMPORT_ROWS {
        return Err(ApiError::validation(ValidationErrors::single(
            if prefix.is_empty() { "/" } else { prefix },
            format!("at most {MAX_IMPORT_ROWS} rows per import"),
        )));
    }
    let mut valid: Vec<(usize, RosterRow)> = Vec::with_capacity(rows.len());
    let mut results = Vec::new();
    for (index, value) in rows.into_iter().enumerate() {
        let external_ref = value
            .get("external_ref")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        let parsed = parse_value::<RosterRowIn>(value)
            .and_then(|row| RosterRow::try_from(row).map_err(ApiError::from));
        match parsed {
            Ok(row) => valid.push((index, row)),
            Err(error) => results.push(ImportRowOut {
                index,
                external_ref,
                result: ImportResultCode::Failed,
                student_id: None,
                problem: Some(error.within(&format!("{prefix}/{index}")).problem()),
            }),
        }
    }
    let refs: Vec<(usize, String)> = valid
        .iter()
        .map(|(i, r)| (*i, r.external_ref.to_string()))
        .collect();
    let outcomes = state
        .students
        .import(
            &ctx.actor,
            ctx.tenant.id,
            query.school_id.map(SchoolId::from_uuid),
            valid,
        )
        .await?;
    for (index, outcome) in outcomes {
        let external_ref = refs
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, r)| r.clone());
        results.push(match outcome {
            Ok((done, id)) => ImportRowOut {
                index,
                external_ref,
                result: match done {
                    RowOutcome::Created => ImportResultCode::Created,
                    RowOutcome::Updated => ImportResultCode::Updated,
                    RowOutcome::Unchanged => ImportResultCode::Unchanged,
                },
                student_id: Some(id.as_uuid()),
                problem: None,
            },
            Err(error) => ImportRowOut {
                index,
                external_ref,
                result: ImportResultCode::Failed,
                student_id: None,
                problem: Some(
                    ApiError::from(error)
                        .within(&format!("{prefix}/{index}"))
                        .problem(),
                ),
            },
        });
    }
    Ok(HttpResponse::Ok().json(ImportOut::new(results)))
}

#[guarded]
/// Read a pupil
#[utoipa::path(
    operation_id = "students.get", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id")),
    responses((status = 200, description = "The pupil", body = StudentOut), (status = 304, description = "Not modified since the `If-None-Match` version"), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{student_id}")]
pub async fn get_student(
    req: HttpRequest,
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
) -> Result<HttpResponse, ApiError> {
    let student = state
        .students
        .get(&ctx.actor, ctx.tenant.id, StudentId::from_uuid(path.1))
        .await?;
    Ok(resource(&req, student.version, StudentOut::from(student)))
}

#[guarded]
/// Update a pupil
///
/// JSON merge patch, by the pupil's school.
#[utoipa::path(
    operation_id = "students.update", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    request_body(content = StudentPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Updated", body = StudentOut), WriteErrors),
    security(("api_key" = []))
)]
#[patch("/{student_id}")]
pub async fn update_student(
    req: HttpRequest,
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
    if_match: IfMatch,
    body: JsonBody<StudentPatch>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner()?.try_into()?;
    let student = state
        .students
        .update(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            changes,
            if_match.version()?,
        )
        .await?;
    Ok(resource(&req, student.version, StudentOut::from(student)))
}

#[guarded]
/// Erase a pupil
///
/// The right to erasure: the pupil's record, consents, portfolio and the naming on
/// bookings are removed for good. Bookings keep their anonymous seat and attendance
/// counts, and the change feed records the removals by id only.
#[utoipa::path(
    operation_id = "students.erase", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    responses((status = 204, description = "Erased"), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/{student_id}")]
pub async fn erase_student(
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    state
        .students
        .erase(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            if_match.version()?,
        )
        .await?;
    Ok(no_content())
}

#[guarded]
/// Export everything held on a pupil
///
/// The right of access: the record, the consent ledger, the portfolio entries, the
/// bookings the pupil was named on, the route plan and the credentials, as one JSON
/// document. Entries of earlier schools that stay sealed are counted, not shown.
#[utoipa::path(
    operation_id = "students.export", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id")),
    responses((status = 200, description = "Everything held on the pupil", body = StudentExportOut), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{student_id}/export")]
pub async fn export_student(
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
) -> Result<HttpResponse, ApiError> {
    let export = state
        .credentials
        .export(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            ctx.tenant.settings.consent_age,
        )
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(StudentExportOut::from(export)))
}

#[guarded]
/// Move a pupil to another school
///
/// The pupil moves to `to_school_id` (a school of this city); the old school loses
/// access at once. With `portfolio_transfer` consent the portfolio moves along;
/// without it, everything made so far stays sealed and the new school sees only the
/// entries it adds.
#[utoipa::path(
    operation_id = "students.transfer", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    request_body = TransferIn,
    responses((status = 200, description = "Moved", body = StudentOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{student_id}/transfer")]
pub async fn transfer_student(
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
    if_match: IfMatch,
    body: JsonBody<TransferIn>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner()?;
    let student = state
        .students
        .transfer(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            SchoolId::from_uuid(input.to_school_id),
            if_match.version()?,
        )
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, crate::responses::etag(student.version)))
        .json(StudentOut::from(student)))
}

#[guarded]
/// Read a pupil's consents
///
/// The current state of every purpose and the whole ledger it derives from.
#[utoipa::path(
    operation_id = "students.consents.list", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id")),
    responses((status = 200, description = "Current state and ledger", body = ConsentsOut), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{student_id}/consents")]
pub async fn list_consents(
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
) -> Result<HttpResponse, ApiError> {
    let ledger = state
        .students
        .consents(&ctx.actor, ctx.tenant.id, StudentId::from_uuid(path.1))
        .await?;
    Ok(HttpResponse::Ok().json(ConsentsOut::new(&ledger)))
}

#[guarded]
/// Record a consent decision
///
/// Appends to the ledger (nothing is ever changed in it). A pupil decides alone
/// (`given_by: student`) only when certainly at or above the city's consent age
/// (NL 16, BE 13 by default); `recruitment_contact` is granted only from 16. Both are
/// refused with 422 `consent_not_allowed`.
#[utoipa::path(
    operation_id = "students.consents.record", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id")),
    request_body = ConsentIn,
    responses((status = 201, description = "Recorded", body = ConsentOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{student_id}/consents")]
pub async fn record_consent(
    req: HttpRequest,
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
    body: JsonBody<ConsentIn>,
) -> Result<HttpResponse, ApiError> {
    let consent = state
        .students
        .record_consent(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            ctx.tenant.settings.consent_age,
            body.into_inner()?.into(),
        )
        .await?;
    Ok(created(
        format!("{}/{}", req.path(), consent.id),
        1,
        ConsentOut::from(&consent),
    ))
}

#[guarded]
/// List the bookings that name a pupil
///
/// Every booking the pupil is named on, with the pupil's attendance once recorded.
#[utoipa::path(
    operation_id = "students.bookings", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id")),
    responses((status = 200, description = "Every booking naming the pupil (one page: `next_cursor` is always null)", body = ListOf<StudentBookingOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{student_id}/bookings")]
pub async fn list_student_bookings(
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
) -> Result<HttpResponse, ApiError> {
    let bookings = state
        .students
        .bookings(&ctx.actor, ctx.tenant.id, StudentId::from_uuid(path.1))
        .await?;
    Ok(HttpResponse::Ok().json(ListOf {
        data: bookings
            .into_iter()
            .map(StudentBookingOut::from)
            .collect::<Vec<_>>(),
        next_cursor: None,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only events about this pupil.
    student_id: Option<Uuid>,
    /// Only events of this API key.
    key_id: Option<Uuid>,
    /// Only this action, e.g. `student.export`.
    #[param(value_type = Option<crate::wire::AuditActionCode>)]
    action: Option<String>,
    /// Events at or after this time (RFC 3339).
    from: Option<String>,
    /// Events before this time (RFC 3339).
    to: Option<String>,
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[guarded]
/// Read the audit log of pupils' data
///
/// Every read or write of a pupil's data, every export and erasure: who (key and
/// role), what, which pupil, when and in which request — ids only, never the data.
/// For city administrators (the privacy officer's view) and platform administrators.
#[utoipa::path(
    operation_id = "audit_events.list", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), AuditQuery),
    responses((status = 200, description = "One page of events, oldest first", body = ListOf<AuditEventOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("")]
pub async fn list_audit_events(
    req: HttpRequest,
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    query: Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let filter = AuditFilter {
        student_id: query.student_id.map(StudentId::from_uuid),
        key_id: query.key_id.map(ApiKeyId::from_uuid),
        action: code_filter("action", query.action.as_deref())?,
        from: timestamp_filter("from", query.from.as_deref())?,
        to: timestamp_filter("to", query.to.as_deref())?,
    };
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let events = state
        .audit
        .list(&ctx.actor, ctx.tenant.id, filter, page)
        .await?;
    Ok(list(&req, events, AuditEventOut::from))
}
