//! API keys: each belongs to one tenant (or to the platform) and carries one role.
//! The secret is shown once at creation; only its SHA-256 digest and a short display
//! prefix are stored, so a leaked database leaks no usable key.

pub mod access;
mod model;
mod ports;
mod service;

pub use model::*;
pub use ports::*;
pub use service::*;
