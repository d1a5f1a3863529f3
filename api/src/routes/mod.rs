//! HTTP routes. `v1` is the versioned public API; `ops` holds the operational
//! endpoints (health, metrics, problem descriptions, the OpenAPI document).

pub mod ops;
pub mod parents_page;
pub mod v1;
