//! The change log behind the future change feed and webhooks (DESIGN.md §2): every
//! write records one change in its own transaction, numbered per tenant without gaps,
//! and a reader never sees a number appear below one it has already seen.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use driehoek_tests::{TestApp, World};
use reqwest::{Method, StatusCode};
use serde_json::json;

/// Pupils' data: in the log, never in the city's feed.
const PUPILS: &[&str] = &["student", "consent", "portfolio_entry", "access_token"];

#[tokio::test]
async fn every_write_records_one_change_with_its_version() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let db = app.database().await;
    let before = app.changes(&db, "rotterdam").await;
    let created = app
        .post(
            "/v1/tenants/rotterdam/schools",
            &w.city,
            json!({"name": "Nieuw", "kind": "primary"}),
        )
        .await;
    let id = created.id();
    let path = format!("/v1/tenants/rotterdam/schools/{id}");
    app.patch(&path, &w.city, json!({"name": "Nieuwer"})).await;
    // Refused writes record nothing.
    app.patch(&path, &w.integrator, json!({"name": "no"})).await;
    app.send(
        Method::PATCH,
        &path,
        Some(&w.city),
        Some(json!({"name": "stale"})),
        &[("if-match", "\"1\"")],
    )
    .await;
    app.post(
        "/v1/tenants/rotterdam/schools",
        &w.city,
        json!({"name": "", "kind": "primary"}),
    )
    .await;
    assert_eq!(
        app.delete(&path, &w.city).await.status,
        StatusCode::NO_CONTENT
    );

    let after = app.changes(&db, "rotterdam").await;
    let new: Vec<(String, String, String, i64)> = after[before.len()..]
        .iter()
        .map(|c| (c.resource.clone(), c.id.clone(), c.op.clone(), c.version))
        .collect();
    assert_eq!(
        new,
        [
            ("school".to_owned(), id.clone(), "created".to_owned(), 1),
            ("school".to_owned(), id.clone(), "updated".to_owned(), 2),
            ("school".to_owned(), id, "deleted".to_owned(), 3),
        ]
    );
    let seqs: Vec<i64> = after.iter().map(|c| c.seq).collect();
    assert_eq!(
        seqs,
        (1..=after.len() as i64).collect::<Vec<_>>(),
        "gap-free from 1"
    );
}

#[tokio::test]
async fn cascaded_deletes_are_recorded_too() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let db = app.database().await;
    let before = app.changes(&db, "rotterdam").await.len();
    assert_eq!(
        app.delete(
            &format!("/v1/tenants/rotterdam/programmes/{}", w.programme),
            &w.city
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let after = app.changes(&db, "rotterdam").await;
    let ops: Vec<(&str, &str, &str)> = after[before..]
        .iter()
        .map(|c| (c.resource.as_str(), c.id.as_str(), c.op.as_str()))
        .collect();
    assert_eq!(
        ops,
        [
            ("programme_member", w.member.as_str(), "deleted"),
            ("programme", w.programme.as_str(), "deleted")
        ]
    );
}

#[tokio::test]
async fn each_tenant_numbers_its_own_changes() {
    let app = TestApp::spawn().await;
    World::build(&app, "rotterdam", "NL").await;
    World::build(&app, "leuven", "BE").await;
    let db = app.database().await;
    for slug in ["rotterdam", "leuven"] {
        let seqs: Vec<i64> = app.changes(&db, slug).await.iter().map(|c| c.seq).collect();
        assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "{slug}");
    }
}

#[tokio::test]
async fn concurrent_writers_never_let_a_reader_see_a_gap() {
    let app = Arc::new(TestApp::spawn().await);
    let w = Arc::new(World::build(&app, "rotterdam", "NL").await);
    let db = app.database().await;
    let start = app.changes(&db, "rotterdam").await.len();
    let done = Arc::new(AtomicBool::new(false));

    // A reader that keeps looking while the writers write: every snapshot it takes
    // must be exactly 1..=N, so a number below one already seen can never appear.
    let reader = {
        let (app, done) = (app.clone(), done.clone());
        tokio::spawn(async move {
            let db = app.database().await;
            let mut snapshots = 0;
            while !done.load(Ordering::SeqCst) {
                let seqs: Vec<i64> = app
                    .changes(&db, "rotterdam")
                    .await
                    .iter()
                    .map(|c| c.seq)
                    .collect();
                assert_eq!(
                    seqs,
                    (1..=seqs.len() as i64).collect::<Vec<_>>(),
                    "a reader saw a gap"
                );
                snapshots += 1;
            }
            snapshots
        })
    };
    let writers: Vec<_> = (0..24)
        .map(|i| {
            let (app, w) = (app.clone(), w.clone());
            tokio::spawn(async move {
                let created = app
                    .post(
                        "/v1/tenants/rotterdam/schools",
                        &w.city,
                        json!({"name": format!("Parallel {i}"), "kind": "primary"}),
                    )
                    .await;
                assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
                let patched = app
                    .patch(
                        &format!("/v1/tenants/rotterdam/schools/{}", created.id()),
                        &w.city,
                        json!({"name": format!("Parallel {i}b")}),
                    )
                    .await;
                assert_eq!(patched.status, StatusCode::OK, "{:?}", patched.body);
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("writer");
    }
    done.store(true, Ordering::SeqCst);
    assert!(reader.await.expect("reader") > 0);
    let all = app.changes(&db, "rotterdam").await;
    assert_eq!(all.len(), start + 48, "one change per successful write");
    let seqs: Vec<i64> = all.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, (1..=all.len() as i64).collect::<Vec<_>>());
}

#[tokio::test]
async fn the_change_feed_pages_every_write_in_order_for_city_administrators() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let db = app.database().await;
    let log = app.changes(&db, "rotterdam").await;
    let feed = "/v1/tenants/rotterdam/changes";

    // Paged from the start with next_after, the feed is the log.
    let mut seen: Vec<(i64, String, String, String, i64)> = Vec::new();
    let mut after = 0;
    loop {
        let page = app
            .get(&format!("{feed}?after={after}&limit=7"), &w.city)
            .await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        let data = page.body["data"].as_array().unwrap().clone();
        for c in &data {
            seen.push((
                c["seq"].as_i64().unwrap(),
                c["resource"].as_str().unwrap().to_owned(),
                c["id"].as_str().unwrap().to_owned(),
                c["op"].as_str().unwrap().to_owned(),
                c["version"].as_i64().unwrap(),
            ));
        }
        let next = page.body["next_after"].as_i64().unwrap();
        let log_last = log.last().unwrap().seq;
        if data.len() < 7 {
            // Room to spare: everything up to the log's end was looked at, including
            // the pupils' changes the city does not see.
            assert_eq!(
                next, log_last,
                "a page with room moves to the end of the log"
            );
            let again = app.get(&format!("{feed}?after={next}"), &w.city).await;
            assert_eq!(again.body["data"], json!([]));
            assert_eq!(again.body["next_after"], next, "and stays there");
            break;
        }
        assert_eq!(next, seen.last().unwrap().0);
        after = next;
    }
    // Everything in the log except pupils' data, which is their school's.
    let expected: Vec<(i64, String, String, String, i64)> = log
        .iter()
        .filter(|c| !PUPILS.contains(&c.resource.as_str()))
        .map(|c| {
            (
                c.seq,
                c.resource.clone(),
                c.id.clone(),
                c.op.clone(),
                c.version,
            )
        })
        .collect();
    assert_eq!(seen, expected);

    let bookings = app.get(&format!("{feed}?resource=booking"), &w.city).await;
    let ids: Vec<&str> = bookings.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [w.booking.as_str()]);

    for query in [
        "after=-1",
        "limit=0",
        "limit=1001",
        "resource=pupil",
        "after=x",
    ] {
        let reply = app.get(&format!("{feed}?{query}"), &w.city).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(reply.code(), "invalid_query", "{query}");
    }
}

/// Every change a key's feed holds, as (resource, id), paging through it.
async fn feed_of(app: &TestApp, key: &driehoek_tests::Key) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page = app
            .get(
                &format!("/v1/tenants/rotterdam/changes?after={after}&limit=50"),
                key,
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        let data = page.body["data"].as_array().unwrap().clone();
        let mut last_seen = after;
        for c in &data {
            let seq = c["seq"].as_i64().unwrap();
            assert!(seq > last_seen, "in order");
            last_seen = seq;
            seen.push((
                c["resource"].as_str().unwrap().to_owned(),
                c["id"].as_str().unwrap().to_owned(),
            ));
        }
        let next = page.body["next_after"].as_i64().unwrap();
        if data.len() < 50 {
            // The end of the log, past whatever this key does not see.
            let again = app
                .get(&format!("/v1/tenants/rotterdam/changes?after={next}"), key)
                .await;
            assert_eq!(again.body["data"], json!([]));
            return seen;
        }
        assert_eq!(next, last_seen);
        after = next;
    }
}

#[tokio::test]
async fn each_role_reads_only_the_changes_it_may_read() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let t = "/v1/tenants/rotterdam";
    // A draft of each business, and a booking and a pupil of the other school.
    let draft = app.work_visit("rotterdam", &w.business, "draft").await;
    let other_draft = app
        .work_visit("rotterdam", &w.other_business, "draft")
        .await;
    let draft_slot = app
        .post(
            &format!("{t}/work-visits/{draft}/slots"),
            &app.admin(),
            json!({"starts_at": app.at(150, 8, 0), "ends_at": app.at(150, 12, 0), "capacity": 5}),
        )
        .await
        .id();
    let slot = app
        .post(
            &format!("{t}/work-visits/{}/slots", w.work_visit),
            &app.admin(),
            json!({"starts_at": app.at(180, 8, 0), "ends_at": app.at(180, 12, 0), "capacity": 5}),
        )
        .await
        .id();
    let other_school = w.other_school_key(&app).await;
    let other_booking = app
        .post(&format!("{t}/bookings"), &other_school,
              json!({"slot_id": slot, "group_name": "3C", "seats": 2, "contact": {"name": "Dhr. Bakker"}}))
        .await;
    assert_eq!(
        other_booking.status,
        StatusCode::CREATED,
        "{:?}",
        other_booking.body
    );
    let other_booking = other_booking.id();
    let other_pupil = app
        .student("rotterdam", &other_school, "EM-1", "Lars", app.born(14))
        .await;
    let other_business = w.other_business_key(&app).await;

    let has = |feed: &[(String, String)], resource: &str, id: &str| {
        feed.iter().any(|(r, i)| r == resource && i == id)
    };
    let catalogue = [
        ("school", w.school.as_str()),
        ("business", w.business.as_str()),
        ("coach", w.coach.as_str()),
        ("programme", w.programme.as_str()),
        ("programme_member", w.member.as_str()),
        ("work_visit", w.work_visit.as_str()),
        ("slot", w.slot.as_str()),
        ("slot", slot.as_str()),
    ];
    let pupils_of_school = [
        ("student", w.student.as_str()),
        ("portfolio_entry", w.entry.as_str()),
    ];

    let integrator = feed_of(&app, &w.integrator).await;
    for (r, id) in catalogue {
        assert!(has(&integrator, r, id), "integrator misses {r} {id}");
    }
    for resource in [
        "booking",
        "booking_feedback",
        "api_key",
        "tenant",
        "student",
        "consent",
        "portfolio_entry",
    ] {
        assert!(
            integrator.iter().all(|(r, _)| r != resource),
            "integrator sees a {resource}"
        );
    }
    assert!(!has(&integrator, "work_visit", &draft) && !has(&integrator, "slot", &draft_slot));

    let school = feed_of(&app, &w.school_key).await;
    for (r, id) in catalogue.iter().chain(pupils_of_school.iter()) {
        assert!(has(&school, r, id), "school misses {r} {id}");
    }
    assert!(has(&school, "booking", &w.booking));
    assert!(school.iter().any(|(r, _)| r == "consent"));
    assert!(!has(&school, "booking", &other_booking) && !has(&school, "student", &other_pupil));
    assert!(!has(&school, "work_visit", &draft));
    assert!(school.iter().all(|(r, _)| r != "api_key" && r != "tenant"));

    let host = feed_of(&app, &w.business_key).await;
    for (r, id) in catalogue {
        assert!(has(&host, r, id), "host misses {r} {id}");
    }
    assert!(
        has(&host, "work_visit", &draft) && has(&host, "slot", &draft_slot),
        "its own draft"
    );
    assert!(
        has(&host, "booking", &w.booking) && has(&host, "booking", &other_booking),
        "bookings on its offerings"
    );
    assert!(!has(&host, "work_visit", &other_draft));
    for resource in ["student", "consent", "portfolio_entry", "api_key", "tenant"] {
        assert!(
            host.iter().all(|(r, _)| r != resource),
            "the host sees a {resource}"
        );
    }
    let other_host = feed_of(&app, &other_business).await;
    assert!(
        has(&other_host, "work_visit", &other_draft) && !has(&other_host, "work_visit", &draft)
    );
    assert!(
        other_host.iter().all(|(r, _)| r != "booking"),
        "no bookings on its offerings"
    );

    let city = feed_of(&app, &w.city).await;
    assert!(has(&city, "work_visit", &draft) && has(&city, "booking", &other_booking));
    assert!(city.iter().any(|(r, _)| r == "api_key"));
    for resource in ["student", "consent", "portfolio_entry"] {
        assert!(
            city.iter().all(|(r, _)| r != resource),
            "the city sees a {resource}"
        );
    }
    // The platform sees the whole log.
    let db = app.database().await;
    let log: Vec<(String, String)> = app
        .changes(&db, "rotterdam")
        .await
        .into_iter()
        .map(|c| (c.resource, c.id))
        .collect();
    assert_eq!(feed_of(&app, &app.admin()).await, log);
    // A reader is moved past the changes it does not see, so it does not scan them
    // again: the integrator's next page starts at the end of the log.
    let last = app.changes(&db, "rotterdam").await.last().unwrap().seq;
    let page = app
        .get(&format!("{t}/changes?limit=1000"), &w.integrator)
        .await;
    assert_eq!(page.body["next_after"], last);
    assert_eq!(
        page.body["data"].as_array().unwrap().last().unwrap()["resource"],
        "slot"
    );
    // Asking for pupils' data is refused to those who never see it.
    for key in [&w.city, &w.business_key, &w.integrator] {
        let reply = app.get(&format!("{t}/changes?resource=student"), key).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        app.get(&format!("{t}/changes?resource=student"), &w.school_key)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_feed_reader_paging_during_concurrent_writes_misses_nothing() {
    let app = Arc::new(TestApp::spawn().await);
    let w = Arc::new(World::build(&app, "rotterdam", "NL").await);
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (app, w, done) = (app.clone(), w.clone(), done.clone());
        tokio::spawn(async move {
            let mut seqs = Vec::new();
            let mut after = 0;
            loop {
                let finished = done.load(Ordering::SeqCst);
                let page = app
                    .get(
                        &format!("/v1/tenants/rotterdam/changes?after={after}&limit=5"),
                        &w.city,
                    )
                    .await;
                let data = page.body["data"].as_array().unwrap().clone();
                seqs.extend(data.iter().map(|c| c["seq"].as_i64().unwrap()));
                after = page.body["next_after"].as_i64().unwrap();
                if data.is_empty() && finished {
                    return seqs;
                }
            }
        })
    };
    let writers: Vec<_> = (0..12)
        .map(|i| {
            let (app, w) = (app.clone(), w.clone());
            tokio::spawn(async move {
                for j in 0..4 {
                    let reply = app
                        .post(
                            "/v1/tenants/rotterdam/schools",
                            &w.city,
                            json!({"name": format!("School {i}-{j}"), "kind": "primary"}),
                        )
                        .await;
                    assert_eq!(reply.status, StatusCode::CREATED);
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let seqs = reader.await.unwrap();
    let db = app.database().await;
    let log: Vec<i64> = app
        .changes(&db, "rotterdam")
        .await
        .into_iter()
        .filter(|c| !PUPILS.contains(&c.resource.as_str()))
        .map(|c| c.seq)
        .collect();
    assert!(log.len() > 48);
    assert_eq!(
        seqs, log,
        "the reader saw every change once, in order, none missed"
    );
}
