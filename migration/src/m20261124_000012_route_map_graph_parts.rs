//! A route map's graph stored in parts of at most half a mebibyte each. Stored as one
//! value, a 20 000-node map passed a document of several megabytes through every layer
//! of the driver, each keeping its own copy while the value was bound (and SQLite a
//! few more to return it): storing one such map took the server from about 60 to over
//! 200 MiB. The documents stored so far become part 0 of their graph.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261123_000001_foundation::tenant_fk;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("route_map_graph_parts")
                    .if_not_exists()
                    .col(uuid("tenant_id"))
                    .col(uuid("route_map_id"))
                    .col(integer("part"))
                    .col(big_integer("graph_version"))
                    .col(text("content"))
                    .primary_key(
                        Index::create()
                            .col("tenant_id")
                            .col("route_map_id")
                            .col("part"),
                    )
                    .foreign_key(&mut tenant_fk(
                        "route_map_graph_parts",
                        "route_map_id",
                        "route_maps",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "INSERT INTO route_map_graph_parts \
                 (tenant_id, route_map_id, part, graph_version, content) \
                 SELECT tenant_id, route_map_id, 0, graph_version, document \
                 FROM route_map_graphs",
            )
            .await?;
        manager
            .drop_table(Table::drop().table("route_map_graphs").to_owned())
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Driehoek migrations are forward-only".to_owned(),
        ))
    }
}
