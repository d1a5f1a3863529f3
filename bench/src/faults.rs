//! The `faults` suite: what a node costs and how fast it answers when things go
//! wrong (issue 18).
//!
//! 1. **Large bodies**: 64 clients post a 7 MiB partial sync each at once; the
//!    answers by status, the slowest, and the server's peak memory.
//! 2. **Redis fails**: keyed reads of one school from `--concurrency` clients, with
//!    the server's Redis behind a fault proxy (`driehoek_tests::proxy`): Redis
//!    answering, then blackholed (accepting and never answering), then refusing
//!    connections; p50/p99 of each.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use driehoek_tests::proxy::{Fault, FaultProxy};
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::Args;

const ADMIN_KEY: &str = "bench-admin-key-0123456789abcdefghijklmnopqrstuv";

/// A partial sync of 1 000 offerings with long descriptions: about 7 MiB.
fn large_sync(round: usize) -> String {
    let description = "Een dag meelopen in de haven: ".repeat(166);
    let work_visits: Vec<Value> = (0..1000)
        .map(|i| {
            let slots: Vec<Value> = (0..20)
                .map(|s| {
                    json!({"external_id": format!("s{s}"), "starts_at": format!("2031-0{}-1{}T08:00:00Z", 1 + s % 9, s % 10),
                           "ends_at": format!("2031-0{}-1{}T12:00:00Z", 1 + s % 9, s % 10), "capacity": 20})
                })
                .collect();
            json!({"external_id": format!("r{round}-{i}"), "title": format!("Havenstage {i}"), "format": "taster_day",
                   "sectors": ["H"], "occupations": ["8322"], "min_age": 13, "max_age": 16,
                   "group_size_min": 1, "group_size_max": 4, "description": description,
                   "location": {"street": "Waalhaven Z.z. 1", "postal_code": "3089 JH", "city": "Rotterdam"},
                   "slots": slots})
        })
        .collect();
    json!({"mode": "partial", "work_visits": work_visits}).to_string()
}

pub async fn run(args: &Args, database_url: &str, postgres: bool) -> Result<()> {
    println!(
        "# suite=faults backend={} concurrency={} duration={}s",
        if postgres { "postgresql" } else { "sqlite" },
        args.concurrency,
        args.duration
    );
    large_bodies(args, database_url).await?;
    redis_faults(args, database_url).await
}

async fn large_bodies(args: &Args, database_url: &str) -> Result<()> {
    let mut server =
        crate::start_server_with(args, database_url, &[("DRIEHOEK_ADMIN_KEY", ADMIN_KEY)])?;
    let base = format!("http://127.0.0.1:{}", args.port);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()?;
    let result = async {
        crate::wait_ready(&http, &base, &mut server).await?;
        let city = crate::city_over_http(&http, &base, ADMIN_KEY, "haven").await?;
        let business: Value = http
            .post(format!("{base}/v1/tenants/haven/businesses"))
            .bearer_auth(&city)
            .json(&json!({"name": "Havenbedrijf", "kind": "company", "sectors": ["H"]}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let id = business["id"].as_str().context("a business id")?.to_owned();
        let path = format!("{base}/v1/tenants/haven/businesses/{id}/work-visit-sync");
        let bodies: Vec<String> = (0..64).map(large_sync).collect();
        println!(
            "\n## 64 concurrent partial syncs of {:.1} MiB each",
            bodies[0].len() as f64 / 1_048_576.0
        );
        let started = Instant::now();
        let answers = futures_util::stream::iter(bodies)
            .map(|body| {
                let (http, path, city) = (http.clone(), path.clone(), city.clone());
                async move {
                    let sent = Instant::now();
                    let answer = http
                        .post(path)
                        .bearer_auth(city)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await;
                    let (status, summary) = match answer {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            let body: Value = r.json().await.unwrap_or_default();
                            (status, body["summary"].clone())
                        }
                        Err(_) => (0, Value::Null),
                    };
                    (status, sent.elapsed(), summary)
                }
            })
            .buffer_unordered(64)
            .collect::<Vec<_>>()
            .await;
        let mut by_status = std::collections::BTreeMap::new();
        let (mut created, mut failed) = (0, 0);
        for (status, _, summary) in &answers {
            *by_status.entry(*status).or_insert(0) += 1;
            created += summary["created"].as_u64().unwrap_or(0);
            failed += summary["failed"].as_u64().unwrap_or(0);
        }
        println!("work visits created {created}, failed {failed}");
        let slowest = answers.iter().map(|a| a.1).max().unwrap_or_default();
        println!(
            "answers by status: {by_status:?}; slowest {:.1} s; all in {:.1} s",
            slowest.as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }
    .await;
    crate::finish(server, result, "faults (large bodies)")
}

async fn redis_faults(args: &Args, database_url: &str) -> Result<()> {
    let upstream = std::net::ToSocketAddrs::to_socket_addrs(
        args.redis
            .trim_start_matches("redis://")
            .trim_end_matches('/'),
    )?
    .next()
    .context("the Redis address")?;
    let proxy = FaultProxy::start(upstream).await;
    let redis_url = format!("redis://{}", proxy.addr());
    let mut server = crate::start_server_with(
        args,
        database_url,
        &[("DRIEHOEK_ADMIN_KEY", ADMIN_KEY), ("REDIS_URL", &redis_url)],
    )?;
    let base = format!("http://127.0.0.1:{}", args.port);
    let http = reqwest::Client::new();
    let result = async {
        crate::wait_ready(&http, &base, &mut server).await?;
        let city = crate::city_over_http(&http, &base, ADMIN_KEY, "redisloos").await?;
        let school: Value = http
            .post(format!("{base}/v1/tenants/redisloos/schools"))
            .bearer_auth(&city)
            .json(&json!({"name": "Zadkine", "kind": "vocational"}))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let target = format!(
            "/v1/tenants/redisloos/schools/{}",
            school["id"].as_str().context("a school id")?
        );
        let key: std::sync::Arc<str> = city.as_str().into();
        println!("\n## keyed reads of one school while Redis fails");
        println!("| Redis | req/s | p50 ms | p99 ms | max ms | errors |");
        println!("|---|---:|---:|---:|---:|---:|");
        for (label, fault) in [
            ("answers", Fault::None),
            ("blackholed", Fault::Blackhole),
            ("refuses connections", Fault::Refuse),
            ("answers again", Fault::None),
        ] {
            if fault == Fault::Refuse {
                proxy.stop();
            } else {
                proxy.set(fault);
            }
            if label == "answers again" {
                // The probe's interval grows to 2 s.
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
            let (target, key) = (target.clone(), key.clone());
            let m = crate::drive_gets(
                args,
                &base,
                move |_| (target.clone(), key.clone()),
                |_| true,
            )
            .await;
            let max = m.micros.iter().max().copied().unwrap_or(0) as f64 / 1000.0;
            println!(
                "| {label} | {:.0} | {:.2} | {:.2} | {max:.1} | {} |",
                m.throughput(),
                m.percentile(50.0),
                m.percentile(99.0),
                m.errors
            );
            if m.micros.is_empty() {
                bail!("no read answered with Redis {label}");
            }
        }
        Ok(())
    }
    .await;
    crate::finish(server, result, "faults (Redis)")
}
