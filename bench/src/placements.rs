//! The placements suite (`--suite placements`): a school with 300 pupils (all with
//! participation consent), and two bliksemstage days: 12 offerings with one slot each
//! (groups of 2-4, 4 seats) for a class of 30, and 60 offerings (groups of 3-6, 6 seats)
//! for a year group of 300. Each pupil ranks 3 (class) or 5 (year) offerings, drawn
//! with a skew so a few offerings are everyone's favourite (the case that makes
//! smallest groups bind). Then `POST …/placements` over HTTP, one request at a time,
//! for `--duration` seconds each: the latency a teacher sees, with the server's peak
//! memory.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use chrono::{TimeDelta, Utc};
use driehoek_api::startup;
use driehoek_domain::ids::{SlotId, StudentId, WorkVisitId};
use driehoek_domain::vocabularies::{BusinessKind, EducationLevel, WorkVisitFormat};
use serde_json::{Value, json};

use crate::work_visits::print_row;
use crate::{Args, Measurement, pick, seeding};

fn err(e: String) -> anyhow::Error {
    anyhow::Error::msg(e)
}

/// One bliksemstage day to place a group over.
struct Case {
    name: &'static str,
    pupils: usize,
    choices: usize,
    offerings: Vec<(WorkVisitId, SlotId)>,
}

impl Case {
    /// The request: pupil `p` ranks `choices` distinct offerings, the lower-numbered
    /// ones (the favourites) far likelier.
    fn body(&self, pupils: &[StudentId]) -> Value {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let n = self.offerings.len();
        let pupils: Vec<Value> = pupils[..self.pupils]
            .iter()
            .map(|p| {
                let mut ranked: Vec<usize> = Vec::new();
                while ranked.len() < self.choices {
                    // The smaller of two draws: offering i is chosen ~ (n - i) / n².
                    let o = pick(&mut seed, n).min(pick(&mut seed, n));
                    if !ranked.contains(&o) {
                        ranked.push(o);
                    }
                }
                let choices: Vec<String> = ranked
                    .iter()
                    .map(|o| self.offerings[*o].0.to_string())
                    .collect();
                json!({"student_id": p.to_string(), "choices": choices})
            })
            .collect();
        let slots: Vec<String> = self.offerings.iter().map(|(_, s)| s.to_string()).collect();
        json!({"group_name": self.name, "contact": {"name": "Mevr. Jansen"},
               "slot_ids": slots, "pupils": pupils})
    }
}

pub async fn run(args: &Args, database_url: &str, postgres: bool) -> Result<()> {
    let state = startup::connect(&crate::services_settings(database_url))
        .await
        .map_err(err)?;
    let tenant = seeding::tenant(&state, "placing", "Gemeente Placing").await?;
    let business = seeding::business(&state, &tenant, "JINC", BusinessKind::Intermediary).await?;
    let school = seeding::school(&state, &tenant, "Bench College", EducationLevel::NlHavo).await?;
    let (school_actor, school_key) = seeding::school_key(&state, &tenant, &school, "bench").await?;
    let mut pupils = Vec::new();
    for p in 0..300 {
        let pupil = seeding::consenting_pupil(
            &state,
            (&school_actor, &tenant),
            (&format!("B-{p}"), &format!("Pupil {p}")),
            chrono::Datelike::year(&Utc::now()) - 15,
            EducationLevel::NlHavo,
        )
        .await?;
        pupils.push(pupil.id);
    }
    let mut cases = Vec::new();
    for (name, pupils, choices, offerings, group, days) in [
        ("class of 30 over 12 slots", 30, 3, 12, (2, 4), 20),
        ("year of 300 over 60 slots", 300, 5, 60, (3, 6), 21),
    ] {
        let starts_at = Utc::now() + TimeDelta::days(days);
        let mut day = Vec::new();
        for o in 0..offerings {
            let visit = seeding::online_offering(
                &state,
                (&tenant, &business),
                (
                    &format!("Bliksemstage {o}"),
                    WorkVisitFormat::LightningInternship,
                    vec![],
                ),
                group,
            )
            .await?;
            let slot =
                seeding::three_hour_slot(&state, &tenant, &visit, starts_at, u32::from(group.1))
                    .await?;
            day.push((visit.id, slot.id));
        }
        cases.push(Case {
            name,
            pupils,
            choices,
            offerings: day,
        });
    }

    let mut server = crate::start_server(args, database_url)?;
    let base = format!("http://127.0.0.1:{}", args.port);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()?;
    let result = async {
        crate::wait_ready(&http, &base, &mut server).await?;
        println!(
            "# suite=placements backend={} duration={}s (one request at a time)",
            if postgres { "postgresql" } else { "sqlite" },
            args.duration
        );
        let url = format!("{base}/v1/tenants/placing/placements");
        println!("\n| scenario | side | req/s | p50 ms | p90 ms | p99 ms | errors | outcome |");
        println!("|---|---|---:|---:|---:|---:|---:|---|");
        for case in &cases {
            let body = case.body(&pupils);
            let mut micros = Vec::new();
            let mut errors = 0;
            let mut outcome = String::new();
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(args.duration) {
                let sent = Instant::now();
                let answer = http
                    .post(&url)
                    .bearer_auth(&school_key)
                    .json(&body)
                    .send()
                    .await?;
                let ok = answer.status().as_u16() == 201;
                let answer: Value = answer.json().await?;
                if ok {
                    micros.push(sent.elapsed().as_micros() as u64);
                    outcome = format!(
                        "placed {} of {}, by rank {}, optimal {}",
                        answer["totals"]["placed"],
                        case.pupils,
                        answer["totals"]["by_rank"],
                        answer["optimal"]
                    );
                } else {
                    errors += 1;
                    if errors == 1 {
                        bail!("{}: {answer}", case.name);
                    }
                }
            }
            let m = Measurement {
                micros,
                errors,
                elapsed: started.elapsed(),
            };
            print_row(case.name, "API (HTTP)", &m, &outcome);
        }
        Ok(())
    }
    .await;
    crate::finish(server, result, "placements")
}
