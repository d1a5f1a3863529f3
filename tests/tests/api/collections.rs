//! Claims every collection and every versioned resource must keep, checked for each in
//! one table: keyset paging never skips or repeats a row while rows are inserted, and
//! a stale `If-Match` is refused with 412 and changes nothing.

use driehoek_tests::{TestApp, World};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Adds one more item to the collection named `which`.
async fn add(app: &TestApp, w: &World, which: &str, n: usize) {
    let t = &w.tenant;
    let (path, body) = match which {
        "tenants" => (
            "/v1/tenants".to_owned(),
            json!({"slug": format!("extra-{n}"), "name": "Extra", "country": "NL", "locale": "nl-NL", "timezone": "Europe/Amsterdam"}),
        ),
        "api-keys" => (
            format!("/v1/tenants/{t}/api-keys"),
            json!({"name": format!("key {n}"), "role": "integrator"}),
        ),
        "schools" => (
            format!("/v1/tenants/{t}/schools"),
            json!({"name": format!("School {n}"), "kind": "primary"}),
        ),
        "businesses" => (
            format!("/v1/tenants/{t}/businesses"),
            json!({"name": format!("Business {n}"), "kind": "company"}),
        ),
        "coaches" => (
            format!("/v1/tenants/{t}/businesses/{}/coaches", w.business),
            json!({"display_name": format!("Coach {n}")}),
        ),
        "programmes" => (
            format!("/v1/tenants/{t}/programmes"),
            json!({"name": format!("Programme {n}"), "starts_on": "2027-01-01"}),
        ),
        "members" => {
            let business = app.business(t, &format!("Member business {n}")).await;
            (
                format!("/v1/tenants/{t}/programmes/{}/members", w.programme),
                json!({"business_id": business, "role": "host", "joined_on": "2027-01-01"}),
            )
        }
        "work-visits" => {
            app.work_visit(t, &w.business, "draft").await;
            return;
        }
        "slots" => {
            let day = 120 + i64::try_from(n % 28).unwrap_or(0);
            (
                format!("/v1/tenants/{t}/work-visits/{}/slots", w.work_visit),
                json!({"starts_at": app.at(day, 8, 0), "ends_at": app.at(day, 12, 0), "capacity": 4}),
            )
        }
        other => panic!("unknown collection {other}"),
    };
    let reply = app.post(&path, &app.admin(), body).await;
    assert_eq!(
        reply.status,
        StatusCode::CREATED,
        "{which}: {:?}",
        reply.body
    );
}

fn list_path(w: &World, which: &str) -> String {
    let t = &w.tenant;
    match which {
        "tenants" => "/v1/tenants".to_owned(),
        "coaches" => format!("/v1/tenants/{t}/businesses/{}/coaches", w.business),
        "members" => format!("/v1/tenants/{t}/programmes/{}/members", w.programme),
        "slots" => format!("/v1/tenants/{t}/work-visits/{}/slots", w.work_visit),
        other => format!("/v1/tenants/{t}/{other}"),
    }
}

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_collection_pages_without_skipping_or_repeating_while_rows_are_inserted() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    for which in [
        "tenants",
        "api-keys",
        "schools",
        "businesses",
        "coaches",
        "programmes",
        "members",
        "work-visits",
        "slots",
    ] {
        for n in 0..4 {
            add(&app, &w, which, n).await;
        }
        let path = list_path(&w, which);
        let first = app.get(&format!("{path}?limit=2"), &app.admin()).await;
        let mut seen = ids(&first.body);
        let mut cursor = first.body["next_cursor"].as_str().map(str::to_owned);
        let mut n = 10;
        while let Some(c) = cursor {
            add(&app, &w, which, n).await;
            n += 1;
            let page = app
                .get(&format!("{path}?limit=2&cursor={c}"), &app.admin())
                .await;
            assert_eq!(page.status, StatusCode::OK, "{which}");
            seen.extend(ids(&page.body));
            cursor = page.body["next_cursor"].as_str().map(str::to_owned);
        }
        let all = app.all_ids(&path, &app.admin(), 200).await;
        assert!(n > 10, "{which}: rows were inserted between pages");
        assert_eq!(seen, all, "{which}: every row exactly once, in order");
    }
}

#[tokio::test]
async fn a_stale_if_match_is_refused_on_every_versioned_resource_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let t = &w.tenant;
    let resources = [
        (format!("/v1/tenants/{t}"), json!({"name": "Stale"}), false),
        (
            format!("/v1/tenants/{t}/schools/{}", w.school),
            json!({"name": "Stale"}),
            true,
        ),
        (
            format!("/v1/tenants/{t}/businesses/{}", w.business),
            json!({"name": "Stale"}),
            true,
        ),
        (
            format!(
                "/v1/tenants/{t}/businesses/{}/coaches/{}",
                w.business, w.coach
            ),
            json!({"display_name": "Stale"}),
            true,
        ),
        (
            format!("/v1/tenants/{t}/programmes/{}", w.programme),
            json!({"name": "Stale"}),
            true,
        ),
        (
            format!(
                "/v1/tenants/{t}/programmes/{}/members/{}",
                w.programme, w.member
            ),
            json!({"role": "funder"}),
            true,
        ),
        (
            format!("/v1/tenants/{t}/work-visits/{}", w.work_visit),
            json!({"title": "Stale"}),
            true,
        ),
        (
            format!(
                "/v1/tenants/{t}/work-visits/{}/slots/{}",
                w.work_visit, w.slot
            ),
            json!({"capacity": 7}),
            true,
        ),
    ];
    let before = w.versions(&app).await;
    for (path, body, deletable) in &resources {
        let patch = app
            .send(
                Method::PATCH,
                path,
                Some(&app.admin()),
                Some(body.clone()),
                &[("if-match", "\"7\"")],
            )
            .await;
        assert_eq!(
            patch.status,
            StatusCode::PRECONDITION_FAILED,
            "PATCH {path}"
        );
        assert_eq!(patch.code(), "version_mismatch");
        if *deletable {
            let delete = app
                .send(
                    Method::DELETE,
                    path,
                    Some(&app.admin()),
                    None,
                    &[("if-match", "\"7\"")],
                )
                .await;
            assert_eq!(
                delete.status,
                StatusCode::PRECONDITION_FAILED,
                "DELETE {path}"
            );
        }
        let garbage = app
            .send(
                Method::PATCH,
                path,
                Some(&app.admin()),
                Some(body.clone()),
                &[("if-match", "seven")],
            )
            .await;
        assert_eq!(
            garbage.status,
            StatusCode::BAD_REQUEST,
            "malformed If-Match on {path}"
        );
        assert_eq!(garbage.code(), "invalid_header", "{path}");
        // Judged after the key: a caller without one learns nothing from its headers.
        let anonymous = app
            .send(
                Method::PATCH,
                path,
                None,
                Some(body.clone()),
                &[("if-match", "seven")],
            )
            .await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{path}");
        let stranger = app
            .send(
                Method::PATCH,
                path,
                Some(&w.integrator),
                Some(body.clone()),
                &[("if-match", "seven")],
            )
            .await;
        assert_eq!(stranger.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(w.versions(&app).await, before);
    // The current version passes.
    for (path, body, _) in &resources {
        let current = app.get(path, &app.admin()).await;
        let etag = current.header("etag").unwrap().to_owned();
        let patch = app
            .send(
                Method::PATCH,
                path,
                Some(&app.admin()),
                Some(body.clone()),
                &[("if-match", &etag)],
            )
            .await;
        assert_eq!(patch.status, StatusCode::OK, "PATCH {path} with {etag}");
        assert_eq!(
            patch.body["version"],
            current.body["version"].as_i64().unwrap() + 1
        );
    }
}
