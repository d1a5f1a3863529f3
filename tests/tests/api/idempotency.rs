//! Idempotency keys on POST (DESIGN.md §3.5, §5): replay, reuse with another body,
//! keys per API key, concurrent retries on two nodes giving exactly one booking, and
//! the states a crash leaves a record in — answered from what committed, never run
//! twice.

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
    assert_eq!(reply.code(), "invalid_header");
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
    // Two nodes share the records through the database.
    let second = app.spawn_node().await;
    let nodes = [&app, &second];
    let slot = roomy_slot(&app, &w).await;
    let body = booking(&slot, "3B");
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

async fn execute(app: &TestApp, sql: &str) -> u64 {
    use sea_orm::ConnectionTrait;
    app.database()
        .await
        .execute_unprepared(sql)
        .await
        .expect("SQL")
        .rows_affected()
}

fn booking(slot: &str, group: &str) -> Value {
    json!({"slot_id": slot, "group_name": group, "seats": 2, "contact": {"name": "Mevr. Jansen"}})
}

/// A slot of its own for a test's bookings, with room for many.
async fn roomy_slot(app: &TestApp, w: &World) -> String {
    app.post(
        &format!("/v1/tenants/rotterdam/work-visits/{}/slots", w.work_visit),
        &app.admin(),
        json!({"starts_at": app.at(134, 8, 0), "ends_at": app.at(134, 12, 0), "capacity": 20}),
    )
    .await
    .id()
}

async fn bookings_of(app: &TestApp, w: &World, slot: &str, group: &str) -> usize {
    let all = app
        .get(
            &format!("/v1/tenants/rotterdam/bookings?slot_id={slot}&limit=200"),
            &w.city,
        )
        .await;
    all.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["group_name"] == group && b["status"] != "cancelled")
        .count()
}

/// The node stopped after the booking committed and before its answer was stored
/// (the state `kill -9` leaves there): once the first attempt's lock has run out, the
/// retry gets the booking's `Location` and `ETag`, and nothing is booked twice.
#[tokio::test]
async fn a_retry_after_the_answer_was_lost_is_answered_from_the_committed_write() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let path = "/v1/tenants/rotterdam/bookings";
    let slot = roomy_slot(&app, &w).await;
    let first = post_with(&app, path, &w.school_key, booking(&slot, "4A"), "book-4A").await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    let lost = execute(
        &app,
        "UPDATE idempotency_records SET status = NULL, headers = NULL, body = NULL \
         WHERE idempotency_key = 'book-4A'",
    )
    .await;
    assert_eq!(lost, 1, "the record was marked committed with the booking");

    // While the first attempt's lock holds, it may still store its answer.
    let early = post_with(&app, path, &w.school_key, booking(&slot, "4A"), "book-4A").await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{:?}", early.body);
    assert_eq!(early.code(), "idempotency_in_progress");
    app.clock.advance(chrono::TimeDelta::seconds(31));
    let retry = post_with(&app, path, &w.school_key, booking(&slot, "4A"), "book-4A").await;
    assert_eq!(retry.status, StatusCode::CREATED, "{:?}", retry.body);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.header("location"), first.header("location"));
    assert_eq!(retry.header("etag"), first.header("etag"));
    assert_eq!(bookings_of(&app, &w, &slot, "4A").await, 1, "booked once");
}

/// The node stopped before the write committed: the record stays locked for the
/// request's deadline (a retry meanwhile is told it is in progress), then a retry
/// runs — once.
#[tokio::test]
async fn a_retry_after_a_crash_before_commit_runs_once_when_the_lock_runs_out() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let path = "/v1/tenants/rotterdam/bookings";
    let slot = roomy_slot(&app, &w).await;
    let body = booking(&slot, "4B");
    // A first attempt, undone, and its record put back to what a crash before the
    // commit leaves: the claim with its fingerprint and lock, and nothing else.
    let first = post_with(&app, path, &w.school_key, body.clone(), "book-4B").await;
    assert_eq!(first.status, StatusCode::CREATED);
    let cancelled = app
        .post(
            &format!("{path}/{}/cancel", first.id()),
            &w.school_key,
            json!({}),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{:?}", cancelled.body);
    let reset = {
        use sea_orm::ConnectionTrait;
        use sea_orm::sea_query::{Expr, ExprTrait, Query};
        let db = app.database().await;
        let update = Query::update()
            .table("idempotency_records")
            .value("committed", false)
            .value("status", Option::<i32>::None)
            .value("headers", Option::<String>::None)
            .value("body", Option::<String>::None)
            .value("created_id", Option::<uuid::Uuid>::None)
            .value("locked_until", app.now() + chrono::Duration::seconds(30))
            .and_where(Expr::col("idempotency_key").eq("book-4B"))
            .to_owned();
        db.execute(&update).await.unwrap().rows_affected()
    };
    assert_eq!(reset, 1);
    let before = bookings_of(&app, &w, &slot, "4B").await;

    let early = post_with(&app, path, &w.school_key, body.clone(), "book-4B").await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{:?}", early.body);
    assert_eq!(early.code(), "idempotency_in_progress");
    assert_eq!(bookings_of(&app, &w, &slot, "4B").await, before);

    app.clock.advance(chrono::TimeDelta::seconds(31));
    let late = post_with(&app, path, &w.school_key, body.clone(), "book-4B").await;
    assert_eq!(late.status, StatusCode::CREATED, "{:?}", late.body);
    assert!(late.header("idempotent-replayed").is_none(), "it ran");
    let again = post_with(&app, path, &w.school_key, body, "book-4B").await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.id(), late.id());
    assert_eq!(
        bookings_of(&app, &w, &slot, "4B").await,
        before + 1,
        "run once"
    );
    assert_eq!(before, 0);
}

/// Refusals are replayed with their problem body, on pupil routes too (they hold no
/// pupil data); records go after 24 h, and the key may then be used again.
#[tokio::test]
async fn refusals_replay_with_their_problem_and_records_expire_after_a_day() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let path = "/v1/tenants/rotterdam/students";
    let bad = json!({"school_id": w.school, "display_name": "", "birth_year": app.born(13)});
    let refused = post_with(&app, path, &w.school_key, bad.clone(), "pupil-1").await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        refused.body
    );
    let again = post_with(&app, path, &w.school_key, bad, "pupil-1").await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.code(), refused.code(), "the problem body is kept");
    assert_eq!(again.body["errors"], refused.body["errors"]);

    let schools = "/v1/tenants/rotterdam/schools";
    let body = json!({"name": "Zadkine", "kind": "vocational"});
    let made = post_with(&app, schools, &w.city, body.clone(), "school-1").await;
    assert_eq!(made.status, StatusCode::CREATED);
    app.clock.advance(chrono::TimeDelta::hours(25));
    let services = app.services().await;
    let purged = services
        .database
        .idempotency_records()
        .purge(app.now() - chrono::Duration::hours(24))
        .await
        .unwrap();
    assert!(purged >= 2, "{purged} records purged");
    let fresh = post_with(&app, schools, &w.city, body, "school-1").await;
    assert_eq!(fresh.status, StatusCode::CREATED);
    assert!(
        fresh.header("idempotent-replayed").is_none(),
        "a new request"
    );
    assert_ne!(fresh.id(), made.id());
}
