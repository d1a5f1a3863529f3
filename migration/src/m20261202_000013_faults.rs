//! What surviving faults needs in the schema (DESIGN.md §5, "Faults").
//!
//! - Every node reads, several times a second, the keys revoked and the tenants
//!   changed in the last moments (so that a cached entry it cannot trust is read
//!   again from the database, whatever Redis does): both by an index.
//! - Idempotency records live in the database, marked committed by the very
//!   transaction of the write they protect, so a retry after a crash replays or runs
//!   once, never twice. One row per API key (`actor`: its id, or `bootstrap`) and
//!   `Idempotency-Key`; purged after 24 h by `created_at`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261123_000001_foundation::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index("api_keys", "revoked_at", &["revoked_at"]))
            .await?;
        manager
            .create_index(index("tenants", "updated_at", &["updated_at"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("idempotency_records")
                    .if_not_exists()
                    .col(text("actor"))
                    .col(text("idempotency_key"))
                    .col(text("fingerprint"))
                    .col(timestamp_with_time_zone("locked_until"))
                    .col(boolean("committed").default(false))
                    .col(text_null("created_resource"))
                    .col(uuid_null("created_id"))
                    .col(big_integer_null("created_version"))
                    .col(integer_null("status"))
                    .col(text_null("headers"))
                    .col(text_null("body"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("actor").col("idempotency_key"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idempotency_records", "created_at", &["created_at"]))
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Driehoek migrations are forward-only".to_owned(),
        ))
    }
}
