//! The visit cycle (DESIGN.md §4 "bookings, the visit cycle", "talent notes"): the
//! class prepares and debriefs, and the host's coach writes what it saw in a pupil —
//! into the pupil's portfolio only with consent, and as a recruitment interest to the
//! school only for a pupil of 16 or older who consents to it.

use std::time::Duration;

use driehoek_tests::receiver::Receiver;
use driehoek_tests::{Reply, TestApp, World};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The day of the visit, after today.
const DAY: i64 = 10;

/// A completed visit of the world's business, booked by the world's school for four
/// named pupils, all present.
struct Visit {
    booking: String,
    /// Sara (the world's pupil, 14), sharing with the host.
    sara: String,
    /// 17, sharing with the host and consenting to recruitment contact.
    daan: String,
    /// 17, sharing with the host, no recruitment consent.
    mila: String,
    /// 15, not sharing with the host.
    noor: String,
}

async fn consent(app: &TestApp, w: &World, student: &str, purpose: &str, status: &str) {
    let reply = app
        .consent(&w.tenant, &w.school_key, student, purpose, status)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
}

async fn pupil(app: &TestApp, w: &World, reference: &str, name: &str, age: i32) -> String {
    let id = app
        .student(&w.tenant, &w.school_key, reference, name, app.born(age))
        .await;
    consent(app, w, &id, "participation", "granted").await;
    id
}

/// The visit booked, prepared and then held: the clock moves past it and the school
/// records everyone present.
async fn visit(app: &TestApp, w: &World) -> Visit {
    let t = &w.tenant;
    consent(app, w, &w.student, "share_with_business", "granted").await;
    let daan = pupil(app, w, "LL-0002", "Daan", 17).await;
    let mila = pupil(app, w, "LL-0003", "Mila", 17).await;
    let noor = pupil(app, w, "LL-0004", "Noor", 15).await;
    for id in [&daan, &mila] {
        consent(app, w, id, "share_with_business", "granted").await;
    }
    consent(app, w, &daan, "recruitment_contact", "granted").await;
    let (_, slots) = w
        .offering(
            app,
            "Een dag met de loods",
            json!({"min_age": 12, "max_age": 18,
                   "preparation": {"text": "Zoek op wat een loods doet", "url": "https://www.loodswezen.nl/leren"}}),
            &[(DAY, 6)],
        )
        .await;
    let pupils = [&w.student, &daan, &mila, &noor];
    let booking = app
        .post(
            &format!("/v1/tenants/{t}/bookings"),
            &w.school_key,
            json!({"slot_id": slots[0], "group_name": "4H", "seats": 4, "contact": {"name": "Mevr. Jansen"},
                   "student_ids": pupils}),
        )
        .await;
    assert_eq!(booking.status, StatusCode::CREATED, "{:?}", booking.body);
    let booking = booking.id();
    let prepared = app
        .post(
            &format!("/v1/tenants/{t}/bookings/{booking}/prepared"),
            &w.school_key,
            json!({}),
        )
        .await;
    assert_eq!(prepared.status, StatusCode::OK, "{:?}", prepared.body);
    app.advance_days(DAY + 1);
    let attendance = app
        .put(
            &format!("/v1/tenants/{t}/bookings/{booking}/attendance"),
            &w.school_key,
            json!({"present": 4, "students": pupils.iter().map(|id| json!({"student_id": id, "present": true})).collect::<Vec<_>>()}),
        )
        .await;
    assert_eq!(attendance.status, StatusCode::OK, "{:?}", attendance.body);
    Visit {
        booking,
        sara: w.student.clone(),
        daan,
        mila,
        noor,
    }
}

/// The booking as the host sees it: `display name (or "?") → reference`.
async fn references(app: &TestApp, w: &World, booking: &str) -> Vec<(String, String)> {
    let seen = app
        .get(
            &format!("/v1/tenants/{}/bookings/{booking}", w.tenant),
            &w.business_key,
        )
        .await;
    assert_eq!(seen.status, StatusCode::OK, "{:?}", seen.body);
    assert!(seen.body.get("students").is_none(), "never the pupils' ids");
    seen.body["host_pupils"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["display_name"].as_str().unwrap_or("?").to_owned(),
                p["reference"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn reference(refs: &[(String, String)], name: &str) -> String {
    refs.iter()
        .find(|(n, _)| n == name)
        .map(|(_, r)| r.clone())
        .unwrap_or_else(|| panic!("{name} in {refs:?}"))
}

fn note(pupil: &str, contact_interest: bool) -> Value {
    json!({"pupil": pupil, "competences": ["qualities", "networking"], "talents": "Nauwkeurig en nieuwsgierig",
           "note": "Stelde de loods goede vragen en hield de kaart zelf bij.", "contact_interest": contact_interest})
}

/// The talent entries (`kind: talent`, `author_role: coach`) in a pupil's portfolio.
async fn coach_entries(app: &TestApp, w: &World, student: &str) -> Vec<Value> {
    let entries = app
        .get(
            &format!(
                "/v1/tenants/{}/students/{student}/portfolio/entries",
                w.tenant
            ),
            &w.school_key,
        )
        .await;
    assert_eq!(entries.status, StatusCode::OK, "{:?}", entries.body);
    entries.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["author_role"] == "coach")
        .cloned()
        .collect()
}

fn ids(list: &Reply) -> Vec<String> {
    assert_eq!(list.status, StatusCode::OK, "{:?}", list.body);
    list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["student_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_school_marks_preparation_and_debrief_and_the_host_is_told() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let t = &w.tenant;
    let receiver = Receiver::start(200).await;
    let hook = app
        .post(
            &format!("/v1/tenants/{t}/webhooks"),
            &w.business_key,
            json!({"url": receiver.url, "events": ["booking.prepared", "booking.debriefed"]}),
        )
        .await;
    assert_eq!(hook.status, StatusCode::CREATED, "{:?}", hook.body);
    let types = app.get("/v1/webhook-event-types", &w.city).await;
    let names: Vec<&str> = types.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert!(names.contains(&"booking.prepared") && names.contains(&"booking.debriefed"));

    // The offering says what the class prepares; bad preparation is refused.
    let bad = app
        .post(
            &format!("/v1/tenants/{t}/work-visits"),
            &w.business_key,
            json!({"business_id": w.business, "title": "X", "format": "company_visit", "min_age": 12, "max_age": 16,
                   "group_size_min": 1, "group_size_max": 10, "online": true,
                   "preparation": {"text": " ", "url": "ftp://x"}}),
        )
        .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        bad.body
    );
    assert_eq!(bad.pointers(), ["/preparation/text", "/preparation/url"]);

    let v = visit(&app, &w).await;
    // The world's tokens ran out while the clock moved on.
    let pupil = app.access_token(t, &w.school_key, &v.sara, "pupil").await;
    let guardian = app
        .access_token(t, &w.school_key, &v.sara, "guardian")
        .await;
    let booking = format!("/v1/tenants/{t}/bookings/{}", v.booking);
    let read = app.get(&booking, &w.school_key).await;
    let prepared_at = read.body["prepared_at"].clone();
    assert!(prepared_at.is_string(), "{:?}", read.body);
    assert!(read.body["debriefed_at"].is_null());
    let visit_id = read.body["work_visit_id"].as_str().unwrap().to_owned();
    let offering = app
        .get(
            &format!("/v1/tenants/{t}/work-visits/{visit_id}"),
            &w.school_key,
        )
        .await;
    assert_eq!(
        offering.body["preparation"],
        json!({"text": "Zoek op wat een loods doet", "url": "https://www.loodswezen.nl/leren"})
    );
    // The calendar tells the class what to prepare.
    let calendar = app
        .http
        .get(format!(
            "{}/v1/tenants/{t}/schools/{}/calendar.ics",
            app.base, w.school
        ))
        .bearer_auth(&w.school_key.0)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
        .replace("\r\n ", "");
    assert!(
        calendar.contains("Prepare: Zoek op wat een loods doet (https://www.loodswezen.nl/leren)"),
        "{calendar}"
    );

    // Marking again keeps the first time; the host, the integrator and the pupil may
    // not mark; another school does not see the booking.
    let again = app
        .post(&format!("{booking}/prepared"), &w.school_key, json!({}))
        .await;
    assert_eq!(again.status, StatusCode::OK, "{:?}", again.body);
    assert_eq!(again.body["prepared_at"], prepared_at);
    for key in [&w.business_key, &w.integrator, &pupil, &guardian] {
        for step in ["prepared", "debriefed"] {
            let refused = app.post(&format!("{booking}/{step}"), key, json!({})).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{:?}", refused.body);
        }
    }
    let other = w.other_school_key(&app).await;
    let hidden = app
        .post(&format!("{booking}/debriefed"), &other, json!({}))
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{:?}", hidden.body);

    // The debrief follows the visit: not on a booking still to come.
    let future = app
        .post(
            &format!("/v1/tenants/{t}/bookings/{}/debriefed", w.booking),
            &w.school_key,
            json!({}),
        )
        .await;
    assert_eq!(future.status, StatusCode::CONFLICT, "{:?}", future.body);
    assert_eq!(future.code(), "state_conflict");
    let stale = app
        .send(
            reqwest::Method::POST,
            &format!("{booking}/debriefed"),
            Some(&w.city),
            Some(json!({})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{:?}",
        stale.body
    );
    let debriefed = app
        .post(&format!("{booking}/debriefed"), &w.city, json!({}))
        .await;
    assert_eq!(debriefed.status, StatusCode::OK, "{:?}", debriefed.body);
    assert!(debriefed.body["debriefed_at"].is_string());

    // The host's endpoint got both steps, once each.
    let got = receiver
        .wait_for(Duration::from_secs(10), |r| r.len() >= 2)
        .await;
    let kinds: Vec<String> = got
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["booking.prepared", "booking.debriefed"]);
}

#[tokio::test]
async fn a_host_notes_talents_with_consent_and_interest_reaches_only_a_consenting_sixteen_year_old()
{
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let t = &w.tenant;
    let v = visit(&app, &w).await;
    // The world's tokens ran out while the clock moved on.
    let pupil = app.access_token(t, &w.school_key, &v.sara, "pupil").await;
    let guardian = app
        .access_token(t, &w.school_key, &v.sara, "guardian")
        .await;
    let notes = format!("/v1/tenants/{t}/bookings/{}/talent-notes", v.booking);
    let refs = references(&app, &w, &v.booking).await;
    assert_eq!(refs.len(), 4);
    assert!(
        refs.iter().any(|(n, _)| n == "?"),
        "Noor's name is not shared"
    );
    for (_, r) in &refs {
        assert!(
            ![&v.sara, &v.daan, &v.mila, &v.noor].contains(&r),
            "an opaque reference"
        );
    }

    // Without share_with_business: refused, nothing written.
    let before = coach_entries(&app, &w, &v.noor).await;
    let refused = app
        .post(&notes, &w.business_key, note(&reference(&refs, "?"), false))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        refused.body
    );
    assert_eq!(refused.code(), "consent_missing");
    assert_eq!(coach_entries(&app, &w, &v.noor).await, before);

    // Bad input: a reference of no pupil, an empty talent, too many competences.
    for (body, pointer) in [
        (note("p-000000000000", false), "/pupil"),
        (
            json!({"pupil": reference(&refs, "Sara"), "talents": " ", "note": "Goed."}),
            "/talents",
        ),
        (
            json!({"pupil": reference(&refs, "Sara"), "talents": "Goed", "note": "Goed.",
                "competences": ["qualities", "motives", "networking", "career_steering", "work_exploration", "qualities"]}),
            "/competences",
        ),
    ] {
        let reply = app.post(&notes, &w.business_key, body).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{:?}",
            reply.body
        );
        assert_eq!(reply.pointers(), [pointer], "{:?}", reply.body);
    }
    assert!(coach_entries(&app, &w, &v.sara).await.is_empty());

    // Who may not write: every other role, and another business (for which the
    // booking does not exist).
    for key in [&w.school_key, &w.city, &w.integrator, &pupil, &guardian] {
        let reply = app
            .post(&notes, key, note(&reference(&refs, "Sara"), false))
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{:?}", reply.body);
    }
    let other = w.other_business_key(&app).await;
    let reply = app
        .post(&notes, &other, note(&reference(&refs, "Sara"), false))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{:?}", reply.body);
    assert!(app.get(&notes, &other).await.status == StatusCode::NOT_FOUND);
    // Before the visit is completed: the world's booking is still to come.
    let early = app
        .post(
            &format!("/v1/tenants/{t}/bookings/{}/talent-notes", w.booking),
            &w.business_key,
            note("p-000000000000", false),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{:?}", early.body);

    // Sara (14) consents to sharing: the note is in her portfolio; her interest is
    // not passed on. Daan (17, consenting) gets it; Mila (17, no consent) does not.
    let mut written = Vec::new();
    for (name, passed) in [("Sara", false), ("Daan", true), ("Mila", false)] {
        let reply = app
            .post(&notes, &w.business_key, note(&reference(&refs, name), true))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        assert_eq!(reply.body["interest_passed_on"], passed, "{name}");
        assert_eq!(reply.body["pupil"], reference(&refs, name));
        assert!(reply.body.get("student_id").is_none());
        assert_eq!(reply.header("cache-control"), Some("no-store"));
        written.push(reply.id());
    }
    let entries = coach_entries(&app, &w, &v.sara).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["kind"], "talent");
    assert_eq!(entries[0]["booking_id"], v.booking.as_str());
    assert_eq!(entries[0]["title"], "Nauwkeurig en nieuwsgierig");
    // The pupil sees it through her own token.
    let own = app
        .get(
            &format!("/v1/tenants/{t}/students/{}/portfolio/entries", v.sara),
            &pupil,
        )
        .await;
    assert!(
        own.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["author_role"] == "coach"),
        "{:?}",
        own.body
    );

    // The interests: Daan's only, for his school, himself and his guardian.
    let school_interests = format!("/v1/tenants/{t}/schools/{}/interests", w.school);
    let listed = app.get(&school_interests, &w.school_key).await;
    assert_eq!(ids(&listed), [v.daan.as_str()]);
    assert_eq!(listed.body["data"][0]["business"]["name"], "Havenbedrijf");
    assert_eq!(listed.header("cache-control"), Some("no-store"));
    let daan_interests = format!("/v1/tenants/{t}/students/{}/interests", v.daan);
    assert_eq!(
        ids(&app.get(&daan_interests, &w.school_key).await),
        [v.daan.as_str()]
    );
    let daan_token = app.access_token(t, &w.school_key, &v.daan, "pupil").await;
    let daan_guardian = app
        .access_token(t, &w.school_key, &v.daan, "guardian")
        .await;
    for key in [&daan_token, &daan_guardian] {
        assert_eq!(ids(&app.get(&daan_interests, key).await), [v.daan.as_str()]);
    }
    for student in [&v.sara, &v.mila] {
        let path = format!("/v1/tenants/{t}/students/{student}/interests");
        assert!(
            ids(&app.get(&path, &w.school_key).await).is_empty(),
            "{student}"
        );
    }
    // Never to another pupil's token, another school, the city, the host or an
    // integrator.
    let sara_on_daan = app.get(&daan_interests, &pupil).await;
    assert_eq!(
        sara_on_daan.status,
        StatusCode::NOT_FOUND,
        "{:?}",
        sara_on_daan.body
    );
    let other_school = w.other_school_key(&app).await;
    for (path, key, status) in [
        (&school_interests, &other_school, StatusCode::FORBIDDEN),
        (&daan_interests, &other_school, StatusCode::NOT_FOUND),
        (&school_interests, &w.city, StatusCode::FORBIDDEN),
        (&daan_interests, &w.city, StatusCode::FORBIDDEN),
        (&school_interests, &w.business_key, StatusCode::FORBIDDEN),
        (&daan_interests, &w.integrator, StatusCode::FORBIDDEN),
    ] {
        let reply = app.get(path, key).await;
        assert_eq!(reply.status, status, "{path}: {:?}", reply.body);
    }

    // The host lists and reads its own notes, by reference only.
    let mine = app.get(&notes, &w.business_key).await;
    assert_eq!(mine.status, StatusCode::OK, "{:?}", mine.body);
    assert_eq!(mine.body["data"].as_array().unwrap().len(), 3);
    let one = app
        .get(&format!("{notes}/{}", written[1]), &w.business_key)
        .await;
    assert_eq!(one.body["pupil"], reference(&refs, "Daan"));

    // The export holds the note; withdrawing the consent hides the interest.
    let export = app
        .get(
            &format!("/v1/tenants/{t}/students/{}/export", v.daan),
            &w.school_key,
        )
        .await;
    assert_eq!(export.body["talent_notes"].as_array().unwrap().len(), 1);
    assert_eq!(export.body["talent_notes"][0]["interest_passed_on"], true);
    consent(&app, &w, &v.daan, "recruitment_contact", "withdrawn").await;
    assert!(ids(&app.get(&school_interests, &w.school_key).await).is_empty());
    assert!(ids(&app.get(&daan_interests, &daan_token).await).is_empty());

    // The host withdraws Sara's note: gone from her portfolio.
    let withdrawn = app
        .delete(&format!("{notes}/{}", written[0]), &w.business_key)
        .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::NO_CONTENT,
        "{:?}",
        withdrawn.body
    );
    assert!(coach_entries(&app, &w, &v.sara).await.is_empty());
    let again = app
        .delete(&format!("{notes}/{}", written[0]), &w.business_key)
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    // Erasing Mila removes her note too.
    let erased = app
        .delete(
            &format!("/v1/tenants/{t}/students/{}", v.mila),
            &w.school_key,
        )
        .await;
    assert_eq!(erased.status, StatusCode::NO_CONTENT, "{:?}", erased.body);
    let left = app.get(&notes, &w.business_key).await;
    let left: Vec<&str> = left.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert_eq!(left, [written[1].as_str()]);

    // Nothing of it reaches another tenant.
    let other_city = World::build(&app, "leuven", "BE").await;
    let foreign = app
        .post(
            &notes.replace(t, &other_city.tenant),
            &other_city.business_key,
            note("p-000000000000", false),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{:?}", foreign.body);
}
