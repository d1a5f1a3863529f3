//! Faults (DESIGN.md §5): Redis is an accelerator, never a dependency of a request,
//! and a database that is down answers 503. A fault proxy stands between a node and
//! Redis (or PostgreSQL) and refuses, blackholes or answers errors on command; the
//! node behind it must answer every request within 2 s (a liveness bound: the
//! latencies themselves are measured in bench/), never with a 5xx for Redis, keep
//! limiting requests from its own counters, say what fails in `/health/ready` without
//! the driver's words, and use Redis again when it answers.
//!
//! These claims need Redis (and, for the database's, PostgreSQL): without them each
//! test says it is skipped, and `.ci/run`'s PostgreSQL + Redis pass fails if one did
//! not run there.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use driehoek_tests::proxy::{Fault, FaultProxy};
use driehoek_tests::{Key, Reply, TestApp, World, postgres_claim, redis_claim, redis_url};
use reqwest::StatusCode;
use serde_json::json;

/// The liveness bound for one request under a fault.
const BOUND: Duration = Duration::from_secs(2);
/// The tenant's quota for these tests.
const QUOTA: u32 = 20;

fn address_of(url: &str) -> SocketAddr {
    let url = url::Url::parse(url).expect("a URL");
    let host = url.host_str().expect("a host");
    let port = url.port_or_known_default().unwrap_or(6379);
    std::net::ToSocketAddrs::to_socket_addrs(&(host, port))
        .expect("an address")
        .next()
        .expect("an address")
}

/// An app on the real Redis, with `QUOTA` requests a minute per key in `leuven`, a
/// second node that reaches Redis through a fault proxy, and an integrator's key
/// both nodes have seen.
async fn behind_proxy() -> (TestApp, TestApp, FaultProxy, Key) {
    let app = TestApp::spawn().await;
    World::build(&app, "leuven", "BE").await;
    let limited = app
        .patch(
            "/v1/tenants/leuven",
            &app.admin(),
            json!({"settings": {"rate_limit_per_minute": QUOTA}}),
        )
        .await;
    assert_eq!(limited.status, StatusCode::OK, "{:?}", limited.body);
    let proxy = FaultProxy::start(address_of(&redis_url().expect("REDIS_URL"))).await;
    let node = app.spawn_node_via_redis(proxy.addr()).await;
    let key = app.key("leuven", "integrator", None).await;
    for server in [&app, &node] {
        assert_eq!(server.get(SCHOOLS, &key).await.status, StatusCode::OK);
    }
    (app, node, proxy, key)
}

const SCHOOLS: &str = "/v1/tenants/leuven/schools";

/// Moves the shared clock to the start of the next minute, so a rate-limit window
/// starts afresh and lasts the test's next steps.
fn next_window(app: &TestApp) {
    let now = app.now();
    let minute = now.timestamp() / 60 + 1;
    app.clock
        .set(chrono::DateTime::from_timestamp(minute * 60 + 1, 0).expect("a time"));
}

/// `count` keyed reads on `node`, each within the bound and never a 5xx: how many
/// were let through before the first 429.
async fn reads_let_through(node: &TestApp, key: &Key, count: usize) -> usize {
    let mut passed = 0;
    for _ in 0..count {
        let started = Instant::now();
        let reply = node.get(SCHOOLS, key).await;
        let took = started.elapsed();
        assert!(took < BOUND, "a read took {took:?} under the fault");
        match reply.status {
            StatusCode::OK => passed += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                assert_eq!(reply.code(), "rate_limited");
                break;
            }
            other => panic!("a read answered {other} under the fault: {:?}", reply.body),
        }
    }
    passed
}

async fn ready(node: &TestApp) -> Reply {
    node.send(reqwest::Method::GET, "/health/ready", None, None, &[])
        .await
}

/// Waits (at most 10 s) for the node to say Redis answers again.
async fn until_redis_answers(node: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = ready(node).await;
        if reply.status == StatusCode::OK {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "Redis not used again: {:?}",
            reply.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The whole story for one way Redis can fail.
async fn node_survives(fault: impl Fn(&FaultProxy)) {
    let (app, node, proxy, key) = behind_proxy().await;

    next_window(&app);
    fault(&proxy);
    // The first read meets the fault and opens the node's circuit; from then on the
    // node leaves Redis alone but for a probe now and then.
    assert_eq!(reads_let_through(&node, &key, 1).await, 1);
    let sent = proxy.sent();
    // Two nodes share the quota: on its own the node lets its half through.
    let passed = 1 + reads_let_through(&node, &key, QUOTA as usize).await;
    assert_eq!(
        passed,
        (QUOTA / 2) as usize,
        "the node's share of the quota"
    );
    let probes = proxy.sent() - sent;
    assert!(
        probes <= 4,
        "{probes} Redis commands during {passed} reads with the circuit open"
    );

    // Writes, a new key and an unauthenticated route all answer in time too.
    let started = Instant::now();
    let made = node
        .post(
            "/v1/tenants/leuven/schools",
            &app.admin(),
            json!({"name": "Redis-loos College", "kind": "secondary"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert!(started.elapsed() < BOUND);
    let fresh = app.key("leuven", "integrator", None).await;
    assert_eq!(node.get(SCHOOLS, &fresh).await.status, StatusCode::OK);

    let readiness = ready(&node).await;
    assert_eq!(readiness.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        readiness.body["checks"],
        json!({"database": "ok", "redis": "unavailable"}),
        "the failing part named, without the driver's words"
    );

    proxy.set(Fault::None);
    until_redis_answers(&node).await;

    // Counting in Redis again: what the other node counted counts here too.
    next_window(&app);
    assert_eq!(reads_let_through(&app, &key, 12).await, 12);
    assert_eq!(
        reads_let_through(&node, &key, QUOTA as usize).await,
        (QUOTA - 12) as usize,
        "the node counts in Redis again"
    );
}

#[tokio::test]
async fn a_node_whose_redis_refuses_connections_serves_on_from_its_own_state() {
    if !redis_claim("redis_refused") {
        return;
    }
    node_survives(FaultProxy::stop).await;
}

#[tokio::test]
async fn a_node_whose_redis_never_answers_serves_on_without_waiting_for_it() {
    if !redis_claim("redis_blackholed") {
        return;
    }
    node_survives(|proxy| proxy.set(Fault::Blackhole)).await;
}

#[tokio::test]
async fn a_node_whose_redis_answers_errors_serves_on_from_its_own_state() {
    if !redis_claim("redis_read_only") {
        return;
    }
    node_survives(|proxy| {
        proxy.set(Fault::ReadOnly);
        proxy.cut();
    })
    .await;
}

#[tokio::test]
async fn a_node_starts_while_redis_is_down_and_uses_it_once_it_answers() {
    if !redis_claim("redis_down_at_start") {
        return;
    }
    let app = TestApp::spawn().await;
    World::build(&app, "leuven", "BE").await;
    let proxy = FaultProxy::start(address_of(&redis_url().expect("REDIS_URL"))).await;
    proxy.stop();
    let node = app.spawn_node_via_redis(proxy.addr()).await;
    let key = app.key("leuven", "integrator", None).await;
    assert_eq!(reads_let_through(&node, &key, 3).await, 3);
    assert_eq!(ready(&node).await.status, StatusCode::SERVICE_UNAVAILABLE);
    proxy.set(Fault::None);
    until_redis_answers(&node).await;
}

/// One answer under load.
struct Answer {
    status: StatusCode,
    retry_after: bool,
    took: Duration,
    done: Instant,
    /// The school a write made.
    created: Option<String>,
}

/// Keyed reads and writes on `node`, one after another, until `stop` is set.
async fn load(
    node: &TestApp,
    key: &Key,
    admin: &Key,
    stop: &std::sync::atomic::AtomicBool,
) -> Vec<Answer> {
    let mut answers = Vec::new();
    let mut n = 0;
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        n += 1;
        let started = Instant::now();
        let reply = if n % 2 == 0 {
            node.get(SCHOOLS, key).await
        } else {
            node.post(
                SCHOOLS,
                admin,
                json!({"name": format!("School {n}"), "kind": "primary"}),
            )
            .await
        };
        answers.push(Answer {
            status: reply.status,
            retry_after: reply.header("retry-after").is_some(),
            took: started.elapsed(),
            done: Instant::now(),
            created: (reply.status == StatusCode::CREATED).then(|| reply.id()),
        });
    }
    answers
}

#[tokio::test]
async fn a_database_that_stops_and_starts_under_load_answers_503_then_recovers() {
    if !postgres_claim("postgres_restarted") {
        return;
    }
    let app = TestApp::spawn().await;
    World::build(&app, "leuven", "BE").await;
    let upstream = address_of(&std::env::var("DATABASE_URL").expect("DATABASE_URL"));
    let proxy = FaultProxy::start(upstream).await;
    let node = app.spawn_node_via_database(proxy.addr()).await;
    let key = app.key("leuven", "integrator", None).await;
    let admin = app.admin();
    assert_eq!(node.get(SCHOOLS, &key).await.status, StatusCode::OK);

    let stop = std::sync::atomic::AtomicBool::new(false);
    let story = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        proxy.stop();
        tokio::time::sleep(Duration::from_secs(3)).await;
        proxy.set(Fault::None);
        let back = Instant::now();
        tokio::time::sleep(Duration::from_secs(2)).await;
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        back
    };
    let (answers, back) = tokio::join!(load(&node, &key, &admin, &stop), story);

    for answer in &answers {
        assert!(
            matches!(
                answer.status,
                StatusCode::OK | StatusCode::CREATED | StatusCode::SERVICE_UNAVAILABLE
            ),
            "{} during a database outage",
            answer.status
        );
        if answer.status == StatusCode::SERVICE_UNAVAILABLE {
            assert!(answer.retry_after, "a 503 without Retry-After");
        }
        assert!(
            answer.took < BOUND + Duration::from_millis(500),
            "an answer took {:?}",
            answer.took
        );
    }
    assert!(
        answers
            .iter()
            .any(|a| a.status == StatusCode::SERVICE_UNAVAILABLE),
        "the outage was seen"
    );
    let first_success = answers
        .iter()
        .find(|a| a.done > back && a.status.is_success())
        .expect("a success after the database came back");
    let after = first_success.done - back;
    assert!(
        after < Duration::from_secs(1),
        "first success {after:?} after the database came back"
    );
    // Every write acknowledged is there afterwards.
    for id in answers.iter().filter_map(|a| a.created.as_ref()) {
        let read = app.get(&format!("{SCHOOLS}/{id}"), &admin).await;
        assert_eq!(read.status, StatusCode::OK, "school {id} lost");
    }
}

/// Polls `node` with `key` until the answer is `status`; how long that took (at most
/// 3 s, else the test fails).
async fn refused_after(node: &TestApp, key: &Key, status: StatusCode) -> Duration {
    let started = Instant::now();
    loop {
        let reply = node.get(SCHOOLS, key).await;
        if reply.status == status {
            return started.elapsed();
        }
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "still {} after 3 s",
            reply.status
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The node that revokes a key (or suspends a tenant) cannot reach Redis, so the
/// shared cache keeps the old entry; the other node, whose Redis works, still refuses
/// within a second.
#[tokio::test]
async fn a_revocation_the_cache_was_not_told_of_is_refused_on_every_node_within_a_second() {
    if !redis_claim("revocation_without_redis") {
        return;
    }
    let (app, node, proxy, _) = behind_proxy().await;
    let w_city = app.key("leuven", "city_admin", None).await;
    let created = app
        .post(
            "/v1/tenants/leuven/api-keys",
            &w_city,
            json!({"name": "Roostersysteem", "role": "integrator"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let key = Key(created.body["key"].as_str().unwrap().to_owned());
    for server in [&app, &node] {
        assert_eq!(server.get(SCHOOLS, &key).await.status, StatusCode::OK);
    }

    proxy.set(Fault::Blackhole);
    let revoked = node
        .delete(
            &format!("/v1/tenants/leuven/api-keys/{}", created.id()),
            &w_city,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{:?}", revoked.body);
    for server in [&node, &app] {
        let took = refused_after(server, &key, StatusCode::UNAUTHORIZED).await;
        assert!(took < Duration::from_secs(1), "refused after {took:?}");
    }

    // A suspension likewise.
    let other = app.key("leuven", "integrator", None).await;
    assert_eq!(app.get(SCHOOLS, &other).await.status, StatusCode::OK);
    let suspended = node
        .patch(
            "/v1/tenants/leuven",
            &app.admin(),
            json!({"status": "suspended"}),
        )
        .await;
    assert_eq!(suspended.status, StatusCode::OK, "{:?}", suspended.body);
    for server in [&node, &app] {
        let took = refused_after(server, &other, StatusCode::FORBIDDEN).await;
        assert!(took < Duration::from_secs(1), "refused after {took:?}");
    }
}

/// The records live in the database: a key used before Redis fails and retried while
/// it is down is replayed, never run a second time.
#[tokio::test]
async fn an_idempotent_write_retried_while_redis_is_down_is_replayed() {
    if !redis_claim("idempotency_across_redis_outage") {
        return;
    }
    let (app, node, proxy, _) = behind_proxy().await;
    let body = json!({"name": "Albeda", "kind": "vocational"});
    let admin = app.admin();
    let send = async |server: &TestApp| {
        server
            .send(
                reqwest::Method::POST,
                SCHOOLS,
                Some(&admin),
                Some(body.clone()),
                &[("idempotency-key", "albeda-1")],
            )
            .await
    };
    let first = send(&node).await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    proxy.stop();
    for server in [&node, &app] {
        let retry = send(server).await;
        assert_eq!(retry.status, StatusCode::CREATED);
        assert_eq!(retry.header("idempotent-replayed"), Some("true"));
        assert_eq!(retry.id(), first.id());
    }
}
