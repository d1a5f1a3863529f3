//! Calendar feeds: RFC 5545 text with stable UIDs, by header or by a feed link's token.

use driehoek_tests::{Key, TestApp, WORLD_SLOT_DAY, World};
use reqwest::StatusCode;
use serde_json::json;

/// Fetches a path without any key (as an agenda does).
async fn anonymous(app: &TestApp, path_and_query: &str) -> (StatusCode, String) {
    let response = app
        .http
        .get(format!("{}{path_and_query}", app.base))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn ics(app: &TestApp, path: &str, key: &Key) -> (StatusCode, String, String) {
    let response = app
        .http
        .get(format!("{}{path}", app.base))
        .bearer_auth(&key.0)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, kind, response.text().await.unwrap())
}

fn field<'a>(body: &'a str, name: &str) -> Vec<&'a str> {
    body.split("\r\n")
        .filter_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
        .collect()
}

/// An RFC 3339 UTC time as iCalendar writes it (`20270303T083000Z`).
fn ics_time(rfc3339: &str) -> String {
    rfc3339.replace(['-', ':'], "")
}

#[tokio::test]
async fn a_school_calendar_holds_its_bookings_with_stable_uids() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let path = format!("/v1/tenants/rotterdam/schools/{}/calendar.ics", w.school);
    let (status, kind, body) = ics(&app, &path, &w.school_key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(kind.starts_with("text/calendar"), "{kind}");
    assert!(
        body.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
        "{body}"
    );
    assert!(body.ends_with("END:VCALENDAR\r\n"));
    assert!(body.split("\r\n").all(|l| l.len() <= 75), "folded lines");
    let uid = format!("{}-0@driehoek", w.booking);
    assert_eq!(field(&body, "UID"), [uid.as_str()]);
    assert_eq!(
        field(&body, "DTSTART"),
        [ics_time(&app.at(WORLD_SLOT_DAY, 8, 30))]
    );
    assert_eq!(field(&body, "STATUS"), ["CONFIRMED"]);
    assert!(field(&body, "SUMMARY")[0].ends_with("– 2B"), "{body}");
    let sequence: i64 = field(&body, "SEQUENCE")[0].parse().unwrap();

    let cancelled = app
        .post(
            &format!("/v1/tenants/rotterdam/bookings/{}/cancel", w.booking),
            &w.school_key,
            json!({"reason": "Toetsweek"}),
        )
        .await;
    assert_eq!(cancelled.status, StatusCode::OK, "{:?}", cancelled.body);
    let (_, _, after) = ics(&app, &path, &w.city).await;
    assert_eq!(field(&after, "UID"), [uid.as_str()], "the same event");
    assert_eq!(field(&after, "STATUS"), ["CANCELLED"]);
    let later: i64 = field(&after, "SEQUENCE")[0].parse().unwrap();
    assert!(later > sequence, "agendas see the change");
}

#[tokio::test]
async fn a_business_calendar_shows_each_session_of_its_slots() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let track = app
        .post(
            &format!("/v1/tenants/rotterdam/work-visits/{}/slots", w.work_visit),
            &w.business_key,
            json!({"starts_at": app.at(100, 12, 0), "ends_at": app.at(107, 15, 0), "capacity": 2,
                   "sessions": [{"starts_at": app.at(100, 12, 0), "ends_at": app.at(100, 15, 0)},
                                {"starts_at": app.at(107, 12, 0), "ends_at": app.at(107, 15, 0)}]}),
        )
        .await;
    assert_eq!(track.status, StatusCode::CREATED, "{:?}", track.body);
    let path = format!(
        "/v1/tenants/rotterdam/businesses/{}/calendar.ics",
        w.business
    );
    let (status, _, body) = ics(&app, &path, &w.business_key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let uids = field(&body, "UID");
    assert_eq!(
        uids,
        [
            format!("{}-0@driehoek", w.slot),
            format!("{}-0@driehoek", track.id()),
            format!("{}-1@driehoek", track.id()),
        ]
    );
    let summaries = field(&body, "SUMMARY");
    assert!(summaries[0].ends_with("(2/3 booked)"), "{summaries:?}");
    assert!(
        summaries[2].ends_with("(0/2 booked) (2/2)"),
        "{summaries:?}"
    );
    assert_eq!(field(&body, "DTSTART")[2], ics_time(&app.at(107, 12, 0)));
}

#[tokio::test]
async fn only_the_school_the_business_or_the_city_read_their_calendars() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let other_school = w.other_school_key(&app).await;
    let school = format!("/v1/tenants/rotterdam/schools/{}/calendar.ics", w.school);
    let business = format!(
        "/v1/tenants/rotterdam/businesses/{}/calendar.ics",
        w.business
    );
    for (path, allowed, refused) in [
        (
            &school,
            vec![&w.school_key, &w.city],
            vec![&w.business_key, &w.integrator, &other_school],
        ),
        (
            &business,
            vec![&w.business_key, &w.city],
            vec![&w.school_key, &w.integrator],
        ),
    ] {
        for key in allowed {
            assert_eq!(ics(&app, path, key).await.0, StatusCode::OK, "{path}");
        }
        for key in refused {
            let reply = app.get(path, key).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(reply.code(), "forbidden");
            let link = app
                .get(&path.replace("calendar.ics", "calendar-link"), key)
                .await;
            assert_eq!(link.status, StatusCode::FORBIDDEN, "{path}");
        }
    }
    assert_eq!(anonymous(&app, &school).await.0, StatusCode::UNAUTHORIZED);
    let nowhere = format!("/v1/tenants/rotterdam/schools/{}/calendar.ics", w.business);
    assert_eq!(
        app.get(&nowhere, &w.city).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_calendar_link_opens_that_calendar_only_and_only_while_its_key_lives() {
    let app = TestApp::spawn().await;
    let w = World::build(&app, "rotterdam", "NL").await;
    let school_key = app
        .post(
            "/v1/tenants/rotterdam/api-keys",
            &w.city,
            json!({"name": "Agenda", "role": "school", "school_id": w.school}),
        )
        .await;
    assert_eq!(
        school_key.status,
        StatusCode::CREATED,
        "{:?}",
        school_key.body
    );
    let key = Key(school_key.body["key"].as_str().unwrap().to_owned());
    let link = app
        .get(
            &format!("/v1/tenants/rotterdam/schools/{}/calendar-link", w.school),
            &key,
        )
        .await;
    assert_eq!(link.status, StatusCode::OK, "{:?}", link.body);
    let url = link.body["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&app.base), "{url}");
    assert!(
        link.body["webcal_url"]
            .as_str()
            .unwrap()
            .starts_with("webcal://")
    );
    let feed = url.trim_start_matches(&app.base).to_owned();
    let (status, body) = anonymous(&app, &feed).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(&format!("UID:{}-0@driehoek", w.booking)));

    let token = feed.split("token=").nth(1).unwrap().to_owned();
    let elsewhere = format!(
        "/v1/tenants/rotterdam/schools/{}/calendar.ics?token={token}",
        w.other_school
    );
    assert_eq!(
        anonymous(&app, &elsewhere).await.0,
        StatusCode::UNAUTHORIZED
    );
    let business = format!(
        "/v1/tenants/rotterdam/businesses/{}/calendar.ics?token={token}",
        w.business
    );
    assert_eq!(anonymous(&app, &business).await.0, StatusCode::UNAUTHORIZED);
    let mut forged = token.clone();
    forged.pop();
    forged.push(if token.ends_with('0') { '1' } else { '0' });
    let forged = feed.replace(&token, &forged);
    assert_eq!(anonymous(&app, &forged).await.0, StatusCode::UNAUTHORIZED);
    let json_route = feed.replace("calendar.ics", "calendar-link");
    assert_eq!(
        anonymous(&app, &json_route).await.0,
        StatusCode::UNAUTHORIZED,
        "the token opens the feed only"
    );

    let revoked = app
        .delete(
            &format!("/v1/tenants/rotterdam/api-keys/{}", school_key.id()),
            &w.city,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{:?}", revoked.body);
    assert_eq!(
        anonymous(&app, &feed).await.0,
        StatusCode::UNAUTHORIZED,
        "revoking the key closes the link"
    );
}
