//! The Driehoek HTTP API: routes, wire types, extractors, middleware and error
//! mapping over the domain services, plus the composition root used by the
//! `driehoek` binary and the black-box tests.

pub mod allocator;
pub mod authz;
pub mod cors;
pub mod document;
pub mod error;
pub mod extract;
pub mod ics;
pub mod idempotency;
pub mod middleware;
pub mod problems;
pub mod rate_limit;
pub mod request_meta;
pub mod responses;
pub mod routes;
pub mod screen;
pub mod seed;
pub mod seed_maps;
pub mod startup;
pub mod state;
pub mod strict_json;
pub mod tabular;
pub mod telemetry;
pub mod webhook_worker;
pub mod wire;
