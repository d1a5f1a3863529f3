//! Partner sync by external id: one offering at a time (`PUT`) or many (`work-visit-sync`).

use driehoek_tests::{TestApp, World};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn offering(external_id: &str, title: &str, slots: Value) -> Value {
    json!({"external_id": external_id, "title": title, "format": "taster_day", "sectors": ["H"],
           "occupations": ["8322"], "min_age": 13, "max_age": 16, "group_size_min": 1, "group_size_max": 4,
           "location": {"street": "Waalhaven Z.z. 1", "postal_code": "3089 JH", "city": "Rotterdam"},
           "slots": slots})
}

/// A slot from 08:00 to 12:00 UTC on day `day` of the partner's season, which opens
/// [`SEASON`] days after the clock's today.
fn slot(app: &TestApp, external_id: &str, day: u32, capacity: u32) -> Value {
    let day = SEASON + i64::from(day);
    json!({"external_id": external_id, "starts_at": app.at(day, 8, 0),
           "ends_at": app.at(day, 12, 0), "capacity": capacity})
}

/// How many days after the clock's today the partner's season opens.
const SEASON: i64 = 120;

fn one(w: &World, external_id: &str) -> String {
    format!(
        "/v1/tenants/{}/businesses/{}/work-visits/{external_id}",
        w.tenant, w.business
    )
}

fn batch(w: &World) -> String {
    format!(
        "/v1/tenants/{}/businesses/{}/work-visit-sync",
        w.tenant, w.business
    )
}

async fn change_count(app: &TestApp, tenant: &str) -> usize {
    let db = app.database().await;
    app.changes(&db, tenant).await.len()
}

#[tokio::test]
async fn a_partner_creates_replaces_and_resends_one_offering_by_its_own_id() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let body = offering(
        "HR-7",
        "Een dag heftrucks",
        json!([slot(&app, "HR-7-a", 6, 4), slot(&app, "HR-7-b", 13, 4)]),
    );
    let created = app
        .put(&one(&w, "HR-7"), &w.business_key, body.clone())
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(
        created.body["status"], "published",
        "synced offerings are on offer"
    );
    assert_eq!(created.body["external_id"], "HR-7");
    assert_eq!(created.body["slots"].as_array().unwrap().len(), 2);
    let location = created.header("location").unwrap().to_owned();
    assert_eq!(
        location,
        format!("/v1/tenants/rotterdam/work-visits/{}", created.id())
    );
    let seen = app.get(&location, &w.school_key).await;
    assert_eq!(
        seen.body["title"], "Een dag heftrucks",
        "schools see it at once"
    );
    let slots = app.get(&format!("{location}/slots"), &w.school_key).await;
    assert_eq!(slots.body["data"].as_array().unwrap().len(), 2);

    let changes = change_count(&app, "rotterdam").await;
    let again = app
        .put(&one(&w, "HR-7"), &w.business_key, body.clone())
        .await;
    assert_eq!(again.status, StatusCode::OK, "{:?}", again.body);
    assert_eq!(again.body["version"], created.body["version"]);
    assert_eq!(again.body["updated_at"], created.body["updated_at"]);
    assert_eq!(
        change_count(&app, "rotterdam").await,
        changes,
        "an identical payload writes nothing"
    );

    let renamed = offering(
        "HR-7",
        "Een dag heftruck rijden",
        json!([slot(&app, "HR-7-a", 6, 5)]),
    );
    let replaced = app.put(&one(&w, "HR-7"), &w.city, renamed).await;
    assert_eq!(replaced.status, StatusCode::OK, "{:?}", replaced.body);
    assert_eq!(replaced.id(), created.id(), "matched by external id");
    assert_eq!(replaced.body["version"], 2);
    let slots = replaced.body["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 1, "the slot left out (no bookings) is gone");
    assert_eq!(slots[0]["capacity"], 5);
    assert_eq!(slots[0]["version"], 2);
    let db = app.database().await;
    let log = app.changes(&db, "rotterdam").await;
    let ops: Vec<(&str, &str)> = log[changes..]
        .iter()
        .map(|c| (c.resource.as_str(), c.op.as_str()))
        .collect();
    assert_eq!(
        ops,
        [
            ("work_visit", "updated"),
            ("slot", "deleted"),
            ("slot", "updated")
        ],
        "one change per row written"
    );

    // A PUT replaces: an optional field the partner leaves out is cleared, not kept.
    let mut described = offering(
        "HR-7",
        "Een dag heftruck rijden",
        json!([slot(&app, "HR-7-a", 6, 5)]),
    );
    described["description"] = json!("Met veiligheidsinstructie");
    let with = app.put(&one(&w, "HR-7"), &w.business_key, described).await;
    assert_eq!(with.body["description"], "Met veiligheidsinstructie");
    let without = offering(
        "HR-7",
        "Een dag heftruck rijden",
        json!([slot(&app, "HR-7-a", 6, 5)]),
    );
    let cleared = app.put(&one(&w, "HR-7"), &w.business_key, without).await;
    assert_eq!(cleared.status, StatusCode::OK);
    assert!(cleared.body["description"].is_null(), "{:?}", cleared.body);
    assert!(app.get(&location, &w.city).await.body["description"].is_null());
}

#[tokio::test]
async fn a_full_sync_twice_is_a_no_op_the_second_time_and_withdraws_what_is_left_out() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let items: Vec<Value> = (0..5)
        .map(|i| {
            offering(
                &format!("V{i}"),
                &format!("Proefdag {i}"),
                json!([
                    slot(&app, &format!("V{i}-1"), 6 + i, 3),
                    slot(&app, &format!("V{i}-2"), 20 + i, 3)
                ]),
            )
        })
        .collect();
    let full = json!({"mode": "full", "work_visits": items});
    let first = app.post(&batch(&w), &w.business_key, full.clone()).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(first.body["summary"]["created"], 5, "{:?}", first.body);
    let results = first.body["results"].as_array().unwrap();
    assert_eq!(results[3]["index"], 3);
    assert_eq!(results[3]["external_id"], "V3");
    assert_eq!(results[3]["result"], "created");

    let changes = change_count(&app, "rotterdam").await;
    let second = app.post(&batch(&w), &w.business_key, full.clone()).await;
    assert_eq!(second.body["summary"]["unchanged"], 5, "{:?}", second.body);
    for (a, b) in first.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .zip(second.body["results"].as_array().unwrap())
    {
        assert_eq!(a["version"], b["version"]);
        assert_eq!(a["work_visit_id"], b["work_visit_id"]);
    }
    assert_eq!(
        change_count(&app, "rotterdam").await,
        changes,
        "no change rows"
    );

    let fewer = json!({"mode": "full", "work_visits": items[..3]});
    let third = app.post(&batch(&w), &w.business_key, fewer.clone()).await;
    assert_eq!(third.body["summary"]["unchanged"], 3, "{:?}", third.body);
    assert_eq!(third.body["summary"]["withdrawn"], 2);
    let withdrawn: Vec<&Value> = third.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["result"] == "withdrawn")
        .collect();
    assert!(withdrawn.iter().all(|r| r["index"].is_null()));
    let gone = withdrawn[0]["work_visit_id"].as_str().unwrap();
    let path = format!("/v1/tenants/rotterdam/work-visits/{gone}");
    assert_eq!(app.get(&path, &w.city).await.body["status"], "withdrawn");
    assert_eq!(
        app.get(&path, &w.school_key).await.status,
        StatusCode::NOT_FOUND,
        "schools no longer see it"
    );
    let changes = change_count(&app, "rotterdam").await;
    let fourth = app.post(&batch(&w), &w.business_key, fewer).await;
    assert_eq!(fourth.body["summary"]["unchanged"], 3);
    assert_eq!(fourth.body["summary"]["withdrawn"], 0, "already withdrawn");
    assert_eq!(change_count(&app, "rotterdam").await, changes);

    // Offerings made by hand (no external id) are not the sync's to withdraw.
    assert_eq!(
        app.get(
            &format!("/v1/tenants/rotterdam/work-visits/{}", w.work_visit),
            &w.city
        )
        .await
        .body["status"],
        "published"
    );
    // A partial sync brings one back without touching the rest.
    let back = json!({"mode": "partial", "work_visits": [items[4]]});
    let partial = app.post(&batch(&w), &w.business_key, back).await;
    assert_eq!(partial.body["summary"]["updated"], 1, "{:?}", partial.body);
    assert_eq!(partial.body["results"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn one_bad_item_fails_alone_with_its_problem() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let mut unknown = offering("B2", "Onbekend veld", json!([]));
    unknown["colour"] = json!("red");
    let mut bad_slot = offering("B4", "Slot omgekeerd", json!([slot(&app, "S", 6, 3)]));
    bad_slot["slots"][0]["ends_at"] = json!(app.at(SEASON + 6, 7, 0));
    let payload = json!({"mode": "partial", "work_visits": [
        offering("B0", "Goed", json!([slot(&app, "S", 6, 3)])),
        offering("B1", "", json!([])),
        unknown,
        offering("B0", "Tweemaal", json!([])),
        bad_slot,
        offering("B5", "Onbekende coach", json!([{"external_id": "S", "starts_at": app.at(SEASON + 6, 8, 0),
            "ends_at": app.at(SEASON + 6, 12, 0), "capacity": 3, "coach_id": w.programme}])),
        offering("B6", "Ook goed", json!([])),
    ]});
    let changes = change_count(&app, "rotterdam").await;
    let reply = app.post(&batch(&w), &w.business_key, payload).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let results = reply.body["results"].as_array().unwrap();
    let summary: Vec<(&str, &str)> = results
        .iter()
        .map(|r| {
            (
                r["result"].as_str().unwrap(),
                r["problem"]["code"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("created", ""),
            ("failed", "validation_failed"),
            ("failed", "unknown_field"),
            ("failed", "validation_failed"),
            ("failed", "validation_failed"),
            ("failed", "validation_failed"),
            ("created", ""),
        ]
    );
    let pointer = |i: usize| {
        results[i]["problem"]["errors"][0]["pointer"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(pointer(1), "/work_visits/1/title");
    assert_eq!(pointer(2), "/work_visits/2/colour");
    assert_eq!(pointer(3), "/work_visits/3/external_id");
    assert_eq!(pointer(4), "/work_visits/4/slots/0/ends_at");
    assert_eq!(pointer(5), "/work_visits/5/slots/0/coach_id");
    assert!(results[1]["problem"]["request_id"].is_string());
    assert_eq!(
        change_count(&app, "rotterdam").await,
        changes + 3,
        "two offerings and one slot, nothing of the bad items"
    );
    let titles: Vec<String> = app
        .get(
            &format!(
                "/v1/tenants/rotterdam/work-visits?business_id={}",
                w.business
            ),
            &w.city,
        )
        .await
        .body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["title"].as_str().unwrap().to_owned())
        .collect();
    assert!(titles.contains(&"Goed".to_owned()) && titles.contains(&"Ook goed".to_owned()));
    assert_eq!(titles.len(), 3, "{titles:?}");
}

#[tokio::test]
async fn a_slot_with_bookings_is_never_dropped_silently() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let path = one(&w, "HR-9");
    let created = app
        .put(
            &path,
            &w.business_key,
            offering(
                "HR-9",
                "Havendag",
                json!([slot(&app, "A", 6, 4), slot(&app, "B", 7, 4)]),
            ),
        )
        .await;
    let slot_a = created.body["slots"][0]["id"].as_str().unwrap().to_owned();
    let booking = app
        .post(
            "/v1/tenants/rotterdam/bookings",
            &w.school_key,
            json!({"slot_id": slot_a, "school_id": w.school, "group_name": "3A", "seats": 2, "contact": {"name": "Dhr. de Wit"}}),
        )
        .await;
    assert_eq!(booking.status, StatusCode::CREATED, "{:?}", booking.body);
    let booking_path = format!("/v1/tenants/rotterdam/bookings/{}", booking.id());

    let changes = change_count(&app, "rotterdam").await;
    let dropped = app
        .put(
            &path,
            &w.business_key,
            offering("HR-9", "Havendag", json!([slot(&app, "B", 7, 4)])),
        )
        .await;
    assert_eq!(dropped.status, StatusCode::CONFLICT, "{:?}", dropped.body);
    assert_eq!(dropped.code(), "slot_has_bookings");
    assert_eq!(
        change_count(&app, "rotterdam").await,
        changes,
        "nothing written"
    );
    assert_eq!(
        app.get(&booking_path, &w.school_key).await.body["status"],
        "confirmed"
    );

    let shrunk = app
        .put(
            &path,
            &w.business_key,
            offering(
                "HR-9",
                "Havendag",
                json!([slot(&app, "A", 6, 1), slot(&app, "B", 7, 4)]),
            ),
        )
        .await;
    assert_eq!(
        shrunk.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        shrunk.body
    );
    assert_eq!(shrunk.body["errors"][0]["pointer"], "/slots/0/capacity");

    let in_batch = app
        .post(
            &batch(&w),
            &w.business_key,
            json!({"mode": "full", "work_visits": [offering("HR-9", "Havendag", json!([]))]}),
        )
        .await;
    assert_eq!(
        in_batch.body["results"][0]["problem"]["code"],
        "slot_has_bookings"
    );

    let mut cancel = slot(&app, "A", 6, 4);
    cancel["status"] = json!("cancelled");
    let cancelled = app
        .put(
            &path,
            &w.business_key,
            offering("HR-9", "Havendag", json!([cancel, slot(&app, "B", 7, 4)])),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{:?}", cancelled.body);
    assert_eq!(cancelled.body["slots"][0]["status"], "cancelled");
    assert_eq!(cancelled.body["slots"][0]["seats_left"], 0);
    let booking = app.get(&booking_path, &w.school_key).await;
    assert_eq!(booking.body["status"], "cancelled");
    assert_eq!(
        booking.body["cancellation_reason"],
        "The host cancelled the slot."
    );
    // Now only cancelled bookings refer to it: left out, it stays as history.
    let left_out = app
        .put(
            &path,
            &w.business_key,
            offering("HR-9", "Havendag", json!([slot(&app, "B", 7, 4)])),
        )
        .await;
    assert_eq!(left_out.status, StatusCode::OK, "{:?}", left_out.body);
    assert_eq!(left_out.body["slots"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn only_the_business_itself_or_the_city_syncs_its_offerings() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let body = offering("X1", "Proefdag", json!([]));
    let payload = json!({"mode": "partial", "work_visits": [body.clone()]});
    let other_business_key = w.other_business_key(&app).await;
    for key in [&w.school_key, &w.integrator, &other_business_key] {
        let put = app.put(&one(&w, "X1"), key, body.clone()).await;
        assert_eq!(put.status, StatusCode::FORBIDDEN, "{:?}", put.body);
        let post = app.post(&batch(&w), key, payload.clone()).await;
        assert_eq!(post.status, StatusCode::FORBIDDEN, "{:?}", post.body);
    }
    let nowhere = format!(
        "/v1/tenants/rotterdam/businesses/{}/work-visits/X1",
        uuid_like()
    );
    assert_eq!(
        app.put(&nowhere, &w.city, body.clone()).await.status,
        StatusCode::NOT_FOUND
    );
    // The wrong role learns nothing from a bad body: 403 before 422.
    let bad = app
        .put(&one(&w, "X1"), &w.school_key, json!({"title": 7}))
        .await;
    assert_eq!(bad.status, StatusCode::FORBIDDEN);
    let own = app.put(&one(&w, "X1"), &w.business_key, body).await;
    assert_eq!(own.status, StatusCode::CREATED, "{:?}", own.body);
}

fn uuid_like() -> &'static str {
    "0b8f6c2e-6a51-4f4e-9d8b-3c2f1a0e9d77"
}

#[tokio::test]
async fn bad_sync_input_is_refused_whole_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let before = w.versions(&app).await;
    let changes = change_count(&app, "rotterdam").await;
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({"mode": "everything", "work_visits": []}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            json!({"mode": "full", "work_visits": [offering("A", "Goed", json!([])), {"title": "zonder id"}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            json!({"mode": "full", "work_visits": vec![json!({}); 1001]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            json!({"mode": "full", "work_visits": [], "extra": 1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_field",
        ),
    ];
    for (body, status, code) in cases {
        let reply = app.post(&batch(&w), &w.business_key, body.clone()).await;
        assert_eq!(reply.status, status, "{body}: {:?}", reply.body);
        assert_eq!(reply.code(), code, "{body}");
    }
    let put = app
        .put(
            &one(&w, "A"),
            &w.business_key,
            offering("B", "Ander id", json!([])),
        )
        .await;
    assert_eq!(put.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(put.body["errors"][0]["pointer"], "/external_id");
    assert_eq!(w.versions(&app).await, before);
    assert_eq!(
        change_count(&app, "rotterdam").await,
        changes,
        "nothing written"
    );

    let published = app
        .put(
            &one(&w, "A"),
            &w.business_key,
            offering("A", "Ok", json!([])),
        )
        .await;
    assert_eq!(published.status, StatusCode::CREATED);
    let mut draft = offering("A", "Ok", json!([]));
    draft["status"] = json!("draft");
    let refused = app.put(&one(&w, "A"), &w.business_key, draft).await;
    assert_eq!(
        refused.code(),
        "state_conflict",
        "published never returns to draft"
    );
    assert_eq!(
        change_count(&app, "rotterdam").await,
        changes + 1,
        "only the creation"
    );
}

#[tokio::test]
async fn the_sync_route_takes_bodies_up_to_8_mib_and_put_up_to_1_mib() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let mut big = offering("BIG", "Groot", json!([]));
    big["padding"] = json!("x".repeat(2 * 1024 * 1024));
    let put = app.put(&one(&w, "BIG"), &w.business_key, big.clone()).await;
    assert_eq!(put.status, StatusCode::PAYLOAD_TOO_LARGE);
    let post = app
        .post(
            &batch(&w),
            &w.business_key,
            json!({"mode": "partial", "work_visits": [big]}),
        )
        .await;
    assert_eq!(post.status, StatusCode::OK, "{:?}", post.body["summary"]);
    assert_eq!(post.body["results"][0]["problem"]["code"], "unknown_field");
}

#[tokio::test]
async fn a_coach_without_screening_fails_its_item_under_required() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    app.patch(
        "/v1/tenants/rotterdam",
        &app.admin(),
        json!({"settings": {"coach_screening": "required"}}),
    )
    .await;
    let mut coached = slot(&app, "C", 6, 3);
    coached["coach_id"] = json!(w.coach);
    let reply = app
        .post(&batch(&w), &w.business_key, json!({"mode": "partial", "work_visits": [offering("C1", "Met coach", json!([coached]))]}))
        .await;
    let problem = &reply.body["results"][0]["problem"];
    assert_eq!(
        problem["code"], "coach_screening_invalid",
        "{:?}",
        reply.body
    );
    assert_eq!(
        problem["errors"][0]["pointer"],
        "/work_visits/0/slots/0/coach_id"
    );
}

#[tokio::test]
async fn concurrent_syncs_of_one_payload_create_each_offering_once() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let items: Vec<Value> = (0..120)
        .map(|i| {
            offering(
                &format!("C{i}"),
                "Gelijktijdig",
                json!([slot(&app, &format!("C{i}-s"), 9, 2)]),
            )
        })
        .collect();
    let payload = json!({"mode": "partial", "work_visits": items});
    let replies = futures_util::future::join_all((0..4).map(|_| {
        let (app, path, key, payload) = (&app, batch(&w), &w.business_key, payload.clone());
        async move { app.post(&path, key, payload).await }
    }))
    .await;
    let mut created = 0;
    for reply in &replies {
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        for r in reply.body["results"].as_array().unwrap() {
            match r["result"].as_str().unwrap() {
                "created" => created += 1,
                "unchanged" => {}
                // Lost the race for a new offering: another call created it first.
                "failed" => assert!(
                    ["duplicate", "version_mismatch"]
                        .contains(&r["problem"]["code"].as_str().unwrap()),
                    "{r}"
                ),
                other => panic!("unexpected {other}: {r}"),
            }
        }
    }
    assert_eq!(created, 120, "each offering is created by exactly one call");
    let db = app.database().await;
    let log = app.changes(&db, "rotterdam").await;
    let count = |resource: &str| {
        log.iter()
            .filter(|c| c.resource == resource && c.op == "created")
            .count()
    };
    assert_eq!(count("work_visit"), 120 + 1, "the world's one and these");
    assert_eq!(count("slot"), 120 + 1);
    let listed = app
        .all_ids(
            &format!(
                "/v1/tenants/rotterdam/work-visits?business_id={}",
                w.business
            ),
            &w.city,
            200,
        )
        .await;
    assert_eq!(listed.len(), 121);
}
