//! Logs and metrics. Logs are human-readable lines or JSON lines (tracing-subscriber's
//! JSON format: `timestamp`, `level`, the event's fields, `target`, and the request's
//! span under `span`); every line of a request carries its `request_id` and, once
//! known, its `tenant` and `key_id`. They
//! go to standard output through `tracing-appender`'s non-blocking writer: a worker
//! hands a line to the log thread and goes on, so no request waits for a `write` or
//! stalls behind a slow reader of the output; when the log thread falls behind by
//! more lines than its queue holds, writers wait rather than lines being dropped.
//! Metrics live in one process-wide Prometheus recorder.

use std::sync::{Mutex, OnceLock, PoisonError};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use tracing_appender::non_blocking::{NonBlocking, NonBlockingBuilder, WorkerGuard};

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
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
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

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use serde_json::Value;
    use tracing::field::Empty;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Every line is one JSON object carrying the event's fields, its target and the
    /// request span's fields (those recorded later too), strings escaped.
    #[test]
    fn lines_are_json_objects_with_the_span_fields() {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(port = 8080, "starting \"up\"");
            let span = tracing::info_span!(
                "request",
                request_id = "r-1",
                method = "GET",
                tenant = Empty,
                key_id = Empty
            );
            span.record("tenant", "sint-niklaas-é\u{7f}€\"");
            span.record("key_id", "k\u{1b}[31m\n2");
            span.in_scope(|| {
                tracing::warn!(status = 404u16, ok = false, ratio = 0.5, detail = ?"a \\ b", "request");
            });
        });
        let text = String::from_utf8(buffer.0.lock().expect("lock").clone()).expect("utf-8");
        let lines: Vec<Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON object a line"))
            .collect();
        assert_eq!(lines.len(), 2, "{text}");

        assert_eq!(lines[0]["level"], "INFO");
        assert_eq!(lines[0]["message"], "starting \"up\"");
        assert_eq!(lines[0]["port"], 8080);
        assert!(lines[0].get("span").is_none());
        let at = lines[0]["timestamp"].as_str().expect("a timestamp");
        assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");

        let line = &lines[1];
        assert_eq!(line["level"], "WARN");
        assert_eq!(line["message"], "request");
        assert_eq!(line["status"], 404);
        assert_eq!(line["ok"], false);
        assert_eq!(line["ratio"], 0.5);
        assert_eq!(line["detail"], "\"a \\\\ b\"");
        assert_eq!(line["target"], module_path!());
        assert_eq!(
            line["span"],
            serde_json::json!({"request_id": "r-1", "method": "GET", "tenant": "sint-niklaas-é\u{7f}€\"",
                               "key_id": "k\u{1b}[31m\n2", "name": "request"})
        );
    }
}
