//! OAuth 2.0 client credentials: an API key's id and secret buy a short-lived bearer
//! token that acts exactly as the key, wherever a key is accepted.

use driehoek_tests::{Key, Reply, TestApp, World};
use reqwest::{Method, StatusCode};
use serde_json::Value;

async fn token_request(app: &TestApp, basic: Option<(&str, &str)>, form: &str) -> Reply {
    let mut request = app
        .http
        .post(format!("{}/v1/oauth/token", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_owned());
    if let Some((id, secret)) = basic {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    Reply {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

/// The id of the tenant's key with `role`.
async fn key_id(app: &TestApp, w: &World, role: &str) -> String {
    app.get(&format!("/v1/tenants/{}/api-keys", w.tenant), &w.city)
        .await
        .body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["role"] == role)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn client_credentials_buy_a_token_that_acts_as_the_key() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let other = World::build(&app, "leuven", "BE").await;
    let school_id = key_id(&app, &w, "school").await;

    // HTTP Basic, as RFC 6749 asks every server to support.
    let issued = token_request(
        &app,
        Some((&school_id, &w.school_key.0)),
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(issued.status, StatusCode::OK, "{:?}", issued.body);
    assert_eq!(issued.header("cache-control"), Some("no-store"));
    assert_eq!(issued.body["token_type"], "Bearer");
    assert_eq!(issued.body["expires_in"], 900);
    let token = Key(issued.body["access_token"].as_str().unwrap().to_owned());
    assert!(token.0.starts_with("eyJ"), "a JWT");

    // The token is the school: its pupils, its bookings, its refusals.
    let pupils = app.get("/v1/tenants/rotterdam/students", &token).await;
    assert_eq!(pupils.status, StatusCode::OK, "{:?}", pupils.body);
    assert_eq!(pupils.body["data"][0]["id"], w.student.as_str());
    assert_eq!(
        app.get("/v1/tenants/rotterdam/audit-events", &token)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let foreign = app.get("/v1/tenants/leuven/schools", &token).await;
    assert_eq!(foreign.code(), "tenant_forbidden");
    assert_eq!(
        app.get(
            &format!("/v1/tenants/leuven/students/{}", other.student),
            &token
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // Audited as the key it acts for.
    let audit = app
        .get(
            &format!("/v1/tenants/rotterdam/audit-events?key_id={school_id}&action=student.list"),
            &w.city,
        )
        .await;
    assert!(!audit.body["data"].as_array().unwrap().is_empty());

    // The form works as well.
    let integrator_id = key_id(&app, &w, "integrator").await;
    let form = format!(
        "grant_type=client_credentials&client_id={integrator_id}&client_secret={}",
        w.integrator.0
    );
    let by_form = token_request(&app, None, &form).await;
    assert_eq!(by_form.status, StatusCode::OK, "{:?}", by_form.body);
    let integrator = Key(by_form.body["access_token"].as_str().unwrap().to_owned());
    assert_eq!(
        app.get("/v1/tenants/rotterdam/schools", &integrator)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/v1/tenants/rotterdam/bookings", &integrator)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // A forged or altered token is nobody.
    let mut parts: Vec<String> = token.0.split('.').map(str::to_owned).collect();
    parts[2] = parts[2].chars().rev().collect();
    let forged = Key(parts.join("."));
    let refused = app.get("/v1/tenants/rotterdam/schools", &forged).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let swapped = Key(format!(
        "{}.{}",
        integrator.0.rsplit_once('.').unwrap().0,
        token.0.rsplit_once('.').unwrap().1
    ));
    assert_eq!(
        app.get("/v1/tenants/rotterdam/schools", &swapped)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    // Revoking the key ends its tokens at the next request.
    let revoked = app
        .delete(
            &format!("/v1/tenants/rotterdam/api-keys/{school_id}"),
            &w.city,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/v1/tenants/rotterdam/students", &token)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let after = token_request(
        &app,
        Some((&school_id, &w.school_key.0)),
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(after.code(), "invalid_client");
}

#[tokio::test]
async fn bad_token_requests_are_answered_as_oauth_errors() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let id = key_id(&app, &w, "integrator").await;
    let secret = w.integrator.0.clone();
    /// HTTP Basic credentials, the form, and the answer expected.
    type Case<'a> = (Option<(&'a str, &'a str)>, String, StatusCode, &'a str);
    let cases: Vec<Case> = vec![
        (
            Some((&id, "dhk_wrong")),
            "grant_type=client_credentials".into(),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            Some(("not-a-uuid", &secret)),
            "grant_type=client_credentials".into(),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            None,
            "grant_type=client_credentials".into(),
            StatusCode::UNAUTHORIZED,
            "invalid_client",
        ),
        (
            Some((&id, &secret)),
            "grant_type=password&username=x".into(),
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        ),
        (
            Some((&id, &secret)),
            "scope=all".into(),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            Some((&id, &secret)),
            format!("grant_type=client_credentials&client_id={id}&client_secret={secret}"),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ];
    for (basic, form, status, code) in cases {
        let reply = token_request(&app, basic, &form).await;
        assert_eq!(reply.status, status, "{form}: {:?}", reply.body);
        assert_eq!(reply.code(), code, "{form}");
        assert_eq!(reply.body["error"], code, "RFC 6749's member too");
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json")
        );
    }
    // Another key's id with this secret is not this key.
    let city_id = key_id(&app, &w, "city_admin").await;
    let mixed = token_request(
        &app,
        Some((&city_id, &secret)),
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(mixed.code(), "invalid_client");
    // JSON is not a token request.
    let json = app
        .send(
            Method::POST,
            "/v1/oauth/token",
            None,
            Some(serde_json::json!({"grant_type": "client_credentials"})),
            &[],
        )
        .await;
    assert_eq!(json.code(), "unsupported_media_type");
    // The operator's bootstrap key is no client: there is no key id to name.
    let bootstrap = token_request(
        &app,
        Some((&id, driehoek_tests::ADMIN_KEY)),
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(bootstrap.code(), "invalid_client");
}

#[tokio::test]
async fn a_token_stops_working_when_its_fifteen_minutes_are_up_on_the_clock() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let id = key_id(&app, &w, "integrator").await;
    let issued = token_request(
        &app,
        Some((&id, &w.integrator.0)),
        "grant_type=client_credentials",
    )
    .await;
    assert_eq!(issued.status, StatusCode::OK, "{:?}", issued.body);
    let token = Key(issued.body["access_token"].as_str().unwrap().to_owned());
    let schools = "/v1/tenants/rotterdam/schools";
    app.clock.advance(chrono::Duration::seconds(899));
    assert_eq!(app.get(schools, &token).await.status, StatusCode::OK);
    app.clock.advance(chrono::Duration::seconds(2));
    let expired = app.get(schools, &token).await;
    assert_eq!(
        expired.status,
        StatusCode::UNAUTHORIZED,
        "{:?}",
        expired.body
    );
    assert_eq!(
        app.get(schools, &w.integrator).await.status,
        StatusCode::OK,
        "the key itself goes on"
    );
}
