use std::sync::Arc;

use driehoek_tests::{TestApp, World};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// How many days from the clock's today [`open_slot`]'s slot is (08:00-15:00 UTC).
const SLOT_DAY: i64 = 160;

/// A published offering for groups of 1-5 with one slot of `capacity` seats.
async fn open_slot(app: &TestApp, w: &World, capacity: u32) -> (String, String) {
    let visit = app
        .post(
            "/v1/tenants/rotterdam/work-visits",
            &app.admin(),
            json!({"business_id": w.business, "title": "Meeloopdag", "format": "job_shadowing", "min_age": 12, "max_age": 18,
                   "group_size_min": 1, "group_size_max": 5, "online": true, "status": "published"}),
        )
        .await
        .id();
    let slot = app
        .post(
            &format!("/v1/tenants/rotterdam/work-visits/{visit}/slots"),
            &app.admin(),
            json!({"starts_at": app.at(SLOT_DAY, 8, 0), "ends_at": app.at(SLOT_DAY, 15, 0), "capacity": capacity}),
        )
        .await
        .id();
    (visit, slot)
}

fn request(slot: &str, seats: u32, waitlist: bool) -> Value {
    json!({"slot_id": slot, "group_name": "Klas 2B", "seats": seats, "contact": {"name": "Mevr. Jansen", "email": "jansen@school.nl"}, "waitlist": waitlist})
}

/// Books through the API as `key`.
async fn book(app: &TestApp, key: &driehoek_tests::Key, body: Value) -> driehoek_tests::Reply {
    app.post("/v1/tenants/rotterdam/bookings", key, body).await
}

async fn seats_booked(app: &TestApp, visit: &str, slot: &str) -> (u64, u64) {
    let s = app
        .get(
            &format!("/v1/tenants/rotterdam/work-visits/{visit}/slots/{slot}"),
            &app.admin(),
        )
        .await
        .body;
    (
        s["seats_booked"].as_u64().unwrap(),
        s["seats_left"].as_u64().unwrap(),
    )
}

#[tokio::test]
async fn a_school_books_seats_and_only_it_the_host_and_the_city_see_the_booking() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let (visit, slot) = open_slot(&app, &w, 10).await;
    let booked = book(&app, &w.school_key, request(&slot, 4, false)).await;
    assert_eq!(booked.status, StatusCode::CREATED, "{:?}", booked.body);
    assert_eq!(booked.body["status"], "confirmed");
    assert_eq!(
        booked.body["school_id"],
        w.school.as_str(),
        "booked for the key's own school"
    );
    assert_eq!(seats_booked(&app, &visit, &slot).await, (4, 6));
    let path = format!("/v1/tenants/rotterdam/bookings/{}", booked.id());
    for key in [&w.school_key, &w.business_key, &w.city] {
        assert_eq!(app.get(&path, key).await.status, StatusCode::OK);
    }
    let other_school = w.other_school_key(&app).await;
    let other_business = w.other_business_key(&app).await;
    for key in [&other_school, &other_business] {
        assert_eq!(
            app.get(&path, key).await.status,
            StatusCode::NOT_FOUND,
            "another's booking does not exist for them"
        );
        assert!(
            !app.get("/v1/tenants/rotterdam/bookings", key)
                .await
                .body
                .to_string()
                .contains(&booked.id())
        );
    }
    assert_eq!(app.get(&path, &w.integrator).await.code(), "forbidden");
    assert_eq!(
        app.get("/v1/tenants/rotterdam/bookings", &w.integrator)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mine = app
        .get(
            &format!("/v1/tenants/rotterdam/bookings?slot_id={slot}"),
            &w.school_key,
        )
        .await;
    assert_eq!(mine.body["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn concurrent_bookings_never_exceed_capacity() {
    let app = Arc::new(TestApp::spawn().await);
    let w = Arc::new(World::build(&app, "rotterdam", "NL").await);
    let (visit, slot) = open_slot(&app, &w, 10).await;
    let requests: Vec<_> = (0..200)
        .map(|_| {
            let (app, key, slot) = (app.clone(), w.school_key.clone(), slot.clone());
            tokio::spawn(async move { book(&app, &key, request(&slot, 1, false)).await })
        })
        .collect();
    let (mut confirmed, mut full) = (0, 0);
    for handle in requests {
        let reply = handle.await.unwrap();
        match reply.status {
            StatusCode::CREATED => confirmed += 1,
            StatusCode::CONFLICT => {
                assert_eq!(reply.code(), "slot_full");
                full += 1;
            }
            other => panic!("unexpected {other}: {:?}", reply.body),
        }
    }
    assert_eq!((confirmed, full), (10, 190));
    assert_eq!(seats_booked(&app, &visit, &slot).await, (10, 0));
    let listed = app
        .all_ids(
            &format!("/v1/tenants/rotterdam/bookings?slot_id={slot}"),
            &app.admin(),
            200,
        )
        .await;
    assert_eq!(listed.len(), 10, "no refused request left a booking behind");
}

#[tokio::test]
async fn a_cancellation_frees_seats_and_promotes_the_oldest_waitlisted_that_fit() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let (visit, slot) = open_slot(&app, &w, 5).await;
    let first = book(&app, &w.school_key, request(&slot, 4, false)).await;
    let full = book(&app, &w.school_key, request(&slot, 3, false)).await;
    assert_eq!(full.code(), "slot_full");
    let wait_big = book(&app, &w.school_key, request(&slot, 3, true)).await;
    let wait_small = book(&app, &w.school_key, request(&slot, 2, true)).await;
    assert_eq!(
        (
            wait_big.body["status"].as_str(),
            wait_small.body["status"].as_str()
        ),
        (Some("waitlisted"), Some("waitlisted"))
    );
    assert_eq!(
        seats_booked(&app, &visit, &slot).await,
        (4, 1),
        "wait-listed bookings hold no seats"
    );
    let cancelled = app
        .post(
            &format!("/v1/tenants/rotterdam/bookings/{}/cancel", first.id()),
            &w.school_key,
            json!({"reason": "Toetsweek"}),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{:?}", cancelled.body);
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(cancelled.body["cancellation_reason"], "Toetsweek");
    let status = |id: String| {
        let app = &app;
        async move {
            app.get(
                &format!("/v1/tenants/rotterdam/bookings/{id}"),
                &app.admin(),
            )
            .await
            .body["status"]
                .clone()
        }
    };
    assert_eq!(
        status(wait_big.id()).await,
        "confirmed",
        "the oldest that fits goes first"
    );
    assert_eq!(
        status(wait_small.id()).await,
        "confirmed",
        "then the next that still fits"
    );
    assert_eq!(seats_booked(&app, &visit, &slot).await, (5, 0));
    let again = app
        .post(
            &format!("/v1/tenants/rotterdam/bookings/{}/cancel", first.id()),
            &w.school_key,
            json!({}),
        )
        .await;
    assert_eq!(again.code(), "state_conflict");
    let by_host = app
        .post(
            &format!("/v1/tenants/rotterdam/bookings/{}/cancel", wait_small.id()),
            &w.business_key,
            json!({}),
        )
        .await;
    assert_eq!(by_host.status, StatusCode::OK, "the host may cancel too");
    assert_eq!(seats_booked(&app, &visit, &slot).await, (3, 2));
}

#[tokio::test]
async fn unbookable_slots_and_groups_that_do_not_fit_are_refused_with_their_codes() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let (visit, slot) = open_slot(&app, &w, 5).await;
    let bookings = "/v1/tenants/rotterdam/bookings";
    let before = app.all_ids(bookings, &app.admin(), 200).await;

    let too_big = app
        .post(bookings, &w.school_key, request(&slot, 6, false))
        .await;
    assert_eq!(
        (too_big.status, too_big.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "outside_target_group")
    );
    assert_eq!(too_big.body["errors"][0]["pointer"], "/seats");
    let draft = app.work_visit("rotterdam", &w.business, "draft").await;
    let draft_slot = app
        .post(
            &format!("/v1/tenants/rotterdam/work-visits/{draft}/slots"),
            &app.admin(),
            json!({"starts_at": app.at(180, 8, 0), "ends_at": app.at(180, 12, 0), "capacity": 30}),
        )
        .await
        .id();
    assert_eq!(
        app.post(bookings, &w.school_key, request(&draft_slot, 3, false))
            .await
            .code(),
        "slot_unavailable"
    );
    let past = app
        .post(
            &format!("/v1/tenants/rotterdam/work-visits/{visit}/slots"),
            &app.admin(),
            json!({"starts_at": app.at(-1, 8, 0), "ends_at": app.at(-1, 12, 0), "capacity": 5}),
        )
        .await
        .id();
    assert_eq!(
        app.post(bookings, &w.school_key, request(&past, 1, false))
            .await
            .code(),
        "slot_unavailable"
    );
    app.patch(
        &format!("/v1/tenants/rotterdam/work-visits/{visit}/slots/{slot}"),
        &app.admin(),
        json!({"status": "cancelled"}),
    )
    .await;
    assert_eq!(
        app.post(bookings, &w.school_key, request(&slot, 1, false))
            .await
            .code(),
        "slot_unavailable"
    );

    let levels = app
        .post(
            "/v1/tenants/rotterdam/work-visits",
            &app.admin(),
            json!({"business_id": w.business, "title": "Proefstuderen mbo", "format": "taster_day", "min_age": 15, "max_age": 18,
                   "group_size_min": 1, "group_size_max": 5, "online": true, "status": "published", "education_levels": ["nl_vmbo_bb"]}),
        )
        .await
        .id();
    let level_slot = app
        .post(
            &format!("/v1/tenants/rotterdam/work-visits/{levels}/slots"),
            &app.admin(),
            json!({"starts_at": app.at(180, 8, 0), "ends_at": app.at(180, 12, 0), "capacity": 5}),
        )
        .await
        .id();
    let mismatch = app
        .post(bookings, &w.school_key, request(&level_slot, 1, false))
        .await;
    assert_eq!(
        mismatch.code(),
        "outside_target_group",
        "a havo school does not book a vmbo-bb taster day"
    );

    let bad = app.post(bookings, &w.school_key, json!({"slot_id": level_slot, "group_name": "", "seats": 0, "contact": {"name": "x", "email": "nope"}})).await;
    let pointers = bad.pointers();
    assert_eq!(pointers, ["/group_name", "/contact/email", "/seats"]);
    let unknown_slot = app
        .post(
            bookings,
            &w.school_key,
            request(&uuid::Uuid::now_v7().to_string(), 1, false),
        )
        .await;
    assert_eq!(unknown_slot.body["errors"][0]["pointer"], "/slot_id");
    assert_eq!(
        app.all_ids(bookings, &app.admin(), 200).await,
        before,
        "nothing written"
    );
}

#[tokio::test]
async fn only_schools_and_the_city_book() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let (_, slot) = open_slot(&app, &w, 5).await;
    let bookings = "/v1/tenants/rotterdam/bookings";
    for key in [&w.business_key, &w.integrator] {
        assert_eq!(
            app.post(bookings, key, request(&slot, 1, false))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let garbage = app.post(bookings, key, json!({"seats": "many"})).await;
        assert_eq!(
            garbage.code(),
            "forbidden",
            "the role is judged before the body"
        );
    }
    let mut for_other = request(&slot, 1, false);
    for_other["school_id"] = json!(w.other_school);
    assert_eq!(
        app.post(bookings, &w.school_key, for_other.clone())
            .await
            .code(),
        "forbidden",
        "a school books for itself only"
    );
    let by_city = app.post(bookings, &w.city, for_other).await;
    assert_eq!(
        by_city.status,
        StatusCode::CREATED,
        "the city books on a school's behalf"
    );
    assert_eq!(
        app.post(bookings, &w.city, request(&slot, 1, false))
            .await
            .body["errors"][0]["pointer"],
        "/school_id"
    );
}

#[tokio::test]
async fn attendance_completes_a_booking_once_the_visit_has_started() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let (_, slot) = open_slot(&app, &w, 10).await;
    let booked = book(&app, &w.school_key, request(&slot, 4, false)).await;
    let attendance = format!("/v1/tenants/rotterdam/bookings/{}/attendance", booked.id());
    let put = |key, body: Value| {
        let (app, attendance) = (&app, attendance.clone());
        async move {
            app.send(
                reqwest::Method::PUT,
                &attendance,
                Some(key),
                Some(body),
                &[],
            )
            .await
        }
    };
    let early = put(&w.school_key, json!({"present": 4})).await;
    assert_eq!(
        early.code(),
        "state_conflict",
        "not before the visit starts"
    );

    app.advance_days(SLOT_DAY + 1);
    assert_eq!(
        put(&w.integrator, json!({"present": 4})).await.status,
        StatusCode::FORBIDDEN
    );
    let other_school = w.other_school_key(&app).await;
    assert_eq!(
        put(&other_school, json!({"present": 4})).await.status,
        StatusCode::NOT_FOUND
    );
    let too_many = put(&w.school_key, json!({"present": 4, "absent": 1})).await;
    assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(too_many.body["errors"][0]["pointer"], "/present");
    let unknown = put(&w.school_key, json!({"present": 3, "names": ["Sam"]})).await;
    assert_eq!(unknown.code(), "unknown_field");

    let recorded = put(&w.school_key, json!({"present": 3, "absent": 1})).await;
    assert_eq!(recorded.status, StatusCode::OK, "{:?}", recorded.body);
    assert_eq!(recorded.body["status"], "completed");
    assert_eq!(
        (
            recorded.body["attendance"]["present"].as_u64(),
            recorded.body["attendance"]["absent"].as_u64()
        ),
        (Some(3), Some(1))
    );
    let corrected = put(&w.business_key, json!({"present": 4})).await;
    assert_eq!(
        corrected.body["attendance"]["present"], 4,
        "the host may correct it"
    );
    assert_eq!(
        corrected.body["version"].as_i64(),
        recorded.body["version"].as_i64().map(|v| v + 1)
    );
    let cancel = app
        .post(
            &format!("/v1/tenants/rotterdam/bookings/{}/cancel", booked.id()),
            &w.school_key,
            json!({}),
        )
        .await;
    assert_eq!(
        cancel.code(),
        "state_conflict",
        "a completed booking is not cancelled"
    );
}

#[tokio::test]
async fn a_cancelled_booking_gets_no_attendance() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    app.post(
        &format!("/v1/tenants/rotterdam/bookings/{}/cancel", w.booking),
        &w.school_key,
        json!({}),
    )
    .await;
    let reply = app
        .send(
            reqwest::Method::PUT,
            &format!("/v1/tenants/rotterdam/bookings/{}/attendance", w.booking),
            Some(&w.school_key),
            Some(json!({"present": 1})),
            &[],
        )
        .await;
    assert_eq!(reply.code(), "state_conflict");
}

/// A booking of `seats` on a slot, the clock moved on past the visit, with `present`
/// pupils recorded: a completed visit.
async fn completed_booking(app: &TestApp, w: &World, seats: u32, present: u32) -> String {
    let (_, slot) = open_slot(app, w, 10).await;
    let booked = book(app, &w.school_key, request(&slot, seats, false)).await;
    app.advance_days(SLOT_DAY + 1);
    let recorded = app
        .send(
            reqwest::Method::PUT,
            &format!("/v1/tenants/rotterdam/bookings/{}/attendance", booked.id()),
            Some(&w.school_key),
            Some(json!({"present": present})),
            &[],
        )
        .await;
    assert_eq!(recorded.status, StatusCode::OK, "{:?}", recorded.body);
    booked.id()
}

#[tokio::test]
async fn school_host_and_pupils_give_feedback_on_a_completed_visit() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let booking = completed_booking(&app, &w, 3, 2).await;
    let feedback = format!("/v1/tenants/rotterdam/bookings/{booking}/feedback");

    let school = app
        .post(
            &feedback,
            &w.school_key,
            json!({"author": "school", "rating": 5, "comment": "Goed geregeld",
              "competences_practised": ["work_exploration", "work_exploration", "networking"]}),
        )
        .await;
    assert_eq!(school.status, StatusCode::CREATED, "{:?}", school.body);
    assert_eq!(
        school.body["competences_practised"],
        json!(["work_exploration", "networking"])
    );
    let location = school.header("location").unwrap().to_owned();
    assert_eq!(app.get(&location, &w.business_key).await.body["rating"], 5);
    let host = app
        .post(
            &feedback,
            &w.business_key,
            json!({"author": "business", "rating": 4, "would_host_again": true}),
        )
        .await;
    assert_eq!(host.status, StatusCode::CREATED, "{:?}", host.body);
    for rating in [3, 4] {
        let pupil = app
            .post(
                &feedback,
                &w.school_key,
                json!({"author": "student", "rating": rating, "comment": "Leuk!"}),
            )
            .await;
        assert_eq!(pupil.status, StatusCode::CREATED, "{:?}", pupil.body);
    }
    let third = app
        .post(
            &feedback,
            &w.school_key,
            json!({"author": "student", "rating": 2}),
        )
        .await;
    assert_eq!(third.code(), "state_conflict", "two pupils were present");
    let again = app
        .post(
            &feedback,
            &w.school_key,
            json!({"author": "school", "rating": 1}),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "duplicate");

    let listed = app.get(&feedback, &w.business_key).await;
    assert_eq!(listed.status, StatusCode::OK);
    let authors: Vec<&str> = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["author"].as_str().unwrap())
        .collect();
    assert_eq!(authors, ["school", "business", "student", "student"]);
    assert_eq!(listed.body["data"][1]["would_host_again"], true);
    let text = listed.body.to_string();
    assert!(
        !text.contains("student_id") && !text.contains("Klas 2B"),
        "pupils' feedback names no one"
    );
    let page = app.get(&format!("{feedback}?limit=3"), &w.city).await;
    assert_eq!(page.body["data"].as_array().unwrap().len(), 3);
    assert!(page.body["next_cursor"].is_string());
}

#[tokio::test]
async fn feedback_is_refused_before_the_visit_from_strangers_and_when_invalid() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let early = format!("/v1/tenants/rotterdam/bookings/{}/feedback", w.booking);
    let not_yet = app
        .post(
            &early,
            &w.school_key,
            json!({"author": "school", "rating": 4}),
        )
        .await;
    assert_eq!(not_yet.code(), "state_conflict", "{:?}", not_yet.body);

    let booking = completed_booking(&app, &w, 2, 2).await;
    let feedback = format!("/v1/tenants/rotterdam/bookings/{booking}/feedback");
    let other_school = w.other_school_key(&app).await;
    let other_business = w.other_business_key(&app).await;
    let db = app.database().await;
    let before = app.changes(&db, "rotterdam").await.len();
    let cases: Vec<(&driehoek_tests::Key, Value, StatusCode, &str)> = vec![
        (
            &w.integrator,
            json!({"author": "school", "rating": 4}),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &other_school,
            json!({"author": "school", "rating": 4}),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &other_business,
            json!({"author": "business", "rating": 4}),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            &w.business_key,
            json!({"author": "school", "rating": 4}),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &w.school_key,
            json!({"author": "business", "rating": 4}),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            &w.school_key,
            json!({"author": "school", "rating": 6}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            &w.school_key,
            json!({"author": "school", "rating": 4, "would_host_again": false}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            &w.school_key,
            json!({"author": "parent", "rating": 4}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            &w.school_key,
            json!({"author": "school", "rating": 4, "student_name": "Sam"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_field",
        ),
        (
            &w.school_key,
            json!({"author": "school", "rating": 4, "comment": ""}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
    ];
    for (key, body, status, code) in cases {
        let reply = app.post(&feedback, key, body.clone()).await;
        assert_eq!(reply.status, status, "{body}: {:?}", reply.body);
        assert_eq!(reply.code(), code, "{body}");
    }
    for key in [&w.integrator, &other_school, &other_business] {
        let listed = app.get(&feedback, key).await;
        assert!(
            listed.status == StatusCode::FORBIDDEN || listed.status == StatusCode::NOT_FOUND,
            "{:?}",
            listed.body
        );
    }
    assert_eq!(
        app.changes(&db, "rotterdam").await.len(),
        before,
        "nothing was written"
    );
}

#[tokio::test]
async fn a_slot_takes_bookings_until_it_starts_on_the_clock() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let (_, slot) = open_slot(&app, &w, 10).await;
    // The evening before (the slot starts at 08:00 UTC on SLOT_DAY).
    app.clock.set(
        app.now()
            .date_naive()
            .and_hms_opt(20, 0, 0)
            .unwrap()
            .and_utc(),
    );
    app.advance_days(SLOT_DAY - 1);
    let last_minute = book(&app, &w.school_key, request(&slot, 2, false)).await;
    assert_eq!(
        last_minute.status,
        StatusCode::CREATED,
        "{:?}",
        last_minute.body
    );
    app.clock.advance(chrono::Duration::hours(12));
    let late = book(&app, &w.school_key, request(&slot, 2, false)).await;
    assert_eq!(
        (late.status, late.code()),
        (StatusCode::CONFLICT, "slot_unavailable"),
        "{:?}",
        late.body
    );
    assert!(
        late.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("started"),
        "{:?}",
        late.body
    );
    let waitlisted = book(&app, &w.school_key, request(&slot, 1, true)).await;
    assert_eq!(waitlisted.code(), "slot_unavailable", "no wait-list either");
}
