//! Pupils and guardians act themselves (DESIGN.md §3.9): the pupil's school makes a
//! short-lived token for one pupil; it reaches the catalogue and that pupil's data
//! only, speaks as who it is (never as whom a body names), and ends with its key, with
//! the pupil's move and with the pupil's erasure.

use driehoek_tests::{Key, Reply, TestApp, World};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn tokens_path(w: &World, student: &str) -> String {
    format!("/v1/tenants/{}/students/{student}/access-tokens", w.tenant)
}

/// Makes a token and answers its id and secret.
async fn token(app: &TestApp, w: &World, key: &Key, student: &str, role: &str) -> (String, Key) {
    let reply = app
        .post(
            &tokens_path(w, student),
            key,
            json!({"role": role, "expires_in": 3600}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    (
        reply.body["id"].as_str().unwrap().to_owned(),
        Key(reply.body["token"].as_str().unwrap().to_owned()),
    )
}

/// A school key of the world's school that the test can revoke: its id and secret.
async fn revocable_school_key(app: &TestApp, w: &World) -> (String, Key) {
    let reply = app
        .post(
            &format!("/v1/tenants/{}/api-keys", w.tenant),
            &w.city,
            json!({"name": "portal backend", "role": "school", "school_id": w.school}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    (
        reply.id(),
        Key(reply.body["key"].as_str().unwrap().to_owned()),
    )
}

#[tokio::test]
async fn a_school_makes_lists_and_revokes_its_pupils_tokens_and_no_one_else_may() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let path = tokens_path(&w, &w.student);
    let made = app
        .post(
            &path,
            &w.school_key,
            json!({"role": "guardian", "expires_in": 900, "label": "ouderportaal"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    assert_eq!(made.header("cache-control"), Some("no-store"));
    assert_eq!(made.body["role"], "guardian");
    assert_eq!(made.body["student_id"], w.student.as_str());
    let secret = made.body["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("dht_"), "{secret}");
    let expires: chrono::DateTime<chrono::Utc> =
        made.body["expires_at"].as_str().unwrap().parse().unwrap();
    assert_eq!((expires - app.now()).num_seconds() / 60, 14, "15 minutes");
    let id = made.id();
    assert_eq!(
        made.header("location"),
        Some(format!("{path}/{id}").as_str())
    );

    // Listed without secrets (the world's two tokens and this one); never among the
    // city's keys.
    let listed = app.get(&path, &w.school_key).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
    let rows = listed.body["data"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|t| t.get("token").is_none()));
    assert!(listed.body.to_string().contains("ouderportaal"));
    assert!(!listed.body.to_string().contains(&secret));
    let keys = app
        .all_ids(&format!("/v1/tenants/{}/api-keys", w.tenant), &w.city, 200)
        .await;
    assert!(!keys.contains(&id), "a pupil's token is not the city's key");
    let as_key = app
        .get(&format!("/v1/tenants/{}/api-keys/{id}", w.tenant), &w.city)
        .await;
    assert_eq!(as_key.status, StatusCode::NOT_FOUND);

    // It works, until revoked.
    let guardian = Key(secret);
    let student = format!("/v1/tenants/{}/students/{}", w.tenant, w.student);
    assert_eq!(app.get(&student, &guardian).await.status, StatusCode::OK);
    let revoked = app.delete(&format!("{path}/{id}"), &w.school_key).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{:?}", revoked.body);
    assert_eq!(
        app.get(&student, &guardian).await.status,
        StatusCode::UNAUTHORIZED
    );
    let again = app.delete(&format!("{path}/{id}"), &w.school_key).await;
    assert_eq!(
        again.status,
        StatusCode::NO_CONTENT,
        "revoking twice is harmless"
    );
    let listed = app.get(&path, &w.school_key).await;
    let row = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.as_str())
        .cloned()
        .unwrap();
    assert!(row["revoked_at"].is_string(), "{row}");

    // Only the pupil's own school: another school's key does not find the pupil; the
    // city, a business, an integrator and the tokens themselves may not.
    let other = w.other_school_key(&app).await;
    let before = w.versions(&app).await;
    for (key, status) in [
        (&other, StatusCode::NOT_FOUND),
        (&w.city, StatusCode::FORBIDDEN),
        (&w.business_key, StatusCode::FORBIDDEN),
        (&w.integrator, StatusCode::FORBIDDEN),
        (&w.pupil, StatusCode::FORBIDDEN),
        (&w.guardian, StatusCode::FORBIDDEN),
    ] {
        let tried = app
            .post(&path, key, json!({"role": "pupil", "expires_in": 600}))
            .await;
        assert_eq!(tried.status, status, "{:?}", tried.body);
        assert_eq!(app.get(&path, key).await.status, status);
        let revoke = app.delete(&format!("{path}/{id}"), key).await;
        assert_eq!(revoke.status, status);
    }
    assert_eq!(
        w.versions(&app).await,
        before,
        "nothing was made or revoked"
    );
}

#[tokio::test]
async fn bad_token_requests_are_refused_with_the_field_and_nothing_is_made() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let path = tokens_path(&w, &w.student);
    let before = w.versions(&app).await;
    for (body, pointer) in [
        (json!({"role": "school", "expires_in": 600}), "/role"),
        (json!({"role": "pupil", "expires_in": 299}), "/expires_in"),
        (
            json!({"role": "pupil", "expires_in": 43_201}),
            "/expires_in",
        ),
        (json!({"role": "pupil", "expires_in": 600.5}), "/expires_in"),
        (json!({"role": "pupil", "label": ""}), "/label"),
        (
            json!({"role": "pupil", "student_id": w.student}),
            "/student_id",
        ),
    ] {
        let reply = app.post(&path, &w.school_key, body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {:?}",
            reply.body
        );
        assert!(
            ["validation_failed", "unknown_field"].contains(&reply.code()),
            "{body}: {:?}",
            reply.body
        );
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json")
        );
        assert!(
            reply.pointers().iter().any(|p| p.starts_with(pointer)),
            "{body}: {:?}",
            reply.body
        );
    }
    let unknown = app
        .post(
            &tokens_path(&w, "01900000-0000-7000-8000-00000000abcd"),
            &w.school_key,
            json!({"role": "pupil"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    // The city's key endpoint makes no tokens.
    let as_key = app
        .post(
            &format!("/v1/tenants/{}/api-keys", w.tenant),
            &w.city,
            json!({"name": "x", "role": "pupil"}),
        )
        .await;
    assert_eq!(
        as_key.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        as_key.body
    );
    assert_eq!(as_key.pointers(), ["/role"]);
    assert_eq!(w.versions(&app).await, before);
}

/// The routes of one pupil a token may use, by the part after `/students/{id}`.
const PUPIL_READS: [&str; 8] = [
    "",
    "/portfolio",
    "/portfolio/entries",
    "/route-plan",
    "/route-plan/versions",
    "/consents",
    "/bookings",
    "/export",
];

async fn reads(app: &TestApp, w: &World, student: &str, key: &Key) -> Vec<(String, u16)> {
    let mut answers = Vec::new();
    for part in PUPIL_READS {
        let path = format!("/v1/tenants/{}/students/{student}{part}", w.tenant);
        let reply = app.get(&path, key).await;
        answers.push((part.to_owned(), reply.status.as_u16()));
    }
    answers
}

fn all(status: u16) -> Vec<(String, u16)> {
    PUPIL_READS
        .iter()
        .map(|p| ((*p).to_owned(), status))
        .collect()
}

#[tokio::test]
async fn a_token_reaches_its_own_pupil_and_the_catalogue_and_nothing_else() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let elsewhere = World::build(&app, "leuven", "BE").await;
    let t = &w.tenant;
    // Pupil A is the world's (14, below the consent age of 16), with a plan; pupil B
    // of the same school; pupil C of the other school.
    let plan = app
        .put(
            &format!("/v1/tenants/{t}/students/{}/route-plan", w.student),
            &w.school_key,
            json!({"route_map_id": w.route_map, "steps": ["vmbo", "mbo"]}),
        )
        .await;
    assert_eq!(plan.status, StatusCode::OK, "{:?}", plan.body);
    let b = app
        .student(t, &w.school_key, "LL-0002", "Bram", app.born(14))
        .await;
    let (_, pupil_b) = token(&app, &w, &w.school_key, &b, "pupil").await;
    let (_, guardian_b) = token(&app, &w, &w.school_key, &b, "guardian").await;
    let other = w.other_school_key(&app).await;
    let c = app.student(t, &other, "EA-1", "Cas", app.born(15)).await;
    let (_, pupil_c) = token(&app, &w, &other, &c, "pupil").await;

    // A's own tokens: everything of A, but a pupil below the consent age does not
    // export alone (a guardian does).
    let mut pupil_view = all(200);
    pupil_view[7].1 = 403; // below_consent_age
    assert_eq!(reads(&app, &w, &w.student, &w.pupil).await, pupil_view);
    assert_eq!(reads(&app, &w, &w.student, &w.guardian).await, all(200));
    // Everyone else's token does not find A.
    for key in [&pupil_b, &guardian_b, &pupil_c] {
        assert_eq!(reads(&app, &w, &w.student, key).await, all(404));
    }
    // A token of another tenant is refused for the tenant.
    let foreign = app
        .get(
            &format!("/v1/tenants/{t}/students/{}", w.student),
            &elsewhere.pupil,
        )
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    assert_eq!(foreign.code(), "tenant_forbidden");
    // A's entry by id; a made-up id is 404.
    let entry = format!(
        "/v1/tenants/{t}/students/{}/portfolio/entries/{}",
        w.student, w.entry
    );
    assert_eq!(app.get(&entry, &w.pupil).await.status, StatusCode::OK);
    assert_eq!(
        app.get(&entry, &pupil_b).await.status,
        StatusCode::NOT_FOUND
    );

    // The catalogue, as an integrator reads it; no list of pupils, no bookings, no
    // feed, no keys, no stats.
    for path in [
        format!("/v1/tenants/{t}/work-visits"),
        format!("/v1/tenants/{t}/schools"),
        format!("/v1/tenants/{t}/businesses"),
        format!("/v1/tenants/{t}/route-maps/{}", w.route_map),
        "/v1/vocabularies".to_owned(),
    ] {
        let reply = app.get(&path, &w.pupil).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {:?}", reply.body);
    }
    for path in [
        format!("/v1/tenants/{t}/students?school_id={}", w.school),
        format!("/v1/tenants/{t}/bookings"),
        format!("/v1/tenants/{t}/changes"),
        format!("/v1/tenants/{t}/api-keys"),
        format!("/v1/tenants/{t}/audit-events"),
        format!("/v1/tenants/{t}/students/{}/access-tokens", w.student),
        format!("/v1/tenants/{t}/bookings/{}", w.booking),
    ] {
        for key in [&w.pupil, &w.guardian] {
            let reply = app.get(&path, key).await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{path}: {:?}",
                reply.body
            );
            assert_eq!(reply.code(), "forbidden");
        }
    }

    // The bookings naming A: the world's booking named none, so none yet.
    let bookings = app
        .get(
            &format!("/v1/tenants/{t}/students/{}/bookings", w.student),
            &w.pupil,
        )
        .await;
    assert_eq!(bookings.body["data"], json!([]));

    // Every read by a token is in the audit log with the token and its role.
    let log = app
        .get(
            &format!(
                "/v1/tenants/{t}/audit-events?student_id={}&limit=200",
                w.student
            ),
            &w.city,
        )
        .await;
    let roles: Vec<&str> = log.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["role"].as_str())
        .collect();
    assert!(
        roles.contains(&"pupil") && roles.contains(&"guardian"),
        "{roles:?}"
    );
    let catalogue = log.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "catalogue.read" && e["role"] == "pupil")
        .count();
    assert!(
        catalogue >= 5,
        "the pupil's catalogue reads are audited: {catalogue}"
    );
}

#[tokio::test]
async fn a_token_ends_with_its_key_with_the_pupils_move_and_with_its_time() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let t = &w.tenant;
    let student = format!("/v1/tenants/{t}/students/{}", w.student);
    // Made by a key that is then revoked.
    let (key_id, key) = revocable_school_key(&app, &w).await;
    let (_, by_key) = token(&app, &w, &key, &w.student, "guardian").await;
    assert_eq!(app.get(&student, &by_key).await.status, StatusCode::OK);
    let revoked = app
        .delete(&format!("/v1/tenants/{t}/api-keys/{key_id}"), &w.city)
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&student, &by_key).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get(&student, &w.pupil).await.status,
        StatusCode::OK,
        "others stay"
    );

    // A pupil who moves to another school: the tokens end, the new school's work.
    let moving = app
        .student(t, &w.school_key, "LL-0009", "Mo", app.born(13))
        .await;
    let (_, moving_pupil) = token(&app, &w, &w.school_key, &moving, "pupil").await;
    let path = format!("/v1/tenants/{t}/students/{moving}");
    assert_eq!(app.get(&path, &moving_pupil).await.status, StatusCode::OK);
    let moved = app
        .post(
            &format!("{path}/transfer"),
            &w.school_key,
            json!({"to_school_id": w.other_school}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{:?}", moved.body);
    assert_eq!(
        app.get(&path, &moving_pupil).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/v1/vocabularies", &moving_pupil).await.status,
        StatusCode::UNAUTHORIZED,
        "ended everywhere, not only for the pupil"
    );

    // Expiry follows the clock.
    app.clock.advance(chrono::Duration::seconds(3601));
    for key in [&w.pupil, &w.guardian] {
        let reply = app.get(&student, key).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(reply.header("www-authenticate").is_some());
    }
    // A token never outlives the key that makes it.
    let expiring = app
        .post(
            &format!("/v1/tenants/{t}/api-keys"),
            &w.city,
            json!({"name": "short", "role": "school", "school_id": w.school,
                   "expires_at": (app.now() + chrono::Duration::minutes(10)).to_rfc3339()}),
        )
        .await;
    let short = Key(expiring.body["key"].as_str().unwrap().to_owned());
    let made = app
        .post(
            &tokens_path(&w, &w.student),
            &short,
            json!({"role": "pupil", "expires_in": 43_200}),
        )
        .await;
    let expires: chrono::DateTime<chrono::Utc> =
        made.body["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(
        expires <= app.now() + chrono::Duration::minutes(10),
        "{expires}"
    );
}

async fn entry(app: &TestApp, w: &World, key: &Key, extra: Value) -> Reply {
    let mut body = json!({"competence": "motives", "kind": "reflection",
                          "title": "Wat ik leuk vond", "body": "De haven."});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    app.post(
        &format!(
            "/v1/tenants/{}/students/{}/portfolio/entries",
            w.tenant, w.student
        ),
        key,
        body,
    )
    .await
}

#[tokio::test]
async fn a_token_writes_as_who_it_is_never_as_whom_the_body_names() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let t = &w.tenant;
    // Entries: the author is the token's.
    let mine = entry(&app, &w, &w.pupil, json!({})).await;
    assert_eq!(mine.status, StatusCode::CREATED, "{:?}", mine.body);
    assert_eq!(mine.body["author_role"], "student");
    let same = entry(&app, &w, &w.pupil, json!({"author_role": "student"})).await;
    assert_eq!(same.status, StatusCode::CREATED);
    let before = w.versions(&app).await;
    let forged = entry(&app, &w, &w.pupil, json!({"author_role": "mentor"})).await;
    assert_eq!(
        forged.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        forged.body
    );
    assert_eq!(forged.pointers(), ["/author_role"]);
    assert_eq!(w.versions(&app).await, before, "nothing written");
    let parents = entry(&app, &w, &w.guardian, json!({})).await;
    assert_eq!(parents.body["author_role"], "guardian");
    // The school names the author, as before.
    let unnamed = entry(&app, &w, &w.school_key, json!({})).await;
    assert_eq!(
        unnamed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        unnamed.body
    );
    assert_eq!(unnamed.pointers(), ["/author_role"]);

    // Each edits only what it wrote.
    let entries = format!("/v1/tenants/{t}/students/{}/portfolio/entries", w.student);
    let edit = |id: String| format!("{entries}/{id}");
    let changed = app
        .patch(
            &edit(mine.id()),
            &w.pupil,
            json!({"title": "Wat ik echt leuk vond"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{:?}", changed.body);
    for (key, id) in [
        (&w.pupil, parents.id()),
        (&w.guardian, mine.id()),
        (&w.pupil, w.entry.clone()),
    ] {
        let refused = app
            .patch(&edit(id.clone()), key, json!({"title": "x"}))
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
        let kept = app.delete(&edit(id), key).await;
        assert_eq!(kept.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        app.delete(&edit(mine.id()), &w.pupil).await.status,
        StatusCode::NO_CONTENT
    );

    // Consents: a pupil of 14 does not decide alone in Rotterdam (16); a guardian does.
    let consents = format!("/v1/tenants/{t}/students/{}/consents", w.student);
    let alone = app
        .post(
            &consents,
            &w.pupil,
            json!({"purpose": "media", "status": "granted"}),
        )
        .await;
    assert_eq!(
        alone.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        alone.body
    );
    assert_eq!(alone.code(), "consent_not_allowed");
    let decided = app
        .post(
            &consents,
            &w.guardian,
            json!({"purpose": "media", "status": "granted"}),
        )
        .await;
    assert_eq!(decided.status, StatusCode::CREATED, "{:?}", decided.body);
    assert_eq!(decided.body["given_by"], "guardian");
    assert_eq!(decided.body["recorded_by_role"], "guardian");
    let posing = app
        .post(
            &consents,
            &w.guardian,
            json!({"purpose": "media", "status": "refused", "given_by": "student"}),
        )
        .await;
    assert_eq!(
        posing.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        posing.body
    );
    assert_eq!(posing.pointers(), ["/given_by"]);

    // A pupil of 17 decides alone and exports alone.
    let older = app
        .student(t, &w.school_key, "LL-0017", "Noor", app.born(17))
        .await;
    let (_, noor) = token(&app, &w, &w.school_key, &older, "pupil").await;
    let own = app
        .post(
            &format!("/v1/tenants/{t}/students/{older}/consents"),
            &noor,
            json!({"purpose": "share_with_business", "status": "granted"}),
        )
        .await;
    assert_eq!(own.status, StatusCode::CREATED, "{:?}", own.body);
    assert_eq!(own.body["given_by"], "student");
    let export = app
        .get(&format!("/v1/tenants/{t}/students/{older}/export"), &noor)
        .await;
    assert_eq!(export.status, StatusCode::OK);
}

#[tokio::test]
async fn each_party_agrees_to_the_plan_itself_and_a_new_version_starts_unagreed() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let plan = format!("/v1/tenants/{}/students/{}/route-plan", w.tenant, w.student);
    let agreements = format!("{plan}/agreements");
    // The school no longer states agreements; the pupil writes a version; a guardian
    // may not.
    let stated = app
        .put(
            &plan,
            &w.school_key,
            json!({"route_map_id": w.route_map, "steps": ["vmbo", "mbo"],
                   "agreed_by": [{"party": "guardian", "on": app.day(0)}]}),
        )
        .await;
    assert_eq!(
        stated.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        stated.body
    );
    assert_eq!(stated.pointers(), ["/agreed_by"]);
    let written = app
        .put(
            &plan,
            &w.pupil,
            json!({"route_map_id": w.route_map, "steps": ["vmbo", "mbo"]}),
        )
        .await;
    assert_eq!(written.status, StatusCode::OK, "{:?}", written.body);
    assert_eq!(written.body["agreed_by"], json!([]));
    let by_guardian = app
        .put(
            &plan,
            &w.guardian,
            json!({"route_map_id": w.route_map, "steps": ["vmbo"]}),
        )
        .await;
    assert_eq!(
        by_guardian.status,
        StatusCode::FORBIDDEN,
        "{:?}",
        by_guardian.body
    );

    // Each agrees as who it is, with its token or key as evidence; again is the first.
    let stale = app
        .send(
            Method::POST,
            &agreements,
            Some(&w.pupil),
            None,
            &[("if-match", "\"7\"")],
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{:?}",
        stale.body
    );
    let pupil = app
        .send(
            Method::POST,
            &agreements,
            Some(&w.pupil),
            None,
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(pupil.status, StatusCode::CREATED, "{:?}", pupil.body);
    assert_eq!(pupil.body["party"], "student");
    assert_eq!(pupil.body["evidence"], "token");
    assert_eq!(pupil.body["version"], 1);
    let again = app
        .send(Method::POST, &agreements, Some(&w.pupil), None, &[])
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["agreed_at"], pupil.body["agreed_at"]);
    let guardian = app
        .send(Method::POST, &agreements, Some(&w.guardian), None, &[])
        .await;
    assert_eq!(guardian.body["party"], "guardian");
    let mentor = app
        .send(Method::POST, &agreements, Some(&w.school_key), None, &[])
        .await;
    assert_eq!(mentor.body["party"], "mentor");
    assert_eq!(mentor.body["evidence"], "key");
    let tokens = app.get(&tokens_path(&w, &w.student), &w.school_key).await;
    let token_ids: Vec<&Value> = tokens.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["id"])
        .collect();
    assert!(
        token_ids.contains(&&pupil.body["evidence_id"]),
        "{:?}",
        pupil.body
    );

    let read = app.get(&plan, &w.guardian).await;
    let parties: Vec<&str> = read.body["agreed_by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["party"].as_str().unwrap())
        .collect();
    assert_eq!(parties, ["student", "guardian", "mentor"]);
    assert_eq!(read.body["agreements"].as_array().unwrap().len(), 3);

    // Someone else's token agrees to nothing of this pupil; the business and city
    // may not.
    let b = app
        .student(&w.tenant, &w.school_key, "LL-0002", "Bram", app.born(14))
        .await;
    let (_, pupil_b) = token(&app, &w, &w.school_key, &b, "pupil").await;
    let foreign = app
        .send(Method::POST, &agreements, Some(&pupil_b), None, &[])
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    for key in [&w.city, &w.business_key, &w.integrator] {
        let refused = app
            .send(Method::POST, &agreements, Some(key), None, &[])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }

    // A new version starts with no agreements; the old one keeps its own.
    let next = app
        .put(
            &plan,
            &w.pupil,
            json!({"route_map_id": w.route_map, "steps": ["vmbo", "mbo", "ict"]}),
        )
        .await;
    assert_eq!(next.body["version"], 2);
    assert_eq!(next.body["agreements"], json!([]));
    let versions = app.get(&format!("{plan}/versions"), &w.pupil).await;
    assert_eq!(
        versions.body["data"][1]["agreed_by"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[tokio::test]
async fn erasing_a_pupil_ends_and_removes_their_tokens() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let t = &w.tenant;
    let gone = app
        .student(t, &w.school_key, "LL-0099", "Eva", app.born(12))
        .await;
    let (_, eva) = token(&app, &w, &w.school_key, &gone, "pupil").await;
    let path = format!("/v1/tenants/{t}/students/{gone}");
    assert_eq!(app.get(&path, &eva).await.status, StatusCode::OK);
    let erased = app.delete(&path, &w.school_key).await;
    assert_eq!(erased.status, StatusCode::NO_CONTENT, "{:?}", erased.body);
    assert_eq!(
        app.get("/v1/vocabularies", &eva).await.status,
        StatusCode::UNAUTHORIZED
    );
    // (That no row of the token is left is shown with the erasure test's search of
    // every column, in students.rs.)
    let listed = app.get(&tokens_path(&w, &gone), &w.school_key).await;
    assert_eq!(listed.status, StatusCode::NOT_FOUND);
}

/// Sends `method` to `url` with `key` and a broken body for writes: a refusal must come
/// before the body is read.
async fn try_route(app: &TestApp, method: &Method, url: &str, key: &Key) -> (StatusCode, Value) {
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
    (status, reply.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_route_answers_each_kind_of_token_exactly_and_refusals_change_nothing() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let t = w.tenant.clone();
    let doc = app
        .send(Method::GET, "/openapi.json", None, None, &[])
        .await
        .body;
    let operations = crate::permissions::keyed_operations(&doc);
    // Tokens that reach another pupil than the world's: of the same school, of another
    // school, of another tenant.
    let b = app
        .student(&t, &w.school_key, "LL-0002", "Bram", app.born(14))
        .await;
    let (_, pupil_b) = token(&app, &w, &w.school_key, &b, "pupil").await;
    let (_, guardian_b) = token(&app, &w, &w.school_key, &b, "guardian").await;
    let other = w.other_school_key(&app).await;
    let c = app.student(&t, &other, "EA-1", "Cas", app.born(15)).await;
    let (_, pupil_c) = token(&app, &w, &other, &c, "pupil").await;
    let elsewhere = World::build(&app, "leuven", "BE").await;
    // Tokens that have ended: revoked, made by a key since revoked, of a pupil who
    // moved, expired.
    let (revoked_id, revoked) = token(&app, &w, &w.school_key, &w.student, "guardian").await;
    app.delete(
        &format!("{}/{revoked_id}", tokens_path(&w, &w.student)),
        &w.school_key,
    )
    .await;
    let (key_id, key) = revocable_school_key(&app, &w).await;
    let (_, orphaned) = token(&app, &w, &key, &w.student, "pupil").await;
    app.delete(&format!("/v1/tenants/{t}/api-keys/{key_id}"), &w.city)
        .await;
    let d = app
        .student(&t, &w.school_key, "LL-0003", "Dewi", app.born(14))
        .await;
    let (_, moved) = token(&app, &w, &w.school_key, &d, "pupil").await;
    app.post(
        &format!("/v1/tenants/{t}/students/{d}/transfer"),
        &w.school_key,
        json!({"to_school_id": w.other_school}),
    )
    .await;
    let before = w.versions(&app).await;
    let mut tried = 0;
    for (method, template, id, roles) in &operations {
        let url = crate::permissions::path(template, &w);
        let of_a_pupil = template.contains("{student_id}");
        for (role, key) in [
            ("pupil", &pupil_b),
            ("guardian", &guardian_b),
            ("pupil", &pupil_c),
        ] {
            let (status, body) = try_route(&app, method, &url, key).await;
            let listed = roles.iter().any(|r| r == role);
            if !listed {
                assert_eq!(
                    (status, body["code"].as_str().unwrap_or_default()),
                    (StatusCode::FORBIDDEN, "forbidden"),
                    "{id}: {body}"
                );
            } else if of_a_pupil {
                // Another pupil does not exist for the token; a write's broken body
                // may be judged first (it tells nothing of the pupil).
                let body_first = matches!(*method, Method::POST | Method::PUT | Method::PATCH)
                    && status.is_client_error()
                    && body["code"] != "forbidden";
                assert!(
                    status == StatusCode::NOT_FOUND || body_first,
                    "{id} for another pupil: {status} {body}"
                );
            } else {
                // The catalogue: a token of any pupil reads it.
                assert!(
                    status != StatusCode::FORBIDDEN && status != StatusCode::UNAUTHORIZED,
                    "{id}: {status} {body}"
                );
            }
            tried += 1;
        }
        if template.starts_with("/v1/tenants/{tenant}") {
            let (status, body) = try_route(&app, method, &url, &elsewhere.pupil).await;
            assert_eq!(
                (status, body["code"].as_str().unwrap_or_default()),
                (StatusCode::FORBIDDEN, "tenant_forbidden"),
                "{id} with another tenant's token: {body}"
            );
        }
        for key in [&revoked, &orphaned, &moved] {
            let (status, _) = try_route(&app, method, &url, key).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{id} with an ended token");
        }
    }
    assert!(tried > 300, "{tried} tried");
    // Expired: every route, once the clock has passed the hour.
    app.clock.advance(chrono::Duration::seconds(3601));
    for (method, template, id, _) in &operations {
        let url = crate::permissions::path(template, &w);
        let (status, _) = try_route(&app, method, &url, &w.pupil).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{id} with an expired token"
        );
    }
    assert_eq!(
        w.versions(&app).await,
        before,
        "no refusal changed anything"
    );
}
