//! Route maps and their graphs. A map's graph is authored and replaced as a whole, and
//! read as a whole into memory to be walked, so it is stored as one document per map
//! (`route_map_graphs`), apart from the map's own row.

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
                tenant_table("route_maps")
                    .col(text("name"))
                    .col(text_null("description"))
                    .col(text("audience"))
                    .col(text("status"))
                    .col(big_integer("graph_version"))
                    .col(integer("node_count"))
                    .col(integer("edge_count"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("route_map_graphs")
                    .if_not_exists()
                    .col(uuid("tenant_id"))
                    .col(uuid("route_map_id"))
                    .col(big_integer("graph_version"))
                    .col(text("document"))
                    .primary_key(Index::create().col("tenant_id").col("route_map_id"))
                    .foreign_key(&mut tenant_fk(
                        "route_map_graphs",
                        "route_map_id",
                        "route_maps",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "route_maps",
                "status",
                &["tenant_id", "status", "id"],
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
