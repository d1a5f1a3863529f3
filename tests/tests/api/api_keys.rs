use driehoek_tests::{Key, TestApp, World};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_created_key_works_is_listed_without_secret_and_revocation_is_immediate() {
    let app = TestApp::spawn().await;
    let world = World::build(&app, "rotterdam", "NL").await;
    let created = app
        .post(
            "/v1/tenants/rotterdam/api-keys",
            &world.city,
            json!({"name": "dashboard", "role": "integrator"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let secret = created.body["key"].as_str().unwrap().to_owned();
    assert!(secret.starts_with(created.body["prefix"].as_str().unwrap()));
    let key = Key(secret.clone());
    assert_eq!(
        app.get("/v1/tenants/rotterdam/schools", &key).await.status,
        StatusCode::OK
    );

    let listed = app.get("/v1/tenants/rotterdam/api-keys", &world.city).await;
    let text = listed.body.to_string();
    assert!(!text.contains(&secret), "a list never shows a secret");
    assert!(
        listed.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|k| k.get("key").is_none())
    );
    let mine = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == created.body["id"])
        .unwrap()
        .clone();
    assert!(mine["last_used_at"].is_string(), "use was recorded");

    let revoked = app
        .delete(
            &format!("/v1/tenants/rotterdam/api-keys/{}", created.id()),
            &world.city,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    let refused = app.get("/v1/tenants/rotterdam/schools", &key).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.code(), "unauthorized");
    assert!(
        refused
            .header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );
}

#[tokio::test]
async fn keys_must_be_bound_as_their_role_requires() {
    let app = TestApp::spawn().await;
    let world = World::build(&app, "rotterdam", "NL").await;
    let other = World::build(&app, "leuven", "BE").await;
    let cases = [
        (json!({"name": "k", "role": "school"}), "/school_id"),
        (json!({"name": "k", "role": "business"}), "/business_id"),
        (
            json!({"name": "k", "role": "integrator", "school_id": world.school}),
            "/school_id",
        ),
        (json!({"name": "k", "role": "platform_admin"}), "/role"),
        (
            json!({"name": "k", "role": "school", "school_id": other.school}),
            "/school_id",
        ),
        (
            json!({"name": "k", "role": "city_admin", "expires_at": "2020-01-01T00:00:00Z"}),
            "/expires_at",
        ),
    ];
    let before = app
        .get("/v1/tenants/rotterdam/api-keys", &world.city)
        .await
        .body["data"]
        .as_array()
        .unwrap()
        .len();
    for (body, pointer) in cases {
        let reply = app
            .post("/v1/tenants/rotterdam/api-keys", &world.city, body.clone())
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(reply.body["errors"][0]["pointer"], pointer, "{body}");
    }
    let role = app
        .post(
            "/v1/tenants/rotterdam/api-keys",
            &world.city,
            json!({"name": "k", "role": "janitor"}),
        )
        .await;
    assert_eq!(role.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(role.body["errors"][0]["pointer"], "/role");
    let after = app
        .get("/v1/tenants/rotterdam/api-keys", &world.city)
        .await
        .body["data"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after, "nothing written");
}

#[tokio::test]
async fn only_city_admins_manage_keys() {
    let app = TestApp::spawn().await;
    let world = World::build(&app, "rotterdam", "NL").await;
    for key in [&world.school_key, &world.business_key, &world.integrator] {
        assert_eq!(
            app.get("/v1/tenants/rotterdam/api-keys", key).await.code(),
            "forbidden"
        );
        let create = app
            .post(
                "/v1/tenants/rotterdam/api-keys",
                key,
                json!({"name": "k", "role": "city_admin"}),
            )
            .await;
        assert_eq!(create.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn another_tenants_key_ids_are_not_found() {
    let app = TestApp::spawn().await;
    let world = World::build(&app, "rotterdam", "NL").await;
    let other = World::build(&app, "leuven", "BE").await;
    let theirs = app
        .get("/v1/tenants/leuven/api-keys", &other.city)
        .await
        .body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = app
        .delete(
            &format!("/v1/tenants/rotterdam/api-keys/{theirs}"),
            &world.city,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.get("/v1/tenants/leuven/schools", &other.city)
            .await
            .status,
        StatusCode::OK,
        "their key still works"
    );
}

#[tokio::test]
async fn unknown_missing_and_malformed_keys_are_unauthorized() {
    let app = TestApp::spawn().await;
    World::build(&app, "rotterdam", "NL").await;
    let none = app
        .send(
            reqwest::Method::GET,
            "/v1/tenants/rotterdam/schools",
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    let unknown = app
        .get(
            "/v1/tenants/rotterdam/schools",
            &Key("dhk_nottherightkeyatall".to_owned()),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let basic = app
        .send(
            reqwest::Method::GET,
            "/v1/tenants/rotterdam/schools",
            None,
            None,
            &[("authorization", "Basic dXNlcjpwYXNz")],
        )
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_key_revoked_on_one_node_is_refused_by_every_node_at_its_next_request() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    // Nodes share key lookups through Redis; without REDIS_URL there is one node.
    let second = app.peer("revocation_reaches_every_node").await;
    let nodes: Vec<&TestApp> = std::iter::once(&app).chain(second.as_ref()).collect();
    let created = app
        .post(
            "/v1/tenants/rotterdam/api-keys",
            &w.city,
            json!({"name": "Roostersysteem", "role": "integrator"}),
        )
        .await;
    let key = Key(created.body["key"].as_str().unwrap().to_owned());
    for _ in 0..3 {
        for node in &nodes {
            // Warm every node's view of the key (and the shared cache).
            assert_eq!(
                node.get("/v1/tenants/rotterdam/schools", &key).await.status,
                StatusCode::OK
            );
        }
    }
    let revoked = nodes[0]
        .delete(
            &format!("/v1/tenants/rotterdam/api-keys/{}", created.id()),
            &w.city,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    for node in &nodes {
        let refused = node.get("/v1/tenants/rotterdam/schools", &key).await;
        assert_eq!(
            refused.status,
            StatusCode::UNAUTHORIZED,
            "{:?}",
            refused.body
        );
    }
}

#[tokio::test]
async fn a_key_is_refused_from_the_moment_it_expires() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let in_an_hour = (app.now() + chrono::Duration::hours(1)).to_rfc3339();
    let made = app
        .post(
            "/v1/tenants/rotterdam/api-keys",
            &w.city,
            json!({"name": "for the open day", "role": "integrator", "expires_at": in_an_hour}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    let key = Key(made.body["key"].as_str().unwrap().to_owned());
    let schools = "/v1/tenants/rotterdam/schools";
    assert_eq!(app.get(schools, &key).await.status, StatusCode::OK);
    app.clock.advance(chrono::Duration::minutes(59));
    assert_eq!(
        app.get(schools, &key).await.status,
        StatusCode::OK,
        "cached, and still valid"
    );
    app.clock.advance(chrono::Duration::minutes(2));
    let expired = app.get(schools, &key).await;
    assert_eq!(
        expired.status,
        StatusCode::UNAUTHORIZED,
        "{:?}",
        expired.body
    );
    assert!(
        expired
            .header("www-authenticate")
            .is_some_and(|h| h.starts_with("Bearer")),
        "{:?}",
        expired.headers
    );
}
