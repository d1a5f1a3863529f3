//! `driehoek`: serve the API (default), migrate, load demo data, create a platform
//! key or print the OpenAPI document. Configuration comes from the environment or
//! the matching flags; bad configuration stops with one clear line.

use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use driehoek_api::seed;
use driehoek_api::startup::{self, Settings, WebhookSettings};
use driehoek_api::telemetry::{self, LogFormat};
use driehoek_api::webhook_worker::Worker;
use driehoek_domain::values::Name;

/// mimalloc instead of glibc's allocator. A request allocates and frees a few hundred
/// small blocks (rows, strings, buffers) across two worker threads; `perf` put glibc's
/// `malloc`/`free` at 44 µs of the server's 261 µs of CPU per work-visit search. How
/// it and C's malloc give memory back: [`driehoek_api::allocator`].
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "driehoek",
    version,
    about = "Driehoek: the open API for cities' education partnerships"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Where the data lives: sqlite:… (embedded default) or postgres://…
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://driehoek.db?mode=rwc",
        global = true
    )]
    database_url: String,
    /// Redis for rate limits, idempotency keys and caches; in-process twins without it.
    #[arg(long, env = "REDIS_URL", global = true)]
    redis_url: Option<String>,
    /// Milliseconds a Redis call may take before this node works without it.
    #[arg(
        long,
        env = "DRIEHOEK_REDIS_TIMEOUT_MS",
        default_value_t = 100,
        global = true
    )]
    redis_timeout_ms: u64,
    /// Address to listen on.
    #[arg(
        long,
        env = "DRIEHOEK_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    bind: String,
    /// Bootstrap platform-administrator key (at least 32 characters).
    #[arg(
        long,
        env = "DRIEHOEK_ADMIN_KEY",
        global = true,
        hide_env_values = true
    )]
    admin_key: Option<String>,
    /// Keys that seal webhook signing secrets at rest: base64 of 32 random bytes each
    /// (`openssl rand -base64 32`), comma-separated; the first seals, all open.
    #[arg(
        long,
        env = "DRIEHOEK_SECRETS_KEY",
        global = true,
        hide_env_values = true
    )]
    secrets_key: Option<String>,
    /// `text` (human-readable) or `json` (JSON lines).
    #[arg(
        long,
        env = "DRIEHOEK_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    log_format: LogFormat,
    /// HTTP worker threads; defaults to the number of cores.
    #[arg(long, env = "DRIEHOEK_WORKERS", global = true)]
    workers: Option<usize>,
    /// Default requests per minute per key (tenants may override).
    #[arg(
        long,
        env = "DRIEHOEK_RATE_LIMIT_PER_MINUTE",
        default_value_t = 1200,
        global = true
    )]
    rate_limit_per_minute: u32,
    /// Allow webhook URLs over plain http and to private or loopback addresses. For
    /// development and tests only: it lets a tenant make the server call into its own
    /// network.
    #[arg(
        long,
        env = "DRIEHOEK_WEBHOOK_ALLOW_PRIVATE",
        default_value_t = false,
        global = true
    )]
    webhook_allow_private: bool,
    /// Let tenants list `http://localhost:<port>` and `http://127.0.0.1:<port>` among
    /// their allowed origins (CORS). For development only: every page on the
    /// developer's machine could then call the API with a key it holds.
    #[arg(
        long,
        env = "DRIEHOEK_CORS_ALLOW_LOCALHOST",
        default_value_t = false,
        global = true
    )]
    cors_allow_localhost: bool,
    /// The API's public address, scheme and host (`https://api.driehoek.example`):
    /// credentials name their issuer, status lists and themselves under it, so it must
    /// stay the same for as long as they are to verify. Unset: the address each
    /// request came to (and `http://<bind>` for the demo data).
    #[arg(long, env = "DRIEHOEK_PUBLIC_URL", global = true)]
    public_url: Option<String>,
    /// Seconds one webhook delivery attempt may take.
    #[arg(
        long,
        env = "DRIEHOEK_WEBHOOK_TIMEOUT_SECS",
        default_value_t = 10,
        global = true
    )]
    webhook_timeout_secs: u64,
    /// Milliseconds between the webhook worker's looks for new changes.
    #[arg(
        long,
        env = "DRIEHOEK_WEBHOOK_POLL_MS",
        default_value_t = 1000,
        global = true
    )]
    webhook_poll_ms: u64,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve {
        /// Load the demo tenants first (idempotent).
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Load the demo tenants (Rotterdam, Leuven) and print a key per role.
    SeedDemo,
    /// Create a stored platform-administrator key and print it.
    CreateAdminKey {
        #[arg(long, default_value = "platform administrator")]
        name: String,
    },
    /// Print the OpenAPI document.
    Openapi,
}

fn settings(cli: &Cli) -> Result<(Settings, SocketAddr), String> {
    driehoek_infra::DatabaseKind::from_url(&cli.database_url)?;
    if let Some(key) = &cli.admin_key
        && key.chars().count() < 32
    {
        return Err("DRIEHOEK_ADMIN_KEY must be at least 32 characters".to_owned());
    }
    if cli.rate_limit_per_minute == 0 {
        return Err("DRIEHOEK_RATE_LIMIT_PER_MINUTE must be at least 1".to_owned());
    }
    let bind: SocketAddr = cli.bind.parse().map_err(|_| {
        format!(
            "DRIEHOEK_BIND must be an address such as 127.0.0.1:8080, got '{}'",
            cli.bind
        )
    })?;
    if !(1..=60).contains(&cli.webhook_timeout_secs) {
        return Err("DRIEHOEK_WEBHOOK_TIMEOUT_SECS must be 1 to 60".to_owned());
    }
    if !(1..=10_000).contains(&cli.redis_timeout_ms) {
        return Err("DRIEHOEK_REDIS_TIMEOUT_MS must be 1 to 10000".to_owned());
    }
    if !(10..=60_000).contains(&cli.webhook_poll_ms) {
        return Err("DRIEHOEK_WEBHOOK_POLL_MS must be 10 to 60000".to_owned());
    }
    let settings = Settings {
        webhooks: WebhookSettings {
            allow_private: cli.webhook_allow_private,
            timeout: Duration::from_secs(cli.webhook_timeout_secs),
            poll_interval: Duration::from_millis(cli.webhook_poll_ms),
            ..WebhookSettings::default()
        },
        database_url: cli.database_url.clone(),
        redis_url: cli.redis_url.clone().filter(|u| !u.is_empty()),
        redis_timeout: Duration::from_millis(cli.redis_timeout_ms),
        admin_key: cli.admin_key.clone(),
        secrets: driehoek_infra::Sealer::from_config(cli.secrets_key.as_deref().unwrap_or(""))?,
        rate_limit_per_minute: cli.rate_limit_per_minute,
        clock: driehoek_domain::clock::SystemClock::shared(),
        cors_allow_localhost: cli.cors_allow_localhost,
        public_url: match cli.public_url.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(url) => Some(public_url(url)?),
        },
        workers: match cli.workers {
            Some(0) => return Err("DRIEHOEK_WORKERS must be at least 1".to_owned()),
            Some(n) => n,
            None => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
        },
    };
    Ok((settings, bind))
}

/// The address the demo's credentials are issued under.
fn demo_base(settings: &Settings, bind: SocketAddr) -> String {
    settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{bind}"))
}

/// `DRIEHOEK_PUBLIC_URL` checked: an http(s) origin with no path, query or fragment.
fn public_url(raw: &str) -> Result<String, String> {
    let url = url::Url::parse(raw).map_err(|e| format!("DRIEHOEK_PUBLIC_URL: {e}"))?;
    let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() || !bare {
        return Err(
            "DRIEHOEK_PUBLIC_URL must be an http(s) address with no path, such as https://api.driehoek.example"
                .to_owned(),
        );
    }
    Ok(url.origin().ascii_serialization())
}

/// The demo's keys, tokens and links; `base` starts the links (`http://host:port`).
fn print_keys(keys: &[seed::DemoKey], base: &str) {
    if keys.is_empty() {
        println!(
            "Demo tenants already present; their keys were printed when they were first loaded."
        );
        println!(
            "Make new ones with POST /v1/tenants/{{tenant}}/api-keys using DRIEHOEK_ADMIN_KEY."
        );
        return;
    }
    println!("Demo keys (shown once):");
    for key in keys {
        let secret = if key.secret.starts_with('/') {
            format!("{base}{}", key.secret)
        } else {
            key.secret.clone()
        };
        println!(
            "  {:<10} {:<11} {secret}  # {}",
            key.tenant, key.role, key.name
        );
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    if matches!(cli.command, Some(Command::Openapi)) {
        let doc = startup::openapi_json(&startup::openapi())
            .and_then(|doc| driehoek_api::document::to_text(&doc, true))
            .map_err(|e| e.to_string())?;
        println!("{doc}");
        return Ok(());
    }
    let (settings, bind) = settings(&cli)?;
    match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Migrate => {
            let database = driehoek_infra::Database::connect(&settings.database_url).await?;
            database.migrate().await?;
            println!("migrations applied");
        }
        Command::SeedDemo => {
            let state = startup::connect(&settings).await?;
            print_keys(
                &seed::seed_demo(&state, &demo_base(&settings, bind))
                    .await
                    .map_err(|e| e.to_string())?,
                &format!("http://{bind}"),
            );
        }
        Command::CreateAdminKey { name } => {
            let state = startup::connect(&settings).await?;
            let name = Name::parse(&name).map_err(|e| format!("--name {e}"))?;
            let (key, secret) = state
                .api_keys
                .create_platform_key(name)
                .await
                .map_err(|e| e.to_string())?;
            println!("{secret}");
            eprintln!(
                "platform-administrator key {} created; store it now, it is not shown again",
                key.id
            );
        }
        Command::Serve { demo } => {
            let state = startup::connect(&settings).await?;
            if demo {
                print_keys(
                    &seed::seed_demo(&state, &demo_base(&settings, bind))
                        .await
                        .map_err(|e| e.to_string())?,
                    &format!("http://{bind}"),
                );
            }
            let listener =
                TcpListener::bind(bind).map_err(|e| format!("cannot listen on {bind}: {e}"))?;
            let worker = Worker::spawn(state.clone(), settings.webhooks.poll_interval);
            let server =
                startup::serve(state, listener, settings.workers).map_err(|e| e.to_string())?;
            println!("Driehoek listens on http://{bind}  (API docs: http://{bind}/docs)");
            if !settings.secrets.seals() {
                tracing::warn!(
                    "no DRIEHOEK_SECRETS_KEY: webhook signing secrets are stored unsealed"
                );
            }
            if settings.admin_key.is_none() {
                println!(
                    "No DRIEHOEK_ADMIN_KEY set: run `driehoek create-admin-key` for a platform key, or use the demo keys."
                );
            }
            let served = server.await.map_err(|e| e.to_string());
            worker.stop(Duration::from_secs(15)).await;
            served?;
        }
        Command::Openapi => {}
    }
    Ok(())
}

#[actix_web::main]
async fn main() -> ExitCode {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        driehoek_api::allocator::return_freed_pages_promptly();
    }
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        driehoek_api::allocator::share_c_arenas(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        );
    }
    let cli = Cli::parse();
    let level = match cli.command {
        None | Some(Command::Serve { .. }) => "info",
        Some(_) => "warn",
    };
    telemetry::init_logging(cli.log_format, level);
    let outcome = run(cli).await;
    telemetry::flush_logs();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("driehoek: {message}");
            ExitCode::from(2)
        }
    }
}
