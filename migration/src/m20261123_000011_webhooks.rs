//! Webhooks: endpoints, their deliveries and every attempt at one. Deliveries are made
//! from the change log by a background worker; all its state is here, so deliveries
//! survive a restart and two nodes never send one at the same time (a delivery is
//! leased before it is sent).
//!
//! The change log also records the resource's `status` after each change, so the
//! worker tells a cancellation or a publication from other updates.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261123_000001_foundation::{index, tenant_fk, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("changes")
                    .add_column(text_null("status"))
                    .to_owned(),
            )
            .await?;
        // A change's predecessor for the same resource: was this the transition?
        manager
            .create_index(index(
                "changes",
                "resource_seq",
                &["tenant_id", "resource_id", "seq"],
            ))
            .await?;
        manager
            .create_table(
                tenant_table("webhook_endpoints")
                    .col(uuid_null("business_id"))
                    .col(text("url"))
                    .col(text_null("description"))
                    .col(text("events"))
                    .col(text("status"))
                    .col(text_null("disabled_reason"))
                    .col(text("secret"))
                    .col(text_null("previous_secret"))
                    .col(timestamp_with_time_zone_null("previous_secret_expires_at"))
                    .col(big_integer("cursor_seq"))
                    .foreign_key(&mut tenant_fk(
                        "webhook_endpoints",
                        "business_id",
                        "businesses",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_deliveries")
                    .if_not_exists()
                    .col(uuid("tenant_id"))
                    .col(uuid("id"))
                    .col(uuid("endpoint_id"))
                    .col(text("event_type"))
                    .col(big_integer_null("seq"))
                    .col(text_null("resource"))
                    .col(uuid_null("resource_id"))
                    .col(text("payload"))
                    .col(text("status"))
                    .col(integer("attempts"))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(text_null("lease_owner"))
                    .col(timestamp_with_time_zone_null("lease_until"))
                    .col(integer_null("last_status_code"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("completed_at"))
                    .primary_key(Index::create().col("tenant_id").col("id"))
                    .foreign_key(&mut tenant_fk(
                        "webhook_deliveries",
                        "endpoint_id",
                        "webhook_endpoints",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("webhook_attempts")
                    .if_not_exists()
                    .col(uuid("tenant_id"))
                    .col(uuid("id"))
                    .col(uuid("delivery_id"))
                    .col(timestamp_with_time_zone("attempted_at"))
                    .col(integer_null("status_code"))
                    .col(text_null("error"))
                    .col(big_integer("duration_ms"))
                    .primary_key(Index::create().col("tenant_id").col("id"))
                    .foreign_key(&mut tenant_fk(
                        "webhook_attempts",
                        "delivery_id",
                        "webhook_deliveries",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        for statement in [
            index("webhook_endpoints", "status", &["status", "tenant_id"]),
            // Due deliveries, across tenants, for the worker.
            index("webhook_deliveries", "due", &["status", "next_attempt_at"]),
            // An endpoint's log, newest first, and the order per resource.
            index(
                "webhook_deliveries",
                "endpoint",
                &["tenant_id", "endpoint_id", "id"],
            ),
            index(
                "webhook_deliveries",
                "resource",
                &["tenant_id", "endpoint_id", "resource_id", "status", "seq"],
            ),
            index(
                "webhook_attempts",
                "delivery",
                &["tenant_id", "delivery_id", "id"],
            ),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Driehoek migrations are forward-only".to_owned(),
        ))
    }
}
