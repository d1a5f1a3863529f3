//! Programmes the city runs (Jobspotters, Loopbaanleren, a technology pact) and the
//! schools and businesses taking part in them.

mod model;
mod ports;
mod service;

pub use model::*;
pub use ports::*;
pub use service::*;
