//! The slots that can still be booked, indexed apart (a partial index): a pupil's
//! recommendations probe each fitting offering for its earliest open slot, and this
//! walks only its open slots, holding every column the probe reads.

use sea_orm_migration::prelude::*;

use crate::m20261123_000001_foundation::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut open = index(
            "slots",
            "open",
            &["tenant_id", "work_visit_id", "starts_at", "id"],
        );
        open.and_where(Expr::col("status").eq("scheduled"))
            .and_where(Expr::col("seats_booked").lt(Expr::col("capacity")));
        manager.create_index(open).await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Driehoek migrations are forward-only".to_owned(),
        ))
    }
}
