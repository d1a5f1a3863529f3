//! The error responses each kind of operation can give, for the OpenAPI document.
//! Every operation lists one of these sets; a test checks that none is missing.

#![allow(dead_code)]

use utoipa::IntoResponses;

use crate::error::Problem;

/// Errors of a read of one resource or a collection.
#[derive(IntoResponses)]
pub enum ReadErrors {
    #[response(
        status = 400,
        description = "A query parameter is malformed (`invalid_query`, `invalid_cursor`)",
        content_type = "application/problem+json"
    )]
    BadRequest(Problem),
    #[response(
        status = 401,
        description = "No valid API key (`unauthorized`)",
        content_type = "application/problem+json"
    )]
    Unauthorized(Problem),
    #[response(
        status = 403,
        description = "Role or tenant not allowed (`forbidden`, `tenant_forbidden`, `tenant_suspended`)",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 404,
        description = "No such resource in this tenant (`not_found`)",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 429,
        description = "Rate limited (`rate_limited`)",
        content_type = "application/problem+json"
    )]
    TooMany(Problem),
    #[response(
        status = 500,
        description = "Internal error (`internal`)",
        content_type = "application/problem+json"
    )]
    Internal(Problem),
    #[response(
        status = 503,
        description = "A dependency is down (`unavailable`)",
        content_type = "application/problem+json"
    )]
    Unavailable(Problem),
}

/// Errors of a create or update with a JSON body.
#[derive(IntoResponses)]
pub enum WriteErrors {
    #[response(
        status = 400,
        description = "The body is not JSON or a header is malformed (`malformed_json`, `invalid_query`)",
        content_type = "application/problem+json"
    )]
    BadRequest(Problem),
    #[response(
        status = 401,
        description = "No valid API key (`unauthorized`)",
        content_type = "application/problem+json"
    )]
    Unauthorized(Problem),
    #[response(
        status = 403,
        description = "Role or tenant not allowed (`forbidden`, `tenant_forbidden`, `tenant_suspended`)",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 404,
        description = "No such resource in this tenant (`not_found`)",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 409,
        description = "Conflicts with the current state (`duplicate`, `resource_in_use`)",
        content_type = "application/problem+json"
    )]
    Conflict(Problem),
    #[response(
        status = 412,
        description = "`If-Match` is stale (`version_mismatch`)",
        content_type = "application/problem+json"
    )]
    PreconditionFailed(Problem),
    #[response(
        status = 413,
        description = "The body is too large (`payload_too_large`)",
        content_type = "application/problem+json"
    )]
    TooLarge(Problem),
    #[response(
        status = 415,
        description = "Wrong content type (`unsupported_media_type`)",
        content_type = "application/problem+json"
    )]
    MediaType(Problem),
    #[response(
        status = 422,
        description = "Invalid fields (`validation_failed`, `unknown_field`)",
        content_type = "application/problem+json"
    )]
    Unprocessable(Problem),
    #[response(
        status = 429,
        description = "Rate limited (`rate_limited`)",
        content_type = "application/problem+json"
    )]
    TooMany(Problem),
    #[response(
        status = 500,
        description = "Internal error (`internal`)",
        content_type = "application/problem+json"
    )]
    Internal(Problem),
    #[response(
        status = 503,
        description = "A dependency is down (`unavailable`)",
        content_type = "application/problem+json"
    )]
    Unavailable(Problem),
}

/// Errors of a delete.
#[derive(IntoResponses)]
pub enum DeleteErrors {
    #[response(
        status = 400,
        description = "A header is malformed (`invalid_query`)",
        content_type = "application/problem+json"
    )]
    BadRequest(Problem),
    #[response(
        status = 401,
        description = "No valid API key (`unauthorized`)",
        content_type = "application/problem+json"
    )]
    Unauthorized(Problem),
    #[response(
        status = 403,
        description = "Role or tenant not allowed (`forbidden`, `tenant_forbidden`, `tenant_suspended`)",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 404,
        description = "No such resource in this tenant (`not_found`)",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 409,
        description = "Still referred to (`resource_in_use`)",
        content_type = "application/problem+json"
    )]
    Conflict(Problem),
    #[response(
        status = 412,
        description = "`If-Match` is stale (`version_mismatch`)",
        content_type = "application/problem+json"
    )]
    PreconditionFailed(Problem),
    #[response(
        status = 429,
        description = "Rate limited (`rate_limited`)",
        content_type = "application/problem+json"
    )]
    TooMany(Problem),
    #[response(
        status = 500,
        description = "Internal error (`internal`)",
        content_type = "application/problem+json"
    )]
    Internal(Problem),
    #[response(
        status = 503,
        description = "A dependency is down (`unavailable`)",
        content_type = "application/problem+json"
    )]
    Unavailable(Problem),
}

/// Errors of the OAuth token endpoint (RFC 6749 §5.2, as problems with `error`).
#[derive(IntoResponses)]
pub enum TokenErrors {
    #[response(
        status = 400,
        description = "Malformed request or another grant type (`invalid_request`, `unsupported_grant_type`)",
        content_type = "application/problem+json"
    )]
    BadRequest(Problem),
    #[response(
        status = 401,
        description = "Unknown or unusable client credentials (`invalid_client`)",
        content_type = "application/problem+json"
    )]
    Unauthorized(Problem),
    #[response(
        status = 413,
        description = "Body too large (`payload_too_large`)",
        content_type = "application/problem+json"
    )]
    PayloadTooLarge(Problem),
    #[response(
        status = 415,
        description = "Not form-encoded (`unsupported_media_type`)",
        content_type = "application/problem+json"
    )]
    UnsupportedMediaType(Problem),
    #[response(
        status = 500,
        description = "Internal error (`internal`)",
        content_type = "application/problem+json"
    )]
    Internal(Problem),
}

/// Errors of an unauthenticated operational endpoint.
#[derive(IntoResponses)]
pub enum OpsErrors {
    #[response(
        status = 404,
        description = "Unknown name (`not_found`)",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 500,
        description = "Internal error (`internal`)",
        content_type = "application/problem+json"
    )]
    Internal(Problem),
}
