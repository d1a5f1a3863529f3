//! Bad input that must never reach the database or leave a request hanging
//! (DESIGN.md §5): control characters and broken percent-encoding in the path, the
//! query and JSON strings; targets and headers over the limits; a body that does not
//! arrive. Each is answered with a problem document on both backends, and nothing is
//! written.

use std::time::{Duration, Instant};

use driehoek_tests::{TestApp, World};
use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn is_problem(reply: &driehoek_tests::Reply) -> bool {
    reply
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/problem+json"))
}

#[tokio::test]
async fn control_characters_and_broken_encoding_in_the_target_are_400() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "leuven", "BE").await;
    for (path, code) in [
        ("/v1/tenants/leuven/work-visits?q=a%00b", "invalid_query"),
        ("/v1/tenants/leuven/work-visits?q=%FF", "invalid_query"),
        ("/v1/tenants/leuven/work-visits?q=100%", "invalid_query"),
        (
            "/v1/tenants/leuven/work-visits?q=line%0Abreak",
            "invalid_query",
        ),
        ("/v1/tenants/leuven/schools?name%00=x", "invalid_query"),
        ("/v1/tenants/leu%00ven/schools", "invalid_path"),
        ("/v1/tenants/leuven/schools/%C0%AF", "invalid_path"),
    ] {
        let reply = app.get(path, &w.city).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{path}: {:?}",
            reply.body
        );
        assert_eq!(reply.code(), code, "{path}");
        assert!(is_problem(&reply), "{path}");
        assert!(reply.header("x-request-id").is_some(), "{path}");
    }
    // Well-formed UTF-8 passes.
    let fine = app
        .get("/v1/tenants/leuven/work-visits?q=caf%C3%A9", &w.city)
        .await;
    assert_eq!(fine.status, StatusCode::OK, "{:?}", fine.body);
}

#[tokio::test]
async fn a_nul_in_a_json_string_is_422_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "leuven", "BE").await;
    let before = app
        .all_ids("/v1/tenants/leuven/schools", &w.city, 200)
        .await;
    for body in [
        json!({"name": "Nul\u{0}College", "kind": "secondary"}),
        json!({"name": "Bell\u{7}College", "kind": "secondary"}),
        json!({"name": "College", "kind": "secondary", "education_levels": ["nl_havo\u{0}"]}),
    ] {
        let reply = app
            .post("/v1/tenants/leuven/schools", &app.admin(), body.clone())
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            reply.body
        );
        assert_eq!(reply.code(), "validation_failed");
        let pointer = reply.body["errors"][0]["pointer"].as_str().unwrap();
        assert!(
            pointer.starts_with("/name") || pointer.starts_with("/education_levels/0"),
            "{pointer}"
        );
    }
    // Tabs and line breaks are text.
    let notes = app
        .post(
            "/v1/tenants/leuven/schools",
            &app.admin(),
            json!({"name": "Tab\tCollege", "kind": "secondary"}),
        )
        .await;
    assert_eq!(notes.status, StatusCode::CREATED, "{:?}", notes.body);
    let after = app
        .all_ids("/v1/tenants/leuven/schools", &w.city, 200)
        .await;
    assert_eq!(
        after.len(),
        before.len() + 1,
        "only the clean one was written"
    );

    // A sync with a NUL in one item is refused whole, pointing at it.
    let sync = app
        .post(
            &format!("/v1/tenants/leuven/businesses/{}/work-visit-sync", w.business),
            &w.business_key,
            json!({"mode": "partial", "work_visits": [{"external_id": "nul-1", "title": "Stage\u{0}", "status": "draft"}]}),
        )
        .await;
    assert_eq!(
        sync.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        sync.body
    );
    assert_eq!(sync.body["errors"][0]["pointer"], "/work_visits/0/title");
    let visits = app
        .get(
            &format!("/v1/tenants/leuven/work-visits?business_id={}", w.business),
            &w.city,
        )
        .await;
    assert!(!visits.body.to_string().contains("nul-1"), "nothing synced");
}

#[tokio::test]
async fn targets_and_headers_over_the_limits_are_problems() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "leuven", "BE").await;
    let long = format!("/v1/tenants/leuven/work-visits?q={}", "a".repeat(10_000));
    let reply = app.get(&long, &w.city).await;
    assert_eq!(reply.status, StatusCode::URI_TOO_LONG);
    assert_eq!(reply.code(), "uri_too_long");
    assert!(is_problem(&reply));

    let padding = "x".repeat(20_000);
    let reply = app
        .send(
            Method::GET,
            "/v1/tenants/leuven/schools",
            Some(&w.city),
            None,
            &[("x-padding", &padding)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(reply.code(), "headers_too_large");
    assert!(is_problem(&reply));
}

/// A client with a valid key that sends its body a byte at a time, slower than the
/// deadline allows, gets `408` (a problem) once 30 s have passed, and the connection
/// is closed.
#[tokio::test]
async fn a_body_that_does_not_arrive_within_30_s_is_408() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "leuven", "BE").await;
    let before = app
        .all_ids("/v1/tenants/leuven/schools", &w.city, 200)
        .await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /v1/tenants/leuven/schools HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
        app.admin().0
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        tokio::select! {
            read = stream.read(&mut buffer) => {
                let n = read.unwrap_or(0);
                if n == 0 {
                    break;
                }
                answer.extend_from_slice(&buffer[..n]);
            }
            () = tokio::time::sleep(Duration::from_secs(2)) => {
                // One more byte: the client is slow, not gone.
                if stream.write_all(b" ").await.is_err() {
                    break;
                }
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(45),
            "still open after 45 s"
        );
    }
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("request_timeout"), "{text}");
    assert!(
        started.elapsed() >= Duration::from_secs(29),
        "{:?}",
        started.elapsed()
    );
    let schools = app
        .all_ids("/v1/tenants/leuven/schools", &w.city, 200)
        .await;
    assert_eq!(schools, before, "nothing was written");
}

#[tokio::test]
async fn a_query_is_judged_after_the_key_and_its_role() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let path = "/v1/tenants/rotterdam/students?limit=lots";
    let anonymous = app.send(Method::GET, path, None, None, &[]).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    // Pupils are for their own school: another role learns nothing from the query.
    for key in [&w.integrator, &w.city, &w.business_key] {
        let reply = app.get(path, key).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert_eq!(reply.code(), "forbidden");
    }
    let school = app.get(path, &w.school_key).await;
    assert_eq!(school.status, StatusCode::BAD_REQUEST);
    assert_eq!(school.code(), "invalid_query");
    assert!(is_problem(&school));
}
