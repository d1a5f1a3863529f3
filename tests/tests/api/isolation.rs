//! Tenant isolation, proven over every operation of the published document: a key of
//! tenant A reaches nothing of tenant B, whether it names B's slug or B's ids.

use driehoek_tests::{Key, TestApp, World};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// A body that would succeed if the request were allowed, so a hole would write.
fn body_for(app: &TestApp, method: &Method, path: &str, victim: &World) -> Option<Value> {
    if *method == Method::PATCH {
        return Some(if path.ends_with("{coach_id}") {
            json!({"display_name": "pwned"})
        } else if path.ends_with("{member_id}") {
            json!({"role": "funder"})
        } else if path.ends_with("{slot_id}") {
            json!({"capacity": 99})
        } else if path.ends_with("{student_id}") {
            json!({"display_name": "pwned"})
        } else if path.ends_with("{entry_id}") {
            json!({"title": "pwned"})
        } else if path.ends_with("{webhook_id}") {
            json!({"description": "pwned", "status": "enabled"})
        } else {
            json!({"name": "pwned"})
        });
    }
    if *method == Method::PUT && path.ends_with("/graph") {
        return Some(driehoek_tests::small_graph());
    }
    if *method == Method::PUT && path.ends_with("/route-plan") {
        return Some(json!({"route_map_id": victim.route_map, "steps": ["vmbo", "mbo"]}));
    }
    if *method != Method::POST {
        return None;
    }
    Some(if path.ends_with("/schools") {
        json!({"name": "pwned", "kind": "primary"})
    } else if path.ends_with("/businesses") {
        json!({"name": "pwned", "kind": "company"})
    } else if path.ends_with("/coaches") {
        json!({"display_name": "pwned"})
    } else if path.ends_with("/programmes") {
        json!({"name": "pwned", "starts_on": "2027-01-01"})
    } else if path.ends_with("/members") {
        json!({"business_id": victim.other_business, "role": "host", "joined_on": "2027-01-01"})
    } else if path.ends_with("/bookings") {
        json!({"slot_id": victim.slot, "school_id": victim.school, "group_name": "pwned", "seats": 2, "contact": {"name": "x"}})
    } else if path.ends_with("/credentials") {
        json!({"booking_id": victim.booking})
    } else if path.ends_with("/cancel") {
        json!({"reason": "pwned"})
    } else if path.ends_with("/slots") {
        json!({"starts_at": app.at(150, 8, 0), "ends_at": app.at(150, 12, 0), "capacity": 5})
    } else if path.ends_with("/work-visits") {
        json!({"business_id": victim.business, "title": "pwned", "format": "workshop", "min_age": 12, "max_age": 14,
               "group_size_min": 1, "group_size_max": 5, "online": true})
    } else if path.ends_with("/students") {
        json!({"external_ref": "pwned", "display_name": "pwned", "birth_year": app.born(14), "education_level": "nl_havo"})
    } else if path.ends_with("/import") {
        json!({"rows": [{"external_ref": "LL-0001", "display_name": "pwned", "birth_year": app.born(14), "education_level": "nl_havo"}]})
    } else if path.ends_with("/consents") {
        json!({"purpose": "media", "status": "granted", "given_by": "guardian"})
    } else if path.ends_with("/entries") {
        json!({"competence": "motives", "kind": "goal", "title": "pwned", "body": "pwned", "author_role": "student"})
    } else if path.ends_with("/guardian-invitations") {
        json!({"purposes": ["media"], "route_plan": true})
    } else if path.ends_with("/access-tokens") {
        json!({"role": "pupil", "expires_in": 600})
    } else if path.ends_with("/transfer") {
        json!({"to_school_id": victim.other_school})
    } else if path.ends_with("/route-maps") {
        json!({"name": "pwned", "audience": "pupils"})
    } else if path.ends_with("/webhooks") {
        json!({"url": "http://127.0.0.1:9/pwned", "events": ["*"]})
    } else if path.ends_with("/rotate-secret") {
        json!({"grace_period_seconds": 0})
    } else if path.ends_with("/api-keys") {
        json!({"name": "pwned", "role": "city_admin"})
    } else {
        json!({})
    })
}

fn fill(template: &str, tenant: &str, ids: &World, key_id: &str) -> String {
    let filled = template
        .replace("{tenant}", tenant)
        .replace("{school_id}", &ids.school)
        .replace("{business_id}", &ids.business)
        .replace("{coach_id}", &ids.coach)
        .replace("{programme_id}", &ids.programme)
        .replace("{member_id}", &ids.member)
        .replace("{work_visit_id}", &ids.work_visit)
        .replace("{slot_id}", &ids.slot)
        .replace("{booking_id}", &ids.booking)
        .replace("{key_id}", key_id)
        .replace("{token_id}", key_id)
        .replace("{invitation_id}", key_id)
        .replace("{placement_id}", key_id)
        .replace("{feedback_id}", &ids.booking)
        .replace("{note_id}", key_id)
        .replace("{credential_id}", key_id)
        .replace("{student_id}", &ids.student)
        .replace("{entry_id}", &ids.entry)
        .replace("{route_map_id}", &ids.route_map)
        .replace("{webhook_id}", &ids.webhook)
        .replace("{delivery_id}", &ids.delivery)
        .replace("{code}", "mbo")
        .replace("{external_id}", "HR-2027-001");
    assert!(!filled.contains('{'), "a parameter left in {filled}");
    filled
}

async fn tenant_operations(app: &TestApp) -> Vec<(Method, String)> {
    let doc = app
        .send(Method::GET, "/openapi.json", None, None, &[])
        .await
        .body;
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/v1/tenants/{tenant}") {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            // A city's issuer documents are public by design: every verifier reads
            // them without a key (credentials.rs tests what they show).
            if op["security"] == serde_json::json!([{}]) {
                continue;
            }
            if let Ok(method) = method.to_uppercase().parse::<Method>() {
                ops.push((method, path.clone()));
            }
        }
    }
    assert!(
        ops.len() >= 30,
        "found only {} tenant operations",
        ops.len()
    );
    ops
}

async fn sweep(app: &TestApp, attacker: &Key, home: &World, victim: &World) {
    let victim_key_id = app
        .get(
            &format!("/v1/tenants/{}/api-keys", victim.tenant),
            &victim.city,
        )
        .await
        .body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = victim.versions(app).await;
    for (method, template) in tenant_operations(app).await {
        // B's slug with B's ids: the tenant itself is forbidden.
        let path = fill(&template, &victim.tenant, victim, &victim_key_id);
        let reply = app
            .send(
                method.clone(),
                &path,
                Some(attacker),
                body_for(app, &method, &template, victim),
                &[],
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {:?}",
            reply.body
        );
        assert_eq!(reply.code(), "tenant_forbidden", "{method} {path}");
        // A's own slug with B's ids: nothing there.
        let path = fill(&template, &home.tenant, victim, &victim_key_id);
        let reply = app
            .send(
                method.clone(),
                &path,
                Some(attacker),
                body_for(app, &method, &template, victim),
                &[],
            )
            .await;
        // Collections answer with A's own rows; B's ids must never appear anywhere.
        // (`instance` only echoes the path the caller sent.)
        let mut body = reply.body.clone();
        if let Some(problem) = body.as_object_mut() {
            problem.remove("instance");
        }
        let text = body.to_string();
        for id in [
            &victim.school,
            &victim.other_school,
            &victim.business,
            &victim.other_business,
            &victim.coach,
            &victim.programme,
            &victim.member,
            &victim.work_visit,
            &victim.slot,
            &victim.booking,
            &victim.student,
            &victim.entry,
            &victim.route_map,
            &victim.webhook,
            &victim.delivery,
            &victim_key_id,
        ] {
            assert!(!text.contains(id.as_str()), "{method} {path} leaked {id}");
        }
        let names_an_id = template.contains("_id}");
        if names_an_id {
            assert!(
                reply.status == StatusCode::NOT_FOUND || reply.status == StatusCode::FORBIDDEN,
                "{method} {path}: {} {:?}",
                reply.status,
                reply.body
            );
        }
    }
    assert_eq!(victim.versions(app).await, before, "tenant B is untouched");
}

#[tokio::test]
async fn a_school_key_of_one_tenant_reaches_nothing_of_another_through_any_route() {
    let app = TestApp::spawn().await;
    let a = World::build(&app, "rotterdam", "NL").await;
    let b = World::build(&app, "leuven", "BE").await;
    sweep(&app, &a.school_key, &a, &b).await;
}

#[tokio::test]
async fn a_city_admin_of_one_tenant_reaches_nothing_of_another_through_any_route() {
    let app = TestApp::spawn().await;
    let a = World::build(&app, "rotterdam", "NL").await;
    let b = World::build(&app, "leuven", "BE").await;
    sweep(&app, &a.city, &a, &b).await;
}
