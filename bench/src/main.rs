//! `driehoek-bench`: measures the API against the database doing the same query.
//!
//! One run: make a fresh database, seed `--tenants` tenants through the real domain
//! services (schools of mixed kinds, one stored integrator key per tenant), start the
//! release server as its own process on that database, drive it with `--concurrency`
//! HTTP clients for `--duration` seconds per scenario, then run each scenario's SQL
//! directly at the same concurrency — through a plain connection pool and, on
//! PostgreSQL, with `pgbench` and a custom script — and read the server's peak memory.
//!
//! Scenarios: `list_schools` (`?kind=secondary&limit=50`, one page of a filtered list)
//! and `get_school` (one school by id). Requests pick a random tenant and, for
//! `get_school`, a random school of it.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Parser;
use driehoek_api::startup::Settings;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use uuid::Uuid;

mod credentials;
mod direct;
mod faults;
mod http1;
mod placements;
mod platform;
mod recommendations;
mod route_maps;
mod schools;
mod seeding;
mod stats;
mod students;
mod webhooks;
mod work_visits;

#[derive(Parser, Debug, Clone)]
#[command(about = "Benchmark the Driehoek API against its database")]
struct Args {
    /// `sqlite` (a fresh file under /tmp) or a PostgreSQL server URL (a fresh database is made on it).
    #[arg(long, default_value = "sqlite")]
    database: String,
    #[arg(long, default_value_t = 1)]
    tenants: usize,
    /// Schools per tenant; a third are secondary schools.
    #[arg(long, default_value_t = 300)]
    schools_per_tenant: usize,
    /// Concurrent clients, for the API and for the direct queries alike.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Seconds per scenario and side.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// The server binary (build it with `cargo build --release -p driehoek-api`).
    #[arg(long, default_value = "target/release/driehoek")]
    server_bin: PathBuf,
    #[arg(long, default_value_t = 18181)]
    port: u16,
    /// `schools` (list and read schools over many tenants), `work-visits` (partner
    /// sync, search over many offerings, booking throughput), `students` (list a
    /// school's pupils, add a portfolio entry, export a pupil) or `route-maps` (import
    /// a 20 000-node map, search routes), `webhooks` (delivery throughput and lag),
    /// `platform` (the cost of rate limits and idempotency keys, in process and Redis)
    /// `stats` (the city's figures for a year), `faults` (large bodies at once, and
    /// reads while Redis fails) or `recommendations` (a pupil's list over 10 000
    /// offerings with `--work-visits 10000`) or `placements` (a class of 30 over 12
    /// slots and a year of 300 over 60) or `credentials` (issuing, verifying, the
    /// status list).
    #[arg(long, default_value = "schools")]
    suite: String,
    /// Work visits the `work-visits` suite syncs in before searching (a multiple of 1 000).
    #[arg(long, default_value_t = 100_000)]
    work_visits: usize,
    /// Pupils per school in the `students` suite (its schools: `--schools-per-tenant`).
    #[arg(long, default_value_t = 1000)]
    students_per_school: usize,
    /// Nodes and edges of the map the `route-maps` suite generates.
    #[arg(long, default_value_t = 20_000)]
    nodes: usize,
    #[arg(long, default_value_t = 100_000)]
    edges: usize,
    /// Changes the `webhooks` suite delivers from a backlog.
    #[arg(long, default_value_t = 5_000)]
    deliveries: usize,
    /// The Redis the `platform` suite measures against (skipped when unreachable).
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    redis: String,
}

/// Latencies of one scenario run, and how long it ran.
struct Measurement {
    micros: Vec<u64>,
    errors: u64,
    elapsed: Duration,
}

impl Measurement {
    fn throughput(&self) -> f64 {
        self.micros.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.micros.clone();
        sorted.sort_unstable();
        if sorted.is_empty() {
            return 0.0;
        }
        let index = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
        sorted[index.min(sorted.len() - 1)] as f64 / 1000.0
    }
}

fn pick(seed: &mut u64, n: usize) -> usize {
    // xorshift: cheap, good enough to spread requests over tenants and schools.
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    (*seed % n as u64) as usize
}

/// Calls `op` from `args.concurrency` workers until `args.duration` is up, timing each
/// call that answers `true` and counting the others as errors. `op` gets a fresh
/// pseudo-random number per call to pick what it asks for.
async fn drive<F, Fut>(args: &Args, op: F) -> Measurement
where
    F: Fn(u64) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    drive_with(
        args,
        || (),
        move |(), random| {
            let call = op(random);
            async move { ((), call.await) }
        },
    )
    .await
}

/// [`drive`] with a state of each worker's own (a connection), made by `start` and
/// passed through every call of that worker.
async fn drive_with<S, N, F, Fut>(args: &Args, start: N, op: F) -> Measurement
where
    S: Send + 'static,
    N: Fn() -> S,
    F: Fn(S, u64) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = (S, bool)> + Send,
{
    let deadline = Instant::now() + Duration::from_secs(args.duration);
    let started = Instant::now();
    let workers = (0..args.concurrency)
        .map(|worker| {
            let (op, mut state) = (op.clone(), start());
            tokio::spawn(async move {
                let mut seed = 0x9E37_79B9_7F4A_7C15_u64 ^ (worker as u64 + 1);
                let (mut micros, mut errors) = (Vec::new(), 0u64);
                while Instant::now() < deadline {
                    let random = pick(&mut seed, usize::MAX) as u64;
                    let sent = Instant::now();
                    let (next, answered) = op(state, random).await;
                    state = next;
                    if answered {
                        micros.push(sent.elapsed().as_micros() as u64);
                    } else {
                        errors += 1;
                    }
                }
                (micros, errors)
            })
        })
        .collect();
    collect(workers, started).await
}

/// Drives `GET`s over [`http1`] keep-alive connections, one per worker: `request`
/// names the target and the key for a random number, `check` judges a 2xx answer's
/// body. A failed connection is opened again on the worker's next call.
async fn drive_gets<R, C>(args: &Args, base: &str, request: R, check: C) -> Measurement
where
    R: Fn(u64) -> (String, Arc<str>) + Send + Sync + 'static,
    C: Fn(&[u8]) -> bool + Send + Sync + 'static,
{
    let shared = Arc::new((base.to_owned(), request, check));
    drive_with(
        args,
        || None,
        move |connection: Option<http1::Connection>, random| {
            let shared = shared.clone();
            async move {
                let (base, request, check) = &*shared;
                let mut connection = match connection {
                    Some(connection) => connection,
                    None => match http1::Connection::open(base).await {
                        Ok(connection) => connection,
                        Err(_) => return (None, false),
                    },
                };
                let (target, key) = request(random);
                let answered = match connection.get(&target, &key).await {
                    Ok((status, body)) => (200..300).contains(&status) && check(body),
                    Err(_) => return (None, false),
                };
                (Some(connection), answered)
            }
        },
    )
    .await
}

/// Whether the PostgreSQL server runs without autovacuum: then nothing keeps the
/// planner's statistics and the harness must `ANALYZE` after loading data.
async fn autovacuum_off(db: &DatabaseConnection) -> Result<bool> {
    let setting = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT current_setting('autovacuum') AS setting",
        ))
        .await?
        .and_then(|row| row.try_get::<String>("", "setting").ok());
    Ok(setting.as_deref() == Some("off"))
}

async fn fresh_database(spec: &str) -> Result<(String, Option<String>)> {
    if spec == "sqlite" {
        let path = format!("/tmp/driehoek-bench-{}.db", Uuid::now_v7().simple());
        return Ok((format!("sqlite://{path}?mode=rwc"), None));
    }
    let name = format!("dh_bench_{}", Uuid::now_v7().simple());
    let admin = sea_orm::Database::connect(spec)
        .await
        .context("connect to PostgreSQL")?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    // Connection parameters after the database's name (`?sslmode=disable`) are kept.
    let (location, parameters) = spec.split_once('?').unwrap_or((spec, ""));
    let (server, _) = location
        .rsplit_once('/')
        .context("the PostgreSQL URL names a database")?;
    let parameters = if parameters.is_empty() {
        String::new()
    } else {
        format!("?{parameters}")
    };
    Ok((format!("{server}/{name}{parameters}"), Some(name)))
}

fn start_server(args: &Args, database_url: &str) -> Result<Child> {
    start_server_with(args, database_url, &[])
}

/// The server with extra environment variables.
fn start_server_with(args: &Args, database_url: &str, env: &[(&str, &str)]) -> Result<Child> {
    let child = Command::new(&args.server_bin)
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("DRIEHOEK_BIND", format!("127.0.0.1:{}", args.port))
        .env("DRIEHOEK_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        // Counted on every request as in production, but never refused under load.
        .env("DRIEHOEK_RATE_LIMIT_PER_MINUTE", "100000000")
        .env_remove("REDIS_URL")
        .env_remove("DRIEHOEK_ADMIN_KEY")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| {
            format!(
                "start {} (build it with cargo build --release -p driehoek-api)",
                args.server_bin.display()
            )
        })?;
    Ok(child)
}

async fn wait_ready(http: &reqwest::Client, base: &str, server: &mut Child) -> Result<()> {
    for _ in 0..100 {
        if let Some(status) = server.try_wait()? {
            bail!("the server exited ({status}); is the port taken by another run?");
        }
        if let Ok(response) = http.get(format!("{base}/health/ready")).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the server did not become ready")
}

async fn collect(
    workers: Vec<tokio::task::JoinHandle<(Vec<u64>, u64)>>,
    started: Instant,
) -> Measurement {
    let mut micros = Vec::new();
    let mut errors = 0;
    for result in futures_util::future::join_all(workers).await {
        match result {
            Ok((m, e)) => {
                micros.extend(m);
                errors += e;
            }
            Err(_) => errors += 1,
        }
    }
    Measurement {
        micros,
        errors,
        elapsed: started.elapsed(),
    }
}

/// Runs `pgbench` on `script` at the harness's concurrency and duration, with
/// `values` defined for its `:name` variables: throughput and average latency (ms),
/// or `None` when pgbench is not installed.
fn pgbench_script(
    database_url: &str,
    script: &str,
    name: &str,
    values: &[(String, String)],
    args: &Args,
) -> Result<Option<(f64, f64)>> {
    if Command::new("pgbench").arg("--version").output().is_err() {
        return Ok(None);
    }
    let path = format!("/tmp/driehoek-pgbench-{name}.sql");
    std::fs::write(&path, script)?;
    let output = Command::new("pgbench")
        .args([
            "-n",
            "-M",
            "prepared",
            "-c",
            &args.concurrency.to_string(),
            "-j",
            "2",
            "-T",
            &args.duration.to_string(),
            "-f",
            &path,
        ])
        .args(
            values
                .iter()
                .flat_map(|(name, value)| ["-D".to_owned(), format!("{name}={value}")]),
        )
        .arg(database_url)
        .output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let tps = text
        .lines()
        .find(|l| l.starts_with("tps"))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|v| v.parse::<f64>().ok());
    let latency = text
        .lines()
        .find(|l| l.starts_with("latency average"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse::<f64>().ok());
    Ok(tps.zip(latency))
}

/// Creates a tenant through a server started with `admin` as its bootstrap key, and a
/// city administrator's key for it.
async fn city_over_http(
    http: &reqwest::Client,
    base: &str,
    admin: &str,
    slug: &str,
) -> Result<String> {
    let post = |path: String, key: &str, body: serde_json::Value| {
        http.post(format!("{base}{path}"))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };
    post("/v1/tenants".to_owned(), admin,
         serde_json::json!({"slug": slug, "name": format!("Gemeente {slug}"), "country": "NL", "locale": "nl-NL", "timezone": "Europe/Amsterdam"}))
        .await?.error_for_status()?;
    let key: serde_json::Value = post(
        format!("/v1/tenants/{slug}/api-keys"),
        admin,
        serde_json::json!({"name": "bench", "role": "city_admin"}),
    )
    .await?
    .error_for_status()?
    .json()
    .await?;
    key["key"]
        .as_str()
        .map(str::to_owned)
        .context("the new key")
}

/// Prints the server's peak memory, stops it and returns the suite's result.
fn finish(mut server: Child, result: Result<()>, suite: &str) -> Result<()> {
    let peak = peak_rss_mib(server.id())
        .map(|m| format!("{m:.1} MiB"))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("\nserver peak memory (VmHWM): {peak}");
    let _ = server.kill();
    let _ = server.wait();
    result.with_context(|| format!("the {suite} suite"))
}

/// CPU time (user and system, in seconds) used so far by the server, the database
/// server's processes and the load generator (this harness, and the pgbench runs it
/// waited for), read from `/proc` (Linux). Exited processes count through their
/// parent's children's times: pgbench through this harness's, PostgreSQL's closed
/// backends through the postmaster's. SQLite runs inside its client, so there its work
/// is the server's (API) or the load generator's (direct) and "database" stays 0.
#[derive(Clone, Copy, Default)]
pub(crate) struct CpuTimes {
    server: f64,
    database: f64,
    load: f64,
}

impl CpuTimes {
    pub(crate) fn now(server_pid: u32) -> Option<Self> {
        let harness = std::process::id();
        let mut times = Self::default();
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
                continue;
            };
            let command = &stat[open + 1..close];
            // utime, stime, cutime and cstime: fields 14 to 17 of proc_pid_stat(5), in
            // clock ticks of 1/100 s (USER_HZ on Linux).
            let ticks: f64 = stat[close + 1..]
                .split_whitespace()
                .skip(11)
                .take(4)
                .filter_map(|v| v.parse::<f64>().ok())
                .sum();
            let seconds = ticks / 100.0;
            if pid == server_pid {
                times.server += seconds;
            } else if command == "postgres" {
                times.database += seconds;
            } else if pid == harness {
                times.load += seconds;
            }
        }
        Some(times)
    }

    /// Milliseconds of each side's CPU per request, from `earlier` to now.
    pub(crate) fn per_request(self, earlier: Self, requests: f64) -> String {
        let ms = |now: f64, then: f64| (now - then) * 1000.0 / requests.max(1.0);
        format!(
            "{:.3} | {:.3} | {:.3}",
            ms(self.server, earlier.server),
            ms(self.database, earlier.database),
            ms(self.load, earlier.load)
        )
    }
}

/// The table of each side's CPU per request, as `CpuTimes::per_request` gives it.
pub(crate) fn print_cpu(cpu: &[(&str, &str, String)]) {
    if cpu.is_empty() {
        return;
    }
    println!("\n| CPU per request, ms | side | server | database | load generator |");
    println!("|---|---|---:|---:|---:|");
    for (scenario, side, split) in cpu {
        println!("| {scenario} | {side} | {split} |");
    }
}

fn peak_rss_mib(pid: u32) -> Option<f64> {
    status_mib(pid, "VmHWM:")
}

/// The resident memory of process `pid` now, in MiB.
fn rss_mib(pid: u32) -> Option<f64> {
    status_mib(pid, "VmRSS:")
}

/// A memory figure of `/proc/{pid}/status` (`VmHWM:`, `VmRSS:`), in MiB.
fn status_mib(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let (database_url, pg_name) = fresh_database(&args.database).await?;
    if [
        "work-visits",
        "students",
        "route-maps",
        "recommendations",
        "placements",
        "webhooks",
        "platform",
        "stats",
        "faults",
        "credentials",
    ]
    .contains(&args.suite.as_str())
    {
        let result = match args.suite.as_str() {
            "platform" => platform::run(&args, &database_url, pg_name.is_some()).await,
            "webhooks" => webhooks::run(&args, &database_url, pg_name.is_some()).await,
            "students" => students::run(&args, &database_url, pg_name.is_some()).await,
            "stats" => stats::run(&args, &database_url, pg_name.is_some()).await,
            "faults" => faults::run(&args, &database_url, pg_name.is_some()).await,
            "credentials" => credentials::run(&args, &database_url, pg_name.is_some()).await,
            "route-maps" => route_maps::run(&args, &database_url, pg_name.is_some()).await,
            "placements" => placements::run(&args, &database_url, pg_name.is_some()).await,
            "recommendations" => {
                recommendations::run(&args, &database_url, pg_name.is_some()).await
            }
            _ => work_visits::run(&args, &database_url, pg_name.is_some()).await,
        };
        drop_database(&args, pg_name).await?;
        return result;
    }
    schools::run(&args, &database_url, pg_name).await
}

/// The settings the suites seed through: the domain services on `database_url`, one
/// node, no limits, the system clock.
fn services_settings(database_url: &str) -> Settings {
    Settings {
        database_url: database_url.to_owned(),
        redis_url: None,
        redis_timeout: std::time::Duration::from_millis(100),
        admin_key: None,
        workers: 1,
        rate_limit_per_minute: 1_000_000,
        secrets: Default::default(),
        webhooks: driehoek_api::startup::WebhookSettings::default(),
        clock: driehoek_domain::clock::SystemClock::shared(),
        cors_allow_localhost: false,
        public_url: None,
    }
}

async fn drop_database(args: &Args, pg_name: Option<String>) -> Result<()> {
    if let Some(name) = pg_name {
        let admin = sea_orm::Database::connect(args.database.as_str()).await?;
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await;
    }
    Ok(())
}
