//! Rate limits per key (DESIGN.md §3.6): headers on every response, 429 past the quota.
//! With REDIS_URL set the counts live in Redis, otherwise in process: the same tests
//! run against both.

use driehoek_tests::{TestApp, World};
use reqwest::StatusCode;
use serde_json::json;

fn remaining(header: &str) -> u32 {
    header
        .split(';')
        .find_map(|p| p.strip_prefix("r="))
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("no r= in {header}"))
}

#[tokio::test]
async fn a_key_past_its_tenants_quota_is_refused_with_429_and_retry_after() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "leuven", "BE").await;
    let limited = app
        .patch(
            "/v1/tenants/leuven",
            &app.admin(),
            json!({"settings": {"rate_limit_per_minute": 5}}),
        )
        .await;
    assert_eq!(limited.status, StatusCode::OK, "{:?}", limited.body);
    let key = app.key("leuven", "integrator", None).await;
    let path = "/v1/tenants/leuven/schools";
    // A fixed one-minute window may roll over once mid-test; within 12 requests a
    // 429 must come, after 5 (or, across a roll-over, up to 10) successes.
    let mut successes = 0;
    let mut refused = None;
    for _ in 0..12 {
        let reply = app.get(path, &key).await;
        let policy = reply.header("ratelimit-policy").unwrap().to_owned();
        assert_eq!(policy, "\"default\";q=5;w=60");
        let state = reply.header("ratelimit").unwrap().to_owned();
        if reply.status == StatusCode::OK {
            successes += 1;
            assert!(remaining(&state) < 5, "{state}");
        } else {
            refused = Some(reply);
            break;
        }
    }
    let refused = refused.expect("a 429 within 12 requests");
    assert!((5..=10).contains(&successes), "{successes} successes");
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.code(), "rate_limited");
    let retry: u32 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(remaining(refused.header("ratelimit").unwrap()), 0);

    // The quota is per key: another key of the tenant is not affected.
    assert_eq!(app.get(path, &w.city).await.status, StatusCode::OK);
}

#[tokio::test]
async fn every_authenticated_response_carries_the_rate_limit_headers() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let missing = app
        .get(
            "/v1/tenants/rotterdam/schools/0b8f6c2e-6a51-4f4e-9d8b-3c2f1a0e9d77",
            &w.school_key,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let bad = app
        .post(
            "/v1/tenants/rotterdam/schools",
            &w.city,
            json!({"name": ""}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for reply in [&missing, &bad] {
        assert!(reply.header("ratelimit-policy").is_some());
        assert!(reply.header("ratelimit").is_some());
    }
    let first = remaining(
        app.get("/v1/vocabularies", &w.integrator)
            .await
            .header("ratelimit")
            .unwrap(),
    );
    let second = remaining(
        app.get("/v1/vocabularies", &w.integrator)
            .await
            .header("ratelimit")
            .unwrap(),
    );
    assert!(
        second + 1 == first || second > first,
        "counts down within a window (or restarts in the next): {first} then {second}"
    );
    let health = app
        .send(reqwest::Method::GET, "/health/live", None, None, &[])
        .await;
    assert!(
        health.header("ratelimit").is_none(),
        "no key, nothing counted"
    );
}

#[tokio::test]
async fn api_nodes_sharing_redis_share_one_count_per_key() {
    let app = TestApp::spawn().await;
    World::build(&app, "leuven", "BE").await;
    // Two nodes count in Redis together; without REDIS_URL there is one node.
    let second = app.peer("rate_limits_are_shared").await;
    let nodes: Vec<&TestApp> = std::iter::once(&app).chain(second.as_ref()).collect();
    app.patch(
        "/v1/tenants/leuven",
        &app.admin(),
        json!({"settings": {"rate_limit_per_minute": 5}}),
    )
    .await;
    let key = app.key("leuven", "integrator", None).await;
    // Keep the few requests below inside one one-minute window.
    let into_minute = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 60;
    if into_minute >= 57 {
        tokio::time::sleep(std::time::Duration::from_secs(61 - into_minute)).await;
    }
    let mut statuses = Vec::new();
    for i in 0..7 {
        let node = nodes[i % nodes.len()];
        statuses.push(node.get("/v1/vocabularies", &key).await.status);
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        5,
        "five in the minute, whichever node answered: {statuses:?}"
    );
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
}
