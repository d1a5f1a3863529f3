//! Building success responses the same way everywhere: `ETag` on single resources,
//! `Location` on creation, `304` for a matching `If-None-Match`, and `Link` on lists.

use actix_web::http::header::ContentType;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, ResponseError};
use driehoek_domain::error::DomainError;
use driehoek_domain::paging::Page;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::{encode_cursor, not_modified};
use crate::wire::ListOf;

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// `201 Created` with `Location` and `ETag`.
pub fn created<T: Serialize>(location: String, version: i64, body: T) -> HttpResponse {
    let mut response = HttpResponse::Created();
    response
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, etag(version)));
    with_json(response, &body, ITEM_BYTES)
}

/// `201 Created` with `Location`, for a body holding a secret shown this once (a key,
/// a token, an invitation's link): `Cache-Control: no-store`, so no cache keeps it.
pub fn created_secret<T: Serialize>(location: String, body: T) -> HttpResponse {
    let mut response = HttpResponse::Created();
    response
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    with_json(response, &body, ITEM_BYTES)
}

/// `200 OK` with `ETag`, or `304 Not Modified` when the client has this version.
pub fn resource<T: Serialize>(req: &HttpRequest, version: i64, body: T) -> HttpResponse {
    if req.method() == actix_web::http::Method::GET && not_modified(req, version) {
        return HttpResponse::build(StatusCode::NOT_MODIFIED)
            .insert_header((header::ETAG, etag(version)))
            .finish();
    }
    let mut response = HttpResponse::Ok();
    response.insert_header((header::ETAG, etag(version)));
    with_json(response, &body, ITEM_BYTES)
}

/// A page of a collection, with a `Link: <…>; rel="next"` header when more follow.
pub fn list<D, T: ToSchema + Serialize>(
    req: &HttpRequest,
    page: Page<D>,
    to_wire: impl FnMut(D) -> T,
) -> HttpResponse {
    let next_cursor = page.next_after.map(encode_cursor);
    let mut response = HttpResponse::Ok();
    if let Some(cursor) = &next_cursor {
        response.insert_header((
            header::LINK,
            format!("<{}>; rel=\"next\"", next_url(req, cursor)),
        ));
    }
    let data: Vec<T> = page.items.into_iter().map(to_wire).collect();
    // Written into a buffer of about the page's size: growing one from empty (as
    // `HttpResponseBuilder::json` does) copies a 30 KB page of work visits a dozen times.
    let capacity = LIST_BYTES + data.len() * ITEM_BYTES;
    with_json(response, &ListOf { data, next_cursor }, capacity)
}

/// The response with `body` as its JSON, written by serde_json into a buffer that
/// starts with `capacity` bytes.
fn with_json(
    mut response: HttpResponseBuilder,
    body: &impl Serialize,
    capacity: usize,
) -> HttpResponse {
    let mut bytes = Vec::with_capacity(capacity);
    match serde_json::to_writer(&mut bytes, body) {
        Ok(()) => response.insert_header(ContentType::json()).body(bytes),
        Err(e) => ApiError::from(DomainError::Internal(format!(
            "serialising a response: {e}"
        )))
        .error_response(),
    }
}

/// A list's envelope and an item's usual size in bytes, to size a response's buffer.
const LIST_BYTES: usize = 256;
const ITEM_BYTES: usize = 1024;

/// The current URL with `cursor` replaced.
fn next_url(req: &HttpRequest, cursor: &str) -> String {
    let mut query: Vec<String> = req
        .query_string()
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("cursor="))
        .map(str::to_owned)
        .collect();
    query.push(format!("cursor={cursor}"));
    format!("{}?{}", req.path(), query.join("&"))
}

pub fn no_content() -> HttpResponse {
    HttpResponse::NoContent().finish()
}
