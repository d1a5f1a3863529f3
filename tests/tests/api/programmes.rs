use driehoek_tests::{TestApp, World};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn city_runs_a_programme_with_funding_and_members() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "leuven", "BE").await;
    let created = app
        .post(
            "/v1/tenants/leuven/programmes",
            &w.city,
            json!({"name": "Jobspotters 2027", "owner": "Stad Leuven", "starts_on": "2027-09-01", "ends_on": "2028-06-30", "status": "active",
                   "funding": [{"source": "ESF+", "amount_eur": 85000.5, "reference": "ESF-2027-12"}], "target_participants_per_year": 100,
                   "competences": ["qualities", "work_exploration"]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["funding"][0]["amount_eur"], 85000.5);
    let programme = created.id();
    let members = format!("/v1/tenants/leuven/programmes/{programme}/members");
    let school = app
        .post(
            &members,
            &w.city,
            json!({"school_id": w.school, "role": "participant", "joined_on": "2027-09-01"}),
        )
        .await;
    assert_eq!(school.status, StatusCode::CREATED);
    let business = app
        .post(
            &members,
            &w.city,
            json!({"business_id": w.business, "role": "host", "joined_on": "2027-09-01"}),
        )
        .await;
    assert_eq!(business.status, StatusCode::CREATED);
    let twice = app
        .post(
            &members,
            &w.city,
            json!({"school_id": w.school, "role": "coordinator", "joined_on": "2027-09-01"}),
        )
        .await;
    assert_eq!(twice.code(), "duplicate");
    let left = app
        .patch(
            &format!("{members}/{}", school.id()),
            &w.city,
            json!({"left_on": "2028-01-31"}),
        )
        .await;
    assert_eq!(left.body["left_on"], "2028-01-31");
    let listed = app.get(&members, &w.integrator).await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.get(
            "/v1/tenants/leuven/programmes?competence=work_exploration",
            &w.integrator
        )
        .await
        .body["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        app.get("/v1/tenants/leuven/programmes?status=done", &w.integrator)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.delete(
            &format!("/v1/tenants/leuven/programmes/{programme}"),
            &w.city
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get(&members, &w.city).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn invalid_programmes_and_members_are_refused_and_nothing_written() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "leuven", "BE").await;
    let other = World::build(&app, "gent", "BE").await;
    let before = w.versions(&app).await;
    let bad = app
        .post(
            "/v1/tenants/leuven/programmes",
            &w.city,
            json!({"name": "X", "starts_on": "2027-09-01", "ends_on": "2027-01-01", "funding": [{"source": "", "amount_eur": -5}]}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let pointers = bad.pointers();
    assert_eq!(pointers, ["/funding/0/source", "/funding/0/amount_eur"]);
    let order = app
        .post(
            "/v1/tenants/leuven/programmes",
            &w.city,
            json!({"name": "X", "starts_on": "2027-09-01", "ends_on": "2027-01-01"}),
        )
        .await;
    assert_eq!(order.body["errors"][0]["pointer"], "/ends_on");
    let date = app
        .post(
            "/v1/tenants/leuven/programmes",
            &w.city,
            json!({"name": "X", "starts_on": "1 September"}),
        )
        .await;
    assert_eq!(date.body["errors"][0]["pointer"], "/starts_on");
    let members = format!("/v1/tenants/leuven/programmes/{}/members", w.programme);
    let both = app.post(&members, &w.city, json!({"school_id": w.school, "business_id": w.business, "role": "host", "joined_on": "2027-09-01"})).await;
    assert_eq!(both.status, StatusCode::UNPROCESSABLE_ENTITY);
    let foreign = app
        .post(
            &members,
            &w.city,
            json!({"school_id": other.school, "role": "participant", "joined_on": "2027-09-01"}),
        )
        .await;
    assert_eq!(
        foreign.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "another tenant's school cannot join"
    );
    assert_eq!(w.versions(&app).await, before);
}

#[tokio::test]
async fn only_city_admins_write_programmes() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "leuven", "BE").await;
    let path = format!("/v1/tenants/leuven/programmes/{}", w.programme);
    for key in [&w.school_key, &w.business_key, &w.integrator] {
        assert_eq!(app.get(&path, key).await.status, StatusCode::OK);
        assert_eq!(
            app.patch(&path, key, json!({"name": "x"})).await.code(),
            "forbidden"
        );
        assert_eq!(
            app.delete(&format!("{path}/members/{}", w.member), key)
                .await
                .code(),
            "forbidden"
        );
        let create = app
            .post(
                "/v1/tenants/leuven/programmes",
                key,
                json!({"name": "x", "starts_on": "2027-01-01"}),
            )
            .await;
        assert_eq!(create.status, StatusCode::FORBIDDEN);
    }
}
