//! The work-visits suite (`--suite work-visits`): partner sync of 1 000 offerings at a
//! time (which also seeds 100 000 of them), search over those 100 000 against the same
//! SQL run directly and through pgbench, and booking throughput with and without
//! contention on one slot.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use driehoek_api::startup;
use driehoek_domain::api_keys::NewApiKey;
use driehoek_domain::auth::{Actor, Binding, Role};
use driehoek_domain::businesses::NewBusiness;
use driehoek_domain::ids::TenantId;
use driehoek_domain::paging::PageRequest;
use driehoek_domain::schools::NewSchool;
use driehoek_domain::tenants::{NewTenant, SettingsChanges};
use driehoek_domain::values::{CountryCode, Locale, Name, TenantSlug, Timezone};
use driehoek_domain::vocabularies::{
    BusinessKind, EducationLevel, NaceSection, SchoolKind, Vocabulary,
};
use driehoek_domain::work_visits::{Visibility, WorkVisitFilter};
use driehoek_infra::db::entities::work_visits;
use driehoek_infra::db::work_visit_search_query;
use sea_orm::sea_query::PostgresQueryBuilder;
use sea_orm::{ConnectionTrait, DbBackend, QueryTrait, Select, Statement, Value};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use crate::{Args, CpuTimes, Measurement, drive, drive_gets, http1, pgbench_script};

const SECTORS: [&str; 10] = ["C", "F", "G", "H", "I", "J", "M", "P", "Q", "D"];
const LEVELS: [&str; 6] = [
    "nl_vmbo_bb",
    "nl_vmbo_kb",
    "nl_vmbo_gl",
    "nl_vmbo_tl",
    "nl_havo",
    "nl_mbo_2",
];
const WORDS: [&str; 8] = [
    "haven",
    "zorg",
    "bouw",
    "ict",
    "techniek",
    "logistiek",
    "horeca",
    "energie",
];
const FORMATS: [&str; 4] = ["taster_day", "company_visit", "job_shadowing", "workshop"];

/// Offerings per sync call, and calls per business while seeding.
const BATCH: usize = 1000;

/// One offering of business `b`, number `i`, with one slot of 30 seats; `variant`
/// changes its title (a changed payload).
fn offering(i: usize, variant: usize) -> Json {
    let day = 1 + i % 28;
    json!({
        "external_id": format!("V{i}"),
        "title": format!("Proefdag {} {i}{}", WORDS[i % WORDS.len()], if variant > 0 { format!(" ({variant})") } else { String::new() }),
        "format": FORMATS[i % FORMATS.len()],
        "sectors": [SECTORS[i % SECTORS.len()]],
        "occupations": ["8322"],
        "min_age": 12 + (i % 4),
        "max_age": 16 + (i % 3),
        "education_levels": [LEVELS[i % LEVELS.len()], LEVELS[(i + 1) % LEVELS.len()]],
        "group_size_min": 1,
        "group_size_max": 30,
        "online": true,
        "slots": [{"external_id": format!("S{i}"), "starts_at": format!("2027-05-{day:02}T08:00:00Z"),
                   "ends_at": format!("2027-05-{day:02}T12:00:00Z"), "capacity": 30}],
    })
}

fn payload(mode: &str, range: std::ops::Range<usize>, variant: usize) -> Json {
    json!({"mode": mode, "work_visits": range.map(|i| offering(i, variant)).collect::<Vec<_>>()})
}

struct Seeded {
    slug: String,
    tenant: Uuid,
    businesses: Vec<(Uuid, String)>,
    school_key: String,
    integrator_key: String,
}

fn parsed<T>(r: Result<T, String>) -> Result<T> {
    r.map_err(anyhow::Error::msg)
}

async fn seed(database_url: &str, businesses: usize) -> Result<Seeded> {
    let state = startup::connect(&crate::services_settings(database_url))
        .await
        .map_err(anyhow::Error::msg)?;
    let admin = Actor::bootstrap_admin();
    let tenant = state
        .tenants
        .create(
            &admin,
            NewTenant {
                slug: parsed(TenantSlug::parse("bench"))?,
                name: parsed(Name::parse("Gemeente Bench"))?,
                country: parsed(CountryCode::parse("NL"))?,
                locale: parsed(Locale::parse("nl-NL"))?,
                timezone: parsed(Timezone::parse("Europe/Amsterdam"))?,
                settings: SettingsChanges::default(),
            },
        )
        .await?;
    let key = |name: &str, role: Role, binding: Binding| -> Result<NewApiKey> {
        Ok(NewApiKey {
            name: parsed(Name::parse(name))?,
            role,
            binding,
            expires_at: None,
        })
    };
    let mut seeded_businesses = Vec::new();
    for b in 0..businesses {
        let business = state
            .businesses
            .create(
                &admin,
                tenant.id,
                NewBusiness {
                    name: parsed(Name::parse(&format!("Bedrijf {b}")))?,
                    kind: BusinessKind::Company,
                    registration_code: None,
                    sectors: vec![],
                    description: None,
                    address: None,
                    contact_email: None,
                    website: None,
                    status: None,
                },
            )
            .await?;
        let (_, secret) = state
            .api_keys
            .create(
                &admin,
                tenant.id,
                key("sync", Role::Business, Binding::Business(business.id))?,
            )
            .await?;
        seeded_businesses.push((business.id.as_uuid(), secret));
    }
    let school = state
        .schools
        .create(
            &admin,
            tenant.id,
            NewSchool {
                name: parsed(Name::parse("Bench College"))?,
                kind: SchoolKind::Secondary,
                registration_code: None,
                education_levels: LEVELS
                    .iter()
                    .map(|l| parsed(EducationLevel::parse(l)))
                    .collect::<Result<_>>()?,
                address: None,
                contact_email: None,
                website: None,
            },
        )
        .await?;
    let (_, school_key) = state
        .api_keys
        .create(
            &admin,
            tenant.id,
            key("book", Role::School, Binding::School(school.id))?,
        )
        .await?;
    let (_, integrator_key) = state
        .api_keys
        .create(
            &admin,
            tenant.id,
            key("search", Role::Integrator, Binding::None)?,
        )
        .await?;
    Ok(Seeded {
        slug: "bench".to_owned(),
        tenant: tenant.id.as_uuid(),
        businesses: seeded_businesses,
        school_key,
        integrator_key,
    })
}

/// Sends one sync call; its duration and the summary counts.
async fn sync(
    http: &reqwest::Client,
    base: &str,
    seeded: &Seeded,
    business: usize,
    body: &Json,
) -> Result<(Duration, Json)> {
    let (id, key) = &seeded.businesses[business];
    let url = format!(
        "{base}/v1/tenants/{}/businesses/{id}/work-visit-sync",
        seeded.slug
    );
    let started = Instant::now();
    let response = http.post(&url).bearer_auth(key).json(body).send().await?;
    let status = response.status();
    let answer: Json = response.json().await?;
    let took = started.elapsed();
    if !status.is_success() || answer["summary"]["failed"] != 0 {
        bail!("sync failed: {status} {}", answer["summary"]);
    }
    Ok((took, answer["summary"].clone()))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// A school's search: sector, level, age and seats left; and a free-text search.
#[derive(Clone, Copy)]
enum Search {
    Filtered,
    Text,
}

impl Search {
    fn name(self) -> &'static str {
        match self {
            Self::Filtered => "search sector+level+age+available",
            Self::Text => "search q (title text)",
        }
    }

    fn query(self) -> &'static str {
        match self {
            Self::Filtered => "sector=C&education_level=nl_vmbo_kb&age=14&available=true&limit=50",
            Self::Text => "q=zorg&limit=50",
        }
    }

    /// The filter the API makes of [`Search::query`] for an integrator's key.
    fn filter(self) -> WorkVisitFilter {
        let mut filter = WorkVisitFilter::new(Visibility::Published);
        match self {
            Self::Filtered => {
                filter.sector = Some(NaceSection::C);
                filter.education_level = Some(EducationLevel::NlVmboKb);
                filter.age = Some(14);
                filter.available = true;
            }
            Self::Text => filter.q = Some("zorg".to_owned()),
        }
        filter
    }

    /// The statement the repository sends for this search: the harness runs the
    /// repository's own query, never a copy of it.
    fn statement(self, backend: DbBackend, tenant: Uuid) -> Result<Select<work_visits::Entity>> {
        let page = PageRequest::new(Some(50), None).map_err(anyhow::Error::msg)?;
        Ok(work_visit_search_query(
            backend,
            TenantId::from_uuid(tenant),
            &self.filter(),
            &page,
        ))
    }

    /// The statement for pgbench with its values written in, as PostgreSQL plans once.
    fn literal_script(self, tenant: Uuid) -> Result<String> {
        let query = self.statement(DbBackend::Postgres, tenant)?.into_query();
        Ok(format!("{};\n", query.to_string(PostgresQueryBuilder)))
    }

    /// The statement for pgbench with every value bound (`$n` becomes `:vn`, given with
    /// `-D vn=value` and sent as a parameter with `-M prepared`): PostgreSQL plans such
    /// a statement for its values on each execution, as it does the API's.
    fn bound_script(self, tenant: Uuid) -> Result<(String, Vec<(String, String)>)> {
        let statement = self
            .statement(DbBackend::Postgres, tenant)?
            .build(DbBackend::Postgres);
        let values = statement.values.map(|v| v.0).unwrap_or_default();
        let mut sql = statement.sql;
        // From the last, so that `$1` does not rewrite the start of `$10`.
        for n in (1..=values.len()).rev() {
            sql = sql.replace(&format!("${n}"), &format!(":v{n}"));
        }
        let named = values
            .iter()
            .enumerate()
            .map(|(i, value)| Ok((format!("v{}", i + 1), value_text(value)?)))
            .collect::<Result<_>>()?;
        Ok((format!("{sql};\n"), named))
    }
}

/// A bound value as the text pgbench passes for it.
fn value_text(value: &Value) -> Result<String> {
    Ok(match value {
        Value::String(Some(text)) => text.clone(),
        Value::Uuid(Some(id)) => id.to_string(),
        Value::Int(Some(n)) => n.to_string(),
        Value::BigInt(Some(n)) => n.to_string(),
        Value::Unsigned(Some(n)) => n.to_string(),
        Value::BigUnsigned(Some(n)) => n.to_string(),
        Value::Bool(Some(b)) => b.to_string(),
        other => anyhow::bail!("no text for pgbench of the value {other:?}"),
    })
}

pub(crate) fn print_row(scenario: &str, side: &str, m: &Measurement, ratio: &str) {
    println!(
        "| {scenario} | {side} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {ratio} |",
        m.throughput(),
        m.percentile(50.0),
        m.percentile(90.0),
        m.percentile(99.0),
        m.errors
    );
}

async fn load_search_api(base: &str, seeded: &Seeded, search: Search, args: &Args) -> Measurement {
    let target = format!("/v1/tenants/{}/work-visits?{}", seeded.slug, search.query());
    let key: Arc<str> = seeded.integrator_key.as_str().into();
    // The page's items are counted without parsing it: the direct side does not
    // decode its rows into values either.
    let full_page = |body: &[u8]| http1::count(body, b"\"format\":") == 50;
    drive_gets(
        args,
        base,
        move |_| (target.clone(), key.clone()),
        full_page,
    )
    .await
}

async fn load_search_direct(
    database_url: &str,
    backend: DbBackend,
    tenant: Uuid,
    search: Search,
    args: &Args,
) -> Result<Measurement> {
    let statement = search.statement(backend, tenant)?.build(backend);
    Ok(crate::direct::drive_direct(
        args,
        database_url,
        move |_| statement.clone(),
        |rows| rows == 51,
    )
    .await)
}

/// Bookings of one seat by the school on slots picked at random: steady load with
/// little contention.
async fn load_bookings(
    http: &reqwest::Client,
    base: &str,
    seeded: &Seeded,
    slots: &Arc<Vec<Uuid>>,
    args: &Args,
) -> Measurement {
    let url = format!("{base}/v1/tenants/{}/bookings", seeded.slug);
    let (http, key, slots) = (http.clone(), seeded.school_key.clone(), slots.clone());
    drive(args, move |random| {
        let (http, url, key, slots) = (http.clone(), url.clone(), key.clone(), slots.clone());
        async move {
            let slot = slots[random as usize % slots.len()];
            let body = json!({"slot_id": slot, "group_name": "Bench", "seats": 1, "contact": {"name": "Bench"}});
            matches!(
                http.post(&url).bearer_auth(&key).json(&body).send().await,
                Ok(r) if r.status().as_u16() == 201
            )
        }
    })
    .await
}

/// `requests` one-seat bookings on one slot from all clients at once: how fast the
/// seats go under contention, and that exactly the capacity is taken. Answers the
/// measurement and the statuses seen.
async fn race_for_slot(
    http: &reqwest::Client,
    base: &str,
    seeded: &Seeded,
    slot: Uuid,
    requests: usize,
    args: &Args,
) -> (Measurement, HashMap<u16, u64>) {
    let url = format!("{base}/v1/tenants/{}/bookings", seeded.slug);
    let issued = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers = (0..args.concurrency)
        .map(|_| {
            let (http, url, key, issued) = (
                http.clone(),
                url.clone(),
                seeded.school_key.clone(),
                issued.clone(),
            );
            tokio::spawn(async move {
                let mut micros = Vec::new();
                let mut statuses: HashMap<u16, u64> = HashMap::new();
                while issued.fetch_add(1, Ordering::Relaxed) < requests {
                    let body = json!({"slot_id": slot, "group_name": "Bench", "seats": 1, "contact": {"name": "Bench"}});
                    let sent = Instant::now();
                    let status = match http.post(&url).bearer_auth(&key).json(&body).send().await {
                        Ok(r) => r.status().as_u16(),
                        Err(_) => 0,
                    };
                    micros.push(sent.elapsed().as_micros() as u64);
                    *statuses.entry(status).or_default() += 1;
                }
                (micros, statuses)
            })
        })
        .collect::<Vec<_>>();
    let mut micros = Vec::new();
    let mut statuses: HashMap<u16, u64> = HashMap::new();
    for (m, s) in futures_util::future::join_all(workers)
        .await
        .into_iter()
        .flatten()
    {
        micros.extend(m);
        for (status, n) in s {
            *statuses.entry(status).or_default() += n;
        }
    }
    let errors = statuses
        .iter()
        .filter(|(status, _)| !matches!(**status, 201 | 409))
        .map(|(_, n)| *n)
        .sum();
    (
        Measurement {
            micros,
            errors,
            elapsed: started.elapsed(),
        },
        statuses,
    )
}

pub async fn run(args: &Args, database_url: &str, postgres: bool) -> Result<()> {
    let businesses = args.work_visits.div_ceil(BATCH).max(1) + 1;
    let seeded = seed(database_url, businesses).await?;
    let mut server = crate::start_server(args, database_url)?;
    let base = format!("http://127.0.0.1:{}", args.port);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .timeout(Duration::from_secs(120))
        .build()?;
    let server_pid = server.id();
    let result = async {
        crate::wait_ready(&http, &base, &mut server).await?;
        println!(
            "# suite=work-visits backend={} work_visits={} concurrency={} duration={}s",
            if postgres { "postgresql" } else { "sqlite" },
            args.work_visits,
            args.concurrency,
            args.duration
        );
        // PostgreSQL plans with the statistics autovacuum keeps; where it is off (as on
        // this machine's server) the tables look empty to the planner forever and
        // every foreign-key check scans. Do what autovacuum would: ANALYZE as they grow.
        let stats = driehoek_infra::Database::connect(database_url)
            .await
            .map_err(anyhow::Error::msg)?;
        let autovacuum_off = postgres && crate::autovacuum_off(stats.connection()).await?;
        if autovacuum_off {
            println!("# autovacuum is off on this server: the harness runs ANALYZE after every 10 sync calls in its place");
        }
        // Seeding through the sync API: one partial sync of 1 000 new offerings per call.
        let mut create_times = Vec::new();
        for call in 0..args.work_visits / BATCH {
            if autovacuum_off && call % 10 == 0 {
                stats.connection().execute_unprepared("ANALYZE").await?;
            }
            let business = call / 10;
            let start = (call % 10) * BATCH;
            let (took, _) = sync(&http, &base, &seeded, business, &payload("partial", start..start + BATCH, 0)).await?;
            create_times.push(took.as_secs_f64());
        }
        if autovacuum_off {
            stats.connection().execute_unprepared("ANALYZE").await?;
        }
        // The targets' case: one business's full sync of 1 000, then again unchanged,
        // then with every title changed.
        let last = seeded.businesses.len() - 1;
        let (first_full, summary) = sync(&http, &base, &seeded, last, &payload("full", 0..BATCH, 0)).await?;
        if summary["created"] != BATCH {
            bail!("the first full sync created {}", summary["created"]);
        }
        let mut repeat_times = Vec::new();
        for _ in 0..5 {
            let (took, summary) = sync(&http, &base, &seeded, last, &payload("full", 0..BATCH, 0)).await?;
            if summary["unchanged"] != BATCH {
                bail!("a repeated sync changed something: {summary}");
            }
            repeat_times.push(took.as_secs_f64());
        }
        let mut change_times = Vec::new();
        for variant in 1..=3 {
            let (took, summary) = sync(&http, &base, &seeded, last, &payload("full", 0..BATCH, variant)).await?;
            if summary["updated"] != BATCH {
                bail!("a changed sync did not update all: {summary}");
            }
            change_times.push(took.as_secs_f64());
        }
        println!("\n| sync of 1 000 work visits (1 slot each) | calls | median s | max s |");
        println!("|---|---:|---:|---:|");
        let max = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
        if !create_times.is_empty() {
            println!("| partial, all new (seeding) | {} | {:.2} | {:.2} |", create_times.len(), median(create_times.clone()), max(&create_times));
        }
        println!("| full, all new | 1 | {:.2} | |", first_full.as_secs_f64());
        println!("| full, identical again (no-op) | {} | {:.3} | {:.3} |", repeat_times.len(), median(repeat_times.clone()), max(&repeat_times));
        println!("| full, every title changed | {} | {:.2} | {:.2} |", change_times.len(), median(change_times.clone()), max(&change_times));

        let direct = driehoek_infra::Database::connect(database_url)
            .await
            .map_err(anyhow::Error::msg)?;
        let db = direct.connection();
        println!("\n| scenario | side | req/s | p50 ms | p90 ms | p99 ms | errors | vs DB |");
        println!("|---|---|---:|---:|---:|---:|---:|---:|");
        let warm = Args { duration: 2, ..args.clone() };
        // Each side's CPU per request, by process: where a request's time goes, the
        // server's own and the database's, on the cores they share.
        let mut cpu = Vec::new();
        let sample = || CpuTimes::now(server_pid);
        // Nothing is recorded where `/proc` cannot be read.
        let split = |before: Option<CpuTimes>, requests: f64| {
            Some(CpuTimes::now(server_pid)?.per_request(before?, requests))
        };
        for search in [Search::Filtered, Search::Text] {
            load_search_api(&base, &seeded, search, &warm).await;
            let before = sample();
            let api = load_search_api(&base, &seeded, search, args).await;
            cpu.extend(split(before, api.micros.len() as f64).map(|s| (search.name(), "API (HTTP)", s)));
            load_search_direct(database_url, db.get_database_backend(), seeded.tenant, search, &warm).await?;
            let before = sample();
            let sql = load_search_direct(database_url, db.get_database_backend(), seeded.tenant, search, args).await?;
            cpu.extend(split(before, sql.micros.len() as f64).map(|s| (search.name(), "DB direct (sqlx)", s)));
            print_row(search.name(), "API (HTTP)", &api, &format!("{:.0} %", api.throughput() / sql.throughput() * 100.0));
            print_row(search.name(), "DB direct (sqlx)", &sql, "");
            if postgres {
                let script = search.literal_script(seeded.tenant)?;
                let before = sample();
                if let Some((tps, latency)) = pgbench_script(database_url, &script, "search", &[], args)? {
                    cpu.extend(split(before, tps * args.duration as f64).map(|s| (search.name(), "DB direct (pgbench)", s)));
                    println!("| {} | DB direct (pgbench) | {tps:.0} | avg {latency:.2} | | | | {:.0} % |", search.name(), api.throughput() / tps * 100.0);
                }
                let (script, values) = search.bound_script(seeded.tenant)?;
                let before = sample();
                if let Some((tps, latency)) = pgbench_script(database_url, &script, "search_bound", &values, args)? {
                    cpu.extend(split(before, tps * args.duration as f64).map(|s| (search.name(), "DB direct (pgbench, values bound)", s)));
                    println!("| {} | DB direct (pgbench, values bound) | {tps:.0} | avg {latency:.2} | | | | {:.0} % |", search.name(), api.throughput() / tps * 100.0);
                }
            }
        }

        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                "SELECT id FROM slots WHERE tenant_id = $1 ORDER BY id LIMIT 5000",
                [Value::from(seeded.tenant)],
            ))
            .await?;
        let slots: Vec<Uuid> = rows
            .iter()
            .map(|r| r.try_get::<Uuid>("", "id"))
            .collect::<Result<_, _>>()?;
        if slots.len() < 2 {
            return Err(anyhow!("no slots to book"));
        }
        let slots = Arc::new(slots);
        let spread = load_bookings(&http, &base, &seeded, &slots, args).await;
        print_row("book 1 seat on a random slot of 5 000", "API (HTTP)", &spread, "");
        // A fresh offering with one 1 000-seat slot, raced for by every client.
        let hot = json!({"mode": "partial", "work_visits": [{"external_id": "HOT", "title": "Open dag", "format": "company_visit",
            "min_age": 12, "max_age": 18, "group_size_min": 1, "group_size_max": 1000, "online": true,
            "slots": [{"external_id": "HOT-1", "starts_at": "2027-06-01T08:00:00Z", "ends_at": "2027-06-01T16:00:00Z", "capacity": 1000}]}]});
        sync(&http, &base, &seeded, 0, &hot).await?;
        let hot_slot: Uuid = db
            .query_one_raw(Statement::from_sql_and_values(
                db.get_database_backend(),
                "SELECT id FROM slots WHERE tenant_id = $1 AND external_id = 'HOT-1'",
                [Value::from(seeded.tenant)],
            ))
            .await?
            .context("the hot slot")?
            .try_get("", "id")?;
        let (race, statuses) = race_for_slot(&http, &base, &seeded, hot_slot, 2000, args).await;
        let confirmed = statuses.get(&201).copied().unwrap_or(0);
        if confirmed != 1000 {
            bail!("the 1 000-seat slot took {confirmed} one-seat bookings: {statuses:?}");
        }
        print_row(
            "2 000 one-seat bookings racing for a 1 000-seat slot",
            &format!("API (HTTP): {confirmed} × 201, {} × 409", statuses.get(&409).copied().unwrap_or(0)),
            &race,
            "",
        );
        crate::print_cpu(&cpu);
        Ok::<(), anyhow::Error>(())
    }
    .await;
    crate::finish(server, result, "work-visits")
}
