//! Recommendations (DESIGN.md §4): the visits that suit one pupil, from the pupil's own
//! portfolio and route plan, each with its reasons, for the pupil's school and the
//! pupil's and guardians' tokens only.

use driehoek_tests::{TestApp, World};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn book(app: &TestApp, w: &World, slot: &str, seats: u32, pupils: &[&str]) {
    let reply = app
        .post(
            &format!("/v1/tenants/{}/bookings", w.tenant),
            &w.school_key,
            json!({"slot_id": slot, "group_name": "2B", "seats": seats,
                   "contact": {"name": "Mevr. Jansen"}, "student_ids": pupils}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
}

/// The pupil's interests (twice the port, with crane operators), a route plan on the
/// world's map towards software developer (2512), and offerings that do and do not
/// fit; answers the offerings expected on the list: (route target, port, care).
struct Story {
    route_target: String,
    port: (String, Vec<String>),
    care: String,
    english: String,
}

async fn story(app: &TestApp, w: &World) -> Story {
    let t = &w.tenant;
    for title in ["Bij de kranen", "Nog eens de haven"] {
        let entry = app
            .post(
                &format!("/v1/tenants/{t}/students/{}/portfolio/entries", w.student),
                &w.school_key,
                json!({"competence": "work_exploration", "kind": "reflection", "title": title,
                       "body": "Ik wil de haven in.", "sectors": ["H"], "occupations": ["8343"],
                       "author_role": "student"}),
            )
            .await;
        assert_eq!(entry.status, StatusCode::CREATED, "{:?}", entry.body);
    }
    let plan = app
        .put(
            &format!("/v1/tenants/{t}/students/{}/route-plan", w.student),
            &w.school_key,
            json!({"route_map_id": w.route_map, "steps": ["vmbo", "mbo"], "target_occupation": "2512"}),
        )
        .await;
    assert_eq!(plan.status, StatusCode::OK, "{:?}", plan.body);

    let (route_target, _) = w
        .offering(
            app,
            "Software voor de haven",
            json!({"sectors": ["J"], "occupations": ["2512"]}),
            &[(12, 10)],
        )
        .await;
    // The earliest slot is full: the list offers the next one.
    let port = w.offering(app, "Een dag op de kraan",
        json!({"sectors": ["H"], "occupations": ["8343"], "education_levels": ["nl_havo", "nl_vwo"]}),
        &[(5, 2), (20, 10), (30, 10)],
    )
    .await;
    book(app, w, &port.1[0], 2, &[]).await;
    let (care, _) = w
        .offering(
            app,
            "Een ochtend in de zorg",
            json!({"sectors": ["Q"], "competences": ["networking"]}),
            &[(15, 10)],
        )
        .await;
    // None of these fit.
    w.offering(
        app,
        "Voor vwo",
        json!({"sectors": ["H"], "education_levels": ["nl_vwo"]}),
        &[(8, 10)],
    )
    .await;
    w.offering(
        app,
        "Vanaf zestien",
        json!({"sectors": ["H"], "min_age": 16, "max_age": 18}),
        &[(8, 10)],
    )
    .await;
    let (english, _) = w
        .offering(
            app,
            "Port tour in English",
            json!({"sectors": ["H"], "languages": ["en"]}),
            &[(9, 10)],
        )
        .await;
    let (_, booked) = w
        .offering(app, "Al geboekt", json!({"sectors": ["H"]}), &[(7, 10)])
        .await;
    book(app, w, &booked[0], 1, &[&w.student]).await;
    w.offering(
        app,
        "Nog concept",
        json!({"sectors": ["H"], "status": "draft"}),
        &[(6, 10)],
    )
    .await;
    Story {
        route_target,
        port,
        care,
        english,
    }
}

fn list_path(w: &World, student: &str, query: &str) -> String {
    format!(
        "/v1/tenants/{}/students/{student}/recommendations{query}",
        w.tenant
    )
}

fn window(app: &TestApp) -> String {
    format!("?to={}", app.at(60, 0, 0))
}

fn visits(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["work_visit_id"].as_str().unwrap().to_owned())
        .collect()
}

fn codes(item: &Value) -> Vec<&str> {
    item["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_pupil_gets_the_route_target_and_the_port_first_with_reasons_and_one_sector_to_broaden() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let s = story(&app, &w).await;
    let reply = app
        .get(&list_path(&w, &w.student, &window(&app)), &w.school_key)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(
        visits(&reply.body),
        [s.route_target.clone(), s.port.0.clone(), s.care.clone()],
        "{:#}",
        reply.body
    );
    let data = reply.body["data"].as_array().unwrap();
    assert_eq!(data[0]["score"], 40);
    assert_eq!(
        codes(&data[0]),
        ["route_target", "new_sector", "age_and_level"]
    );
    assert_eq!(
        data[0]["reasons"][0]["detail"],
        "Laat je doelberoep zien: Software developer"
    );
    assert_eq!(data[0]["format"], "company_visit");
    assert_eq!(data[0]["title"], "Software voor de haven");
    // Two entries name crane operators (2 × 10) and the port (2 × 5); the level named.
    assert_eq!(data[1]["score"], 35);
    assert_eq!(
        codes(&data[1]),
        ["interest_occupation", "interest_sector", "age_and_level"]
    );
    assert_eq!(
        data[1]["slot_id"], s.port.1[1],
        "the full slot is passed over"
    );
    assert_eq!(data[1]["starts_at"], app.at(20, 9, 0));
    assert!(
        data[1]["reasons"][2]["detail"]
            .as_str()
            .unwrap()
            .contains("voor jouw niveau (havo)"),
        "{}",
        data[1]["reasons"][2]["detail"]
    );
    // Networking has no entry yet: the care visit works on it, and the sector is new.
    assert_eq!(data[2]["score"], 10);
    assert_eq!(
        codes(&data[2]),
        ["competence_gap", "new_sector", "age_and_level"]
    );

    // The same data, the same list; the limit takes the best.
    let again = app
        .get(&list_path(&w, &w.student, &window(&app)), &w.school_key)
        .await;
    assert_eq!(again.body, reply.body);
    let one = app
        .get(
            &list_path(&w, &w.student, &format!("{}&limit=1", window(&app))),
            &w.school_key,
        )
        .await;
    assert_eq!(visits(&one.body), std::slice::from_ref(&s.route_target));

    // A pupil who also takes part in English is offered the English tour.
    let both = app
        .get(
            &list_path(&w, &w.student, &format!("{}&languages=nl,en", window(&app))),
            &w.school_key,
        )
        .await;
    assert!(visits(&both.body).contains(&s.english), "{:#}", both.body);
    assert!(!visits(&reply.body).contains(&s.english));

    // The read is in the pupil's audit trail.
    let audit = app
        .get(
            &format!(
                "/v1/tenants/{}/audit-events?student_id={}&action=student.recommendations",
                w.tenant, w.student
            ),
            &w.city,
        )
        .await;
    assert_eq!(audit.status, StatusCode::OK, "{:?}", audit.body);
    assert_eq!(audit.body["data"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn the_pupil_and_a_guardian_see_the_same_list_and_nobody_else_sees_it() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    story(&app, &w).await;
    let path = list_path(&w, &w.student, &window(&app));
    let school = app.get(&path, &w.school_key).await;
    for token in [&w.pupil, &w.guardian] {
        let reply = app.get(&path, token).await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
        assert_eq!(reply.body, school.body);
    }
    for (role, key) in [
        ("city_admin", &w.city),
        ("business", &w.business_key),
        ("integrator", &w.integrator),
    ] {
        let reply = app.get(&path, key).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{role}: {:?}",
            reply.body
        );
        assert_eq!(reply.body["code"], "forbidden");
    }
    // Another school's key, another pupil's token: the pupil does not exist for them.
    let other_school = w.other_school_key(&app).await;
    let reply = app.get(&path, &other_school).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{:?}", reply.body);
    let classmate = app
        .student(&w.tenant, &w.school_key, "LL-0002", "Noor", app.born(14))
        .await;
    let classmate_token = app
        .access_token(&w.tenant, &w.school_key, &classmate, "pupil")
        .await;
    let reply = app.get(&path, &classmate_token).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{:?}", reply.body);
    let own = app
        .get(&list_path(&w, &classmate, &window(&app)), &classmate_token)
        .await;
    assert_eq!(own.status, StatusCode::OK, "{:?}", own.body);
    // Another tenant's key and ids.
    let other = World::build(&app, "gent", "BE").await;
    let reply = app.get(&path, &other.school_key).await;
    assert!(
        matches!(reply.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{:?}",
        reply.body
    );
    let reply = app
        .get(&list_path(&w, &other.student, &window(&app)), &w.school_key)
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{:?}", reply.body);
}

#[tokio::test]
async fn bad_windows_limits_and_languages_are_refused_and_nothing_is_read() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let audit = format!(
        "/v1/tenants/{}/audit-events?student_id={}&action=student.recommendations",
        w.tenant, w.student
    );
    let from = app.at(10, 0, 0);
    for (query, status, code, pointer) in [
        ("?from=tomorrow".to_owned(), 400, "invalid_query", None),
        ("?limit=many".to_owned(), 400, "invalid_query", None),
        ("?languages=dutch".to_owned(), 400, "invalid_query", None),
        ("?languages=nl,".to_owned(), 400, "invalid_query", None),
        (
            format!("?from={from}&to={from}"),
            422,
            "validation_failed",
            Some("/to"),
        ),
        (
            format!("?to={}", app.at(-1, 0, 0)),
            422,
            "validation_failed",
            Some("/to"),
        ),
        (
            format!("?from={from}&to={}", app.at(400, 0, 0)),
            422,
            "validation_failed",
            Some("/to"),
        ),
        (
            "?limit=0".to_owned(),
            422,
            "validation_failed",
            Some("/limit"),
        ),
        (
            "?limit=101".to_owned(),
            422,
            "validation_failed",
            Some("/limit"),
        ),
    ] {
        let reply = app
            .get(&list_path(&w, &w.student, &query), &w.school_key)
            .await;
        assert_eq!(reply.status.as_u16(), status, "{query}: {:?}", reply.body);
        assert_eq!(reply.body["code"], code, "{query}");
        if let Some(pointer) = pointer {
            assert_eq!(reply.body["errors"][0]["pointer"], pointer, "{query}");
        }
    }
    let read = app.get(&audit, &w.city).await;
    assert_eq!(
        read.body["data"].as_array().unwrap().len(),
        0,
        "nothing was read"
    );
    // An unknown pupil is 404.
    let reply = app
        .get(
            &list_path(&w, "01900000-0000-7000-8000-00000000dead", ""),
            &w.school_key,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{:?}", reply.body);
}

#[tokio::test]
async fn a_pupil_whose_participation_is_withdrawn_is_offered_nothing() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    story(&app, &w).await;
    let path = list_path(&w, &w.student, &window(&app));
    assert!(!visits(&app.get(&path, &w.school_key).await.body).is_empty());
    let withdrawn = app
        .consent(
            &w.tenant,
            &w.school_key,
            &w.student,
            "participation",
            "withdrawn",
        )
        .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::CREATED,
        "{:?}",
        withdrawn.body
    );
    let reply = app.get(&path, &w.school_key).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["data"], json!([]));
}

#[tokio::test]
async fn the_window_moves_with_the_clock_and_a_started_slot_is_never_offered() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let s = story(&app, &w).await;
    let path = list_path(&w, &w.student, "");
    let listed = visits(&app.get(&path, &w.school_key).await.body);
    assert!(
        listed.contains(&s.route_target),
        "day 12 is in the next 90 days"
    );
    app.advance_days(13);
    let later = app.get(&path, &w.school_key).await;
    assert!(
        !visits(&later.body).contains(&s.route_target),
        "its only slot has started: {:#}",
        later.body
    );
    // A window asked from the past starts now.
    let past = app
        .get(
            &list_path(&w, &w.student, &format!("?from={}", app.at(-30, 0, 0))),
            &w.school_key,
        )
        .await;
    assert_eq!(past.status, StatusCode::OK, "{:?}", past.body);
    assert_eq!(visits(&past.body), visits(&later.body));
}
