//! The platform suite (`--suite platform`): what the rate limiter and the idempotency
//! layer cost per request, with in-process counters (no `REDIS_URL`) and with Redis
//! (`--redis`); idempotency records are in the database either way.
//!
//! - The rate limiter counts every request with a key, so it cannot be left out of an
//!   API request; its cost is measured alone, the limiter called as the middleware
//!   calls it, next to an authenticated request that touches no database
//!   (`GET /v1/vocabularies/school_kinds`) made through the server.
//! - The idempotency layer engages only when a request carries `Idempotency-Key`: the
//!   same write (`POST …/schools`) is made without and with a fresh key each time.

use std::sync::Arc;

use anyhow::{Context, Result};
use driehoek_api::rate_limit::{RateLimiter, SharedCounters};
use driehoek_infra::redis_store::RedisStore;
use serde_json::json;

use crate::work_visits::print_row;
use crate::{Args, Measurement, drive};

const ADMIN_KEY: &str = "bench-admin-key-0123456789abcdefghijklmnopqrstuv";

/// The limiter alone, as the middleware calls it, from `args.concurrency` tasks.
async fn limiter_alone(args: &Args, shared: Option<RedisStore>) -> Measurement {
    let limiter = Arc::new(RateLimiter::new(
        shared.map(|r| Box::new(r) as Box<dyn SharedCounters>),
        driehoek_domain::clock::SystemClock::shared(),
    ));
    let op = move |random: u64| {
        let limiter = limiter.clone();
        async move {
            // 16 keys, as 16 clients with a key each would be.
            let quota = limiter
                .hit(&format!("bench-key-{}", random % 16), u32::MAX)
                .await;
            !quota.exceeded
        }
    };
    drive(args, op).await
}

/// One server (with or without Redis): the authenticated no-database request, and the
/// same write without and with an idempotency key.
async fn through_the_server(args: &Args, database_url: &str, redis: Option<&str>) -> Result<()> {
    let mut env = vec![("DRIEHOEK_ADMIN_KEY", ADMIN_KEY)];
    if let Some(url) = redis {
        env.push(("REDIS_URL", url));
    }
    let mut server = crate::start_server_with(args, database_url, &env)?;
    let base = format!("http://127.0.0.1:{}", args.port);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let side = if redis.is_some() {
        "Redis"
    } else {
        "in process"
    };
    let result =
        async {
            crate::wait_ready(&http, &base, &mut server).await?;
            let slug = format!("platform{}", if redis.is_some() { "r" } else { "p" });
            let city = crate::city_over_http(&http, &base, ADMIN_KEY, &slug).await?;
            let warm = Args {
                duration: 2,
                ..args.clone()
            };
            let read = |a: Args| {
                let (http, url, key) = (
                    http.clone(),
                    format!("{base}/v1/vocabularies/school_kinds"),
                    city.clone(),
                );
                let op = move |_| {
                    let request = http.get(&url).bearer_auth(&key);
                    async move { matches!(request.send().await, Ok(r) if r.status().is_success()) }
                };
                async move { drive(&a, op).await }
            };
            read(warm.clone()).await;
            let m = read(args.clone()).await;
            print_row(
                "GET vocabulary (key, rate limit, no database)",
                &format!("API, limits {side}"),
                &m,
                "",
            );
            for with_key in [false, true] {
                let write = |a: Args| {
                    let (http, url, key) = (
                        http.clone(),
                        format!("{base}/v1/tenants/{slug}/schools"),
                        city.clone(),
                    );
                    let op = move |random: u64| {
                        let mut request = http
                            .post(&url)
                            .bearer_auth(&key)
                            .header("content-type", "application/json")
                            .body(
                                json!({"name": format!("School {random}"), "kind": "primary"})
                                    .to_string(),
                            );
                        if with_key {
                            request = request.header("idempotency-key", format!("bench-{random}"));
                        }
                        async move {
                            matches!(request.send().await, Ok(r) if r.status().as_u16() == 201)
                        }
                    };
                    async move { drive(&a, op).await }
                };
                write(warm.clone()).await;
                let m = write(args.clone()).await;
                let label = if with_key {
                    format!("API, with Idempotency-Key, limits {side}")
                } else {
                    format!("API, no Idempotency-Key, limits {side}")
                };
                print_row("POST a school", &label, &m, "");
            }
            Ok::<(), anyhow::Error>(())
        }
        .await;
    crate::finish(server, result, "platform")
}

pub async fn run(args: &Args, database_url: &str, postgres: bool) -> Result<()> {
    let timeout = std::time::Duration::from_millis(100);
    let redis = match RedisStore::connect(&args.redis, uuid::Uuid::now_v7(), timeout).await {
        Ok(redis) if redis.ping().await.is_ok() => Some(redis),
        Ok(_) => {
            println!(
                "# no answer from Redis at {}: the Redis rows are left out",
                args.redis
            );
            None
        }
        Err(e) => {
            println!(
                "# no Redis at {} ({e}): the Redis rows are left out",
                args.redis
            );
            None
        }
    };
    println!(
        "# suite=platform backend={} concurrency={} duration={}s",
        if postgres { "postgresql" } else { "sqlite" },
        args.concurrency,
        args.duration
    );
    println!("| scenario | side | req/s | p50 ms | p90 ms | p99 ms | errors | |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    let m = limiter_alone(args, None).await;
    print_row("rate limiter alone (16 keys)", "in process", &m, "");
    if let Some(redis) = redis.clone() {
        let m = limiter_alone(args, Some(redis)).await;
        print_row(
            "rate limiter alone (16 keys)",
            "Redis (one script call)",
            &m,
            "",
        );
    }
    through_the_server(args, database_url, None).await?;
    if redis.is_some() {
        through_the_server(args, database_url, Some(&args.redis))
            .await
            .context("with Redis")?;
    }
    Ok(())
}
