//! `/v1/tenants/{tenant}/students/{student_id}/access-tokens`: tokens for one pupil
//! (DESIGN.md §3.9). The pupil's school makes a short-lived `pupil` or `guardian` token
//! for an app the pupil or a parent uses, so the app never holds the school's key;
//! the token reaches that one pupil and the catalogue, nothing else.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use driehoek_api_macros::guarded;
use driehoek_domain::ids::{ApiKeyId, StudentId};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::PageQuery;
use super::students::StudentPath;
use crate::authz::{Authorized, StudentsSchool, guarded};
use crate::error::ApiError;
use crate::extract::{JsonBody, Query};
use crate::problems::{DeleteErrors, ReadErrors, WriteErrors};
use crate::responses::{created_secret, list, no_content};
use crate::state::AppState;
use crate::wire::ListOf;
use crate::wire::api_keys::{AccessTokenCreated, AccessTokenIn, AccessTokenOut};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(create_access_token))
        .service(guarded(list_access_tokens))
        .service(guarded(revoke_access_token));
}

#[guarded]
/// Make a token for a pupil or a guardian
///
/// By the pupil's current school. The token acts as the pupil (`pupil`) or as a
/// parent or guardian (`guardian`) for this pupil only, for 5 minutes to 12 hours and
/// never beyond the key that makes it. It ends when it expires, when it is revoked,
/// when the key that made it is revoked, when the pupil moves to another school and
/// when the pupil is erased. The secret `token` is in this response only.
#[utoipa::path(
    operation_id = "students.access_tokens.create", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id")),
    request_body = AccessTokenIn,
    responses((status = 201, description = "Made; the secret is shown once", body = AccessTokenCreated), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{student_id}/access-tokens")]
pub async fn create_access_token(
    req: HttpRequest,
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
    body: JsonBody<AccessTokenIn>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner()?.try_into()?;
    let (token, secret) = state
        .students
        .issue_token(&ctx.actor, ctx.tenant.id, StudentId::from_uuid(path.1), new)
        .await?;
    let location = format!("{}/{}", req.path(), token.id);
    Ok(created_secret(
        location,
        AccessTokenCreated {
            access_token: token.into(),
            token: secret,
        },
    ))
}

#[guarded]
/// List a pupil's tokens
///
/// By the pupil's school: every token made for the pupil, without secrets, oldest
/// first, revoked and expired ones included.
#[utoipa::path(
    operation_id = "students.access_tokens.list", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id"), PageQuery),
    responses((status = 200, description = "One page of tokens", body = ListOf<AccessTokenOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{student_id}/access-tokens")]
pub async fn list_access_tokens(
    req: HttpRequest,
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
    query: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let page = query.page()?;
    let tokens = state
        .students
        .tokens(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            page,
        )
        .await?;
    Ok(list(&req, tokens, AccessTokenOut::from))
}

#[guarded]
/// Revoke a pupil's token
///
/// At once, on every node: the next request with the token is refused. Revoking twice
/// is harmless.
#[utoipa::path(
    operation_id = "students.access_tokens.revoke", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id"),
           ("token_id" = Uuid, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/{student_id}/access-tokens/{token_id}")]
pub async fn revoke_access_token(
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    state
        .students
        .revoke_token(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            ApiKeyId::from_uuid(path.2),
        )
        .await?;
    Ok(no_content())
}
