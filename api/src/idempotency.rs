//! Idempotency keys on POST (DESIGN.md §3.5). The first response to a key's
//! `(API key, Idempotency-Key)` pair is kept for 24 h and replayed for retries with
//! `Idempotent-Replayed: true`; the same pair with another request is `422
//! idempotency_key_reused`, and a retry while the first is still running is `409
//! idempotency_in_progress`. Records live in Redis when configured (so every node sees
//! them; claiming a key is one atomic script) and in process otherwise; if Redis fails
//! the node keeps records locally until it answers again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use async_trait::async_trait;
use driehoek_domain::auth::Actor;
use driehoek_infra::redis_store::RedisStore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ErrorCode};
use crate::extract::{
    SYNC_BODY_BYTES, actor_for_secret, bearer_secret, enforce_rate_limit, read_body,
};
use crate::outage::redis_fallback;
use crate::state::AppState;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// How long a finished request's response is kept.
const KEEP_SECS: u32 = 24 * 60 * 60;
/// How long a claim holds while its request runs (a node that dies mid-request
/// releases its keys after this).
const CLAIM_SECS: u32 = 5 * 60;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Record {
    /// SHA-256 of the method, path and body: "the same request".
    fingerprint: String,
    response: Option<StoredResponse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

/// Where records are shared by all nodes. Each call answers, or fails, within the
/// store's deadline.
#[async_trait]
pub trait SharedRecords: Send + Sync {
    async fn claim(&self, key: &str, record: &str, ttl: u32) -> Result<Option<String>, String>;
    async fn put(&self, key: &str, record: &str, ttl: u32) -> Result<(), String>;
    async fn remove(&self, key: &str) -> Result<(), String>;
}

#[async_trait]
impl SharedRecords for RedisStore {
    async fn claim(&self, key: &str, record: &str, ttl: u32) -> Result<Option<String>, String> {
        RedisStore::claim(self, key, record, ttl).await
    }
    async fn put(&self, key: &str, record: &str, ttl: u32) -> Result<(), String> {
        RedisStore::put(self, key, record, ttl).await
    }
    async fn remove(&self, key: &str) -> Result<(), String> {
        RedisStore::remove(self, key).await
    }
}

/// This node's records, with their expiry.
#[derive(Default)]
struct LocalRecords {
    records: Mutex<HashMap<String, (String, Instant)>>,
}

impl LocalRecords {
    fn claim(&self, key: &str, record: &str, ttl: u32) -> Option<String> {
        let now = Instant::now();
        let Ok(mut records) = self.records.lock() else {
            return None;
        };
        if records.len() > 100_000 {
            records.retain(|_, (_, expires)| *expires > now);
        }
        match records.get(key) {
            Some((stored, expires)) if *expires > now => Some(stored.clone()),
            _ => {
                let expires = now + Duration::from_secs(u64::from(ttl));
                records.insert(key.to_owned(), (record.to_owned(), expires));
                None
            }
        }
    }

    fn put(&self, key: &str, record: &str, ttl: u32) {
        if let Ok(mut records) = self.records.lock() {
            let expires = Instant::now() + Duration::from_secs(u64::from(ttl));
            records.insert(key.to_owned(), (record.to_owned(), expires));
        }
    }

    fn remove(&self, key: &str) {
        if let Ok(mut records) = self.records.lock() {
            records.remove(key);
        }
    }
}

pub struct IdempotencyStore {
    shared: Option<Box<dyn SharedRecords>>,
    local: LocalRecords,
}

impl IdempotencyStore {
    pub fn new(shared: Option<Box<dyn SharedRecords>>) -> Self {
        Self {
            shared,
            local: LocalRecords::default(),
        }
    }

    async fn claim(&self, key: &str, record: &str, ttl: u32) -> Option<String> {
        if let Some(shared) = &self.shared {
            match shared.claim(key, record, ttl).await {
                Ok(existing) => return existing,
                Err(_) => redis_fallback("idempotency"),
            }
        }
        self.local.claim(key, record, ttl)
    }

    async fn put(&self, key: &str, record: &str, ttl: u32) {
        if let Some(shared) = &self.shared {
            match shared.put(key, record, ttl).await {
                Ok(()) => return,
                Err(_) => redis_fallback("idempotency"),
            }
        }
        self.local.put(key, record, ttl);
    }

    async fn remove(&self, key: &str) {
        if let Some(shared) = &self.shared
            && shared.remove(key).await.is_err()
        {
            redis_fallback("idempotency");
        }
        self.local.remove(key);
    }
}

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
    let (Some(raw), true) = (raw, req.method() == actix_web::http::Method::POST) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let raw = match raw {
        Ok(raw) if valid_key(&raw) => raw,
        _ => {
            let error =
                ApiError::invalid_query("Idempotency-Key must be 1-255 printable ASCII characters");
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
    let key = format!("idem:{identity}:{raw}");
    let claim = Record {
        fingerprint: fingerprint.clone(),
        response: None,
    };
    let claim_text = serde_json::to_string(&claim).unwrap_or_default();
    let store = &state.idempotency;
    if let Some(existing) = store.claim(&key, &claim_text, CLAIM_SECS).await {
        // Answered here, not by a handler: the request still counts against its quota.
        if let Err(error) = enforce_rate_limit(req.request(), &state, &actor).await {
            return Ok(problem(req, error));
        }
        let existing: Option<Record> = serde_json::from_str(&existing).ok();
        return Ok(match existing {
            Some(record) if record.fingerprint != fingerprint => problem(
                req,
                ApiError::new(
                    ErrorCode::IdempotencyKeyReused,
                    "this Idempotency-Key was used for another request; use a new key",
                ),
            ),
            Some(Record {
                response: Some(stored),
                ..
            }) => req.into_response(replay(&stored)),
            _ => problem(
                req,
                ApiError::new(
                    ErrorCode::IdempotencyInProgress,
                    "a request with this Idempotency-Key is still running; retry shortly",
                )
                .with_header(header::RETRY_AFTER, "1"),
            ),
        });
    }
    req.set_payload(Payload::from(body));
    let response = match next.call(req).await {
        Ok(response) => response.map_into_boxed_body(),
        Err(error) => {
            store.remove(&key).await;
            return Err(error);
        }
    };
    if response.status().is_server_error() {
        // Nothing was promised: the client may retry with the same key.
        store.remove(&key).await;
        return Ok(response);
    }
    let (http, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let bytes = match actix_web::body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(error) => {
            store.remove(&key).await;
            return Err(actix_web::error::ErrorInternalServerError(
                error.to_string(),
            ));
        }
    };
    // Pupils' data lives only in the pupil tables, and a secret (a new API key's or
    // webhook's, sent `no-store`) only in the one answer: a replay of such a request
    // repeats the status and headers (`Location`, `ETag`), never the body.
    let bodiless = holds_pupil_data(http.path())
        || head
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("no-store"));
    match std::str::from_utf8(&bytes) {
        Ok(text) => {
            let text = if bodiless { "" } else { text };
            let headers = head
                .headers()
                .iter()
                .filter(|(name, _)| KEPT_HEADERS.contains(*name))
                .filter(|(name, _)| !(bodiless && *name == header::CONTENT_TYPE))
                .filter_map(|(name, value)| {
                    Some((name.to_string(), value.to_str().ok()?.to_owned()))
                })
                .collect();
            let record = Record {
                fingerprint,
                response: Some(StoredResponse {
                    status: head.status().as_u16(),
                    headers,
                    body: text.to_owned(),
                }),
            };
            let record = serde_json::to_string(&record).unwrap_or_default();
            store.put(&key, &record, KEEP_SECS).await;
        }
        Err(_) => store.remove(&key).await,
    }
    Ok(ServiceResponse::new(
        http,
        head.set_body(BoxBody::new(bytes)),
    ))
}

/// Whether the path is a pupil route (`/v1/tenants/{tenant}/students…`).
fn holds_pupil_data(path: &str) -> bool {
    path.split('/').nth(4) == Some("students")
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

    #[test]
    fn a_local_claim_answers_the_stored_record_until_it_expires() {
        let local = LocalRecords::default();
        assert_eq!(local.claim("k", "first", 60), None);
        assert_eq!(local.claim("k", "second", 60).as_deref(), Some("first"));
        local.remove("k");
        assert_eq!(local.claim("k", "third", 0), None);
        assert_eq!(
            local.claim("k", "fourth", 60),
            None,
            "the zero-second claim expired"
        );
    }
}
