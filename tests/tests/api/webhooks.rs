//! Webhooks: who manages endpoints, which targets are refused, and delivery as a
//! receiver sees it — signed (checked by an independent implementation of the
//! Standard Webhooks algorithm), complete and in order per resource across an outage,
//! disabled by `410 Gone`, replayed, re-signed during a secret rotation, and neither
//! lost by a restart nor sent twice by two nodes; and signing secrets sealed at rest.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use driehoek_tests::receiver::{Receiver, verifies};
use driehoek_tests::{Key, TestApp, World, test_webhooks};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PATIENCE: Duration = Duration::from_secs(20);

/// Creates an endpoint and returns (id, secret).
async fn endpoint(
    app: &TestApp,
    tenant: &str,
    key: &Key,
    url: &str,
    events: Value,
) -> (String, String) {
    let reply = app
        .post(
            &format!("/v1/tenants/{tenant}/webhooks"),
            key,
            json!({"url": url, "events": events}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let secret = reply.body["secret"].as_str().unwrap().to_owned();
    (reply.id(), secret)
}

/// Rotterdam, its city administrator's key, and an endpoint for `events` at a
/// receiver that answers 200.
struct Hooked {
    tenant: String,
    city: Key,
    receiver: Receiver,
    hook: String,
    secret: String,
}

async fn hooked(app: &TestApp, events: Value) -> Hooked {
    let tenant = app.tenant("rotterdam", "NL").await;
    let city = app.key(&tenant, "city_admin", None).await;
    let receiver = Receiver::start(200).await;
    let (hook, secret) = endpoint(app, &tenant, &city, &receiver.url, events).await;
    Hooked {
        tenant,
        city,
        receiver,
        hook,
        secret,
    }
}

/// Every delivery of an endpoint, once none is pending any more.
async fn settled_deliveries(app: &TestApp, tenant: &str, key: &Key, webhook: &str) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let reply = app
            .get(
                &format!("/v1/tenants/{tenant}/webhooks/{webhook}/deliveries?limit=200"),
                key,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        let data = reply.body["data"].as_array().unwrap().clone();
        if !data.is_empty() && data.iter().all(|d| d["status"] != "pending") {
            return data;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "deliveries stay pending: {data:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The endpoints whose changes `key` sees in the change feed.
async fn endpoint_changes(app: &TestApp, tenant: &str, key: &Key) -> HashSet<String> {
    let feed = app
        .get(
            &format!("/v1/tenants/{tenant}/changes?resource=webhook_endpoint"),
            key,
        )
        .await;
    assert_eq!(feed.status, StatusCode::OK, "{:?}", feed.body);
    feed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

fn types(received: &[driehoek_tests::receiver::Received]) -> Vec<String> {
    received
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_city_manages_endpoints_and_a_business_only_its_own() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let t = &w.tenant;
    let base = format!("/v1/tenants/{t}/webhooks");

    let created = app
        .post(
            &base,
            &w.city,
            json!({"url": "http://127.0.0.1:9/city", "events": ["booking.*", "work_visit.published"], "description": "Planning"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let city_hook = created.id();
    assert!(
        created.body["secret"]
            .as_str()
            .unwrap()
            .starts_with("whsec_")
    );
    assert_eq!(created.header("cache-control"), Some("no-store"));
    assert_eq!(
        created.header("location"),
        Some(format!("{base}/{city_hook}").as_str())
    );
    assert_eq!(
        created.body["events"],
        json!(["booking.*", "work_visit.published"])
    );
    assert_eq!(created.body["business_id"], Value::Null);
    assert_eq!(created.body["status"], "enabled");
    // The secret is never read back.
    let read = app.get(&format!("{base}/{city_hook}"), &w.city).await;
    assert_eq!(read.status, StatusCode::OK);
    assert!(read.body.get("secret").is_none(), "{:?}", read.body);

    let own = app
        .post(
            &base,
            &w.business_key,
            json!({"url": "http://127.0.0.1:9/havenbedrijf", "events": ["*"]}),
        )
        .await;
    assert_eq!(own.status, StatusCode::CREATED, "{:?}", own.body);
    assert_eq!(own.body["business_id"], w.business.as_str());
    let own_hook = own.id();

    // A business sees its own endpoint only; the city sees them all.
    let listed = app.get(&base, &w.business_key).await;
    let ids: Vec<&str> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![own_hook.as_str()]);
    let all = app.all_ids(&base, &w.city, 50).await;
    assert!(all.contains(&city_hook) && all.contains(&own_hook) && all.contains(&w.webhook));
    for path in [
        format!("{base}/{city_hook}"),
        format!("{base}/{city_hook}/deliveries"),
        format!("{base}/{}/deliveries/{}", w.webhook, w.delivery),
    ] {
        let reply = app.get(&path, &w.business_key).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{path}: {:?}",
            reply.body
        );
    }
    let reply = app
        .patch(
            &format!("{base}/{city_hook}"),
            &w.business_key,
            json!({"description": "mine"}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    // Schools and integrators manage no webhooks.
    for key in [&w.school_key, &w.integrator] {
        let reply = app.get(&base, key).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{:?}", reply.body);
        assert_eq!(reply.code(), "forbidden");
        let reply = app
            .post(
                &base,
                key,
                json!({"url": "http://127.0.0.1:9/x", "events": ["*"]}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{:?}", reply.body);
    }

    // Bad input: a clear problem pointing at the field, and nothing written.
    let before = app.all_ids(&base, &w.city, 50).await;
    for (body, pointer) in [
        (json!({"url": "not a url", "events": ["*"]}), "/url"),
        (json!({"url": "ftp://127.0.0.1/x", "events": ["*"]}), "/url"),
        (
            json!({"url": "http://127.0.0.1:9/x", "events": []}),
            "/events",
        ),
        (
            json!({"url": "http://127.0.0.1:9/x", "events": ["booking.exploded"]}),
            "/events/0",
        ),
        (
            json!({"url": "http://127.0.0.1:9/x", "events": ["*", "student.*"]}),
            "/events/1",
        ),
    ] {
        let reply = app.post(&base, &w.city, body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            reply.body
        );
        assert_eq!(reply.code(), "validation_failed");
        assert_eq!(
            reply.body["errors"][0]["pointer"], pointer,
            "{body}: {:?}",
            reply.body
        );
    }
    // A business never receives the city's own resources.
    let reply = app
        .post(
            &base,
            &w.business_key,
            json!({"url": "http://127.0.0.1:9/x", "events": ["api_key.created"]}),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        reply.body
    );
    let reply = app
        .post(
            &base,
            &w.city,
            json!({"url": "http://127.0.0.1:9/x", "events": ["*"], "secret": "mine"}),
        )
        .await;
    assert_eq!(reply.code(), "unknown_field", "{:?}", reply.body);
    assert_eq!(app.all_ids(&base, &w.city, 50).await, before);

    // Changes with If-Match; a stale version is refused.
    let reply = app
        .send(
            reqwest::Method::PATCH,
            &format!("{base}/{city_hook}"),
            Some(&w.city),
            Some(json!({"events": ["school.*"]})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["events"], json!(["school.*"]));
    assert_eq!(reply.body["version"], 2);
    let stale = app
        .send(
            reqwest::Method::PATCH,
            &format!("{base}/{city_hook}"),
            Some(&w.city),
            Some(json!({"events": ["*"]})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{:?}",
        stale.body
    );

    // Every write is in the change feed, for the city; the business sees its own.
    let seen = endpoint_changes(&app, t, &w.city).await;
    assert!(seen.contains(&city_hook) && seen.contains(&own_hook));
    let seen = endpoint_changes(&app, t, &w.business_key).await;
    assert_eq!(seen, HashSet::from([own_hook.clone()]));

    // Deleting: gone, with its log.
    assert_eq!(
        app.delete(&format!("{base}/{own_hook}"), &w.business_key)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("{base}/{own_hook}"), &w.city).await.status,
        StatusCode::NOT_FOUND
    );

    // The catalogue of event types is public reference data.
    let catalogue = app.get("/v1/webhook-event-types", &w.integrator).await;
    assert_eq!(catalogue.status, StatusCode::OK);
    let names: Vec<&str> = catalogue.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    for name in [
        "booking.created",
        "booking.cancelled",
        "booking.completed",
        "route_map.published",
        "work_visit.published",
        "slot.cancelled",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    assert!(!names.iter().any(|n| n.starts_with("student")
        || n.starts_with("consent")
        || n.starts_with("portfolio")));
}

#[tokio::test]
async fn private_and_loopback_targets_are_refused_unless_the_operator_allows_them() {
    let app = TestApp::spawn_with(driehoek_api::startup::WebhookSettings {
        allow_private: false,
        ..test_webhooks()
    })
    .await;
    let tenant = app.tenant("rotterdam", "NL").await;
    let city = app.key(&tenant, "city_admin", None).await;
    let base = format!("/v1/tenants/{tenant}/webhooks");
    for url in [
        "http://hooks.example.com/plain-http",
        "https://127.0.0.1/hook",
        "https://localhost:8443/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://user:secret@hooks.example.com/hook",
    ] {
        let reply = app
            .post(&base, &city, json!({"url": url, "events": ["*"]}))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url}: {:?}",
            reply.body
        );
        assert_eq!(reply.body["errors"][0]["pointer"], "/url", "{url}");
    }
    assert!(app.all_ids(&base, &city, 50).await.is_empty());
}

#[tokio::test]
async fn events_arrive_signed_complete_and_in_order_per_resource_across_an_outage() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let t = &w.tenant;
    let city_receiver = Receiver::start(503).await;
    let (city_hook, city_secret) =
        endpoint(&app, t, &w.city, &city_receiver.url, json!(["*"])).await;
    let host_receiver = Receiver::start(200).await;
    let (host_hook, host_secret) = endpoint(
        &app,
        t,
        &w.business_key,
        &host_receiver.url,
        json!(["booking.*", "work_visit.*"]),
    )
    .await;

    // A draft offering, published; a slot; two bookings, one cancelled, one completed;
    // and a booking on another business's offering.
    let visit = app.work_visit(t, &w.business, "draft").await;
    let published = app
        .patch(
            &format!("/v1/tenants/{t}/work-visits/{visit}"),
            &w.business_key,
            json!({"status": "published"}),
        )
        .await;
    assert_eq!(published.status, StatusCode::OK, "{:?}", published.body);
    let slot = app
        .post(
            &format!("/v1/tenants/{t}/work-visits/{visit}/slots"),
            &w.business_key,
            json!({"starts_at": app.at(120, 8, 0), "ends_at": app.at(120, 12, 0), "capacity": 10}),
        )
        .await
        .id();
    let mut bookings = Vec::new();
    for group in ["3A", "3B"] {
        let booking = app
            .post(
                &format!("/v1/tenants/{t}/bookings"),
                &w.school_key,
                json!({"slot_id": slot, "group_name": group, "seats": 2, "contact": {"name": "Mevr. Jansen"}}),
            )
            .await;
        assert_eq!(booking.status, StatusCode::CREATED, "{:?}", booking.body);
        bookings.push(booking.id());
    }
    let cancelled = app
        .post(
            &format!("/v1/tenants/{t}/bookings/{}/cancel", bookings[0]),
            &w.school_key,
            json!({"reason": "Toetsweek"}),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{:?}", cancelled.body);
    // The visit took place (moved into the past, as a business may correct it).
    let moved = app
        .patch(
            &format!("/v1/tenants/{t}/work-visits/{visit}/slots/{slot}"),
            &app.admin(),
            json!({"starts_at": app.at(-30, 8, 0), "ends_at": app.at(-30, 12, 0)}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    let completed = app
        .put(
            &format!("/v1/tenants/{t}/bookings/{}/attendance", bookings[1]),
            &w.school_key,
            json!({"present": 2}),
        )
        .await;
    assert_eq!(completed.status, StatusCode::OK, "{:?}", completed.body);
    let elsewhere = app.work_visit(t, &w.other_business, "published").await;
    let draft_elsewhere = app.work_visit(t, &w.other_business, "draft").await;
    let other_slot = app
        .post(
            &format!("/v1/tenants/{t}/work-visits/{elsewhere}/slots"),
            &app.admin(),
            json!({"starts_at": app.at(121, 8, 0), "ends_at": app.at(121, 12, 0), "capacity": 10}),
        )
        .await
        .id();
    let other_booking = app
        .post(
            &format!("/v1/tenants/{t}/bookings"),
            &w.school_key,
            json!({"slot_id": other_slot, "group_name": "3C", "seats": 2, "contact": {"name": "Mevr. Jansen"}}),
        )
        .await
        .id();

    // The city's receiver is down for a while: its deliveries are tried and retried.
    city_receiver
        .wait_for(PATIENCE, |r| {
            r.iter().filter(|r| r.answered == 503).count() >= 6
        })
        .await;
    city_receiver.answer(200);
    let deliveries = settled_deliveries(&app, t, &w.city, &city_hook).await;
    assert!(
        deliveries.iter().all(|d| d["status"] == "succeeded"),
        "{deliveries:?}"
    );
    let received = city_receiver.received();
    let accepted = city_receiver.accepted();

    // Every request carried a valid signature and a fresh timestamp.
    let now = app.now().timestamp();
    for request in &received {
        assert!(
            verifies(&city_secret, request),
            "bad signature on {request:?}"
        );
        let sent: i64 = request.timestamp.parse().unwrap();
        assert!((now - sent).abs() < 300, "stale timestamp {sent}");
    }
    // Every delivery arrived exactly once, byte for byte as the log shows it.
    let ids: Vec<&str> = accepted.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        ids.len(),
        "a delivery arrived twice"
    );
    let logged: HashMap<&str, &Value> = deliveries
        .iter()
        .map(|d| (d["id"].as_str().unwrap(), &d["payload"]))
        .collect();
    assert_eq!(
        ids.iter().copied().collect::<HashSet<_>>(),
        logged.keys().copied().collect()
    );
    for request in &accepted {
        assert_eq!(&&request.json(), logged.get(request.id.as_str()).unwrap());
    }
    // In order per resource: each resource's changes arrive by rising sequence number.
    let mut last_seq: HashMap<String, i64> = HashMap::new();
    for request in &accepted {
        let data = &request.json()["data"];
        let (id, seq) = (
            data["id"].as_str().unwrap().to_owned(),
            data["seq"].as_i64().unwrap(),
        );
        if let Some(before) = last_seq.insert(id.clone(), seq) {
            assert!(before < seq, "{id}: {seq} arrived after {before}");
        }
    }
    let kinds = types(&accepted);
    for kind in [
        "work_visit.created",
        "work_visit.published",
        "slot.created",
        "booking.created",
        "booking.cancelled",
        "booking.completed",
        "slot.updated",
    ] {
        assert!(
            kinds.contains(&kind.to_owned()),
            "{kind} missing from {kinds:?}"
        );
    }
    // Thin events: what changed and where to read it; nothing of the booking itself.
    let cancel = accepted
        .iter()
        .map(|r| r.json())
        .find(|b| b["type"] == "booking.cancelled")
        .unwrap();
    assert_eq!(cancel["data"]["id"], bookings[0].as_str());
    assert_eq!(cancel["data"]["resource"], "booking");
    assert_eq!(
        cancel["data"]["url"],
        format!("/v1/tenants/{t}/bookings/{}", bookings[0])
    );
    assert!(cancel["data"].get("group_name").is_none());
    let slot_event = accepted
        .iter()
        .map(|r| r.json())
        .find(|b| b["type"] == "slot.created" && b["data"]["id"] == slot.as_str())
        .unwrap();
    assert_eq!(
        slot_event["data"]["url"],
        format!("/v1/tenants/{t}/work-visits/{visit}/slots/{slot}")
    );
    // Nothing from before the endpoint existed (the world's own booking).
    assert!(
        accepted
            .iter()
            .all(|r| r.json()["data"]["id"] != w.booking.as_str())
    );
    // The log keeps every attempt: failures first, then the success.
    let retried = deliveries
        .iter()
        .find(|d| d["attempts"].as_array().unwrap().len() >= 2)
        .expect("a delivery was retried");
    let attempts = retried["attempts"].as_array().unwrap();
    assert_eq!(attempts[0]["status_code"], 503);
    assert_eq!(attempts.last().unwrap()["status_code"], 200);

    // The business's endpoint got its own offering's and bookings' events, and nothing
    // of another business's booking.
    let host = host_receiver
        .wait_for(PATIENCE, |r| {
            types(r).contains(&"booking.completed".to_owned())
        })
        .await;
    for request in &host {
        assert!(verifies(&host_secret, request));
    }
    let host_kinds = types(&host);
    assert!(
        host_kinds
            .iter()
            .all(|k| k.starts_with("booking.") || k.starts_with("work_visit.")),
        "{host_kinds:?}"
    );
    for kind in [
        "work_visit.created",
        "work_visit.published",
        "booking.created",
        "booking.cancelled",
    ] {
        assert!(
            host_kinds.contains(&kind.to_owned()),
            "{kind} missing from {host_kinds:?}"
        );
    }
    assert!(
        host.iter()
            .all(|r| r.json()["data"]["id"] != other_booking.as_str()),
        "another business's booking leaked"
    );
    // Another business's published offering is catalogue; its draft is not.
    assert!(
        host.iter()
            .any(|r| r.json()["data"]["id"] == elsewhere.as_str())
    );
    assert!(
        host.iter()
            .all(|r| r.json()["data"]["id"] != draft_elsewhere.as_str())
    );
    let _ = host_hook;
}

#[tokio::test]
async fn a_410_disables_the_endpoint_and_enabling_it_resumes_where_it_stopped() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("leuven", "BE").await;
    let city = app.key(&tenant, "city_admin", None).await;
    let receiver = Receiver::start(410).await;
    let (hook, _) = endpoint(&app, &tenant, &city, &receiver.url, json!(["school.*"])).await;
    let path = format!("/v1/tenants/{tenant}/webhooks/{hook}");
    let first = app.school(&tenant, "Sint-Pieterscollege").await;
    receiver.wait_for(PATIENCE, |r| !r.is_empty()).await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let disabled = loop {
        let reply = app.get(&path, &city).await;
        if reply.body["status"] == "disabled" {
            break reply;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never disabled: {:?}",
            reply.body
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        disabled.body["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("410")
    );
    let log = app.get(&format!("{path}/deliveries"), &city).await;
    assert_eq!(log.body["data"][0]["status"], "failed");
    assert_eq!(
        log.body["data"][0]["attempts"].as_array().unwrap().len(),
        1,
        "a 410 is not retried"
    );

    // While disabled nothing is sent.
    receiver.answer(200);
    let second = app.school(&tenant, "Heilig-Hartinstituut").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.received().len(), 1);
    // Enabled again: what happened meanwhile follows.
    let enabled = app.patch(&path, &city, json!({"status": "enabled"})).await;
    assert_eq!(enabled.status, StatusCode::OK, "{:?}", enabled.body);
    assert_eq!(enabled.body["disabled_reason"], Value::Null);
    let received = receiver.wait_for(PATIENCE, |r| r.len() >= 2).await;
    assert_eq!(received[1].json()["data"]["id"], second.as_str());
    assert_eq!(received[0].json()["data"]["id"], first.as_str());
}

#[tokio::test]
async fn a_test_event_can_be_replayed_and_a_rotated_secret_signs_alongside_the_old_one() {
    let app = TestApp::spawn().await;
    let Hooked {
        tenant,
        city,
        receiver,
        hook,
        secret,
    } = hooked(&app, json!(["school.created"])).await;
    let path = format!("/v1/tenants/{tenant}/webhooks/{hook}");

    let test = app.post(&format!("{path}/test"), &city, json!({})).await;
    assert_eq!(test.status, StatusCode::ACCEPTED, "{:?}", test.body);
    assert_eq!(test.body["event_type"], "webhook.test");
    let delivery = test.id();
    assert_eq!(
        test.header("location"),
        Some(format!("{path}/deliveries/{delivery}").as_str())
    );
    let got = receiver.wait_for(PATIENCE, |r| !r.is_empty()).await;
    assert_eq!(got[0].id, delivery);
    assert!(verifies(&secret, &got[0]));
    assert_eq!(got[0].json()["type"], "webhook.test");
    assert_eq!(got[0].json()["data"]["endpoint_id"], hook.as_str());

    // A replay: the same message, again.
    let replay = app
        .post(
            &format!("{path}/deliveries/{delivery}/replay"),
            &city,
            json!({}),
        )
        .await;
    assert_eq!(replay.status, StatusCode::ACCEPTED, "{:?}", replay.body);
    let got = receiver.wait_for(PATIENCE, |r| r.len() >= 2).await;
    assert_eq!(got[1].id, delivery);
    assert_eq!(got[1].body, got[0].body);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let log = app
            .get(&format!("{path}/deliveries/{delivery}"), &city)
            .await;
        if log.body["attempts"].as_array().unwrap().len() == 2 {
            assert_eq!(log.body["status"], "succeeded");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{:?}", log.body);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let missing = app
        .post(
            &format!("{path}/deliveries/{}/replay", uuid::Uuid::now_v7()),
            &city,
            json!({}),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // Rotation with a grace period: both secrets sign.
    let too_long = app
        .post(
            &format!("{path}/rotate-secret"),
            &city,
            json!({"grace_period_seconds": 10_000_000}),
        )
        .await;
    assert_eq!(
        too_long.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        too_long.body
    );
    let rotated = app
        .post(
            &format!("{path}/rotate-secret"),
            &city,
            json!({"grace_period_seconds": 3600}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{:?}", rotated.body);
    assert_eq!(rotated.header("cache-control"), Some("no-store"));
    let new_secret = rotated.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    assert!(rotated.body["previous_secret_expires_at"].is_string());
    app.school(&tenant, "Zadkine").await;
    let got = receiver.wait_for(PATIENCE, |r| r.len() >= 3).await;
    assert_eq!(
        got[2].signature.split(' ').count(),
        2,
        "{}",
        got[2].signature
    );
    assert!(verifies(&new_secret, &got[2]) && verifies(&secret, &got[2]));

    // Rotation without one: only the newest secret signs.
    let rotated = app
        .post(
            &format!("{path}/rotate-secret"),
            &city,
            json!({"grace_period_seconds": 0}),
        )
        .await;
    let newest = rotated.body["secret"].as_str().unwrap().to_owned();
    app.school(&tenant, "Albeda").await;
    let got = receiver.wait_for(PATIENCE, |r| r.len() >= 4).await;
    assert!(verifies(&newest, &got[3]));
    assert!(!verifies(&new_secret, &got[3]) && !verifies(&secret, &got[3]));
}

#[tokio::test]
async fn deliveries_survive_a_restart_and_two_nodes_never_send_one_twice() {
    let app = TestApp::spawn().await;
    let Hooked {
        tenant,
        city,
        receiver,
        hook,
        secret,
    } = hooked(&app, json!(["school.*"])).await;
    // The only worker stops (a shutdown); the API keeps taking writes.
    app.stop_webhook_worker().await;
    let mut schools = Vec::new();
    for i in 0..30 {
        schools.push(app.school(&tenant, &format!("School {i}")).await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(receiver.received().is_empty());
    // Two new nodes on the same database share the work.
    let (_b, _c) = (app.spawn_node().await, app.spawn_node().await);
    let got = receiver.wait_for(PATIENCE, |r| r.len() >= 30).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_all = receiver.received();
    assert_eq!(
        got_all.len(),
        30,
        "a delivery was sent twice: {:?}",
        got.iter().map(|r| &r.id).collect::<Vec<_>>()
    );
    let ids: HashSet<&str> = got_all.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 30);
    let resources: HashSet<String> = got_all
        .iter()
        .map(|r| r.json()["data"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(resources, schools.into_iter().collect());
    assert!(got_all.iter().all(|r| verifies(&secret, r)));
    let deliveries = settled_deliveries(&app, &tenant, &city, &hook).await;
    assert_eq!(deliveries.len(), 30);
    assert!(
        deliveries
            .iter()
            .all(|d| d["attempts"].as_array().unwrap().len() == 1)
    );
}

#[tokio::test]
async fn the_delivery_log_keeps_thirty_days() {
    let app = TestApp::spawn().await;
    let Hooked {
        tenant,
        city,
        receiver,
        hook,
        secret: _,
    } = hooked(&app, json!(["school.*"])).await;
    let path = format!("/v1/tenants/{tenant}/webhooks/{hook}");
    let old = app
        .post(&format!("{path}/test"), &city, json!({}))
        .await
        .id();
    let recent = app
        .post(&format!("{path}/test"), &city, json!({}))
        .await
        .id();
    receiver.wait_for(PATIENCE, |r| r.len() >= 2).await;
    assert_eq!(
        settled_deliveries(&app, &tenant, &city, &hook).await.len(),
        2
    );
    // One was delivered 31 days ago.
    let db = app.database().await;
    let aged = app.now() - chrono::TimeDelta::days(31);
    use driehoek_infra::db::entities::webhook_deliveries as d;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    d::Entity::update_many()
        .col_expr(d::Column::CompletedAt, Expr::value(aged))
        .filter(d::Column::Id.eq(uuid::Uuid::parse_str(&old).unwrap()))
        .exec(&db)
        .await
        .unwrap();
    let removed = app
        .services()
        .await
        .webhooks
        .purge_old_deliveries()
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert_eq!(
        app.get(&format!("{path}/deliveries/{old}"), &city)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("{path}/deliveries/{recent}"), &city)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn deleting_a_business_removes_its_endpoints_and_nothing_else() {
    let app = TestApp::spawn().await;
    let tenant = app.tenant("rotterdam", "NL").await;
    let city = app.key(&tenant, "city_admin", None).await;
    let business = app.business(&tenant, "Bakkerij De Korenschoof").await;
    let key = app
        .key(&tenant, "business", Some(("business_id", &business)))
        .await;
    let base = format!("/v1/tenants/{tenant}/webhooks");
    let (own, _) = endpoint(
        &app,
        &tenant,
        &key,
        "http://127.0.0.1:9/bakkerij",
        json!(["*"]),
    )
    .await;
    let test = app
        .post(&format!("{base}/{own}/test"), &key, json!({}))
        .await;
    assert_eq!(test.status, StatusCode::ACCEPTED);
    let (city_hook, _) = endpoint(
        &app,
        &tenant,
        &city,
        "http://127.0.0.1:9/city",
        json!(["business.*"]),
    )
    .await;

    // The business's keys are revoked first (a business with keys is not deleted).
    let keys = app
        .get(&format!("/v1/tenants/{tenant}/api-keys"), &city)
        .await;
    for k in keys.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["business_id"] == business.as_str())
    {
        let revoked = app
            .delete(
                &format!(
                    "/v1/tenants/{tenant}/api-keys/{}",
                    k["id"].as_str().unwrap()
                ),
                &city,
            )
            .await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    }
    let deleted = app
        .delete(
            &format!("/v1/tenants/{tenant}/businesses/{business}"),
            &city,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{:?}", deleted.body);
    assert_eq!(
        app.get(&format!("{base}/{own}"), &city).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("{base}/{city_hook}"), &city).await.status,
        StatusCode::OK
    );
    let feed = app
        .get(
            &format!("/v1/tenants/{tenant}/changes?resource=webhook_endpoint"),
            &city,
        )
        .await;
    assert!(
        feed.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == own.as_str() && c["op"] == "deleted"),
        "{:?}",
        feed.body
    );
}

/// The secret columns of every stored endpoint, as the database holds them.
async fn stored_secrets(app: &TestApp) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = app.database().await;
    let sql = "SELECT secret, previous_secret FROM webhook_endpoints";
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("the endpoints' rows")
        .iter()
        .flat_map(|row| {
            let secret: String = row.try_get_by_index(0).expect("a secret");
            let previous: Option<String> = row.try_get_by_index(1).expect("a previous secret");
            std::iter::once(secret).chain(previous)
        })
        .collect()
}

#[tokio::test]
async fn signing_secrets_are_sealed_at_rest_and_sealed_again_under_a_new_key() {
    use base64::Engine;
    let key = |byte: u8| base64::engine::general_purpose::STANDARD.encode([byte; 32]);
    let key_id = |keys: &str| {
        driehoek_infra::Sealer::from_config(keys)
            .expect("keys")
            .key_ids()[0]
            .to_owned()
    };
    let (first, second) = (key(7), key(8));
    // A server given no key stores the secret as it was given out.
    let app = TestApp::spawn().await;
    let Hooked {
        tenant,
        city,
        receiver,
        hook,
        secret,
    } = hooked(&app, json!(["school.created"])).await;
    assert_eq!(stored_secrets(&app).await, vec![secret.clone()]);
    app.stop_webhook_worker().await;

    // Restarted with a key, it seals what is stored; deliveries still sign with the
    // secret the client holds.
    let sealed = app.spawn_node_sealing_with(&first).await;
    let stored = stored_secrets(&app).await;
    assert_eq!(stored.len(), 1);
    assert!(
        stored[0].starts_with(&format!("sealed:v1:{}:", key_id(&first))),
        "{stored:?}"
    );
    let secret_text = secret.trim_start_matches("whsec_");
    assert!(!stored[0].contains(secret_text), "{stored:?}");
    sealed.school(&tenant, "Zadkine").await;
    let got = receiver.wait_for(PATIENCE, |r| !r.is_empty()).await;
    assert!(verifies(&secret, &got[0]));

    // A rotation on the sealed node stores both secrets sealed; the endpoint reads
    // back whole.
    let path = format!("/v1/tenants/{tenant}/webhooks/{hook}");
    let rotated = sealed
        .post(
            &format!("{path}/rotate-secret"),
            &city,
            json!({"grace_period_seconds": 3600}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{:?}", rotated.body);
    let new_secret = rotated.body["secret"].as_str().unwrap().to_owned();
    let stored = stored_secrets(&app).await;
    assert_eq!(stored.len(), 2, "{stored:?}");
    for (value, plain) in stored.iter().zip([&new_secret, &secret]) {
        assert!(value.starts_with("sealed:v1:"), "{value}");
        assert!(!value.contains(plain.trim_start_matches("whsec_")));
    }
    let read = sealed.get(&path, &city).await;
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.body);
    assert!(read.body["previous_secret_expires_at"].is_string());
    assert!(read.body.get("secret").is_none(), "{:?}", read.body);
    sealed.stop_webhook_worker().await;

    // A new key goes first, the old one stays to open: the next start seals every
    // secret under the new key, and both secrets still sign.
    let both = format!("{second},{first}");
    let rekeyed = app.spawn_node_sealing_with(&both).await;
    let stored = stored_secrets(&app).await;
    let prefix = format!("sealed:v1:{}:", key_id(&both));
    assert!(stored.iter().all(|s| s.starts_with(&prefix)), "{stored:?}");
    assert_ne!(key_id(&both), key_id(&first));
    rekeyed.school(&tenant, "Albeda").await;
    let got = receiver.wait_for(PATIENCE, |r| r.len() >= 2).await;
    assert!(verifies(&new_secret, &got[1]) && verifies(&secret, &got[1]));
    rekeyed.stop_webhook_worker().await;

    // A node without the key cannot read the sealed endpoint (it answers 500 and
    // sends it nothing), and still serves the endpoints it can read.
    let keyless = app.spawn_node().await;
    let unreadable = keyless.get(&path, &city).await;
    assert_eq!(unreadable.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(unreadable.code(), "internal");
    let other = Receiver::start(200).await;
    let (_, other_secret) = endpoint(
        &keyless,
        &tenant,
        &city,
        &other.url,
        json!(["school.created"]),
    )
    .await;
    keyless.school(&tenant, "Lentiz").await;
    let got = other.wait_for(PATIENCE, |r| !r.is_empty()).await;
    assert!(verifies(&other_secret, &got[0]));
    assert_eq!(got[0].json()["type"], "school.created");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.received().len(),
        2,
        "nothing sent to the sealed one"
    );
}

/// The endpoint's only delivery, once it has had `attempts` attempts.
async fn delivery_after(
    app: &TestApp,
    tenant: &str,
    key: &Key,
    webhook: &str,
    attempts: usize,
) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let log = app
            .get(
                &format!("/v1/tenants/{tenant}/webhooks/{webhook}/deliveries"),
                key,
            )
            .await;
        let delivery = log.body["data"][0].clone();
        if delivery["attempts"].as_array().map_or(0, Vec::len) >= attempts {
            return delivery;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no attempt {attempts}: {delivery:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn a_failed_delivery_is_retried_when_its_wait_has_passed_and_given_up_after_three_days() {
    // Retries an hour apart, doubling: nothing happens until the clock moves.
    let app = TestApp::spawn_with(driehoek_api::startup::WebhookSettings {
        first_retry: Duration::from_secs(3600),
        ..test_webhooks()
    })
    .await;
    let tenant = app.tenant("rotterdam", "NL").await;
    let city = app.key(&tenant, "city_admin", None).await;
    let receiver = Receiver::start(500).await;
    let (hook, _) = endpoint(
        &app,
        &tenant,
        &city,
        &receiver.url,
        json!(["school.created"]),
    )
    .await;
    app.school(&tenant, "Zadkine").await;
    let first = delivery_after(&app, &tenant, &city, &hook, 1).await;
    assert_eq!(first["status"], "pending", "{first:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 1, "not due for an hour");

    // An hour and a quarter later (the wait has up to 20 % jitter) it is tried again.
    receiver.answer(200);
    app.clock.advance(chrono::Duration::minutes(75));
    let retried = delivery_after(&app, &tenant, &city, &hook, 2).await;
    assert_eq!(retried["status"], "succeeded", "{retried:?}");
    assert_eq!(receiver.accepted().len(), 1);

    // A receiver that stays down: the attempt due after three days is the last.
    receiver.answer(503);
    app.school(&tenant, "Lentiz").await;
    // The clock moves only once the failure is recorded with its next attempt: moved
    // between the answer and the record, the retry would already be past its last chance.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let log = app
            .get(
                &format!("/v1/tenants/{tenant}/webhooks/{hook}/deliveries"),
                &city,
            )
            .await;
        let waiting = log.body["data"].as_array().unwrap().iter().any(|d| {
            d["status"] == "pending"
                && d["attempts"].as_array().map_or(0, Vec::len) == 1
                && d["next_attempt_at"].is_string()
        });
        if waiting {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never sent: {:?}",
            log.body
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(receiver.received().len(), 3);
    app.advance_days(4);
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let given_up = loop {
        let log = app
            .get(
                &format!("/v1/tenants/{tenant}/webhooks/{hook}/deliveries"),
                &city,
            )
            .await;
        let failed = log.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["status"] == "failed")
            .cloned();
        if let Some(failed) = failed {
            break failed;
        }
        assert!(tokio::time::Instant::now() < deadline, "{:?}", log.body);
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert_eq!(
        given_up["attempts"].as_array().unwrap().len(),
        2,
        "{given_up:?}"
    );
    assert_eq!(receiver.received().len(), 4);
}
