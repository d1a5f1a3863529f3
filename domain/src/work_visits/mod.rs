//! Work visits: what businesses offer — from a half-day bliksemstage to a multi-week
//! Jobspotters track with one coach — and their slots (dated occurrences with a
//! capacity). A business keeps its own; the city manages all; schools and integrators
//! see only what is published.

mod model;
mod ports;
mod service;
mod sync;

pub use model::*;
pub use ports::*;
pub use service::*;
pub use sync::*;
