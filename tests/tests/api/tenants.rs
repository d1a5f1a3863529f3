use driehoek_tests::{TestApp, World};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn platform_admin_creates_lists_and_reads_tenants() {
    let app = TestApp::spawn().await;
    let created = app
        .post(
            "/v1/tenants",
            &app.admin(),
            json!({"slug": "leuven", "name": "Stad Leuven", "country": "BE", "locale": "nl-BE", "timezone": "Europe/Brussels"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.header("location"), Some("/v1/tenants/leuven"));
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(
        created.body["settings"]["consent_age"], 13,
        "Belgian default"
    );
    assert_eq!(created.body["settings"]["small_cell_threshold"], 5);
    app.tenant("rotterdam", "NL").await;
    let list = app.get("/v1/tenants", &app.admin()).await;
    let slugs: Vec<&str> = list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["leuven", "rotterdam"]);
    let read = app.get("/v1/tenants/rotterdam", &app.admin()).await;
    assert_eq!(read.body["settings"]["consent_age"], 16, "Dutch default");
}

#[tokio::test]
async fn invalid_tenant_is_refused_with_every_bad_field_and_nothing_written() {
    let app = TestApp::spawn().await;
    let reply = app
        .post("/v1/tenants", &app.admin(), json!({"slug": "Bad Slug", "name": "", "country": "XX", "locale": "nl_NL", "timezone": "Mars/Base"}))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.code(), "validation_failed");
    let pointers = reply.pointers();
    assert_eq!(
        pointers,
        ["/slug", "/name", "/country", "/locale", "/timezone"]
    );
    assert_eq!(
        app.get("/v1/tenants", &app.admin()).await.body["data"],
        json!([])
    );
}

#[tokio::test]
async fn duplicate_slug_is_a_conflict() {
    let app = TestApp::spawn().await;
    app.tenant("gent", "BE").await;
    let again = app
        .post("/v1/tenants", &app.admin(), json!({"slug": "gent", "name": "Gent", "country": "BE", "locale": "nl-BE", "timezone": "Europe/Brussels"}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "duplicate");
}

#[tokio::test]
async fn only_platform_admins_create_list_and_update_tenants() {
    let app = TestApp::spawn().await;
    let world = World::build(&app, "rotterdam", "NL").await;
    for key in [
        &world.city,
        &world.school_key,
        &world.business_key,
        &world.integrator,
    ] {
        let create = app
            .post("/v1/tenants", key, json!({"slug": "x", "name": "X", "country": "NL", "locale": "nl", "timezone": "UTC"}))
            .await;
        assert_eq!(create.status, StatusCode::FORBIDDEN);
        assert_eq!(create.code(), "forbidden");
        assert_eq!(
            app.get("/v1/tenants", key).await.status,
            StatusCode::FORBIDDEN
        );
        let patch = app
            .patch("/v1/tenants/rotterdam", key, json!({"name": "Hacked"}))
            .await;
        assert_eq!(patch.status, StatusCode::FORBIDDEN);
        // Their own tenant's record is readable.
        assert_eq!(
            app.get("/v1/tenants/rotterdam", key).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(
        app.get("/v1/tenants/rotterdam", &app.admin()).await.body["name"],
        "City of rotterdam"
    );
}

#[tokio::test]
async fn suspending_a_tenant_stops_its_keys_but_not_platform_admins() {
    let app = TestApp::spawn().await;
    let world = World::build(&app, "rotterdam", "NL").await;
    let schools = format!("/v1/tenants/{}/schools", world.tenant);
    assert_eq!(
        app.get(&schools, &world.integrator).await.status,
        StatusCode::OK
    );
    let suspended = app
        .patch(
            "/v1/tenants/rotterdam",
            &app.admin(),
            json!({"status": "suspended"}),
        )
        .await;
    assert_eq!(suspended.status, StatusCode::OK);
    assert_eq!(suspended.body["version"], 2);
    for key in [
        &world.city,
        &world.school_key,
        &world.business_key,
        &world.integrator,
    ] {
        let reply = app.get(&schools, key).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert_eq!(reply.code(), "tenant_suspended");
    }
    assert_eq!(app.get(&schools, &app.admin()).await.status, StatusCode::OK);
    let outside = app.get("/v1/vocabularies", &world.integrator).await;
    assert_eq!(
        outside.code(),
        "tenant_suspended",
        "routes outside the tenant refuse its keys too"
    );
    app.patch(
        "/v1/tenants/rotterdam",
        &app.admin(),
        json!({"status": "active"}),
    )
    .await;
    assert_eq!(
        app.get(&schools, &world.integrator).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn tenant_settings_merge_and_stale_if_match_is_refused() {
    let app = TestApp::spawn().await;
    app.tenant("rotterdam", "NL").await;
    let patched = app
        .patch(
            "/v1/tenants/rotterdam",
            &app.admin(),
            json!({"settings": {"small_cell_threshold": 10, "coach_screening": "required"}}),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK);
    assert_eq!(patched.body["settings"]["small_cell_threshold"], 10);
    assert_eq!(patched.body["settings"]["coach_screening"], "required");
    assert_eq!(
        patched.body["settings"]["consent_age"], 16,
        "untouched setting kept"
    );
    let stale = app
        .send(
            reqwest::Method::PATCH,
            "/v1/tenants/rotterdam",
            Some(&app.admin()),
            Some(json!({"name": "X"})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(stale.code(), "version_mismatch");
    let bad = app
        .patch(
            "/v1/tenants/rotterdam",
            &app.admin(),
            json!({"settings": {"consent_age": 40}}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.body["errors"][0]["pointer"], "/settings/consent_age");
    assert_eq!(
        app.get("/v1/tenants/rotterdam", &app.admin()).await.body["version"],
        2
    );
}

#[tokio::test]
async fn another_tenants_key_is_tenant_forbidden_and_unknown_slugs_reveal_nothing() {
    let app = TestApp::spawn().await;
    let world = World::build(&app, "rotterdam", "NL").await;
    app.tenant("leuven", "BE").await;
    for path in ["/v1/tenants/leuven", "/v1/tenants/nowhere"] {
        let reply = app.get(path, &world.city).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(reply.code(), "tenant_forbidden");
    }
    assert_eq!(
        app.get("/v1/tenants/nowhere", &app.admin()).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_tenant_suspended_through_one_node_is_suspended_on_every_node_at_once() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    // Nodes share tenant lookups through Redis; without REDIS_URL there is one node.
    let second = app.peer("suspension_reaches_every_node").await;
    let nodes: Vec<&TestApp> = std::iter::once(&app).chain(second.as_ref()).collect();
    for node in &nodes {
        // Warm every node's view of the tenant (and the shared cache).
        let reply = node.get("/v1/tenants/rotterdam/schools", &w.city).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    let suspended = nodes[0]
        .patch(
            "/v1/tenants/rotterdam",
            &nodes[0].admin(),
            json!({"status": "suspended"}),
        )
        .await;
    assert_eq!(suspended.status, StatusCode::OK, "{:?}", suspended.body);
    for node in &nodes {
        let refused = node.get("/v1/tenants/rotterdam/schools", &w.city).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
        assert_eq!(refused.code(), "tenant_suspended");
    }
    let restored = nodes[nodes.len() - 1]
        .patch(
            "/v1/tenants/rotterdam",
            &app.admin(),
            json!({"status": "active"}),
        )
        .await;
    assert_eq!(restored.status, StatusCode::OK);
    for node in &nodes {
        let reply = node.get("/v1/tenants/rotterdam/schools", &w.city).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
}
