//! The published Driehoek contract: the base OpenAPI document (info, servers, tags,
//! the security scheme). The API crate adds every operation and schema from the code;
//! the result is committed as `openapi/openapi.json` and a test fails when it drifts.

use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

/// Where the committed document lives, relative to the workspace root.
pub const COMMITTED_PATH: &str = "openapi/openapi.json";

/// The committed document, as built into the binary.
pub const COMMITTED: &str = include_str!("../openapi.json");

struct BearerKeys;

impl Modify for BearerKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("dhk_…")
                    .description(Some(
                        "An API key: `Authorization: Bearer dhk_…`. Each key belongs to one tenant (or the platform) and has one role. Each operation names the roles whose keys may call it in its description and in `x-roles`; any other role is refused with 403 `forbidden` before the request body or headers are judged.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "client_credentials",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "OAuth 2.0 client credentials for `POST /v1/oauth/token`: an API key's id as the client id and its secret as the client secret.",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Driehoek API",
        version = "1.0.0",
        description = "An open, multi-tenant API for cities' education partnerships: city government, schools and businesses helping young people discover work and choose their education route. Each city is a tenant.\n\nErrors are RFC 9457 problem documents (`application/problem+json`) with a stable `code`; `GET /problems/{code}` describes each code. Collections page with `limit` and an opaque `cursor`. Single resources carry `ETag: \"<version>\"`; send `If-Match` to update safely.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2")
    ),
    modifiers(&BearerKeys),
    tags(
        (name = "tenants", description = "Cities: onboarding and settings (platform administrators)."),
        (name = "api-keys", description = "A tenant's API keys and their roles."),
        (name = "schools", description = "Schools and other participating organisations."),
        (name = "businesses", description = "Partners offering work visits, and their coaches."),
        (name = "programmes", description = "Programmes the city runs and their members."),
        (name = "work-visits", description = "Offerings of businesses — company visits, bliksemstages, Jobspotters tracks, taster days — and their slots."),
        (name = "bookings", description = "Schools booking seats on slots; seats are taken atomically, with an optional wait-list."),
        (name = "placements", description = "A whole class spread over the slots of one day by the pupils' ranked choices (a bliksemstage): a proposal to check, then confirmed as one booking per group naming its pupils, all or nothing. For the pupils' own school."),
        (name = "students", description = "Pupils, their consents and talent portfolios, export and erasure, and the audit log of every access. Only the pupil's own school (and the platform) reaches a pupil."),
        (name = "route-maps", description = "Route maps: the city's education graph — programmes leading to programmes and occupations, with labour-market prospects — authored as a whole, read by everyone once published."),
        (name = "vocabularies", description = "Closed code lists shared by all tenants."),
        (name = "credentials", description = "Portable proof: the city as Open Badges 3.0 issuer, its public keys (a JWK Set) and revocation status lists, public so anyone verifies a pupil's credential without a key; and a verifier for those without a JOSE library. Issuing and reading a pupil's credentials is under `students`."),
        (name = "oauth", description = "OAuth 2.0 client credentials: trade an API key's id and secret for a short-lived bearer token that acts as the key."),
        (name = "stats", description = "The city's figures: reach, attendance, sector mix and satisfaction as anonymous aggregates, small counts of pupils suppressed."),
        (name = "webhook-endpoints", description = "Webhook endpoints a city or business registers, their signing secrets and delivery log. The messages themselves are the document's `webhooks`."),
        (name = "changes", description = "The tenant's change feed: every write in commit order, for keeping a copy in step."),
        (name = "operations", description = "Health, metrics and problem descriptions."),
    )
)]
pub struct BaseDoc;

/// The base document every generated document starts from.
pub fn base() -> utoipa::openapi::OpenApi {
    BaseDoc::openapi()
}
