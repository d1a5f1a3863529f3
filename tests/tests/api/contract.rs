//! The cross-cutting contract of DESIGN.md §3: problem documents, content types, body
//! limits, request ids, health, metrics and the OpenAPI document.

use driehoek_tests::{TestApp, World};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn every_problem_type_is_described_at_its_url() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let problem = app
        .post(
            "/v1/tenants/rotterdam/schools",
            &w.city,
            json!({"name": "", "kind": "primary"}),
        )
        .await;
    assert_eq!(
        problem.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(problem.body["instance"], "/v1/tenants/rotterdam/schools");
    assert_eq!(
        problem.body["request_id"].as_str(),
        problem.header("x-request-id")
    );
    let described = app
        .send(
            Method::GET,
            problem.body["type"].as_str().unwrap(),
            None,
            None,
            &[],
        )
        .await;
    assert_eq!(described.status, StatusCode::OK);
    assert_eq!(described.body["code"], "validation_failed");
    assert_eq!(described.body["status"], 422);
    let doc = app
        .send(Method::GET, "/openapi.json", None, None, &[])
        .await;
    let codes = doc.body["components"]["schemas"]["ProblemCode"]["enum"]
        .as_array()
        .unwrap()
        .clone();
    for code in codes {
        let reply = app
            .send(
                Method::GET,
                &format!("/problems/{}", code.as_str().unwrap()),
                None,
                None,
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{code}");
    }
    assert_eq!(
        app.send(Method::GET, "/problems/nope", None, None, &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn wrong_method_content_type_size_and_json_are_answered_as_problems() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let put = app
        .send(
            Method::PUT,
            "/v1/tenants/rotterdam/schools",
            Some(&w.city),
            None,
            &[],
        )
        .await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(put.code(), "method_not_allowed");
    assert_eq!(put.header("allow"), Some("GET, HEAD, POST"));
    let unknown = app.get("/v1/nothing-here", &w.city).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        unknown.header("content-type"),
        Some("application/problem+json")
    );

    let url = format!("{}/v1/tenants/rotterdam/schools", app.base);
    let text = app
        .http
        .post(&url)
        .bearer_auth(&w.city.0)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let malformed = app
        .http
        .post(&url)
        .bearer_auth(&w.city.0)
        .header("content-type", "application/json")
        .body("{\"name\":")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        malformed.json::<Value>().await.unwrap()["code"],
        "malformed_json"
    );
    // A key named twice is malformed, not "the last one wins": nothing is created.
    let schools_before = app
        .get("/v1/tenants/rotterdam/schools?limit=200", &w.city)
        .await
        .body["data"]
        .as_array()
        .map(Vec::len);
    let duplicate = app
        .http
        .post(&url)
        .bearer_auth(&w.city.0)
        .header("content-type", "application/json")
        .body(r#"{"name":"Twice College","kind":"primary","name":"Once College"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(duplicate.status(), StatusCode::BAD_REQUEST);
    let problem = duplicate.json::<Value>().await.unwrap();
    assert_eq!(problem["code"], "malformed_json");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("duplicate key 'name'")),
        "{problem}"
    );
    let schools_after = app
        .get("/v1/tenants/rotterdam/schools?limit=200", &w.city)
        .await
        .body["data"]
        .as_array()
        .map(Vec::len);
    assert_eq!(schools_after, schools_before);
    let huge = json!({"name": "x".repeat(1024 * 1024 + 10), "kind": "primary"}).to_string();
    let too_large = app
        .http
        .post(&url)
        .bearer_auth(&w.city.0)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        too_large.json::<Value>().await.unwrap()["code"],
        "payload_too_large"
    );
    let merge = app
        .http
        .patch(format!("{url}/{}", w.school))
        .bearer_auth(&w.city.0)
        .header("content-type", "application/merge-patch+json")
        .body("{\"name\":\"Merged\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(merge.status(), StatusCode::OK);
    let bad_uuid = app
        .get("/v1/tenants/rotterdam/schools/not-a-uuid", &w.city)
        .await;
    assert_eq!(bad_uuid.status, StatusCode::NOT_FOUND);
    let schools = app
        .all_ids("/v1/tenants/rotterdam/schools", &w.city, 50)
        .await;
    assert_eq!(schools.len(), 2, "no refused request wrote a school");
}

#[tokio::test]
async fn request_ids_are_echoed_when_sane_and_made_otherwise() {
    let app = TestApp::spawn().await;
    let mine = app
        .send(
            Method::GET,
            "/health/live",
            None,
            None,
            &[("x-request-id", "trace-abc.123")],
        )
        .await;
    assert_eq!(mine.header("x-request-id"), Some("trace-abc.123"));
    let insane = app
        .send(
            Method::GET,
            "/health/live",
            None,
            None,
            &[("x-request-id", "a b<script>")],
        )
        .await;
    let made = insane.header("x-request-id").unwrap();
    assert_ne!(made, "a b<script>");
    assert!(uuid::Uuid::parse_str(made).is_ok());
}

#[tokio::test]
async fn health_and_metrics_answer_without_a_key() {
    let app = TestApp::spawn().await;
    let live = app.send(Method::GET, "/health/live", None, None, &[]).await;
    assert_eq!(live.status, StatusCode::OK);
    let ready = app
        .send(Method::GET, "/health/ready", None, None, &[])
        .await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["checks"]["database"], "ok");
    let city = app.tenant("rotterdam", "NL").await;
    let key = app.key(&city, "city_admin", None).await;
    let school = app
        .post(
            "/v1/tenants/rotterdam/schools",
            &key,
            json!({"name": "Zadkine", "kind": "vocational"}),
        )
        .await;
    let read = app
        .get(
            &format!("/v1/tenants/rotterdam/schools/{}", school.id()),
            &key,
        )
        .await;
    assert_eq!(read.status, StatusCode::OK);
    let metrics = app.send(Method::GET, "/metrics", None, None, &[]).await;
    let text = metrics.body.as_str().unwrap();
    assert!(text.contains("driehoek_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/health/ready\""));
    assert!(text.contains("driehoek_db_pool_connections"));
    // The schools read above ran on the read pool, which keeps its connection.
    assert!(
        text.contains("driehoek_db_read_pool_connections 1"),
        "{text}"
    );
}

/// Methods outside the standard ones are counted as `other`: a client inventing
/// methods cannot add series to the metrics without end.
#[tokio::test]
async fn metrics_label_invented_methods_as_other() {
    let app = TestApp::spawn().await;
    for invented in ["BREW", "WHEN"] {
        let method = Method::from_bytes(invented.as_bytes()).unwrap();
        let reply = app.send(method, "/health/live", None, None, &[]).await;
        assert!(
            reply.status.is_client_error(),
            "{invented}: {}",
            reply.status
        );
    }
    let metrics = app.send(Method::GET, "/metrics", None, None, &[]).await;
    let text = metrics.body.as_str().unwrap();
    assert!(!text.contains("BREW") && !text.contains("WHEN"), "{text}");
    assert!(
        text.lines()
            .any(|line| line.starts_with("driehoek_http_requests_total")
                && line.contains("method=\"other\"")
                && line.ends_with(" 2")),
        "{text}"
    );
}

#[tokio::test]
async fn docs_page_is_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let page = app
        .http
        .get(format!("{}/docs/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("swagger-ui"));
    let bundle = app
        .http
        .get(format!("{}/docs/swagger-ui-bundle.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(bundle.status(), StatusCode::OK);
    assert!(
        bundle.bytes().await.unwrap().len() > 100_000,
        "the UI's script is vendored, not fetched"
    );
}

#[test]
fn committed_openapi_document_is_in_sync_with_the_code() {
    let generated: Value =
        driehoek_api::startup::openapi_json(&driehoek_api::startup::openapi()).unwrap();
    let committed: Value = serde_json::from_str(driehoek_openapi_committed()).unwrap();
    assert!(
        generated == committed,
        "openapi/openapi.json is stale: run `cargo run -p driehoek-api --bin driehoek -- openapi > openapi/openapi.json`"
    );
}

/// Response bodies write struct keys without escaping them (`driehoek_api::json`): no
/// property name anywhere in the document may hold a quote, a backslash or a control
/// character.
#[test]
fn no_property_name_needs_escaping_in_json() {
    fn walk(value: &Value, names: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::Object(properties)) = map.get("properties") {
                    names.extend(properties.keys().cloned());
                }
                map.values().for_each(|v| walk(v, names));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, names)),
            _ => {}
        }
    }
    let document: Value =
        driehoek_api::startup::openapi_json(&driehoek_api::startup::openapi()).unwrap();
    let mut names = Vec::new();
    walk(&document, &mut names);
    assert!(
        names.len() > 200,
        "found only {} property names",
        names.len()
    );
    for name in names {
        assert!(
            !name
                .chars()
                .any(|c| c == '"' || c == '\\' || c.is_control()),
            "{name:?}"
        );
    }
}

fn driehoek_openapi_committed() -> &'static str {
    include_str!("../../../openapi/openapi.json")
}

#[test]
fn every_operation_is_fully_documented() {
    let doc: Value =
        driehoek_api::startup::openapi_json(&driehoek_api::startup::openapi()).unwrap();
    let mut ids = std::collections::HashSet::new();
    let mut count = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            count += 1;
            let at = format!("{method} {path}");
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{at}: operationId"));
            assert!(
                ids.insert(id.to_owned()),
                "{at}: duplicate operationId {id}"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{at}: summary"
            );
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{at}: tag"
            );
            assert!(op.get("security").is_some(), "{at}: security requirement");
            let responses = op["responses"].as_object().unwrap();
            let errors: Vec<&String> = responses
                .keys()
                .filter(|s| s.starts_with('4') || s.starts_with('5'))
                .collect();
            assert!(!errors.is_empty(), "{at}: error responses");
            assert!(responses.contains_key("500"), "{at}: 500");
            // The OAuth token endpoint authenticates by client credentials and answers
            // RFC 6749's errors only: 400 and 401.
            let token_endpoint = path == "/v1/oauth/token";
            if token_endpoint {
                for status in ["400", "401"] {
                    assert!(responses.contains_key(status), "{at}: {status}");
                }
            }
            // The city's issuer documents and the verifier are public by design
            // (anyone verifies a credential without a key): no key, no 401 or 403.
            let public = op["security"] == serde_json::json!([{}]);
            if public {
                assert!(op.get("x-roles").is_none(), "{at}: public, yet roles");
            }
            if path.starts_with("/v1/") && !token_endpoint && !public {
                for status in ["401", "403", "404"] {
                    assert!(responses.contains_key(status), "{at}: {status}");
                }
                assert!(
                    !op["security"].as_array().unwrap().is_empty(),
                    "{at}: needs a key"
                );
            }
            if (method == "post" || method == "patch") && !token_endpoint {
                assert!(responses.contains_key("422"), "{at}: 422");
            }
        }
    }
    assert!(count >= 38, "expected every operation, found {count}");
}

/// DESIGN.md §3.11: compression when asked for, `HEAD` wherever `GET` is, `405` with
/// the methods of the most specific path, `nosniff` everywhere and `no-store` on
/// pupils' data.
#[tokio::test]
async fn transport_compresses_answers_head_and_names_the_right_methods() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let raw = |method: Method, path: &str, encoding: Option<&str>| {
        let mut request = app
            .http
            .request(method, format!("{}{path}", app.base))
            .bearer_auth(&w.city.0);
        if let Some(encoding) = encoding {
            request = request.header("accept-encoding", encoding);
        }
        request.send()
    };
    for encoding in ["gzip", "br"] {
        let reply = raw(Method::GET, "/openapi.json", Some(encoding))
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::OK);
        assert_eq!(
            reply.headers()["content-encoding"].to_str().unwrap(),
            encoding
        );
        let compressed = reply.bytes().await.unwrap().len();
        let plain = raw(Method::GET, "/openapi.json", None)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .len();
        assert!(
            compressed * 4 < plain,
            "{encoding}: {compressed} of {plain} bytes"
        );
        let list = raw(Method::GET, "/v1/tenants/rotterdam/schools", Some(encoding))
            .await
            .unwrap();
        assert_eq!(
            list.headers()["content-encoding"].to_str().unwrap(),
            encoding
        );
    }

    let school = format!("/v1/tenants/rotterdam/schools/{}", w.school);
    let get = raw(Method::GET, &school, None).await.unwrap();
    let head = raw(Method::HEAD, &school, None).await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    for name in ["etag", "content-type", "content-length", "ratelimit-policy"] {
        assert_eq!(head.headers().get(name), get.headers().get(name), "{name}");
    }
    assert_eq!(head.headers()["x-content-type-options"], "nosniff");
    assert!(head.bytes().await.unwrap().is_empty(), "no body");

    // `/students/import` is its own path: not a student called "import".
    for method in [Method::GET, Method::PATCH] {
        let reply = app
            .send(
                method.clone(),
                "/v1/tenants/rotterdam/students/import",
                Some(&w.school_key),
                Some(json!({})),
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(reply.header("allow"), Some("POST"), "{method}");
    }

    let pupil = app
        .get(
            &format!("/v1/tenants/rotterdam/students/{}", w.student),
            &w.school_key,
        )
        .await;
    assert_eq!(pupil.status, StatusCode::OK);
    assert_eq!(pupil.header("cache-control"), Some("no-store"));
    assert_eq!(pupil.header("x-content-type-options"), Some("nosniff"));
    let problem = app.get("/v1/nothing-here", &w.city).await;
    assert_eq!(problem.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn an_integer_may_be_written_as_json_schema_allows() {
    // `12.0` is an integer to JSON Schema (and so to the document and the generators
    // that read it); `12.5` is not, and creates nothing. (`1.2e1` and the other
    // spellings: `strict_json`'s unit tests.)
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let slots = format!("/v1/tenants/rotterdam/work-visits/{}/slots", w.work_visit);
    let slot = |day: i64, capacity: f64| json!({"starts_at": app.at(day, 8, 0), "ends_at": app.at(day, 12, 0), "capacity": capacity});
    assert_eq!(slot(91, 12.0).to_string().matches("12.0").count(), 1);
    let count = |body: &Value| body["data"].as_array().map(Vec::len);
    let before = count(&app.get(&slots, &w.business_key).await.body);
    let halves = app.post(&slots, &w.business_key, slot(90, 12.5)).await;
    assert_eq!(halves.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(halves.pointers(), ["/capacity"]);
    assert_eq!(count(&app.get(&slots, &w.business_key).await.body), before);
    let created = app.post(&slots, &w.business_key, slot(91, 12.0)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.body["capacity"], json!(12));
}
