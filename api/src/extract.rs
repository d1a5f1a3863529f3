//! Extractors: the authenticated caller, the tenant context, JSON bodies with the
//! contract's checks (content type, size, unknown fields), conditional headers and
//! paging parameters. Each answers with a problem document when the request is wrong.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use driehoek_domain::api_keys::digest_secret;
use driehoek_domain::auth::Actor;
use driehoek_domain::paging::PageRequest;
use driehoek_domain::tenants::Tenant;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;

/// Request bodies above this are refused with 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

type Boxed<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "application state missing"))
}

/// The authenticated caller. Missing, unknown, revoked or expired keys are 401.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

/// The secret of `Authorization: Bearer <key>`, if the header carries one.
pub(crate) fn bearer_secret(headers: &header::HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The caller behind a bearer credential: an OAuth access token, the operator's
/// bootstrap key, or a stored key that is usable now; `None` for anything else.
pub(crate) async fn actor_for_secret(
    state: &AppState,
    secret: &str,
) -> Result<Option<Actor>, ApiError> {
    // One digest for both lookups: SHA-256 is a fifth of a cached key's authentication.
    let digest = digest_secret(secret);
    let actor = if state.admin_key_digest.as_deref() == Some(digest.as_str()) {
        Some(Actor::bootstrap_admin())
    } else if driehoek_domain::api_keys::access::looks_like_token(secret) {
        state.api_keys.authenticate_access_token(secret).await?
    } else {
        state.api_keys.authenticate(&digest).await?
    };
    Ok(actor.map(in_this_request))
}

/// The caller, stamped with the current request's id for the audit log.
fn in_this_request(mut actor: Actor) -> Actor {
    actor.request_id = crate::request_meta::current().map(|m| m.request_id);
    actor
}

impl Caller {
    async fn authenticate(req: HttpRequest) -> Result<Actor, ApiError> {
        if let Some(actor) = req.extensions().get::<Actor>() {
            return Ok(actor.clone());
        }
        let state = state(&req)?;
        let secret = bearer_secret(req.headers()).ok_or_else(|| {
            ApiError::unauthorized("send an API key as `Authorization: Bearer <key>`")
        })?;
        let actor = actor_for_secret(&state, secret)
            .await?
            .ok_or_else(|| ApiError::unauthorized("the API key is unknown, revoked or expired"))?;
        let span = tracing::Span::current();
        span.record(
            "key_id",
            actor
                .key_id
                .map(|k| k.to_string())
                .unwrap_or_else(|| "bootstrap".to_owned()),
        );
        span.record("role", actor.role_code());
        enforce_rate_limit(&req, &state, &actor).await?;
        req.extensions_mut().insert(actor.clone());
        Ok(actor)
    }
}

/// Counts the request against its key's quota (the tenant's own limit, else the
/// default) and refuses it past the quota. The quota goes into the request's
/// extensions, from where the middleware puts the `RateLimit` headers on the response.
pub(crate) async fn enforce_rate_limit(
    req: &HttpRequest,
    state: &AppState,
    actor: &Actor,
) -> Result<(), ApiError> {
    let limit = match actor.tenant_id {
        Some(tenant) => state
            .tenants
            .find(tenant)
            .await?
            .and_then(|t| t.settings.rate_limit_per_minute)
            .unwrap_or(state.default_rate_limit),
        None => state.default_rate_limit,
    };
    let key = actor
        .key_id
        .map_or_else(|| "bootstrap".to_owned(), |k| k.to_string());
    let quota = state.rate_limiter.hit(&key, limit).await;
    req.extensions_mut().insert(quota);
    if quota.exceeded {
        metrics::counter!("driehoek_rate_limited_total").increment(1);
        return Err(ApiError::new(
            ErrorCode::RateLimited,
            format!(
                "this key may make {limit} requests a minute; wait {} s",
                quota.reset_secs
            ),
        )
        .with_header(header::RETRY_AFTER, quota.reset_secs.to_string()));
    }
    Ok(())
}

trait RoleCode {
    fn role_code(&self) -> &'static str;
}

impl RoleCode for Actor {
    fn role_code(&self) -> &'static str {
        use driehoek_domain::vocabularies::Vocabulary;
        self.role.code()
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Boxed<Self>;

    /// Also refuses keys of a suspended tenant on routes outside any tenant.
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let actor = Caller::authenticate(req.clone()).await?;
            if let Some(tenant) = actor.tenant_id {
                let suspended = state(&req)?
                    .tenants
                    .find(tenant)
                    .await?
                    .is_none_or(|t| t.is_suspended());
                if suspended {
                    return Err(ApiError::new(
                        ErrorCode::TenantSuspended,
                        "this key's tenant is suspended",
                    ));
                }
            }
            Ok(Caller(actor))
        })
    }
}

/// The tenant named by the path's `{tenant}`, checked against the caller: a key of
/// another tenant is 403 `tenant_forbidden`, a suspended tenant 403
/// `tenant_suspended` for everyone but platform administrators.
#[derive(Debug, Clone)]
pub struct TenantCtx {
    pub tenant: Tenant,
    pub actor: Actor,
}

impl TenantCtx {
    /// Checks `actor` against the tenant the path names.
    async fn resolve(req: &HttpRequest, actor: Actor) -> Result<Self, ApiError> {
        let state = state(req)?;
        let slug = req.match_info().get("tenant").unwrap_or_default();
        let tenant = state.tenants.find_by_slug(slug).await?;
        let tenant = match tenant {
            Some(tenant) if actor.belongs_to(tenant.id) => tenant,
            // Other tenants' keys learn nothing about which slugs exist.
            _ if !actor.is_platform_admin() => {
                return Err(ApiError::new(
                    ErrorCode::TenantForbidden,
                    "this key belongs to another tenant",
                ));
            }
            _ => return Err(ApiError::not_found("tenant")),
        };
        if tenant.is_suspended() && !actor.is_platform_admin() {
            return Err(ApiError::new(
                ErrorCode::TenantSuspended,
                "this tenant is suspended",
            ));
        }
        tracing::Span::current().record("tenant", tenant.slug.as_str());
        Ok(TenantCtx { tenant, actor })
    }
}

impl FromRequest for TenantCtx {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let actor = Caller::authenticate(req.clone()).await?;
            TenantCtx::resolve(&req, actor).await
        })
    }
}

/// The caller of a feed (a calendar an agenda subscribes to): a key in the
/// `Authorization` header as everywhere, or, for clients that cannot send headers, a
/// feed token in `?token=` that opens exactly this path while its key is usable.
pub struct FeedCtx(pub TenantCtx);

impl FromRequest for FeedCtx {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let token = req
                .query_string()
                .split('&')
                .find_map(|pair| pair.strip_prefix("token="))
                .map(str::to_owned);
            let token = match token {
                Some(token) if !req.headers().contains_key(header::AUTHORIZATION) => token,
                _ => {
                    let actor = Caller::authenticate(req.clone()).await?;
                    return TenantCtx::resolve(&req, actor).await.map(FeedCtx);
                }
            };
            let refused = || ApiError::unauthorized("the feed token is not valid (any more)");
            let state = state(&req)?;
            let slug = req.match_info().get("tenant").unwrap_or_default();
            let tenant = state
                .tenants
                .find_by_slug(slug)
                .await?
                .ok_or_else(refused)?;
            let actor = state
                .api_keys
                .authenticate_feed(tenant.id, &token, req.path())
                .await?
                .map(in_this_request)
                .ok_or_else(refused)?;
            let span = tracing::Span::current();
            span.record(
                "key_id",
                actor.key_id.map(|k| k.to_string()).unwrap_or_default(),
            );
            span.record("role", actor.role_code());
            enforce_rate_limit(&req, &state, &actor).await?;
            TenantCtx::resolve(&req, actor).await.map(FeedCtx)
        })
    }
}

/// A JSON request body: `application/json` (or, for PATCH, `application/merge-patch+json`),
/// at most `LIMIT` bytes (1 MiB unless the operation says otherwise), valid JSON, and no field the schema does not know.
///
/// The body is read by the extractor but judged only by [`JsonBody::into_inner`], which
/// handlers call after the caller and tenant were checked: a stranger learns nothing
/// from a 422, and authorisation errors always win over body errors.
pub struct JsonBody<T, const LIMIT: usize = MAX_BODY_BYTES> {
    parsed: Result<T, ApiError>,
}

/// The body limit of a sync batch (1 000 work visits with their slots).
pub const SYNC_BODY_BYTES: usize = 8 * 1024 * 1024;

impl<T, const LIMIT: usize> JsonBody<T, LIMIT> {
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.parsed
    }
}

/// The request's `Content-Type` as sent (empty when absent), and its media type alone,
/// lower-cased and without parameters (`text/csv; charset=utf-8` → `text/csv`).
pub(crate) fn media_type(req: &HttpRequest) -> (String, String) {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    (content_type, essence)
}

pub(crate) fn check_content_type(req: &HttpRequest) -> Result<(), ApiError> {
    let (content_type, essence) = media_type(req);
    let ok = essence == "application/json"
        || (essence == "application/merge-patch+json"
            && req.method() == actix_web::http::Method::PATCH);
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            format!("expected Content-Type application/json, got '{content_type}'"),
        ))
    }
}

/// Reads the whole body, refusing it as soon as it passes `limit` bytes, or when it
/// has not arrived within the body deadline (`408`).
pub async fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> Result<web::BytesMut, ApiError> {
    let too_large = || {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the body exceeds {limit} bytes"),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let read = async {
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| {
                ApiError::new(
                    ErrorCode::MalformedJson,
                    format!("the body could not be read: {e}"),
                )
            })?;
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    tokio::time::timeout(crate::screen::BODY_DEADLINE, read)
        .await
        .unwrap_or_else(|_| {
            Err(ApiError::new(
                ErrorCode::RequestTimeout,
                "the body did not arrive within 30 s",
            )
            .with_header(header::CONNECTION, "close"))
        })
}

/// Turns JSON into `T`, locating the first problem with a JSON Pointer. An object
/// naming a key twice is malformed ([`crate::strict_json`]).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value = crate::strict_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            ErrorCode::MalformedJson,
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    parse_value(value)
}

/// The JSON Pointer of the first string (or key) in `value` holding a control
/// character other than tab, line feed and carriage return — a NUL, escaped as
/// `\u0000`, among them, which PostgreSQL cannot store.
fn control_character_at(value: &serde_json::Value, at: &mut String) -> Option<String> {
    use serde_json::Value;
    let bad = |text: &str| {
        text.chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    };
    match value {
        Value::String(text) if bad(text) => Some(if at.is_empty() {
            "/".to_owned()
        } else {
            at.clone()
        }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let len = at.len();
            at.push_str(&format!("/{i}"));
            let found = control_character_at(item, at);
            at.truncate(len);
            found
        }),
        Value::Object(members) => members.iter().find_map(|(key, item)| {
            let len = at.len();
            at.push('/');
            at.push_str(&key.replace('~', "~0").replace('/', "~1"));
            let found = if bad(key) {
                Some(at.clone())
            } else {
                control_character_at(item, at)
            };
            at.truncate(len);
            found
        }),
        _ => None,
    }
}

/// Turns a JSON value into `T`, locating the first problem with a JSON Pointer.
/// A string holding a control character other than tab, line feed and carriage return
/// is refused first.
pub fn parse_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    if let Some(pointer) = control_character_at(&value, &mut String::new()) {
        let mut errors = driehoek_domain::ValidationErrors::new();
        errors.add(
            pointer,
            "holds a control character (only tab, line feed and carriage return are allowed)",
        );
        return Err(ApiError::validation(errors));
    }
    serde_path_to_error::deserialize::<_, T>(value).map_err(|error| {
        let pointer = json_pointer(error.path());
        let message = error.inner().to_string();
        if let Some(field) = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
        {
            // The path already ends at the unknown key.
            let pointer = if pointer.is_empty() {
                format!("/{field}")
            } else {
                pointer
            };
            let mut api_error =
                ApiError::new(ErrorCode::UnknownField, format!("unknown field '{field}'"));
            api_error.errors.push(crate::error::ProblemFieldError {
                pointer,
                message: message.clone(),
            });
            api_error
        } else {
            let mut errors = driehoek_domain::ValidationErrors::new();
            errors.add(
                if pointer.is_empty() {
                    "/".to_owned()
                } else {
                    pointer
                },
                message,
            );
            ApiError::validation(errors)
        }
    })
}

fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                pointer.push_str(&format!("/{}", key.replace('~', "~0").replace('/', "~1")))
            }
            Segment::Enum { variant } => pointer.push_str(&format!("/{variant}")),
            Segment::Unknown => {}
        }
    }
    pointer
}

impl<T: DeserializeOwned + 'static, const LIMIT: usize> FromRequest for JsonBody<T, LIMIT> {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let parsed = match check_content_type(&req) {
                Ok(()) => match read_body(&req, &mut payload, LIMIT).await {
                    Ok(body) => parse_json(&body),
                    Err(error) => Err(error),
                },
                Err(error) => Err(error),
            };
            Ok(JsonBody { parsed })
        })
    }
}

/// A request body of any content type, at most `LIMIT` bytes, for operations that read
/// more than JSON (a CSV roster). Like [`JsonBody`], judged only when the handler asks,
/// after the caller was checked.
pub struct RawBody<const LIMIT: usize> {
    read: Result<web::BytesMut, ApiError>,
}

impl<const LIMIT: usize> RawBody<LIMIT> {
    pub fn into_inner(self) -> Result<web::BytesMut, ApiError> {
        self.read
    }
}

impl<const LIMIT: usize> FromRequest for RawBody<LIMIT> {
    type Error = ApiError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            Ok(RawBody {
                read: read_body(&req, &mut payload, LIMIT).await,
            })
        })
    }
}

/// The query string, parsed into `T` but judged only when the handler asks
/// ([`Query::checked`]), after the caller was authenticated and authorised: as with
/// headers, a caller that may not call the operation learns nothing from its query.
pub struct Query<T>(Result<T, ApiError>);

impl<T> Query<T> {
    /// The parsed query, or 400 `invalid_query` naming what did not parse.
    pub fn checked(self) -> Result<T, ApiError> {
        self.0
    }
}

impl<T: serde::de::DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = actix_web::web::Query::<T>::from_query(req.query_string())
            .map(actix_web::web::Query::into_inner)
            .map_err(|error| {
                ApiError::invalid_query(format!("a query parameter is malformed: {error}"))
            });
        std::future::ready(Ok(Query(parsed)))
    }
}

/// `If-Match` as sent. It is judged only when the handler asks for its
/// [`IfMatch::version`], after the caller was authenticated and authorised: a caller
/// that may not call the operation learns nothing from its headers.
#[derive(Debug, Clone)]
pub struct IfMatch(Option<String>);

/// `"3"`, `W/"3"` or a bare `3`.
fn parse_etag(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    let tag = raw.strip_prefix("W/").unwrap_or(raw);
    let digits = match tag.strip_prefix('"') {
        Some(quoted) => quoted.strip_suffix('"')?,
        None => tag,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl IfMatch {
    /// The version named (`"3"`, `W/"3"` or a bare `3`), `None` without the header or
    /// with `*`; anything else is 400 `invalid_header`.
    pub fn version(&self) -> Result<Option<i64>, ApiError> {
        match self.0.as_deref() {
            None => Ok(None),
            Some(raw) if raw.trim() == "*" => Ok(None),
            Some(raw) => parse_etag(raw).map(Some).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidHeader,
                    format!("If-Match must be an ETag such as \"3\", got '{raw}'"),
                )
            }),
        }
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let raw = req
            .headers()
            .get(header::IF_MATCH)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        std::future::ready(Ok(IfMatch(raw)))
    }
}

/// True when the request's `If-None-Match` already names `version`.
pub fn not_modified(req: &HttpRequest, version: i64) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|raw| {
            raw.split(',')
                .any(|tag| tag.trim() == "*" || parse_etag(tag) == Some(version))
        })
}

/// Opaque cursors: a version tag and the id to continue after, base64url-encoded.
pub fn encode_cursor(after: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{after}"))
}

pub fn decode_cursor(cursor: &str) -> Result<Uuid, ApiError> {
    let invalid = || {
        ApiError::new(
            ErrorCode::InvalidCursor,
            "the cursor is not one this API issued",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix("v1:")
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(invalid)
}

/// Builds the page request from `?limit=&cursor=`.
pub fn page_request(limit: Option<u32>, cursor: Option<&str>) -> Result<PageRequest, ApiError> {
    let after = cursor.map(decode_cursor).transpose()?;
    PageRequest::new(limit, after).map_err(ApiError::invalid_query)
}
