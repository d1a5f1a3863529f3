//! The route-maps suite (`--suite route-maps`): a generated map of `--nodes` nodes
//! (default 20 000: 18 000 programmes, 2 000 occupations over 200 ISCO codes) and
//! `--edges` edges (default 100 000) is imported whole over HTTP (time, server peak
//! memory), then route searches run against the API and, for comparison, the same
//! searches on the same graph in process (no HTTP, no server).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use driehoek_api::startup;
use driehoek_domain::api_keys::NewApiKey;
use driehoek_domain::auth::{Actor, Binding, Role};
use driehoek_domain::route_maps::{NewRouteMap, RouteMapAudience, RouteQuery, Target};
use driehoek_domain::tenants::{NewTenant, SettingsChanges};
use driehoek_domain::values::{CountryCode, IscoCode, Locale, Name, TenantSlug, Timezone};
use serde_json::{Value, json};

use crate::work_visits::print_row;
use crate::{Args, Measurement, drive, pick};

const PROGRAMME_SHARE: f64 = 0.9;

/// The generated map as JSON, deterministic for a given size.
pub(crate) fn generated_graph(nodes: usize, edges: usize) -> Value {
    let programmes = ((nodes as f64) * PROGRAMME_SHARE) as usize;
    let node_list: Vec<Value> = (0..nodes)
        .map(|i| {
            if i < programmes {
                json!({"code": format!("p{i}"), "kind": "education", "name": {"en": format!("Programme {i}")},
                       "education_level": "nl_mbo_4", "prospects": [{"indicator": "job_chances", "value": 1 + i % 5}]})
            } else {
                json!({"code": format!("o{i}"), "kind": "occupation", "name": {"en": format!("Occupation {i}")},
                       "isco_code": format!("{:04}", 1000 + i % 200), "prospects": [{"indicator": "job_chances", "value": 1 + i % 5}]})
            }
        })
        .collect();
    let mut seed = 0x2545_F491_4F6C_DD1D_u64;
    let mut seen = std::collections::HashSet::new();
    let mut edge_list = Vec::with_capacity(edges);
    while edge_list.len() < edges {
        let from = pick(&mut seed, programmes);
        let to_occupation = pick(&mut seed, 4) == 0;
        let to = if to_occupation {
            programmes + pick(&mut seed, nodes - programmes)
        } else {
            pick(&mut seed, programmes)
        };
        if from == to || !seen.insert((from, to)) {
            continue;
        }
        let (to_code, kind) = if to_occupation {
            (format!("o{to}"), "qualifies_for")
        } else {
            (format!("p{to}"), "progression")
        };
        edge_list.push(json!({"from": format!("p{from}"), "to": to_code, "kind": kind, "typical_years": 1 + (from + to) % 4}));
    }
    json!({"nodes": node_list, "edges": edge_list})
}

pub async fn run(args: &Args, database_url: &str, postgres: bool) -> Result<()> {
    let settings = crate::services_settings(database_url);
    let state = startup::connect(&settings)
        .await
        .map_err(anyhow::Error::msg)?;
    let admin = Actor::bootstrap_admin();
    let err = anyhow::Error::msg;
    let tenant = state
        .tenants
        .create(
            &admin,
            NewTenant {
                slug: TenantSlug::parse("routes").map_err(err)?,
                name: Name::parse("Gemeente Routes").map_err(err)?,
                country: CountryCode::parse("NL").map_err(err)?,
                locale: Locale::parse("nl-NL").map_err(err)?,
                timezone: Timezone::parse("Europe/Amsterdam").map_err(err)?,
                settings: SettingsChanges::default(),
            },
        )
        .await?;
    let mut keys = Vec::new();
    for role in [Role::CityAdmin, Role::Integrator] {
        let (_, secret) = state
            .api_keys
            .create(
                &admin,
                tenant.id,
                NewApiKey {
                    name: Name::parse("bench").map_err(err)?,
                    role,
                    binding: Binding::None,
                    expires_at: None,
                },
            )
            .await?;
        keys.push(secret);
    }
    let (city, integrator) = (keys[0].clone(), keys[1].clone());
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
    let document = serde_json::to_vec(&generated_graph(args.nodes, args.edges))?;
    let mut server = crate::start_server(args, database_url)?;
    let base = format!("http://127.0.0.1:{}", args.port);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .timeout(Duration::from_secs(300))
        .build()?;
    let result = async {
        crate::wait_ready(&http, &base, &mut server).await?;
        let idle = crate::peak_rss_mib(server.id()).unwrap_or(0.0);
        let map_url = format!("{base}/v1/tenants/routes/route-maps/{}", map.id);
        let started = Instant::now();
        let response = http
            .put(format!("{map_url}/graph"))
            .bearer_auth(&city)
            .header("content-type", "application/json")
            .body(document.clone())
            .send()
            .await?;
        let import = started.elapsed();
        if !response.status().is_success() {
            bail!("the import answered {}: {}", response.status(), response.text().await?);
        }
        let after_import = crate::peak_rss_mib(server.id()).unwrap_or(0.0);
        http.patch(&map_url)
            .bearer_auth(&city)
            .header("content-type", "application/merge-patch+json")
            .body(r#"{"status": "published"}"#)
            .send()
            .await?
            .error_for_status()?;
        println!(
            "# suite=route-maps backend={} nodes={} edges={} concurrency={} duration={}s",
            if postgres { "postgresql" } else { "sqlite" },
            args.nodes,
            args.edges,
            args.concurrency,
            args.duration
        );
        println!(
            "import of the whole graph ({:.1} MB of JSON) over HTTP: {:.2} s; server peak memory {idle:.1} MiB before, {after_import:.1} MiB after",
            document.len() as f64 / 1e6,
            import.as_secs_f64()
        );
        let programmes = ((args.nodes as f64) * PROGRAMME_SHARE) as usize;
        let searches = Arc::new((0..1000).map(|i| {
            let from = format!("p{}", (i * 7919) % programmes);
            if i % 2 == 0 {
                (from, format!("to_occupation={:04}", 1000 + i % 200))
            } else {
                (from, format!("to=p{}", (i * 104_729) % programmes))
            }
        }).collect::<Vec<_>>());
        println!("| scenario | side | req/s | p50 ms | p90 ms | p99 ms | errors | |");
        println!("|---|---|---:|---:|---:|---:|---:|---:|");
        let warm = Args { duration: 2, ..args.clone() };
        let over_http = |a: Args| {
            let (http, url, key, searches) = (http.clone(), format!("{map_url}/routes"), integrator.clone(), searches.clone());
            let op = move |random: u64| {
                let (from, to) = &searches[random as usize % searches.len()];
                let request = http.get(format!("{url}?from={from}&{to}&max_steps=6&limit=5")).bearer_auth(&key);
                async move {
                    match request.send().await {
                        Ok(r) if r.status().is_success() => r.bytes().await.is_ok(),
                        _ => false,
                    }
                }
            };
            async move { drive(&a, op).await }
        };
        over_http(warm.clone()).await;
        let api = over_http(args.clone()).await;
        print_row("route search (max 6 steps, 5 routes)", "API (HTTP)", &api, "");
        // The same searches in process, one at a time, on the graph the API serves.
        let direct = driehoek_infra::Database::connect(database_url).await.map_err(err)?;
        let graph = direct.route_maps().graph(tenant.id, map.id).await?;
        let mut micros = Vec::new();
        let started = Instant::now();
        for (i, (from, to)) in searches.iter().enumerate().cycle().take(5000) {
            let query = RouteQuery {
                from: driehoek_domain::route_maps::NodeCode::parse(from).map_err(err)?,
                to: if let Some(isco) = to.strip_prefix("to_occupation=") {
                    Target::Occupation(IscoCode::parse(isco).map_err(err)?)
                } else {
                    Target::Node(driehoek_domain::route_maps::NodeCode::parse(&to[3..]).map_err(err)?)
                },
                max_steps: 6,
                min_prospect: None,
                require_prospects: false,
                limit: 5,
            };
            let t = Instant::now();
            let found = graph.routes(&query).map_err(|e| anyhow::anyhow!("search {i}: {e:?}"))?;
            micros.push(t.elapsed().as_micros() as u64);
            std::hint::black_box(found);
        }
        let in_process = Measurement { micros, errors: 0, elapsed: started.elapsed() };
        print_row("route search (max 6 steps, 5 routes)", "in process, one at a time (no HTTP)", &in_process, "");
        Ok::<(), anyhow::Error>(())
    }
    .await;
    crate::finish(server, result, "route-maps")
}
