//! `/v1/tenants`: the cities. Platform administrators create and run them; a
//! tenant's own keys may read their tenant's record.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use driehoek_api_macros::guarded;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::authz::{Anyone, Authorized, AuthorizedCaller, CityAdmin, PlatformAdmin, guarded};
use crate::error::ApiError;
use crate::extract::{IfMatch, JsonBody, Query, page_request};
use crate::problems::{ReadErrors, WriteErrors};
use crate::responses::{created, list, resource};
use crate::state::AppState;
use crate::wire::ListOf;
use crate::wire::tenants::{TenantIn, TenantOut, TenantPatch};

/// `/tenants`: the collection.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(list_tenants))
        .service(guarded(create_tenant));
}

/// `/tenants/{tenant}` itself, inside the tenant's scope (see [`super::configure`]).
pub fn configure_tenant(cfg: &mut ServiceConfig) {
    cfg.service(guarded(get_tenant))
        .service(guarded(update_tenant));
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TenantQuery {
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[guarded]
/// List tenants
///
/// Platform administrators.
#[utoipa::path(
    operation_id = "tenants.list", tag = "tenants",
    params(TenantQuery),
    responses((status = 200, description = "One page of tenants", body = ListOf<TenantOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("/tenants")]
pub async fn list_tenants(
    req: HttpRequest,
    caller: AuthorizedCaller<PlatformAdmin>,
    state: web::Data<AppState>,
    query: Query<TenantQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let tenants = state.tenants.list(&caller.actor, page).await?;
    Ok(list(&req, tenants, TenantOut::from))
}

#[guarded]
/// Create a tenant
///
/// Platform administrators onboard a city. Settings default by country (consent age
/// 16 in the Netherlands, 13 in Belgium).
#[utoipa::path(
    operation_id = "tenants.create", tag = "tenants",
    request_body = TenantIn,
    responses((status = 201, description = "Created", body = TenantOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/tenants")]
pub async fn create_tenant(
    req: HttpRequest,
    caller: AuthorizedCaller<PlatformAdmin>,
    state: web::Data<AppState>,
    body: JsonBody<TenantIn>,
) -> Result<HttpResponse, ApiError> {
    let tenant = state
        .tenants
        .create(&caller.actor, body.into_inner()?.try_into()?)
        .await?;
    Ok(created(
        format!("{}/{}", req.path(), tenant.slug),
        tenant.version,
        TenantOut::from(tenant),
    ))
}

#[guarded]
/// Read a tenant
///
/// Platform administrators, and every key of the tenant itself.
#[utoipa::path(
    operation_id = "tenants.get", tag = "tenants",
    params(("tenant" = String, Path, description = "Tenant slug")),
    responses((status = 200, description = "The tenant", body = TenantOut), (status = 304, description = "Not modified since the `If-None-Match` version"), ReadErrors),
    security(("api_key" = []))
)]
#[get("")]
pub async fn get_tenant(
    req: HttpRequest,
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let ctx = ctx.into_inner();
    let tenant = state.tenants.read(&ctx.actor, ctx.tenant)?;
    Ok(resource(&req, tenant.version, TenantOut::from(tenant)))
}

#[guarded]
/// Update or suspend a tenant
///
/// Platform administrators. `{"status": "suspended"}` stops every key of the tenant
/// at once (403 `tenant_suspended`); `active` restores them. The city's own
/// administrators may change `settings.allowed_origins` (and nothing else: 403
/// `forbidden`).
#[utoipa::path(
    operation_id = "tenants.update", tag = "tenants",
    params(("tenant" = String, Path, description = "Tenant slug"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    request_body(content = TenantPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Updated", body = TenantOut), WriteErrors),
    security(("api_key" = []))
)]
#[patch("")]
pub async fn update_tenant(
    req: HttpRequest,
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    if_match: IfMatch,
    body: JsonBody<TenantPatch>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner()?.try_into()?;
    let ctx = ctx.into_inner();
    let tenant = state
        .tenants
        .update(&ctx.actor, ctx.tenant, changes, if_match.version()?)
        .await?;
    Ok(resource(&req, tenant.version, TenantOut::from(tenant)))
}
