//! The Driehoek domain: what a city's education partnership is made of and the rules
//! that hold it together. It knows nothing of HTTP, SQL, Redis or JSON wire shapes;
//! adapters in `infra` implement its ports and `api` speaks HTTP on top of its services.
//!
//! Every use case takes the tenant first and the calling [`auth::Actor`] second, so a
//! service can never be asked to act outside one tenant or without knowing who asks.

#[macro_use]
pub mod vocabularies;

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod bookings;
pub mod businesses;
pub mod calendars;
pub mod changes;
pub mod clock;
pub mod credentials;
pub mod error;
pub mod ids;
pub mod matching;
pub mod paging;
pub mod placements;
pub mod programmes;
pub mod route_maps;
pub mod schools;
pub mod stats;
pub mod students;
pub mod tenants;
#[cfg(test)]
pub(crate) mod testing;
pub mod values;
pub mod versioning;
pub mod webhooks;
pub mod work_visits;

pub use error::{DomainError, FieldError, ValidationErrors};
