//! The visit cycle (DESIGN.md §4 "bookings, the visit cycle", "talent notes"): what a
//! class prepares for an offering, when a booking's class prepared and debriefed, the
//! named events of such milestones in the change log, and the host's talent notes
//! about pupils (each with the portfolio entry it made; ids only besides the note's
//! own text, gone with the pupil's erasure).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261123_000001_foundation::{index, tenant_fk, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One nullable column added to `table` (SQLite takes one per statement).
async fn add(
    manager: &SchemaManager<'_>,
    table: &'static str,
    column: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).add_column(column).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add(manager, "work_visits", text_null("preparation_text")).await?;
        add(manager, "work_visits", text_null("preparation_url")).await?;
        add(
            manager,
            "bookings",
            timestamp_with_time_zone_null("prepared_at"),
        )
        .await?;
        add(
            manager,
            "bookings",
            timestamp_with_time_zone_null("debriefed_at"),
        )
        .await?;
        // A change that is a milestone rather than a status (`booking.prepared`).
        add(manager, "changes", text_null("event")).await?;
        manager
            .create_table(
                tenant_table("talent_notes")
                    .col(uuid("booking_id"))
                    .col(uuid("business_id"))
                    .col(uuid("student_id"))
                    .col(uuid("school_id"))
                    .col(uuid("entry_id"))
                    // `|code|code|`, like every coded list.
                    .col(text("competences"))
                    .col(text("talents"))
                    .col(text("note"))
                    .col(boolean("interest_passed_on"))
                    .foreign_key(&mut tenant_fk(
                        "talent_notes",
                        "booking_id",
                        "bookings",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "talent_notes",
                        "student_id",
                        "students",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "talent_notes",
                "booking",
                &["tenant_id", "booking_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "talent_notes",
                "student",
                &["tenant_id", "student_id"],
            ))
            .await?;
        manager
            .create_index(index(
                "talent_notes",
                "interests",
                &["tenant_id", "school_id", "interest_passed_on", "created_at"],
            ))
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Driehoek migrations are forward-only".to_owned(),
        ))
    }
}
