//! The city's figures: completed visits counted once by their slot's start, pupils'
//! small counts suppressed (and the next smallest cell with them), the tenant's
//! threshold applied, city administrators only, and nothing of another tenant.

use driehoek_tests::{Key, TestApp, World};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// How many days before the clock's today the pupil's plan was agreed with a guardian.
const AGREED: i64 = 270;

/// How many days before the clock's today the visits took place.
const VISITED: i64 = 330;

/// From a few days before the visits to the day after tomorrow: the portfolio entries
/// the world made today fall in it.
fn period(app: &TestApp) -> String {
    format!("from={}&to={}", app.day(-VISITED - 4), until(app))
}

/// The day after tomorrow: the end of every period the tests read.
fn until(app: &TestApp) -> String {
    app.day(2)
}

/// Books `seats` on `slot` for `school` (by the city) and returns the booking's id.
async fn book_for(app: &TestApp, w: &World, slot: &str, school: &str, seats: u32) -> String {
    let booked = app
        .post(
            &format!("/v1/tenants/{}/bookings", w.tenant),
            &w.city,
            json!({"slot_id": slot, "school_id": school, "group_name": "3A", "seats": seats,
                   "contact": {"name": "Dhr. Bakker"}}),
        )
        .await;
    assert_eq!(booked.status, StatusCode::CREATED, "{:?}", booked.body);
    booked.id()
}

async fn attendance(app: &TestApp, w: &World, booking: &str, present: u32, absent: u32) {
    let recorded = app
        .send(
            Method::PUT,
            &format!("/v1/tenants/{}/bookings/{booking}/attendance", w.tenant),
            Some(&w.city),
            Some(json!({"present": present, "absent": absent})),
            &[],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::OK, "{:?}", recorded.body);
    assert_eq!(recorded.body["status"], "completed");
}

async fn feedback(app: &TestApp, w: &World, key: &Key, booking: &str, body: Value) {
    let given = app
        .post(
            &format!("/v1/tenants/{}/bookings/{booking}/feedback", w.tenant),
            key,
            body,
        )
        .await;
    assert_eq!(given.status, StatusCode::CREATED, "{:?}", given.body);
}

/// Two schools' visits on one four-hour slot [`VISITED`] days ago, with attendance and
/// feedback; the world's own booking (ahead, confirmed) is not completed.
async fn visited(app: &TestApp, w: &World) {
    let slots = format!(
        "/v1/tenants/{}/work-visits/{}/slots",
        w.tenant, w.work_visit
    );
    let slot = app
        .post(
            &slots,
            &app.admin(),
            json!({"starts_at": app.at(120, 8, 0), "ends_at": app.at(120, 12, 0), "capacity": 20}),
        )
        .await
        .id();
    // The school books for its group and names its pupil on it.
    let mine = app
        .post(
            &format!("/v1/tenants/{}/bookings", w.tenant),
            &w.school_key,
            json!({"slot_id": slot, "group_name": "2B", "seats": 6, "student_ids": [w.student],
                   "contact": {"name": "Mevr. Jansen"}}),
        )
        .await;
    assert_eq!(mine.status, StatusCode::CREATED, "{:?}", mine.body);
    let mine = mine.id();
    let theirs = book_for(app, w, &slot, &w.other_school, 3).await;
    let moved = app
        .patch(
            &format!("{slots}/{slot}"),
            &app.admin(),
            json!({"starts_at": app.at(-VISITED, 8, 0), "ends_at": app.at(-VISITED, 12, 0)}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    attendance(app, w, &mine, 5, 1).await;
    attendance(app, w, &theirs, 3, 0).await;
    feedback(
        app,
        w,
        &w.school_key,
        &mine,
        json!({"author": "school", "rating": 4}),
    )
    .await;
    feedback(
        app,
        w,
        &w.business_key,
        &mine,
        json!({"author": "business", "rating": 5, "would_host_again": true}),
    )
    .await;
    feedback(
        app,
        w,
        &w.school_key,
        &mine,
        json!({"author": "student", "rating": 3}),
    )
    .await;
    // The pupil's route plan, agreed with a guardian after the visit: the clock goes
    // back to that day for it (the guardian's token, made today, is valid until
    // tomorrow then).
    app.clock.advance(chrono::Duration::days(-AGREED));
    let plan_path = format!("/v1/tenants/{}/students/{}/route-plan", w.tenant, w.student);
    let plan = app
        .put(
            &plan_path,
            &w.school_key,
            json!({"route_map_id": w.route_map, "steps": ["vmbo", "mbo"]}),
        )
        .await;
    assert!(plan.status.is_success(), "{:?}", plan.body);
    let agreed = app
        .send(
            Method::POST,
            &format!("{plan_path}/agreements"),
            Some(&w.guardian),
            None,
            &[],
        )
        .await;
    assert_eq!(agreed.status, StatusCode::CREATED, "{:?}", agreed.body);
    app.clock.advance(chrono::Duration::days(AGREED));
}

#[tokio::test]
async fn the_city_sees_its_year_with_small_counts_of_pupils_suppressed() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    visited(&app, &w).await;
    let stats = format!("/v1/tenants/{}/stats", w.tenant);
    let reply = app.get(&format!("{stats}?{}", period(&app)), &w.city).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    let s = reply.body;
    let echoed = format!(
        "from={}&to={}",
        s["from"].as_str().unwrap_or_default(),
        s["to"].as_str().unwrap_or_default()
    );
    assert_eq!(echoed, period(&app));
    assert_eq!(s["timezone"], "Europe/Amsterdam");
    assert_eq!(s["small_cell_threshold"], 5);
    assert_eq!(
        s["reach"],
        json!({"visits": 2, "sessions": 1, "hours": 4.0, "schools": 2, "partners": 1,
               "coaches": 0, "participants": 8, "named_pupils": null})
    );
    // One pupil absent: too few to publish, and the rate would give it away.
    assert_eq!(
        s["attendance"],
        json!({"present": 8, "absent": null, "no_show_rate": null})
    );
    assert_eq!(s["sectors"], json!([{"sector": "H", "participants": 8}]));
    assert_eq!(
        s["satisfaction"],
        json!([
            {"author": "school", "responses": 1, "average_rating": 4.0},
            {"author": "business", "responses": 1, "average_rating": 5.0},
            {"author": "student", "responses": null, "average_rating": null}
        ])
    );
    assert_eq!(s["would_host_again"], json!({"yes": 1, "no": 0}));
    // The school's one pupil, named and present: every count of it hidden.
    assert_eq!(
        s["coverage"],
        json!([{"school_id": w.school, "pupils": null, "with_experience": null, "share": null}])
    );
    assert_eq!(
        s["portfolio"],
        json!({"pupils": null, "entries": [{"kind": "talent", "entries": null}]})
    );
    assert_eq!(
        s["suppressed"],
        json!([
            "/reach/named_pupils",
            "/attendance/absent",
            "/attendance/no_show_rate",
            "/satisfaction/2/responses",
            "/satisfaction/2/average_rating",
            "/coverage/0/pupils",
            "/coverage/0/with_experience",
            "/coverage/0/share",
            "/portfolio/pupils",
            "/portfolio/entries/0/entries",
            "/route_plans/pupils_with_plan",
            "/route_plans/agreed_with_guardian"
        ])
    );

    // The default period is this calendar year in the tenant's time zone (an hour
    // ahead of UTC in Rotterdam, so on New Year's Eve it may be UTC's next).
    let year = app.year();
    let default = app.get(&stats, &w.city).await;
    let from = default.body["from"].as_str().unwrap_or_default().to_owned();
    let starts = [year, year + 1].map(|y| format!("{y}-01-01"));
    assert!(starts.contains(&from), "{:?}", default.body);
    let next: i32 = from[..4].parse().unwrap_or_default();
    assert_eq!(default.body["to"], json!(format!("{}-01-01", next + 1)));
    // The year before the visits holds nothing.
    let before = format!(
        "from={}&to={}",
        app.day(-VISITED - 370),
        app.day(-VISITED - 4)
    );
    let empty = app.get(&format!("{stats}?{before}"), &w.city).await;
    assert_eq!(empty.body["reach"]["visits"], 0, "{:?}", empty.body);
    assert_eq!(empty.body["attendance"]["no_show_rate"], Value::Null);
    // Zero is no small cell: only the school's one pupil stays hidden.
    assert_eq!(empty.body["coverage"][0]["with_experience"], 0);
    assert_eq!(empty.body["portfolio"], json!({"pupils": 0, "entries": []}));
    assert_eq!(
        empty.body["route_plans"],
        json!({"pupils_with_plan": 0, "agreed_with_guardian": 0}),
        "the plan was made after that year"
    );
    assert_eq!(
        empty.body["suppressed"],
        json!(["/coverage/0/pupils", "/coverage/0/share"])
    );
    // A programme the visits were not offered under counts none of them.
    let programme = app
        .get(
            &format!("{stats}?{}&programme_id={}", period(&app), w.programme),
            &w.city,
        )
        .await;
    assert_eq!(programme.body["reach"]["visits"], 0, "{:?}", programme.body);

    // The tenant's own threshold: at 1 everything shows.
    let lowered = app
        .patch(
            &format!("/v1/tenants/{}", w.tenant),
            &app.admin(),
            json!({"settings": {"small_cell_threshold": 1}}),
        )
        .await;
    assert_eq!(lowered.status, StatusCode::OK, "{:?}", lowered.body);
    let all = app
        .get(&format!("{stats}?{}", period(&app)), &app.admin())
        .await;
    assert_eq!(all.status, StatusCode::OK, "{:?}", all.body);
    assert_eq!(all.body["attendance"]["absent"], 1);
    assert_eq!(
        all.body["attendance"]["no_show_rate"], 0.1111,
        "1 of 9, to four places"
    );
    assert_eq!(all.body["satisfaction"][2]["average_rating"], 3.0);
    assert_eq!(all.body["reach"]["named_pupils"], 1);
    assert_eq!(
        all.body["coverage"],
        json!([{"school_id": w.school, "pupils": 1, "with_experience": 1, "share": 1.0}])
    );
    assert_eq!(
        all.body["portfolio"],
        json!({"pupils": 1, "entries": [{"kind": "talent", "entries": 1}]})
    );
    assert_eq!(
        all.body["route_plans"],
        json!({"pupils_with_plan": 1, "agreed_with_guardian": 1})
    );
    assert_eq!(all.body["suppressed"], json!([]));
    // Agreed before the period: the plan counts, the agreement does not.
    let later = app
        .get(
            &format!("{stats}?from={}&to={}", app.day(-AGREED + 90), until(&app)),
            &app.admin(),
        )
        .await;
    assert_eq!(
        later.body["route_plans"],
        json!({"pupils_with_plan": 1, "agreed_with_guardian": 0}),
        "{:?}",
        later.body
    );
}

#[tokio::test]
async fn bad_periods_are_refused_and_only_city_administrators_read_figures() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let stats = format!("/v1/tenants/{}/stats", w.tenant);
    for query in ["from=2026-13-01", "to=tomorrow", "programme_id=nope"] {
        let reply = app.get(&format!("{stats}?{query}"), &w.city).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{query}: {:?}",
            reply.body
        );
        assert_eq!(reply.body["type"], format!("/problems/{}", reply.code()));
    }
    for (query, message) in [
        ("from=2026-06-01&to=2026-06-01", "must be after from"),
        ("from=2020-01-01&to=2026-01-02", "at most"),
    ] {
        let reply = app.get(&format!("{stats}?{query}"), &w.city).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{query}: {:?}",
            reply.body
        );
        assert_eq!(reply.body["errors"][0]["pointer"], "/to");
        let said = reply.body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(said.contains(message), "{query}: {said}");
    }
    for key in [&w.school_key, &w.business_key, &w.integrator] {
        let reply = app.get(&stats, key).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{:?}", reply.body);
        assert_eq!(reply.code(), "forbidden");
    }
    assert_eq!(app.get(&stats, &w.city).await.status, StatusCode::OK);
}

#[tokio::test]
async fn another_tenant_neither_reads_the_figures_nor_is_counted_in_them() {
    let app = TestApp::spawn().await;
    let rotterdam = World::build(&app, "rotterdam", "NL").await;
    let leuven = World::build(&app, "leuven", "BE").await;
    visited(&app, &rotterdam).await;
    let theirs = app
        .get(
            &format!("/v1/tenants/rotterdam/stats?{}", period(&app)),
            &leuven.city,
        )
        .await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN);
    assert_eq!(theirs.code(), "tenant_forbidden");
    let own = app
        .get(
            &format!("/v1/tenants/leuven/stats?{}", period(&app)),
            &leuven.city,
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{:?}", own.body);
    assert_eq!(own.body["timezone"], "Europe/Brussels");
    assert_eq!(own.body["reach"]["visits"], 0);
    assert_eq!(own.body["sectors"], json!([]));
    assert_eq!(own.body["would_host_again"], json!({"yes": 0, "no": 0}));
}
