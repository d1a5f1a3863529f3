//! The black-box harness: [`TestApp::spawn`] starts the real server on a random port
//! against a fresh database — a new SQLite file, or a new PostgreSQL database when
//! `DATABASE_URL` points at a PostgreSQL server — and hands out typed clients.
//! A failed set-up step panics: in a test harness the panic is the failure report.
//!
//! Each app runs on a [`TestClock`] of its own: ticking from the system time, or from
//! `DRIEHOEK_TEST_NOW` (an RFC 3339 instant) when set, so the whole suite can run on
//! another date (`.ci/run` runs it on 2027-06-01 and 2030-01-01). Tests write dates
//! relative to it ([`TestApp::at`], [`TestApp::day`], [`TestApp::born`]) and move it
//! to test the rules that depend on time.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::net::TcpListener;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, Utc};
use driehoek_api::startup::{self, Settings};
use driehoek_domain::clock::TestClock;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

pub mod proxy;
pub mod receiver;

pub const ADMIN_KEY: &str = "test-admin-key-0123456789abcdefghijklmnop";

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    /// The server's database, for tests that inspect what no endpoint shows yet.
    pub database_url: String,
    _dir: std::sync::Arc<tempfile::TempDir>,
    /// How this node was set up.
    node: Node,
    /// The node's webhook worker, until a test stops it.
    worker: std::sync::Arc<std::sync::Mutex<Option<driehoek_api::webhook_worker::Worker>>>,
    /// The clock the server's services read, shared by every node of the app.
    pub clock: Arc<TestClock>,
}

/// Where a test app's clock starts: `DRIEHOEK_TEST_NOW` when set, else now.
fn starting_time() -> DateTime<Utc> {
    match std::env::var("DRIEHOEK_TEST_NOW") {
        Ok(text) if !text.is_empty() => DateTime::parse_from_rfc3339(&text)
            .expect("DRIEHOEK_TEST_NOW is an RFC 3339 instant")
            .with_timezone(&Utc),
        _ => driehoek_domain::clock::SystemClock::shared().now(),
    }
}

/// Webhook settings for tests: receivers listen on 127.0.0.1, and the worker polls
/// and retries in milliseconds rather than seconds.
pub fn test_webhooks() -> driehoek_api::startup::WebhookSettings {
    driehoek_api::startup::WebhookSettings {
        allow_private: true,
        timeout: std::time::Duration::from_secs(3),
        poll_interval: std::time::Duration::from_millis(25),
        first_retry: std::time::Duration::from_millis(50),
    }
}

/// One row of a tenant's change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    pub seq: i64,
    pub resource: String,
    pub id: String,
    pub op: String,
    pub version: i64,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The problem `code`, for error responses.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// The JSON Pointers of a problem's `errors[]`, in order.
    pub fn pointers(&self) -> Vec<&str> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| e["pointer"].as_str())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn id(&self) -> String {
        self.body["id"].as_str().unwrap_or_default().to_owned()
    }
}

/// A key of one role in one tenant.
#[derive(Clone)]
pub struct Key(pub String);

async fn database_url(dir: &tempfile::TempDir) -> String {
    match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            use sea_orm::ConnectionTrait;
            let name = format!("dh_test_{}", Uuid::now_v7().simple());
            let admin = sea_orm::Database::connect(url.as_str())
                .await
                .expect("connect to the PostgreSQL server");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create a test database");
            let (server, _) = url.rsplit_once('/').expect("DATABASE_URL names a database");
            format!("{server}/{name}")
        }
        _ => format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display()),
    }
}

/// How one node of a test app is set up.
#[derive(Clone)]
struct Node {
    webhooks: driehoek_api::startup::WebhookSettings,
    secrets: driehoek_infra::Sealer,
    clock: Arc<TestClock>,
    /// `REDIS_URL` unless a test puts a proxy in between.
    redis_url: Option<String>,
    /// `DRIEHOEK_CORS_ALLOW_LOCALHOST`.
    local_origins: bool,
}

impl Node {
    fn new(webhooks: driehoek_api::startup::WebhookSettings, at: DateTime<Utc>) -> Self {
        Self {
            webhooks,
            secrets: driehoek_infra::Sealer::default(),
            clock: TestClock::running_from(at),
            redis_url: redis_url(),
            local_origins: false,
        }
    }

    fn settings(&self, database_url: &str) -> Settings {
        Settings {
            database_url: database_url.to_owned(),
            redis_url: self.redis_url.clone(),
            redis_timeout: std::time::Duration::from_millis(100),
            admin_key: Some(ADMIN_KEY.to_owned()),
            workers: 1,
            rate_limit_per_minute: 1_000_000,
            webhooks: self.webhooks.clone(),
            secrets: self.secrets.clone(),
            clock: self.clock.clone(),
            cors_allow_localhost: self.local_origins,
            public_url: None,
        }
    }
}

/// `REDIS_URL`, when set and not empty.
pub fn redis_url() -> Option<String> {
    std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty())
}

/// Whether a claim that needs Redis can be tested here: without `REDIS_URL` it is
/// said on stderr to be skipped; with it, it is recorded ([`record_claim`]).
pub fn redis_claim(claim: &str) -> bool {
    if redis_url().is_none() {
        eprintln!("SKIPPED without Redis (no REDIS_URL): the claim '{claim}'");
        return false;
    }
    record_claim(claim);
    true
}

/// Whether a claim that needs PostgreSQL can be tested here, as [`redis_claim`].
pub fn postgres_claim(claim: &str) -> bool {
    if !std::env::var("DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        eprintln!("SKIPPED without PostgreSQL (DATABASE_URL): the claim '{claim}'");
        return false;
    }
    record_claim(claim);
    true
}

/// Debian's Chromium, for a claim that needs a real browser: without it the claim is
/// said on stderr to be skipped; with it, it is recorded ([`record_claim`]).
pub fn browser_claim(claim: &str) -> Option<std::path::PathBuf> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(std::path::PathBuf::from)
        .find(|path| path.exists());
    if found.is_none() {
        eprintln!("SKIPPED without Chromium (apt-get install chromium): the claim '{claim}'");
        return None;
    }
    record_claim(claim);
    found
}

/// Debian's Chromium driven through its ChromeDriver (WebDriver), for a claim that
/// needs clicks in a real browser: `None` (said on stderr) without them.
pub fn webdriver_claim(claim: &str) -> Option<(std::path::PathBuf, std::path::PathBuf)> {
    let driver = std::path::PathBuf::from("/usr/bin/chromedriver");
    if !driver.exists() {
        eprintln!(
            "SKIPPED without ChromeDriver (apt-get install chromium-driver): the claim '{claim}'"
        );
        return None;
    }
    browser_claim(claim).map(|browser| (browser, driver))
}

/// A headless Chromium session through a ChromeDriver of its own, on a free port, with
/// a fresh profile and none of the browser's calls home. Ends with [`Browser::close`].
pub struct Browser {
    pub client: fantoccini::Client,
    driver: std::process::Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start(browser: &std::path::Path, driver: &std::path::Path) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = std::process::Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().expect("a browser profile");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": browser.display().to_string(),
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                         "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync",
                         "--window-size=420,1400",
                         format!("--user-data-dir={}", profile.path().display())],
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        // The WebDriver client's TLS stack needs its crypto named (it speaks plain HTTP
        // to the local driver, but builds the connector anyway).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut last = None;
        for _ in 0..100 {
            let mut connector = fantoccini::ClientBuilder::rustls().expect("a TLS connector");
            match connector.capabilities(caps.clone()).connect(&url).await {
                Ok(client) => {
                    return Self {
                        client,
                        driver,
                        _profile: profile,
                    };
                }
                Err(error) => last = Some(error),
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("ChromeDriver did not answer: {last:?}");
    }

    pub async fn close(mut self) {
        let _ = self.client.close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The document `url` leaves once its scripts ran, as headless Chromium renders it,
/// with a fresh profile and none of its calls home.
pub async fn rendered_dom(chromium: &std::path::Path, url: &str) -> String {
    let profile = tempfile::tempdir().expect("a browser profile");
    let mut command = std::process::Command::new(chromium);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=20000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("the browser's thread")
        .expect("Chromium runs");
    drop(profile);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Appends `claim` to the file `DRIEHOEK_REDIS_CLAIMS` names (when set), so `.ci/run`
/// can tell that every such claim ran in its PostgreSQL + Redis pass.
fn record_claim(claim: &str) {
    if let Ok(report) = std::env::var("DRIEHOEK_REDIS_CLAIMS") {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(report)
            .expect("the claims report");
        writeln!(file, "{claim}").expect("a claim written");
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_node_of(Node::new(test_webhooks(), starting_time())).await
    }

    /// A server whose clock starts at `at` (and ticks on from there), whatever
    /// `DRIEHOEK_TEST_NOW` says.
    pub async fn spawn_at(at: DateTime<Utc>) -> Self {
        Self::spawn_node_of(Node::new(test_webhooks(), at)).await
    }

    /// A server with its own webhook settings (say, private targets refused, as in
    /// production).
    pub async fn spawn_with(webhooks: driehoek_api::startup::WebhookSettings) -> Self {
        Self::spawn_node_of(Node::new(webhooks, starting_time())).await
    }

    /// A server whose operator lets tenants list `http://localhost` origins
    /// (`DRIEHOEK_CORS_ALLOW_LOCALHOST`), as a developer's machine does.
    pub async fn spawn_with_local_origins() -> Self {
        let node = Node {
            local_origins: true,
            ..Node::new(test_webhooks(), starting_time())
        };
        Self::spawn_node_of(node).await
    }

    /// Another node on this one's database whose operator withdrew the local-origins
    /// flag (or never gave it).
    pub async fn spawn_node_without_local_origins(&self) -> Self {
        let node = Node {
            local_origins: false,
            ..self.node.clone()
        };
        Self::start(self.database_url.clone(), self._dir.clone(), node).await
    }

    /// A server on a fresh database with `node`'s set-up.
    async fn spawn_node_of(node: Node) -> Self {
        driehoek_api::telemetry::init_logging(driehoek_api::telemetry::LogFormat::Text, "info");
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = database_url(&dir).await;
        Self::start(database_url, std::sync::Arc::new(dir), node).await
    }

    /// Stops this node's webhook worker, as a shutdown does; the API keeps serving.
    pub async fn stop_webhook_worker(&self) {
        let worker = self.worker.lock().expect("worker lock").take();
        if let Some(worker) = worker {
            worker.stop(std::time::Duration::from_secs(10)).await;
        }
    }

    /// A second API node on this one's database (and Redis, when `REDIS_URL` is set):
    /// what two machines behind a load balancer share.
    pub async fn spawn_node(&self) -> Self {
        Self::start(
            self.database_url.clone(),
            self._dir.clone(),
            self.node.clone(),
        )
        .await
    }

    /// Another node on this one's database that seals webhook secrets with `keys`
    /// (`DRIEHOEK_SECRETS_KEY`'s form), as a restart with a new configuration does.
    pub async fn spawn_node_sealing_with(&self, keys: &str) -> Self {
        let node = Node {
            secrets: driehoek_infra::Sealer::from_config(keys).expect("sealing keys"),
            ..self.node.clone()
        };
        Self::start(self.database_url.clone(), self._dir.clone(), node).await
    }

    /// Another node on this one's database that reaches Redis through `proxy` (a
    /// fault proxy's address).
    pub async fn spawn_node_via_redis(&self, proxy: std::net::SocketAddr) -> Self {
        let node = Node {
            redis_url: Some(format!("redis://{proxy}")),
            ..self.node.clone()
        };
        Self::start(self.database_url.clone(), self._dir.clone(), node).await
    }

    /// Another node on this one's PostgreSQL database that reaches the server through
    /// `proxy` (a fault proxy's address).
    pub async fn spawn_node_via_database(&self, proxy: std::net::SocketAddr) -> Self {
        let url = url::Url::parse(&self.database_url).expect("a database URL");
        let mut via = url.clone();
        via.set_ip_host(proxy.ip()).expect("an IP host");
        via.set_port(Some(proxy.port())).expect("a port");
        let node = Self::start(via.to_string(), self._dir.clone(), self.node.clone()).await;
        Self {
            database_url: self.database_url.clone(),
            ..node
        }
    }

    /// A second node for the claim `claim`, about nodes that share state through
    /// Redis. Without `REDIS_URL` a deployment is one node by definition: there is no
    /// second node, the claim is said to be untested here ([`redis_claim`]), and the
    /// test checks what one node can.
    pub async fn peer(&self, claim: &str) -> Option<Self> {
        if !redis_claim(claim) {
            return None;
        }
        Some(self.spawn_node().await)
    }

    async fn start(
        database_url: String,
        dir: std::sync::Arc<tempfile::TempDir>,
        node: Node,
    ) -> Self {
        let settings = node.settings(&database_url);
        let poll = settings.webhooks.poll_interval;
        let state = startup::connect(&settings).await.expect("connect");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let worker = driehoek_api::webhook_worker::Worker::spawn(state.clone(), poll);
        let server = startup::serve(state, listener, 1).expect("serve");
        tokio::spawn(server);
        Self {
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            database_url,
            _dir: dir,
            worker: std::sync::Arc::new(std::sync::Mutex::new(Some(worker))),
            clock: node.clock.clone(),
            node,
        }
    }

    /// Loads the demo data into the server's database, as `driehoek seed-demo` does;
    /// returns the keys it made as (tenant, role, secret).
    pub async fn seed_demo(&self) -> Vec<(String, String, Key)> {
        driehoek_api::seed::seed_demo(&self.services().await, &self.base)
            .await
            .expect("seed the demo")
            .into_iter()
            .map(|k| (k.tenant, k.role.to_owned(), Key(k.secret)))
            .collect()
    }

    /// The server's services on a connection of the test's own, for what no endpoint
    /// does (loading the demo, housekeeping the worker runs on its own schedule).
    pub async fn services(&self) -> driehoek_api::state::AppState {
        startup::connect(&self.node.settings(&self.database_url))
            .await
            .expect("connect")
    }

    /// The time on the server's clock.
    pub fn now(&self) -> DateTime<Utc> {
        driehoek_domain::clock::Clock::now(self.clock.as_ref())
    }

    /// `hour:minute` UTC on the day `days` after the clock's today (before it when
    /// negative), as RFC 3339: `2027-03-03T08:30:00Z`.
    pub fn at(&self, days: i64, hour: u32, minute: u32) -> String {
        let day = self.now().date_naive() + Duration::days(days);
        day.and_hms_opt(hour, minute, 0)
            .expect("a time of day")
            .and_utc()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    }

    /// The day `days` after the clock's today, as `YYYY-MM-DD`.
    pub fn day(&self, days: i64) -> String {
        (self.now().date_naive() + Duration::days(days))
            .format("%Y-%m-%d")
            .to_string()
    }

    /// Moves the server's clock on by `days` days (every node of the app).
    pub fn advance_days(&self, days: i64) {
        self.clock.advance(Duration::days(days));
    }

    /// The clock's year.
    pub fn year(&self) -> i32 {
        self.now().year()
    }

    /// The birth year of a pupil who is certainly `age` this year (born `age + 1`
    /// years before it).
    pub fn born(&self, age: i32) -> i32 {
        self.year() - age - 1
    }

    /// Opens a connection of the test's own to the server's database.
    pub async fn database(&self) -> sea_orm::DatabaseConnection {
        sea_orm::Database::connect(self.database_url.as_str())
            .await
            .expect("connect to the test database")
    }

    /// The tenant's change log in sequence order, read straight from the database
    /// (the change feed endpoint is not part of the API yet).
    pub async fn changes(&self, db: &sea_orm::DatabaseConnection, slug: &str) -> Vec<ChangeRow> {
        use driehoek_infra::db::entities::{changes, tenants};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let tenant = tenants::Entity::find()
            .filter(tenants::Column::Slug.eq(slug))
            .one(db)
            .await
            .expect("read tenant")
            .expect("tenant exists");
        changes::scoped(tenant.id)
            .order_by_asc(changes::Column::Seq)
            .all(db)
            .await
            .expect("read changes")
            .into_iter()
            .map(|c| ChangeRow {
                seq: c.seq,
                resource: c.resource,
                id: c.resource_id.to_string(),
                op: c.op,
                version: c.version,
            })
            .collect()
    }

    pub fn admin(&self) -> Key {
        Key(ADMIN_KEY.to_owned())
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        key: Option<&Key>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(key) = key {
            request = request.bearer_auth(&key.0);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Sends a body that is not JSON (a CSV roster), as `content_type`.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        key: &Key,
        content_type: &str,
        body: &str,
    ) -> Reply {
        let response = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(&key.0)
            .header("content-type", content_type)
            .body(body.to_owned())
            .send()
            .await
            .expect("request");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        Reply {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        }
    }

    pub async fn get(&self, path: &str, key: &Key) -> Reply {
        self.send(Method::GET, path, Some(key), None, &[]).await
    }

    pub async fn post(&self, path: &str, key: &Key, body: Value) -> Reply {
        self.send(Method::POST, path, Some(key), Some(body), &[])
            .await
    }

    pub async fn patch(&self, path: &str, key: &Key, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(key), Some(body), &[])
            .await
    }

    pub async fn put(&self, path: &str, key: &Key, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(key), Some(body), &[])
            .await
    }

    pub async fn delete(&self, path: &str, key: &Key) -> Reply {
        self.send(Method::DELETE, path, Some(key), None, &[]).await
    }

    /// Creates a tenant (as platform admin) and returns its slug.
    pub async fn tenant(&self, slug: &str, country: &str) -> String {
        let (locale, tz) = if country == "BE" {
            ("nl-BE", "Europe/Brussels")
        } else {
            ("nl-NL", "Europe/Amsterdam")
        };
        let reply = self
            .post(
                "/v1/tenants",
                &self.admin(),
                json!({"slug": slug, "name": format!("City of {slug}"), "country": country, "locale": locale, "timezone": tz}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        slug.to_owned()
    }

    /// Creates a key of `role` (bound to `binding` for school/business keys).
    pub async fn key(&self, tenant: &str, role: &str, binding: Option<(&str, &str)>) -> Key {
        let mut body = json!({"name": format!("{role} key"), "role": role});
        if let Some((field, id)) = binding {
            body[field] = json!(id);
        }
        let reply = self
            .post(
                &format!("/v1/tenants/{tenant}/api-keys"),
                &self.admin(),
                body,
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        Key(reply.body["key"].as_str().expect("secret").to_owned())
    }

    pub async fn school(&self, tenant: &str, name: &str) -> String {
        let reply = self
            .post(
                &format!("/v1/tenants/{tenant}/schools"),
                &self.admin(),
                json!({"name": name, "kind": "secondary", "education_levels": ["nl_havo"]}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply.id()
    }

    pub async fn business(&self, tenant: &str, name: &str) -> String {
        let reply = self
            .post(
                &format!("/v1/tenants/{tenant}/businesses"),
                &self.admin(),
                json!({"name": name, "kind": "company", "sectors": ["H"]}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply.id()
    }

    pub async fn programme(&self, tenant: &str, name: &str) -> String {
        let reply = self
            .post(
                &format!("/v1/tenants/{tenant}/programmes"),
                &self.admin(),
                json!({"name": name, "starts_on": self.day(-90)}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply.id()
    }

    /// A city's webhook endpoint, disabled so nothing is sent, with one test delivery
    /// waiting: (endpoint id, delivery id).
    pub async fn parked_webhook(&self, tenant: &str, city: &Key) -> (String, String) {
        let base = format!("/v1/tenants/{tenant}/webhooks");
        let created = self
            .post(
                &base,
                city,
                json!({"url": "http://127.0.0.1:9/parked", "events": ["*"], "description": "parked"}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
        let webhook = created.id();
        let disabled = self
            .patch(
                &format!("{base}/{webhook}"),
                city,
                json!({"status": "disabled"}),
            )
            .await;
        assert_eq!(disabled.status, StatusCode::OK, "{:?}", disabled.body);
        let test = self
            .post(&format!("{base}/{webhook}/test"), city, json!({}))
            .await;
        assert_eq!(test.status, StatusCode::ACCEPTED, "{:?}", test.body);
        (webhook, test.id())
    }

    /// Creates a work visit of `business` with `status` and returns its id.
    pub async fn work_visit(&self, tenant: &str, business: &str, status: &str) -> String {
        let reply = self
            .post(
                &format!("/v1/tenants/{tenant}/work-visits"),
                &self.admin(),
                json!({"business_id": business, "title": "Een ochtend in de haven", "format": "company_visit", "sectors": ["H"],
                       "min_age": 12, "max_age": 15, "group_size_min": 2, "group_size_max": 25, "online": false,
                       "location": {"street": "Wilhelminakade 909", "postal_code": "3072 AP", "city": "Rotterdam"}, "status": status}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply.id()
    }

    /// Adds a pupil to the school of `key` and returns its id.
    pub async fn student(
        &self,
        tenant: &str,
        key: &Key,
        external_ref: &str,
        display_name: &str,
        birth_year: i32,
    ) -> String {
        let reply = self
            .post(
                &format!("/v1/tenants/{tenant}/students"),
                key,
                json!({"external_ref": external_ref, "display_name": display_name, "birth_year": birth_year,
                       "grade": "2 havo", "education_level": "nl_havo"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        reply.id()
    }

    /// Records a consent decision for a pupil through `key`.
    /// A `pupil` or `guardian` token for `student`, made by the school's `key` (1 h).
    pub async fn access_token(&self, tenant: &str, key: &Key, student: &str, role: &str) -> Key {
        let reply = self
            .post(
                &format!("/v1/tenants/{tenant}/students/{student}/access-tokens"),
                key,
                json!({"role": role, "expires_in": 3600, "label": "test app"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        Key(reply.body["token"].as_str().expect("a token").to_owned())
    }

    pub async fn consent(
        &self,
        tenant: &str,
        key: &Key,
        student: &str,
        purpose: &str,
        status: &str,
    ) -> Reply {
        self.post(
            &format!("/v1/tenants/{tenant}/students/{student}/consents"),
            key,
            json!({"purpose": purpose, "status": status, "given_by": "guardian"}),
        )
        .await
    }

    /// A route map with `status` and a small graph (vmbo → mbo → an ICT occupation),
    /// made by the platform administrator; returns its id.
    pub async fn route_map(&self, tenant: &str, status: &str) -> String {
        let map = self
            .post(
                &format!("/v1/tenants/{tenant}/route-maps"),
                &self.admin(),
                json!({"name": "Leerroutekaart", "audience": "pupils"}),
            )
            .await;
        assert_eq!(map.status, StatusCode::CREATED, "{:?}", map.body);
        let id = map.id();
        let graph = self
            .put(
                &format!("/v1/tenants/{tenant}/route-maps/{id}/graph"),
                &self.admin(),
                small_graph(),
            )
            .await;
        assert_eq!(graph.status, StatusCode::OK, "{:?}", graph.body);
        if status != "draft" {
            let published = self
                .patch(
                    &format!("/v1/tenants/{tenant}/route-maps/{id}"),
                    &self.admin(),
                    json!({"status": status}),
                )
                .await;
            assert_eq!(published.status, StatusCode::OK, "{:?}", published.body);
        }
        id
    }

    /// Ids of every page of a collection, following `next_cursor`.
    pub async fn all_ids(&self, path: &str, key: &Key, limit: u32) -> Vec<String> {
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = match &cursor {
                Some(c) => format!("{path}{sep}limit={limit}&cursor={c}"),
                None => format!("{path}{sep}limit={limit}"),
            };
            let reply = self.get(&url, key).await;
            assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
            for item in reply.body["data"].as_array().expect("data") {
                ids.push(item["id"].as_str().expect("id").to_owned());
            }
            match reply.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return ids,
            }
        }
    }
}

/// Three nodes and two edges: vmbo-tl → mbo 4 software developer → ICT occupation.
pub fn small_graph() -> Value {
    json!({
        "nodes": [
            {"code": "vmbo", "kind": "education", "name": {"en": "VMBO theoretical track", "nl": "vmbo-tl"},
             "education_level": "nl_vmbo_tl"},
            {"code": "mbo", "kind": "education", "name": {"en": "Software developer (mbo 4)"},
             "education_level": "nl_mbo_4", "sector": "J",
             "prospects": [{"indicator": "job_chances", "value": 5, "region": "Rijnmond", "year": 2026, "source": "SBB"}]},
            {"code": "ict", "kind": "occupation", "name": {"en": "Software developer"}, "isco_code": "2512", "sector": "J",
             "prospects": [{"indicator": "job_chances", "value": 4}]}
        ],
        "edges": [
            {"from": "vmbo", "to": "mbo", "kind": "progression", "typical_years": 3},
            {"from": "mbo", "to": "ict", "kind": "qualifies_for", "conditions": "mbo 4 diploma"}
        ]
    })
}

/// How many days after the clock's today the [`World`]'s slot is (08:30-12:00 UTC).
pub const WORLD_SLOT_DAY: i64 = 90;

/// A full tenant with one of everything and a key per role, for role and isolation tests.
pub struct World {
    pub tenant: String,
    pub school: String,
    pub other_school: String,
    pub business: String,
    pub other_business: String,
    pub coach: String,
    pub programme: String,
    pub member: String,
    /// A published work visit of `business`, with one slot ([`WORLD_SLOT_DAY`]).
    pub work_visit: String,
    pub slot: String,
    /// A confirmed booking of `school` (2 seats) on `slot`.
    pub booking: String,
    /// A pupil of `school` with `participation` consent, and one portfolio entry.
    pub student: String,
    pub entry: String,
    /// A published route map whose graph leads from node `vmbo` to `mbo` to `ict`.
    pub route_map: String,
    /// The city's webhook endpoint (disabled: nothing is sent to it) and a test
    /// delivery waiting for it.
    pub webhook: String,
    pub delivery: String,
    pub city: Key,
    pub school_key: Key,
    pub business_key: Key,
    pub integrator: Key,
    /// A pupil's and a guardian's token for `student`, made by `school_key`.
    pub pupil: Key,
    pub guardian: Key,
}

impl World {
    pub async fn build(app: &TestApp, slug: &str, country: &str) -> Self {
        let tenant = app.tenant(slug, country).await;
        let school = app.school(&tenant, "Da Vinci College").await;
        let other_school = app.school(&tenant, "Erasmiaans").await;
        let business = app.business(&tenant, "Havenbedrijf").await;
        let other_business = app.business(&tenant, "Erasmus MC").await;
        let coach = app
            .post(
                &format!("/v1/tenants/{tenant}/businesses/{business}/coaches"),
                &app.admin(),
                json!({"display_name": "Sanne"}),
            )
            .await
            .id();
        let programme = app.programme(&tenant, "Jobspotters").await;
        let member = app
            .post(
                &format!("/v1/tenants/{tenant}/programmes/{programme}/members"),
                &app.admin(),
                json!({"school_id": school, "role": "participant", "joined_on": app.day(-90)}),
            )
            .await
            .id();
        let work_visit = app.work_visit(&tenant, &business, "published").await;
        let slot = app
            .post(
                &format!("/v1/tenants/{tenant}/work-visits/{work_visit}/slots"),
                &app.admin(),
                json!({"starts_at": app.at(WORLD_SLOT_DAY, 8, 30), "ends_at": app.at(WORLD_SLOT_DAY, 12, 0), "capacity": 3}),
            )
            .await;
        assert_eq!(slot.status, StatusCode::CREATED, "{:?}", slot.body);
        let slot = slot.id();
        let booking = app
            .post(
                &format!("/v1/tenants/{tenant}/bookings"),
                &app.admin(),
                json!({"slot_id": slot, "school_id": school, "group_name": "2B", "seats": 2, "contact": {"name": "Mevr. Jansen"}}),
            )
            .await;
        assert_eq!(booking.status, StatusCode::CREATED, "{:?}", booking.body);
        let booking = booking.id();
        let city = app.key(&tenant, "city_admin", None).await;
        let school_key = app
            .key(&tenant, "school", Some(("school_id", &school)))
            .await;
        let business_key = app
            .key(&tenant, "business", Some(("business_id", &business)))
            .await;
        let integrator = app.key(&tenant, "integrator", None).await;
        let student = app
            .student(&tenant, &school_key, "LL-0001", "Sara", app.born(14))
            .await;
        let consent = app
            .consent(&tenant, &school_key, &student, "participation", "granted")
            .await;
        assert_eq!(consent.status, StatusCode::CREATED, "{:?}", consent.body);
        let entry = app
            .post(
                &format!("/v1/tenants/{tenant}/students/{student}/portfolio/entries"),
                &school_key,
                json!({"competence": "qualities", "kind": "talent", "title": "Kan goed uitleggen",
                       "body": "Legde de klas uit hoe een kraan werkt.", "author_role": "mentor"}),
            )
            .await;
        assert_eq!(entry.status, StatusCode::CREATED, "{:?}", entry.body);
        let entry = entry.id();
        let route_map = app.route_map(&tenant, "published").await;
        let (webhook, delivery) = app.parked_webhook(&tenant, &city).await;
        let pupil = app
            .access_token(&tenant, &school_key, &student, "pupil")
            .await;
        let guardian = app
            .access_token(&tenant, &school_key, &student, "guardian")
            .await;
        Self {
            tenant,
            school,
            other_school,
            business,
            other_business,
            coach,
            programme,
            member,
            work_visit,
            slot,
            booking,
            student,
            entry,
            route_map,
            webhook,
            delivery,
            city,
            school_key,
            business_key,
            integrator,
            pupil,
            guardian,
        }
    }

    /// The version of every resource of the world and the ids in every collection,
    /// read as the platform administrator: equal snapshots prove nothing was written.
    /// A published offering of the world's business with one slot per `(day,
    /// capacity)`, from 9 to 12 that day; `extra` is merged into the offering (levels,
    /// ages, group sizes, languages, competences...). Returns its id and its slots'.
    pub async fn offering(
        &self,
        app: &TestApp,
        title: &str,
        extra: Value,
        slots: &[(i64, u32)],
    ) -> (String, Vec<String>) {
        let mut body = json!({"business_id": self.business, "title": title, "format": "company_visit",
            "min_age": 12, "max_age": 16, "group_size_min": 1, "group_size_max": 30, "online": true,
            "status": "published"});
        for (k, v) in extra.as_object().expect("an object of fields") {
            body[k] = v.clone();
        }
        let visit = app
            .post(
                &format!("/v1/tenants/{}/work-visits", self.tenant),
                &app.admin(),
                body,
            )
            .await;
        assert_eq!(visit.status, StatusCode::CREATED, "{:?}", visit.body);
        let visit = visit.id();
        let mut ids = Vec::new();
        for (day, capacity) in slots {
            let slot = app
                .post(
                    &format!("/v1/tenants/{}/work-visits/{visit}/slots", self.tenant),
                    &app.admin(),
                    json!({"starts_at": app.at(*day, 9, 0), "ends_at": app.at(*day, 12, 0), "capacity": capacity}),
                )
                .await;
            assert_eq!(slot.status, StatusCode::CREATED, "{:?}", slot.body);
            ids.push(slot.id());
        }
        (visit, ids)
    }

    /// A key of `other_school`: a school of this tenant that is not `school`.
    pub async fn other_school_key(&self, app: &TestApp) -> Key {
        app.key(
            &self.tenant,
            "school",
            Some(("school_id", &self.other_school)),
        )
        .await
    }

    /// A key of `other_business`: a business of this tenant that is not `business`.
    pub async fn other_business_key(&self, app: &TestApp) -> Key {
        app.key(
            &self.tenant,
            "business",
            Some(("business_id", &self.other_business)),
        )
        .await
    }

    pub async fn versions(&self, app: &TestApp) -> Value {
        let t = &self.tenant;
        let mut snapshot = serde_json::Map::new();
        for path in [
            format!("/v1/tenants/{t}"),
            format!("/v1/tenants/{t}/schools/{}", self.school),
            format!("/v1/tenants/{t}/schools/{}", self.other_school),
            format!("/v1/tenants/{t}/businesses/{}", self.business),
            format!(
                "/v1/tenants/{t}/businesses/{}/coaches/{}",
                self.business, self.coach
            ),
            format!("/v1/tenants/{t}/programmes/{}", self.programme),
            format!(
                "/v1/tenants/{t}/programmes/{}/members/{}",
                self.programme, self.member
            ),
            format!("/v1/tenants/{t}/work-visits/{}", self.work_visit),
            format!(
                "/v1/tenants/{t}/work-visits/{}/slots/{}",
                self.work_visit, self.slot
            ),
            format!("/v1/tenants/{t}/bookings/{}", self.booking),
            format!("/v1/tenants/{t}/students/{}", self.student),
            format!(
                "/v1/tenants/{t}/students/{}/portfolio/entries/{}",
                self.student, self.entry
            ),
            format!("/v1/tenants/{t}/route-maps/{}", self.route_map),
            format!("/v1/tenants/{t}/webhooks/{}", self.webhook),
            format!(
                "/v1/tenants/{t}/webhooks/{}/deliveries/{}",
                self.webhook, self.delivery
            ),
        ] {
            let reply = app.get(&path, &app.admin()).await;
            snapshot.insert(path, json!([reply.status.as_u16(), reply.body["version"]]));
        }
        for list in [
            "schools",
            "businesses",
            "programmes",
            "api-keys",
            "work-visits",
            "bookings",
            "webhooks",
        ] {
            let ids = app
                .all_ids(&format!("/v1/tenants/{t}/{list}"), &app.admin(), 200)
                .await;
            snapshot.insert(list.to_owned(), json!(ids));
        }
        let pupils = app
            .all_ids(
                &format!("/v1/tenants/{t}/students?school_id={}", self.school),
                &app.admin(),
                200,
            )
            .await;
        snapshot.insert("students".to_owned(), json!(pupils));
        let consents = app
            .get(
                &format!("/v1/tenants/{t}/students/{}/consents", self.student),
                &app.admin(),
            )
            .await;
        snapshot.insert("consents".to_owned(), consents.body["ledger"].clone());
        let student = format!("/v1/tenants/{t}/students/{}", self.student);
        for part in ["route-plan/versions", "access-tokens", "portfolio/entries"] {
            let reply = app.get(&format!("{student}/{part}"), &app.admin()).await;
            let mut rows = reply.body["data"].clone();
            // A token's use is no write.
            for row in rows.as_array_mut().into_iter().flatten() {
                if let Some(row) = row.as_object_mut() {
                    row.remove("last_used_at");
                }
            }
            snapshot.insert(part.to_owned(), rows);
        }
        Value::Object(snapshot)
    }
}
