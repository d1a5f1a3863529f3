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

/// The pointers a report lists as suppressed.
fn suppressed(report: &Value) -> Vec<String> {
    report["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect()
}

/// The report suppresses at least `expected`, and each value it lists as suppressed
/// is `null`.
fn hides(report: &Value, expected: &[&str]) {
    let listed = suppressed(report);
    for pointer in expected {
        assert!(
            listed.iter().any(|p| p == pointer),
            "{pointer} in {listed:?}"
        );
    }
    for pointer in &listed {
        assert_eq!(report.pointer(pointer), Some(&Value::Null), "{pointer}");
    }
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
    hides(
        &s,
        &[
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
            "/route_plans/agreed_with_guardian",
        ],
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
    hides(&empty.body, &["/coverage/0/pupils", "/coverage/0/share"]);
    assert!(
        !suppressed(&empty.body).contains(&"/coverage/0/with_experience".to_owned()),
        "zero is shown"
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

#[tokio::test]
async fn more_reports_at_once_than_a_node_computes_together_all_get_the_same_figures() {
    // A node computes as many reports at once as its read pool has connections (4 on
    // SQLite); the others wait their turn and are answered all the same.
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    visited(&app, &w).await;
    let path = format!("/v1/tenants/rotterdam/stats?{}", period(&app));
    let reports = futures_util::future::join_all((0..20).map(|_| app.get(&path, &w.city))).await;
    let first = &reports[0].body;
    assert_eq!(first["reach"]["visits"], 2, "{first:?}");
    for report in &reports {
        assert_eq!(report.status, StatusCode::OK, "{:?}", report.body);
        assert_eq!(&report.body, first);
    }
}

/// A school of the world's tenant at `postal_code`, with `grades` of pupils (grade,
/// how many); returns its id, its key and its pupils by grade.
async fn school_with_pupils(
    app: &TestApp,
    w: &World,
    name: &str,
    postal_code: &str,
    grades: &[(&str, usize)],
) -> (String, Key, Vec<Vec<String>>) {
    let t = &w.tenant;
    let school = app
        .post(
            &format!("/v1/tenants/{t}/schools"),
            &app.admin(),
            json!({"name": name, "kind": "secondary", "education_levels": ["nl_havo"],
                   "address": {"street": "Schoolstraat 1", "postal_code": postal_code, "city": "Rotterdam"}}),
        )
        .await;
    assert_eq!(school.status, StatusCode::CREATED, "{:?}", school.body);
    let school = school.id();
    let key = app.key(t, "school", Some(("school_id", &school))).await;
    let mut pupils = Vec::new();
    for (grade, n) in grades {
        let mut ids = Vec::new();
        for i in 0..*n {
            let made = app
                .post(
                    &format!("/v1/tenants/{t}/students"),
                    &key,
                    json!({"external_ref": format!("{name}-{grade}-{i}"), "display_name": format!("Leerling{name}{i}"),
                           "birth_year": app.born(14), "grade": grade, "education_level": "nl_havo"}),
                )
                .await;
            assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
            let id = made.id();
            let consent = app.consent(t, &key, &id, "participation", "granted").await;
            assert_eq!(consent.status, StatusCode::CREATED);
            ids.push(id);
        }
        pupils.push(ids);
    }
    (school, key, pupils)
}

/// A slot of the world's offering, booked by `key` naming `pupils` (all present once
/// it took place, `days_ago` days ago); returns the booking.
async fn visit_with(
    app: &TestApp,
    w: &World,
    key: &Key,
    pupils: &[&String],
    days_ago: i64,
) -> String {
    let t = &w.tenant;
    let slots = format!("/v1/tenants/{t}/work-visits/{}/slots", w.work_visit);
    let slot = app
        .post(
            &slots,
            &app.admin(),
            json!({"starts_at": app.at(60, 8, 0), "ends_at": app.at(60, 12, 0), "capacity": 30}),
        )
        .await
        .id();
    let booked = app
        .post(
            &format!("/v1/tenants/{t}/bookings"),
            key,
            json!({"slot_id": slot, "group_name": "Klas", "seats": pupils.len(), "student_ids": pupils,
                   "contact": {"name": "Mentor"}}),
        )
        .await;
    assert_eq!(booked.status, StatusCode::CREATED, "{:?}", booked.body);
    let booking = booked.id();
    let moved = app
        .patch(
            &format!("{slots}/{slot}"),
            &app.admin(),
            json!({"starts_at": app.at(-days_ago, 8, 0), "ends_at": app.at(-days_ago, 12, 0)}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    let present: Vec<Value> = pupils
        .iter()
        .map(|id| json!({"student_id": id, "present": true}))
        .collect();
    let recorded = app
        .put(
            &format!("/v1/tenants/{t}/bookings/{booking}/attendance"),
            key,
            json!({"present": pupils.len(), "students": present}),
        )
        .await;
    assert_eq!(recorded.status, StatusCode::OK, "{:?}", recorded.body);
    booking
}

#[tokio::test]
async fn encounters_meaningful_visits_and_neighbourhoods_never_give_a_small_count_away() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let t = &w.tenant;
    // Two schools in 3015, one in 3072 (and the world's two without a postal code).
    let (a, a_key, a_pupils) = school_with_pupils(
        &app,
        &w,
        "Noord",
        "3015 GD",
        &[("2 havo", 20), ("3 havo", 12)],
    )
    .await;
    let (b, b_key, b_pupils) =
        school_with_pupils(&app, &w, "Oost", "3015 AB", &[("2 havo", 15)]).await;
    let (c, c_key, c_pupils) =
        school_with_pupils(&app, &w, "Zuid", "3072 AP", &[("2 havo", 10)]).await;
    // Noord's 2 havo: eight pupils with two visits, nine with one, three (a small
    // cell) with none.
    let twice: Vec<&String> = a_pupils[0][..8].iter().collect();
    let once: Vec<&String> = a_pupils[0][..17].iter().collect();
    visit_with(&app, &w, &a_key, &once, 40).await;
    let full_cycle = visit_with(&app, &w, &a_key, &twice, 30).await;
    // Oost: two pupils once (small); Zuid: all ten three times.
    let oost: Vec<&String> = b_pupils[0][..2].iter().collect();
    visit_with(&app, &w, &b_key, &oost, 20).await;
    let zuid: Vec<&String> = c_pupils[0].iter().collect();
    for days in [50, 45, 35] {
        visit_with(&app, &w, &c_key, &zuid, days).await;
    }
    // One visit went through the whole cycle: prepared, debriefed, both sides' feedback.
    for step in ["prepared", "debriefed"] {
        let marked = app
            .post(
                &format!("/v1/tenants/{t}/bookings/{full_cycle}/{step}"),
                &a_key,
                json!({}),
            )
            .await;
        assert_eq!(marked.status, StatusCode::OK, "{:?}", marked.body);
    }
    feedback(
        &app,
        &w,
        &a_key,
        &full_cycle,
        json!({"author": "school", "rating": 4}),
    )
    .await;
    feedback(
        &app,
        &w,
        &w.business_key,
        &full_cycle,
        json!({"author": "business", "rating": 5, "would_host_again": true}),
    )
    .await;

    let report = app
        .get(
            &format!(
                "/v1/tenants/{t}/stats?from={}&to={}",
                app.day(-60),
                app.day(2)
            ),
            &w.city,
        )
        .await;
    assert_eq!(report.status, StatusCode::OK, "{:?}", report.body);
    let s = &report.body;
    assert_eq!(
        s["meaningful"],
        json!({"visits": 6, "prepared": 1, "debriefed": 1, "feedback_from_both": 1,
               "meaningful": 1, "share": 0.167})
    );
    let group = |school: &str, grade: &str| -> Value {
        s["encounters_per_pupil"]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["school_id"] == school && g["grade"] == grade)
            .cloned()
            .unwrap_or_else(|| panic!("{school} {grade} in {s:#}"))
    };
    // A figure is its true value or hidden; `small` ones are always hidden.
    let is = |v: &Value, truth: u64| v.is_null() || *v == truth;
    let noord2 = group(&a, "2 havo");
    assert_eq!(
        noord2["by_count"]["none"],
        Value::Null,
        "3 is small: {noord2}"
    );
    assert!(is(&noord2["by_count"]["one"], 9), "{noord2}");
    assert!(is(&noord2["by_count"]["two"], 8), "{noord2}");
    assert_eq!(noord2["by_count"]["three_or_more"], 0, "zero is published");
    assert!(is(&noord2["pupils"], 20));
    let noord3 = group(&a, "3 havo");
    assert!(is(&noord3["pupils"], 12) && is(&noord3["by_count"]["none"], 12));
    assert_eq!(noord3["by_count"]["one"], 0);
    let oost2 = group(&b, "2 havo");
    assert_eq!(oost2["by_count"]["one"], Value::Null, "2 is small: {oost2}");
    assert!(is(&oost2["by_count"]["none"], 13));
    let zuid2 = group(&c, "2 havo");
    assert!(is(&zuid2["by_count"]["three_or_more"], 10));
    assert_eq!(zuid2["by_count"]["none"], 0);
    // Neighbourhoods: 3015 (Noord and Oost), 3072 (Zuid), and the world's schools
    // without a postal code.
    let areas = s["areas"].as_array().unwrap();
    let area = |code: &str| areas.iter().find(|a| a["area"] == code).cloned().unwrap();
    assert_eq!(area("3015")["schools"], 2);
    assert_eq!(area("3015")["visits"], 3);
    assert!(is(&area("3015")["pupils"], 47));
    assert!(is(&area("3072")["reached"], 10));
    assert_eq!(area("3072")["visits"], 3);
    assert!(areas.iter().any(|a| a["area"].is_null()));

    // Every suppressed value is null, and no published sum leaves exactly one of its
    // parts (or its total) unknown: nothing comes out by subtracting.
    hides(s, &[]);
    let value = |pointer: &str| s.pointer(pointer).cloned().unwrap_or(Value::Null);
    let groups = s["encounters_per_pupil"]["groups"].as_array().unwrap();
    let bands = ["none", "one", "two", "three_or_more"];
    let mut sums: Vec<Vec<String>> = Vec::new();
    for (i, _) in groups.iter().enumerate() {
        let mut sum = vec![format!("/encounters_per_pupil/groups/{i}/pupils")];
        sum.extend(bands.map(|b| format!("/encounters_per_pupil/groups/{i}/by_count/{b}")));
        sums.push(sum);
    }
    for b in bands {
        let mut sum = vec![format!("/encounters_per_pupil/by_count/{b}")];
        sum.extend(
            (0..groups.len()).map(|i| format!("/encounters_per_pupil/groups/{i}/by_count/{b}")),
        );
        sums.push(sum);
    }
    let coverage = s["coverage"].as_array().unwrap();
    for (i, c) in coverage.iter().enumerate() {
        let school = c["school_id"].as_str().unwrap();
        let mut sum = vec![format!("/coverage/{i}/pupils")];
        sum.extend(
            groups
                .iter()
                .enumerate()
                .filter(|(_, g)| g["school_id"] == school)
                .map(|(j, _)| format!("/encounters_per_pupil/groups/{j}/pupils")),
        );
        sums.push(sum);
    }
    let mut city = vec!["/encounters_per_pupil/pupils".to_owned()];
    city.extend((0..coverage.len()).map(|i| format!("/coverage/{i}/pupils")));
    sums.push(city);
    for sum in &sums {
        let unknown = sum.iter().filter(|p| value(p).is_null()).count();
        assert_ne!(unknown, 1, "{sum:?} gives its one hidden value away: {s:#}");
    }
    // At threshold 1 nothing is hidden: the counts themselves.
    let lowered = app
        .patch(
            &format!("/v1/tenants/{t}"),
            &app.admin(),
            json!({"settings": {"small_cell_threshold": 1}}),
        )
        .await;
    assert_eq!(lowered.status, StatusCode::OK, "{:?}", lowered.body);
    let all = app
        .get(
            &format!(
                "/v1/tenants/{t}/stats?from={}&to={}",
                app.day(-60),
                app.day(2)
            ),
            &w.city,
        )
        .await;
    assert_eq!(suppressed(&all.body), Vec::<String>::new());
    let counts = |school: &str, grade: &str| -> Value {
        all.body["encounters_per_pupil"]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["school_id"] == school && g["grade"] == grade)
            .map(|g| json!([g["pupils"], g["by_count"]]))
            .unwrap()
    };
    let bands =
        |n: [u64; 4]| json!({"none": n[0], "one": n[1], "two": n[2], "three_or_more": n[3]});
    assert_eq!(counts(&a, "2 havo"), json!([20, bands([3, 9, 8, 0])]));
    assert_eq!(counts(&a, "3 havo"), json!([12, bands([12, 0, 0, 0])]));
    assert_eq!(counts(&b, "2 havo"), json!([15, bands([13, 2, 0, 0])]));
    assert_eq!(counts(&c, "2 havo"), json!([10, bands([0, 0, 0, 10])]));
    // The world's one pupil (Sara, at its school) had no visit.
    assert_eq!(
        all.body["encounters_per_pupil"]["by_count"],
        bands([3 + 12 + 13 + 1, 9 + 2, 8, 10])
    );
    let areas = all.body["areas"].as_array().unwrap();
    let area = |code: &str| areas.iter().find(|a| a["area"] == code).cloned().unwrap();
    assert_eq!(area("3015")["pupils"], 47);
    assert_eq!(area("3015")["reached"], 17 + 2);
    assert_eq!(area("3072")["reached"], 10);
    assert_eq!(all.body["reach"]["named_pupils"], 17 + 2 + 10);

    // And it never names a pupil.
    let text = s.to_string();
    for pupil in a_pupils.iter().chain(&b_pupils).chain(&c_pupils).flatten() {
        assert!(!text.contains(pupil.as_str()));
    }
    assert!(!text.contains("Leerling"));
}
