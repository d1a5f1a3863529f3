//! Version 1 of the public API, mounted under `/v1`.

pub mod api_keys;
pub mod bookings;
pub mod businesses;
pub mod calendars;
pub mod changes;
pub mod oauth;
pub mod programmes;
pub mod route_maps;
pub mod schools;
pub mod students;
pub mod tenants;
pub mod vocabularies;
pub mod webhooks;
pub mod work_visit_sync;
pub mod work_visits;

use chrono::{DateTime, Utc};
use driehoek_domain::vocabularies::Vocabulary;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;

/// Registers every v1 operation (the OpenAPI document is collected from these).
pub fn configure(cfg: &mut ServiceConfig) {
    tenants::configure(cfg);
    api_keys::configure(cfg);
    bookings::configure(cfg);
    schools::configure(cfg);
    students::configure(cfg);
    businesses::configure(cfg);
    programmes::configure(cfg);
    route_maps::configure(cfg);
    vocabularies::configure(cfg);
    work_visits::configure(cfg);
    work_visit_sync::configure(cfg);
    calendars::configure(cfg);
    changes::configure(cfg);
    oauth::configure(cfg);
    webhooks::configure(cfg);
}

/// A vocabulary filter: unknown codes are a 400, never ignored.
pub(crate) fn code_filter<V: Vocabulary>(
    name: &str,
    raw: Option<&str>,
) -> Result<Option<V>, ApiError> {
    raw.map(|raw| V::parse(raw).map_err(|e| ApiError::invalid_query(format!("{name}: {e}"))))
        .transpose()
}

/// `updated_since`: an RFC 3339 timestamp.
pub(crate) fn timestamp_filter(
    name: &str,
    raw: Option<&str>,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    raw.map(|raw| {
        DateTime::parse_from_rfc3339(raw)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| {
                ApiError::invalid_query(format!(
                    "{name} must be an RFC 3339 timestamp such as 2026-11-23T09:30:00Z"
                ))
            })
    })
    .transpose()
}

/// `q`: a search text of 1-100 characters.
pub(crate) fn text_filter(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    match raw.map(str::trim) {
        None => Ok(None),
        Some(q) if q.is_empty() || q.chars().count() > 100 => {
            Err(ApiError::invalid_query("q must be 1-100 characters"))
        }
        Some(q) => Ok(Some(q.to_owned())),
    }
}
