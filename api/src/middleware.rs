//! The request envelope: an `X-Request-Id` on every response (the client's when it
//! sent a sane one), a tracing span that every log line of the request inherits,
//! an access log line, and request metrics by route template and status; and the
//! transport rules of DESIGN.md §3.11 ([`transport`]).

use std::time::Instant;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;
use tracing::field::Empty;

use crate::rate_limit::Quota;
use crate::request_meta::{self, RequestMeta};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
pub const RATE_LIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
pub const RATE_LIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// Accepts a client's id of 1-128 visible, unambiguous characters; otherwise makes one.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| {
            !id.is_empty()
                && id.len() <= 128
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// A request's method as a metrics label: the standard methods by name, any other
/// `other`. A client may send any token as its method, and every distinct label
/// would be a series the registry keeps for the process's life.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    }
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = request_id(&req);
    let method = req.method().to_string();
    let method_label = method_label(req.method());
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %req.path(), tenant = Empty, key_id = Empty, role = Empty);
    let meta = RequestMeta {
        request_id: id.clone(),
        path: req.path().to_owned(),
    };
    let started = Instant::now();
    let mut response = request_meta::scope(meta, next.call(req))
        .instrument(span.clone())
        .await?;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    metrics::counter!("driehoek_http_requests_total", "method" => method_label, "route" => route.clone(), "status" => status.to_string()).increment(1);
    metrics::histogram!("driehoek_http_request_duration_seconds", "method" => method_label, "route" => route).record(elapsed.as_secs_f64());
    span.in_scope(|| {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        if status >= 500 {
            tracing::error!(status, duration_us = micros, "request failed");
        } else {
            tracing::info!(status, duration_us = micros, "request");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let quota = response.request().extensions().get::<Quota>().copied();
    if let Some(quota) = quota {
        let headers = response.headers_mut();
        for (name, value) in [
            (RATE_LIMIT_POLICY, quota.policy_header()),
            (RATE_LIMIT, quota.state_header()),
        ] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
    }
    Ok(response)
}

/// `HEAD` wherever `GET` is: the request is served as a `GET`, and the HTTP layer,
/// which saw the `HEAD`, sends the headers (its `Content-Length` included) without the
/// body. Every response says `X-Content-Type-Options: nosniff`, and a successful one on
/// a pupil route (`…/students…`, `…/placements…`) `Cache-Control: no-store`.
pub async fn transport(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    let pupils = crate::idempotency::holds_pupil_data(req.path());
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    headers.insert(
        actix_web::http::header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if pupils && response.status().is_success() {
        response.headers_mut().insert(
            actix_web::http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        );
    }
    Ok(response)
}
