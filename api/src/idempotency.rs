//! Idempotency keys on POST (DESIGN.md §3.5). The first response to a key's
//! `(API key, Idempotency-Key)` pair is kept for 24 h and replayed for retries with
//! `Idempotent-Replayed: true`; the same pair with another request is `422
//! idempotency_key_reused`, and a retry while the first is still running is `409
//! idempotency_in_progress`.
//!
//! The records live in the database, marked committed by the transaction of the very
//! write they protect (`driehoek_infra::db::idempotency`), so a retry after any crash or
//! outage replays the committed answer or runs once — never twice. A request holds
//! its record for at most [`DEADLINE`]: a handler still running then is stopped (its
//! uncommitted writes roll back) and answered `503`, so a lock that runs out always
//! belongs to an attempt that can no longer commit.

use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use driehoek_domain::auth::Actor;
use driehoek_domain::changes::resource;
use driehoek_infra::db::idempotency::{self as records, Claim, IdempotencyRecord, StoredResponse};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ErrorCode};
use crate::extract::{
    SYNC_BODY_BYTES, actor_for_secret, bearer_secret, enforce_rate_limit, read_body,
};
use crate::state::AppState;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// How long a request may hold its record: its handler's deadline, and its lock's.
pub const DEADLINE: Duration = Duration::from_secs(25);
/// A lock outlives the deadline by this: the claim is made just before the handler
/// starts.
const LOCK_MARGIN: Duration = Duration::from_secs(5);
/// How long records are kept.
pub const KEEP: chrono::Duration = chrono::Duration::hours(24);

/// 1-255 printable ASCII characters.
fn valid_key(raw: &str) -> bool {
    (1..=255).contains(&raw.len()) && raw.bytes().all(|b| (0x20..=0x7e).contains(&b))
}

/// The stored key's id for the presented secret, if it is a usable key.
async fn key_actor(req: &ServiceRequest, state: &AppState) -> Option<Actor> {
    let secret = bearer_secret(req.headers())?;
    actor_for_secret(state, secret).await.ok()?
}

fn problem(req: ServiceRequest, error: ApiError) -> ServiceResponse<BoxBody> {
    let response = actix_web::ResponseError::error_response(&error);
    req.into_response(response)
}

/// The path that issues OAuth tokens: a token request writes nothing, so a retry
/// simply asks again, and the header is not read there.
pub(crate) const TOKEN_PATH: &str = "/v1/oauth/token";

/// The middleware: only POSTs that send `Idempotency-Key` with a usable API key are
/// recorded; everything else passes through untouched (and fails in its handler as it
/// would without the header).
pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let raw = req
        .headers()
        .get(&IDEMPOTENCY_KEY)
        .map(|v| v.to_str().map(str::to_owned));
    let writes = req.method() == actix_web::http::Method::POST && req.path() != TOKEN_PATH;
    let (Some(raw), true) = (raw, writes) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let raw = match raw {
        Ok(raw) if valid_key(&raw) => raw,
        _ => {
            let error = ApiError::new(
                ErrorCode::InvalidHeader,
                "Idempotency-Key must be 1-255 printable ASCII characters",
            );
            return Ok(problem(req, error));
        }
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let Some(actor) = key_actor(&req, &state).await else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    // Read without cloning the request: the router needs it unshared later.
    let read = {
        let (http, payload) = req.parts_mut();
        read_body(http, payload, SYNC_BODY_BYTES).await
    };
    let body = match read {
        Ok(body) => body.freeze(),
        Err(error) => return Ok(problem(req, error)),
    };
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str().as_bytes());
    hasher.update(b"\n");
    hasher.update(req.uri().to_string().as_bytes());
    hasher.update(b"\n");
    hasher.update(&body);
    let fingerprint = hex::encode(hasher.finalize());
    let identity = actor
        .key_id
        .map_or_else(|| "bootstrap".to_owned(), |id| id.to_string());
    let records = state.database.idempotency_records();
    let now = state.clock.now();
    let lock_until = now + chrono::Duration::from_std(DEADLINE + LOCK_MARGIN).unwrap_or_default();
    let claim = records
        .claim(&identity, &raw, &fingerprint, now, lock_until)
        .await;
    let existing = match claim {
        Ok(Claim::Ours) => None,
        Ok(Claim::Theirs(record)) => Some(record),
        Err(error) => return Ok(problem(req, error.into())),
    };
    if let Some(record) = existing {
        // Answered here, not by a handler: the request still counts against its quota.
        if let Err(error) = enforce_rate_limit(req.request(), &state, &actor).await {
            return Ok(problem(req, error));
        }
        return Ok(answer_from(req, &record, &fingerprint, now));
    }
    req.set_payload(Payload::from(body));
    let run = records::current(&identity, &raw, next.call(req));
    let response = match tokio::time::timeout(DEADLINE, run).await {
        Ok(Ok(response)) => response.map_into_boxed_body(),
        Ok(Err(error)) => {
            release(&records, &identity, &raw).await;
            return Err(error);
        }
        Err(_) => {
            // The handler is stopped: what it had not committed rolls back, and what
            // it had is marked in the record for the retry.
            release(&records, &identity, &raw).await;
            return Err(ApiError::new(
                ErrorCode::Unavailable,
                format!(
                    "the request took over {} s; retry it with the same Idempotency-Key",
                    DEADLINE.as_secs()
                ),
            )
            .with_header(header::RETRY_AFTER, "1")
            .into());
        }
    };
    if response.status().is_server_error() {
        // Nothing was promised: the client may retry with the same key (a write that
        // committed before the failure stays marked, and is not run again).
        release(&records, &identity, &raw).await;
        return Ok(response);
    }
    let (http, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let bytes = match actix_web::body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(error) => {
            release(&records, &identity, &raw).await;
            return Err(actix_web::error::ErrorInternalServerError(
                error.to_string(),
            ));
        }
    };
    // Pupils' data lives only in the pupil tables, and a secret (a new API key's or
    // webhook's, sent `no-store`) only in the one answer: a replay of such a success
    // repeats the status and headers (`Location`, `ETag`), never the body. Error
    // answers keep their problem body, which holds neither.
    let bodiless = head.status().is_success()
        && (holds_pupil_data(http.path())
            || head
                .headers()
                .get(header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("no-store")));
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) if !bodiless => text,
        _ => "",
    };
    let headers = head
        .headers()
        .iter()
        .filter(|(name, _)| KEPT_HEADERS.contains(*name))
        .filter(|(name, _)| !(text.is_empty() && *name == header::CONTENT_TYPE))
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_owned())))
        .collect();
    let stored = StoredResponse {
        status: head.status().as_u16(),
        headers,
        body: text.to_owned(),
    };
    if let Err(error) = records.complete(&identity, &raw, &stored).await {
        // The write (if any) is marked committed: a retry is answered from the mark.
        tracing::warn!(%error, "could not store an idempotent answer");
    }
    Ok(ServiceResponse::new(
        http,
        head.set_body(BoxBody::new(bytes)),
    ))
}

async fn release(records: &records::IdempotencyRecords, actor: &str, key: &str) {
    if let Err(error) = records.release(actor, key).await {
        tracing::warn!(%error, "could not release an idempotency record; it is freed when its lock runs out");
    }
}

/// The answer to a retry that found the record of another attempt.
fn answer_from(
    req: ServiceRequest,
    record: &IdempotencyRecord,
    fingerprint: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> ServiceResponse<BoxBody> {
    if record.fingerprint != fingerprint {
        return problem(
            req,
            ApiError::new(
                ErrorCode::IdempotencyKeyReused,
                "this Idempotency-Key was used for another request; use a new key",
            ),
        );
    }
    if let Some(stored) = &record.response {
        return req.into_response(replay(stored));
    }
    if record.committed && record.locked_until < now {
        // The attempt that committed stopped before it stored its answer.
        let response = replay_committed(req.path(), record.created.as_ref());
        return req.into_response(response);
    }
    problem(
        req,
        ApiError::new(
            ErrorCode::IdempotencyInProgress,
            "a request with this Idempotency-Key is still running; retry shortly",
        )
        .with_header(header::RETRY_AFTER, "1"),
    )
}

/// The answer to a retry of a request whose write committed but whose answer was never
/// stored (its node stopped in between): `201` with the `Location` and `ETag` of what
/// it created in the collection it was posted to, else `200`; no body either way.
fn replay_committed(path: &str, created: Option<&(String, uuid::Uuid, i64)>) -> HttpResponse {
    let posted_to = path.rsplit('/').next().unwrap_or("");
    match created {
        Some((kind, id, version)) if collection_of(kind) == Some(posted_to) => {
            HttpResponse::Created()
                .insert_header((header::LOCATION, format!("{path}/{id}")))
                .insert_header((header::ETAG, format!("\"{version}\"")))
                .insert_header((REPLAYED, HeaderValue::from_static("true")))
                .finish()
        }
        _ => HttpResponse::Ok()
            .insert_header((REPLAYED, HeaderValue::from_static("true")))
            .finish(),
    }
}

/// The path segment of the collection a created resource of `kind` is posted to.
fn collection_of(kind: &str) -> Option<&'static str> {
    Some(match kind {
        resource::TENANT => "tenants",
        resource::API_KEY => "api-keys",
        resource::SCHOOL => "schools",
        resource::BUSINESS => "businesses",
        resource::COACH => "coaches",
        resource::PROGRAMME => "programmes",
        resource::PROGRAMME_MEMBER => "members",
        resource::WORK_VISIT => "work-visits",
        resource::SLOT => "slots",
        resource::BOOKING => "bookings",
        resource::STUDENT => "students",
        resource::CONSENT => "consents",
        resource::PORTFOLIO_ENTRY => "entries",
        resource::ROUTE_MAP => "route-maps",
        resource::WEBHOOK_ENDPOINT => "webhooks",
        _ => return None,
    })
}

/// Whether the path is a pupil route (`/v1/tenants/{tenant}/students…`, and
/// `…/placements…`, which name pupils and their choices), or one of pupils' data under
/// another resource (a booking's talent notes and shared entries, a school's
/// recruitment interests).
pub fn holds_pupil_data(path: &str) -> bool {
    let mut segments = path.split('/').skip(4);
    matches!(segments.next(), Some("students" | "placements"))
        || matches!(
            segments.nth(1),
            Some("talent-notes" | "interests" | "portfolio-entries")
        )
}

/// The headers a replay repeats (request ids, rate limits and dates are the retry's own).
const KEPT_HEADERS: [HeaderName; 5] = [
    header::CONTENT_TYPE,
    header::LOCATION,
    header::CONTENT_LOCATION,
    header::ETAG,
    header::RETRY_AFTER,
];

fn replay(stored: &StoredResponse) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    for (name, value) in &stored.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.insert_header((name, value));
        }
    }
    response.insert_header((REPLAYED, HeaderValue::from_static("true")));
    response.body(stored.body.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pupil_routes_are_told_apart() {
        assert!(holds_pupil_data("/v1/tenants/rotterdam/students"));
        assert!(holds_pupil_data(
            "/v1/tenants/rotterdam/students/x/consents"
        ));
        assert!(holds_pupil_data("/v1/tenants/rotterdam/placements/x"));
        assert!(!holds_pupil_data("/v1/tenants/rotterdam/bookings"));
        assert!(!holds_pupil_data("/v1/tenants/students/schools"));
    }

    #[test]
    fn keys_are_1_to_255_printable_ascii() {
        assert!(valid_key("booking-2027-03-03 #1"));
        assert!(!valid_key(""));
        assert!(!valid_key(&"k".repeat(256)));
        assert!(!valid_key("tab\there"));
        assert!(!valid_key("sleutel-é"));
    }
}
