//! The deployment's own id, made once with the database: every node of a deployment
//! reads it and prefixes its Redis keys with it, so deployments (and test databases)
//! that share one Redis never see each other's cached tenants, counters or records.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("deployment")
                    .if_not_exists()
                    .col(text("singleton").primary_key())
                    .col(uuid("id"))
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert();
        insert
            .into_table("deployment")
            .columns(["singleton", "id"])
            .values(["this".into(), uuid::Uuid::new_v4().into()])
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        manager.exec_stmt(insert).await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Driehoek migrations are forward-only".to_owned(),
        ))
    }
}
