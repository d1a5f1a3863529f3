//! `/v1/tenants/{tenant}/students/{student_id}/recommendations`: the visits that suit a
//! pupil, from the pupil's own portfolio and route plan, each with its reasons.

use actix_web::{HttpResponse, get, web};
use driehoek_api_macros::guarded;
use driehoek_domain::ids::StudentId;
use driehoek_domain::matching::RecommendationRequest;
use driehoek_domain::values::LanguageCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use super::students::StudentPath;
use super::timestamp_filter;
use crate::authz::{Authorized, PupilAndSchool, guarded};
use crate::error::{ApiError, Problem};
use crate::extract::Query;
use crate::problems::ReadErrors;
use crate::state::AppState;
use crate::wire::ListOf;
use crate::wire::matching::RecommendationOut;

/// The recommendations' route, under `/students`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(list_recommendations));
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecommendationQuery {
    /// Slots starting at or after this time (RFC 3339); default and earliest: now.
    #[param(format = DateTime)]
    from: Option<String>,
    /// Slots starting before this time (RFC 3339); default 90 days after `from`, at
    /// most 366 days after it.
    #[param(format = DateTime)]
    to: Option<String>,
    /// How many, 1-100 (default 20).
    limit: Option<u32>,
    /// The languages the pupil takes part in, ISO 639-1, comma-separated (`nl,en`);
    /// default the tenant's language. An offering naming no language suits every one.
    #[param(example = "nl,en", pattern = "^[a-z]{2}(,[a-z]{2})*$")]
    languages: Option<String>,
}

/// `languages`: ISO 639-1 codes, comma-separated.
fn languages(raw: Option<&str>) -> Result<Vec<LanguageCode>, ApiError> {
    raw.map_or(Ok(Vec::new()), |raw| {
        raw.split(',')
            .map(|code| {
                LanguageCode::parse(code.trim())
                    .map_err(|e| ApiError::invalid_query(format!("languages: '{code}' {e}")))
            })
            .collect()
    })
}

#[guarded]
/// Recommend visits to a pupil
///
/// Published offerings with a slot that has a seat left in the window, fitting the
/// pupil's age (certain, from the birth year, on the slot's date), education level and
/// languages, that the pupil is not booked on and has not attended; nothing while the
/// pupil's `participation` consent is refused or withdrawn. One item per offering, at
/// its earliest such slot, scored in points: `route_target` 40 (the route plan's
/// target occupation), `on_route` 25 (an occupation the plan's steps lead to on the
/// published map), `interest_occupation` 10 per portfolio entry naming one of its
/// occupations (a talent entry counts twice; at most 30), `interest_sector` 5 per
/// entry naming one of its sectors (talent twice; at most 15), `competence_gap` 10 (a
/// career competence the portfolio has fewest entries of), `age_and_level` 5 when the
/// offering names the pupil's level. Ranked by points, then the earliest start, then
/// the offering's id: the same data gives the same list. Every fifth place goes to an
/// offering of a sector the pupil has not met yet (`new_sector`) unless enough rank
/// there on their own. Each reason's `detail` is in the tenant's language. The
/// pupil's school, the pupil's and guardians' tokens, and the platform; the read is in
/// the audit log (`student.recommendations`).
#[utoipa::path(
    operation_id = "students.recommendations", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id"), RecommendationQuery),
    responses(
        (status = 200, description = "The list, best first (one page: `next_cursor` is always null)", body = ListOf<RecommendationOut>),
        (status = 422, description = "The window is empty or longer than 366 days (`validation_failed`, pointing at `/to`), or `limit` is out of range (at `/limit`)", body = Problem, content_type = "application/problem+json"),
        ReadErrors
    ),
    security(("api_key" = []))
)]
#[get("/{student_id}/recommendations")]
pub async fn list_recommendations(
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
    params: Query<RecommendationQuery>,
) -> Result<HttpResponse, ApiError> {
    let params = params.checked()?;
    let request = RecommendationRequest {
        from: timestamp_filter("from", params.from.as_deref())?,
        to: timestamp_filter("to", params.to.as_deref())?,
        limit: params.limit,
        languages: languages(params.languages.as_deref())?,
    };
    let list = state
        .matching
        .recommendations(
            &ctx.actor,
            &ctx.tenant,
            StudentId::from_uuid(path.1),
            request,
        )
        .await?;
    Ok(HttpResponse::Ok().json(ListOf {
        data: list
            .into_iter()
            .map(RecommendationOut::from)
            .collect::<Vec<_>>(),
        next_cursor: None,
    }))
}
