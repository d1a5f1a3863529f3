//! The black-box suite: one binary, one file per resource. Every test starts its own
//! server on a random port against a fresh database and speaks HTTP to it.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod api_keys;
mod bad_input;
mod bookings;
mod businesses;
mod calendar_dates;
mod calendars;
mod changes;
mod collections;
mod contract;
mod cors;
mod credentials;
mod faults;
mod idempotency;
mod isolation;
mod oauth;
mod parents_page;
mod permissions;
mod placements;
mod programmes;
mod pupil_tokens;
mod rate_limits;
mod recommendations;
mod route_maps;
mod schools;
mod stats;
mod students;
mod sync;
mod talent_notes;
mod tenants;
mod vocabularies;
mod webhooks;
mod work_visits;
