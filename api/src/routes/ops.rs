//! Operational endpoints: liveness, readiness, Prometheus metrics and the problem
//! code descriptions that every problem's `type` points to. No key needed.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, ErrorCode};
use crate::problems::OpsErrors;
use crate::state::AppState;
use crate::telemetry;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(live)
        .service(ready)
        .service(metrics)
        .service(problem_type);
}

#[derive(Serialize, ToSchema)]
pub struct HealthOut {
    /// `ok` or `unavailable`.
    pub status: String,
    /// Each dependency and whether it answers: `ok` or `unavailable` (why goes to the
    /// server's log).
    pub checks: std::collections::BTreeMap<String, String>,
}

/// Liveness
///
/// 200 while the process runs.
#[utoipa::path(operation_id = "health.live", tag = "operations", responses((status = 200, description = "Alive", body = HealthOut), OpsErrors), security(()))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthOut {
        status: "ok".to_owned(),
        checks: Default::default(),
    })
}

/// Readiness
///
/// 200 when the database (and Redis, when configured) answer; 503 naming the failing part.
#[utoipa::path(
    operation_id = "health.ready", tag = "operations",
    responses((status = 200, description = "Ready", body = HealthOut), (status = 503, description = "A dependency does not answer", body = HealthOut), OpsErrors),
    security(())
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let mut checks = std::collections::BTreeMap::new();
    let mut healthy = true;
    let mut check = |part: &str, answer: Result<(), String>| {
        if let Err(error) = &answer {
            // The driver's words go to the log, never into the response.
            tracing::warn!(part, %error, "readiness check failed");
        }
        healthy &= answer.is_ok();
        let status = if answer.is_ok() { "ok" } else { "unavailable" };
        checks.insert(part.to_owned(), status.to_owned());
    };
    check("database", state.database.ping().await);
    if let Some(redis) = &state.redis {
        check("redis", redis.ping().await);
    }
    let body = HealthOut {
        status: if healthy { "ok" } else { "unavailable" }.to_owned(),
        checks,
    };
    if healthy {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable()
            .insert_header(("Retry-After", "5"))
            .json(body)
    }
}

/// Metrics
///
/// Prometheus text format: requests by route template and status, latency histogram,
/// database pool.
#[utoipa::path(operation_id = "metrics.get", tag = "operations", responses((status = 200, description = "Prometheus text", content_type = "text/plain"), OpsErrors), security(()))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let (size, idle) = state.database.pool_stats();
    ::metrics::gauge!("driehoek_db_pool_connections").set(f64::from(size));
    ::metrics::gauge!("driehoek_db_pool_idle_connections").set(f64::from(idle));
    let (size, idle) = state.database.read_pool_stats();
    ::metrics::gauge!("driehoek_db_read_pool_connections").set(f64::from(size));
    ::metrics::gauge!("driehoek_db_read_pool_idle_connections").set(f64::from(idle));
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(telemetry::render_metrics())
}

#[derive(Serialize, ToSchema)]
pub struct ProblemTypeOut {
    #[schema(example = "validation_failed")]
    pub code: String,
    pub status: u16,
    pub title: String,
    pub description: String,
}

/// Describe a problem code
///
/// The target of every problem document's `type`.
#[utoipa::path(
    operation_id = "problems.get", tag = "operations",
    params(("code" = String, Path, description = "A problem code from the catalogue")),
    responses((status = 200, description = "The code's meaning", body = ProblemTypeOut), OpsErrors),
    security(())
)]
#[get("/problems/{code}")]
pub async fn problem_type(code: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let code = ErrorCode::parse(&code).ok_or_else(|| ApiError::not_found("problem code"))?;
    Ok(HttpResponse::Ok().json(ProblemTypeOut {
        code: code.as_str().to_owned(),
        status: code.status().as_u16(),
        title: code.title().to_owned(),
        description: code.description().to_owned(),
    }))
}
