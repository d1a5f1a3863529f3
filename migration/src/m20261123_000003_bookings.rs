//! Bookings of slots by schools.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261123_000001_foundation::{index, tenant_fk, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("bookings")
                    .col(uuid("slot_id"))
                    .col(uuid("work_visit_id"))
                    .col(uuid("business_id"))
                    .col(uuid("school_id"))
                    .col(text("group_name"))
                    .col(integer("seats"))
                    .col(text("contact_name"))
                    .col(text_null("contact_email"))
                    .col(text_null("contact_phone"))
                    .col(text_null("notes"))
                    .col(text("status"))
                    .col(text_null("cancellation_reason"))
                    .col(timestamp_with_time_zone_null("cancelled_at"))
                    .foreign_key(&mut tenant_fk(
                        "bookings",
                        "slot_id",
                        "slots",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "bookings",
                        "work_visit_id",
                        "work_visits",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "bookings",
                        "business_id",
                        "businesses",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "bookings",
                        "school_id",
                        "schools",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        // The wait-list of a slot, oldest first.
        manager
            .create_index(index(
                "bookings",
                "slot_status",
                &["tenant_id", "slot_id", "status", "created_at"],
            ))
            .await?;
        manager
            .create_index(index(
                "bookings",
                "school",
                &["tenant_id", "school_id", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "bookings",
                "business",
                &["tenant_id", "business_id", "id"],
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Driehoek migrations are forward-only".to_owned(),
        ))
    }
}
