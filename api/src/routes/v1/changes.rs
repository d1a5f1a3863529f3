//! `/v1/tenants/{tenant}/changes`: the tenant's change feed (DESIGN.md §3.7).

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use driehoek_api_macros::guarded;
use driehoek_domain::changes::{Change, MAX_PAGE, resource};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::authz::{Authorized, Organisations, guarded};
use crate::error::ApiError;
use crate::extract::Query;
use crate::problems::ReadErrors;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(list_changes));
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeQuery {
    /// Changes numbered above this (0 or absent: from the start); pass the previous
    /// page's `next_after`.
    #[param(minimum = 0)]
    after: Option<i64>,
    /// Page size, 1-1000 (default 100).
    limit: Option<u32>,
    /// Only changes to this resource: `tenant`, `api_key`, `school`, `business`,
    /// `coach`, `programme`, `programme_member`, `work_visit`, `slot`, `booking`,
    /// `booking_feedback`, `student`, `consent`, `portfolio_entry`.
    resource: Option<String>,
}

/// One write to one resource.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeOut {
    /// Gap-free per tenant, in commit order.
    pub seq: i64,
    pub resource: String,
    pub id: Uuid,
    /// `created`, `updated` or `deleted`.
    pub op: String,
    /// The resource's version after the write (for a deletion, one past the last).
    pub version: i64,
    pub at: DateTime<Utc>,
}

impl From<Change> for ChangeOut {
    fn from(c: Change) -> Self {
        Self {
            seq: c.seq,
            resource: c.resource,
            id: c.id,
            op: c.op.as_str().to_owned(),
            version: c.version,
            at: c.at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangePage {
    pub data: Vec<ChangeOut>,
    /// Pass as `after` for the next page: the last number on a full page; on a page
    /// with room to spare, the number of the log's last change, so a reader moves past
    /// the changes its role does not see and does not scan them again.
    pub next_after: i64,
}

#[guarded]
/// Read the change feed
///
/// Every write to the tenant's resources in commit order, as far as the key may read
/// them: a client that always continues from `next_after` never misses a change it may
/// see, and deletions stay in the feed. All changes share one numbering, so the
/// numbers a feed shows may skip.
///
/// - `city_admin`: everything but pupils' data.
/// - `school`: the catalogue, the school's bookings (and their feedback), and its
///   pupils' records, consents and portfolio entries.
/// - `business`: the catalogue, its own draft offerings and their slots, and the
///   bookings on its offerings (and their feedback).
/// - `integrator`: the catalogue: schools, businesses, coaches, programmes and their
///   members, offerings that are not drafts and their slots. An offering's slots made
///   while it was a draft reach the catalogue with its publication: read them when an
///   offering appears.
#[utoipa::path(
    operation_id = "changes.list", tag = "changes",
    params(("tenant" = String, Path, description = "Tenant slug"), ChangeQuery),
    responses((status = 200, description = "One page of changes", body = ChangePage), ReadErrors),
    security(("api_key" = []))
)]
#[get("")]
pub async fn list_changes(
    ctx: Authorized<Organisations>,
    state: web::Data<AppState>,
    query: Query<ChangeQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let after = query.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::invalid_query("after must be 0 or more"));
    }
    let limit = query.limit.unwrap_or(100);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::invalid_query(format!(
            "limit must be between 1 and {MAX_PAGE}"
        )));
    }
    if let Some(name) = query.resource.as_deref()
        && !resource::ALL.contains(&name)
    {
        return Err(ApiError::invalid_query(format!(
            "resource must be one of {}",
            resource::ALL.join(", ")
        )));
    }
    let page = state
        .changes
        .feed(
            &ctx.actor,
            ctx.tenant.id,
            after,
            limit,
            query.resource.as_deref(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(ChangePage {
        data: page.changes.into_iter().map(ChangeOut::from).collect(),
        next_after: page.next_after,
    }))
}
