//! CORS for browser apps (DESIGN.md §3.11): each tenant lists the origins its apps run
//! on (`settings.allowed_origins`), and only a request whose `Origin` is in the list of
//! the tenant its path names gets CORS headers; the public documents allow any origin.
//!
//! Hand-written rather than `actix-cors`: that crate decides on an origin with a
//! synchronous predicate, fixed when the app is built, and answers a refused origin
//! with `400`; here the answer depends on the tenant record (read through the same
//! cache and database fallback as authentication, so a change on one node holds on all),
//! and a refused origin is served as if it sent no `Origin` at all.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use driehoek_domain::values::TenantSlug;

use crate::startup::KnownRoutes;
use crate::state::AppState;

/// The request headers a browser app may send.
const ALLOW_HEADERS: &str =
    "Authorization, Content-Type, Idempotency-Key, If-Match, If-None-Match, X-Request-Id";
/// The response headers a browser app may read beside the CORS-safelisted ones.
const EXPOSE_HEADERS: &str = "ETag, Link, Location, RateLimit, RateLimit-Policy, Retry-After, X-Request-Id, Idempotent-Replayed";
/// How long a browser may keep a preflight's answer (Chromium keeps at most 2 h).
const MAX_AGE_SECONDS: &str = "7200";

/// Who may call a path from a browser.
#[derive(Debug, PartialEq, Eq)]
enum Audience<'a> {
    /// The public documents: any origin, `*`.
    Public,
    /// A tenant's routes: the tenant's allowed origins.
    Tenant(&'a str),
    /// Everything else (the platform's `/v1/tenants`, operations): no CORS.
    Nobody,
}

fn audience(path: &str) -> Audience<'_> {
    if path == "/openapi.json"
        || path == "/v1/vocabularies"
        || path.starts_with("/v1/vocabularies/")
        || path.starts_with("/problems/")
        || path == "/v1/credentials/verify"
        || is_issuer_document(path)
    {
        return Audience::Public;
    }
    match path.strip_prefix("/v1/tenants/") {
        Some(rest) => {
            let slug = rest.split('/').next().unwrap_or_default();
            if TenantSlug::parse(slug).is_ok() {
                Audience::Tenant(slug)
            } else {
                Audience::Nobody
            }
        }
        None => Audience::Nobody,
    }
}

/// A city's public issuer documents (its profile, keys and status lists), which any
/// verifier, a wallet in a browser among them, reads.
fn is_issuer_document(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/v1/tenants/") else {
        return false;
    };
    let Some((_, tail)) = rest.split_once('/') else {
        return false;
    };
    tail == "issuer" || tail == "issuer/jwks.json" || tail.starts_with("credential-status/")
}

/// The `Access-Control-Allow-Origin` a request earns: `*`, its own origin, or none.
async fn allowed_origin(req: &ServiceRequest, origin: &HeaderValue) -> Option<HeaderValue> {
    match audience(req.path()) {
        Audience::Public => Some(HeaderValue::from_static("*")),
        Audience::Nobody => None,
        Audience::Tenant(slug) => {
            let state = req.app_data::<web::Data<AppState>>()?;
            let origin_text = origin.to_str().ok()?;
            // A tenant that cannot be read now gets no CORS; the request itself goes on
            // and answers what the store's trouble makes of it.
            let tenant = state.tenants.find_by_slug(slug).await.ok()??;
            state
                .tenants
                .allows_origin(&tenant, origin_text)
                .then(|| origin.clone())
        }
    }
}

fn is_preflight(req: &ServiceRequest) -> bool {
    req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

fn add_vary(headers: &mut HeaderMap, value: &'static str) {
    headers.append(header::VARY, HeaderValue::from_static(value));
}

pub async fn cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    let tenant_route = matches!(audience(req.path()), Audience::Tenant(_));
    let allowed = match req.headers().get(header::ORIGIN).cloned() {
        Some(origin) => allowed_origin(&req, &origin).await,
        None => None,
    };
    if let Some(allow) = allowed.as_ref().filter(|_| is_preflight(&req)) {
        let methods = if tenant_route {
            req.app_data::<web::Data<KnownRoutes>>()
                .map(|known| known.allowed(req.path()).join(", "))
                .unwrap_or_default()
        } else {
            "GET, HEAD".to_owned()
        };
        if !methods.is_empty() {
            let mut response = HttpResponse::build(StatusCode::NO_CONTENT);
            response
                .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, allow.clone()))
                .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, methods))
                .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS))
                .insert_header((header::ACCESS_CONTROL_MAX_AGE, MAX_AGE_SECONDS));
            let mut response = response.finish();
            let headers = response.headers_mut();
            if tenant_route {
                add_vary(headers, "Origin");
            }
            add_vary(headers, "Access-Control-Request-Method");
            add_vary(headers, "Access-Control-Request-Headers");
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    let mut response = next.call(req).await?.map_into_boxed_body();
    let headers = response.headers_mut();
    if tenant_route {
        // Whether the answer has CORS headers depends on the origin: caches must know.
        add_vary(headers, "Origin");
    }
    if let Some(allow) = allowed {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSE_HEADERS),
        );
    }
    Ok(response.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_public_a_tenants_or_nobodys() {
        assert_eq!(audience("/openapi.json"), Audience::Public);
        assert_eq!(audience("/v1/vocabularies/sectors"), Audience::Public);
        assert_eq!(audience("/problems/forbidden"), Audience::Public);
        assert_eq!(
            audience("/v1/tenants/rotterdam/work-visits"),
            Audience::Tenant("rotterdam")
        );
        assert_eq!(
            audience("/v1/tenants/rotterdam"),
            Audience::Tenant("rotterdam")
        );
        assert_eq!(audience("/v1/tenants"), Audience::Nobody);
        assert_eq!(audience("/v1/tenants/Not_A_Slug/schools"), Audience::Nobody);
        assert_eq!(audience("/metrics"), Audience::Nobody);
        assert_eq!(audience("/v1/credentials/verify"), Audience::Public);
        assert_eq!(audience("/v1/tenants/rotterdam/issuer"), Audience::Public);
        assert_eq!(
            audience("/v1/tenants/rotterdam/issuer/jwks.json"),
            Audience::Public
        );
        assert_eq!(
            audience("/v1/tenants/rotterdam/credential-status/1"),
            Audience::Public
        );
        assert_eq!(
            audience("/v1/tenants/rotterdam/issuer/keys"),
            Audience::Tenant("rotterdam")
        );
    }
}
