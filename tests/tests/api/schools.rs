use driehoek_tests::{TestApp, World};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn city_creates_reads_updates_and_deletes_a_school() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let created = app
        .post(
            "/v1/tenants/rotterdam/schools",
            &w.city,
            json!({"name": "Zadkine", "kind": "vocational", "registration_code": "25LJ", "education_levels": ["nl_mbo_2", "nl_mbo_3"],
                   "address": {"street": "Benthemplein 1", "postal_code": "3029 BC", "city": "Rotterdam"}, "contact_email": "info@zadkine.nl"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let path = format!("/v1/tenants/rotterdam/schools/{}", created.id());
    assert_eq!(created.header("location"), Some(path.as_str()));
    let read = app.get(&path, &w.integrator).await;
    assert_eq!(
        read.body["education_levels"],
        json!(["nl_mbo_2", "nl_mbo_3"])
    );
    assert_eq!(read.header("etag"), Some("\"1\""));
    let cached = app
        .send(
            Method::GET,
            &path,
            Some(&w.integrator),
            None,
            &[("if-none-match", "\"1\"")],
        )
        .await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);

    let patched = app
        .send(
            Method::PATCH,
            &path,
            Some(&w.city),
            Some(json!({"website": "https://www.zadkine.nl", "contact_email": null})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK);
    assert_eq!(patched.body["version"], 2);
    assert_eq!(patched.body["website"], "https://www.zadkine.nl/");
    assert_eq!(patched.body["contact_email"], json!(null), "null clears");
    assert_eq!(patched.body["registration_code"], "25LJ", "absent keeps");

    let stale = app
        .send(
            Method::DELETE,
            &path,
            Some(&w.city),
            None,
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(
        app.delete(&path, &w.city).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.get(&path, &w.city).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_school_input_is_refused_and_nothing_written() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let before = w.versions(&app).await;
    let bad = app
        .post(
            "/v1/tenants/rotterdam/schools",
            &w.city,
            json!({"name": " ", "kind": "secondary", "education_levels": ["nl_havo", "nl_mbo_9"], "contact_email": "nope", "website": "ftp://x"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let pointers = bad.pointers();
    assert_eq!(
        pointers,
        ["/education_levels/1"],
        "the first type error stops parsing"
    );
    let bad = app
        .post("/v1/tenants/rotterdam/schools", &w.city, json!({"name": " ", "kind": "secondary", "contact_email": "nope", "website": "ftp://x"}))
        .await;
    let pointers = bad.pointers();
    assert_eq!(pointers, ["/name", "/contact_email", "/website"]);
    let unknown = app
        .post(
            "/v1/tenants/rotterdam/schools",
            &w.city,
            json!({"name": "X", "kind": "primary", "brin": "00AA"}),
        )
        .await;
    assert_eq!(unknown.code(), "unknown_field");
    assert_eq!(unknown.body["errors"][0]["pointer"], "/brin");
    let patch = app
        .patch(
            &format!("/v1/tenants/rotterdam/schools/{}", w.school),
            &w.city,
            json!({"kind": "castle"}),
        )
        .await;
    assert_eq!(patch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(w.versions(&app).await, before);
}

#[tokio::test]
async fn registration_codes_are_unique_within_a_tenant_only() {
    let app = TestApp::spawn().await;
    World::build(&app, "rotterdam", "NL").await;
    World::build(&app, "leuven", "BE").await;
    let body = json!({"name": "A", "kind": "primary", "registration_code": "00AA"});
    assert_eq!(
        app.post("/v1/tenants/rotterdam/schools", &app.admin(), body.clone())
            .await
            .status,
        StatusCode::CREATED
    );
    let again = app
        .post("/v1/tenants/rotterdam/schools", &app.admin(), body.clone())
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "duplicate");
    assert_eq!(
        app.post("/v1/tenants/leuven/schools", &app.admin(), body)
            .await
            .status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_school_key_edits_only_its_own_school_and_others_only_read() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let own = format!("/v1/tenants/rotterdam/schools/{}", w.school);
    let other = format!("/v1/tenants/rotterdam/schools/{}", w.other_school);
    assert_eq!(
        app.patch(
            &own,
            &w.school_key,
            json!({"name": "Da Vinci College Lammenschans"})
        )
        .await
        .status,
        StatusCode::OK
    );
    let refused = app
        .patch(&other, &w.school_key, json!({"name": "Mine now"}))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.code(), "forbidden");
    for key in [&w.school_key, &w.business_key, &w.integrator] {
        assert_eq!(app.get(&other, key).await.status, StatusCode::OK);
        assert_eq!(app.delete(&other, key).await.status, StatusCode::FORBIDDEN);
        let create = app
            .post(
                "/v1/tenants/rotterdam/schools",
                key,
                json!({"name": "X", "kind": "primary"}),
            )
            .await;
        assert_eq!(create.status, StatusCode::FORBIDDEN);
    }
    for key in [&w.business_key, &w.integrator] {
        assert_eq!(
            app.patch(&own, key, json!({"name": "X"})).await.status,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(app.get(&other, &w.city).await.body["name"], "Erasmiaans");
}

#[tokio::test]
async fn a_school_with_an_active_key_cannot_be_deleted_until_the_key_is_revoked() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let school = w.other_school.clone();
    app.key("rotterdam", "school", Some(("school_id", &school)))
        .await;
    let members = format!("/v1/tenants/rotterdam/programmes/{}/members", w.programme);
    let member = app
        .post(
            &members,
            &w.city,
            json!({"school_id": school, "role": "participant", "joined_on": "2026-09-01"}),
        )
        .await
        .id();
    let path = format!("/v1/tenants/rotterdam/schools/{school}");
    let refused = app.delete(&path, &w.city).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.code(), "resource_in_use");
    let keys = app.get("/v1/tenants/rotterdam/api-keys", &w.city).await;
    for key in keys.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["school_id"] == school.as_str())
    {
        app.delete(
            &format!(
                "/v1/tenants/rotterdam/api-keys/{}",
                key["id"].as_str().unwrap()
            ),
            &w.city,
        )
        .await;
    }
    assert_eq!(
        app.delete(&path, &w.city).await.status,
        StatusCode::NO_CONTENT
    );
    let left: Vec<String> = app.all_ids(&members, &w.city, 50).await;
    assert!(
        !left.contains(&member),
        "its programme membership went with it"
    );
}

#[tokio::test]
async fn a_school_with_bookings_is_kept() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let keys = app.get("/v1/tenants/rotterdam/api-keys", &w.city).await;
    for key in keys.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["school_id"] == w.school.as_str())
    {
        app.delete(
            &format!(
                "/v1/tenants/rotterdam/api-keys/{}",
                key["id"].as_str().unwrap()
            ),
            &w.city,
        )
        .await;
    }
    let refused = app
        .delete(
            &format!("/v1/tenants/rotterdam/schools/{}", w.school),
            &w.city,
        )
        .await;
    assert_eq!(
        refused.code(),
        "resource_in_use",
        "its bookings are the record of its pupils' visits"
    );
}

#[tokio::test]
async fn filters_select_and_malformed_filters_are_refused() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    app.post(
        "/v1/tenants/rotterdam/schools",
        &w.city,
        json!({"name": "De Klimop", "kind": "primary", "education_levels": ["nl_po"]}),
    )
    .await;
    let by_q = app
        .get("/v1/tenants/rotterdam/schools?q=klim", &w.integrator)
        .await;
    assert_eq!(by_q.body["data"].as_array().unwrap().len(), 1);
    let by_kind = app
        .get(
            "/v1/tenants/rotterdam/schools?kind=secondary",
            &w.integrator,
        )
        .await;
    assert_eq!(by_kind.body["data"].as_array().unwrap().len(), 2);
    let by_level = app
        .get(
            "/v1/tenants/rotterdam/schools?education_level=nl_po",
            &w.integrator,
        )
        .await;
    assert_eq!(by_level.body["data"][0]["name"], "De Klimop");
    let literal = app
        .get("/v1/tenants/rotterdam/schools?q=%25", &w.integrator)
        .await;
    assert_eq!(literal.body["data"], json!([]), "% is matched literally");
    app.post(
        "/v1/tenants/rotterdam/schools",
        &w.city,
        json!({"name": "Lab_100% Delfshaven", "kind": "primary", "education_levels": ["nl_po"]}),
    )
    .await;
    for (q, found) in [
        ("b_1", 1),
        ("B_100%25", 1),
        ("b%251", 0),
        ("KLIM", 1),
        ("lab 1", 0),
    ] {
        let names = app
            .get(
                &format!("/v1/tenants/rotterdam/schools?q={q}"),
                &w.integrator,
            )
            .await;
        assert_eq!(
            names.body["data"].as_array().map(Vec::len),
            Some(found),
            "q={q}: {}",
            names.body
        );
    }
    let future = app
        .get(
            "/v1/tenants/rotterdam/schools?updated_since=2999-01-01T00:00:00Z",
            &w.integrator,
        )
        .await;
    assert_eq!(future.body["data"], json!([]));
    for bad in [
        "kind=castle",
        "education_level=x",
        "updated_since=yesterday",
        "limit=0",
        "limit=500",
        "cursor=bogus",
        "limit=abc",
    ] {
        let reply = app
            .get(
                &format!("/v1/tenants/rotterdam/schools?{bad}"),
                &w.integrator,
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn paging_neither_skips_nor_repeats_while_rows_are_inserted() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    for i in 0..7 {
        app.school("rotterdam", &format!("School {i}")).await;
    }
    let mut seen = Vec::new();
    let first = app
        .get("/v1/tenants/rotterdam/schools?limit=4", &w.integrator)
        .await;
    assert!(first.header("link").unwrap().contains("rel=\"next\""));
    seen.extend(
        first.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned()),
    );
    let mut cursor = first.body["next_cursor"].as_str().map(str::to_owned);
    let mut inserted = 0;
    while let Some(c) = cursor {
        if inserted < 3 {
            app.school("rotterdam", &format!("Late {inserted}")).await;
            inserted += 1;
        }
        let page = app
            .get(
                &format!("/v1/tenants/rotterdam/schools?limit=4&cursor={c}"),
                &w.integrator,
            )
            .await;
        seen.extend(
            page.body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_owned()),
        );
        cursor = page.body["next_cursor"].as_str().map(str::to_owned);
    }
    let all = app
        .all_ids("/v1/tenants/rotterdam/schools", &w.integrator, 200)
        .await;
    assert!(inserted >= 2, "rows were inserted between pages");
    assert_eq!(all.len(), 2 + 7 + inserted);
    assert_eq!(
        seen, all,
        "every row once, in order, including those inserted while paging"
    );
}
