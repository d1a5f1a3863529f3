//! The one error catalogue and its mapping to RFC 9457 problem documents. Every error
//! the API returns has a stable `code` listed here; the catalogue is served at
//! `/problems/{code}` and published in the OpenAPI document. Internals (SQL, driver
//! messages) are logged under the request id and never returned.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use driehoek_domain::error::{ConflictKind, DomainError, Rule, ValidationErrors};
use serde::Serialize;
use utoipa::ToSchema;

use crate::request_meta;

macro_rules! catalogue {
    ($( $variant:ident => $code:literal, $status:literal, $title:literal, $description:literal; )+) => {
        /// Stable problem codes. Never renamed; new ones may be added.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorCode { $($variant),+ }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),+ }
            }

            pub fn status(self) -> StatusCode {
                match self { $(ErrorCode::$variant => StatusCode::from_u16($status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)),+ }
            }

            pub fn title(self) -> &'static str {
                match self { $(ErrorCode::$variant => $title),+ }
            }

            pub fn description(self) -> &'static str {
                match self { $(ErrorCode::$variant => $description),+ }
            }

            pub fn parse(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|c| c.as_str() == code)
            }
        }
    };
}

catalogue! {
    MalformedJson => "malformed_json", 400, "Malformed JSON", "The request body is not valid JSON.";
    InvalidQuery => "invalid_query", 400, "Invalid query parameter", "A query parameter has a value that cannot be understood; filters are never silently ignored.";
    InvalidHeader => "invalid_header", 400, "Invalid header", "A request header has a value that cannot be understood, such as an `If-Match` that is not an ETag (`\"3\"`). Headers are judged after the key and its role.";
    InvalidPath => "invalid_path", 400, "Invalid path", "A path segment is not well-formed percent-encoded UTF-8, or holds a control character.";
    InvalidCursor => "invalid_cursor", 400, "Invalid cursor", "The paging cursor was not issued by this API or is damaged; start again without a cursor.";
    InvalidRequest => "invalid_request", 400, "Invalid token request", "The OAuth token request is malformed: send `grant_type=client_credentials` as `application/x-www-form-urlencoded`, with the client credentials once (HTTP Basic or `client_id`/`client_secret`). The body also carries RFC 6749's `error` member.";
    UnsupportedGrantType => "unsupported_grant_type", 400, "Unsupported grant type", "Only `grant_type=client_credentials` is supported.";
    InvalidClient => "invalid_client", 401, "Invalid client", "The client credentials (an API key's id and secret) are unknown, do not match, or the key is revoked, expired or a platform key.";
    Unauthorized => "unauthorized", 401, "Unauthorized", "No API key was given, or the key is unknown, revoked or expired. Send `Authorization: Bearer <key>`.";
    Forbidden => "forbidden", 403, "Forbidden", "The key's role may not do this.";
    BelowConsentAge => "below_consent_age", 403, "Below the consent age", "A pupil's token asks for what a pupil does alone only when certainly at or above the city's consent age (NL 16, BE 13 by default): a guardian's token or the pupil's school does it for a younger pupil.";
    TenantForbidden => "tenant_forbidden", 403, "Tenant forbidden", "The key belongs to another tenant.";
    TenantSuspended => "tenant_suspended", 403, "Tenant suspended", "The tenant is suspended; only platform administrators may act in it.";
    NotFound => "not_found", 404, "Not found", "No such resource in this tenant.";
    MethodNotAllowed => "method_not_allowed", 405, "Method not allowed", "The path exists but does not accept this method; see the `Allow` header.";
    Duplicate => "duplicate", 409, "Duplicate", "A value that must be unique is already taken.";
    ResourceInUse => "resource_in_use", 409, "Resource in use", "The resource is still referred to and cannot be removed yet.";
    SlotFull => "slot_full", 409, "Slot full", "Not enough seats are left on the slot. Ask for the wait-list with `\"waitlist\": true`, or choose another slot.";
    SlotUnavailable => "slot_unavailable", 409, "Slot unavailable", "The slot cannot be booked: it is cancelled, has already started, or its work visit is not published.";
    SlotHasBookings => "slot_has_bookings", 409, "Slot has bookings", "A sync left out a slot that still has confirmed or wait-listed bookings. Send the slot with `\"status\": \"cancelled\"` to cancel it and its bookings, or keep it in the payload.";
    PlacementOutdated => "placement_outdated", 409, "Placement outdated", "Since the proposal, a slot can no longer take its group (its seats were taken, it was cancelled or has started, its offering was withdrawn or its group size changed); nothing was booked. `errors[]` points at each such slot of the placement (`/slots/{i}`). Discard the proposal and make a new one.";
    IdempotencyInProgress => "idempotency_in_progress", 409, "Idempotency key in progress", "A request with this `Idempotency-Key` is still running; retry after `Retry-After` seconds to get its response.";
    StateConflict => "state_conflict", 409, "State conflict", "The resource's state does not allow this, e.g. deleting a published work visit (withdraw it instead) or changing a cancelled slot.";
    RequestTimeout => "request_timeout", 408, "Request timeout", "The request body did not arrive within 30 seconds.";
    VersionMismatch => "version_mismatch", 412, "Version mismatch", "`If-Match` names a version other than the current one; read the resource again and retry.";
    PayloadTooLarge => "payload_too_large", 413, "Payload too large", "The request body exceeds the limit (1 MiB unless the operation says otherwise).";
    UriTooLong => "uri_too_long", 414, "URI too long", "The request target (path and query) is longer than 8 KiB.";
    UnsupportedMediaType => "unsupported_media_type", 415, "Unsupported media type", "Send `Content-Type: application/json` (PATCH also accepts `application/merge-patch+json`).";
    ValidationFailed => "validation_failed", 422, "Validation failed", "One or more fields are invalid (a string holding a control character other than tab, line feed and carriage return among them); `errors[]` points at each with a JSON Pointer.";
    IdempotencyKeyReused => "idempotency_key_reused", 422, "Idempotency key reused", "This `Idempotency-Key` was used with a different request (method, path or body) in the last 24 hours; send a new key.";
    UnknownField => "unknown_field", 422, "Unknown field", "The request names a field this operation does not know; check its spelling against the schema.";
    OutsideTargetGroup => "outside_target_group", 422, "Outside the target group", "The group does not fit the offering: its size is outside the offering's group size or the slot's capacity, or the school teaches none of the offering's education levels.";
    NotAttended => "not_attended", 422, "Not attended", "A credential is for a visit the pupil went to: the booking must name the pupil and record the pupil present.";
    RouteNotInMap => "route_not_in_map", 422, "Route not in map", "Two consecutive steps of the route plan are not joined by an edge of its route map (or a step is not on the map); the problem points at the first such step.";
    ConsentMissing => "consent_missing", 422, "Consent missing", "A pupil named on the booking has no `participation` consent (the latest decision for the purpose is not `granted`); the detail names every such pupil. Record the guardian's (or, from the consent age, the pupil's) consent first, or book without naming the pupil.";
    ConsentNotAllowed => "consent_not_allowed", 422, "Consent not allowed", "The decision cannot be recorded so: a pupil decides alone (`given_by: student`) only when certainly at or above the city's consent age (only the birth year is held), and `recruitment_contact` is granted only from 16.";
    CoachScreeningInvalid => "coach_screening_invalid", 422, "Coach screening invalid", "The tenant requires coaches to be screened (VOG, model 596.2, DBS) for this slot, and the coach's screening is missing, too recent or expires before the slot's last day.";
    RateLimited => "rate_limited", 429, "Rate limited", "Too many requests for this key; wait for `Retry-After` seconds.";
    HeadersTooLarge => "headers_too_large", 431, "Request headers too large", "The request's headers are larger than 16 KiB together.";
    Internal => "internal", 500, "Internal error", "Something failed on our side. The log holds the details under the response's `request_id`.";
    Unavailable => "unavailable", 503, "Service unavailable", "A dependency (database, Redis) does not answer; retry after `Retry-After` seconds.";
}

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemFieldError {
    /// JSON Pointer (RFC 6901) to the field in the request document.
    #[schema(example = "/name")]
    pub pointer: String,
    #[schema(example = "must not be empty")]
    pub message: String,
}

/// An RFC 9457 problem document (`application/problem+json`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `/problems/<code>`: a relative URL that describes the code.
    #[schema(example = "/problems/validation_failed")]
    #[serde(rename = "type")]
    pub problem_type: String,
    #[schema(example = "Validation failed")]
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    /// Stable, machine-readable code from the catalogue (see `/problems/{code}`).
    #[schema(example = "validation_failed")]
    pub code: String,
    #[schema(example = "1 field is invalid")]
    pub detail: String,
    /// The request path.
    #[schema(example = "/v1/tenants/rotterdam/schools")]
    pub instance: String,
    /// The request id, also in the `X-Request-Id` header and in every log line.
    pub request_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemFieldError>,
    /// On the OAuth token endpoint only: the RFC 6749 error code (the same as `code`),
    /// for OAuth client libraries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// An error on its way to becoming a problem response.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub detail: String,
    pub errors: Vec<ProblemFieldError>,
    /// Extra headers: `WWW-Authenticate`, `Allow`, `Retry-After`.
    pub headers: Vec<(header::HeaderName, String)>,
}

impl ApiError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            headers: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: header::HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, detail)
            .with_header(header::WWW_AUTHENTICATE, "Bearer realm=\"driehoek\"")
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn invalid_query(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidQuery, detail)
    }

    pub fn validation(errors: ValidationErrors) -> Self {
        let count = errors.len();
        Self::new(
            ErrorCode::ValidationFailed,
            if count == 1 {
                "1 field is invalid".to_owned()
            } else {
                format!("{count} fields are invalid")
            },
        )
        .pointing_at(&errors)
    }

    /// The error with one `errors[]` item per field error.
    fn pointing_at(mut self, errors: &ValidationErrors) -> Self {
        self.errors = errors
            .errors()
            .iter()
            .map(|e| ProblemFieldError {
                pointer: e.pointer.clone(),
                message: e.message.clone(),
            })
            .collect();
        self
    }

    /// The same error about a part of a larger document: its pointers moved under
    /// `prefix`.
    pub fn within(mut self, prefix: &str) -> Self {
        for e in &mut self.errors {
            e.pointer = format!("{prefix}{}", e.pointer);
        }
        self
    }

    /// Several problems of one document as one: the field errors together when all are
    /// validation problems, otherwise the first that is not.
    pub fn merged(problems: Vec<ApiError>) -> Self {
        let (fields, other): (Vec<_>, Vec<_>) = problems
            .into_iter()
            .partition(|p| p.code == ErrorCode::ValidationFailed);
        if let Some(first) = other.into_iter().next() {
            return first;
        }
        let mut errors = ValidationErrors::new();
        for problem in fields {
            for e in problem.errors {
                errors.add(e.pointer, e.message);
            }
        }
        Self::validation(errors)
    }

    /// The problem document for this error in the current request.
    pub fn problem(&self) -> Problem {
        let meta = request_meta::current();
        Problem {
            problem_type: format!("/problems/{}", self.code.as_str()),
            title: self.code.title().to_owned(),
            status: self.code.status().as_u16(),
            code: self.code.as_str().to_owned(),
            detail: self.detail.clone(),
            instance: meta.as_ref().map(|m| m.path.clone()).unwrap_or_default(),
            request_id: meta.map(|m| m.request_id).unwrap_or_default(),
            errors: self.errors.clone(),
            error: matches!(
                self.code,
                ErrorCode::InvalidRequest
                    | ErrorCode::UnsupportedGrantType
                    | ErrorCode::InvalidClient
            )
            .then(|| self.code.as_str().to_owned()),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.code.status());
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        for (name, value) in &self.headers {
            if let Ok(value) = HeaderValue::from_str(value) {
                response.insert_header((name.clone(), value));
            }
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

/// `error` and every error it came from, outermost first: `a: b: c`.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Drivers often repeat their source in their own message.
        if !chain.contains(&cause_text) {
            chain.push_str(": ");
            chain.push_str(&cause_text);
        }
        source = cause.source();
    }
    chain.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl ApiError {
    fn internal() -> Self {
        Self::new(
            ErrorCode::Internal,
            "an internal error occurred; quote the request_id when reporting it",
        )
    }

    fn unavailable() -> Self {
        Self::new(
            ErrorCode::Unavailable,
            "a dependency does not answer; retry shortly",
        )
        .with_header(header::RETRY_AFTER, "5")
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::Validation(errors) => Self::validation(errors),
            DomainError::NotFound(what) => Self::not_found(what),
            DomainError::Forbidden(detail) => Self::new(ErrorCode::Forbidden, detail),
            DomainError::BelowConsentAge(detail) => Self::new(ErrorCode::BelowConsentAge, detail),
            DomainError::Conflict { kind, message } => {
                let code = match kind {
                    ConflictKind::Duplicate => ErrorCode::Duplicate,
                    ConflictKind::ResourceInUse => ErrorCode::ResourceInUse,
                    ConflictKind::InvalidState => ErrorCode::StateConflict,
                    ConflictKind::SlotFull => ErrorCode::SlotFull,
                    ConflictKind::SlotUnavailable => ErrorCode::SlotUnavailable,
                    ConflictKind::SlotHasBookings => ErrorCode::SlotHasBookings,
                };
                Self::new(code, message)
            }
            DomainError::RuleBroken {
                rule,
                pointer,
                message,
            } => {
                let code = match rule {
                    Rule::CoachScreeningInvalid => ErrorCode::CoachScreeningInvalid,
                    Rule::OutsideTargetGroup => ErrorCode::OutsideTargetGroup,
                    Rule::ConsentMissing => ErrorCode::ConsentMissing,
                    Rule::RouteNotInMap => ErrorCode::RouteNotInMap,
                    Rule::ConsentNotAllowed => ErrorCode::ConsentNotAllowed,
                    Rule::NotAttended => ErrorCode::NotAttended,
                };
                let mut error = Self::new(code, message.clone());
                error.errors.push(ProblemFieldError { pointer, message });
                error
            }
            DomainError::Outdated(errors) => Self::new(
                ErrorCode::PlacementOutdated,
                format!(
                    "{} slot(s) can no longer take their group; nothing was booked",
                    errors.len()
                ),
            )
            .pointing_at(&errors),
            DomainError::VersionMismatch { current } => Self::new(
                ErrorCode::VersionMismatch,
                format!("the resource is at version {current}"),
            ),
            DomainError::Unavailable(internal) => {
                tracing::error!(error = %internal, "dependency unavailable");
                Self::unavailable()
            }
            DomainError::Internal(internal) => {
                tracing::error!(error = %internal, "internal error");
                Self::internal()
            }
            DomainError::Store {
                unavailable,
                source,
            } => {
                let chain = error_chain(source.as_ref());
                if unavailable {
                    tracing::error!(error = %chain, "the database is unavailable");
                    Self::unavailable()
                } else {
                    tracing::error!(error = %chain, "the database failed");
                    Self::internal()
                }
            }
        }
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        Self::validation(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{} twice", code.as_str());
            assert!(
                code.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_')
            );
            assert_eq!(ErrorCode::parse(code.as_str()), Some(*code));
            assert!(code.status().is_client_error() || code.status().is_server_error());
        }
    }

    #[test]
    fn a_store_failure_is_logged_with_its_sources_and_never_shown() {
        #[derive(Debug, thiserror::Error)]
        #[error("relation \"schools\" does not exist")]
        struct Driver;
        #[derive(Debug, thiserror::Error)]
        #[error("query failed")]
        struct Wrapper(#[source] Driver);
        assert_eq!(
            error_chain(&Wrapper(Driver)),
            "query failed: relation \"schools\" does not exist"
        );
        let internal = ApiError::from(DomainError::Store {
            unavailable: false,
            source: Box::new(Wrapper(Driver)),
        });
        assert_eq!(internal.code, ErrorCode::Internal);
        assert!(!internal.problem().detail.contains("schools"));
        let down = ApiError::from(DomainError::Store {
            unavailable: true,
            source: Box::new(Driver),
        });
        assert_eq!(down.code, ErrorCode::Unavailable);
    }

    #[test]
    fn internals_never_reach_the_problem() {
        let error = ApiError::from(DomainError::Internal(
            "SELECT * FROM secret_table failed".to_owned(),
        ));
        assert_eq!(error.code, ErrorCode::Internal);
        assert!(!error.problem().detail.contains("SELECT"));
    }
}
