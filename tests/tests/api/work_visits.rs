use driehoek_tests::{TestApp, WORLD_SLOT_DAY, World};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn visit_body(business: &str) -> Value {
    json!({"business_id": business, "title": "Jobspotters bij de brandweer", "format": "job_tryout_track", "sectors": ["O"],
           "occupations": ["5411"], "competences": ["qualities", "work_exploration"], "min_age": 12, "max_age": 14,
           "education_levels": ["be_so_1a", "be_so_1b"], "group_size_min": 2, "group_size_max": 3, "languages": ["nl"],
           "location": {"street": "Terbankstraat 2", "postal_code": "3001", "city": "Leuven"}, "accessibility": "Step-free access to the hall"})
}

fn ids(reply: &Value) -> Vec<String> {
    reply["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_business_drafts_and_publishes_and_only_then_schools_see_it() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "leuven", "BE").await;
    let created = app
        .post(
            "/v1/tenants/leuven/work-visits",
            &w.business_key,
            visit_body(&w.business),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["status"], "draft");
    let path = format!("/v1/tenants/leuven/work-visits/{}", created.id());
    for key in [&w.school_key, &w.integrator] {
        assert_eq!(
            app.get(&path, key).await.status,
            StatusCode::NOT_FOUND,
            "a draft does not exist for schools"
        );
        assert!(
            !ids(&app.get("/v1/tenants/leuven/work-visits", key).await.body)
                .contains(&created.id())
        );
    }
    assert_eq!(
        app.get(&path, &w.business_key).await.status,
        StatusCode::OK,
        "its business sees its draft"
    );
    let published = app
        .patch(&path, &w.business_key, json!({"status": "published"}))
        .await;
    assert_eq!(published.status, StatusCode::OK, "{:?}", published.body);
    for key in [&w.school_key, &w.integrator] {
        assert_eq!(
            app.get(&path, key).await.body["title"],
            "Jobspotters bij de brandweer"
        );
    }
    assert_eq!(
        app.patch(&path, &w.business_key, json!({"status": "draft"}))
            .await
            .code(),
        "state_conflict"
    );
    assert_eq!(
        app.delete(&path, &w.business_key).await.code(),
        "state_conflict",
        "published ones are withdrawn, not deleted"
    );
    assert_eq!(
        app.patch(&path, &w.business_key, json!({"status": "withdrawn"}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&path, &w.school_key).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.patch(&path, &w.business_key, json!({"status": "published"}))
            .await
            .status,
        StatusCode::OK,
        "re-offered"
    );
    let draft = app
        .post(
            "/v1/tenants/leuven/work-visits",
            &w.business_key,
            visit_body(&w.business),
        )
        .await;
    assert_eq!(
        app.delete(
            &format!("/v1/tenants/leuven/work-visits/{}", draft.id()),
            &w.business_key
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_business_key_cannot_touch_another_business_visit() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "leuven", "BE").await;
    let theirs = app
        .work_visit("leuven", &w.other_business, "published")
        .await;
    let their_draft = app.work_visit("leuven", &w.other_business, "draft").await;
    let path = format!("/v1/tenants/leuven/work-visits/{theirs}");
    let before = app.get(&path, &w.city).await.body;
    assert_eq!(
        app.patch(&path, &w.business_key, json!({"title": "Mine"}))
            .await
            .code(),
        "forbidden"
    );
    assert_eq!(
        app.delete(&path, &w.business_key).await.status,
        StatusCode::FORBIDDEN
    );
    let slot =
        json!({"starts_at": app.at(100, 8, 0), "ends_at": app.at(100, 12, 0), "capacity": 4});
    assert_eq!(
        app.post(&format!("{path}/slots"), &w.business_key, slot)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let for_them = app
        .post(
            "/v1/tenants/leuven/work-visits",
            &w.business_key,
            visit_body(&w.other_business),
        )
        .await;
    assert_eq!(for_them.status, StatusCode::FORBIDDEN);
    let draft = app
        .patch(
            &format!("/v1/tenants/leuven/work-visits/{their_draft}"),
            &w.business_key,
            json!({"title": "x"}),
        )
        .await;
    assert_eq!(
        draft.status,
        StatusCode::NOT_FOUND,
        "another business's draft does not exist for it"
    );
    for key in [&w.school_key, &w.integrator] {
        assert_eq!(
            app.patch(&path, key, json!({"title": "x"})).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.post(
                "/v1/tenants/leuven/work-visits",
                key,
                visit_body(&w.business)
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        app.get(&path, &w.city).await.body,
        before,
        "nothing changed"
    );
}

#[tokio::test]
async fn invalid_work_visits_are_refused_with_every_bad_field_and_nothing_written() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "leuven", "BE").await;
    let before = w.versions(&app).await;
    let mut body = visit_body(&w.business);
    body["min_age"] = json!(15);
    body["max_age"] = json!(12);
    body["group_size_min"] = json!(0);
    body["occupations"] = json!(["54"]);
    body["languages"] = json!(["dutch"]);
    body["title"] = json!("");
    let bad = app
        .post("/v1/tenants/leuven/work-visits", &w.city, body)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let pointers = bad.pointers();
    assert_eq!(
        pointers,
        [
            "/title",
            "/occupations/0",
            "/max_age",
            "/group_size_max",
            "/languages/0"
        ]
    );
    let mut nowhere = visit_body(&w.business);
    nowhere.as_object_mut().unwrap().remove("location");
    let nowhere = app
        .post("/v1/tenants/leuven/work-visits", &w.city, nowhere)
        .await;
    assert_eq!(nowhere.body["errors"][0]["pointer"], "/location");
    let mut format = visit_body(&w.business);
    format["format"] = json!("field_trip");
    assert_eq!(
        app.post("/v1/tenants/leuven/work-visits", &w.city, format)
            .await
            .body["errors"][0]["pointer"],
        "/format"
    );
    let mut foreign = visit_body(&w.business);
    foreign["programme_id"] = json!(uuid::Uuid::now_v7());
    assert_eq!(
        app.post("/v1/tenants/leuven/work-visits", &w.city, foreign)
            .await
            .body["errors"][0]["pointer"],
        "/programme_id"
    );
    let path = format!("/v1/tenants/leuven/work-visits/{}", w.work_visit);
    assert_eq!(
        app.patch(&path, &w.city, json!({"min_age": 18})).await.body["errors"][0]["pointer"],
        "/max_age"
    );
    assert_eq!(w.versions(&app).await, before);
}

#[tokio::test]
async fn external_ids_are_unique_per_business() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "leuven", "BE").await;
    let mut body = visit_body(&w.business);
    body["external_id"] = json!("HR-031");
    assert_eq!(
        app.post("/v1/tenants/leuven/work-visits", &w.city, body.clone())
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.post("/v1/tenants/leuven/work-visits", &w.city, body.clone())
            .await
            .code(),
        "duplicate"
    );
    body["business_id"] = json!(w.other_business);
    assert_eq!(
        app.post("/v1/tenants/leuven/work-visits", &w.city, body)
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn search_filters_select_the_right_offerings() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "leuven", "BE").await;
    let track = app
        .post("/v1/tenants/leuven/work-visits", &w.city, {
            let mut b = visit_body(&w.business);
            b["status"] = json!("published");
            b
        })
        .await
        .id();
    let slots = format!("/v1/tenants/leuven/work-visits/{track}/slots");
    let slot = app
        .post(
            &slots,
            &w.city,
            json!({"starts_at": app.at(127, 12, 0), "ends_at": app.at(141, 15, 0), "capacity": 3,
            "sessions": [{"starts_at": app.at(127, 12, 0), "ends_at": app.at(127, 15, 0)},
                         {"starts_at": app.at(134, 12, 0), "ends_at": app.at(134, 15, 0)},
                         {"starts_at": app.at(141, 12, 0), "ends_at": app.at(141, 15, 0)}]}),
        )
        .await;
    assert_eq!(slot.status, StatusCode::CREATED, "{:?}", slot.body);
    assert_eq!(slot.body["seats_left"], 3);
    assert_eq!(slot.body["sessions"].as_array().unwrap().len(), 3);
    let search = |query: &str| {
        let (app, key) = (&app, &w.school_key);
        let url = format!("/v1/tenants/leuven/work-visits?{query}");
        async move { ids(&app.get(&url, key).await.body) }
    };
    let only = vec![track.clone()];
    assert_eq!(search("format=job_tryout_track").await, only);
    assert_eq!(search("sector=O").await, only);
    assert_eq!(search("occupation=5411").await, only);
    assert_eq!(search("education_level=be_so_1b&age=13").await, only);
    assert!(search("age=17").await.is_empty());
    assert_eq!(search("q=brandweer").await, only);
    assert_eq!(
        search(&format!("business_id={}", w.business)).await.len(),
        2
    );
    assert_eq!(
        search(&format!(
            "from={}&to={}",
            app.at(121, 0, 0),
            app.at(151, 0, 0)
        ))
        .await,
        only
    );
    assert!(
        search(&format!("from={}", app.at(400, 0, 0)))
            .await
            .is_empty()
    );
    assert_eq!(
        search(&format!("available=true&from={}", app.at(121, 0, 0))).await,
        only
    );
    let cancelled = app
        .patch(
            &format!("{slots}/{}", slot.id()),
            &w.city,
            json!({"status": "cancelled"}),
        )
        .await;
    assert_eq!(cancelled.body["seats_left"], 0);
    assert!(
        search(&format!("available=true&from={}", app.at(121, 0, 0)))
            .await
            .is_empty(),
        "a cancelled slot offers nothing"
    );
    // A window that ends before it starts holds nothing, as in Stripe's and GitHub's
    // range filters.
    let backwards = format!("from={}&to={}", app.at(151, 0, 0), app.at(121, 0, 0));
    assert!(search(&backwards).await.is_empty(), "a backwards window");
    for bad in [
        "format=trip",
        "age=x",
        "from=soon",
        "available=maybe",
        "status=gone",
    ] {
        let reply = app
            .get(
                &format!("/v1/tenants/leuven/work-visits?{bad}"),
                &w.school_key,
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    assert!(
        search("status=draft").await.is_empty(),
        "schools never see drafts, even when asking"
    );
}

#[tokio::test]
async fn slots_keep_their_schedule_capacity_and_cancellation_rules() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "leuven", "BE").await;
    let slots = format!("/v1/tenants/leuven/work-visits/{}/slots", w.work_visit);
    let (day, week_later) = (WORLD_SLOT_DAY, WORLD_SLOT_DAY + 7);
    let cases = [
        (
            json!({"starts_at": app.at(day, 12, 0), "ends_at": app.at(day, 9, 0), "capacity": 3}),
            "/ends_at",
        ),
        (
            json!({"starts_at": app.at(day, 9, 0), "ends_at": app.at(day, 12, 0), "capacity": 0}),
            "/capacity",
        ),
        (
            json!({"starts_at": app.at(day, 9, 0), "ends_at": app.at(week_later, 12, 0), "capacity": 3,
                "sessions": [{"starts_at": app.at(week_later, 9, 0), "ends_at": app.at(week_later, 12, 0)},
                             {"starts_at": app.at(day, 9, 0), "ends_at": app.at(day, 12, 0)}]}),
            "/sessions/1/starts_at",
        ),
    ];
    for (body, pointer) in cases {
        let reply = app.post(&slots, &w.business_key, body.clone()).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(reply.body["errors"][0]["pointer"], pointer, "{body}");
    }
    let path = format!("{slots}/{}", w.slot);
    let moved = app
        .patch(
            &path,
            &w.business_key,
            json!({"starts_at": app.at(day, 9, 0)}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    assert_eq!(
        moved.body["ends_at"],
        app.at(day, 12, 0),
        "a partial move keeps the rest"
    );
    let cancelled = app
        .patch(&path, &w.business_key, json!({"status": "cancelled"}))
        .await;
    assert_eq!(cancelled.body["status"], "cancelled");
    assert_eq!(
        app.patch(&path, &w.business_key, json!({"capacity": 9}))
            .await
            .code(),
        "state_conflict"
    );
    assert_eq!(
        app.patch(&path, &w.business_key, json!({"status": "scheduled"}))
            .await
            .code(),
        "state_conflict"
    );
    let booking = app
        .get(
            &format!("/v1/tenants/leuven/bookings/{}", w.booking),
            &w.school_key,
        )
        .await;
    assert_eq!(
        booking.body["status"], "cancelled",
        "cancelling a slot cancels its bookings"
    );
    assert_eq!(
        booking.body["cancellation_reason"],
        "The host cancelled the slot."
    );
    let reread = app.get(&path, &w.business_key).await;
    assert_eq!(
        (
            reread.body["seats_booked"].as_u64(),
            reread.body["seats_left"].as_u64()
        ),
        (Some(0), Some(0))
    );
    assert_eq!(
        app.delete(&path, &w.business_key).await.code(),
        "resource_in_use",
        "its bookings keep it"
    );
    let fresh = app
        .post(
            &slots,
            &w.business_key,
            json!({"starts_at": app.at(180, 8, 0), "ends_at": app.at(180, 12, 0), "capacity": 3}),
        )
        .await;
    assert_eq!(
        app.delete(&format!("{slots}/{}", fresh.id()), &w.business_key)
            .await
            .status,
        StatusCode::NO_CONTENT,
        "no bookings: may go"
    );
}

#[tokio::test]
async fn a_coach_without_valid_screening_cannot_be_assigned_under_required() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "leuven", "BE").await;
    app.patch(
        "/v1/tenants/leuven",
        &app.admin(),
        json!({"settings": {"coach_screening": "required"}}),
    )
    .await;
    let coaches = format!("/v1/tenants/leuven/businesses/{}/coaches", w.business);
    let unscreened = w.coach.clone();
    // Valid on the track's first day (WORLD_SLOT_DAY), not on its last a fortnight later.
    let expiring = app
        .post(&coaches, &w.business_key, json!({"display_name": "Marc", "screening": {"kind": "be_596_2", "verified_on": app.day(-325), "valid_until": app.day(WORLD_SLOT_DAY + 2)}}))
        .await
        .id();
    let screened = app
        .post(&coaches, &w.business_key, json!({"display_name": "An", "screening": {"kind": "be_596_2", "verified_on": app.day(-325), "valid_until": app.day(1100)}}))
        .await
        .id();
    let slots = format!("/v1/tenants/leuven/work-visits/{}/slots", w.work_visit);
    let (first, last) = (WORLD_SLOT_DAY, WORLD_SLOT_DAY + 14);
    let track = |coach: &str, teacher: bool| {
        json!({"starts_at": app.at(first, 12, 0), "ends_at": app.at(last, 15, 0), "capacity": 3, "coach_id": coach, "teacher_present": teacher,
               "sessions": [{"starts_at": app.at(first, 12, 0), "ends_at": app.at(first, 15, 0)},
                            {"starts_at": app.at(last, 12, 0), "ends_at": app.at(last, 15, 0)}]})
    };
    for coach in [&unscreened, &expiring] {
        let refused = app.post(&slots, &w.business_key, track(coach, true)).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{:?}",
            refused.body
        );
        assert_eq!(refused.code(), "coach_screening_invalid");
        assert_eq!(refused.body["errors"][0]["pointer"], "/coach_id");
    }
    assert_eq!(
        app.post(&slots, &w.business_key, track(&screened, false))
            .await
            .status,
        StatusCode::CREATED
    );
    // Assigning an unscreened coach to an existing slot is refused the same way.
    let existing = format!("{slots}/{}", w.slot);
    assert_eq!(
        app.patch(&existing, &w.business_key, json!({"coach_id": unscreened}))
            .await
            .code(),
        "coach_screening_invalid"
    );

    app.patch(
        "/v1/tenants/leuven",
        &app.admin(),
        json!({"settings": {"coach_screening": "required_unless_teacher_present"}}),
    )
    .await;
    assert_eq!(
        app.post(&slots, &w.business_key, track(&unscreened, false))
            .await
            .code(),
        "coach_screening_invalid"
    );
    assert_eq!(
        app.post(&slots, &w.business_key, track(&unscreened, true))
            .await
            .status,
        StatusCode::CREATED,
        "a teacher is present"
    );
    app.patch(
        "/v1/tenants/leuven",
        &app.admin(),
        json!({"settings": {"coach_screening": "not_required"}}),
    )
    .await;
    assert_eq!(
        app.post(&slots, &w.business_key, track(&unscreened, false))
            .await
            .status,
        StatusCode::CREATED
    );

    let other_coach = app
        .post(
            &format!("/v1/tenants/leuven/businesses/{}/coaches", w.other_business),
            &app.admin(),
            json!({"display_name": "Kim"}),
        )
        .await
        .id();
    let foreign = app
        .post(&slots, &w.business_key, track(&other_coach, true))
        .await;
    assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        foreign.body["errors"][0]["pointer"], "/coach_id",
        "only the business's own coaches"
    );
}

#[tokio::test]
async fn offerings_and_coaches_in_use_are_not_deleted_from_under_them() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "leuven", "BE").await;
    let slot = format!(
        "/v1/tenants/leuven/work-visits/{}/slots/{}",
        w.work_visit, w.slot
    );
    assert_eq!(
        app.patch(
            &slot,
            &w.city,
            json!({"coach_id": w.coach, "teacher_present": true})
        )
        .await
        .status,
        StatusCode::OK
    );
    let coach = format!(
        "/v1/tenants/leuven/businesses/{}/coaches/{}",
        w.business, w.coach
    );
    assert_eq!(app.delete(&coach, &w.city).await.code(), "resource_in_use");
    let keys = app.get("/v1/tenants/leuven/api-keys", &w.city).await;
    for key in keys.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["business_id"] == w.business.as_str())
    {
        app.delete(
            &format!(
                "/v1/tenants/leuven/api-keys/{}",
                key["id"].as_str().unwrap()
            ),
            &w.city,
        )
        .await;
    }
    let business = app
        .delete(
            &format!("/v1/tenants/leuven/businesses/{}", w.business),
            &w.city,
        )
        .await;
    assert_eq!(
        business.code(),
        "resource_in_use",
        "its work visits keep it"
    );
    assert_eq!(
        app.get(&coach, &w.city).await.status,
        StatusCode::OK,
        "and the refused delete removed nothing"
    );
}
