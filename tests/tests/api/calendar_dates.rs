//! The product on any date: the demo data and a school's whole booking flow, with the
//! server's clock set to dates the suite would otherwise never see — the summer after
//! the demo's first offerings and a new year far ahead.

use chrono::{DateTime, Utc};
use driehoek_tests::{Key, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

async fn demo_and_booking_on(at: &str) {
    let app = TestApp::spawn_at(instant(at)).await;
    let keys = app.seed_demo().await;
    let key = |role: &str| -> Key {
        keys.iter()
            .find(|(tenant, r, _)| tenant == "rotterdam" && r == role)
            .map(|(_, _, k)| k.clone())
            .unwrap()
    };
    let (school, city) = (key("school"), key("city_admin"));

    // The offerings lie ahead of the clock, with seats left.
    let open = app
        .get("/v1/tenants/rotterdam/work-visits?available=true", &school)
        .await;
    assert_eq!(open.status, StatusCode::OK, "{at}: {:?}", open.body);
    let visits = open.body["data"].as_array().unwrap();
    assert!(visits.len() >= 2, "{at}: {visits:?}");
    let visit = visits
        .iter()
        .find(|v| v["group_size_max"].as_u64() >= Some(10))
        .unwrap_or(&visits[0]);
    let slots = app
        .get(
            &format!(
                "/v1/tenants/rotterdam/work-visits/{}/slots",
                visit["id"].as_str().unwrap()
            ),
            &school,
        )
        .await;
    let slot = slots.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["seats_left"].as_u64() > Some(0))
        .unwrap()
        .clone();
    let starts: DateTime<Utc> = slot["starts_at"].as_str().unwrap().parse().unwrap();
    assert!(
        starts > instant(at),
        "{at}: the demo's slots are ahead: {slot:?}"
    );

    // A school books, the visit takes place, attendance and feedback follow.
    let seats = visit["group_size_min"].as_u64().unwrap();
    let booked = app
        .post(
            "/v1/tenants/rotterdam/bookings",
            &school,
            json!({"slot_id": slot["id"], "group_name": "Klas 3C", "seats": seats,
                   "contact": {"name": "Mevr. de Vries"}}),
        )
        .await;
    assert_eq!(
        booked.status,
        StatusCode::CREATED,
        "{at}: {:?}",
        booked.body
    );
    let booking = format!("/v1/tenants/rotterdam/bookings/{}", booked.id());
    let early = app
        .send(
            Method::PUT,
            &format!("{booking}/attendance"),
            Some(&school),
            Some(json!({"present": seats})),
            &[],
        )
        .await;
    assert_eq!(early.code(), "state_conflict", "{at}: not before the visit");
    app.clock.set(starts + chrono::Duration::hours(1));
    let attended = app
        .send(
            Method::PUT,
            &format!("{booking}/attendance"),
            Some(&school),
            Some(json!({"present": seats})),
            &[],
        )
        .await;
    assert_eq!(attended.status, StatusCode::OK, "{at}: {:?}", attended.body);
    assert_eq!(attended.body["status"], "completed");
    let feedback = app
        .post(
            &format!("{booking}/feedback"),
            &school,
            json!({"author": "school", "rating": 5}),
        )
        .await;
    assert_eq!(
        feedback.status,
        StatusCode::CREATED,
        "{at}: {:?}",
        feedback.body
    );

    // The city's figures for the year count the demo's past visit and this one.
    let year = starts.format("%Y").to_string();
    let stats = app
        .get(
            &format!(
                "/v1/tenants/rotterdam/stats?from={year}-01-01&to={}-01-01",
                year.parse::<i32>().unwrap() + 1
            ),
            &city,
        )
        .await;
    assert_eq!(stats.status, StatusCode::OK, "{at}: {:?}", stats.body);
    assert!(
        stats.body["reach"]["visits"].as_u64() >= Some(1),
        "{at}: {:?}",
        stats.body
    );
}

#[tokio::test]
async fn the_demo_and_a_booking_work_on_the_first_of_june_2027() {
    demo_and_booking_on("2027-06-01T09:00:00Z").await;
}

#[tokio::test]
async fn the_demo_and_a_booking_work_on_new_years_day_2030() {
    demo_and_booking_on("2030-01-01T00:00:00Z").await;
}
