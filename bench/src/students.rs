//! The pupils suite (`--suite pupils`): a school lists its pupils (1 000 per school,
//! `--schools-per-tenant` schools), a portfolio entry is added, and one pupil with 200
//! entries is exported — each against the database doing the same work directly: the
//! same reads plus the audit rows the API writes, through a plain pool and, on
//! PostgreSQL, through pgbench.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use driehoek_api::startup;
use driehoek_domain::auth::Actor;
use driehoek_domain::schools::NewSchool;
use driehoek_domain::students::{EntryAuthor, NewEntry, NewStudent, RosterRow, StudentStatus};
use driehoek_domain::tenants::{NewTenant, SettingsChanges};
use driehoek_domain::values::{
    CountryCode, EntryBody, ExternalRef, Locale, Name, ShortText, TenantSlug, Timezone,
};
use driehoek_domain::vocabularies::{
    Competence, EducationLevel, NaceSection, PortfolioEntryKind, SchoolKind,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait, Value};
use serde_json::json;
use uuid::Uuid;

use crate::work_visits::print_row;
use crate::{Args, Measurement, drive, pgbench_script, seeding};

struct School {
    id: Uuid,
    key: String,
    pupils: Vec<Uuid>,
}

struct Seeded {
    slug: String,
    tenant: Uuid,
    schools: Vec<School>,
    /// A pupil with 200 portfolio entries, its school's key, and the pupil's own token.
    exported: Uuid,
    exported_key: String,
    exported_token: String,
}

fn err(e: String) -> anyhow::Error {
    anyhow::Error::msg(e)
}

async fn seed(database_url: &str, args: &Args) -> Result<Seeded> {
    let settings = crate::services_settings(database_url);
    let state = startup::connect(&settings).await.map_err(err)?;
    let admin = Actor::bootstrap_admin();
    let started = Instant::now();
    let slug = "pupils".to_owned();
    let tenant = state
        .tenants
        .create(
            &admin,
            NewTenant {
                slug: TenantSlug::parse(&slug).map_err(err)?,
                name: Name::parse("Gemeente Leerlingen").map_err(err)?,
                country: CountryCode::parse("NL").map_err(err)?,
                locale: Locale::parse("nl-NL").map_err(err)?,
                timezone: Timezone::parse("Europe/Amsterdam").map_err(err)?,
                settings: SettingsChanges::default(),
            },
        )
        .await?;
    let mut schools = Vec::new();
    for s in 0..args.schools_per_tenant {
        let school = state
            .schools
            .create(
                &admin,
                tenant.id,
                NewSchool {
                    name: Name::parse(&format!("School {s}")).map_err(err)?,
                    kind: SchoolKind::Secondary,
                    registration_code: None,
                    education_levels: vec![EducationLevel::NlHavo],
                    address: None,
                    contact_email: None,
                    website: None,
                },
            )
            .await?;
        let rows: Vec<(usize, RosterRow)> = (0..args.students_per_school)
            .map(|p| {
                Ok((
                    p,
                    RosterRow {
                        external_ref: ExternalRef::parse(&format!("S{s}-P{p}")).map_err(err)?,
                        display_name: Name::parse(&format!("Leerling {p}")).map_err(err)?,
                        birth_year: 2010 + (p % 4) as i32,
                        grade: Some(ShortText::parse(&format!("{} havo", 1 + p % 5)).map_err(err)?),
                        education_level: EducationLevel::NlHavo,
                        status: StudentStatus::Active,
                    },
                ))
            })
            .collect::<Result<_>>()?;
        let outcomes = state
            .students
            .import(&admin, tenant.id, Some(school.id), rows)
            .await?;
        let pupils = outcomes
            .into_iter()
            .map(|(_, r)| r.map(|(_, id)| id.as_uuid()))
            .collect::<Result<Vec<_>, _>>()?;
        let (_, key) =
            seeding::school_key(&state, &tenant, &school, &format!("school {s}")).await?;
        schools.push(School {
            id: school.id.as_uuid(),
            key,
            pupils,
        });
    }
    let first = schools.first().context("at least one school")?;
    let exported = state
        .students
        .create(
            &admin,
            tenant.id,
            NewStudent {
                school_id: Some(driehoek_domain::ids::SchoolId::from_uuid(first.id)),
                external_ref: ExternalRef::parse("EXPORT-1").map_err(err)?,
                display_name: Name::parse("Export").map_err(err)?,
                birth_year: 2011,
                grade: None,
                education_level: EducationLevel::NlHavo,
                status: StudentStatus::Active,
            },
        )
        .await?;
    for i in 0..200 {
        state
            .students
            .add_entry(&admin, tenant.id, exported.id, entry(i)?)
            .await?;
    }
    let token = driehoek_domain::students::NewAccessToken {
        role: driehoek_domain::auth::Role::Pupil,
        expires_in: *driehoek_domain::api_keys::TOKEN_LIFETIME_SECS.end(),
        label: None,
    };
    let (_, exported_token) = state
        .students
        .issue_token(&admin, tenant.id, exported.id, token)
        .await?;
    eprintln!(
        "seeded {} schools x {} pupils and one pupil with 200 entries in {:.1} s",
        args.schools_per_tenant,
        args.students_per_school,
        started.elapsed().as_secs_f64()
    );
    Ok(Seeded {
        slug,
        tenant: tenant.id.as_uuid(),
        exported: exported.id.as_uuid(),
        exported_key: first.key.clone(),
        exported_token,
        schools,
    })
}

const ENTRY_BODY: &str = "Vandaag meegelopen op de afdeling. Ik heb geleerd hoe een planning wordt gemaakt en wat er gebeurt als een levering te laat is.";

fn entry(i: usize) -> Result<NewEntry> {
    Ok(NewEntry {
        competence: Competence::WorkExploration,
        kind: PortfolioEntryKind::Reflection,
        title: Name::parse(&format!("Terugblik {i}")).map_err(err)?,
        body: EntryBody::parse(ENTRY_BODY).map_err(err)?,
        sectors: vec![NaceSection::H],
        occupations: Vec::new(),
        evidence_url: None,
        booking_id: None,
        shared_with_business: false,
        author_role: Some(EntryAuthor::Student),
    })
}

const STUDENT_COLUMNS: &str = "tenant_id, id, version, created_at, updated_at, school_id, external_ref, display_name, birth_year, grade, education_level, status, portfolio_open_from";
const ENTRY_COLUMNS: &str = "tenant_id, id, version, created_at, updated_at, student_id, school_id, competence, kind, title, body, sectors, occupations, evidence_url, booking_id, shared_with_business, author_role";

fn list_sql() -> String {
    format!(
        "SELECT {STUDENT_COLUMNS} FROM students WHERE tenant_id = $1 AND school_id = $2 ORDER BY id ASC LIMIT 51"
    )
}

/// The audit rows the API writes, as one multi-row insert.
fn audit_insert(
    backend: sea_orm::DatabaseBackend,
    tenant: Uuid,
    school: Uuid,
    action: &str,
    pupils: &[Uuid],
) -> Statement {
    let now = driehoek_domain::clock::SystemClock::shared().now();
    let mut values = Vec::new();
    let mut rows = Vec::new();
    for (i, pupil) in pupils.iter().enumerate() {
        let b = i * 6;
        rows.push(format!(
            "(${}, ${}, ${}, NULL, 'school', ${}, ${}, ${}, NULL)",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5,
            b + 6
        ));
        values.extend([
            Value::from(tenant),
            Value::from(Uuid::now_v7()),
            Value::from(now),
            Value::from(action),
            Value::from(*pupil),
            Value::from(school),
        ]);
    }
    Statement::from_sql_and_values(
        backend,
        format!(
            "INSERT INTO audit_events (tenant_id, id, at, key_id, role, action, student_id, school_id, request_id) VALUES {}",
            rows.join(", ")
        ),
        values,
    )
}

async fn list_direct(db: &DatabaseConnection, seeded: &Seeded, random: u64, audited: bool) -> bool {
    let backend = db.get_database_backend();
    let school = &seeded.schools[random as usize % seeded.schools.len()];
    let select = Statement::from_sql_and_values(
        backend,
        list_sql(),
        [Value::from(seeded.tenant), Value::from(school.id)],
    );
    if !audited {
        return db.query_all_raw(select).await.is_ok_and(|r| r.len() == 51);
    }
    let Ok(rows) = db.query_all_raw(select).await else {
        return false;
    };
    let shown: Vec<Uuid> = rows
        .iter()
        .take(50)
        .filter_map(|r| r.try_get::<Uuid>("", "id").ok())
        .collect();
    db.execute_raw(audit_insert(
        backend,
        seeded.tenant,
        school.id,
        "student.list",
        &shown,
    ))
    .await
    .is_ok()
}

async fn add_entry_direct(db: &DatabaseConnection, seeded: &Seeded, random: u64) -> bool {
    let backend = db.get_database_backend();
    let school = &seeded.schools[random as usize % seeded.schools.len()];
    let pupil = school.pupils[(random >> 20) as usize % school.pupils.len()];
    let now = driehoek_domain::clock::SystemClock::shared().now();
    let id = Uuid::now_v7();
    let work = async {
        let txn = db.begin().await?;
        txn.execute_raw(audit_insert(
            backend,
            seeded.tenant,
            school.id,
            "portfolio_entry.create",
            &[pupil],
        ))
        .await?;
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            format!("INSERT INTO portfolio_entries ({ENTRY_COLUMNS}) VALUES ($1, $2, 1, $3, $3, $4, $5, 'work_exploration', 'reflection', 'Terugblik', $6, '|H|', '', NULL, NULL, false, 'student')"),
            [
                Value::from(seeded.tenant),
                Value::from(id),
                Value::from(now),
                Value::from(pupil),
                Value::from(school.id),
                Value::from(ENTRY_BODY),
            ],
        ))
        .await?;
        let seq: i64 = txn
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                "UPDATE tenant_change_counters SET last_seq = last_seq + 1 WHERE tenant_id = $1 RETURNING last_seq",
                [Value::from(seeded.tenant)],
            ))
            .await?
            .ok_or_else(|| sea_orm::DbErr::Custom("no counter".to_owned()))?
            .try_get("", "last_seq")?;
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            "INSERT INTO changes (tenant_id, seq, resource, resource_id, op, version, at) VALUES ($1, $2, 'portfolio_entry', $3, 'created', 1, $4)",
            [Value::from(seeded.tenant), Value::from(seq), Value::from(id), Value::from(now)],
        ))
        .await?;
        txn.commit().await
    };
    work.await.is_ok()
}

async fn export_direct(db: &DatabaseConnection, seeded: &Seeded) -> bool {
    let backend = db.get_database_backend();
    let (t, s) = (Value::from(seeded.tenant), Value::from(seeded.exported));
    let reads = [
        format!("SELECT {STUDENT_COLUMNS} FROM students WHERE tenant_id = $1 AND id = $2"),
        "SELECT * FROM consents WHERE tenant_id = $1 AND student_id = $2 ORDER BY id".to_owned(),
        format!(
            "SELECT {ENTRY_COLUMNS} FROM portfolio_entries WHERE tenant_id = $1 AND student_id = $2 ORDER BY id"
        ),
        "SELECT * FROM booking_students WHERE tenant_id = $1 AND student_id = $2".to_owned(),
    ];
    let mut entries = 0;
    for (i, sql) in reads.iter().enumerate() {
        match db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [t.clone(), s.clone()],
            ))
            .await
        {
            Ok(rows) if i == 2 => entries = rows.len(),
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    let school = seeded.schools[0].id;
    entries == 200
        && db
            .execute_raw(audit_insert(
                backend,
                seeded.tenant,
                school,
                "student.export",
                &[seeded.exported],
            ))
            .await
            .is_ok()
}

async fn api_ok(request: reqwest::RequestBuilder, expected: u16) -> bool {
    match request.send().await {
        Ok(response) if response.status().as_u16() == expected => response.bytes().await.is_ok(),
        _ => false,
    }
}

/// Which database the suite runs on, and whether it stands in for autovacuum.
#[derive(Clone, Copy)]
struct Backend {
    postgres: bool,
    analyze: bool,
}

/// Runs the three scenarios and prints their rows.
async fn scenarios(
    args: &Args,
    http: &reqwest::Client,
    base: &str,
    db: &DatabaseConnection,
    database_url: &str,
    seeded: &Arc<Seeded>,
    backend: Backend,
) -> Result<()> {
    let Backend { postgres, analyze } = backend;
    let warm = Args {
        duration: 2,
        ..args.clone()
    };
    let ratio = |m: &Measurement, to: f64| format!("{:.0} %", m.throughput() / to * 100.0);

    // 1. A school lists its pupils: one page of 50, every one audited.
    let list_api = |a: Args| {
        let (http, base, seeded) = (http.clone(), base.to_owned(), seeded.clone());
        let op = move |random| {
            let school = &seeded.schools[random as usize % seeded.schools.len()];
            let request = http
                .get(format!(
                    "{base}/v1/tenants/{}/students?limit=50",
                    seeded.slug
                ))
                .bearer_auth(&school.key);
            api_ok(request, 200)
        };
        async move { drive(&a, op).await }
    };
    list_api(warm.clone()).await;
    let api = list_api(args.clone()).await;
    let direct = |a: Args, audited: bool| {
        let (db, seeded) = (db.clone(), seeded.clone());
        let op = move |random| {
            let (db, seeded) = (db.clone(), seeded.clone());
            async move { list_direct(&db, &seeded, random, audited).await }
        };
        async move { drive(&a, op).await }
    };
    direct(warm.clone(), true).await;
    let same = direct(args.clone(), true).await;
    let select = direct(args.clone(), false).await;
    let scenario = "list a school's pupils (page of 50)";
    print_row(
        scenario,
        "API (HTTP)",
        &api,
        &ratio(&api, same.throughput()),
    );
    print_row(
        scenario,
        "DB direct: SELECT + 50 audit rows (pool)",
        &same,
        "",
    );
    print_row(scenario, "DB direct: SELECT only (pool)", &select, "");
    if postgres {
        let script = format!(
            "\\set s random(0, {})\nBEGIN;\nSELECT {STUDENT_COLUMNS} FROM students WHERE tenant_id = (SELECT tenant_id FROM bench_schools WHERE n = :s) AND school_id = (SELECT id FROM bench_schools WHERE n = :s) ORDER BY id LIMIT 51;\nINSERT INTO audit_events (tenant_id, id, at, key_id, role, action, student_id, school_id, request_id) SELECT tenant_id, gen_random_uuid(), now(), NULL, 'school', 'student.list', id, school_id, NULL FROM students WHERE tenant_id = (SELECT tenant_id FROM bench_schools WHERE n = :s) AND school_id = (SELECT id FROM bench_schools WHERE n = :s) ORDER BY id LIMIT 50;\nCOMMIT;\n",
            seeded.schools.len() - 1
        );
        if let Some((tps, latency)) =
            pgbench_script(database_url, &script, "list_pupils", &[], args)?
        {
            println!(
                "| {scenario} | DB direct: the same in pgbench | {tps:.0} | avg {latency:.2} | | | | API {:.0} % of it |",
                api.throughput() / tps * 100.0
            );
        }
    }

    // 2. A school adds a portfolio entry (with its audit row and change).
    let add_api = |a: Args| {
        let (http, base, seeded) = (http.clone(), base.to_owned(), seeded.clone());
        let op = move |random| {
            let school = &seeded.schools[random as usize % seeded.schools.len()];
            let pupil = school.pupils[(random >> 20) as usize % school.pupils.len()];
            let request = http
                .post(format!("{base}/v1/tenants/{}/students/{pupil}/portfolio/entries", seeded.slug))
                .bearer_auth(&school.key)
                .json(&json!({"competence": "work_exploration", "kind": "reflection", "title": "Terugblik",
                              "body": ENTRY_BODY, "sectors": ["H"], "author_role": "student"}));
            api_ok(request, 201)
        };
        async move { drive(&a, op).await }
    };
    add_api(warm.clone()).await;
    let api = add_api(args.clone()).await;
    let add_direct = |a: Args| {
        let (db, seeded) = (db.clone(), seeded.clone());
        let op = move |random| {
            let (db, seeded) = (db.clone(), seeded.clone());
            async move { add_entry_direct(&db, &seeded, random).await }
        };
        async move { drive(&a, op).await }
    };
    add_direct(warm.clone()).await;
    let same = add_direct(args.clone()).await;
    let scenario = "add a portfolio entry";
    print_row(
        scenario,
        "API (HTTP)",
        &api,
        &ratio(&api, same.throughput()),
    );
    print_row(
        scenario,
        "DB direct: audit + entry + change (pool)",
        &same,
        "",
    );
    if postgres {
        let script = format!(
            "\\set p random(0, {})\nBEGIN;\nINSERT INTO audit_events (tenant_id, id, at, key_id, role, action, student_id, school_id, request_id) SELECT tenant_id, gen_random_uuid(), now(), NULL, 'school', 'portfolio_entry.create', id, school_id, NULL FROM bench_pupils WHERE n = :p;\nINSERT INTO portfolio_entries ({ENTRY_COLUMNS}) SELECT tenant_id, gen_random_uuid(), 1, now(), now(), id, school_id, 'work_exploration', 'reflection', 'Terugblik', '{ENTRY_BODY}', '|H|', '', NULL, NULL, false, 'student' FROM bench_pupils WHERE n = :p;\nUPDATE tenant_change_counters SET last_seq = last_seq + 1 WHERE tenant_id = (SELECT tenant_id FROM bench_pupils WHERE n = :p) RETURNING last_seq \\gset\nINSERT INTO changes (tenant_id, seq, resource, resource_id, op, version, at) SELECT tenant_id, :last_seq, 'portfolio_entry', gen_random_uuid(), 'created', 1, now() FROM bench_pupils WHERE n = :p;\nCOMMIT;\n",
            seeded.schools.iter().map(|s| s.pupils.len()).sum::<usize>() - 1
        );
        if let Some((tps, latency)) = pgbench_script(database_url, &script, "add_entry", &[], args)?
        {
            println!(
                "| {scenario} | DB direct: the same in pgbench | {tps:.0} | avg {latency:.2} | | | | API {:.0} % of it |",
                api.throughput() / tps * 100.0
            );
        }
    }

    // 3. Export one pupil with 200 entries. The entries added above grew the table:
    // where autovacuum is off, refresh the planner's statistics as it would have.
    if analyze {
        db.execute_unprepared("ANALYZE").await?;
    }
    let export_api = |a: Args| {
        let (http, base, seeded) = (http.clone(), base.to_owned(), seeded.clone());
        let op = move |_| {
            let request = http
                .get(format!(
                    "{base}/v1/tenants/{}/students/{}/export",
                    seeded.slug, seeded.exported
                ))
                .bearer_auth(&seeded.exported_key);
            api_ok(request, 200)
        };
        async move { drive(&a, op).await }
    };
    export_api(warm.clone()).await;
    let api = export_api(args.clone()).await;
    let export = |a: Args| {
        let (db, seeded) = (db.clone(), seeded.clone());
        let op = move |_| {
            let (db, seeded) = (db.clone(), seeded.clone());
            async move { export_direct(&db, &seeded).await }
        };
        async move { drive(&a, op).await }
    };
    export(warm.clone()).await;
    let same = export(args.clone()).await;
    let scenario = "export a pupil with 200 entries";
    print_row(
        scenario,
        "API (HTTP)",
        &api,
        &ratio(&api, same.throughput()),
    );
    print_row(scenario, "DB direct: 4 reads + audit row (pool)", &same, "");
    if postgres {
        let script = format!(
            "BEGIN;\nSELECT {STUDENT_COLUMNS} FROM students WHERE tenant_id = '{t}' AND id = '{s}';\nSELECT * FROM consents WHERE tenant_id = '{t}' AND student_id = '{s}' ORDER BY id;\nSELECT {ENTRY_COLUMNS} FROM portfolio_entries WHERE tenant_id = '{t}' AND student_id = '{s}' ORDER BY id;\nSELECT * FROM booking_students WHERE tenant_id = '{t}' AND student_id = '{s}';\nINSERT INTO audit_events (tenant_id, id, at, key_id, role, action, student_id, school_id, request_id) VALUES ('{t}', gen_random_uuid(), now(), NULL, 'school', 'student.export', '{s}', '{school}', NULL);\nCOMMIT;\n",
            t = seeded.tenant,
            s = seeded.exported,
            school = seeded.schools[0].id
        );
        if let Some((tps, latency)) = pgbench_script(database_url, &script, "export", &[], args)? {
            println!(
                "| {scenario} | DB direct: the same in pgbench | {tps:.0} | avg {latency:.2} | | | | API {:.0} % of it |",
                api.throughput() / tps * 100.0
            );
        }
    }

    // 5. The portfolio at a glance, read with the school's key and with the pupil's
    // own token: the same work, behind a token for one pupil.
    let portfolio = |a: Args, key: String| {
        let (http, base, seeded) = (http.clone(), base.to_owned(), seeded.clone());
        let op = move |_| {
            let request = http
                .get(format!(
                    "{base}/v1/tenants/{}/students/{}/portfolio",
                    seeded.slug, seeded.exported
                ))
                .bearer_auth(&key);
            api_ok(request, 200)
        };
        async move { drive(&a, op).await }
    };
    let (school_key, pupil_token) = (seeded.exported_key.clone(), seeded.exported_token.clone());
    portfolio(warm.clone(), school_key.clone()).await;
    portfolio(warm.clone(), pupil_token.clone()).await;
    // In the order key, token, token, key: every read appends an audit row, so a
    // later run reads beside a larger log; the pairs cancel that out.
    let school_first = portfolio(args.clone(), school_key.clone()).await;
    let pupil_first = portfolio(args.clone(), pupil_token.clone()).await;
    let pupil_second = portfolio(args.clone(), pupil_token).await;
    let school_second = portfolio(args.clone(), school_key).await;
    let scenario = "portfolio at a glance (200 entries)";
    for (side, run) in [
        ("API (HTTP), the school's key (1st)", &school_first),
        ("API (HTTP), the pupil's own token (1st)", &pupil_first),
        ("API (HTTP), the pupil's own token (2nd)", &pupil_second),
        ("API (HTTP), the school's key (2nd)", &school_second),
    ] {
        print_row(scenario, side, run, "");
    }
    let pupil = pupil_first.throughput() + pupil_second.throughput();
    let school = school_first.throughput() + school_second.throughput();
    println!(
        "| {scenario} | the pupil's token vs the school's key, both runs | | | | | | {:.0} % |",
        pupil / school * 100.0
    );
    Ok(())
}

/// Helper tables pgbench picks schools and pupils from by number.
async fn pgbench_tables(db: &DatabaseConnection, seeded: &Seeded) -> Result<()> {
    db.execute_unprepared("CREATE TABLE bench_schools (n integer PRIMARY KEY, tenant_id uuid NOT NULL, id uuid NOT NULL)")
        .await?;
    db.execute_unprepared("CREATE TABLE bench_pupils (n integer PRIMARY KEY, tenant_id uuid NOT NULL, school_id uuid NOT NULL, id uuid NOT NULL)")
        .await?;
    let schools: Vec<String> = seeded
        .schools
        .iter()
        .enumerate()
        .map(|(n, s)| format!("({n}, '{}', '{}')", seeded.tenant, s.id))
        .collect();
    db.execute_unprepared(&format!(
        "INSERT INTO bench_schools VALUES {}",
        schools.join(",")
    ))
    .await?;
    let mut n = 0;
    for school in &seeded.schools {
        for chunk in school.pupils.chunks(1000) {
            let rows: Vec<String> = chunk
                .iter()
                .map(|p| {
                    let row = format!("({n}, '{}', '{}', '{p}')", seeded.tenant, school.id);
                    n += 1;
                    row
                })
                .collect();
            db.execute_unprepared(&format!(
                "INSERT INTO bench_pupils VALUES {}",
                rows.join(",")
            ))
            .await?;
        }
    }
    Ok(())
}

pub async fn run(args: &Args, database_url: &str, postgres: bool) -> Result<()> {
    let seeded = Arc::new(seed(database_url, args).await?);
    let mut server = crate::start_server(args, database_url)?;
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
        let mut analyze = false;
        if postgres {
            pgbench_tables(db, &seeded).await?;
            analyze = crate::autovacuum_off(db).await?;
            if analyze {
                println!("# autovacuum is off on this server: the harness runs ANALYZE after seeding and between scenarios in its place");
                db.execute_unprepared("ANALYZE").await?;
            }
        }
        println!(
            "# suite=pupils backend={} schools={} pupils/school={} concurrency={} duration={}s",
            if postgres { "postgresql" } else { "sqlite" },
            args.schools_per_tenant,
            args.students_per_school,
            args.concurrency,
            args.duration
        );
        println!("| scenario | side | req/s | p50 ms | p90 ms | p99 ms | errors | API vs the same in the DB |");
        println!("|---|---|---:|---:|---:|---:|---:|---:|");
        let backend = Backend { postgres, analyze };
        scenarios(args, &http, &base, db, database_url, &seeded, backend).await
    }
    .await;
    crate::finish(server, result, "pupils")
}
