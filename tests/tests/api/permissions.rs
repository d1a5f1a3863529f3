//! Permissions as the OpenAPI document states them: every operation that takes a key
//! lists the roles that may call it, and every other role is refused with
//! `403 forbidden` — before the body is read, so an invalid body never turns the
//! refusal into a 400 or 422 (and a stranger learns nothing from it).

use std::collections::BTreeMap;

use driehoek_tests::{Key, TestApp, World};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The tenant roles and each one's key in the world.
fn keys(w: &World) -> [(&'static str, Key); 6] {
    [
        ("city_admin", w.city.clone()),
        ("school", w.school_key.clone()),
        ("business", w.business_key.clone()),
        ("integrator", w.integrator.clone()),
        ("pupil", w.pupil.clone()),
        ("guardian", w.guardian.clone()),
    ]
}

/// `template` with every path parameter filled from the world.
pub(crate) fn path(template: &str, w: &World) -> String {
    let ids: BTreeMap<&str, &str> = [
        ("{tenant}", w.tenant.as_str()),
        ("{school_id}", w.school.as_str()),
        ("{business_id}", w.business.as_str()),
        ("{coach_id}", w.coach.as_str()),
        ("{programme_id}", w.programme.as_str()),
        ("{member_id}", w.member.as_str()),
        ("{work_visit_id}", w.work_visit.as_str()),
        ("{slot_id}", w.slot.as_str()),
        ("{booking_id}", w.booking.as_str()),
        ("{student_id}", w.student.as_str()),
        ("{entry_id}", w.entry.as_str()),
        ("{route_map_id}", w.route_map.as_str()),
        ("{webhook_id}", w.webhook.as_str()),
        ("{delivery_id}", w.delivery.as_str()),
        ("{key_id}", "01900000-0000-7000-8000-000000000000"),
        ("{token_id}", "01900000-0000-7000-8000-000000000002"),
        ("{invitation_id}", "01900000-0000-7000-8000-000000000003"),
        ("{placement_id}", "01900000-0000-7000-8000-000000000004"),
        ("{feedback_id}", "01900000-0000-7000-8000-000000000001"),
        ("{note_id}", "01900000-0000-7000-8000-000000000005"),
        ("{credential_id}", "01900000-0000-7000-8000-000000000006"),
        ("{list_id}", "1"),
        ("{code}", "vmbo"),
        ("{external_id}", "HR-1"),
        ("{name}", "school_kinds"),
    ]
    .into_iter()
    .collect();
    let mut filled = template.to_owned();
    for (name, id) in ids {
        filled = filled.replace(name, id);
    }
    assert!(!filled.contains('{'), "a parameter left in {filled}");
    filled
}

/// Every operation of the document that takes a key: (method, path, operation id,
/// the roles it lists).
pub(crate) fn keyed_operations(doc: &Value) -> Vec<(Method, String, String, Vec<String>)> {
    let mut operations = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let Some(security) = operation["security"].as_array() else {
                continue;
            };
            let keyed = security.iter().any(|s| s.get("api_key").is_some());
            let roles: Option<Vec<String>> =
                operation["x-roles"]
                    .as_array()
                    .filter(|_| keyed)
                    .map(|roles| {
                        roles
                            .iter()
                            .map(|r| r.as_str().unwrap().to_owned())
                            .collect()
                    });
            if let Some(roles) = roles {
                let id = operation["operationId"].as_str().unwrap().to_owned();
                operations.push((method, template.clone(), id, roles));
            }
        }
    }
    operations
}

#[tokio::test]
async fn every_role_an_operation_does_not_list_is_refused_before_its_body_is_read() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let doc = app
        .send(Method::GET, "/openapi.json", None, None, &[])
        .await
        .body;
    let operations = keyed_operations(&doc);
    assert!(
        operations.len() > 90,
        "{} keyed operations",
        operations.len()
    );
    let before = w.versions(&app).await;
    let mut refusals = 0;
    for (method, template, id, roles) in &operations {
        assert_eq!(
            roles.first().map(String::as_str),
            Some("platform_admin"),
            "{id} lists who may call it, platform administrators first: {roles:?}"
        );
        let url = path(template, &w);
        for (role, key) in keys(&w) {
            if roles.iter().any(|r| r == role) {
                continue;
            }
            let mut request = app
                .http
                .request(method.clone(), format!("{}{url}", app.base))
                .bearer_auth(&key.0);
            if matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
                request = request
                    .header("content-type", "application/json")
                    .body("{\"not json");
            }
            let reply = request.send().await.unwrap();
            let status = reply.status();
            let body: Value = reply.json().await.unwrap_or(Value::Null);
            assert_eq!(
                (status, body["code"].as_str().unwrap_or_default()),
                (StatusCode::FORBIDDEN, "forbidden"),
                "{role} on {id} ({method} {template}): {body}"
            );
            refusals += 1;
        }
    }
    assert!(refusals > 150, "{refusals} refusals tried");
    assert_eq!(w.versions(&app).await, before, "nothing was written");
}

#[tokio::test]
async fn the_roles_an_operation_lists_get_past_the_check() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let doc = app
        .send(Method::GET, "/openapi.json", None, None, &[])
        .await
        .body;
    // On the world's own resources every listed role gets past the role check: reads
    // answer, writes with a broken body are refused for the body. (What depends on
    // data is the domain's to refuse, with a 403 of its own or a 404; never for these.)
    for (method, template, id, roles) in keyed_operations(&doc) {
        let url = path(&template, &w);
        for (role, key) in keys(&w) {
            if !roles.iter().any(|r| r == role) || method == Method::DELETE {
                continue;
            }
            let mut request = app
                .http
                .request(method.clone(), format!("{}{url}", app.base))
                .bearer_auth(&key.0);
            if method != Method::GET {
                request = request
                    .header("content-type", "application/json")
                    .body("{\"not json");
            }
            let reply = request.send().await.unwrap();
            let status = reply.status();
            let body: Value = reply.json().await.unwrap_or(Value::Null);
            assert_ne!(
                body["code"], "forbidden",
                "{role} on {id} ({method} {template}): {status} {body}"
            );
        }
    }
}
