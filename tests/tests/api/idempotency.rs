//! Idempotency keys on POST (DESIGN.md §3.5): replay, reuse with another body, keys
//! per API key, and concurrent retries giving exactly one booking — on two API nodes
//! sharing Redis when REDIS_URL is set.

use driehoek_tests::{Key, Reply, TestApp, World};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn post_with(app: &TestApp, path: &str, key: &Key, body: Value, idem: &str) -> Reply {
    app.send(
        Method::POST,
        path,
        Some(key),
        Some(body),
        &[("idempotency-key", idem)],
    )
    .await
}

async fn changes(app: &TestApp) -> usize {
    let db = app.database().await;
    app.changes(&db, "rotterdam").await.len()
}

#[tokio::test]
async fn a_retry_with_the_same_key_replays_the_first_response_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let path = "/v1/tenants/rotterdam/schools";
    let body = json!({"name": "Zadkine", "kind": "vocational"});
    let first = post_with(&app, path, &w.city, body.clone(), "create-zadkine").await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    assert!(first.header("idempotent-replayed").is_none());
    let written = changes(&app).await;

    let retry = post_with(&app, path, &w.city, body.clone(), "create-zadkine").await;
    assert_eq!(retry.status, StatusCode::CREATED);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert!(
        retry.header("ratelimit").is_some(),
        "a replay counts against the key's quota like any request"
    );
    assert_eq!(retry.body, first.body, "the same response");
    assert_eq!(retry.header("location"), first.header("location"));
    assert_eq!(retry.header("etag"), first.header("etag"));
    assert_ne!(
        retry.header("x-request-id"),
        first.header("x-request-id"),
        "the retry has its own request id"
    );
    assert_eq!(changes(&app).await, written, "nothing written again");

    let other = post_with(
        &app,
        path,
        &w.city,
        json!({"name": "Albeda", "kind": "vocational"}),
        "create-zadkine",
    )
    .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.code(), "idempotency_key_reused");
    assert_eq!(changes(&app).await, written);

    // Keys are per API key: another key's identical Idempotency-Key is its own.
    let admin = post_with(&app, path, &app.admin(), body, "create-zadkine").await;
    assert_eq!(admin.status, StatusCode::CREATED);
    assert!(admin.header("idempotent-replayed").is_none());
    assert_ne!(admin.id(), first.id());

    // Problems are kept too: a retry of a refused request gets the same refusal.
    let bad = json!({"name": "", "kind": "vocational"});
    let refused = post_with(&app, path, &w.city, bad.clone(), "bad-school").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let again = post_with(&app, path, &w.city, bad, "bad-school").await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.code(), "validation_failed");
}

#[tokio::test]
async fn malformed_keys_are_refused_and_requests_without_one_are_untouched() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let path = "/v1/tenants/rotterdam/schools";
    let body = json!({"name": "Zadkine", "kind": "vocational"});
    let written = changes(&app).await;
    let long = "k".repeat(256);
    let reply = post_with(&app, path, &w.city, body.clone(), &long).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.code(), "invalid_query");
    assert_eq!(changes(&app).await, written);
    // Without a key the header changes nothing: the handler answers 401.
    let anonymous = app
        .send(
            Method::POST,
            path,
            None,
            Some(body.clone()),
            &[("idempotency-key", "x")],
        )
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    // Two plain POSTs are two schools.
    app.post(path, &w.city, body.clone()).await;
    app.post(path, &w.city, body).await;
    assert_eq!(changes(&app).await, written + 2);
}

#[tokio::test]
async fn fifty_concurrent_retries_of_one_booking_book_once() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    // Two nodes share the records only through Redis; without it, one node.
    let second = app.peer("idempotency_records_are_shared").await;
    let nodes: Vec<&TestApp> = std::iter::once(&app).chain(second.as_ref()).collect();
    let slot = app
        .post(
            &format!("/v1/tenants/rotterdam/work-visits/{}/slots", w.work_visit),
            &app.admin(),
            json!({"starts_at": app.at(134, 8, 0), "ends_at": app.at(134, 12, 0), "capacity": 20}),
        )
        .await
        .id();
    let body = json!({"slot_id": slot, "group_name": "3B", "seats": 2, "contact": {"name": "Mevr. Jansen"}});
    let replies = futures_util::future::join_all((0..50).map(|i| {
        let (node, key, body) = (nodes[i % nodes.len()], &w.school_key, body.clone());
        async move {
            post_with(
                node,
                "/v1/tenants/rotterdam/bookings",
                key,
                body,
                "book-3B-0414",
            )
            .await
        }
    }))
    .await;
    let mut ids = std::collections::HashSet::new();
    for reply in &replies {
        match reply.status {
            StatusCode::CREATED => {
                ids.insert(reply.id());
            }
            StatusCode::CONFLICT => assert_eq!(reply.code(), "idempotency_in_progress"),
            other => panic!("unexpected {other}: {:?}", reply.body),
        }
    }
    assert_eq!(ids.len(), 1, "every 201 is the one booking");
    let seats = app
        .get(
            &format!(
                "/v1/tenants/rotterdam/work-visits/{}/slots/{slot}",
                w.work_visit
            ),
            &w.city,
        )
        .await
        .body["seats_booked"]
        .clone();
    assert_eq!(seats, 2, "two seats, once");
    let bookings = app
        .all_ids(
            &format!("/v1/tenants/rotterdam/bookings?slot_id={slot}"),
            &w.city,
            50,
        )
        .await;
    assert_eq!(bookings.len(), 1);
}
