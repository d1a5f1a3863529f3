//! Tenants: one city each. Platform administrators create and run them; a suspended
//! tenant answers no one but platform administrators.

mod model;
mod ports;
mod service;

pub use model::*;
pub use ports::*;
pub use service::*;
