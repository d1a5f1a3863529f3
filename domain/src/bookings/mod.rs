//! Bookings: a school takes seats on a slot for a group of its pupils. Seats are taken
//! atomically, so concurrent bookings never exceed a slot's capacity; a request may ask
//! to be wait-listed instead, and a cancellation promotes the oldest wait-listed
//! bookings that fit ([`policy`]).

mod feedback;
mod model;
pub mod policy;
mod ports;
mod service;

pub use feedback::*;
pub use model::*;
pub use ports::*;
pub use service::*;
