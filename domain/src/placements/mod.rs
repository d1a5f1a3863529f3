//! Placements: a whole class spread over the slots of one day by the pupils' ranked
//! choices (a bliksemstage). The school asks for a proposal, which
//! [`crate::matching::placement`] solves; confirming it books every group, naming its
//! pupils, all or nothing.

mod model;
mod ports;
mod service;

pub use model::*;
pub use ports::*;
pub use service::*;
