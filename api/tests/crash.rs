//! A node killed with SIGKILL in the middle of idempotent bookings, then started again:
//! every retry of every key is answered, and no key ever books twice — whether its
//! first attempt had committed (the retry is answered from the record the booking's
//! own transaction marked) or not (the retry runs once the first attempt's lock has
//! run out, within 30 s).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn driehoek(database_url: &str, port: u16, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_driehoek"));
    command
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("DRIEHOEK_BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .env_remove("REDIS_URL")
        .env_remove("DRIEHOEK_ADMIN_KEY");
    command
}

fn serve(database_url: &str, port: u16) -> Child {
    driehoek(database_url, port, &["serve"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn ready(http: &reqwest::Client, base: &str) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(reply) = http.get(format!("{base}/health/ready")).send().await
            && reply.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not become ready");
}

async fn get_json(http: &reqwest::Client, url: &str, key: &str) -> Value {
    http.get(url)
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn book(http: &reqwest::Client, url: &str, key: &str, body: &Value, idem: &str) -> u16 {
    http.post(url)
        .bearer_auth(key)
        .header("idempotency-key", idem)
        .json(body)
        .send()
        .await
        .map_or(0, |r| r.status().as_u16())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookings_cut_off_by_kill_9_are_booked_at_most_once_when_retried() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}?mode=rwc", dir.path().join("d.db").display());
    let seeded = driehoek(&database_url, 0, &["seed-demo"]).output().unwrap();
    let keys = String::from_utf8_lossy(&seeded.stdout);
    let school_key = keys
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|w| w.len() >= 3 && w[0] == "rotterdam" && w[1] == "school")
        .map(|w| w[2].to_owned())
        .expect("the demo's school key");

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let api = format!("{base}/v1/tenants/rotterdam");
    let http = reqwest::Client::new();
    let mut server = serve(&database_url, port);
    ready(&http, &base).await;
    let visits = get_json(
        &http,
        &format!("{api}/work-visits?available=true"),
        &school_key,
    )
    .await;
    let visit = &visits["data"][0];
    let seats = visit["group_size_min"].as_u64().unwrap();
    let visit_id = visit["id"].as_str().unwrap();
    let slots = get_json(
        &http,
        &format!("{api}/work-visits/{visit_id}/slots"),
        &school_key,
    )
    .await;
    let slot = slots["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["seats_left"].as_u64() > Some(0))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let requests: Vec<(String, Value)> = (0..24)
        .map(|i| {
            (
                format!("crash-{i}"),
                json!({"slot_id": slot, "group_name": format!("Klas {i}"), "seats": seats,
                       "waitlist": true, "contact": {"name": "Mentor"}}),
            )
        })
        .collect();

    // All at once; the node is killed while they run.
    let bookings = format!("{api}/bookings");
    let inflight: Vec<_> = requests
        .iter()
        .map(|(idem, body)| {
            let (http, url, key, body, idem) = (
                http.clone(),
                bookings.clone(),
                school_key.clone(),
                body.clone(),
                idem.clone(),
            );
            tokio::spawn(async move { book(&http, &url, &key, &body, &idem).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(40)).await;
    server.kill().unwrap();
    server.wait().unwrap();
    for request in inflight {
        let _ = request.await;
    }

    let mut server = serve(&database_url, port);
    ready(&http, &base).await;
    let started = Instant::now();
    let mut answers = HashMap::new();
    for (idem, body) in &requests {
        loop {
            let status = book(&http, &bookings, &school_key, body, idem).await;
            if status != 409 || started.elapsed() > Duration::from_secs(45) {
                answers.insert(idem.clone(), status);
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    let listed = get_json(
        &http,
        &format!("{bookings}?slot_id={slot}&limit=200"),
        &school_key,
    )
    .await;
    server.kill().unwrap();
    server.wait().unwrap();

    let mut per_group: HashMap<String, usize> = HashMap::new();
    for booking in listed["data"].as_array().unwrap() {
        *per_group
            .entry(booking["group_name"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    for (i, (idem, _)) in requests.iter().enumerate() {
        let status = answers[idem];
        assert!(
            status == 201 || status == 200,
            "{idem} answered {status} after the restart"
        );
        assert_eq!(
            per_group.get(&format!("Klas {i}")).copied().unwrap_or(0),
            1,
            "{idem}: one booking"
        );
    }
}
