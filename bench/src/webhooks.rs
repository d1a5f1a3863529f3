//! The webhooks suite (`--suite webhooks`): how fast deliveries leave. The release
//! server runs as its own process with its webhook worker (default poll interval,
//! 1 s); a keep-alive receiver in this process answers `200` and notes when each
//! delivery arrives.
//!
//! 1. Backlog: `--deliveries` changes (school creations) are made while the endpoint
//!    is disabled; the clock runs from enabling it until the last delivery arrives.
//!    For comparison, this process POSTs the same number of signed-size bodies straight
//!    to the receiver, `--concurrency` at a time: the receiver's own ceiling.
//! 2. Steady: 20 changes a second for `--duration` seconds; the lag from each change
//!    (its `timestamp`) to its arrival.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::work_visits::print_row;
use crate::{Args, Measurement};

/// When each delivery arrived, and how long after its change.
#[derive(Default)]
struct Arrivals {
    count: usize,
    lags_micros: Vec<u64>,
}

async fn receive(listener: TcpListener, arrivals: Arc<Mutex<Arrivals>>) {
    while let Ok((stream, _)) = listener.accept().await {
        let arrivals = arrivals.clone();
        tokio::spawn(async move {
            let _ = connection(stream, arrivals).await;
        });
    }
}

/// Serves one keep-alive connection: every request is answered `200`.
async fn connection(mut stream: TcpStream, arrivals: Arc<Mutex<Arrivals>>) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 16384];
    loop {
        let head_end = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buffer.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buffer.len() < head_end + length {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buffer.extend_from_slice(&chunk[..n]);
        }
        let body: Value =
            serde_json::from_slice(&buffer[head_end..head_end + length]).unwrap_or(Value::Null);
        buffer.drain(..head_end + length);
        let lag = body["timestamp"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .and_then(|t| {
                (driehoek_domain::clock::SystemClock::shared().now() - t.with_timezone(&Utc))
                    .to_std()
                    .ok()
            });
        {
            let mut arrivals = arrivals.lock().unwrap_or_else(|e| e.into_inner());
            arrivals.count += 1;
            if let Some(lag) = lag {
                arrivals.lags_micros.push(lag.as_micros() as u64);
            }
        }
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
            .await?;
    }
}

fn per_second(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

async fn wait_for(
    arrivals: &Arc<Mutex<Arrivals>>,
    count: usize,
    limit: Duration,
) -> Result<Instant> {
    let deadline = Instant::now() + limit;
    loop {
        let got = arrivals.lock().unwrap_or_else(|e| e.into_inner()).count;
        if got >= count {
            return Ok(Instant::now());
        }
        if Instant::now() > deadline {
            bail!("only {got} of {count} deliveries arrived within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

pub async fn run(args: &Args, database_url: &str, postgres: bool) -> Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let receiver = format!("http://127.0.0.1:{}/hooks", listener.local_addr()?.port());
    let arrivals = Arc::new(Mutex::new(Arrivals::default()));
    tokio::spawn(receive(listener, arrivals.clone()));

    let admin_key = "bench-admin-key-0123456789abcdefghijklmnopqrstuv";
    let mut server = crate::start_server_with(
        args,
        database_url,
        &[
            ("DRIEHOEK_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("DRIEHOEK_ADMIN_KEY", admin_key),
        ],
    )?;
    let base = format!("http://127.0.0.1:{}", args.port);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let result = async {
        crate::wait_ready(&http, &base, &mut server).await?;
        let send = |method: reqwest::Method, path: String, key: &str, body: Value| {
            http.request(method, format!("{base}{path}"))
                .bearer_auth(key)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
        };
        let city = crate::city_over_http(&http, &base, admin_key, "hooks").await?;
        let hook: Value = send(reqwest::Method::POST, "/v1/tenants/hooks/webhooks".to_owned(), &city,
                               json!({"url": receiver, "events": ["school.*"]}))
            .await?.error_for_status()?.json().await?;
        let hook_path = format!("/v1/tenants/hooks/webhooks/{}", hook["id"].as_str().context("an id")?);
        send(reqwest::Method::PATCH, hook_path.clone(), &city, json!({"status": "disabled"}))
            .await?.error_for_status()?;

        // 1. A backlog of changes, then the endpoint is enabled.
        let total = args.deliveries;
        let writes = futures_util::stream::iter(0..total)
            .map(|i| send(reqwest::Method::POST, "/v1/tenants/hooks/schools".to_owned(), &city,
                          json!({"name": format!("School {i}"), "kind": "secondary"})))
            .buffer_unordered(args.concurrency)
            .collect::<Vec<_>>()
            .await;
        let failed = writes.into_iter().filter(|r| !r.as_ref().is_ok_and(|r| r.status().is_success())).count();
        if failed > 0 {
            bail!("{failed} school creations failed");
        }
        println!(
            "# suite=webhooks backend={} deliveries={total} concurrency={} poll=1000 ms",
            if postgres { "postgresql" } else { "sqlite" },
            args.concurrency
        );
        println!("| scenario | side | deliveries/s | p50 ms | p90 ms | p99 ms | errors | |");
        println!("|---|---|---:|---:|---:|---:|---:|---:|");
        let started = Instant::now();
        send(reqwest::Method::PATCH, hook_path.clone(), &city, json!({"status": "enabled"}))
            .await?.error_for_status()?;
        let done = wait_for(&arrivals, total, Duration::from_secs(600)).await?;
        println!(
            "| backlog of {total}, from enabling to the last arrival | Driehoek worker | {:.0} | | | | 0 | |",
            per_second(total, done - started)
        );
        // The receiver's own ceiling: the same number of bodies POSTed straight to it.
        let body = json!({"type": "school.created", "timestamp": driehoek_domain::clock::SystemClock::shared().now(), "data": {"resource": "school", "id": uuid::Uuid::now_v7(), "op": "created", "version": 1, "seq": 1, "tenant": "hooks", "url": "/v1/tenants/hooks/schools/x"}}).to_string();
        let before = arrivals.lock().unwrap_or_else(|e| e.into_inner()).count;
        let started = Instant::now();
        futures_util::stream::iter(0..total)
            .map(|_| http.post(&receiver).header("content-type", "application/json").body(body.clone()).send())
            .buffer_unordered(args.concurrency)
            .collect::<Vec<_>>()
            .await;
        let done = wait_for(&arrivals, before + total, Duration::from_secs(600)).await?;
        println!(
            "| backlog of {total} | POSTed straight to the receiver, {} at a time | {:.0} | | | | 0 | |",
            args.concurrency,
            per_second(total, done - started)
        );

        // 2. Steady: 20 changes a second; the lag from each change to its arrival.
        arrivals.lock().unwrap_or_else(|e| e.into_inner()).lags_micros.clear();
        let before = arrivals.lock().unwrap_or_else(|e| e.into_inner()).count;
        let steady = (args.duration * 20) as usize;
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        for i in 0..steady {
            tick.tick().await;
            send(reqwest::Method::POST, "/v1/tenants/hooks/schools".to_owned(), &city,
                 json!({"name": format!("Steady {i}"), "kind": "primary"}))
                .await?.error_for_status()?;
        }
        wait_for(&arrivals, before + steady, Duration::from_secs(120)).await?;
        let lags = Measurement {
            micros: arrivals.lock().unwrap_or_else(|e| e.into_inner()).lags_micros.clone(),
            errors: 0,
            elapsed: Duration::from_secs(args.duration),
        };
        print_row("steady 20 changes/s: lag from change to arrival", "Driehoek worker", &lags, "");
        Ok::<(), anyhow::Error>(())
    }
    .await;
    crate::finish(server, result, "webhooks")
}
