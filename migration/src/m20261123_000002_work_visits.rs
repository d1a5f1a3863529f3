//! Work visits and their slots.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261123_000001_foundation::{address_cols, index, tenant_fk, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut visits = tenant_table("work_visits");
        visits
            .col(uuid("business_id"))
            .col(uuid_null("programme_id"))
            .col(text_null("external_id"))
            .col(text("title"))
            .col(text_null("description"))
            .col(text("format"))
            .col(text("sectors"))
            .col(text("occupations"))
            .col(text("competences"))
            .col(integer("min_age"))
            .col(integer("max_age"))
            .col(text("education_levels"))
            .col(integer("group_size_min"))
            .col(integer("group_size_max"))
            .col(text("languages"));
        address_cols(&mut visits)
            .col(boolean("online"))
            .col(text_null("accessibility"))
            .col(text_null("requirements"))
            .col(text("status"))
            .foreign_key(&mut tenant_fk(
                "work_visits",
                "business_id",
                "businesses",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut tenant_fk(
                "work_visits",
                "programme_id",
                "programmes",
                ForeignKeyAction::Restrict,
            ));
        manager.create_table(visits).await?;
        // Partners address their offerings by their own id, unique per business.
        manager
            .create_index(
                index(
                    "work_visits",
                    "external",
                    &["tenant_id", "business_id", "external_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        // Schools and integrators list published offerings; businesses their own.
        manager
            .create_index(index(
                "work_visits",
                "status",
                &["tenant_id", "status", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "work_visits",
                "business",
                &["tenant_id", "business_id", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "work_visits",
                "updated",
                &["tenant_id", "updated_at"],
            ))
            .await?;

        manager
            .create_table(
                tenant_table("slots")
                    .col(uuid("work_visit_id"))
                    .col(text_null("external_id"))
                    .col(timestamp_with_time_zone("starts_at"))
                    .col(timestamp_with_time_zone("ends_at"))
                    .col(text("sessions"))
                    .col(integer("capacity"))
                    .col(integer("seats_booked"))
                    .col(uuid_null("coach_id"))
                    .col(boolean("teacher_present"))
                    .col(text("status"))
                    .foreign_key(&mut tenant_fk(
                        "slots",
                        "work_visit_id",
                        "work_visits",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "slots",
                        "coach_id",
                        "coaches",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "slots",
                    "external",
                    &["tenant_id", "work_visit_id", "external_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        // Serves both a visit's slot list and the "has a slot in this window" search.
        manager
            .create_index(index(
                "slots",
                "visit_start",
                &["tenant_id", "work_visit_id", "starts_at"],
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
