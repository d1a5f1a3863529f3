//! `POST /v1/oauth/token`: OAuth 2.0 client credentials (RFC 6749 §4.4) for integrators
//! whose tooling expects them. The client id is an API key's id, the client secret its
//! secret; the answer is a bearer token that acts as that key for 15 minutes and is
//! accepted wherever a key is.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use driehoek_domain::ids::ApiKeyId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, ErrorCode};
use crate::extract::{RawBody, media_type};
use crate::problems::TokenErrors;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(issue_token);
}

/// A token request (`application/x-www-form-urlencoded`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Always `client_credentials`.
    #[schema(example = "client_credentials", pattern = "^client_credentials$")]
    pub grant_type: String,
    /// The API key's id, unless sent with HTTP Basic.
    pub client_id: Option<String>,
    /// The API key's secret, unless sent with HTTP Basic.
    pub client_secret: Option<String>,
}

/// An issued token (RFC 6749 §5.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
}

fn invalid_request(detail: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidRequest, detail)
}

/// The client credentials of the request: HTTP Basic or the form, not both.
fn client_credentials(
    req: &HttpRequest,
    form: &[(String, String)],
) -> Result<(String, String), ApiError> {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let basic = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .map(|encoded| {
            STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|raw| String::from_utf8(raw).ok())
                .and_then(|pair| {
                    pair.split_once(':')
                        .map(|(id, secret)| (id.to_owned(), secret.to_owned()))
                })
                .ok_or_else(|| invalid_request("the Basic credentials cannot be read"))
        })
        .transpose()?;
    match (basic, field("client_id"), field("client_secret")) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(invalid_request(
            "send the client credentials once: HTTP Basic or the form, not both",
        )),
        (Some(pair), None, None) => Ok(pair),
        (None, Some(id), Some(secret)) => Ok((id, secret)),
        _ => Err(ApiError::new(
            ErrorCode::InvalidClient,
            "send the client credentials (an API key's id and secret)",
        )
        .with_header(header::WWW_AUTHENTICATE, "Basic realm=\"driehoek\"")),
    }
}

/// Get an access token
///
/// OAuth 2.0 client credentials: send `grant_type=client_credentials` form-encoded, with
/// an API key's id as the client id and its secret as the client secret (HTTP Basic or
/// `client_id`/`client_secret` in the form). The token is a signed JWT that acts exactly
/// as the key — its tenant, role and binding — for 15 minutes, wherever a key is
/// accepted; revoking the key ends its tokens at their next request. Errors carry
/// RFC 6749's `error` member beside the problem's `code`.
#[utoipa::path(
    operation_id = "oauth.token", tag = "oauth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "A bearer token", body = TokenOut), TokenErrors),
    security(("client_credentials" = []))
)]
#[post("/oauth/token")]
pub async fn issue_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: RawBody<4096>,
) -> Result<HttpResponse, ApiError> {
    if media_type(&req).1 != "application/x-www-form-urlencoded" {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the token request as application/x-www-form-urlencoded",
        ));
    }
    let body = body.into_inner()?;
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let grant_types: Vec<&str> = form
        .iter()
        .filter(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.as_str())
        .collect();
    match grant_types.as_slice() {
        ["client_credentials"] => {}
        [] => return Err(invalid_request("grant_type is missing")),
        [_] => {
            return Err(ApiError::new(
                ErrorCode::UnsupportedGrantType,
                "only grant_type=client_credentials is supported",
            ));
        }
        _ => return Err(invalid_request("grant_type appears more than once")),
    }
    let (client_id, client_secret) = client_credentials(&req, &form)?;
    let refused = || {
        ApiError::new(
            ErrorCode::InvalidClient,
            "the client credentials are unknown, or the key is revoked, expired or a platform key",
        )
        .with_header(header::WWW_AUTHENTICATE, "Basic realm=\"driehoek\"")
    };
    let client_id = uuid::Uuid::try_parse(&client_id).map_err(|_| refused())?;
    let token = state
        .api_keys
        .issue_access_token(ApiKeyId::from_uuid(client_id), &client_secret)
        .await?
        .ok_or_else(refused)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenOut {
            access_token: token.token,
            token_type: "Bearer",
            expires_in: token.expires_in,
        }))
}
