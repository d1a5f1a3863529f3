//! Pupils, consents and portfolios: only the pupil's own school (and the platform)
//! reaches them; consent decides what a host sees; every access is audited; erasure
//! leaves nothing personal behind.

use driehoek_tests::{Key, Reply, TestApp, World};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn new_entry(app: &TestApp, key: &Key, tenant: &str, student: &str, body: Value) -> Reply {
    app.post(
        &format!("/v1/tenants/{tenant}/students/{student}/portfolio/entries"),
        key,
        body,
    )
    .await
}

fn reflection(title: &str) -> Value {
    json!({"competence": "motives", "kind": "reflection", "title": title,
           "body": "Ik wil later met mensen werken.", "author_role": "student"})
}

// ---------------------------------------------------------------------------------
// Every route, every role.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    Admin,
    City,
    OwnSchool,
    OtherSchool,
    Host,
    OtherBusiness,
    Integrator,
    ForeignSchool,
    ForeignCity,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Route {
    List,
    Create,
    Import,
    Get,
    Update,
    Erase,
    Export,
    Transfer,
    Consents,
    RecordConsent,
    Portfolio,
    Entries,
    AddEntry,
    GetEntry,
    UpdateEntry,
    DeleteEntry,
    Audit,
    SharedOnBooking,
    Plan,
    SetRoutePlan,
    PlanVersions,
}

const ROUTES: &[Route] = &[
    Route::List,
    Route::Create,
    Route::Import,
    Route::Get,
    Route::Update,
    Route::Erase,
    Route::Export,
    Route::Transfer,
    Route::Consents,
    Route::RecordConsent,
    Route::Portfolio,
    Route::Entries,
    Route::AddEntry,
    Route::GetEntry,
    Route::UpdateEntry,
    Route::DeleteEntry,
    Route::Audit,
    Route::SharedOnBooking,
    Route::Plan,
    Route::SetRoutePlan,
    Route::PlanVersions,
];

const EVERYONE: &[Who] = &[
    Who::Admin,
    Who::City,
    Who::OwnSchool,
    Who::OtherSchool,
    Who::Host,
    Who::OtherBusiness,
    Who::Integrator,
    Who::ForeignSchool,
    Who::ForeignCity,
];

/// The one status each caller must get on each route.
fn expected(route: Route, who: Who) -> StatusCode {
    use StatusCode as S;
    if matches!(who, Who::ForeignSchool | Who::ForeignCity) {
        return S::FORBIDDEN;
    }
    match route {
        Route::Audit => match who {
            Who::Admin | Who::City => S::OK,
            _ => S::FORBIDDEN,
        },
        Route::SharedOnBooking => match who {
            Who::Admin | Who::Host => S::OK,
            Who::OtherBusiness => S::NOT_FOUND,
            _ => S::FORBIDDEN,
        },
        _ => {
            let allowed = match route {
                Route::Create | Route::RecordConsent | Route::AddEntry => S::CREATED,
                Route::Erase | Route::DeleteEntry => S::NO_CONTENT,
                _ => S::OK,
            };
            match who {
                Who::Admin | Who::OwnSchool => allowed,
                // Naming another school's pupils or school: refused; its pupils by id:
                // they do not exist for this key.
                Who::OtherSchool => match route {
                    Route::List | Route::Create | Route::Import => S::FORBIDDEN,
                    _ => S::NOT_FOUND,
                },
                _ => S::FORBIDDEN,
            }
        }
    }
}

struct Case {
    method: Method,
    path: String,
    body: Option<Value>,
}

/// The request for `route` on `student` and `entry`; `n` makes new pupils' references
/// unique, `born` is their birth year.
fn case(route: Route, w: &World, (student, entry): (&str, &str), (n, born): (usize, i32)) -> Case {
    let t = &w.tenant;
    let s = format!("/v1/tenants/{t}/students/{student}");
    let e = format!("{s}/portfolio/entries/{entry}");
    let (method, path, body) = match route {
        Route::List => (
            Method::GET,
            format!("/v1/tenants/{t}/students?school_id={}", w.school),
            None,
        ),
        Route::Create => (
            Method::POST,
            format!("/v1/tenants/{t}/students"),
            Some(
                json!({"school_id": w.school, "external_ref": format!("NEW-{n}"), "display_name": "Noor",
                        "birth_year": born, "education_level": "nl_havo"}),
            ),
        ),
        Route::Import => (
            Method::POST,
            format!("/v1/tenants/{t}/students/import?school_id={}", w.school),
            Some(
                json!({"rows": [{"external_ref": format!("IMP-{n}"), "display_name": "Daan", "birth_year": born,
                                  "education_level": "nl_havo"}]}),
            ),
        ),
        Route::Get => (Method::GET, s.clone(), None),
        Route::Update => (Method::PATCH, s.clone(), Some(json!({"grade": "3 havo"}))),
        Route::Erase => (Method::DELETE, s.clone(), None),
        Route::Export => (Method::GET, format!("{s}/export"), None),
        Route::Transfer => (
            Method::POST,
            format!("{s}/transfer"),
            Some(json!({"to_school_id": w.other_school})),
        ),
        Route::Consents => (Method::GET, format!("{s}/consents"), None),
        Route::RecordConsent => (
            Method::POST,
            format!("{s}/consents"),
            Some(json!({"purpose": "media", "status": "granted", "given_by": "guardian"})),
        ),
        Route::Portfolio => (Method::GET, format!("{s}/portfolio"), None),
        Route::Entries => (Method::GET, format!("{s}/portfolio/entries"), None),
        Route::AddEntry => (
            Method::POST,
            format!("{s}/portfolio/entries"),
            Some(reflection("Nieuw")),
        ),
        Route::GetEntry => (Method::GET, e.clone(), None),
        Route::UpdateEntry => (Method::PATCH, e.clone(), Some(json!({"title": "Anders"}))),
        Route::DeleteEntry => (Method::DELETE, e.clone(), None),
        Route::Audit => (Method::GET, format!("/v1/tenants/{t}/audit-events"), None),
        Route::SharedOnBooking => (
            Method::GET,
            format!("/v1/tenants/{t}/bookings/{}/portfolio-entries", w.booking),
            None,
        ),
        Route::Plan => (Method::GET, format!("{s}/route-plan"), None),
        Route::SetRoutePlan => (
            Method::PUT,
            format!("{s}/route-plan"),
            Some(json!({"route_map_id": w.route_map, "steps": ["mbo", "ict"]})),
        ),
        Route::PlanVersions => (Method::GET, format!("{s}/route-plan/versions"), None),
    };
    Case { method, path, body }
}

#[tokio::test]
async fn every_pupil_route_answers_every_role_exactly_as_allowed() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let foreign = World::build(&app, "leuven", "BE").await;
    let other_school = w.other_school_key(&app).await;
    let other_business = w.other_business_key(&app).await;
    let key = |who: Who| -> Key {
        match who {
            Who::Admin => app.admin(),
            Who::City => w.city.clone(),
            Who::OwnSchool => w.school_key.clone(),
            Who::OtherSchool => other_school.clone(),
            Who::Host => w.business_key.clone(),
            Who::OtherBusiness => other_business.clone(),
            Who::Integrator => w.integrator.clone(),
            Who::ForeignSchool => foreign.school_key.clone(),
            Who::ForeignCity => foreign.city.clone(),
        }
    };
    let mut n = 0;
    for route in ROUTES {
        for who in EVERYONE {
            n += 1;
            // A fresh pupil with one entry for every call, so writes cannot interfere.
            let student = app
                .student(
                    "rotterdam",
                    &w.school_key,
                    &format!("T-{n}"),
                    "Mila",
                    app.born(14),
                )
                .await;
            let entry = new_entry(
                &app,
                &w.school_key,
                "rotterdam",
                &student,
                reflection("Eerste"),
            )
            .await
            .id();
            let plan = app
                .put(
                    &format!("/v1/tenants/rotterdam/students/{student}/route-plan"),
                    &w.school_key,
                    json!({"route_map_id": w.route_map, "steps": ["vmbo", "mbo"]}),
                )
                .await;
            assert_eq!(plan.status, StatusCode::OK, "{:?}", plan.body);
            let c = case(*route, &w, (&student, &entry), (n, app.born(13)));
            let reply = app
                .send(
                    c.method.clone(),
                    &c.path,
                    Some(&key(*who)),
                    c.body.clone(),
                    &[],
                )
                .await;
            let want = expected(*route, *who);
            assert_eq!(
                reply.status, want,
                "{route:?} as {who:?}: {} {}: {:?}",
                c.method, c.path, reply.body
            );
            if want == StatusCode::FORBIDDEN {
                let code = if matches!(who, Who::ForeignSchool | Who::ForeignCity) {
                    "tenant_forbidden"
                } else {
                    "forbidden"
                };
                assert_eq!(reply.code(), code, "{route:?} as {who:?}");
            }
            if !reply.status.is_success() {
                // Refused: the pupil and the entry are exactly as they were.
                let s = app
                    .get(
                        &format!("/v1/tenants/rotterdam/students/{student}"),
                        &app.admin(),
                    )
                    .await;
                assert_eq!(
                    s.body["version"], 1,
                    "{route:?} as {who:?} changed the pupil"
                );
                assert_eq!(s.body["school_id"], json!(w.school));
                let e = app
                    .get(
                        &format!(
                            "/v1/tenants/rotterdam/students/{student}/portfolio/entries/{entry}"
                        ),
                        &app.admin(),
                    )
                    .await;
                assert_eq!(
                    e.body["version"], 1,
                    "{route:?} as {who:?} changed the entry"
                );
                let consents = app
                    .get(
                        &format!("/v1/tenants/rotterdam/students/{student}/consents"),
                        &app.admin(),
                    )
                    .await;
                assert_eq!(consents.body["ledger"], json!([]), "{route:?} as {who:?}");
                let plans = app
                    .get(
                        &format!("/v1/tenants/rotterdam/students/{student}/route-plan/versions"),
                        &app.admin(),
                    )
                    .await;
                assert_eq!(
                    plans.body["data"].as_array().map(Vec::len),
                    Some(1),
                    "{route:?} as {who:?}"
                );
                // Nothing of the pupil leaks into a refusal.
                assert!(
                    !reply.body.to_string().contains("Mila"),
                    "{route:?} as {who:?}"
                );
            }
        }
    }
    // Nobody but the own school and the platform added pupils.
    let listed = app
        .all_ids(
            &format!("/v1/tenants/rotterdam/students?school_id={}", w.school),
            &app.admin(),
            200,
        )
        .await;
    let created = app
        .get(
            &format!(
                "/v1/tenants/rotterdam/students?school_id={}&q=NEW-",
                w.school
            ),
            &app.admin(),
        )
        .await;
    assert_eq!(
        created.body["data"].as_array().unwrap().len(),
        2,
        "admin and own school only"
    );
    let imported = app
        .get(
            &format!(
                "/v1/tenants/rotterdam/students?school_id={}&q=IMP-",
                w.school
            ),
            &app.admin(),
        )
        .await;
    assert_eq!(imported.body["data"].as_array().unwrap().len(), 2);
    assert!(listed.len() > ROUTES.len());
}

// ---------------------------------------------------------------------------------
// The record.

#[tokio::test]
async fn a_school_keeps_its_pupils_with_filters_and_clear_refusals() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let base = "/v1/tenants/rotterdam/students";
    let noor = app
        .student("rotterdam", &w.school_key, "LL-0100", "Noor", app.born(13))
        .await;
    let left = app
        .post(
            base,
            &w.school_key,
            json!({"external_ref": "LL-0101", "display_name": "Milan", "birth_year": app.born(15), "grade": "4 vmbo",
                   "education_level": "nl_vmbo_tl", "status": "left"}),
        )
        .await;
    assert_eq!(left.status, StatusCode::CREATED, "{:?}", left.body);
    assert!(left.header("location").unwrap().ends_with(&left.id()));
    assert_eq!(left.header("etag"), Some("\"1\""));

    let ids = |r: &Reply| -> Vec<String> {
        r.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = app.get(base, &w.school_key).await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(ids(&all), vec![w.student.clone(), noor.clone(), left.id()]);
    assert_eq!(
        ids(&app.get(&format!("{base}?q=noo"), &w.school_key).await),
        vec![noor.clone()]
    );
    assert_eq!(
        ids(&app.get(&format!("{base}?q=ll-0101"), &w.school_key).await),
        vec![left.id()]
    );
    assert_eq!(
        ids(&app.get(&format!("{base}?status=left"), &w.school_key).await),
        vec![left.id()]
    );
    assert_eq!(
        ids(&app
            .get(&format!("{base}?education_level=nl_vmbo_tl"), &w.school_key)
            .await),
        vec![left.id()]
    );
    assert_eq!(
        ids(&app
            .get(&format!("{base}?grade=4%20vmbo"), &w.school_key)
            .await),
        vec![left.id()]
    );
    assert_eq!(
        app.get(&format!("{base}?status=gone"), &w.school_key)
            .await
            .code(),
        "invalid_query"
    );

    // Another school's key sees none of them and finds none by id.
    let other = w.other_school_key(&app).await;
    assert_eq!(ids(&app.get(base, &other).await), Vec::<String>::new());
    assert_eq!(
        app.get(&format!("{base}/{noor}"), &other).await.status,
        StatusCode::NOT_FOUND
    );
    // A platform administrator must say which school.
    assert_eq!(app.get(base, &app.admin()).await.code(), "invalid_query");

    // Bad input: every problem at once, nothing written.
    let bad = app
        .post(
            base,
            &w.school_key,
            json!({"external_ref": " ", "display_name": "", "birth_year": 1900, "education_level": "nl_havo"}),
        )
        .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        bad.body
    );
    assert_eq!(bad.header("content-type"), Some("application/problem+json"));
    let pointers = bad.pointers();
    assert_eq!(pointers, ["/external_ref", "/display_name"]);
    let too_old = app
        .post(
            base,
            &w.school_key,
            json!({"external_ref": "LL-9", "display_name": "Opa", "birth_year": 1900, "education_level": "nl_havo"}),
        )
        .await;
    assert_eq!(too_old.body["errors"][0]["pointer"], "/birth_year");
    let unknown = app
        .post(
            base,
            &w.school_key,
            json!({"external_ref": "LL-9", "display_name": "X", "birth_year": app.born(13), "education_level": "nl_havo", "bsn": "123456782"}),
        )
        .await;
    assert_eq!(unknown.code(), "unknown_field", "no national numbers, ever");
    let duplicate = app
        .post(
            base,
            &w.school_key,
            json!({"external_ref": "LL-0100", "display_name": "Twee", "birth_year": app.born(13), "education_level": "nl_havo"}),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(duplicate.code(), "duplicate");
    assert_eq!(
        ids(&app.get(base, &w.school_key).await).len(),
        3,
        "nothing written"
    );
    // The same number at another school is another pupil.
    let elsewhere = app
        .student("rotterdam", &other, "LL-0100", "Noor B.", app.born(13))
        .await;
    assert_ne!(elsewhere, noor);

    // Update with If-Match.
    let path = format!("{base}/{noor}");
    let stale = app
        .send(
            Method::PATCH,
            &path,
            Some(&w.school_key),
            Some(json!({"grade": "3 havo"})),
            &[("if-match", "\"7\"")],
        )
        .await;
    assert_eq!(stale.code(), "version_mismatch");
    let changed = app
        .send(
            Method::PATCH,
            &path,
            Some(&w.school_key),
            Some(json!({"grade": "3 havo", "status": "left"})),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    assert_eq!(changed.body["grade"], "3 havo");
    assert_eq!(changed.body["status"], "left");
    assert_eq!(changed.body["version"], 2);
    let bad_patch = app
        .patch(&path, &w.school_key, json!({"birth_year": 3000}))
        .await;
    assert_eq!(bad_patch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.get(&path, &w.school_key).await.body["version"], 2);
}

// ---------------------------------------------------------------------------------
// The roster import.

#[tokio::test]
async fn a_roster_imports_from_json_or_csv_row_by_row_and_again_changes_nothing() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let import = "/v1/tenants/rotterdam/students/import";
    let rows = json!({"rows": [
        {"external_ref": "R-1", "display_name": "Ayoub", "birth_year": app.born(14), "grade": "2 havo", "education_level": "nl_havo"},
        {"external_ref": "R-2", "display_name": "Bo", "birth_year": app.born(14), "education_level": "nl_havo"},
        {"external_ref": "R-3", "display_name": "", "birth_year": app.born(14), "education_level": "nl_havo"},
        {"external_ref": "R-2", "display_name": "Bo again", "birth_year": app.born(14), "education_level": "nl_havo"},
        {"external_ref": "R-4", "display_name": "Cas", "birth_year": app.born(14), "education_level": "nl_unknown"},
        {"external_ref": "LL-0001", "display_name": "Sara", "birth_year": app.born(14), "grade": "2 havo", "education_level": "nl_havo"}
    ]});
    let first = app.post(import, &w.school_key, rows.clone()).await;
    assert_eq!(first.status, StatusCode::OK, "{:?}", first.body);
    assert_eq!(
        first.body["summary"],
        json!({"created": 2, "updated": 0, "unchanged": 1, "failed": 3})
    );
    let results = first.body["results"].as_array().unwrap();
    assert_eq!(results[0]["result"], "created");
    assert_eq!(results[2]["result"], "failed");
    assert_eq!(
        results[2]["problem"]["errors"][0]["pointer"],
        "/rows/2/display_name"
    );
    assert_eq!(results[3]["problem"]["code"], "duplicate");
    assert_eq!(
        results[4]["problem"]["errors"][0]["pointer"],
        "/rows/4/education_level"
    );
    assert_eq!(results[5]["result"], "unchanged");
    assert_eq!(results[5]["student_id"], json!(w.student));

    let again = app.post(import, &w.school_key, rows).await;
    assert_eq!(
        again.body["summary"],
        json!({"created": 0, "updated": 0, "unchanged": 3, "failed": 3})
    );
    assert_eq!(
        again.body["results"][0]["student_id"],
        results[0]["student_id"]
    );

    // CSV: the nightly export of a pupil system; one pupil left, one changed grade.
    let (fourteen, thirteen) = (app.born(14), app.born(13));
    let csv = format!(
        "external_ref,display_name,birth_year,education_level,grade,status\n\
         R-1,Ayoub,{fourteen},nl_havo,3 havo,active\n\
         R-2,Bo,{fourteen},nl_havo,,left\n\
         \"R-5\",\"Dewi, de Jong\",{thirteen},nl_havo,,\n"
    );
    let reply = app
        .send_raw(Method::POST, import, &w.school_key, "text/csv", &csv)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(
        reply.body["summary"],
        json!({"created": 1, "updated": 2, "unchanged": 0, "failed": 0})
    );
    let dewi = app
        .get(
            &format!(
                "/v1/tenants/rotterdam/students/{}",
                reply.body["results"][2]["student_id"].as_str().unwrap()
            ),
            &w.school_key,
        )
        .await;
    assert_eq!(dewi.body["display_name"], "Dewi, de Jong");
    let repeat = app
        .send_raw(Method::POST, import, &w.school_key, "text/csv", &csv)
        .await;
    assert_eq!(repeat.body["summary"]["unchanged"], 3);

    // A roster that cannot be read is refused whole, with nothing written.
    let before = app
        .all_ids("/v1/tenants/rotterdam/students", &w.school_key, 200)
        .await;
    let bad_header = app
        .send_raw(
            Method::POST,
            import,
            &w.school_key,
            "text/csv",
            "external_ref,name,bsn\nR-9,X,1\n",
        )
        .await;
    assert_eq!(
        bad_header.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        bad_header.body
    );
    let too_many: Vec<Value> = (0..5001)
        .map(|i| json!({"external_ref": format!("M-{i}"), "display_name": "X", "birth_year": app.born(14), "education_level": "nl_havo"}))
        .collect();
    let huge = app
        .post(import, &w.school_key, json!({"rows": too_many}))
        .await;
    assert_eq!(
        huge.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        huge.body
    );
    let xml = app
        .send_raw(
            Method::POST,
            import,
            &w.school_key,
            "application/xml",
            "<rows/>",
        )
        .await;
    assert_eq!(xml.code(), "unsupported_media_type");
    assert_eq!(
        app.all_ids("/v1/tenants/rotterdam/students", &w.school_key, 200)
            .await,
        before
    );
    // The city imports nobody.
    assert_eq!(
        app.post(import, &w.city, json!({"rows": []})).await.status,
        StatusCode::FORBIDDEN
    );
}

// ---------------------------------------------------------------------------------
// Consents.

#[tokio::test]
async fn a_pupil_decides_alone_from_the_year_the_consent_age_is_certain() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    // Fifteen for certain this year, sixteen for certain next year.
    let jesse = app
        .student(
            "rotterdam",
            &w.school_key,
            "NL-15",
            "Jesse",
            app.born(16) + 1,
        )
        .await;
    let path = format!("/v1/tenants/rotterdam/students/{jesse}/consents");
    let alone = json!({"purpose": "media", "status": "granted", "given_by": "student"});
    let now = app.post(&path, &w.school_key, alone.clone()).await;
    assert_eq!(now.code(), "consent_not_allowed", "{:?}", now.body);
    app.clock.set(
        chrono::NaiveDate::from_ymd_opt(app.year() + 1, 1, 2)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap()
            .and_utc(),
    );
    let next_year = app.post(&path, &w.school_key, alone).await;
    assert_eq!(
        next_year.status,
        StatusCode::CREATED,
        "{:?}",
        next_year.body
    );
    assert_eq!(next_year.body["given_by"], "student");
}

#[tokio::test]
async fn consent_age_rules_hold_per_country_and_the_ledger_only_grows() {
    let app = TestApp::spawn().await;
    let nl = World::build(&app, "rotterdam", "NL").await;
    let be = World::build(&app, "leuven", "BE").await;
    let by_pupil = |purpose: &str, status: &str| json!({"purpose": purpose, "status": status, "given_by": "student"});
    let record = |w: &World, student: &str, body: Value| {
        let path = format!("/v1/tenants/{}/students/{student}/consents", w.tenant);
        let key = w.school_key.clone();
        let app = &app;
        async move { app.post(&path, &key, body).await }
    };

    // Netherlands: alone from 16.
    let sixteen = app
        .student("rotterdam", &nl.school_key, "NL-16", "Lotte", app.born(16))
        .await;
    let fifteen = app
        .student(
            "rotterdam",
            &nl.school_key,
            "NL-15",
            "Jesse",
            app.born(16) + 1,
        )
        .await;
    assert_eq!(
        record(&nl, &sixteen, by_pupil("media", "granted"))
            .await
            .status,
        StatusCode::CREATED
    );
    let young = record(&nl, &fifteen, by_pupil("media", "granted")).await;
    assert_eq!(
        young.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        young.body
    );
    assert_eq!(young.code(), "consent_not_allowed");
    assert_eq!(young.body["errors"][0]["pointer"], "/given_by");
    let guardian = app
        .consent("rotterdam", &nl.school_key, &fifteen, "media", "granted")
        .await;
    assert_eq!(guardian.status, StatusCode::CREATED);
    assert_eq!(guardian.body["given_by"], "guardian");
    assert_eq!(guardian.body["recorded_by_role"], "school");

    // Flanders: alone from 13, but recruitment contact never below 16.
    let thirteen = app
        .student("leuven", &be.school_key, "BE-13", "Lien", app.born(13))
        .await;
    let twelve = app
        .student("leuven", &be.school_key, "BE-12", "Wout", app.born(13) + 1)
        .await;
    assert_eq!(
        record(&be, &thirteen, by_pupil("share_with_business", "granted"))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        record(&be, &twelve, by_pupil("share_with_business", "granted"))
            .await
            .code(),
        "consent_not_allowed"
    );
    let recruit = app
        .consent(
            "leuven",
            &be.school_key,
            &thirteen,
            "recruitment_contact",
            "granted",
        )
        .await;
    assert_eq!(recruit.code(), "consent_not_allowed");
    assert_eq!(recruit.body["errors"][0]["pointer"], "/purpose");
    assert_eq!(
        app.consent(
            "leuven",
            &be.school_key,
            &thirteen,
            "recruitment_contact",
            "refused"
        )
        .await
        .status,
        StatusCode::CREATED,
        "refusing is always allowed"
    );
    let old_enough = app
        .student("leuven", &be.school_key, "BE-16", "Ines", app.born(16))
        .await;
    assert_eq!(
        record(&be, &old_enough, by_pupil("recruitment_contact", "granted"))
            .await
            .status,
        StatusCode::CREATED
    );

    // A city that raises its consent age is obeyed.
    let raised = app
        .patch(
            "/v1/tenants/leuven",
            &app.admin(),
            json!({"settings": {"consent_age": 16}}),
        )
        .await;
    assert_eq!(raised.status, StatusCode::OK, "{:?}", raised.body);
    assert_eq!(
        record(&be, &thirteen, by_pupil("media", "granted"))
            .await
            .code(),
        "consent_not_allowed"
    );

    // The ledger: decisions in order, the current state is the latest.
    for status in ["granted", "withdrawn"] {
        assert_eq!(
            app.consent(
                "rotterdam",
                &nl.school_key,
                &sixteen,
                "participation",
                status
            )
            .await
            .status,
            StatusCode::CREATED
        );
    }
    let consents = app
        .get(
            &format!("/v1/tenants/rotterdam/students/{sixteen}/consents"),
            &nl.school_key,
        )
        .await;
    assert_eq!(consents.status, StatusCode::OK);
    let ledger = consents.body["ledger"].as_array().unwrap();
    assert_eq!(ledger.len(), 3);
    assert_eq!(ledger[0]["given_by"], "student");
    let current = |purpose: &str| {
        consents.body["current"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["purpose"] == purpose)
            .unwrap()
            .clone()
    };
    assert_eq!(current("participation")["status"], "withdrawn");
    assert_eq!(current("media")["status"], "granted");
    assert_eq!(current("portfolio_transfer")["status"], Value::Null);
    // Nothing in the ledger is ever changed or removed through the API.
    let line = format!(
        "/v1/tenants/rotterdam/students/{sixteen}/consents/{}",
        ledger[0]["id"].as_str().unwrap()
    );
    for method in [Method::DELETE, Method::PATCH, Method::PUT] {
        let reply = app
            .send(
                method.clone(),
                &line,
                Some(&nl.school_key),
                Some(json!({})),
                &[],
            )
            .await;
        assert!(
            reply.status == StatusCode::NOT_FOUND || reply.status == StatusCode::METHOD_NOT_ALLOWED,
            "{method}"
        );
    }
    let bad = app
        .post(
            &format!("/v1/tenants/rotterdam/students/{sixteen}/consents"),
            &nl.school_key,
            json!({"purpose": "marketing", "status": "granted", "given_by": "guardian"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let after = app
        .get(
            &format!("/v1/tenants/rotterdam/students/{sixteen}/consents"),
            &nl.school_key,
        )
        .await;
    assert_eq!(after.body["ledger"].as_array().unwrap().len(), 3);
}

// ---------------------------------------------------------------------------------
// Bookings with named pupils.

/// A published offering of the world's business with one future slot of 5 seats.
/// How many days from the clock's today [`open_slot`]'s slot is (08:00-15:00 UTC).
const SLOT_DAY: i64 = 160;

async fn open_slot(app: &TestApp, w: &World) -> (String, String) {
    let t = &w.tenant;
    let visit = app
        .post(
            &format!("/v1/tenants/{t}/work-visits"),
            &app.admin(),
            json!({"business_id": w.business, "title": "Meeloopdag in de haven", "format": "job_shadowing",
                   "sectors": ["H"], "occupations": ["8343"], "competences": ["work_exploration"],
                   "min_age": 12, "max_age": 18, "group_size_min": 1, "group_size_max": 5, "online": true, "status": "published"}),
        )
        .await
        .id();
    let slot = app
        .post(
            &format!("/v1/tenants/{t}/work-visits/{visit}/slots"),
            &app.admin(),
            json!({"starts_at": app.at(SLOT_DAY, 8, 0), "ends_at": app.at(SLOT_DAY, 15, 0), "capacity": 5}),
        )
        .await
        .id();
    (visit, slot)
}

fn booking(slot: &str, seats: u32, students: &[&str]) -> Value {
    json!({"slot_id": slot, "group_name": "Klas 2B", "seats": seats, "contact": {"name": "Mevr. Jansen"}, "student_ids": students})
}

#[tokio::test]
async fn naming_pupils_on_a_booking_needs_their_participation_consent() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let (visit, slot) = open_slot(&app, &w).await;
    let bookings = "/v1/tenants/rotterdam/bookings";
    let without = app
        .student("rotterdam", &w.school_key, "LL-0200", "Finn", app.born(14))
        .await;
    let refused = app
        .student("rotterdam", &w.school_key, "LL-0201", "Yara", app.born(14))
        .await;
    assert_eq!(
        app.consent(
            "rotterdam",
            &w.school_key,
            &refused,
            "participation",
            "granted"
        )
        .await
        .status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.consent(
            "rotterdam",
            &w.school_key,
            &refused,
            "participation",
            "withdrawn"
        )
        .await
        .status,
        StatusCode::CREATED
    );
    let before = app.all_ids(bookings, &app.admin(), 200).await;

    let missing = app
        .post(
            bookings,
            &w.school_key,
            booking(&slot, 3, &[&w.student, &without, &refused]),
        )
        .await;
    assert_eq!(
        missing.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        missing.body
    );
    assert_eq!(missing.code(), "consent_missing");
    let detail = missing.body["detail"].as_str().unwrap();
    assert!(
        detail.contains(&without) && detail.contains(&refused),
        "{detail}"
    );
    assert!(
        !detail.contains(&w.student),
        "the pupil with consent is not named"
    );
    assert!(
        !missing.body.to_string().contains("Finn"),
        "ids only, never names"
    );

    let other = w.other_school_key(&app).await;
    let stranger = app
        .student("rotterdam", &other, "LL-0300", "Ravi", app.born(14))
        .await;
    let not_ours = app
        .post(
            bookings,
            &w.school_key,
            booking(&slot, 2, &[&w.student, &stranger]),
        )
        .await;
    assert_eq!(not_ours.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(not_ours.body["errors"][0]["pointer"], "/student_ids/1");
    let crowded = app
        .post(
            bookings,
            &w.school_key,
            booking(&slot, 1, &[&w.student, &without]),
        )
        .await;
    assert_eq!(crowded.body["errors"][0]["pointer"], "/student_ids");
    let by_city = app
        .post(bookings, &w.city, json!({"slot_id": slot, "school_id": w.school, "group_name": "X", "seats": 1, "contact": {"name": "Y"}, "student_ids": [w.student]}))
        .await;
    assert_eq!(
        by_city.status,
        StatusCode::FORBIDDEN,
        "the city never handles pupils"
    );

    // Nothing was written: no booking, no seat taken.
    assert_eq!(app.all_ids(bookings, &app.admin(), 200).await, before);
    let s = app
        .get(
            &format!("/v1/tenants/rotterdam/work-visits/{visit}/slots/{slot}"),
            &app.admin(),
        )
        .await;
    assert_eq!(s.body["seats_booked"], 0);

    let ok = app
        .post(bookings, &w.school_key, booking(&slot, 2, &[&w.student]))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{:?}", ok.body);
    assert_eq!(ok.body["named_pupils"], 1);
    assert_eq!(
        ok.body["students"],
        json!([{"student_id": w.student, "present": null}])
    );
}

#[tokio::test]
async fn a_host_sees_pupils_names_and_shared_entries_only_with_consent() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let (_, slot) = open_slot(&app, &w).await;
    let sharing = app
        .student("rotterdam", &w.school_key, "LL-0400", "Zehra", app.born(14))
        .await;
    let private = app
        .student(
            "rotterdam",
            &w.school_key,
            "LL-0401",
            "Thijmen",
            app.born(14),
        )
        .await;
    for s in [&sharing, &private] {
        assert_eq!(
            app.consent("rotterdam", &w.school_key, s, "participation", "granted")
                .await
                .status,
            StatusCode::CREATED
        );
    }
    assert_eq!(
        app.consent(
            "rotterdam",
            &w.school_key,
            &sharing,
            "share_with_business",
            "granted"
        )
        .await
        .status,
        StatusCode::CREATED
    );
    let booked = app
        .post(
            "/v1/tenants/rotterdam/bookings",
            &w.school_key,
            booking(&slot, 3, &[&sharing, &private]),
        )
        .await;
    assert_eq!(booked.status, StatusCode::CREATED, "{:?}", booked.body);
    let path = format!("/v1/tenants/rotterdam/bookings/{}", booked.id());

    let host = app.get(&path, &w.business_key).await;
    assert_eq!(host.status, StatusCode::OK);
    assert_eq!(host.body["named_pupils"], 2);
    assert_eq!(host.body["shared_pupils"], json!(["Zehra"]));
    assert!(host.body.get("students").is_none());
    let text = host.body.to_string();
    assert!(
        !text.contains("Thijmen") && !text.contains(&private) && !text.contains(&sharing),
        "{text}"
    );
    let listed = app
        .get(
            &format!("/v1/tenants/rotterdam/bookings?slot_id={slot}"),
            &w.business_key,
        )
        .await;
    assert_eq!(listed.body["data"][0]["shared_pupils"], json!(["Zehra"]));

    let city = app.get(&path, &w.city).await;
    assert_eq!(city.body["named_pupils"], 2);
    assert!(city.body.get("students").is_none() && city.body.get("shared_pupils").is_none());
    assert!(!city.body.to_string().contains(&sharing));
    let school = app.get(&path, &w.school_key).await;
    assert_eq!(school.body["students"].as_array().unwrap().len(), 2);
    assert!(school.body.get("shared_pupils").is_none());

    // After the visit: attendance by name gives each pupil present an experience entry.
    app.advance_days(SLOT_DAY + 1);
    let attendance = format!("{path}/attendance");
    let by_host = app
        .put(
            &attendance,
            &w.business_key,
            json!({"present": 2, "students": [{"student_id": sharing, "present": true}]}),
        )
        .await;
    assert_eq!(
        by_host.status,
        StatusCode::FORBIDDEN,
        "names are for the school"
    );
    let not_named = app
        .put(
            &attendance,
            &w.school_key,
            json!({"present": 2, "students": [{"student_id": w.student, "present": true}]}),
        )
        .await;
    assert_eq!(
        not_named.body["errors"][0]["pointer"],
        "/students/0/student_id"
    );
    let recorded = app
        .put(
            &attendance,
            &w.school_key,
            json!({"present": 2, "absent": 1, "students": [
            {"student_id": sharing, "present": true}, {"student_id": private, "present": false}]}),
        )
        .await;
    assert_eq!(recorded.status, StatusCode::OK, "{:?}", recorded.body);
    let present_of = |id: &str| {
        recorded.body["students"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["student_id"] == id)
            .unwrap()["present"]
            .clone()
    };
    assert_eq!(present_of(&sharing), json!(true));
    assert_eq!(present_of(&private), json!(false));
    // Recording again does not make a second entry.
    let again = app
        .put(&attendance, &w.school_key, json!({"present": 2, "absent": 1, "students": [{"student_id": sharing, "present": true}]}))
        .await;
    assert_eq!(again.status, StatusCode::OK, "{:?}", again.body);
    let entries = |s: &str| {
        let s = s.to_owned();
        let (app, key) = (&app, w.school_key.clone());
        async move {
            app.get(
                &format!("/v1/tenants/rotterdam/students/{s}/portfolio/entries?kind=experience"),
                &key,
            )
            .await
            .body["data"]
                .as_array()
                .unwrap()
                .clone()
        }
    };
    let experience = entries(&sharing).await;
    assert_eq!(experience.len(), 1);
    assert_eq!(experience[0]["booking_id"], json!(booked.id()));
    assert_eq!(experience[0]["title"], "Meeloopdag in de haven");
    assert_eq!(experience[0]["competence"], "work_exploration");
    assert_eq!(experience[0]["sectors"], json!(["H"]));
    assert_eq!(experience[0]["author_role"], "system");
    assert_eq!(experience[0]["shared_with_business"], false);
    assert!(entries(&private).await.is_empty(), "absent: no experience");

    // Both pupils reflect and mark it shared; only the consenting one reaches the host.
    for (s, text) in [
        (&sharing, "Ik mocht de kraan besturen!"),
        (&private, "Geheim: ik vond het saai."),
    ] {
        let shared = new_entry(&app, &w.school_key, "rotterdam", s, json!({"competence": "work_exploration", "kind": "reflection",
            "title": "Terugblik", "body": text, "booking_id": booked.id(), "shared_with_business": true, "author_role": "student"}))
            .await;
        assert_eq!(shared.status, StatusCode::CREATED, "{:?}", shared.body);
    }
    let not_shared = new_entry(&app, &w.school_key, "rotterdam", &sharing, json!({"competence": "motives", "kind": "goal",
        "title": "Privé", "body": "Niet voor het bedrijf.", "booking_id": booked.id(), "author_role": "student"}))
        .await;
    assert_eq!(not_shared.status, StatusCode::CREATED);
    let shared_path = format!("{path}/portfolio-entries");
    let seen = app.get(&shared_path, &w.business_key).await;
    assert_eq!(seen.status, StatusCode::OK, "{:?}", seen.body);
    let data = seen.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 1, "{data:?}");
    assert_eq!(data[0]["display_name"], "Zehra");
    assert_eq!(data[0]["body"], "Ik mocht de kraan besturen!");
    assert!(data[0].get("student_id").is_none());
    let text = seen.body.to_string();
    assert!(!text.contains("saai") && !text.contains("Privé") && !text.contains(&sharing));
    // Withdrawing the consent closes it at once, names included.
    assert_eq!(
        app.consent(
            "rotterdam",
            &w.school_key,
            &sharing,
            "share_with_business",
            "withdrawn"
        )
        .await
        .status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.get(&shared_path, &w.business_key).await.body["data"],
        json!([])
    );
    assert_eq!(
        app.get(&path, &w.business_key).await.body["shared_pupils"],
        json!([])
    );
    // Another business learns nothing.
    let other = w.other_business_key(&app).await;
    assert_eq!(
        app.get(&shared_path, &other).await.status,
        StatusCode::NOT_FOUND
    );
}

// ---------------------------------------------------------------------------------
// Transfer.

#[tokio::test]
async fn a_transfer_moves_the_portfolio_only_with_consent_and_closes_the_old_school_at_once() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let new_school = w.other_school_key(&app).await;
    let with = app
        .student("rotterdam", &w.school_key, "LL-0500", "Iris", app.born(14))
        .await;
    let without = app
        .student("rotterdam", &w.school_key, "LL-0501", "Joep", app.born(14))
        .await;
    assert_eq!(
        app.consent(
            "rotterdam",
            &w.school_key,
            &with,
            "portfolio_transfer",
            "granted"
        )
        .await
        .status,
        StatusCode::CREATED
    );
    for s in [&with, &without] {
        for title in ["Talent voor techniek", "Doel: mbo"] {
            assert_eq!(
                new_entry(&app, &w.school_key, "rotterdam", s, reflection(title))
                    .await
                    .status,
                StatusCode::CREATED
            );
        }
    }
    let transfer = |s: &str| {
        let path = format!("/v1/tenants/rotterdam/students/{s}/transfer");
        let (app, key, to) = (&app, w.school_key.clone(), w.other_school.clone());
        async move { app.post(&path, &key, json!({"to_school_id": to})).await }
    };
    let bad = app
        .post(
            &format!("/v1/tenants/rotterdam/students/{with}/transfer"),
            &w.school_key,
            json!({"to_school_id": w.business}),
        )
        .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        bad.body
    );
    assert_eq!(bad.body["errors"][0]["pointer"], "/to_school_id");

    let moved = transfer(&with).await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    assert_eq!(moved.body["school_id"], json!(w.other_school));
    assert_eq!(moved.body["portfolio_sealed_before"], Value::Null);
    let sealed = transfer(&without).await;
    assert_eq!(sealed.status, StatusCode::OK);
    assert!(sealed.body["portfolio_sealed_before"].is_string());

    for s in [&with, &without] {
        let old = app
            .get(
                &format!("/v1/tenants/rotterdam/students/{s}"),
                &w.school_key,
            )
            .await;
        assert_eq!(
            old.status,
            StatusCode::NOT_FOUND,
            "the old school loses access at once"
        );
        assert_eq!(
            app.get(
                &format!("/v1/tenants/rotterdam/students/{s}/portfolio"),
                &w.school_key
            )
            .await
            .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&format!("/v1/tenants/rotterdam/students/{s}"), &new_school)
                .await
                .status,
            StatusCode::OK
        );
    }
    assert!(
        !app.all_ids("/v1/tenants/rotterdam/students", &w.school_key, 200)
            .await
            .contains(&with)
    );

    let portfolio = |s: &str| {
        let path = format!("/v1/tenants/rotterdam/students/{s}/portfolio");
        let (app, key) = (&app, new_school.clone());
        async move { app.get(&path, &key).await.body }
    };
    let open = portfolio(&with).await;
    assert_eq!(open["entries"], 2);
    assert_eq!(open["sealed_entries"], 0);
    let closed = portfolio(&without).await;
    assert_eq!(closed["entries"], 0);
    assert_eq!(closed["sealed_entries"], 2);
    assert!(!closed.to_string().contains("Talent voor techniek"));
    let listed = app
        .get(
            &format!("/v1/tenants/rotterdam/students/{without}/portfolio/entries"),
            &new_school,
        )
        .await;
    assert_eq!(listed.body["data"], json!([]));
    // The new school's own entries are its to read.
    let fresh = new_entry(
        &app,
        &new_school,
        "rotterdam",
        &without,
        reflection("Nieuwe school"),
    )
    .await;
    assert_eq!(fresh.status, StatusCode::CREATED);
    assert_eq!(portfolio(&without).await["entries"], 1);
    let export = app
        .get(
            &format!("/v1/tenants/rotterdam/students/{without}/export"),
            &new_school,
        )
        .await;
    assert_eq!(
        export.body["portfolio_entries"].as_array().unwrap().len(),
        1
    );
    assert_eq!(export.body["sealed_entries"], 2);
    // The platform, answering the pupil's right of access, sees what is held.
    let all = app
        .get(
            &format!("/v1/tenants/rotterdam/students/{without}/export"),
            &app.admin(),
        )
        .await;
    assert_eq!(all.body["portfolio_entries"].as_array().unwrap().len(), 3);
}

// ---------------------------------------------------------------------------------
// Export and erasure.

/// Every text value in every column of every table of the server's database that
/// contains `needle`, as `table.column`.
async fn where_in_database(app: &TestApp, needle: &str) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = app.database().await;
    let backend = db.get_database_backend();
    let columns_sql = match backend {
        sea_orm::DatabaseBackend::Sqlite => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table'"
        }
        _ => {
            "SELECT table_name AS t, column_name AS c FROM information_schema.columns \
              WHERE table_schema = 'public'"
        }
    };
    let columns = db
        .query_all_raw(Statement::from_string(backend, columns_sql))
        .await
        .unwrap();
    let mut found = Vec::new();
    for row in columns {
        let table: String = row.try_get("", "t").unwrap();
        let column: String = row.try_get("", "c").unwrap();
        let mut sql = format!(
            "SELECT COUNT(*) AS n FROM \"{table}\" WHERE CAST(\"{column}\" AS TEXT) LIKE '%{}%'",
            needle.replace('\'', "''")
        );
        // SQLite keeps UUIDs as 16-byte blobs: look for their bytes too.
        if backend == sea_orm::DatabaseBackend::Sqlite
            && let Ok(id) = uuid::Uuid::parse_str(needle)
        {
            sql.push_str(&format!(
                " OR hex(\"{column}\") LIKE '%{}%'",
                id.simple().to_string().to_uppercase()
            ));
        }
        let n: i64 = db
            .query_one_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
            .unwrap()
            .try_get("", "n")
            .unwrap();
        if n > 0 {
            found.push(format!("{table}.{column}"));
        }
    }
    found
}

#[tokio::test]
async fn erasure_leaves_no_personal_data_in_any_table_and_the_counts_stay_right() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let (visit, slot) = open_slot(&app, &w).await;
    let pupil = app
        .student(
            "rotterdam",
            &w.school_key,
            "ERASE-7731",
            "Quirijntje",
            app.born(14),
        )
        .await;
    for purpose in ["participation", "share_with_business"] {
        assert_eq!(
            app.consent("rotterdam", &w.school_key, &pupil, purpose, "granted")
                .await
                .status,
            StatusCode::CREATED
        );
    }
    let booked = app
        .post(
            "/v1/tenants/rotterdam/bookings",
            &w.school_key,
            booking(&slot, 2, &[&pupil]),
        )
        .await;
    assert_eq!(booked.status, StatusCode::CREATED, "{:?}", booked.body);
    app.advance_days(SLOT_DAY + 1);
    let path = format!("/v1/tenants/rotterdam/bookings/{}", booked.id());
    let done = app
        .put(
            &format!("{path}/attendance"),
            &w.school_key,
            json!({"present": 2, "students": [{"student_id": pupil, "present": true}]}),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{:?}", done.body);
    let entry = new_entry(&app, &w.school_key, "rotterdam", &pupil, json!({"competence": "qualities", "kind": "talent",
        "title": "Zeldzaam-talent-Xq", "body": "Geheime-notitie-Zw over de leerling", "booking_id": booked.id(),
        "shared_with_business": true, "author_role": "mentor"}))
        .await;
    assert_eq!(entry.status, StatusCode::CREATED);
    // What the host's coach saw in the pupil.
    let seen = app.get(&path, &w.business_key).await;
    let reference = seen.body["host_pupils"][0]["reference"].clone();
    let noted = app
        .post(
            &format!("{path}/talent-notes"),
            &w.business_key,
            json!({"pupil": reference, "talents": "Coach-talent-Kp", "note": "Coach-notitie-Kp"}),
        )
        .await;
    assert_eq!(noted.status, StatusCode::CREATED, "{:?}", noted.body);
    // A credential for the visit, naming the pupil; its signature is a marker.
    let credential = app
        .send(
            reqwest::Method::POST,
            &format!("/v1/tenants/rotterdam/students/{pupil}/credentials"),
            Some(&w.school_key),
            Some(json!({"booking_id": booked.id(), "include_name": true})),
            &[("accept", "application/vc+jwt")],
        )
        .await;
    assert_eq!(
        credential.status,
        StatusCode::CREATED,
        "{:?}",
        credential.body
    );
    let signature = credential
        .body
        .as_str()
        .and_then(|jwt| jwt.rsplit('.').next())
        .unwrap()
        .to_owned();

    // The export holds everything.
    let export = app
        .get(
            &format!("/v1/tenants/rotterdam/students/{pupil}/export"),
            &w.school_key,
        )
        .await;
    assert_eq!(export.status, StatusCode::OK, "{:?}", export.body);
    assert_eq!(export.header("cache-control"), Some("no-store"));
    assert_eq!(export.body["student"]["display_name"], "Quirijntje");
    assert_eq!(export.body["consents"].as_array().unwrap().len(), 2);
    assert_eq!(
        export.body["portfolio_entries"].as_array().unwrap().len(),
        3,
        "experience + talent + the coach's"
    );
    assert_eq!(export.body["talent_notes"][0]["note"], "Coach-notitie-Kp");
    assert_eq!(
        export.body["credentials"][0]["credential"]["credentialSubject"]["identifier"][0]["identityHash"],
        "Quirijntje"
    );
    assert_eq!(
        export.body["bookings"],
        json!([{"booking_id": booked.id(), "work_visit_id": visit, "slot_id": slot,
        "business_id": w.business, "status": "completed", "present": true}])
    );
    assert_eq!(export.body["route_plan"], Value::Null);
    let planned = app
        .put(
            &format!("/v1/tenants/rotterdam/students/{pupil}/route-plan"),
            &w.school_key,
            json!({"route_map_id": w.route_map, "steps": ["vmbo", "mbo"], "helpers": ["Helper-Marker-Qq"]}),
        )
        .await;
    assert_eq!(planned.status, StatusCode::OK, "{:?}", planned.body);
    // The pupil's own token, and the plan agreed to with it.
    let own = app
        .access_token("rotterdam", &w.school_key, &pupil, "pupil")
        .await;
    let agreed = app
        .send(
            reqwest::Method::POST,
            &format!("/v1/tenants/rotterdam/students/{pupil}/route-plan/agreements"),
            Some(&own),
            None,
            &[],
        )
        .await;
    assert_eq!(agreed.status, StatusCode::CREATED, "{:?}", agreed.body);
    assert!(
        where_in_database(&app, &pupil)
            .await
            .contains(&"api_keys.student_id".to_owned()),
        "the token names the pupil before"
    );

    for marker in [
        "Quirijntje",
        "ERASE-7731",
        "Zeldzaam-talent-Xq",
        "Geheime-notitie-Zw",
        "Helper-Marker-Qq",
        "Coach-talent-Kp",
        "Coach-notitie-Kp",
        &signature,
    ] {
        assert!(
            !where_in_database(&app, marker).await.is_empty(),
            "{marker} is held before"
        );
    }
    let erased = app
        .delete(
            &format!("/v1/tenants/rotterdam/students/{pupil}"),
            &w.school_key,
        )
        .await;
    assert_eq!(erased.status, StatusCode::NO_CONTENT, "{:?}", erased.body);
    for marker in [
        "Quirijntje",
        "ERASE-7731",
        "Zeldzaam-talent-Xq",
        "Geheime-notitie-Zw",
        "Helper-Marker-Qq",
        "Coach-talent-Kp",
        "Coach-notitie-Kp",
        &signature,
    ] {
        assert_eq!(
            where_in_database(&app, marker).await,
            Vec::<String>::new(),
            "{marker} left behind"
        );
    }
    // The pupil's id survives only where ids are the point: the change log and the
    // audit log.
    let mut holding_id = where_in_database(&app, &pupil).await;
    holding_id.sort();
    assert_eq!(
        holding_id,
        ["audit_events.student_id", "changes.resource_id"]
    );
    assert_eq!(
        app.get(
            &format!("/v1/tenants/rotterdam/students/{pupil}"),
            &w.school_key
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.delete(
            &format!("/v1/tenants/rotterdam/students/{pupil}"),
            &w.school_key
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // The city's counts stay right: the booking keeps its seats and attendance.
    let after = app.get(&path, &w.city).await;
    assert_eq!(after.body["seats"], 2);
    assert_eq!(after.body["attendance"]["present"], 2);
    assert_eq!(after.body["named_pupils"], 0);
    let s = app
        .get(
            &format!("/v1/tenants/rotterdam/work-visits/{visit}/slots/{slot}"),
            &w.city,
        )
        .await;
    assert_eq!(s.body["seats_booked"], 2);
    assert_eq!(
        app.get(&format!("{path}/portfolio-entries"), &w.business_key)
            .await
            .body["data"],
        json!([])
    );
    // The change log records the removals by id only.
    let db = app.database().await;
    let changes = app.changes(&db, "rotterdam").await;
    let deleted: Vec<&str> = changes
        .iter()
        .filter(|c| c.op == "deleted")
        .map(|c| c.resource.as_str())
        .collect();
    assert_eq!(deleted.iter().filter(|r| **r == "student").count(), 1);
    assert_eq!(deleted.iter().filter(|r| **r == "consent").count(), 2);
    assert_eq!(
        deleted.iter().filter(|r| **r == "portfolio_entry").count(),
        3
    );
}

// ---------------------------------------------------------------------------------
// The audit log and the change feed.

#[tokio::test]
async fn every_read_and_write_of_a_pupil_is_audited_with_ids_only() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let key_id = app
        .get("/v1/tenants/rotterdam/api-keys", &w.city)
        .await
        .body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["role"] == "school")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let pupil = app
        .student("rotterdam", &w.school_key, "AUD-1", "Fenna", app.born(14))
        .await;
    let base = format!("/v1/tenants/rotterdam/students/{pupil}");
    let read = app.get(&base, &w.school_key).await;
    let request_id = read.header("x-request-id").unwrap().to_owned();
    app.get("/v1/tenants/rotterdam/students?q=fenna", &w.school_key)
        .await;
    app.get(&format!("{base}/consents"), &w.school_key).await;
    app.get(&format!("{base}/portfolio"), &w.school_key).await;
    app.get(&format!("{base}/export"), &w.school_key).await;
    app.patch(&base, &w.school_key, json!({"grade": "3 havo"}))
        .await;
    // A refused read is not a read.
    app.get(&base, &w.business_key).await;

    let audit = app
        .get(
            &format!("/v1/tenants/rotterdam/audit-events?student_id={pupil}"),
            &w.city,
        )
        .await;
    assert_eq!(audit.status, StatusCode::OK, "{:?}", audit.body);
    let events = audit.body["data"].as_array().unwrap();
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "student.create",
            "student.read",
            "student.list",
            "consent.read",
            "portfolio.read",
            "student.export",
            "student.update"
        ]
    );
    for e in events {
        assert_eq!(e["key_id"], json!(key_id));
        assert_eq!(e["role"], "school");
        assert_eq!(e["student_id"], json!(pupil));
        assert_eq!(e["school_id"], json!(w.school));
    }
    assert_eq!(
        events[1]["request_id"],
        json!(request_id),
        "the read's own request"
    );
    assert!(!audit.body.to_string().contains("Fenna") && !audit.body.to_string().contains("AUD-1"));

    // Filters: by key, by action, by time.
    let by_action = app
        .get(
            &format!("/v1/tenants/rotterdam/audit-events?student_id={pupil}&action=student.export"),
            &w.city,
        )
        .await;
    assert_eq!(by_action.body["data"].as_array().unwrap().len(), 1);
    let by_key = app
        .get(
            &format!("/v1/tenants/rotterdam/audit-events?key_id={key_id}&limit=200"),
            &w.city,
        )
        .await;
    assert!(by_key.body["data"].as_array().unwrap().len() >= 7);
    let future = app
        .get(
            "/v1/tenants/rotterdam/audit-events?from=2099-01-01T00:00:00Z",
            &w.city,
        )
        .await;
    assert_eq!(future.body["data"], json!([]));
    assert_eq!(
        app.get("/v1/tenants/rotterdam/audit-events?from=yesterday", &w.city)
            .await
            .code(),
        "invalid_query"
    );
    assert_eq!(
        app.get(
            "/v1/tenants/rotterdam/audit-events?action=student.peek",
            &w.city
        )
        .await
        .code(),
        "invalid_query"
    );

    // The city's change feed never shows pupils' data.
    let feed = app
        .get("/v1/tenants/rotterdam/changes?limit=1000", &w.city)
        .await;
    assert_eq!(feed.status, StatusCode::OK);
    let changes = feed.body["data"].as_array().unwrap();
    assert!(
        changes.iter().any(|c| c["resource"] == "booking"),
        "the feed is there"
    );
    for change in changes {
        assert!(
            !["student", "consent", "portfolio_entry"]
                .contains(&change["resource"].as_str().unwrap()),
            "{change}"
        );
    }
    assert_eq!(
        app.get("/v1/tenants/rotterdam/changes?resource=student", &w.city)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_idempotent_retry_of_a_pupil_route_keeps_no_pupil_data() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let body = json!({"external_ref": "IDEM-1", "display_name": "Saskia", "birth_year": app.born(14), "education_level": "nl_havo"});
    let headers = [("idempotency-key", "add-saskia")];
    let first = app
        .send(
            Method::POST,
            "/v1/tenants/rotterdam/students",
            Some(&w.school_key),
            Some(body.clone()),
            &headers,
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{:?}", first.body);
    assert_eq!(first.body["display_name"], "Saskia");
    let retry = app
        .send(
            Method::POST,
            "/v1/tenants/rotterdam/students",
            Some(&w.school_key),
            Some(body),
            &headers,
        )
        .await;
    assert_eq!(retry.status, StatusCode::CREATED);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.header("location"), first.header("location"));
    assert_eq!(retry.header("etag"), Some("\"1\""));
    assert_eq!(
        retry.body,
        Value::Null,
        "no pupil data was kept for the replay"
    );
    let pupils = app
        .get("/v1/tenants/rotterdam/students?q=IDEM", &w.school_key)
        .await;
    assert_eq!(
        pupils.body["data"].as_array().unwrap().len(),
        1,
        "created once"
    );
}

// ---------------------------------------------------------------------------------
// Demo data.

#[tokio::test]
async fn the_demo_holds_pupils_with_consents_and_portfolios_once() {
    let app = TestApp::spawn().await;
    let keys = app.seed_demo().await;
    let key = |tenant: &str, role: &str| {
        keys.iter()
            .find(|(t, r, _)| t == tenant && r == role)
            .map(|(_, _, k)| k.clone())
            .unwrap()
    };
    let school = key("rotterdam", "school");
    let pupils = app.get("/v1/tenants/rotterdam/students", &school).await;
    assert_eq!(pupils.status, StatusCode::OK, "{:?}", pupils.body);
    let names: Vec<&str> = pupils.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(names[..3], ["Sara", "Daan", "Yasmina"]);
    assert_eq!(names.len(), 3 + 12, "and the class of the placement");
    let sara = pupils.body["data"][0]["id"].as_str().unwrap().to_owned();
    let portfolio = app
        .get(
            &format!("/v1/tenants/rotterdam/students/{sara}/portfolio"),
            &school,
        )
        .await;
    // Her own two entries, the experience of the visit that took place, and what its
    // host saw in her.
    assert_eq!(portfolio.body["entries"], 4, "{:?}", portfolio.body);
    let talents = portfolio.body["talents"].as_array().unwrap();
    assert!(
        talents.contains(&json!("Kan goed met klanten omgaan"))
            && talents.contains(&json!("Nieuwsgierig in het lab")),
        "{talents:?}"
    );
    // The host's wish to be in touch reached the school for Yasmina (16, consenting)
    // only; Sara (14) is not told of one.
    let school_id = pupils.body["data"][0]["school_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let interests = app
        .get(
            &format!("/v1/tenants/rotterdam/schools/{school_id}/interests"),
            &school,
        )
        .await;
    assert_eq!(interests.status, StatusCode::OK, "{:?}", interests.body);
    let interests = interests.body["data"].as_array().unwrap();
    assert_eq!(interests.len(), 1, "{interests:?}");
    assert_eq!(interests[0]["student_id"], pupils.body["data"][2]["id"]);
    assert_eq!(interests[0]["business"]["name"], "Erasmus MC");
    // The demo booking names the pupils who may take part; the host sees only the
    // names of those who share them (not Daan's).
    let bookings = app
        .get(
            "/v1/tenants/rotterdam/bookings",
            &key("rotterdam", "business"),
        )
        .await;
    let booking = &bookings.body["data"][0];
    assert_eq!(booking["named_pupils"], 3);
    assert_eq!(booking["shared_pupils"], json!(["Sara", "Yasmina"]));
    let leuven = app
        .get("/v1/tenants/leuven/students", &key("leuven", "school"))
        .await;
    assert_eq!(leuven.body["data"].as_array().unwrap().len(), 2);
    // The city reads none of it.
    assert_eq!(
        app.get(
            "/v1/tenants/rotterdam/students",
            &key("rotterdam", "city_admin")
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // Route maps for both cities, and plans on them.
    let maps = app
        .get(
            "/v1/tenants/rotterdam/route-maps",
            &key("rotterdam", "integrator"),
        )
        .await;
    let map = maps.body["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(maps.body["data"][0]["status"], "published");
    let routes = app
        .get(
            &format!("/v1/tenants/rotterdam/route-maps/{map}/routes?from=vmbo_kb:techniek&to_occupation=8344"),
            &key("rotterdam", "integrator"),
        )
        .await;
    assert_eq!(routes.body["routes"][0]["steps"], 2, "{:?}", routes.body);
    let plan = app
        .get(
            &format!("/v1/tenants/rotterdam/students/{sara}/route-plan"),
            &school,
        )
        .await;
    assert_eq!(plan.status, StatusCode::OK, "{:?}", plan.body);
    assert_eq!(plan.body["route_status"], "valid");
    assert_eq!(plan.body["target_occupation"], "8344");
    let leuven_map = app
        .get("/v1/tenants/leuven/route-maps", &key("leuven", "school"))
        .await;
    assert_eq!(leuven_map.body["data"].as_array().unwrap().len(), 1);

    // A visit took place two weeks ago: the city's figures count it.
    let today = app.now().date_naive();
    let month = format!(
        "from={}&to={}",
        today - chrono::Days::new(30),
        today + chrono::Days::new(2)
    );
    let stats = app
        .get(
            &format!("/v1/tenants/rotterdam/stats?{month}"),
            &key("rotterdam", "city_admin"),
        )
        .await;
    assert_eq!(stats.status, StatusCode::OK, "{:?}", stats.body);
    assert_eq!(stats.body["reach"]["visits"], 1, "{:?}", stats.body);
    assert_eq!(stats.body["would_host_again"], json!({"yes": 1, "no": 0}));

    // A class placement proposal of Klas 2B is ready: every pupil placed, and the
    // school confirms it as bookings.
    let proposal = key("rotterdam", "placement").0;
    let proposal = proposal.trim_start_matches(|c| c != '/');
    let read = app.get(proposal, &school).await;
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.body);
    assert_eq!(read.body["status"], "proposed");
    assert_eq!(read.body["totals"]["unplaced"], 0, "{:#}", read.body);
    assert!(
        read.body["totals"]["by_rank"][0].as_u64() >= Some(9),
        "{:#}",
        read.body["totals"]
    );
    let confirmed = app
        .post(&format!("{proposal}/confirm"), &school, json!({}))
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{:?}", confirmed.body);

    // Seeding again changes nothing.
    let db = app.database().await;
    let before = app.changes(&db, "rotterdam").await.len();
    assert!(app.seed_demo().await.is_empty());
    assert_eq!(app.changes(&db, "rotterdam").await.len(), before);
    assert_eq!(
        app.get("/v1/tenants/rotterdam/students", &school)
            .await
            .body["data"]
            .as_array()
            .unwrap()
            .len(),
        names.len()
    );
}
