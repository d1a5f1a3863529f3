//! The recommendations suite (`--suite recommendations`): `--work-visits` published
//! offerings (default in the issue: 10 000) with five slots each over the next 90 days,
//! synced in by ten businesses; the route-maps suite's generated map of `--nodes`
//! nodes (20 000) and `--edges` edges, published; and one pupil with 200 portfolio
//! entries and a route plan on that map. Then `GET …/students/{id}/recommendations`
//! over HTTP, one client at a time (the latency a pupil's app sees) and with
//! `--concurrency` clients (what the server carries), with the server's peak memory.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, bail};
use chrono::{Datelike, TimeDelta, Utc};
use driehoek_api::startup;
use driehoek_domain::api_keys::NewApiKey;
use driehoek_domain::auth::{Actor, Binding, Role};
use driehoek_domain::route_maps::{NewRouteMap, NodeCode, RouteMapAudience};
use driehoek_domain::students::{EntryAuthor, NewEntry, NewRoutePlan};
use driehoek_domain::values::{EntryBody, IscoCode, Name};
use driehoek_domain::vocabularies::{
    BusinessKind, Competence, EducationLevel, NaceSection, PortfolioEntryKind, Vocabulary,
};
use serde_json::{Value, json};

use crate::work_visits::print_row;
use crate::{Args, drive_gets, seeding};

const LEVELS: [&str; 5] = ["nl_vmbo_kb", "nl_vmbo_tl", "nl_havo", "nl_vwo", "nl_mbo_2"];
const BATCH: usize = 1000;
const SLOTS_PER_OFFERING: usize = 5;

fn err(e: String) -> anyhow::Error {
    anyhow::Error::msg(e)
}

/// Offering `i`: a sector and an occupation of the map's 200, two levels, ages around
/// the pupil's, and five slots spread over the next 90 days.
fn offering(i: usize) -> Value {
    let sectors = NaceSection::ALL;
    let competences = Competence::ALL;
    let slots: Vec<Value> = (0..SLOTS_PER_OFFERING)
        .map(|s| {
            let start = Utc::now() + TimeDelta::days(2 + ((i * 7 + s * 17) % 85) as i64);
            let day = start.format("%Y-%m-%d");
            json!({"external_id": format!("S{i}-{s}"), "starts_at": format!("{day}T08:00:00Z"),
                   "ends_at": format!("{day}T12:00:00Z"), "capacity": 30})
        })
        .collect();
    json!({
        "external_id": format!("V{i}"),
        "title": format!("Proefdag {i}"),
        "format": "company_visit",
        "sectors": [sectors[i % sectors.len()].code()],
        "occupations": [format!("{:04}", 1000 + i % 200)],
        "competences": [competences[i % competences.len()].code()],
        "min_age": 12 + (i % 3),
        "max_age": 16 + (i % 3),
        "education_levels": [LEVELS[i % LEVELS.len()], LEVELS[(i + 2) % LEVELS.len()]],
        "languages": ["nl"],
        "group_size_min": 1,
        "group_size_max": 30,
        "online": true,
        "status": "published",
        "slots": slots,
    })
}

pub async fn run(args: &Args, database_url: &str, postgres: bool) -> Result<()> {
    let state = startup::connect(&crate::services_settings(database_url))
        .await
        .map_err(err)?;
    let admin = Actor::bootstrap_admin();
    let tenant = seeding::tenant(&state, "matching", "Gemeente Matching").await?;
    let key = |role: Role, binding: Binding| -> Result<NewApiKey> {
        Ok(NewApiKey {
            name: Name::parse("bench").map_err(err)?,
            role,
            binding,
            expires_at: None,
        })
    };
    let mut businesses = Vec::new();
    for b in 0..args.work_visits.div_ceil(BATCH) {
        let business = seeding::business(
            &state,
            &tenant,
            &format!("Bedrijf {b}"),
            BusinessKind::Company,
        )
        .await?;
        let (_, secret) = state
            .api_keys
            .create(
                &admin,
                tenant.id,
                key(Role::Business, Binding::Business(business.id))?,
            )
            .await?;
        businesses.push((business.id, secret));
    }
    let school = seeding::school(&state, &tenant, "Bench College", EducationLevel::NlHavo).await?;
    let (school_actor, school_key) = state
        .api_keys
        .create(
            &admin,
            tenant.id,
            key(Role::School, Binding::School(school.id))?,
        )
        .await?;
    let school_actor = school_actor.actor();
    let (_, city) = state
        .api_keys
        .create(&admin, tenant.id, key(Role::CityAdmin, Binding::None)?)
        .await?;
    let pupil = seeding::consenting_pupil(
        &state,
        (&school_actor, &tenant),
        ("B-1", "Sara"),
        Utc::now().year() - 15,
        EducationLevel::NlHavo,
    )
    .await?;
    for e in 0..200 {
        let sectors = NaceSection::ALL;
        state
            .students
            .add_entry(
                &school_actor,
                tenant.id,
                pupil.id,
                NewEntry {
                    competence: Competence::ALL[e % 4],
                    kind: if e % 10 == 0 {
                        PortfolioEntryKind::Talent
                    } else {
                        PortfolioEntryKind::Reflection
                    },
                    title: Name::parse(&format!("Entry {e}")).map_err(err)?,
                    body: EntryBody::parse("Wat ik deed en wat ik ervan leerde.").map_err(err)?,
                    sectors: vec![sectors[e % 6]],
                    occupations: vec![
                        IscoCode::parse(&format!("{:04}", 1000 + e % 40)).map_err(err)?,
                    ],
                    evidence_url: None,
                    booking_id: None,
                    shared_with_business: false,
                    author_role: Some(EntryAuthor::Student),
                },
            )
            .await?;
    }
    let map = state
        .route_maps
        .create(
            &admin,
            tenant.id,
            NewRouteMap {
                name: Name::parse("Generated map").map_err(err)?,
                description: None,
                audience: RouteMapAudience::Pupils,
                status: None,
            },
        )
        .await?;
    let graph = crate::route_maps::generated_graph(args.nodes, args.edges);
    // Two steps along the map's first progression edge.
    let Some(first) = graph["edges"]
        .as_array()
        .and_then(|edges| edges.iter().find(|e| e["kind"] == "progression"))
    else {
        bail!("the generated map has no progression edge");
    };
    let steps = [first["from"].clone(), first["to"].clone()];

    let mut server = crate::start_server(args, database_url)?;
    let base = format!("http://127.0.0.1:{}", args.port);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()?;
    let result = async {
        crate::wait_ready(&http, &base, &mut server).await?;
        let t = "/v1/tenants/matching";
        for (call, (business, secret)) in businesses.iter().enumerate() {
            let range = call * BATCH..((call + 1) * BATCH).min(args.work_visits);
            let body = json!({"mode": "partial", "work_visits": range.map(offering).collect::<Vec<_>>()});
            let answer: Value = http
                .post(format!("{base}{t}/businesses/{business}/work-visit-sync"))
                .bearer_auth(secret)
                .json(&body)
                .send()
                .await?
                .json()
                .await?;
            if answer["summary"]["failed"] != 0 {
                bail!("sync failed: {}", answer["summary"]);
            }
        }
        let map_url = format!("{base}{t}/route-maps/{}", map.id);
        http.put(format!("{map_url}/graph"))
            .bearer_auth(&city)
            .json(&graph)
            .send()
            .await?
            .error_for_status()?;
        http.patch(&map_url)
            .bearer_auth(&city)
            .header("content-type", "application/merge-patch+json")
            .body(r#"{"status": "published"}"#)
            .send()
            .await?
            .error_for_status()?;
        state
            .students
            .set_route_plan(
                &school_actor,
                tenant.id,
                pupil.id,
                NewRoutePlan {
                    route_map_id: map.id,
                    steps: steps
                        .iter()
                        .map(|s| NodeCode::parse(s.as_str().unwrap_or_default()).map_err(err))
                        .collect::<Result<_>>()?,
                    target_occupation: Some(IscoCode::parse("1005").map_err(err)?),
                    plan_b: Vec::new(),
                    helpers: Vec::new(),
                    notes: None,
                },
                None,
            )
            .await?;
        if postgres {
            let direct = driehoek_infra::Database::connect(database_url).await.map_err(err)?;
            sea_orm::ConnectionTrait::execute_unprepared(direct.connection(), "ANALYZE").await?;
        }
        // The map's import drives the server's peak while seeding: say it, then start
        // the peak afresh (`clear_refs` 5 resets VmHWM) so the figure at the end is the
        // recommendations' own.
        let seeding_peak = crate::peak_rss_mib(server.id()).unwrap_or(0.0);
        let reset = std::fs::write(format!("/proc/{}/clear_refs", server.id()), "5").is_ok();
        println!(
            "# suite=recommendations backend={} work_visits={} slots={} nodes={} edges={} entries=200 duration={}s",
            if postgres { "postgresql" } else { "sqlite" },
            args.work_visits,
            args.work_visits * SLOTS_PER_OFFERING,
            args.nodes,
            args.edges,
            args.duration
        );
        let target = Arc::<str>::from(format!("{t}/students/{}/recommendations", pupil.id));
        let key = Arc::<str>::from(school_key.as_str());
        let sample = http
            .get(format!("{base}{target}"))
            .bearer_auth(&school_key)
            .send()
            .await?;
        let sample: Value = sample.json().await?;
        let items = sample["data"].as_array().map_or(0, Vec::len);
        if items != 20 {
            bail!("expected a full list of 20, got {items}: {sample}");
        }
        println!("first item: {}", sample["data"][0]);
        println!(
            "server peak memory while seeding (the map's import): {seeding_peak:.1} MiB; {}",
            if reset { "the peak below is from the recommendations on" } else { "could not reset the peak: the one below includes seeding" }
        );
        println!("\n| scenario | side | req/s | p50 ms | p90 ms | p99 ms | errors | |");
        println!("|---|---|---:|---:|---:|---:|---:|---:|");
        for concurrency in [1, args.concurrency] {
            let run = Args { concurrency, ..args.clone() };
            let (target, key) = (target.clone(), key.clone());
            let m = drive_gets(&run, &base, move |_| (target.to_string(), key.clone()), |body| body.starts_with(b"{\"data\":[{")).await;
            print_row(
                &format!("recommendations, {concurrency} client(s)"),
                "API (HTTP)",
                &m,
                "",
            );
        }
        Ok(())
    }
    .await;
    crate::finish(server, result, "recommendations")
}
