//! What a service does when Redis fails it: it works from the node's own state, and
//! counts each such request in `/metrics`. The outage itself — its start, its end and
//! the circuit that keeps requests from waiting on it — is `redis_store`'s to log.

/// One request served from this node's own state because Redis failed `service`.
pub fn redis_fallback(service: &'static str) {
    metrics::counter!("driehoek_redis_fallbacks_total", "service" => service).increment(1);
}
