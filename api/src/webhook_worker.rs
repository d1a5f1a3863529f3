//! The webhook worker every node runs: it turns new changes into deliveries and sends
//! the due ones, then sleeps for the poll interval. Nodes share the work through the
//! database (cursors moved conditionally, deliveries leased), so any number may run.

use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::state::AppState;

/// Deliveries one node sends at once.
const SEND_BATCH: u32 = 64;
/// The wait after a round that failed (the database is down, say).
const ERROR_PAUSE: Duration = Duration::from_secs(2);
/// How often a node clears deliveries older than the log keeps.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// A running worker; [`Worker::stop`] lets its current round finish.
pub struct Worker {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Worker {
    /// Starts the worker on the current Tokio runtime.
    pub fn spawn(state: AppState, poll_interval: Duration) -> Self {
        let (stop, mut stopped) = watch::channel(false);
        let node = format!("{}:{}", hostname(), uuid::Uuid::now_v7());
        let task = tokio::spawn(async move {
            tracing::info!(node = %node, "webhook worker started");
            let mut purged = tokio::time::Instant::now();
            loop {
                if purged.elapsed() >= PURGE_EVERY {
                    purged = tokio::time::Instant::now();
                    match state.webhooks.purge_old_deliveries().await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(removed = n, "old webhook deliveries removed"),
                        Err(e) => tracing::warn!(error = %e, "old webhook deliveries not removed"),
                    }
                    let before = state.clock.now() - crate::idempotency::KEEP;
                    match state.database.idempotency_records().purge(before).await {
                        Ok(0) => {}
                        Ok(n) => {
                            tracing::info!(removed = n, "idempotency records over 24 h old removed")
                        }
                        Err(e) => tracing::warn!(error = %e, "old idempotency records not removed"),
                    }
                }
                let pause = match round(&state, &node).await {
                    Ok(true) => Duration::ZERO,
                    Ok(false) => poll_interval,
                    Err(e) => {
                        tracing::warn!(error = %e, "webhook worker round failed");
                        ERROR_PAUSE
                    }
                };
                if *stopped.borrow() {
                    break;
                }
                if !pause.is_zero() {
                    tokio::select! {
                        _ = tokio::time::sleep(pause) => {}
                        _ = stopped.changed() => break,
                    }
                }
            }
            tracing::info!(node = %node, "webhook worker stopped");
        });
        Self { stop, task }
    }

    /// Asks the worker to stop after its current round and waits up to `grace` for it;
    /// deliveries it holds then are sent again by a node once their lease ends.
    pub async fn stop(self, grace: Duration) {
        let _ = self.stop.send(true);
        let abort = self.task.abort_handle();
        if tokio::time::timeout(grace, self.task).await.is_err() {
            abort.abort();
        }
    }
}

/// One round: fan out new changes, then send what is due. `true` when there may be
/// more to do at once (changes were fanned out, or a full batch was sent).
async fn round(state: &AppState, node: &str) -> Result<bool, driehoek_domain::DomainError> {
    let made = state.webhooks.fan_out().await?;
    if made > 0 {
        metrics::counter!("driehoek_webhook_deliveries_created_total").increment(made as u64);
    }
    let sent = state.webhooks.send_due(node, SEND_BATCH).await?;
    for (outcome, count) in [
        ("succeeded", sent.succeeded),
        ("retrying", sent.retrying),
        ("failed", sent.failed),
    ] {
        if count > 0 {
            metrics::counter!("driehoek_webhook_attempts_total", "outcome" => outcome)
                .increment(count as u64);
        }
    }
    Ok(made > 0 || sent.total() >= SEND_BATCH as usize)
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".to_owned())
}
