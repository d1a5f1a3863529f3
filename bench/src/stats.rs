//! The stats suite (`--suite stats`): the city reads its figures for a year
//! (`GET /v1/tenants/{tenant}/stats`) over a city of `--schools-per-tenant` schools
//! with `--pupils-per-school` pupils, 2 000 completed bookings on 400 slots with five
//! named pupils each, feedback on every booking, two portfolio entries a pupil and
//! route plans for a third of them — against the database running the same reads
//! directly (every row the figures are made of, fetched; the summing is left out).
//!
//! The catalogue and the pupils are made over HTTP as a city and its schools would;
//! the year's history (slots in the past, completed bookings, namings, feedback,
//! entries, plans) is written straight into the tables, as no client can backdate it.

use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::{Duration, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement, Value};
use serde_json::json;
use uuid::Uuid;

use crate::direct::drive_direct_many;
use crate::work_visits::print_row;
use crate::{Args, Measurement, drive};

const ADMIN_KEY: &str = "bench-admin-key-0123456789abcdefghijklmnopqrstuv";
const SLUG: &str = "stats";
const WORK_VISITS: usize = 40;
const SLOTS: usize = 400;
const BOOKINGS: usize = 2000;
const NAMED: usize = 5;
const SECTORS: [&str; 8] = ["C", "F", "H", "I", "J", "M", "Q", "R"];
const PERIOD: &str = "from=2026-01-01&to=2027-01-01";

struct Seeded {
    tenant: Uuid,
    city_key: String,
}

fn err(e: String) -> anyhow::Error {
    anyhow::Error::msg(e)
}

/// POSTs `body` and returns the answer's `id` (or `key`).
async fn post(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    key: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value> {
    let response = http
        .post(format!("{base}{path}"))
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await?;
    let status = response.status();
    let body: serde_json::Value = response.json().await?;
    anyhow::ensure!(status.is_success(), "POST {path}: {status} {body}");
    Ok(body)
}

fn id_of(body: &serde_json::Value) -> Result<Uuid> {
    body["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .context("an id in the answer")
}

/// Rows written with one bound multi-row INSERT per chunk.
async fn insert(
    db: &DatabaseConnection,
    table: &str,
    columns: &str,
    rows: Vec<Vec<Value>>,
) -> Result<()> {
    let backend = db.get_database_backend();
    let width = columns.split(',').count();
    for chunk in rows.chunks(4000 / width) {
        let mut tuples = Vec::with_capacity(chunk.len());
        let mut values = Vec::with_capacity(chunk.len() * width);
        for row in chunk {
            let at = values.len();
            let marks: Vec<String> = (1..=width).map(|i| format!("${}", at + i)).collect();
            tuples.push(format!("({})", marks.join(", ")));
            values.extend(row.iter().cloned());
        }
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "INSERT INTO {table} ({columns}) VALUES {}",
                tuples.join(", ")
            ),
            values,
        ))
        .await
        .with_context(|| format!("seeding {table}"))?;
    }
    Ok(())
}

async fn seed(
    http: &reqwest::Client,
    base: &str,
    db: &DatabaseConnection,
    args: &Args,
) -> Result<Seeded> {
    let city_key = crate::city_over_http(http, base, ADMIN_KEY, SLUG).await?;
    let v1 = format!("/v1/tenants/{SLUG}");
    let business = id_of(
        &post(
            http,
            base,
            &format!("{v1}/businesses"),
            &city_key,
            json!({"name": "Havenbedrijf", "kind": "company", "sectors": ["H"]}),
        )
        .await?,
    )?;
    let route_map = id_of(
        &post(
            http,
            base,
            &format!("{v1}/route-maps"),
            &city_key,
            json!({"name": "Leerroutekaart", "audience": "pupils"}),
        )
        .await?,
    )?;
    let mut visits = Vec::with_capacity(WORK_VISITS);
    for v in 0..WORK_VISITS {
        let sectors = [SECTORS[v % SECTORS.len()], SECTORS[(v + 3) % SECTORS.len()]];
        visits.push(id_of(
            &post(http, base, &format!("{v1}/work-visits"), &city_key,
                  json!({"business_id": business, "title": format!("Bezoek {v}"), "format": "company_visit",
                         "sectors": sectors, "min_age": 12, "max_age": 16, "group_size_min": 1,
                         "group_size_max": 30, "online": true, "status": "published"})).await?,
        )?);
    }
    let mut schools = Vec::with_capacity(args.schools_per_tenant);
    for s in 0..args.schools_per_tenant {
        let school = id_of(
            &post(
                http,
                base,
                &format!("{v1}/schools"),
                &city_key,
                json!({"name": format!("School {s}"), "kind": "secondary"}),
            )
            .await?,
        )?;
        let key = post(
            http,
            base,
            &format!("{v1}/api-keys"),
            &city_key,
            json!({"name": format!("school {s}"), "role": "school", "school_id": school}),
        )
        .await?["key"]
            .as_str()
            .context("a school key")?
            .to_owned();
        for start in (0..args.students_per_school).step_by(500) {
            let rows: Vec<serde_json::Value> = (start..(start + 500).min(args.students_per_school))
                .map(|p| json!({"external_ref": format!("S{s}-P{p}"), "display_name": format!("Leerling {p}"),
                                "birth_year": 2011 + (p % 3) as i32, "education_level": "nl_havo"}))
                .collect();
            post(
                http,
                base,
                &format!("{v1}/students/import"),
                &key,
                json!({"rows": rows}),
            )
            .await?;
        }
        schools.push(school);
    }
    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT id FROM tenants WHERE slug = $1",
            [Value::from(SLUG)],
        ))
        .await?
        .context("the tenant")?;
    let tenant: Uuid = row.try_get("", "id")?;
    let pupils: Vec<(Uuid, Uuid)> = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            "SELECT id, school_id FROM students WHERE tenant_id = $1 ORDER BY id",
            [Value::from(tenant)],
        ))
        .await?
        .iter()
        .map(|r| Ok((r.try_get("", "id")?, r.try_get("", "school_id")?)))
        .collect::<Result<_, sea_orm::DbErr>>()?;
    anyhow::ensure!(!pupils.is_empty(), "no pupils were imported");
    let catalogue = Catalogue {
        business,
        route_map,
        visits,
        schools,
    };
    history(db, tenant, &catalogue, &pupils).await?;
    Ok(Seeded { tenant, city_key })
}

/// What was made over HTTP, for the history to refer to.
struct Catalogue {
    business: Uuid,
    route_map: Uuid,
    visits: Vec<Uuid>,
    schools: Vec<Uuid>,
}

/// The year behind the figures, written into the tables.
async fn history(
    db: &DatabaseConnection,
    tenant: Uuid,
    catalogue: &Catalogue,
    pupils: &[(Uuid, Uuid)],
) -> Result<()> {
    let Catalogue {
        business,
        route_map,
        visits,
        schools,
    } = catalogue;
    let (business, route_map) = (*business, *route_map);
    let t = Value::from(tenant);
    let now = driehoek_domain::clock::SystemClock::shared().now();
    let year = Utc
        .with_ymd_and_hms(2026, 1, 5, 8, 0, 0)
        .single()
        .context("a date")?;
    let slots: Vec<(Uuid, Uuid)> = (0..SLOTS)
        .map(|i| (Uuid::now_v7(), visits[i % visits.len()]))
        .collect();
    insert(db, "slots",
        "tenant_id, id, version, created_at, updated_at, work_visit_id, external_id, starts_at, ends_at, sessions, capacity, seats_booked, coach_id, teacher_present, status",
        slots.iter().enumerate().map(|(i, (id, visit))| {
            let starts = year + Duration::hours(20 * i as i64);
            vec![t.clone(), Value::from(*id), Value::from(1i64), Value::from(now), Value::from(now),
                 Value::from(*visit), Value::from(None::<String>), Value::from(starts),
                 Value::from(starts + Duration::hours(3)), Value::from("[]"), Value::from(200i32),
                 Value::from(100i32), Value::from(None::<Uuid>), Value::from(true), Value::from("scheduled")]
        }).collect()).await?;
    let by_school = |school: Uuid| {
        pupils
            .iter()
            .filter(move |(_, s)| *s == school)
            .map(|(p, _)| *p)
    };
    let mut bookings = Vec::with_capacity(BOOKINGS);
    let mut namings = Vec::with_capacity(BOOKINGS * NAMED);
    let mut feedback = Vec::with_capacity(BOOKINGS * 2);
    for i in 0..BOOKINGS {
        let id = Uuid::now_v7();
        let (slot, visit) = slots[i % slots.len()];
        let school = schools[i % schools.len()];
        bookings.push(vec![
            t.clone(),
            Value::from(id),
            Value::from(2i64),
            Value::from(now),
            Value::from(now),
            Value::from(slot),
            Value::from(visit),
            Value::from(business),
            Value::from(school),
            Value::from("3A"),
            Value::from(20i32),
            Value::from("Mevr. Jansen"),
            Value::from(None::<String>),
            Value::from(None::<String>),
            Value::from(None::<String>),
            Value::from("completed"),
            Value::from(None::<String>),
            Value::from(None::<chrono::DateTime<Utc>>),
            Value::from(18i32),
            Value::from(2i32),
            Value::from(Some(now)),
        ]);
        for pupil in by_school(school)
            .skip((i / schools.len()) * NAMED)
            .take(NAMED)
        {
            namings.push(vec![
                t.clone(),
                Value::from(id),
                Value::from(pupil),
                Value::from(Some(true)),
            ]);
        }
        for (author, key, rating, again) in [
            ("school", "school".to_owned(), 4i32, None),
            ("business", "business".to_owned(), 5, Some(i % 7 != 0)),
        ] {
            feedback.push(vec![
                t.clone(),
                Value::from(Uuid::now_v7()),
                Value::from(1i64),
                Value::from(now),
                Value::from(now),
                Value::from(id),
                Value::from(author),
                Value::from(key),
                Value::from(rating),
                Value::from(None::<String>),
                Value::from(""),
                Value::from(again),
            ]);
        }
    }
    insert(db, "bookings",
        "tenant_id, id, version, created_at, updated_at, slot_id, work_visit_id, business_id, school_id, group_name, seats, contact_name, contact_email, contact_phone, notes, status, cancellation_reason, cancelled_at, attended_count, absent_count, attendance_recorded_at",
        bookings).await?;
    insert(
        db,
        "booking_students",
        "tenant_id, booking_id, student_id, present",
        namings,
    )
    .await?;
    insert(db, "booking_feedback",
        "tenant_id, id, version, created_at, updated_at, booking_id, author, author_key, rating, comment, competences_practised, would_host_again",
        feedback).await?;
    let entry_at = |n: usize| year + Duration::hours((n % 8000) as i64);
    let entries = pupils
        .iter()
        .enumerate()
        .flat_map(|(n, (pupil, school))| {
            let t = t.clone();
            ["reflection", "goal"].into_iter().map(move |kind| {
                vec![
                    t.clone(),
                    Value::from(Uuid::now_v7()),
                    Value::from(1i64),
                    Value::from(entry_at(n)),
                    Value::from(entry_at(n)),
                    Value::from(*pupil),
                    Value::from(*school),
                    Value::from("motives"),
                    Value::from(kind),
                    Value::from("Terugblik"),
                    Value::from("Wat ik leerde."),
                    Value::from(""),
                    Value::from(""),
                    Value::from(None::<String>),
                    Value::from(None::<Uuid>),
                    Value::from(false),
                    Value::from("student"),
                ]
            })
        })
        .collect();
    insert(db, "portfolio_entries",
        "tenant_id, id, version, created_at, updated_at, student_id, school_id, competence, kind, title, body, sectors, occupations, evidence_url, booking_id, shared_with_business, author_role",
        entries).await?;
    let agreed = json!([{"party": "student", "on": "2026-03-01"}, {"party": "guardian", "on": "2026-03-02"}]).to_string();
    let plans = pupils
        .iter()
        .step_by(3)
        .map(|(pupil, _)| {
            vec![
                t.clone(),
                Value::from(Uuid::now_v7()),
                Value::from(1i64),
                Value::from(year),
                Value::from(year),
                Value::from(*pupil),
                Value::from(route_map),
                Value::from("[]"),
                Value::from(None::<String>),
                Value::from("[]"),
                Value::from("[]"),
                Value::from(None::<String>),
                Value::from(agreed.clone()),
            ]
        })
        .collect();
    insert(db, "route_plans",
        "tenant_id, id, version, created_at, updated_at, student_id, route_map_id, steps, target_occupation, plan_b, helpers, notes, agreed_by",
        plans).await?;
    Ok(())
}

/// The reads behind a year's figures, each as one statement (the API chunks its
/// `IN (…)` lists; here the lists are subqueries).
fn reads(backend: DatabaseBackend, tenant: Uuid) -> Vec<Statement> {
    let from = Utc
        .with_ymd_and_hms(2025, 12, 31, 23, 0, 0)
        .single()
        .unwrap_or_default();
    let to = Utc
        .with_ymd_and_hms(2026, 12, 31, 23, 0, 0)
        .single()
        .unwrap_or_default();
    let in_period = "tenant_id = $1 AND starts_at >= $2 AND starts_at < $3";
    let slots = format!("SELECT id FROM slots WHERE {in_period}");
    let bookings = format!(
        "SELECT id FROM bookings WHERE tenant_id = $1 AND status = 'completed' AND slot_id IN ({slots})"
    );
    [
        format!("SELECT * FROM slots WHERE {in_period}"),
        format!("SELECT * FROM bookings WHERE tenant_id = $1 AND status = 'completed' AND slot_id IN ({slots})"),
        format!("SELECT * FROM booking_students WHERE tenant_id = $1 AND booking_id IN ({bookings}) ORDER BY student_id"),
        format!("SELECT * FROM work_visits WHERE tenant_id = $1 AND id IN (SELECT work_visit_id FROM bookings WHERE tenant_id = $1 AND status = 'completed' AND slot_id IN ({slots}))"),
        format!("SELECT author, count(id), sum(rating), sum(CASE WHEN would_host_again THEN 1 ELSE 0 END), sum(CASE WHEN NOT would_host_again THEN 1 ELSE 0 END) FROM booking_feedback WHERE tenant_id = $1 AND booking_id IN ({bookings}) GROUP BY author"),
        "SELECT school_id, count(id) AS pupils FROM students WHERE tenant_id = $1 AND status = 'active' AND $2 < $3 GROUP BY school_id".to_owned(),
        "SELECT kind, count(id) AS entries FROM portfolio_entries WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY kind".to_owned(),
        "SELECT count(DISTINCT student_id) AS pupils FROM portfolio_entries WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3".to_owned(),
        "SELECT student_id, version, agreed_by FROM route_plans WHERE tenant_id = $1 AND created_at < $3 AND $2 < $3".to_owned(),
    ]
    .into_iter()
    .map(|sql| {
        Statement::from_sql_and_values(
            backend,
            sql,
            [Value::from(tenant), Value::from(from), Value::from(to)],
        )
    })
    .collect()
}

pub async fn run(args: &Args, database_url: &str, postgres: bool) -> Result<()> {
    let mut server =
        crate::start_server_with(args, database_url, &[("DRIEHOEK_ADMIN_KEY", ADMIN_KEY)])?;
    let base = format!("http://127.0.0.1:{}", args.port);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let result = async {
        crate::wait_ready(&http, &base, &mut server).await?;
        let direct = driehoek_infra::Database::connect(database_url)
            .await
            .map_err(err)?;
        let db = direct.connection();
        let started = std::time::Instant::now();
        let seeded = Arc::new(seed(&http, &base, db, args).await?);
        println!("# seeded in {:.1} s", started.elapsed().as_secs_f64());
        if postgres && crate::autovacuum_off(db).await? {
            println!("# autovacuum is off on this server: the harness ran ANALYZE after seeding");
            db.execute_unprepared("ANALYZE").await?;
        }
        // Making 20 000 pupils over HTTP drives the server's peak while seeding: say
        // it, then start the peak afresh (`clear_refs` 5 resets VmHWM) so the figure at
        // the end is the reports' own.
        let seeding_peak = crate::peak_rss_mib(server.id()).unwrap_or(0.0);
        let resident = crate::rss_mib(server.id()).unwrap_or(0.0);
        let reset = std::fs::write(format!("/proc/{}/clear_refs", server.id()), "5").is_ok();
        println!(
            "# server peak while seeding: {seeding_peak:.1} MiB, resident after it {resident:.1} MiB{}",
            if reset {
                "; reset before the reports"
            } else {
                " (could not reset: the peak below includes the seeding)"
            }
        );
        println!(
            "# suite=stats backend={} schools={} pupils/school={} completed bookings={BOOKINGS} slots={SLOTS} concurrency={} duration={}s",
            if postgres { "postgresql" } else { "sqlite" },
            args.schools_per_tenant,
            args.students_per_school,
            args.concurrency,
            args.duration
        );
        println!("| scenario | side | req/s | p50 ms | p90 ms | p99 ms | errors | API vs the same reads in the DB |");
        println!("|---|---|---:|---:|---:|---:|---:|---:|");
        let warm = Args {
            duration: 2,
            ..args.clone()
        };
        let api = |a: Args| {
            let (http, base, seeded) = (http.clone(), base.clone(), seeded.clone());
            let op = move |_random| {
                let request = http
                    .get(format!("{base}/v1/tenants/{SLUG}/stats?{PERIOD}"))
                    .bearer_auth(&seeded.city_key);
                async move {
                    match request.send().await {
                        Ok(response) if response.status().is_success() => {
                            response.bytes().await.is_ok()
                        }
                        _ => false,
                    }
                }
            };
            async move { drive(&a, op).await }
        };
        api(warm.clone()).await;
        let measured: Measurement = api(args.clone()).await;
        let statements = reads(db.get_database_backend(), seeded.tenant);
        let direct = |a: Args| {
            let statements = statements.clone();
            async move {
                drive_direct_many(&a, database_url, move |_| statements.clone(), |rows| rows > 0).await
            }
        };
        direct(warm).await;
        let same = direct(args.clone()).await;
        let scenario = "the city's figures for a year";
        print_row(
            scenario,
            "API (HTTP)",
            &measured,
            &format!("{:.0} %", measured.throughput() / same.throughput() * 100.0),
        );
        print_row(scenario, "DB direct: the 9 reads (a connection per client)", &same, "");
        Ok(())
    }
    .await;
    crate::finish(server, result, "stats")
}
