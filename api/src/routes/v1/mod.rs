//! Version 1 of the public API, mounted under `/v1`.

pub mod access_tokens;
pub mod api_keys;
pub mod bookings;
pub mod businesses;
pub mod calendars;
pub mod changes;
pub mod credentials;
pub mod invitations;
pub mod oauth;
pub mod placements;
pub mod portfolios;
pub mod programmes;
pub mod recommendations;
pub mod route_maps;
pub mod schools;
pub mod stats;
pub mod students;
pub mod talent_notes;
pub mod tenants;
pub mod vocabularies;
pub mod webhooks;
pub mod work_visit_sync;
pub mod work_visits;

use chrono::{DateTime, Utc};
use driehoek_domain::vocabularies::Vocabulary;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;

/// The query of a collection that takes no filters: one page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

impl PageQuery {
    /// The page asked for.
    pub fn page(&self) -> Result<driehoek_domain::paging::PageRequest, ApiError> {
        crate::extract::page_request(self.limit, self.cursor.as_deref())
    }
}

/// Registers every v1 operation (the OpenAPI document is collected from these).
///
/// Routes live in nested scopes, `/tenants/{tenant}` and then one per collection,
/// because actix matches a request against each resource of a scope in turn, by
/// regular expression: flat, a `get_school` tried about twenty of them (32 k of its
/// 238 k instructions). Every route of a collection must sit in its scope: a request
/// that enters a scope and matches none of its routes is answered there (404). The
/// tenant's own routes sit in its scope too, so no request under it first tries them
/// (one regular expression each) on the way in.
pub fn configure(cfg: &mut ServiceConfig) {
    tenants::configure(cfg);
    vocabularies::configure(cfg);
    oauth::configure(cfg);
    webhooks::configure_event_types(cfg);
    credentials::configure_verify(cfg);
    cfg.service(
        scope("/tenants/{tenant}")
            .configure(tenants::configure_tenant)
            .service(
                scope("/schools")
                    .configure(schools::configure)
                    .configure(calendars::configure_schools)
                    .configure(talent_notes::configure_schools),
            )
            .service(scope("/work-visits").configure(work_visits::configure))
            .service(
                scope("/bookings")
                    .configure(bookings::configure)
                    .configure(talent_notes::configure_bookings),
            )
            .service(scope("/placements").configure(placements::configure))
            .service(
                scope("/students")
                    .configure(students::configure)
                    .configure(portfolios::configure)
                    .configure(access_tokens::configure)
                    .configure(invitations::configure)
                    .configure(recommendations::configure)
                    .configure(talent_notes::configure_students)
                    .configure(credentials::configure_students),
            )
            .service(
                scope("/businesses")
                    .configure(businesses::configure)
                    .configure(work_visit_sync::configure)
                    .configure(calendars::configure_businesses),
            )
            .service(scope("/issuer").configure(credentials::configure_issuer))
            .service(scope("/credential-status").configure(credentials::configure_status))
            .service(scope("/programmes").configure(programmes::configure))
            .service(scope("/route-maps").configure(route_maps::configure))
            .service(scope("/api-keys").configure(api_keys::configure))
            .service(scope("/webhooks").configure(webhooks::configure))
            .service(scope("/changes").configure(changes::configure))
            .service(scope("/stats").configure(stats::configure))
            .service(scope("/audit-events").configure(students::configure_audit_events)),
    );
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
