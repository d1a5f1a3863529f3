//! Where log lines go: standard output, in batches written by a thread of their own.
//!
//! Writing every line straight to standard output cost each request a `write` system
//! call on the worker that served it (one a request: strace of the server under
//! `get_school`), and a worker would stall whenever the reader of its output (a pipe
//! to a log collector) fell behind. Here a line is appended to a buffer in memory;
//! the log thread, woken by the first line after a pause, waits a few milliseconds for
//! more and writes them in one call. Warnings and errors are written at once, with
//! every line before them, so nothing that explains a failure waits in memory; so is
//! a buffer that has grown past [`HIGH_WATER`] (the log thread stalled: the writer
//! pays instead of memory growing). [`LogOutput::flush`] writes what is left before
//! the process ends.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tracing::{Level, Metadata};
use tracing_subscriber::fmt::MakeWriter;

/// How long the log thread gathers lines after the first one before writing them.
const GATHER: Duration = Duration::from_millis(10);

/// Buffered bytes past which a line's writer writes the buffer out itself.
const HIGH_WATER: usize = 256 * 1024;

/// Standard output for log lines, written in batches (see the module's documentation).
#[derive(Clone)]
pub struct LogOutput {
    shared: Arc<Shared>,
    /// No log thread: every line is written at once.
    direct: bool,
}

struct Shared {
    /// Lines not yet written.
    pending: Mutex<Vec<u8>>,
    /// Signalled when a line arrives in an empty buffer.
    arrived: Condvar,
    /// Held while writing, so batches reach the output in order: the spare buffer
    /// the next batch is swapped into, and the output.
    writing: Mutex<(Vec<u8>, Box<dyn Write + Send>)>,
}

impl LogOutput {
    /// Log output to standard output with its thread started.
    pub fn start() -> Self {
        Self::start_to(Box::new(std::io::stdout()))
    }

    /// Log output to `output` with its thread started; without a thread (it could not
    /// be started) every line is written at once.
    pub fn start_to(output: Box<dyn Write + Send>) -> Self {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Vec::with_capacity(64 * 1024)),
            arrived: Condvar::new(),
            writing: Mutex::new((Vec::with_capacity(64 * 1024), output)),
        });
        let background = shared.clone();
        let started = std::thread::Builder::new()
            .name("driehoek-log".to_owned())
            .spawn(move || background.run());
        let direct = started.is_err();
        if direct {
            eprintln!("driehoek: no log thread; log lines are written one by one");
        }
        Self { shared, direct }
    }

    /// Writes every line buffered so far.
    pub fn flush(&self) {
        self.shared.write_out();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A buffer of bytes stays usable whatever panicked while holding it.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn run(&self) {
        loop {
            {
                let mut pending = lock(&self.pending);
                while pending.is_empty() {
                    pending = self
                        .arrived
                        .wait(pending)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
            std::thread::sleep(GATHER);
            self.write_out();
        }
    }

    /// Writes the buffered lines to the output in one call.
    fn write_out(&self) {
        let mut writing = lock(&self.writing);
        let (batch, output) = &mut *writing;
        std::mem::swap(batch, &mut *lock(&self.pending));
        if batch.is_empty() {
            return;
        }
        // Nowhere to report a failure to write the log.
        let _ = output.write_all(batch).and_then(|()| output.flush());
        batch.clear();
    }

    fn append(&self, line: &[u8], urgent: bool) {
        let (was_empty, full) = {
            let mut pending = lock(&self.pending);
            let was_empty = pending.is_empty();
            pending.extend_from_slice(line);
            (was_empty, pending.len() >= HIGH_WATER)
        };
        if urgent || full {
            self.write_out();
        } else if was_empty {
            self.arrived.notify_one();
        }
    }
}

/// The writer of one log line.
pub struct LineWriter<'a> {
    shared: &'a Shared,
    urgent: bool,
}

impl Write for LineWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.shared.append(buf, self.urgent);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogOutput {
    type Writer = LineWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter {
            shared: &self.shared,
            urgent: self.direct,
        }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Self::Writer {
        LineWriter {
            shared: &self.shared,
            // Levels order from ERROR (least) to TRACE.
            urgent: self.direct || *meta.level() <= Level::WARN,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    /// An output the test can read.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            lock(&self.0).extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8_lossy(&lock(&self.0)).into_owned()
        }
    }

    fn line(output: &LogOutput, text: &str) {
        output
            .make_writer()
            .write_all(text.as_bytes())
            .expect("buffered");
    }

    #[test]
    fn lines_are_written_by_the_log_thread_in_order() {
        let captured = Captured::default();
        let output = LogOutput::start_to(Box::new(captured.clone()));
        line(&output, "one\n");
        line(&output, "two\n");
        let deadline = Instant::now() + Duration::from_secs(5);
        while captured.text().is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(captured.text(), "one\ntwo\n");
    }

    #[test]
    fn a_warning_is_written_at_once_with_every_line_before_it() {
        let captured = Captured::default();
        let output = LogOutput::start_to(Box::new(captured.clone()));
        let subscriber = tracing_subscriber::fmt()
            .with_writer(output.clone())
            .without_time()
            .with_target(false)
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("before");
            tracing::warn!("warning");
        });
        assert_eq!(captured.text(), " INFO before\n WARN warning\n");
    }

    #[test]
    fn flush_writes_what_is_buffered_and_a_full_buffer_writes_itself() {
        let captured = Captured::default();
        let output = LogOutput::start_to(Box::new(captured.clone()));
        line(&output, "pending\n");
        output.flush();
        assert_eq!(captured.text(), "pending\n");
        let long = format!("{}\n", "x".repeat(HIGH_WATER));
        line(&output, &long);
        assert_eq!(captured.text().len(), "pending\n".len() + long.len());
    }
}
