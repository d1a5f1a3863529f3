//! The error responses each kind of operation can give, for the OpenAPI document.
//! Every operation lists one of these sets; a test checks that none is missing.

use std::collections::BTreeMap;

use utoipa::IntoResponses;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{Content, Ref, RefOr};

/// A set of problem responses: each status with what it means and its codes.
macro_rules! problem_set {
    ($(#[$doc:meta])* $name:ident { $($status:literal => $description:expr,)+ }) => {
        $(#[$doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                BTreeMap::from([$(($status.to_string(), problem($description))),+])
            }
        }
    };
}

/// A response with a problem document (RFC 9457) as its body.
fn problem(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            Content::new(Some(Ref::from_schema_name("Problem"))),
        )
        .build()
        .into()
}

const UNAUTHORIZED: &str = "No valid API key (`unauthorized`)";
const FORBIDDEN: &str =
    "Role or tenant not allowed (`forbidden`, `tenant_forbidden`, `tenant_suspended`)";
const NOT_FOUND: &str = "No such resource in this tenant (`not_found`)";
const STALE: &str = "`If-Match` is stale (`version_mismatch`)";
const RATE_LIMITED: &str = "Rate limited (`rate_limited`)";
const URI_TOO_LONG: &str = "The path and query are longer than 8 KiB (`uri_too_long`)";
const HEADERS_TOO_LARGE: &str = "The headers are larger than 16 KiB (`headers_too_large`)";
const INTERNAL: &str = "Internal error (`internal`)";
const UNAVAILABLE: &str =
    "A dependency is down, or the server is busy with large requests (`unavailable`)";

problem_set! {
    /// Errors of a read of one resource or a collection.
    ReadErrors {
        400 => "A query parameter or path segment is malformed (`invalid_query`, `invalid_cursor`, `invalid_path`)",
        401 => UNAUTHORIZED,
        403 => FORBIDDEN,
        404 => NOT_FOUND,
        414 => URI_TOO_LONG,
        429 => RATE_LIMITED,
        431 => HEADERS_TOO_LARGE,
        500 => INTERNAL,
        503 => UNAVAILABLE,
    }
}

problem_set! {
    /// Errors of a create or update with a JSON body.
    WriteErrors {
        400 => "The body is not JSON, or a header or path segment is malformed (`malformed_json`, `invalid_query`, `invalid_path`)",
        401 => UNAUTHORIZED,
        403 => FORBIDDEN,
        404 => NOT_FOUND,
        409 => "Conflicts with the current state (`duplicate`, `resource_in_use`)",
        408 => "The body did not arrive within 30 s (`request_timeout`)",
        412 => STALE,
        413 => "The body is too large (`payload_too_large`)",
        415 => "Wrong content type (`unsupported_media_type`)",
        422 => "Invalid fields (`validation_failed`, `unknown_field`)",
        414 => URI_TOO_LONG,
        429 => RATE_LIMITED,
        431 => HEADERS_TOO_LARGE,
        500 => INTERNAL,
        503 => UNAVAILABLE,
    }
}

problem_set! {
    /// Errors of a delete.
    DeleteErrors {
        400 => "A header or path segment is malformed (`invalid_query`, `invalid_path`)",
        401 => UNAUTHORIZED,
        403 => FORBIDDEN,
        404 => NOT_FOUND,
        409 => "Still referred to (`resource_in_use`)",
        412 => STALE,
        414 => URI_TOO_LONG,
        429 => RATE_LIMITED,
        431 => HEADERS_TOO_LARGE,
        500 => INTERNAL,
        503 => UNAVAILABLE,
    }
}

problem_set! {
    /// Errors of the OAuth token endpoint (RFC 6749 §5.2, as problems with `error`).
    TokenErrors {
        400 => "Malformed request or another grant type (`invalid_request`, `unsupported_grant_type`)",
        401 => "Unknown or unusable client credentials (`invalid_client`)",
        413 => "Body too large (`payload_too_large`)",
        415 => "Not form-encoded (`unsupported_media_type`)",
        500 => INTERNAL,
    }
}

problem_set! {
    /// Errors of an unauthenticated operational endpoint.
    OpsErrors {
        404 => "Unknown name (`not_found`)",
        500 => INTERNAL,
    }
}

problem_set! {
    /// Errors of a public read (no key): a city's issuer documents.
    PublicReadErrors {
        400 => "A path segment is malformed (`invalid_path`)",
        404 => "No such tenant, or no such list (`not_found`)",
        414 => URI_TOO_LONG,
        431 => HEADERS_TOO_LARGE,
        500 => INTERNAL,
        503 => UNAVAILABLE,
    }
}

problem_set! {
    /// Errors of a public operation with a JSON body (no key): verifying a credential.
    PublicWriteErrors {
        400 => "The body is not JSON (`malformed_json`)",
        408 => "The body did not arrive within 30 s (`request_timeout`)",
        413 => "The body is too large (`payload_too_large`)",
        415 => "Wrong content type (`unsupported_media_type`)",
        422 => "Invalid fields (`validation_failed`, `unknown_field`)",
        414 => URI_TOO_LONG,
        431 => HEADERS_TOO_LARGE,
        500 => INTERNAL,
        503 => UNAVAILABLE,
    }
}
