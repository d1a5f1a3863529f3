//! The Driehoek schema, forward-only and backend-neutral: the same migrations run on
//! SQLite and PostgreSQL. Rules that hold from the first migration on (DESIGN.md §2):
//!
//! - a tenant-owned table has the primary key `(tenant_id, id)`, with `tenant_id` first,
//!   so the schema can be distributed by tenant;
//! - every foreign key between tenant-owned tables includes `tenant_id`, so a row can
//!   never point into another tenant;
//! - mutable resources carry `version`, `created_at` and `updated_at`;
//! - `changes` is the per-tenant change log, numbered from `tenant_change_counters`.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_foundation;
mod m20261123_000002_work_visits;
mod m20261123_000003_bookings;
mod m20261123_000004_attendance;
mod m20261123_000005_booking_feedback;
mod m20261123_000006_deployment;
mod m20261123_000007_pupils;
mod m20261123_000008_change_audience;
mod m20261123_000009_route_maps;
mod m20261123_000010_route_plans;
mod m20261123_000011_webhooks;
mod m20261124_000012_route_map_graph_parts;
mod m20261202_000013_faults;
mod m20261202_000014_allowed_origins;
mod m20261202_000015_pupil_tokens;
mod m20261202_000016_guardian_invitations;
mod m20261203_000017_placements;
mod m20261203_000018_open_slots;
mod m20261203_000019_visit_cycle;
mod m20261204_000020_credentials;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_foundation::Migration),
            Box::new(m20261123_000002_work_visits::Migration),
            Box::new(m20261123_000003_bookings::Migration),
            Box::new(m20261123_000004_attendance::Migration),
            Box::new(m20261123_000005_booking_feedback::Migration),
            Box::new(m20261123_000006_deployment::Migration),
            Box::new(m20261123_000007_pupils::Migration),
            Box::new(m20261123_000008_change_audience::Migration),
            Box::new(m20261123_000009_route_maps::Migration),
            Box::new(m20261123_000010_route_plans::Migration),
            Box::new(m20261123_000011_webhooks::Migration),
            Box::new(m20261124_000012_route_map_graph_parts::Migration),
            Box::new(m20261202_000013_faults::Migration),
            Box::new(m20261202_000014_allowed_origins::Migration),
            Box::new(m20261202_000015_pupil_tokens::Migration),
            Box::new(m20261202_000016_guardian_invitations::Migration),
            Box::new(m20261203_000017_placements::Migration),
            Box::new(m20261203_000018_open_slots::Migration),
            Box::new(m20261203_000019_visit_cycle::Migration),
            Box::new(m20261204_000020_credentials::Migration),
        ]
    }
}
