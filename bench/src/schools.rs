//! The schools suite: `list_schools` and `get_school` through the API, the
//! application's repository and the database directly (sqlx, pgbench), and the HTTP
//! floor of requests that touch no database (README.md, "The schools suite").

use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use driehoek_api::startup;
use driehoek_domain::api_keys::NewApiKey;
use driehoek_domain::auth::{Actor, Binding, Role};
use driehoek_domain::schools::NewSchool;
use driehoek_domain::tenants::{NewTenant, SettingsChanges};
use driehoek_domain::values::{CountryCode, Locale, Name, TenantSlug, Timezone};
use driehoek_domain::vocabularies::{EducationLevel, SchoolKind};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use uuid::Uuid;

use crate::{
    Args, CpuTimes, Measurement, autovacuum_off, direct, drive, drive_gets, drop_database,
    peak_rss_mib, pgbench_script, print_cpu, start_server, wait_ready,
};

/// What the load needs to know about one seeded tenant.
struct SeededTenant {
    slug: String,
    id: Uuid,
    key: String,
    schools: Vec<Uuid>,
}

const LIST_SQL: &str = "SELECT tenant_id, id, version, created_at, updated_at, name, kind, registration_code, education_levels, address_street, address_postal_code, address_city, contact_email, website FROM schools WHERE tenant_id = $1 AND kind = 'secondary' ORDER BY id ASC LIMIT 51";
const GET_SQL: &str = "SELECT tenant_id, id, version, created_at, updated_at, name, kind, registration_code, education_levels, address_street, address_postal_code, address_city, contact_email, website FROM schools WHERE tenant_id = $1 AND id = $2";

/// Requests that touch no database, as the same clients make them: what HTTP and the
/// server's middleware cost alone. A single read through the API costs at least this
/// and the query; at half of the database's rate the two together must fit in two of
/// its queries, so a floor slower than the database's own rate rules that out.
const HTTP_FLOOR: [(&str, &str); 2] = [
    ("/health/live", "GET /health/live (no key, no database)"),
    (
        "/v1/vocabularies/school_kinds",
        "GET /v1/vocabularies/school_kinds (a key, no database)",
    ),
];

#[derive(Clone, Copy, PartialEq)]
enum Scenario {
    ListSchools,
    GetSchool,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Self::ListSchools => "list_schools",
            Self::GetSchool => "get_school",
        }
    }
}

async fn seed(database_url: &str, args: &Args) -> Result<Vec<SeededTenant>> {
    let settings = crate::services_settings(database_url);
    let state = startup::connect(&settings)
        .await
        .map_err(anyhow::Error::msg)?;
    let admin = Actor::bootstrap_admin();
    let kinds = [
        SchoolKind::Primary,
        SchoolKind::Secondary,
        SchoolKind::Vocational,
    ];
    let levels = [
        EducationLevel::NlPo,
        EducationLevel::NlHavo,
        EducationLevel::NlMbo3,
    ];
    let mut tenants = Vec::new();
    let started = Instant::now();
    for t in 0..args.tenants {
        let slug = format!("city-{t:04}");
        let tenant = state
            .tenants
            .create(
                &admin,
                NewTenant {
                    slug: TenantSlug::parse(&slug).map_err(anyhow::Error::msg)?,
                    name: Name::parse(&format!("Gemeente {t}")).map_err(anyhow::Error::msg)?,
                    country: CountryCode::parse("NL").map_err(anyhow::Error::msg)?,
                    locale: Locale::parse("nl-NL").map_err(anyhow::Error::msg)?,
                    timezone: Timezone::parse("Europe/Amsterdam").map_err(anyhow::Error::msg)?,
                    settings: SettingsChanges::default(),
                },
            )
            .await?;
        let mut schools = Vec::with_capacity(args.schools_per_tenant);
        for s in 0..args.schools_per_tenant {
            let school = state
                .schools
                .create(
                    &admin,
                    tenant.id,
                    NewSchool {
                        name: Name::parse(&format!("School {s} van gemeente {t}"))
                            .map_err(anyhow::Error::msg)?,
                        kind: kinds[s % 3],
                        registration_code: None,
                        education_levels: vec![levels[s % 3]],
                        address: None,
                        contact_email: None,
                        website: None,
                    },
                )
                .await?;
            schools.push(school.id.as_uuid());
        }
        let (_, key) = state
            .api_keys
            .create(
                &admin,
                tenant.id,
                NewApiKey {
                    name: Name::parse("bench integrator").map_err(anyhow::Error::msg)?,
                    role: Role::Integrator,
                    binding: Binding::None,
                    expires_at: None,
                },
            )
            .await?;
        tenants.push(SeededTenant {
            slug,
            id: tenant.id.as_uuid(),
            key,
            schools,
        });
    }
    eprintln!(
        "seeded {} tenant(s) x {} schools in {:.1} s",
        args.tenants,
        args.schools_per_tenant,
        started.elapsed().as_secs_f64()
    );
    Ok(tenants)
}

async fn load_api(
    base: &str,
    tenants: &Arc<Vec<SeededTenant>>,
    scenario: Scenario,
    args: &Args,
) -> Measurement {
    let tenants: Vec<(String, Arc<str>, Vec<Uuid>)> = tenants
        .iter()
        .map(|t| (t.slug.clone(), t.key.as_str().into(), t.schools.clone()))
        .collect();
    let request = move |random: u64| {
        let (slug, key, schools) = &tenants[random as usize % tenants.len()];
        let target = match scenario {
            Scenario::ListSchools => {
                format!("/v1/tenants/{slug}/schools?kind=secondary&limit=50")
            }
            Scenario::GetSchool => format!(
                "/v1/tenants/{slug}/schools/{}",
                schools[(random >> 16) as usize % schools.len()]
            ),
        };
        (target, key.clone())
    };
    drive_gets(args, base, request, |_| true).await
}

/// The scenario's statement sent straight to the database (see [`direct`]).
async fn load_direct(
    database_url: &str,
    backend: DbBackend,
    tenants: &Arc<Vec<SeededTenant>>,
    scenario: Scenario,
    args: &Args,
) -> Measurement {
    let tenants = tenants.clone();
    let statement = move |random: u64| {
        let tenant = &tenants[random as usize % tenants.len()];
        match scenario {
            Scenario::ListSchools => {
                Statement::from_sql_and_values(backend, LIST_SQL, [Value::from(tenant.id)])
            }
            Scenario::GetSchool => {
                let school = tenant.schools[(random >> 16) as usize % tenant.schools.len()];
                Statement::from_sql_and_values(
                    backend,
                    GET_SQL,
                    [Value::from(tenant.id), Value::from(school)],
                )
            }
        }
    };
    direct::drive_direct(args, database_url, statement, |rows| rows > 0).await
}

/// The same scenario through the application's repository (sea-orm entity query and
/// mapping to the domain), without HTTP: separates ORM cost from HTTP cost.
async fn load_repository(
    database: &driehoek_infra::Database,
    tenants: &Arc<Vec<SeededTenant>>,
    scenario: Scenario,
    args: &Args,
) -> Measurement {
    use driehoek_domain::ids::{SchoolId, TenantId};
    use driehoek_domain::paging::PageRequest;
    use driehoek_domain::schools::SchoolFilter;
    let (repo, tenants) = (database.schools(), tenants.clone());
    drive(args, move |random| {
        let (repo, tenants) = (repo.clone(), tenants.clone());
        async move {
            let tenant = &tenants[random as usize % tenants.len()];
            let tenant_id = TenantId::from_uuid(tenant.id);
            match scenario {
                Scenario::ListSchools => {
                    let filter = SchoolFilter {
                        kind: Some(SchoolKind::Secondary),
                        ..SchoolFilter::default()
                    };
                    repo.list(tenant_id, &filter, &PageRequest::first(50))
                        .await
                        .is_ok_and(|rows| !rows.is_empty())
                }
                Scenario::GetSchool => {
                    let school = SchoolId::from_uuid(
                        tenant.schools[(random >> 16) as usize % tenant.schools.len()],
                    );
                    repo.get(tenant_id, school).await.is_ok_and(|s| s.is_some())
                }
            }
        }
    })
    .await
}

/// Runs `pgbench` with a script doing the scenario's query, picking ids from a helper table.
async fn pgbench(
    database_url: &str,
    db: &DatabaseConnection,
    tenants: &[SeededTenant],
    scenario: Scenario,
    args: &Args,
) -> Result<Option<(f64, f64)>> {
    if Command::new("pgbench").arg("--version").output().is_err() {
        return Ok(None);
    }
    db.execute_unprepared("CREATE TABLE IF NOT EXISTS bench_ids (n integer PRIMARY KEY, tenant_id uuid NOT NULL, id uuid NOT NULL)")
        .await?;
    let count: i64 = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT count(*) AS c FROM bench_ids",
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "c"))
        .transpose()?
        .unwrap_or(0);
    if count == 0 {
        let mut n = 0;
        for tenant in tenants {
            for chunk in tenant.schools.chunks(500) {
                let values: Vec<String> = chunk
                    .iter()
                    .map(|id| {
                        n += 1;
                        format!("({n}, '{}', '{id}')", tenant.id)
                    })
                    .collect();
                db.execute_unprepared(&format!(
                    "INSERT INTO bench_ids VALUES {}",
                    values.join(",")
                ))
                .await?;
            }
        }
    }
    let total: usize = tenants.iter().map(|t| t.schools.len()).sum();
    let script = match scenario {
        Scenario::ListSchools => format!(
            "\\set n random(1, {total})\nSELECT s.tenant_id, s.id, s.version, s.created_at, s.updated_at, s.name, s.kind, s.registration_code, s.education_levels, s.address_street, s.address_postal_code, s.address_city, s.contact_email, s.website FROM schools s WHERE s.tenant_id = (SELECT tenant_id FROM bench_ids WHERE n = :n) AND s.kind = 'secondary' ORDER BY s.id LIMIT 51;\n"
        ),
        Scenario::GetSchool => format!(
            "\\set n random(1, {total})\nSELECT s.tenant_id, s.id, s.version, s.created_at, s.updated_at, s.name, s.kind, s.registration_code, s.education_levels, s.address_street, s.address_postal_code, s.address_city, s.contact_email, s.website FROM schools s JOIN bench_ids b ON s.tenant_id = b.tenant_id AND s.id = b.id WHERE b.n = :n;\n"
        ),
    };
    pgbench_script(database_url, &script, scenario.name(), &[], args)
}

/// Seeds, starts the server and runs every scenario of the suite.
pub async fn run(args: &Args, database_url: &str, pg_name: Option<String>) -> Result<()> {
    let tenants = Arc::new(seed(database_url, args).await?);
    let mut server = start_server(args, database_url)?;
    let base = format!("http://127.0.0.1:{}", args.port);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let result = async {
        wait_ready(&http, &base, &mut server).await?;
        let direct = driehoek_infra::Database::connect(database_url)
            .await
            .map_err(anyhow::Error::msg)?;
        let backend = if pg_name.is_some() {
            "postgresql"
        } else {
            "sqlite"
        };
        if pg_name.is_some() && autovacuum_off(direct.connection()).await? {
            println!("# autovacuum is off on this server: the harness ran ANALYZE after seeding");
            direct.connection().execute_unprepared("ANALYZE").await?;
        }
        println!(
            "# backend={backend} tenants={} schools/tenant={} concurrency={} duration={}s",
            args.tenants, args.schools_per_tenant, args.concurrency, args.duration
        );
        println!("| scenario | side | req/s | p50 ms | p90 ms | p99 ms | errors | vs DB |");
        println!("|---|---|---:|---:|---:|---:|---:|---:|");
        // Each side's CPU per request, by process (nothing where `/proc` cannot be read).
        let mut cpu = Vec::new();
        let sample = || CpuTimes::now(server.id());
        let split = |before: Option<CpuTimes>, requests: f64| {
            Some(CpuTimes::now(server.id())?.per_request(before?, requests))
        };
        // pgbench's rate on `get_school`, which the HTTP floor below is set against.
        let mut pgbench_get = None;
        // Every side is warmed first so its first seconds do not count.
        let warm = Args {
            duration: 2,
            ..args.clone()
        };
        for scenario in [Scenario::ListSchools, Scenario::GetSchool] {
            load_api(&base, &tenants, scenario, &warm).await;
            let before = sample();
            let api = load_api(&base, &tenants, scenario, args).await;
            cpu.extend(
                split(before, api.micros.len() as f64).map(|s| (scenario.name(), "API (HTTP)", s)),
            );
            let backend = direct.connection().get_database_backend();
            load_direct(database_url, backend, &tenants, scenario, &warm).await;
            let before = sample();
            let db = load_direct(database_url, backend, &tenants, scenario, args).await;
            cpu.extend(
                split(before, db.micros.len() as f64)
                    .map(|s| (scenario.name(), "DB direct (sqlx)", s)),
            );
            load_repository(&direct, &tenants, scenario, &warm).await;
            let repo = load_repository(&direct, &tenants, scenario, args).await;
            let ratio =
                |m: &Measurement| format!("{:.0} %", m.throughput() / db.throughput() * 100.0);
            for (side, m, r) in [
                ("API (HTTP)", &api, ratio(&api)),
                ("app repository, no HTTP", &repo, ratio(&repo)),
                ("DB direct (sqlx)", &db, String::new()),
            ] {
                println!(
                    "| {} | {side} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {r} |",
                    scenario.name(),
                    m.throughput(),
                    m.percentile(50.0),
                    m.percentile(90.0),
                    m.percentile(99.0),
                    m.errors
                );
            }
            let before = sample();
            if pg_name.is_some()
                && let Some((tps, latency)) =
                    pgbench(database_url, direct.connection(), &tenants, scenario, args).await?
            {
                cpu.extend(
                    split(before, tps * args.duration as f64)
                        .map(|s| (scenario.name(), "DB direct (pgbench)", s)),
                );
                println!(
                    "| {} | DB direct (pgbench) | {tps:.0} | avg {latency:.2} | | | | {:.0} % |",
                    scenario.name(),
                    api.throughput() / tps * 100.0
                );
                if scenario == Scenario::GetSchool {
                    pgbench_get = Some(tps);
                }
            }
        }
        for (target, side) in HTTP_FLOOR {
            let key: Arc<str> = tenants[0].key.as_str().into();
            let request = move |_| (target.to_owned(), key.clone());
            drive_gets(&warm, &base, request.clone(), |_| true).await;
            let before = sample();
            let floor = drive_gets(args, &base, request, |_| true).await;
            cpu.extend(split(before, floor.micros.len() as f64).map(|s| ("http_floor", side, s)));
            let share = pgbench_get
                .map(|tps| {
                    format!(
                        "{:.0} % of pgbench's get_school",
                        floor.throughput() / tps * 100.0
                    )
                })
                .unwrap_or_default();
            println!(
                "| http_floor | {side} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {share} |",
                floor.throughput(),
                floor.percentile(50.0),
                floor.percentile(90.0),
                floor.percentile(99.0),
                floor.errors
            );
        }
        print_cpu(&cpu);
        let peak = peak_rss_mib(server.id())
            .map(|m| format!("{m:.1} MiB"))
            .unwrap_or_else(|| "unknown".to_owned());
        println!("\nserver peak memory (VmHWM): {peak}");
        Ok::<(), anyhow::Error>(())
    }
    .await;
    let _ = server.kill();
    let _ = server.wait();
    drop_database(args, pg_name).await?;
    result
}
