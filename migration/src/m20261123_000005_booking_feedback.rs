//! Feedback on bookings: one from the school, one from the host, and the pupils'.

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
                tenant_table("booking_feedback")
                    .col(uuid("booking_id"))
                    .col(text("author"))
                    // `school` or `business` (one each per booking), or the feedback's
                    // own id for a pupil's: the unique index below does the rest.
                    .col(text("author_key"))
                    .col(integer("rating"))
                    .col(text_null("comment"))
                    .col(text("competences_practised"))
                    .col(boolean_null("would_host_again"))
                    .foreign_key(&mut tenant_fk(
                        "booking_feedback",
                        "booking_id",
                        "bookings",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        let mut one_each = index(
            "booking_feedback",
            "author",
            &["tenant_id", "booking_id", "author_key"],
        );
        one_each.unique();
        manager.create_index(one_each).await?;
        manager
            .create_index(index(
                "booking_feedback",
                "booking",
                &["tenant_id", "booking_id", "id"],
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
