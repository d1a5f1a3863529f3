//! Tracks whether Redis is failing for one service (rate limits, idempotency keys), so
//! an outage is logged once when it starts and once when it ends, and every fallback is
//! counted in `/metrics`.

use std::sync::atomic::{AtomicBool, Ordering};

pub struct Outage {
    service: &'static str,
    failing: AtomicBool,
}

impl Outage {
    pub const fn new(service: &'static str) -> Self {
        Self {
            service,
            failing: AtomicBool::new(false),
        }
    }

    /// Redis failed for this request: the node falls back to its own state.
    pub fn failed(&self, why: &str) {
        metrics::counter!("driehoek_redis_fallbacks_total", "service" => self.service).increment(1);
        if !self.failing.swap(true, Ordering::Relaxed) {
            tracing::error!(
                service = self.service,
                error = why,
                "Redis fails; this node keeps its own state until it answers"
            );
        }
    }

    /// Redis answered.
    pub fn answered(&self) {
        if self.failing.swap(false, Ordering::Relaxed) {
            tracing::warn!(service = self.service, "Redis answers again");
        }
    }

    pub fn is_on(&self) -> bool {
        self.failing.load(Ordering::Relaxed)
    }
}
