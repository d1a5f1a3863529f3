//! Pupils and what is held on them: the student record, the consent ledger, the talent
//! portfolio and the pupils named on bookings; and the audit log of every access.
//!
//! Personal data of pupils lives only in `students`, `consents` and
//! `portfolio_entries` (DESIGN.md §2); `booking_students` and `audit_events` hold ids
//! only. `audit_events` has no foreign key to `students`: it outlives an erasure.

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
                tenant_table("students")
                    .col(uuid("school_id"))
                    .col(text("external_ref"))
                    .col(text("display_name"))
                    .col(integer("birth_year"))
                    .col(text_null("grade"))
                    .col(text("education_level"))
                    .col(text("status"))
                    // Entries created before this moment stay sealed: the pupil moved
                    // school without `portfolio_transfer` consent.
                    .col(timestamp_with_time_zone_null("portfolio_open_from"))
                    .foreign_key(&mut tenant_fk(
                        "students",
                        "school_id",
                        "schools",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        let mut one_ref = index(
            "students",
            "external_ref",
            &["tenant_id", "school_id", "external_ref"],
        );
        one_ref.unique();
        manager.create_index(one_ref).await?;
        manager
            .create_index(index(
                "students",
                "school",
                &["tenant_id", "school_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                tenant_table("consents")
                    .col(uuid("student_id"))
                    .col(text("purpose"))
                    .col(text("status"))
                    .col(text("given_by"))
                    .col(uuid_null("recorded_by_key_id"))
                    .col(text("recorded_by_role"))
                    .foreign_key(&mut tenant_fk(
                        "consents",
                        "student_id",
                        "students",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "consents",
                "student",
                &["tenant_id", "student_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                tenant_table("portfolio_entries")
                    .col(uuid("student_id"))
                    // The school the pupil was at when the entry was made.
                    .col(uuid("school_id"))
                    .col(text("competence"))
                    .col(text("kind"))
                    .col(text("title"))
                    .col(text("body"))
                    .col(text("sectors"))
                    .col(text("occupations"))
                    .col(text_null("evidence_url"))
                    .col(uuid_null("booking_id"))
                    .col(boolean("shared_with_business"))
                    .col(text("author_role"))
                    .foreign_key(&mut tenant_fk(
                        "portfolio_entries",
                        "student_id",
                        "students",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "portfolio_entries",
                        "booking_id",
                        "bookings",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "portfolio_entries",
                "student",
                &["tenant_id", "student_id", "id"],
            ))
            .await?;
        manager
            .create_index(index(
                "portfolio_entries",
                "booking",
                &["tenant_id", "booking_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("booking_students")
                    .if_not_exists()
                    .col(uuid("tenant_id"))
                    .col(uuid("booking_id"))
                    .col(uuid("student_id"))
                    .col(boolean_null("present"))
                    .primary_key(
                        Index::create()
                            .col("tenant_id")
                            .col("booking_id")
                            .col("student_id"),
                    )
                    .foreign_key(&mut tenant_fk(
                        "booking_students",
                        "booking_id",
                        "bookings",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "booking_students",
                        "student_id",
                        "students",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "booking_students",
                "student",
                &["tenant_id", "student_id"],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_events")
                    .if_not_exists()
                    .col(uuid("tenant_id"))
                    .col(uuid("id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(uuid_null("key_id"))
                    .col(text("role"))
                    .col(text("action"))
                    .col(uuid_null("student_id"))
                    .col(uuid_null("school_id"))
                    .col(text_null("request_id"))
                    .primary_key(Index::create().col("tenant_id").col("id"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_audit_events_tenant")
                            .from("audit_events", "tenant_id")
                            .to("tenants", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "audit_events",
                "student",
                &["tenant_id", "student_id", "id"],
            ))
            .await?;
        manager
            .create_index(index("audit_events", "key", &["tenant_id", "key_id", "id"]))
            .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Driehoek migrations are forward-only".to_owned(),
        ))
    }
}
