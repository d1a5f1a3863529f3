//! The composition root: configuration in, a running server out. Builds the
//! adapters, the services over them and the actix application, and assembles the
//! OpenAPI document from the registered routes.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::Method;
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use driehoek_domain::clock::SharedClock;
use driehoek_domain::webhooks::RetryPolicy;
use driehoek_infra::db::Resealed;
use driehoek_infra::redis_store::RedisStore;
use driehoek_infra::webhook_http::HttpTransport;
use driehoek_infra::{Database, Sealer};
use utoipa::openapi::OpenApi;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::{Config as SwaggerConfig, SwaggerUi};

use crate::cors::cors;
use crate::error::{ApiError, ErrorCode};
use crate::idempotency::idempotency;
use crate::middleware::{observe, transport};
use crate::routes;
use crate::screen::screen;
use crate::state::{AppState, Webhooks};
use crate::telemetry;

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub redis_url: Option<String>,
    /// How long a Redis call may take (`DRIEHOEK_REDIS_TIMEOUT_MS`).
    pub redis_timeout: Duration,
    pub admin_key: Option<String>,
    pub workers: usize,
    /// Requests a minute per key unless the tenant sets its own limit.
    pub rate_limit_per_minute: u32,
    pub webhooks: WebhookSettings,
    /// Keys that seal stored webhook secrets; with none they are stored as given.
    pub secrets: Sealer,
    /// Where the time comes from: the system clock, but for tests.
    pub clock: SharedClock,
    /// Let tenants list `http://localhost` origins for CORS (development only).
    pub cors_allow_localhost: bool,
    /// The API's public address, e.g. `https://api.driehoek.example` (credentials
    /// name their issuer under it); `None`: the address each request came to.
    pub public_url: Option<String>,
}

/// How webhooks are delivered.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Allow `http` URLs and private or loopback targets (development and tests only).
    pub allow_private: bool,
    /// How long one delivery attempt may take.
    pub timeout: Duration,
    /// How often the worker looks for new changes and due deliveries.
    pub poll_interval: Duration,
    /// The wait after a first failed attempt; later waits double it.
    pub first_retry: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_private: false,
            timeout: Duration::from_secs(10),
            poll_interval: Duration::from_secs(1),
            first_retry: RetryPolicy::default().first_delay,
        }
    }
}

/// The state with its adapters connected and the schema migrated.
pub async fn connect(settings: &Settings) -> Result<AppState, String> {
    let mut database = Database::connect(&settings.database_url).await?;
    database.use_clock(settings.clock.clone());
    database.migrate().await?;
    database.seal_secrets_with(settings.secrets.clone());
    report_sealing(&settings.secrets, database.reseal_secrets().await?);
    let redis = match &settings.redis_url {
        Some(url) => Some(
            RedisStore::connect(url, database.deployment_id().await?, settings.redis_timeout)
                .await?,
        ),
        None => {
            tracing::info!(
                "no REDIS_URL: running as a single node; key and tenant lookups are cached in process"
            );
            None
        }
    };
    let admin_key_digest = settings
        .admin_key
        .as_deref()
        .map(driehoek_domain::api_keys::digest_secret);
    let transport = HttpTransport::new(settings.webhooks.allow_private, settings.webhooks.timeout)?;
    let mut state = AppState::new(
        database,
        redis,
        admin_key_digest,
        settings.rate_limit_per_minute,
        Webhooks {
            transport: Arc::new(transport),
            retry: RetryPolicy::with_first_delay(settings.webhooks.first_retry),
        },
        settings.clock.clone(),
    );
    state.public_url = settings.public_url.clone();
    state.tenants = state
        .tenants
        .with_local_origins(settings.cors_allow_localhost);
    Ok(state)
}

/// Says at start-up which stored webhook secrets were sealed anew, and which ones no
/// key opens.
fn report_sealing(sealer: &Sealer, done: Resealed) {
    let keys = sealer.key_ids();
    if let Some(key) = keys.first()
        && done.resealed > 0
    {
        tracing::info!(
            resealed = done.resealed,
            key,
            "stored webhook secrets and signing keys sealed with the current key"
        );
    }
    if done.unreadable > 0 {
        tracing::error!(
            unreadable = done.unreadable,
            ?keys,
            "secrets sealed with a key this server was not given: nothing is sent to their \
             webhook endpoints, nor is a credential signed with such a key, until \
             DRIEHOEK_SECRETS_KEY lists it"
        );
    }
}

/// Registers routes on a utoipa-aware app and returns it with the generated document.
macro_rules! api_app {
    ($app:expr) => {
        $app.into_utoipa_app()
            .openapi(driehoek_openapi::base())
            .service(utoipa_actix_web::scope("/v1").configure(routes::v1::configure))
            .configure(routes::ops::configure)
            .split_for_parts()
    };
}

/// The document as the routes describe it, with the problem-code catalogue: what the
/// router's 405 answers read.
pub fn openapi() -> OpenApi {
    let (_, mut doc) = api_app!(App::new());
    add_problem_catalogue(&mut doc);
    add_idempotency_key(&mut doc);
    routes::v1::webhooks::document(&mut doc);
    doc
}

/// The published document: [`openapi`] with the touches every operation shares
/// ([`crate::document::finish`]).
pub fn openapi_json(doc: &OpenApi) -> serde_json::Result<serde_json::Value> {
    let mut value = serde_json::to_value(doc)?;
    crate::document::finish(&mut value);
    Ok(value)
}

/// Every POST takes an `Idempotency-Key` (the middleware serves it for all of them).
fn add_idempotency_key(doc: &mut OpenApi) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    let parameter = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(utoipa::openapi::Required::False)
        .description(Some(
            "1-255 printable ASCII characters. The first response is kept for 24 h and \
             replayed to retries with the same key (`Idempotent-Replayed: true`); the same \
             key with another request is 422 `idempotency_key_reused`, and a retry while \
             the first still runs 409 `idempotency_in_progress`.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(255)),
        ))
        .build();
    for (path, item) in doc.paths.paths.iter_mut() {
        if path == crate::idempotency::TOKEN_PATH {
            continue;
        }
        if let Some(post) = item.post.as_mut() {
            post.parameters
                .get_or_insert_with(Vec::new)
                .push(parameter.clone().into());
        }
    }
}

fn add_problem_catalogue(doc: &mut OpenApi) {
    let mut description =
        String::from("Stable problem codes. Each is described at `/problems/{code}`:\n");
    for code in ErrorCode::ALL {
        description.push_str(&format!(
            "\n- `{}` ({}): {}",
            code.as_str(),
            code.status().as_u16(),
            code.description()
        ));
    }
    let schema = ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())));
    doc.components
        .get_or_insert_with(Default::default)
        .schemas
        .insert("ProblemCode".to_owned(), schema.into());
}

/// Answers requests no route matched: 405 with `Allow` when the path exists with other
/// methods, else 404 — both as problem documents.
async fn fallback(
    req: HttpRequest,
    known: web::Data<KnownRoutes>,
) -> Result<HttpResponse, ApiError> {
    Err(known.refusal(&req, "route"))
}

/// The documented path patterns and their methods, for 405 answers.
pub(crate) struct KnownRoutes(Vec<(actix_web::dev::ResourceDef, Vec<String>)>);

impl KnownRoutes {
    /// The methods of the most specific documented path that matches `path` (the one
    /// with the fewest parameters: `/students/import` before `/students/{id}`), with
    /// `HEAD` beside every `GET`; empty for an unknown path.
    pub(crate) fn allowed(&self, path: &str) -> Vec<&str> {
        let matching: Vec<&(actix_web::dev::ResourceDef, Vec<String>)> = self
            .0
            .iter()
            .filter(|(pattern, _)| pattern.is_match(path))
            .collect();
        let dynamic = |pattern: &actix_web::dev::ResourceDef| {
            pattern.pattern().map_or(0, |p| p.matches('{').count())
        };
        let Some(fewest) = matching.iter().map(|(pattern, _)| dynamic(pattern)).min() else {
            return Vec::new();
        };
        let mut allowed = Vec::new();
        for (_, methods) in matching
            .iter()
            .filter(|(pattern, _)| dynamic(pattern) == fewest)
        {
            for method in methods {
                allowed.push(method.as_str());
                if method == "GET" {
                    allowed.push("HEAD");
                }
            }
        }
        allowed
    }

    /// What a request no handler takes is told: 405 with the methods of the most
    /// specific path that owns it, else 404 for `what`.
    fn refusal(&self, req: &HttpRequest, what: &'static str) -> ApiError {
        let allowed = self.allowed(req.path());
        if allowed.is_empty() || allowed.iter().any(|m| *m == req.method().as_str()) {
            ApiError::not_found(what)
        } else {
            ApiError::new(
                ErrorCode::MethodNotAllowed,
                format!("{} is not allowed here", req.method()),
            )
            .with_header(actix_web::http::header::ALLOW, allowed.join(", "))
        }
    }

    fn from_doc(doc: &OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let mut methods = Vec::new();
                let ops = [
                    (Method::GET, item.get.is_some()),
                    (Method::POST, item.post.is_some()),
                    (Method::PUT, item.put.is_some()),
                    (Method::PATCH, item.patch.is_some()),
                    (Method::DELETE, item.delete.is_some()),
                ];
                for (method, present) in ops {
                    if present {
                        methods.push(method.to_string());
                    }
                }
                (actix_web::dev::ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        Self(routes)
    }
}

/// A path segment that does not parse (`/students/import` read as a student id) is a
/// resource that does not exist — unless a more specific route owns the path, which
/// then answers 405 with its methods.
fn path_error(_: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    match req.app_data::<web::Data<KnownRoutes>>() {
        Some(known) => known.refusal(req, "resource").into(),
        None => ApiError::not_found("resource").into(),
    }
}

/// Binds `listener` and returns the running server (not yet awaited).
pub fn serve(state: AppState, listener: TcpListener, workers: usize) -> std::io::Result<Server> {
    telemetry::init_metrics();
    let doc = openapi();
    let known = web::Data::new(KnownRoutes::from_doc(&doc));
    // Serialised once and shared by every worker: a copy of the document per worker
    // costs megabytes.
    let spec = web::Bytes::from(
        openapi_json(&doc)
            .and_then(|value| crate::document::to_text(&value, false))
            .map_err(std::io::Error::other)?,
    );
    drop(doc);
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        let app = App::new()
            .wrap(from_fn(idempotency))
            .wrap(from_fn(screen))
            .wrap(from_fn(cors))
            .wrap(from_fn(transport))
            .wrap(from_fn(observe))
            .wrap(Compress::default())
            .app_data(state.clone())
            .app_data(known.clone())
            .app_data(web::PathConfig::default().error_handler(path_error));
        let (app, _) = api_app!(app);
        let spec = spec.clone();
        app.route(
            "/openapi.json",
            web::get().to(move || {
                let spec = spec.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .body(spec)
                }
            }),
        )
        .service(
            SwaggerUi::new("/docs/{_:.*}")
                .config(SwaggerConfig::from("/openapi.json").validator_url("none")),
        )
        .service(web::redirect("/docs", "/docs/"))
        .configure(routes::parents_page::configure)
        .default_service(web::to(fallback))
    })
    .workers(workers)
    .shutdown_timeout(30)
    .listen(listener)?
    .run();
    Ok(server)
}
