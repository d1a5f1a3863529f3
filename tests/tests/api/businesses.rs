use driehoek_tests::{TestApp, World};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn city_manages_businesses_with_filters() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let created = app
        .post(
            "/v1/tenants/rotterdam/businesses",
            &w.city,
            json!({"name": "Brandweer", "kind": "public_service", "sectors": ["O", "O"], "registration_code": "12345678", "description": "Fire brigade"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(
        created.body["sectors"],
        json!(["O"]),
        "repeated codes are kept once"
    );
    assert_eq!(created.body["status"], "active");
    let by_sector = app
        .get("/v1/tenants/rotterdam/businesses?sector=O", &w.integrator)
        .await;
    assert_eq!(by_sector.body["data"].as_array().unwrap().len(), 1);
    let by_kind = app
        .get(
            "/v1/tenants/rotterdam/businesses?kind=company&status=active",
            &w.integrator,
        )
        .await;
    assert_eq!(by_kind.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.get("/v1/tenants/rotterdam/businesses?sector=Z", &w.integrator)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let dup = app
        .post(
            "/v1/tenants/rotterdam/businesses",
            &w.city,
            json!({"name": "Other", "kind": "company", "registration_code": "12345678"}),
        )
        .await;
    assert_eq!(dup.code(), "duplicate");
    let path = format!("/v1/tenants/rotterdam/businesses/{}", created.id());
    assert_eq!(
        app.delete(&path, &w.city).await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_business_key_edits_only_its_own_record_and_coaches() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let own = format!("/v1/tenants/rotterdam/businesses/{}", w.business);
    let other = format!("/v1/tenants/rotterdam/businesses/{}", w.other_business);
    assert_eq!(
        app.patch(
            &own,
            &w.business_key,
            json!({"description": "Port of Rotterdam"})
        )
        .await
        .status,
        StatusCode::OK
    );
    assert_eq!(
        app.patch(&other, &w.business_key, json!({"description": "x"}))
            .await
            .code(),
        "forbidden"
    );
    let coach = app
        .post(
            &format!("{own}/coaches"),
            &w.business_key,
            json!({"display_name": "Youssef", "occupations": ["3152"], "languages": ["nl", "ar"]}),
        )
        .await;
    assert_eq!(coach.status, StatusCode::CREATED);
    let refused = app
        .post(
            &format!("{other}/coaches"),
            &w.business_key,
            json!({"display_name": "Spy"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    for key in [&w.school_key, &w.integrator] {
        assert_eq!(
            app.patch(&own, key, json!({"name": "x"})).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.post(&format!("{own}/coaches"), key, json!({"display_name": "x"}))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get(&format!("{own}/coaches"), key).await.status,
            StatusCode::OK,
            "coaches are catalogue"
        );
    }
    assert_eq!(
        app.delete(&own, &w.business_key).await.status,
        StatusCode::FORBIDDEN,
        "only the city removes a business"
    );
    let coaches = app.all_ids(&format!("{other}/coaches"), &w.city, 50).await;
    assert!(coaches.is_empty());
}

#[tokio::test]
async fn coach_screening_is_kept_as_kind_and_dates_and_validated() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "leuven", "BE").await;
    let coaches = format!("/v1/tenants/leuven/businesses/{}/coaches", w.business);
    let bad = app
        .post(
            &coaches,
            &w.business_key,
            json!({"display_name": "Marc", "occupations": ["83"], "languages": ["NL"], "screening": {"kind": "be_596_2", "verified_on": "2026-09-01", "valid_until": "2026-01-01"}}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let pointers = bad.pointers();
    assert_eq!(
        pointers,
        ["/occupations/0", "/languages/0", "/screening/valid_until"]
    );
    let good = app
        .post(
            &coaches,
            &w.business_key,
            json!({"display_name": "Marc", "occupations": ["8331"], "screening": {"kind": "be_596_2", "verified_on": "2026-09-01", "valid_until": "2029-08-31"}}),
        )
        .await;
    assert_eq!(good.status, StatusCode::CREATED);
    assert_eq!(
        good.body["screening"],
        json!({"kind": "be_596_2", "verified_on": "2026-09-01", "valid_until": "2029-08-31"})
    );
    let path = format!("{coaches}/{}", good.id());
    let cleared = app
        .send(
            Method::PATCH,
            &path,
            Some(&w.city),
            Some(json!({"screening": null})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(cleared.body["screening"], json!(null));
    let by_occupation = app
        .get(&format!("{coaches}?occupation=8331"), &w.integrator)
        .await;
    assert_eq!(by_occupation.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get(&format!("{coaches}?occupation=abc"), &w.integrator)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.delete(&path, &w.business_key).await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_coach_is_found_only_under_its_own_business() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let wrong = format!(
        "/v1/tenants/rotterdam/businesses/{}/coaches/{}",
        w.other_business, w.coach
    );
    assert_eq!(app.get(&wrong, &w.city).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.delete(&wrong, &w.city).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn deleting_a_business_removes_its_coaches() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let path = format!("/v1/tenants/rotterdam/businesses/{}", w.other_business);
    app.post(
        &format!("{path}/coaches"),
        &w.city,
        json!({"display_name": "Kim"}),
    )
    .await;
    assert_eq!(
        app.delete(&path, &w.city).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&format!("{path}/coaches"), &w.city).await.status,
        StatusCode::NOT_FOUND
    );
}
