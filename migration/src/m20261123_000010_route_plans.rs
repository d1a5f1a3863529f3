//! Pupils' route plans: one row per version, never changed, so every earlier version is
//! kept. Pupils' data: erased with the pupil.

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
                tenant_table("route_plans")
                    .col(uuid("student_id"))
                    .col(uuid("route_map_id"))
                    .col(text("steps"))
                    .col(text_null("target_occupation"))
                    .col(text("plan_b"))
                    .col(text("helpers"))
                    .col(text_null("notes"))
                    .col(text("agreed_by"))
                    .foreign_key(&mut tenant_fk(
                        "route_plans",
                        "student_id",
                        "students",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        let mut one_per_version = index(
            "route_plans",
            "student_version",
            &["tenant_id", "student_id", "version"],
        );
        one_per_version.unique();
        manager.create_index(one_per_version).await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Driehoek migrations are forward-only".to_owned(),
        ))
    }
}
