//! What every request must be before a handler sees it (DESIGN.md §5): a target no
//! longer than 8 KiB (`414`), headers within 16 KiB (`431`), a path and a query that
//! decode to UTF-8 without control characters (`400`: a NUL must never reach the
//! database), and a large body only while the node has room for it.
//!
//! Large bodies (sync, graph import, roster: up to 8 MiB) are held whole while they
//! are parsed and applied, several times their size in memory. They share a budget
//! of [`LARGE_BODY_BUDGET`] bytes per node: a request that declares more than
//! [`LARGE_BODY`] bytes, or streams a body without declaring its length, waits for
//! its share (up to the body deadline) and answers `503` with `Retry-After` when it
//! does not get it, so many of them at once queue instead of taking the memory.
//!
//! (actix-web itself answers a request head over 128 KiB with an empty `431`, and a
//! target over 64 KiB with an empty `400`, before this code runs.)

use std::sync::LazyLock;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use tokio::sync::Semaphore;

use crate::error::{ApiError, ErrorCode};

/// The longest request target (path and query) served.
pub const MAX_TARGET_BYTES: usize = 8 * 1024;
/// The most header bytes (names and values) served.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// How long a request body may take to arrive.
pub const BODY_DEADLINE: Duration = Duration::from_secs(30);
/// A body larger than this takes a share of the budget.
pub const LARGE_BODY: usize = 1024 * 1024;
/// The bytes of large bodies one node holds at once.
pub const LARGE_BODY_BUDGET: usize = 12 * 1024 * 1024;
/// The share a body of unknown length takes: the largest body any operation takes.
const UNDECLARED_SHARE: usize = crate::extract::SYNC_BODY_BYTES;

/// The budget in units of [`LARGE_BODY`].
static LARGE_BODIES: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(LARGE_BODY_BUDGET / LARGE_BODY));

pub async fn screen(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Err(error) = check_head(&req) {
        return Ok(refuse(req, error));
    }
    let share = large_body_share(&req);
    let _permit = match share {
        None => None,
        Some(units) => {
            let wait = LARGE_BODIES.acquire_many(units);
            match tokio::time::timeout(BODY_DEADLINE, wait).await {
                Ok(Ok(permit)) => Some(permit),
                _ => {
                    let error = ApiError::new(
                        ErrorCode::Unavailable,
                        "the server is busy with other large requests; retry shortly",
                    )
                    .with_header(header::RETRY_AFTER, "5".to_owned());
                    return Ok(refuse(req, error));
                }
            }
        }
    };
    // The share is held until the response is made: the parsed body lives that long.
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

fn refuse(req: ServiceRequest, error: ApiError) -> ServiceResponse<BoxBody> {
    let response = actix_web::ResponseError::error_response(&error);
    req.into_response(response)
}

/// The target's length, the headers' size, and the path and query's characters.
fn check_head(req: &ServiceRequest) -> Result<(), ApiError> {
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target > MAX_TARGET_BYTES {
        return Err(ApiError::new(
            ErrorCode::UriTooLong,
            format!("the request target is {target} bytes; at most {MAX_TARGET_BYTES} are served"),
        ));
    }
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Err(ApiError::new(
            ErrorCode::HeadersTooLarge,
            format!("the headers are {header_bytes} bytes; at most {MAX_HEADER_BYTES} are served"),
        ));
    }
    for segment in req.uri().path().split('/') {
        well_formed(segment).map_err(|why| {
            ApiError::new(ErrorCode::InvalidPath, format!("a path segment {why}"))
        })?;
    }
    if let Some(query) = req.uri().query() {
        for pair in query.split('&') {
            well_formed(&pair.replace('+', " "))
                .map_err(|why| ApiError::invalid_query(format!("a query parameter {why}")))?;
        }
    }
    Ok(())
}

/// Whether `raw` percent-decodes to UTF-8 without control characters; else why not.
fn well_formed(raw: &str) -> Result<(), &'static str> {
    let bytes = raw.as_bytes();
    for (i, byte) in bytes.iter().enumerate() {
        if *byte == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        {
            return Err("has a '%' that is not followed by two hex digits");
        }
    }
    let text = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| "does not decode to UTF-8")?;
    if text.chars().any(char::is_control) {
        return Err("holds a control character");
    }
    Ok(())
}

/// How many units of the budget the request's body takes, if it is large.
fn large_body_share(req: &ServiceRequest) -> Option<u32> {
    let headers = req.headers();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<usize>().ok());
    let bytes = match declared {
        Some(length) if length > LARGE_BODY => length.min(UNDECLARED_SHARE),
        Some(_) => return None,
        None if headers.contains_key(header::TRANSFER_ENCODING) => UNDECLARED_SHARE,
        None => return None,
    };
    u32::try_from(bytes.div_ceil(LARGE_BODY)).ok()
}

#[cfg(test)]
mod tests {
    use super::well_formed;

    #[test]
    fn takes_clean_values_and_refuses_the_rest() {
        assert_eq!(well_formed("Zadkine%20College"), Ok(()));
        assert_eq!(well_formed("caf%C3%A9"), Ok(()));
        assert!(well_formed("a%00b").is_err(), "NUL");
        assert!(well_formed("a%0Ab").is_err(), "a line feed");
        assert!(well_formed("%FF").is_err(), "not UTF-8");
        assert!(well_formed("100%").is_err(), "a lone %");
        assert!(well_formed("%G1").is_err(), "not hex");
    }
}
