//! Every node reads, several times a second, the keys revoked and the tenants changed
//! in the last moments (so that a cached entry it cannot trust is read again from the
//! database, whatever Redis does): both reads by an index.

use sea_orm_migration::prelude::*;

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
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Driehoek migrations are forward-only".to_owned(),
        ))
    }
}
