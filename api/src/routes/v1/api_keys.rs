//! `/v1/tenants/{tenant}/api-keys`: the tenant's keys, managed by city administrators.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use driehoek_api_macros::guarded;
use driehoek_domain::ids::ApiKeyId;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::PageQuery;
use crate::authz::{Authorized, CityAdmin, guarded};
use crate::error::ApiError;
use crate::extract::{JsonBody, Query};
use crate::problems::{DeleteErrors, ReadErrors, WriteErrors};
use crate::responses::{created_secret, list, no_content};
use crate::state::AppState;
use crate::wire::ListOf;
use crate::wire::api_keys::{ApiKeyCreated, ApiKeyIn, ApiKeyOut};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(list_api_keys))
        .service(guarded(create_api_key))
        .service(guarded(get_api_key))
        .service(guarded(revoke_api_key));
}

#[guarded]
/// List API keys
///
/// City administrators. Secrets are never listed: only their display `prefix`.
#[utoipa::path(
    operation_id = "api_keys.list", tag = "api-keys",
    params(("tenant" = String, Path, description = "Tenant slug"), PageQuery),
    responses((status = 200, description = "One page of keys", body = ListOf<ApiKeyOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("")]
pub async fn list_api_keys(
    req: HttpRequest,
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let page = query.page()?;
    let keys = state.api_keys.list(&ctx.actor, ctx.tenant.id, page).await?;
    Ok(list(&req, keys, ApiKeyOut::from))
}

#[guarded]
/// Create an API key
///
/// City administrators. The secret `key` is in this response only; the server keeps
/// just its SHA-256 digest.
#[utoipa::path(
    operation_id = "api_keys.create", tag = "api-keys",
    params(("tenant" = String, Path, description = "Tenant slug")),
    request_body = ApiKeyIn,
    responses((status = 201, description = "Created; the secret is shown once", body = ApiKeyCreated), WriteErrors),
    security(("api_key" = []))
)]
#[post("")]
pub async fn create_api_key(
    req: HttpRequest,
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    body: JsonBody<ApiKeyIn>,
) -> Result<HttpResponse, ApiError> {
    let (key, secret) = state
        .api_keys
        .create(&ctx.actor, ctx.tenant.id, body.into_inner()?.try_into()?)
        .await?;
    let location = format!("{}/{}", req.path(), key.id);
    Ok(created_secret(
        location,
        ApiKeyCreated {
            api_key: key.into(),
            key: secret,
        },
    ))
}

#[guarded]
/// Read an API key
#[utoipa::path(
    operation_id = "api_keys.get", tag = "api-keys",
    params(("tenant" = String, Path, description = "Tenant slug"), ("key_id" = Uuid, Path, description = "Key id")),
    responses((status = 200, description = "The key, without its secret", body = ApiKeyOut), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{key_id}")]
pub async fn get_api_key(
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let key = state
        .api_keys
        .get(&ctx.actor, ctx.tenant.id, ApiKeyId::from_uuid(path.1))
        .await?;
    Ok(HttpResponse::Ok().json(ApiKeyOut::from(key)))
}

#[guarded]
/// Revoke an API key
///
/// Takes effect on the next request made with the key. Revoking twice is harmless.
#[utoipa::path(
    operation_id = "api_keys.revoke", tag = "api-keys",
    params(("tenant" = String, Path, description = "Tenant slug"), ("key_id" = Uuid, Path, description = "Key id")),
    responses((status = 204, description = "Revoked"), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/{key_id}")]
pub async fn revoke_api_key(
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    state
        .api_keys
        .revoke(&ctx.actor, ctx.tenant.id, ApiKeyId::from_uuid(path.1))
        .await?;
    Ok(no_content())
}
