//! Route maps: a city's education graph — programmes leading to programmes and to
//! occupations, with the labour-market prospects of each — that pupils, parents and
//! mentors read to plot a route. A map is authored by the city as a whole graph,
//! replaced atomically, and read by everyone in the tenant once published.

mod graph;
mod model;
mod ports;
mod search;
mod service;

pub use graph::*;
pub use model::*;
pub use ports::*;
pub use search::*;
pub use service::*;
