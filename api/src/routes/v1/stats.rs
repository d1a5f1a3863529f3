//! `/stats`: the city's figures for a period, as anonymous aggregates (city
//! administrators). Counts of pupils under the tenant's small-cell threshold are
//! `null` and listed in `suppressed`.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use driehoek_api_macros::guarded;
use driehoek_domain::error::DomainError;
use driehoek_domain::ids::ProgrammeId;
use driehoek_domain::stats::StatsQuery;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::authz::{Authorized, CityAdmin, guarded};
use crate::error::{ApiError, Problem};
use crate::extract::Query;
use crate::problems::ReadErrors;
use crate::state::AppState;
use crate::wire::stats::StatsOut;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(get_stats));
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// First day counted (`YYYY-MM-DD`, in the tenant's time zone); default 1 January
    /// of this year.
    #[param(format = Date, example = "2026-01-01")]
    from: Option<String>,
    /// First day no longer counted; default 1 January of next year. At most five years
    /// after `from`.
    #[param(format = Date, example = "2027-01-01")]
    to: Option<String>,
    /// Only the visits offered under this programme.
    programme_id: Option<Uuid>,
}

/// `YYYY-MM-DD`, or the default.
fn day(name: &str, raw: Option<&str>, default: NaiveDate) -> Result<NaiveDate, ApiError> {
    raw.map_or(Ok(default), |raw| {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| {
            ApiError::invalid_query(format!("{name} must be a date such as 2026-01-01"))
        })
    })
}

#[guarded]
/// The city's figures
///
/// What the partnership reached in a period — completed visits by their slot's start,
/// the schools, hosts and coaches involved, the hours, participants and named pupils,
/// attendance and no-shows, the sector mix, satisfaction by schools, hosts and pupils,
/// hosts who would host again, each school's coverage, how many encounters each
/// pupil had (0, 1, 2, 3 or more, per school and grade), the visits that went through
/// the whole cycle (prepared, debriefed, feedback from both sides), reach by
/// neighbourhood (the first four characters of the schools' postal codes), portfolio
/// activity and route plans agreed with guardians — as anonymous aggregates. Counts of
/// pupils (and of pupils' feedback) from 1 up to the tenant's `small_cell_threshold`
/// are `null`, and with them enough others that none can be worked out from the
/// published figures by adding and subtracting; every suppressed value's JSON Pointer
/// is listed in `suppressed`. City and platform administrators.
#[utoipa::path(
    operation_id = "stats.get", tag = "stats",
    params(("tenant" = String, Path, description = "Tenant slug"), StatsParams),
    responses(
        (status = 200, description = "The figures", body = StatsOut),
        (status = 422, description = "The period is empty or longer than five years (`validation_failed`, pointing at `/to`)", body = Problem, content_type = "application/problem+json"),
        ReadErrors
    ),
    security(("api_key" = []))
)]
#[get("")]
pub async fn get_stats(
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    params: Query<StatsParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.checked()?;
    let (this_year, next_year) = state.stats.this_year(&ctx.tenant)?;
    let query = StatsQuery {
        from: day("from", params.from.as_deref(), this_year)?,
        to: day("to", params.to.as_deref(), next_year)?,
        programme: params.programme_id.map(ProgrammeId::from_uuid),
    };
    let _turn = state
        .report_turns
        .acquire()
        .await
        .map_err(|_| DomainError::Internal("the report turns are closed".to_owned()))?;
    let report = state.stats.report(&ctx.actor, &ctx.tenant, query).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(StatsOut::new(report, ctx.tenant.timezone.as_str())))
}
