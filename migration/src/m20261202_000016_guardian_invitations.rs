//! Guardian invitations (DESIGN.md §3.10): a link the school sends a parent, kept as
//! the digest of its secret, with what it asks; and on every consent decision how it
//! reached the ledger (the school's key, a pupil's or guardian's token, the parents'
//! page of an invitation).

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
                tenant_table("guardian_invitations")
                    .col(uuid("student_id"))
                    .col(uuid("school_id"))
                    .col(text("purposes"))
                    .col(boolean("route_plan"))
                    .col(text("language"))
                    .col(text_uniq("digest"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .col(uuid_null("created_by"))
                    .foreign_key(&mut tenant_fk(
                        "guardian_invitations",
                        "student_id",
                        "students",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "guardian_invitations",
                "student",
                &["tenant_id", "student_id"],
            ))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("consents")
                    .add_column(text_null("recorded_via"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Driehoek migrations are forward-only".to_owned(),
        ))
    }
}
