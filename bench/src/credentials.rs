//! The credentials suite (`--suite credentials`): a school whose 600 pupils went to a
//! work visit (20 completed bookings of 30 named pupils, all present). Over HTTP, one
//! request at a time: the school has each pupil's credential issued (a new Ed25519
//! VC-JWT each, with its status entry and audit event), then the public verifier checks
//! them round robin, then a verifier's fetch of the signed status list — each for at
//! most `--duration` seconds.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use chrono::{Datelike, TimeDelta, Utc};
use driehoek_api::startup;
use driehoek_domain::auth::Actor;
use driehoek_domain::bookings::{AttendanceReport, BookingContact, NewBooking};
use driehoek_domain::values::Name;
use driehoek_domain::vocabularies::{BusinessKind, Competence, EducationLevel, WorkVisitFormat};
use driehoek_domain::work_visits::{Schedule, SlotChanges};
use serde_json::{Value, json};

use crate::work_visits::print_row;
use crate::{Args, Measurement, seeding};

/// Bookings of [`GROUP`] named pupils each.
const BOOKINGS: usize = 20;
const GROUP: usize = 30;

fn err(e: String) -> anyhow::Error {
    anyhow::Error::msg(e)
}

pub async fn run(args: &Args, database_url: &str, postgres: bool) -> Result<()> {
    let state = startup::connect(&crate::services_settings(database_url))
        .await
        .map_err(err)?;
    let admin = Actor::bootstrap_admin();
    let tenant = seeding::tenant(&state, "issuing", "Gemeente Issuing").await?;
    let business =
        seeding::business(&state, &tenant, "Havenbedrijf", BusinessKind::Company).await?;
    let school = seeding::school(&state, &tenant, "Bench College", EducationLevel::NlHavo).await?;
    let (school_actor, school_key) = seeding::school_key(&state, &tenant, &school, "bench").await?;
    let visit = seeding::online_offering(
        &state,
        (&tenant, &business),
        (
            "Een dag in de haven",
            WorkVisitFormat::CompanyVisit,
            vec![Competence::WorkExploration],
        ),
        (1, GROUP as u16),
    )
    .await?;
    let mut pupils = Vec::new();
    for b in 0..BOOKINGS {
        let starts_at = Utc::now() + TimeDelta::days(20);
        let slot =
            seeding::three_hour_slot(&state, &tenant, &visit, starts_at, GROUP as u32).await?;
        let mut named = Vec::new();
        for p in 0..GROUP {
            let pupil = seeding::consenting_pupil(
                &state,
                (&school_actor, &tenant),
                (&format!("C-{b}-{p}"), &format!("Pupil {b}-{p}")),
                Utc::now().year() - 15,
                EducationLevel::NlHavo,
            )
            .await?;
            named.push(pupil.id);
        }
        let booking = state
            .bookings
            .book(
                &admin,
                tenant.id,
                NewBooking {
                    slot_id: slot.id,
                    school_id: Some(school.id),
                    group_name: Name::parse(&format!("Klas {b}")).map_err(err)?,
                    seats: GROUP as u32,
                    contact: BookingContact {
                        name: Name::parse("Mentor").map_err(err)?,
                        email: None,
                        phone: None,
                    },
                    notes: None,
                    student_ids: named.clone(),
                    waitlist: false,
                },
            )
            .await?;
        // Held: moved into the past once booked, everyone present.
        let past = Utc::now() - TimeDelta::days(2);
        state
            .work_visits
            .update_slot(
                &admin,
                &tenant,
                visit.id,
                slot.id,
                SlotChanges {
                    schedule: Some(Schedule::new(past, past + TimeDelta::hours(3), Vec::new())?),
                    ..SlotChanges::default()
                },
                None,
            )
            .await?;
        state
            .bookings
            .record_attendance(
                &admin,
                tenant.id,
                booking.id,
                AttendanceReport {
                    present: GROUP as u32,
                    absent: 0,
                    pupils: named.iter().map(|id| (*id, true)).collect(),
                },
                None,
            )
            .await?;
        pupils.extend(named.into_iter().map(|id| (id, booking.id)));
    }

    let mut server = crate::start_server(args, database_url)?;
    let base = format!("http://127.0.0.1:{}", args.port);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    let result = async {
        crate::wait_ready(&http, &base, &mut server).await?;
        println!(
            "# suite=credentials backend={} duration={}s (one request at a time)",
            if postgres { "postgresql" } else { "sqlite" },
            args.duration
        );
        println!("\n| scenario | side | req/s | p50 ms | p90 ms | p99 ms | errors | outcome |");
        println!("|---|---|---:|---:|---:|---:|---:|---|");
        let limit = Duration::from_secs(args.duration);
        let mut jwts = Vec::new();
        let mut m = Measurement {
            micros: Vec::new(),
            errors: 0,
            elapsed: Duration::ZERO,
        };
        let started = Instant::now();
        for (pupil, booking) in &pupils {
            if started.elapsed() >= limit {
                break;
            }
            let sent = Instant::now();
            let answer = http
                .post(format!(
                    "{base}/v1/tenants/issuing/students/{pupil}/credentials"
                ))
                .bearer_auth(&school_key)
                .header("accept", "application/vc+jwt")
                .json(&json!({"booking_id": booking.to_string()}))
                .send()
                .await?;
            if answer.status().as_u16() != 201 {
                bail!("issuing: {} {}", answer.status(), answer.text().await?);
            }
            jwts.push(answer.text().await?);
            m.micros.push(sent.elapsed().as_micros() as u64);
        }
        m.elapsed = started.elapsed();
        print_row(
            "issue a credential",
            "API (HTTP)",
            &m,
            &format!("{} issued", jwts.len()),
        );

        let mut m = Measurement {
            micros: Vec::new(),
            errors: 0,
            elapsed: Duration::ZERO,
        };
        let started = Instant::now();
        let mut i = 0;
        while started.elapsed() < limit {
            let sent = Instant::now();
            let answer: Value = http
                .post(format!("{base}/v1/credentials/verify"))
                .json(&json!({"credential": jwts[i % jwts.len()]}))
                .send()
                .await?
                .json()
                .await?;
            if answer["verified"] != true {
                m.errors += 1;
            }
            m.micros.push(sent.elapsed().as_micros() as u64);
            i += 1;
        }
        m.elapsed = started.elapsed();
        print_row(
            "verify a credential",
            "API (HTTP)",
            &m,
            "signature, issuer, status, dates",
        );

        let mut m = Measurement {
            micros: Vec::new(),
            errors: 0,
            elapsed: Duration::ZERO,
        };
        let started = Instant::now();
        while started.elapsed() < limit {
            let sent = Instant::now();
            let answer = http
                .get(format!("{base}/v1/tenants/issuing/credential-status/1"))
                .send()
                .await?;
            if answer.status().as_u16() != 200 {
                m.errors += 1;
            }
            answer.bytes().await?;
            m.micros.push(sent.elapsed().as_micros() as u64);
        }
        m.elapsed = started.elapsed();
        print_row(
            "fetch the signed status list",
            "API (HTTP)",
            &m,
            "131 072 entries, GZIP, VC-JWT",
        );
        Ok(())
    }
    .await;
    crate::finish(server, result, "credentials")
}
