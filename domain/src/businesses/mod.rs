//! Businesses and other partners offering work visits, with their coaches: the adults
//! who host pupils. A business key keeps its own record and coaches up to date.

mod model;
mod ports;
mod service;

pub use model::*;
pub use ports::*;
pub use service::*;
