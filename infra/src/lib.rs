//! Adapters for the Driehoek ports: sea-orm repositories over SQLite or PostgreSQL
//! (chosen by `DATABASE_URL` at run time) and the Redis connection. Nothing outside
//! this crate knows which backend answers.

pub mod db;
mod graph_document;
pub mod memory_cache;
pub mod redis_cache;
pub mod redis_graphs;
pub mod redis_store;
pub mod sealing;
pub mod webhook_http;

pub use db::{Database, DatabaseKind};
pub use sealing::Sealer;
