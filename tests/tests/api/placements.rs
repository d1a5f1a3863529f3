//! Class placements (DESIGN.md §4 "placements"): a whole class spread over the slots of
//! one day by the pupils' ranked choices, proposed, confirmed as bookings naming the
//! pupils all or nothing, or discarded; for the pupils' own school only.

use driehoek_tests::{Key, TestApp, World};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The day the placements' slots are on.
const DAY: i64 = 10;

/// The world's pupil and six more of its school, all consenting to participation but
/// `no_consent`.
struct Class {
    /// Sara (the world's pupil) and three more who want the port most.
    port_fans: Vec<String>,
    /// Wants care most, then the port.
    carer: String,
    /// Wants only the port, and has no participation consent.
    no_consent: String,
    /// Wants only the vwo-only IT visit (the pupils are havo).
    it_fan: String,
}

/// The day's offerings: the port (groups of 2-3, `port_seats` seats), care (groups of
/// 2-4, 10 seats) and an IT visit for vwo only (groups of 3-5).
struct Day {
    port: (String, String),
    care: (String, String),
    it: (String, String),
}

async fn day(app: &TestApp, w: &World, port_seats: u32) -> Day {
    let only = |(visit, slots): (String, Vec<String>)| (visit, slots[0].clone());
    Day {
        port: only(
            w.offering(
                app,
                "Een ochtend op de terminal",
                json!({"sectors": ["H"], "group_size_min": 2, "group_size_max": 3}),
                &[(DAY, port_seats)],
            )
            .await,
        ),
        care: only(
            w.offering(
                app,
                "Een ochtend in de zorg",
                json!({"sectors": ["Q"], "group_size_min": 2, "group_size_max": 4}),
                &[(DAY, 10)],
            )
            .await,
        ),
        it: only(
            w.offering(
                app,
                "Software bouwen",
                json!({"sectors": ["J"], "group_size_min": 3, "group_size_max": 5,
                       "education_levels": ["nl_vwo"]}),
                &[(DAY, 10)],
            )
            .await,
        ),
    }
}

async fn class(app: &TestApp, w: &World) -> Class {
    let mut pupils = Vec::new();
    for (i, name) in ["Milan", "Noor", "Daan", "Yara", "Sem", "Lotte"]
        .into_iter()
        .enumerate()
    {
        let id = app
            .student(
                &w.tenant,
                &w.school_key,
                &format!("LL-01{i}"),
                name,
                app.born(14),
            )
            .await;
        if name != "Sem" {
            let consent = app
                .consent(&w.tenant, &w.school_key, &id, "participation", "granted")
                .await;
            assert_eq!(consent.status, StatusCode::CREATED, "{:?}", consent.body);
        }
        pupils.push(id);
    }
    Class {
        port_fans: vec![
            w.student.clone(),
            pupils[0].clone(),
            pupils[1].clone(),
            pupils[2].clone(),
        ],
        carer: pupils[3].clone(),
        no_consent: pupils[4].clone(),
        it_fan: pupils[5].clone(),
    }
}

fn request(d: &Day, c: &Class) -> Value {
    let mut pupils: Vec<Value> = c
        .port_fans
        .iter()
        .map(|p| json!({"student_id": p, "choices": [d.port.0, d.care.0]}))
        .collect();
    pupils.push(json!({"student_id": c.carer, "choices": [d.care.0, d.port.0]}));
    pupils.push(json!({"student_id": c.no_consent, "choices": [d.port.0]}));
    pupils.push(json!({"student_id": c.it_fan, "choices": [d.it.0]}));
    json!({"group_name": "3B bliksemstage", "contact": {"name": "Mevr. Jansen", "email": "jansen@davinci.nl"},
           "slot_ids": [d.port.1, d.care.1, d.it.1], "pupils": pupils})
}

fn placements(w: &World) -> String {
    format!("/v1/tenants/{}/placements", w.tenant)
}

/// The proposal's line for `pupil`.
fn line<'a>(placement: &'a Value, pupil: &str) -> &'a Value {
    placement["pupils"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["student_id"] == pupil)
        .unwrap_or_else(|| panic!("{pupil} in {placement:#}"))
}

async fn seats_left(app: &TestApp, w: &World, (visit, slot): &(String, String)) -> u64 {
    let reply = app
        .get(
            &format!("/v1/tenants/{}/work-visits/{visit}/slots/{slot}", w.tenant),
            &w.school_key,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body["seats_left"].as_u64().unwrap()
}

async fn propose(app: &TestApp, w: &World, body: Value) -> Value {
    let reply = app.post(&placements(w), &w.school_key, body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    reply.body
}

#[tokio::test]
async fn a_class_is_placed_by_its_choices_and_confirmed_as_bookings_naming_the_pupils() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let d = day(&app, &w, 3).await;
    let c = class(&app, &w).await;

    let reply = app
        .post(&placements(&w), &w.school_key, request(&d, &c))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
    let p = reply.body.clone();
    assert_eq!(
        reply.header("location"),
        Some(format!("{}/{}", placements(&w), p["id"].as_str().unwrap()).as_str())
    );
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(p["status"], "proposed");
    assert_eq!(p["optimal"], true);
    assert_eq!(p["school_id"], w.school);
    assert_eq!(p["slots"][0]["title"], "Een ochtend op de terminal");
    assert_eq!(p["slots"][0]["starts_at"], app.at(DAY, 9, 0));
    // The port seats three: three of its four fans get it, the fourth care (their
    // second choice), the carer care: five placed, four on a first choice.
    assert_eq!(
        p["totals"],
        json!({"placed": 5, "unplaced": 2, "by_rank": [4, 1]}),
        "{p:#}"
    );
    let on_port = c
        .port_fans
        .iter()
        .filter(|f| line(&p, f)["slot_id"] == d.port.1)
        .count();
    assert_eq!(on_port, 3);
    for fan in &c.port_fans {
        let l = line(&p, fan);
        if l["slot_id"] == d.port.1 {
            assert_eq!(
                (l["rank"].clone(), l["work_visit_id"].clone()),
                (json!(1), json!(d.port.0))
            );
        } else {
            assert_eq!(
                (l["slot_id"].clone(), l["rank"].clone()),
                (json!(d.care.1), json!(2))
            );
        }
        assert_eq!(l["unplaced_reason"], Value::Null);
    }
    assert_eq!(line(&p, &c.carer)["rank"], 1);
    assert_eq!(
        line(&p, &c.no_consent)["unplaced_reason"],
        "consent_missing"
    );
    assert_eq!(line(&p, &c.no_consent)["slot_id"], Value::Null);
    assert_eq!(
        line(&p, &c.it_fan)["unplaced_reason"],
        "outside_target_group"
    );
    let groups: Vec<(Value, Value)> = p["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["pupils"].clone(), s["booking_id"].clone()))
        .collect();
    assert_eq!(
        groups,
        [
            (json!(3), Value::Null),
            (json!(2), Value::Null),
            (json!(0), Value::Null)
        ]
    );
    // Nothing is booked by a proposal; each pupil's part is audited.
    assert_eq!(seats_left(&app, &w, &d.port).await, 3);
    let audit = app
        .get(
            &format!(
                "/v1/tenants/{}/audit-events?student_id={}&action=student.placement",
                w.tenant, w.student
            ),
            &w.city,
        )
        .await;
    assert_eq!(
        audit.body["data"].as_array().unwrap().len(),
        1,
        "{:?}",
        audit.body
    );

    // The same request, the same proposal.
    let again = propose(&app, &w, request(&d, &c)).await;
    assert_eq!(again["pupils"], p["pupils"]);

    let path = format!("{}/{}", placements(&w), p["id"].as_str().unwrap());
    let read = app.get(&path, &w.school_key).await;
    assert_eq!(read.status, StatusCode::OK, "{:?}", read.body);
    assert_eq!(read.body, p);

    let confirmed = app
        .post(&format!("{path}/confirm"), &w.school_key, json!({}))
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{:?}", confirmed.body);
    assert_eq!(confirmed.body["status"], "confirmed");
    assert_eq!(confirmed.body["version"], 2);
    assert_eq!(confirmed.body["pupils"], p["pupils"]);
    let slots = confirmed.body["slots"].as_array().unwrap();
    assert_eq!(slots[2]["booking_id"], Value::Null, "no group, no booking");
    for (slot, seats) in [(&slots[0], 3), (&slots[1], 2)] {
        let booking = app
            .get(
                &format!(
                    "/v1/tenants/{}/bookings/{}",
                    w.tenant,
                    slot["booking_id"].as_str().unwrap()
                ),
                &w.school_key,
            )
            .await;
        assert_eq!(booking.status, StatusCode::OK, "{:?}", booking.body);
        assert_eq!(booking.body["status"], "confirmed");
        assert_eq!(booking.body["seats"], seats);
        assert_eq!(booking.body["group_name"], "3B bliksemstage");
        assert_eq!(booking.body["contact"]["email"], "jansen@davinci.nl");
        let mut named: Vec<String> = booking.body["students"]
            .as_array()
            .unwrap_or_else(|| panic!("{:#}", booking.body))
            .iter()
            .map(|s| s["student_id"].as_str().unwrap().to_owned())
            .collect();
        let mut expected: Vec<String> = p["pupils"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["slot_id"] == slot["slot_id"])
            .map(|l| l["student_id"].as_str().unwrap().to_owned())
            .collect();
        named.sort();
        expected.sort();
        assert_eq!(named, expected);
    }
    assert_eq!(seats_left(&app, &w, &d.port).await, 0);
    assert_eq!(seats_left(&app, &w, &d.care).await, 8);

    // The pupil's export holds the pupil's lines of both proposals, and no one else's.
    let export = app
        .get(
            &format!("/v1/tenants/{}/students/{}/export", w.tenant, w.student),
            &w.school_key,
        )
        .await;
    assert_eq!(export.status, StatusCode::OK, "{:?}", export.body);
    let lines = export.body["placements"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "{:#}", export.body["placements"]);
    assert_eq!(lines[0]["placement_id"], p["id"]);
    assert_eq!(lines[0]["status"], "confirmed");
    assert_eq!(lines[0]["choices"], json!([d.port.0, d.care.0]));
    assert_eq!(lines[0]["rank"], line(&p, &w.student)["rank"]);
    assert_eq!(lines[1]["status"], "proposed");

    // Confirmed once; not again, and not discarded.
    let twice = app
        .post(&format!("{path}/confirm"), &w.school_key, json!({}))
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{:?}", twice.body);
    assert_eq!(twice.code(), "state_conflict");
    let discard = app.delete(&path, &w.school_key).await;
    assert_eq!(discard.status, StatusCode::CONFLICT, "{:?}", discard.body);
    // The second proposal still names the port slot, which is full now.
    let second = format!("{}/{}", placements(&w), again["id"].as_str().unwrap());
    let outdated = app
        .post(&format!("{second}/confirm"), &w.school_key, json!({}))
        .await;
    assert_eq!(outdated.status, StatusCode::CONFLICT, "{:?}", outdated.body);
    assert_eq!(outdated.code(), "placement_outdated");
    assert_eq!(outdated.body["errors"][0]["pointer"], "/slots/0");
    assert_eq!(seats_left(&app, &w, &d.care).await, 8, "nothing booked");
}

#[tokio::test]
async fn bad_input_is_refused_with_a_pointer_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let gent = World::build(&app, "gent", "BE").await;
    let d = day(&app, &w, 3).await;
    let c = class(&app, &w).await;
    let (draft, draft_slots) = w
        .offering(
            &app,
            "Nog concept",
            json!({"status": "draft"}),
            &[(DAY, 10)],
        )
        .await;
    let (one_seat, single) = w
        .offering(&app, "Eén plek", json!({"group_size_max": 1}), &[(DAY, 1)])
        .await;
    let other_pupil = app
        .student(
            &w.tenant,
            &w.other_school_key(&app).await,
            "E-1",
            "Finn",
            app.born(14),
        )
        .await;
    let before = w.versions(&app).await;
    let good = request(&d, &c);
    let with = |change: &dyn Fn(&mut Value)| {
        let mut body = good.clone();
        change(&mut body);
        body
    };
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "unknown slot",
            with(&|b| b["slot_ids"][0] = json!("01900000-0000-7000-8000-00000000dead")),
            "validation_failed",
            "/slot_ids/0",
        ),
        (
            "another tenant's slot",
            with(&|b| b["slot_ids"][0] = json!(gent.slot)),
            "validation_failed",
            "/slot_ids/0",
        ),
        (
            "a slot named twice",
            with(&|b| b["slot_ids"][1] = b["slot_ids"][0].clone()),
            "validation_failed",
            "/slot_ids/1",
        ),
        (
            "a slot of an unpublished offering",
            with(&|b| b["slot_ids"][2] = json!(draft_slots[0])),
            "validation_failed",
            "/slot_ids/2",
        ),
        (
            "a pupil named twice",
            with(&|b| b["pupils"][1]["student_id"] = b["pupils"][0]["student_id"].clone()),
            "validation_failed",
            "/pupils/1/student_id",
        ),
        (
            "a pupil of another school",
            with(&|b| b["pupils"][0]["student_id"] = json!(other_pupil)),
            "validation_failed",
            "/pupils/0/student_id",
        ),
        (
            "another tenant's pupil",
            with(&|b| b["pupils"][0]["student_id"] = json!(gent.student)),
            "validation_failed",
            "/pupils/0/student_id",
        ),
        (
            "a choice of an unpublished offering",
            with(&|b| b["pupils"][0]["choices"][1] = json!(draft)),
            "validation_failed",
            "/pupils/0/choices/1",
        ),
        (
            "an offering chosen twice",
            with(&|b| b["pupils"][0]["choices"][1] = b["pupils"][0]["choices"][0].clone()),
            "validation_failed",
            "/pupils/0/choices/1",
        ),
        (
            "no choices",
            with(&|b| b["pupils"][0]["choices"] = json!([])),
            "validation_failed",
            "/pupils/0/choices",
        ),
        (
            "no slots",
            with(&|b| b["slot_ids"] = json!([])),
            "validation_failed",
            "/slot_ids",
        ),
        (
            "more pupils than seats",
            with(&|b| {
                b["slot_ids"] = json!(single);
                b["pupils"] = json!([]);
                for p in [&c.port_fans[0], &c.port_fans[1]] {
                    b["pupils"]
                        .as_array_mut()
                        .unwrap()
                        .push(json!({"student_id": p, "choices": [one_seat]}));
                }
            }),
            "validation_failed",
            "/pupils",
        ),
        (
            "no group name",
            with(&|b| b["group_name"] = json!("")),
            "validation_failed",
            "/group_name",
        ),
        (
            "an unknown field",
            with(&|b| b["seats"] = json!(3)),
            "unknown_field",
            "",
        ),
    ];
    for (what, body, code, pointer) in cases {
        let reply = app.post(&placements(&w), &w.school_key, body).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {:?}",
            reply.body
        );
        assert_eq!(reply.code(), code, "{what}");
        if !pointer.is_empty() {
            let pointers: Vec<&Value> = reply.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| &e["pointer"])
                .collect();
            assert!(
                pointers.contains(&&json!(pointer)),
                "{what}: {:?}",
                reply.body
            );
        }
    }
    assert_eq!(w.versions(&app).await, before, "nothing was written");
    let audit = app
        .get(
            &format!(
                "/v1/tenants/{}/audit-events?action=student.placement",
                w.tenant
            ),
            &w.city,
        )
        .await;
    assert_eq!(audit.body["data"], json!([]), "nothing was read");
    // A city administrator names the school, but placements name pupils: refused.
    let mut for_school = good.clone();
    for_school["school_id"] = json!(w.school);
    let city = app.post(&placements(&w), &w.city, for_school).await;
    assert_eq!(city.status, StatusCode::FORBIDDEN, "{:?}", city.body);
}

#[tokio::test]
async fn only_the_pupils_own_school_reaches_a_placement() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let gent = World::build(&app, "gent", "BE").await;
    let d = day(&app, &w, 3).await;
    let c = class(&app, &w).await;
    for (who, key) in [
        ("city", &w.city),
        ("business", &w.business_key),
        ("integrator", &w.integrator),
        ("pupil", &w.pupil),
        ("guardian", &w.guardian),
    ] {
        let reply = app.post(&placements(&w), key, request(&d, &c)).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{who}: {:?}",
            reply.body
        );
        assert_eq!(reply.code(), "forbidden", "{who}");
    }
    let p = propose(&app, &w, request(&d, &c)).await;
    let path = format!("{}/{}", placements(&w), p["id"].as_str().unwrap());
    for (who, key) in [
        ("city", &w.city),
        ("business", &w.business_key),
        ("pupil", &w.pupil),
    ] {
        let reply = app.get(&path, key).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{who}: {:?}",
            reply.body
        );
        let reply = app.post(&format!("{path}/confirm"), key, json!({})).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{who}: {:?}",
            reply.body
        );
        let reply = app.delete(&path, key).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{who}: {:?}",
            reply.body
        );
    }
    // Another school of the city, and another city's school: the placement is not
    // there for them.
    let other: Key = w.other_school_key(&app).await;
    let in_gent = format!("{}/{}", placements(&gent), p["id"].as_str().unwrap());
    for (who, key, path) in [
        ("other school", &other, &path),
        ("other tenant", &gent.school_key, &in_gent),
    ] {
        let reply = app.get(path, key).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{who}: {:?}",
            reply.body
        );
        let reply = app.post(&format!("{path}/confirm"), key, json!({})).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{who}: {:?}",
            reply.body
        );
        let reply = app.delete(path, key).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{who}: {:?}",
            reply.body
        );
    }
    let cross = app.get(&path, &gent.school_key).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN, "{:?}", cross.body);
    assert_eq!(cross.code(), "tenant_forbidden");
    // The other school cannot place this school's pupils either.
    let reply = app.post(&placements(&w), &other, request(&d, &c)).await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{:?}",
        reply.body
    );
    assert_eq!(reply.body["errors"][0]["pointer"], "/pupils/0/student_id");
    // The school's list holds it; the other school's and the other city's are empty;
    // the city's key is refused.
    let listed = app.get(&placements(&w), &w.school_key).await;
    assert_eq!(listed.status, StatusCode::OK, "{:?}", listed.body);
    assert_eq!(listed.header("cache-control"), Some("no-store"));
    let items = listed.body["data"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{:#}", listed.body);
    assert_eq!(items[0]["id"], p["id"]);
    assert_eq!(items[0]["totals"], p["totals"]);
    assert_eq!(items[0]["starts_at"], app.at(DAY, 9, 0));
    assert_eq!(items[0].get("pupils"), None, "a summary names no pupils");
    for (who, key, list) in [
        ("other school", &other, placements(&w)),
        ("other tenant", &gent.school_key, placements(&gent)),
    ] {
        let reply = app.get(&list, key).await;
        assert_eq!(reply.body["data"], json!([]), "{who}: {:?}", reply.body);
    }
    let city = app.get(&placements(&w), &w.city).await;
    assert_eq!(city.status, StatusCode::FORBIDDEN, "{:?}", city.body);
    let named = app
        .get(
            &format!("{}?school_id={}", placements(&w), w.other_school),
            &w.school_key,
        )
        .await;
    assert_eq!(named.status, StatusCode::FORBIDDEN, "{:?}", named.body);
    // Still a proposal, untouched.
    assert_eq!(app.get(&path, &w.school_key).await.body, p);
    assert_eq!(seats_left(&app, &w, &d.port).await, 3);
}

#[tokio::test]
async fn an_erased_pupil_leaves_the_proposal_and_a_discarded_proposal_is_gone() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let d = day(&app, &w, 3).await;
    let c = class(&app, &w).await;
    let p = propose(&app, &w, request(&d, &c)).await;
    let path = format!("{}/{}", placements(&w), p["id"].as_str().unwrap());
    // A pupil's erasure takes the pupil's line out of the proposal.
    let erased = app
        .delete(
            &format!("/v1/tenants/{}/students/{}", w.tenant, c.carer),
            &w.school_key,
        )
        .await;
    assert_eq!(erased.status, StatusCode::NO_CONTENT, "{:?}", erased.body);
    let left = app.get(&path, &w.school_key).await.body;
    assert_eq!(left["pupils"].as_array().unwrap().len(), 6, "{left:#}");
    assert!(
        !left["pupils"].to_string().contains(&c.carer),
        "the erased pupil is gone"
    );
    let stale = app
        .send(
            reqwest::Method::DELETE,
            &path,
            Some(&w.school_key),
            None,
            &[("If-Match", "\"7\"")],
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::PRECONDITION_FAILED,
        "{:?}",
        stale.body
    );
    let gone = app.delete(&path, &w.school_key).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{:?}", gone.body);
    assert_eq!(
        app.get(&path, &w.school_key).await.status,
        StatusCode::NOT_FOUND
    );
    let confirm = app
        .post(&format!("{path}/confirm"), &w.school_key, json!({}))
        .await;
    assert_eq!(confirm.status, StatusCode::NOT_FOUND, "{:?}", confirm.body);
    assert_eq!(seats_left(&app, &w, &d.port).await, 3);
}

#[tokio::test]
async fn a_confirmation_racing_a_competing_booking_never_overbooks_and_is_all_or_nothing() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let d = day(&app, &w, 5).await;
    let c = class(&app, &w).await;
    let other = w.other_school_key(&app).await;
    let compete = |seats: u32| json!({"slot_id": d.port.1, "group_name": "2A", "seats": seats, "contact": {"name": "Dhr. Bakker"}});
    let bookings = format!("/v1/tenants/{}/bookings", w.tenant);

    // Another school takes three of the five port seats after the proposal: the port
    // can no longer take its group of three, so nothing is booked, care included.
    let p = propose(&app, &w, request(&d, &c)).await;
    let path = format!("{}/{}", placements(&w), p["id"].as_str().unwrap());
    let taken = app.post(&bookings, &other, compete(3)).await;
    assert_eq!(taken.status, StatusCode::CREATED, "{:?}", taken.body);
    let refused = app
        .post(&format!("{path}/confirm"), &w.school_key, json!({}))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{:?}", refused.body);
    assert_eq!(refused.code(), "placement_outdated");
    assert_eq!(refused.body["errors"].as_array().unwrap().len(), 1);
    assert_eq!(refused.body["errors"][0]["pointer"], "/slots/0");
    assert!(
        refused.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&d.port.1),
        "{:?}",
        refused.body
    );
    assert_eq!(
        seats_left(&app, &w, &d.care).await,
        10,
        "care was not booked"
    );
    assert_eq!(
        app.get(&path, &w.school_key).await.body["status"],
        "proposed"
    );

    // A new proposal fits the two port seats left; it and a competing booking of both
    // race: exactly one of them gets the seats.
    let p = propose(&app, &w, request(&d, &c)).await;
    assert_eq!(p["slots"][0]["pupils"], 2, "{p:#}");
    let path = format!("{}/{}", placements(&w), p["id"].as_str().unwrap());
    let confirm_path = format!("{path}/confirm");
    let (confirmed, competing) = tokio::join!(
        app.post(&confirm_path, &w.school_key, json!({})),
        app.post(&bookings, &other, compete(2)),
    );
    match (confirmed.status, competing.status) {
        (StatusCode::OK, StatusCode::CONFLICT) => {
            assert_eq!(competing.code(), "slot_full");
            assert_eq!(seats_left(&app, &w, &d.care).await, 10 - 3);
        }
        (StatusCode::CONFLICT, StatusCode::CREATED) => {
            assert_eq!(confirmed.code(), "placement_outdated");
            assert_eq!(seats_left(&app, &w, &d.care).await, 10, "all or nothing");
        }
        other => panic!("{other:?}: {:?} {:?}", confirmed.body, competing.body),
    }
    assert_eq!(seats_left(&app, &w, &d.port).await, 0);
}
