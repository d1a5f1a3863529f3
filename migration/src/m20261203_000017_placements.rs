//! Placements (DESIGN.md §4 "placements"): a school's proposal spreading a class over
//! the slots of one day, with each pupil's choices and what the proposal gave them.
//! Ids only: a pupil's line goes with the pupil's erasure.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261123_000001_foundation::{index, tenant_fk, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A placement's part, by its position in the request: `(tenant_id, placement_id,
/// position)`.
fn part_table(name: &'static str) -> TableCreateStatement {
    Table::create()
        .table(name)
        .if_not_exists()
        .col(uuid("tenant_id"))
        .col(uuid("placement_id"))
        .col(integer("position"))
        .primary_key(
            Index::create()
                .col("tenant_id")
                .col("placement_id")
                .col("position"),
        )
        .foreign_key(&mut tenant_fk(
            name,
            "placement_id",
            "placements",
            ForeignKeyAction::Cascade,
        ))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("placements")
                    .col(uuid("school_id"))
                    .col(text("group_name"))
                    .col(text("contact_name"))
                    .col(text_null("contact_email"))
                    .col(text_null("contact_phone"))
                    .col(text("status"))
                    .col(boolean("optimal"))
                    .foreign_key(&mut tenant_fk(
                        "placements",
                        "school_id",
                        "schools",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                part_table("placement_slots")
                    .col(uuid("slot_id"))
                    .col(uuid("work_visit_id"))
                    .col(text("title"))
                    .col(timestamp_with_time_zone("starts_at"))
                    .col(integer("seats_left"))
                    .col(uuid_null("booking_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                part_table("placement_pupils")
                    .col(uuid("student_id"))
                    // `|id|id|`, most wanted first.
                    .col(text("choices"))
                    .col(uuid_null("slot_id"))
                    .col(integer_null("rank"))
                    .col(text_null("unplaced_reason"))
                    .foreign_key(&mut tenant_fk(
                        "placement_pupils",
                        "student_id",
                        "students",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "placement_pupils",
                "student",
                &["tenant_id", "student_id"],
            ))
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Driehoek migrations are forward-only".to_owned(),
        ))
    }
}
