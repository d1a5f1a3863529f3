//! Logs and metrics. Logs are human-readable lines or JSON lines; every line of a
//! request carries its `request_id` and, once known, its `tenant` and `key_id`. They
//! go to standard output through `tracing-appender`'s non-blocking writer: a worker
//! hands a line to the log thread and goes on, so no request waits for a `write` or
//! stalls behind a slow reader of the output; when the log thread falls behind by
//! more lines than its queue holds, writers wait rather than lines being dropped.
//! Metrics live in one process-wide Prometheus recorder.

use std::sync::{Mutex, OnceLock, PoisonError};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use tracing_appender::non_blocking::{NonBlocking, NonBlockingBuilder, WorkerGuard};

use crate::json_log::{JsonFields, JsonLines};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Installs the global subscriber once; later calls (tests) do nothing. `RUST_LOG`
/// wins; otherwise `level` for our own lines (the server logs `info`; one-shot commands
/// log only warnings, so what they print on stdout can be captured by a script).
pub fn init_logging(format: LogFormat, level: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(format!(
            "{level},sqlx=warn,sea_orm=warn,sea_orm_migration=warn,actix_server=warn"
        ))
    });
    let output = OUTPUT
        .get_or_init(|| {
            let (writer, guard) = NonBlockingBuilder::default()
                .lossy(false)
                .thread_name("driehoek-log")
                .finish(std::io::stdout());
            *GUARD.lock().unwrap_or_else(PoisonError::into_inner) = Some(guard);
            writer
        })
        .clone();
    let result = match format {
        LogFormat::Json => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(output)
            .fmt_fields(JsonFields)
            .event_format(JsonLines)
            .try_init(),
        LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(output)
            .with_target(false)
            .try_init(),
    };
    drop(result);
}

static OUTPUT: OnceLock<NonBlocking> = OnceLock::new();

/// Ends the log thread once it has written every line queued; dropping it flushes.
static GUARD: Mutex<Option<WorkerGuard>> = Mutex::new(None);

/// Writes the log lines still queued; call before the process ends.
pub fn flush_logs() {
    drop(GUARD.lock().unwrap_or_else(PoisonError::into_inner).take());
}

static METRICS: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's metrics recorder, installed on first use.
fn handle() -> Option<&'static PrometheusHandle> {
    METRICS
        .get_or_init(|| {
            let buckets = [
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ];
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("driehoek_http_request_duration_seconds".to_owned()),
                    &buckets,
                )
                .ok()?
                .install_recorder()
                .ok()
        })
        .as_ref()
}

pub fn init_metrics() {
    handle();
}

pub fn render_metrics() -> String {
    handle().map(|h| h.render()).unwrap_or_default()
}
