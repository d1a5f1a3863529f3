//! Schools and other participating organisations (after-school clubs take part like a
//! school). The city registers them; a school key keeps its own record up to date.

mod model;
mod ports;
mod service;

pub use model::*;
pub use ports::*;
pub use service::*;
