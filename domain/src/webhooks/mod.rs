//! Webhooks: endpoints a city or a business registers, and delivery of the tenant's
//! changes to them by a background worker, signed per the Standard Webhooks
//! specification (DESIGN.md §3.7).
//!
//! The worker reads the change log (the transactional outbox every write already
//! fills), turns each change an endpoint may see and subscribed to into a delivery,
//! and sends due deliveries under a lease, retrying with exponential backoff for about
//! three days. All its state is in the database: deliveries survive a restart, and a
//! delivery leased by one node is not sent by another.

mod events;
mod model;
mod ports;
mod retry;
mod service;
mod signing;
mod target;

pub use events::*;
pub use model::*;
pub use ports::*;
pub use retry::*;
pub use service::*;
pub use signing::*;
pub use target::*;
