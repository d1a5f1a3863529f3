//! Portable credentials (DESIGN.md §4 "credentials"): issued to a pupil under
//! `/students/{student_id}/credentials`; the city's issuer profile, public keys and
//! status lists public under the tenant (anyone verifies without a key); and
//! `POST /v1/credentials/verify` for those without a JOSE library at hand.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use driehoek_api_macros::guarded;
use driehoek_domain::credentials::document::VC_JWT;
use driehoek_domain::credentials::{Credential, NewCredential};
use driehoek_domain::ids::{BookingId, CredentialId, StudentId};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::authz::{Authorized, CityAdmin, PupilAndSchool, StudentsSchool, guarded};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::problems::{PublicReadErrors, PublicWriteErrors, ReadErrors, WriteErrors};
use crate::state::AppState;
use crate::wire::ListOf;
use crate::wire::credentials::{
    CredentialIn, CredentialRecordOut, IssuerProfileOut, JwkOut, JwksOut, OpenBadgeCredentialOut,
    StatusListOut, VerificationOut, VerifyIn,
};

/// Under `/students`.
pub fn configure_students(cfg: &mut ServiceConfig) {
    cfg.service(guarded(issue_credential))
        .service(guarded(list_credentials))
        .service(guarded(get_credential))
        .service(guarded(revoke_credential));
}

/// Under `/tenants/{tenant}/issuer`.
pub fn configure_issuer(cfg: &mut ServiceConfig) {
    cfg.service(issuer_profile)
        .service(issuer_jwks)
        .service(guarded(rotate_issuer_key));
}

/// Under `/tenants/{tenant}/credential-status`.
pub fn configure_status(cfg: &mut ServiceConfig) {
    cfg.service(status_list);
}

/// Under `/v1`.
pub fn configure_verify(cfg: &mut ServiceConfig) {
    cfg.service(verify_credential);
}

type CredentialPath = web::Path<(String, Uuid, Uuid)>;

/// The address credentials are named under: the configured public one, else the one
/// the request came to.
fn base(req: &HttpRequest, state: &AppState) -> String {
    match &state.public_url {
        Some(url) => url.clone(),
        None => {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        }
    }
}

/// Whether the client asks for the VC-JWT rather than the JSON.
fn wants_jwt(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            t.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(VC_JWT))
        })
}

/// The credential as the client asked: its JSON, or the VC-JWT.
fn credential_response(
    mut response: actix_web::HttpResponseBuilder,
    req: &HttpRequest,
    credential: Credential,
) -> HttpResponse {
    response.insert_header((header::VARY, "Accept"));
    if wants_jwt(req) {
        response.content_type(VC_JWT).body(credential.jwt)
    } else {
        response.json(OpenBadgeCredentialOut(credential.document()))
    }
}

#[guarded]
/// Issue a credential for a visit
///
/// An Open Badges 3.0 `OpenBadgeCredential` for a completed booking that names the
/// pupil as present, signed by the city as a VC-JWT (EdDSA, Ed25519). The pupil is
/// named only by an opaque `urn:uuid:` id unless `include_name` is true. One
/// credential per pupil and booking: asking again answers the first (200, not 201).
/// A booking that does not name the pupil as present: 422 `not_attended`; a booking
/// not completed yet: 409 `state_conflict`. With `Accept: application/vc+jwt` the
/// answer is the JWT itself.
#[utoipa::path(
    operation_id = "credentials.issue", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id")),
    request_body = CredentialIn,
    responses(
        (status = 201, description = "Issued", body = OpenBadgeCredentialOut, content(
            (OpenBadgeCredentialOut = "application/json"), (String = "application/vc+jwt"))),
        (status = 200, description = "The pupil's credential for this booking, issued before", body = OpenBadgeCredentialOut, content(
            (OpenBadgeCredentialOut = "application/json"), (String = "application/vc+jwt"))),
        WriteErrors),
    security(("api_key" = []))
)]
#[post("/{student_id}/credentials")]
pub async fn issue_credential(
    req: HttpRequest,
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    body: JsonBody<CredentialIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let issued = state
        .credentials
        .issue(
            &ctx.actor,
            &ctx.tenant,
            &base(&req, &state),
            StudentId::from_uuid(path.1),
            NewCredential {
                booking_id: BookingId::from_uuid(body.booking_id),
                include_name: body.include_name,
            },
        )
        .await?;
    let mut response = if issued.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    response.insert_header((
        header::LOCATION,
        format!("{}/{}", req.path(), issued.credential.id),
    ));
    Ok(credential_response(response, &req, issued.credential))
}

#[guarded]
/// List a pupil's credentials
///
/// Every credential issued to the pupil, oldest first (one page: `next_cursor` is
/// always null), each with its JSON, its VC-JWT and whether it was revoked.
#[utoipa::path(
    operation_id = "credentials.list", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id")),
    responses((status = 200, description = "The pupil's credentials", body = ListOf<CredentialRecordOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{student_id}/credentials")]
pub async fn list_credentials(
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let credentials = state
        .credentials
        .list(&ctx.actor, ctx.tenant.id, StudentId::from_uuid(path.1))
        .await?;
    Ok(HttpResponse::Ok().json(ListOf {
        data: credentials
            .into_iter()
            .map(CredentialRecordOut::from)
            .collect(),
        next_cursor: None,
    }))
}

#[guarded]
/// Read a credential
///
/// Its JSON, or with `Accept: application/vc+jwt` the VC-JWT a wallet stores.
#[utoipa::path(
    operation_id = "credentials.get", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id"),
           ("credential_id" = Uuid, Path, description = "Credential id")),
    responses((status = 200, description = "The credential", body = OpenBadgeCredentialOut, content(
        (OpenBadgeCredentialOut = "application/json"), (String = "application/vc+jwt"))), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{student_id}/credentials/{credential_id}")]
pub async fn get_credential(
    req: HttpRequest,
    ctx: Authorized<PupilAndSchool>,
    state: web::Data<AppState>,
    path: CredentialPath,
) -> Result<HttpResponse, ApiError> {
    let credential = state
        .credentials
        .get(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            CredentialId::from_uuid(path.2),
        )
        .await?;
    Ok(credential_response(HttpResponse::Ok(), &req, credential))
}

#[guarded]
/// Revoke a credential
///
/// By the pupil's school: the credential's bit in the city's status list is set at
/// once, so every verifier reads it as revoked. Revoking again changes nothing.
#[utoipa::path(
    operation_id = "credentials.revoke", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id"),
           ("credential_id" = Uuid, Path, description = "Credential id")),
    responses((status = 200, description = "Revoked", body = CredentialRecordOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{student_id}/credentials/{credential_id}/revoke")]
pub async fn revoke_credential(
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    path: CredentialPath,
) -> Result<HttpResponse, ApiError> {
    let credential = state
        .credentials
        .revoke(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            CredentialId::from_uuid(path.2),
        )
        .await?;
    Ok(HttpResponse::Ok().json(CredentialRecordOut::from(credential)))
}

/// The city as Open Badges issuer
///
/// Public, no key: the issuer `Profile` every credential of the city names.
#[utoipa::path(
    operation_id = "issuer.get", tag = "credentials",
    params(("tenant" = String, Path, description = "Tenant slug")),
    responses((status = 200, description = "The issuer profile", body = IssuerProfileOut), PublicReadErrors),
    security(())
)]
#[get("")]
pub async fn issuer_profile(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let profile = state
        .credentials
        .profile(&base(&req, &state), &path)
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(IssuerProfileOut(profile)))
}

/// The issuer's public keys
///
/// Public, no key: a JWK Set (RFC 7517) of the city's Ed25519 keys, oldest first,
/// with every key that ever signed, so credentials signed before a rotation still
/// verify. A credential's JWT header names its key (`kid`).
#[utoipa::path(
    operation_id = "issuer.jwks", tag = "credentials",
    params(("tenant" = String, Path, description = "Tenant slug")),
    responses((status = 200, description = "The JWK Set", body = JwksOut), PublicReadErrors),
    security(())
)]
#[get("/jwks.json")]
pub async fn issuer_jwks(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let keys = state.credentials.keys(&path).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(JwksOut {
            keys: keys.iter().map(JwkOut::from).collect(),
        }))
}

#[guarded]
/// Rotate the issuer's signing key
///
/// A new Ed25519 key signs from now on; the older ones stay in the JWK Set, so what
/// they signed still verifies. (The first key is made when the first credential is
/// issued.)
#[utoipa::path(
    operation_id = "issuer.rotate_key", tag = "credentials",
    params(("tenant" = String, Path, description = "Tenant slug")),
    responses((status = 201, description = "The new key", body = JwkOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/keys")]
pub async fn rotate_issuer_key(
    req: HttpRequest,
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let key = state.credentials.rotate(&ctx.actor, ctx.tenant.id).await?;
    let jwks = req.path().replace("/keys", "/jwks.json");
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, jwks))
        .json(JwkOut::from(&key)))
}

/// A revocation status list
///
/// Public, no key: a `BitstringStatusListCredential` (W3C Bitstring Status List
/// v1.0, purpose `revocation`), signed by the city. By default the VC-JWT
/// (`application/vc+jwt`), so what a verifier fetches is signed; with
/// `Accept: application/json`, its JSON.
#[utoipa::path(
    operation_id = "credential_status.get", tag = "credentials",
    params(("tenant" = String, Path, description = "Tenant slug"),
           ("list_id" = u32, Path, description = "Status list number (from a credential's `statusListCredential`)", minimum = 1)),
    responses((status = 200, description = "The status list credential", content(
        (String = "application/vc+jwt"), (StatusListOut = "application/json"))), PublicReadErrors),
    security(())
)]
#[get("/{list_id}")]
pub async fn status_list(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let list: u32 = path
        .1
        .parse()
        .ok()
        .filter(|&n| n >= 1)
        .ok_or_else(|| ApiError::not_found("status list"))?;
    let (json, jwt) = state
        .credentials
        .status_list(&base(&req, &state), &path.0, list)
        .await?;
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .insert_header((header::VARY, "Accept"));
    let json_asked = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    Ok(if json_asked && !wants_jwt(&req) {
        response.json(StatusListOut(json))
    } else {
        response.content_type(VC_JWT).body(jwt)
    })
}

/// Verify a credential
///
/// Public, no key: checks a VC-JWT's signature against the keys its issuer (a
/// Driehoek city) publishes, its revocation status and its validity dates. Anyone
/// can do the same with the issuer's JWK Set and a JOSE library; this saves the
/// code. A credential of another issuer answers `verified: false` with
/// `issuer: null`.
#[utoipa::path(
    operation_id = "credentials.verify", tag = "credentials",
    request_body = VerifyIn,
    responses((status = 200, description = "What was found", body = VerificationOut), PublicWriteErrors),
    security(())
)]
#[post("/credentials/verify")]
pub async fn verify_credential(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: JsonBody<VerifyIn>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner()?;
    let verification = state
        .credentials
        .verify(&base(&req, &state), &body.credential)
        .await?;
    Ok(HttpResponse::Ok().json(VerificationOut::from(verification)))
}
