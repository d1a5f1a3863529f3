//! `/v1/tenants/{tenant}/students`: pupils, their consents and talent portfolios, the
//! pupil's data rights (export, erasure), and `/audit-events`, the log of every access.
//!
//! Only the pupil's own school (its `school` key) and platform administrators reach a
//! pupil; every other role gets 403 before anything is looked up.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use driehoek_domain::ValidationErrors;
use driehoek_domain::audit::AuditFilter;
use driehoek_domain::ids::{ApiKeyId, BookingId, PortfolioEntryId, SchoolId, StudentId};
use driehoek_domain::students::{
    EntryFilter, MAX_IMPORT_ROWS, RosterRow, RowOutcome, StudentFilter, require_pupil_role,
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{code_filter, text_filter, timestamp_filter};
use crate::error::{ApiError, ErrorCode};
use crate::extract::{
    IfMatch, JsonBody, RawBody, TenantCtx, media_type, page_request, parse_json, parse_value,
};
use crate::problems::{DeleteErrors, ReadErrors, WriteErrors};
use crate::responses::{created, list, no_content, resource};
use crate::state::AppState;
use crate::tabular::{Columns, csv_objects};
use crate::wire::ListOf;
use crate::wire::students::{
    AuditEventOut, ConsentIn, ConsentOut, ConsentsOut, EntryIn, EntryOut, EntryPatch, ImportIn,
    ImportOut, ImportResultCode, ImportRowOut, PortfolioOut, RosterRowIn, RoutePlanIn,
    RoutePlanOut, StudentExportOut, StudentIn, StudentOut, StudentPatch, TransferIn,
};

/// The pupils' routes, under `/students`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_students)
        .service(create_student)
        .service(import_students)
        .service(get_student)
        .service(update_student)
        .service(erase_student)
        .service(export_student)
        .service(transfer_student)
        .service(list_consents)
        .service(record_consent)
        .service(get_portfolio)
        .service(list_entries)
        .service(add_entry)
        .service(get_entry)
        .service(update_entry)
        .service(delete_entry)
        .service(get_route_plan)
        .service(put_route_plan)
        .service(route_plan_versions);
}

/// The access log of pupils' data, under `/audit-events`.
pub fn configure_audit_events(cfg: &mut ServiceConfig) {
    cfg.service(list_audit_events);
}

/// The body limit of a roster import (5 000 rows).
const IMPORT_BODY_BYTES: usize = 4 * 1024 * 1024;

type StudentPath = web::Path<(String, Uuid)>;
type EntryPath = web::Path<(String, Uuid, Uuid)>;

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
    /// Part of the display name or the external reference (case-insensitive).
    q: Option<String>,
    /// Exactly this grade, e.g. `2 havo`.
    grade: Option<String>,
    /// An education level (vocabulary `education_levels`).
    education_level: Option<String>,
    /// `active` or `left`.
    status: Option<String>,
    /// Platform administrators name the school; a school key lists its own pupils.
    school_id: Option<Uuid>,
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

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
    ctx: TenantCtx,
    state: web::Data<AppState>,
    query: web::Query<StudentQuery>,
) -> Result<HttpResponse, ApiError> {
    require_pupil_role(&ctx.actor)?;
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
    ctx: TenantCtx,
    state: web::Data<AppState>,
    body: JsonBody<StudentIn>,
) -> Result<HttpResponse, ApiError> {
    require_pupil_role(&ctx.actor)?;
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
    ctx: TenantCtx,
    state: web::Data<AppState>,
    query: web::Query<ImportQuery>,
    body: RawBody<IMPORT_BODY_BYTES>,
) -> Result<HttpResponse, ApiError> {
    require_pupil_role(&ctx.actor)?;
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
    ctx: TenantCtx,
    state: web::Data<AppState>,
    path: StudentPath,
) -> Result<HttpResponse, ApiError> {
    let student = state
        .students
        .get(&ctx.actor, ctx.tenant.id, StudentId::from_uuid(path.1))
        .await?;
    Ok(resource(&req, student.version, StudentOut::from(student)))
}

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
    ctx: TenantCtx,
    state: web::Data<AppState>,
    path: StudentPath,
    if_match: IfMatch,
    body: JsonBody<StudentPatch>,
) -> Result<HttpResponse, ApiError> {
    require_pupil_role(&ctx.actor)?;
    let changes = body.into_inner()?.try_into()?;
    let student = state
        .students
        .update(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            changes,
            if_match.0,
        )
        .await?;
    Ok(resource(&req, student.version, StudentOut::from(student)))
}

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
    ctx: TenantCtx,
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
            if_match.0,
        )
        .await?;
    Ok(no_content())
}

/// Export everything held on a pupil
///
/// The right of access: the record, the consent ledger, the portfolio entries, the
/// bookings the pupil was named on (and the route plan once plans exist), as one JSON
/// document. Entries of earlier schools that stay sealed are counted, not shown.
#[utoipa::path(
    operation_id = "students.export", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id")),
    responses((status = 200, description = "Everything held on the pupil", body = StudentExportOut), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{student_id}/export")]
pub async fn export_student(
    ctx: TenantCtx,
    state: web::Data<AppState>,
    path: StudentPath,
) -> Result<HttpResponse, ApiError> {
    let export = state
        .students
        .export(&ctx.actor, ctx.tenant.id, StudentId::from_uuid(path.1))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(StudentExportOut::from(export)))
}

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
    ctx: TenantCtx,
    state: web::Data<AppState>,
    path: StudentPath,
    if_match: IfMatch,
    body: JsonBody<TransferIn>,
) -> Result<HttpResponse, ApiError> {
    require_pupil_role(&ctx.actor)?;
    let input = body.into_inner()?;
    let student = state
        .students
        .transfer(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            SchoolId::from_uuid(input.to_school_id),
            if_match.0,
        )
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, crate::responses::etag(student.version)))
        .json(StudentOut::from(student)))
}

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
    ctx: TenantCtx,
    state: web::Data<AppState>,
    path: StudentPath,
) -> Result<HttpResponse, ApiError> {
    let ledger = state
        .students
        .consents(&ctx.actor, ctx.tenant.id, StudentId::from_uuid(path.1))
        .await?;
    Ok(HttpResponse::Ok().json(ConsentsOut::new(&ledger)))
}

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
    ctx: TenantCtx,
    state: web::Data<AppState>,
    path: StudentPath,
    body: JsonBody<ConsentIn>,
) -> Result<HttpResponse, ApiError> {
    require_pupil_role(&ctx.actor)?;
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
    ctx: TenantCtx,
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
    competence: Option<String>,
    /// An entry kind (vocabulary `portfolio_entry_kinds`).
    kind: Option<String>,
    booking_id: Option<Uuid>,
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

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
    ctx: TenantCtx,
    state: web::Data<AppState>,
    path: StudentPath,
    query: web::Query<EntryQuery>,
) -> Result<HttpResponse, ApiError> {
    require_pupil_role(&ctx.actor)?;
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
    ctx: TenantCtx,
    state: web::Data<AppState>,
    path: StudentPath,
    body: JsonBody<EntryIn>,
) -> Result<HttpResponse, ApiError> {
    require_pupil_role(&ctx.actor)?;
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
    ctx: TenantCtx,
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
    ctx: TenantCtx,
    state: web::Data<AppState>,
    path: EntryPath,
    if_match: IfMatch,
    body: JsonBody<EntryPatch>,
) -> Result<HttpResponse, ApiError> {
    require_pupil_role(&ctx.actor)?;
    let entry = state
        .students
        .update_entry(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            PortfolioEntryId::from_uuid(path.2),
            body.into_inner()?.try_into()?,
            if_match.0,
        )
        .await?;
    Ok(resource(&req, entry.version, EntryOut::from(entry)))
}

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
    ctx: TenantCtx,
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
            if_match.0,
        )
        .await?;
    Ok(no_content())
}

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
    ctx: TenantCtx,
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

/// Set a pupil's route plan
///
/// By the pupil's school. Each call makes a new version and keeps the earlier ones.
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
    ctx: TenantCtx,
    state: web::Data<AppState>,
    path: StudentPath,
    if_match: IfMatch,
    body: JsonBody<RoutePlanIn>,
) -> Result<HttpResponse, ApiError> {
    require_pupil_role(&ctx.actor)?;
    let view = state
        .students
        .set_route_plan(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            body.into_inner()?.try_into()?,
            if_match.0,
        )
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, crate::responses::etag(view.plan.version)))
        .json(RoutePlanOut::from(view)))
}

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
    ctx: TenantCtx,
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only events about this pupil.
    student_id: Option<Uuid>,
    /// Only events of this API key.
    key_id: Option<Uuid>,
    /// Only this action, e.g. `student.export`.
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
    ctx: TenantCtx,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    ctx.actor.require_admin()?;
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
