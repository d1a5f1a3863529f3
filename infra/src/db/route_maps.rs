//! Route maps, and each map's whole graph as one JSON document (stored in parts).

use async_trait::async_trait;
use driehoek_domain::clock::SharedClock;
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{RouteMapId, TenantId};
use driehoek_domain::paging::PageRequest;
use driehoek_domain::route_maps::{
    Graph, RouteMap, RouteMapAudience, RouteMapFilter, RouteMapRepository, RouteMapStatus,
};
use driehoek_domain::values::{Description, Name};
use driehoek_domain::vocabularies::Vocabulary;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, Set,
};

use super::entities::{route_map_graph_parts, route_maps};
use super::versioned::{self, RowChange};
use super::{begin_write, corrupt, db_error, keyset};
use crate::graph_document::{from_document, to_parts};

pub struct SeaOrmRouteMapRepository {
    db: DatabaseConnection,
    clock: SharedClock,
}

impl SeaOrmRouteMapRepository {
    pub fn new(db: DatabaseConnection, clock: SharedClock) -> Self {
        Self { db, clock }
    }
}

/// Published maps are everyone's; drafts and archived maps the city's.
fn row(m: &RouteMap) -> RowChange {
    RowChange {
        tenant: m.tenant_id.as_uuid(),
        id: m.id.as_uuid(),
        version: m.version,
        at: m.updated_at,
        audience: m.feed_audience(),
        status: Some(m.status.code()),
        event: None,
    }
}

fn to_model(m: &RouteMap) -> route_maps::ActiveModel {
    route_maps::Model {
        tenant_id: m.tenant_id.as_uuid(),
        id: m.id.as_uuid(),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
        name: m.name.to_string(),
        description: m.description.as_ref().map(ToString::to_string),
        audience: m.audience.code().to_owned(),
        status: m.status.code().to_owned(),
        graph_version: m.graph_version,
        node_count: i32::try_from(m.node_count).unwrap_or(i32::MAX),
        edge_count: i32::try_from(m.edge_count).unwrap_or(i32::MAX),
    }
    .into_active_model()
    .reset_all()
}

fn from_model(m: route_maps::Model) -> DomainResult<RouteMap> {
    let bad = |e: String| corrupt("route map", e);
    Ok(RouteMap {
        id: RouteMapId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        name: Name::parse(&m.name).map_err(bad)?,
        description: m
            .description
            .as_deref()
            .map(Description::parse)
            .transpose()
            .map_err(bad)?,
        audience: RouteMapAudience::parse(&m.audience).map_err(bad)?,
        status: RouteMapStatus::parse(&m.status).map_err(bad)?,
        graph_version: m.graph_version,
        node_count: u32::try_from(m.node_count).map_err(|e| bad(e.to_string()))?,
        edge_count: u32::try_from(m.edge_count).map_err(|e| bad(e.to_string()))?,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Removes every stored part of a map's graph.
async fn delete_graph(
    txn: &DatabaseTransaction,
    tenant: uuid::Uuid,
    id: uuid::Uuid,
) -> DomainResult<()> {
    route_map_graph_parts::Entity::delete_many()
        .filter(route_map_graph_parts::Column::TenantId.eq(tenant))
        .filter(route_map_graph_parts::Column::RouteMapId.eq(id))
        .exec(txn)
        .await
        .map_err(db_error)?;
    Ok(())
}

#[async_trait]
impl RouteMapRepository for SeaOrmRouteMapRepository {
    async fn insert(&self, map: &RouteMap) -> DomainResult<()> {
        versioned::insert::<route_maps::Entity>(
            &self.db,
            row(map),
            to_model(map),
            "this map exists",
        )
        .await
    }

    async fn get(&self, tenant: TenantId, id: RouteMapId) -> DomainResult<Option<RouteMap>> {
        route_maps::scoped(tenant.as_uuid())
            .filter(route_maps::Column::Id.eq(id.as_uuid()))
            .one(&self.db)
            .await
            .map_err(db_error)?
            .map(from_model)
            .transpose()
    }

    async fn list(
        &self,
        tenant: TenantId,
        filter: &RouteMapFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<RouteMap>> {
        let mut query = keyset(
            route_maps::scoped(tenant.as_uuid()),
            route_maps::Column::Id,
            page,
        );
        if let Some(audience) = filter.audience {
            query = query.filter(route_maps::Column::Audience.eq(audience.code()));
        }
        if let Some(status) = filter.status {
            query = query.filter(route_maps::Column::Status.eq(status.code()));
        }
        query
            .all(&self.db)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(from_model)
            .collect()
    }

    async fn update(&self, map: &RouteMap, expected_version: i64) -> DomainResult<bool> {
        versioned::update::<route_maps::Entity>(
            &self.db,
            row(map),
            to_model(map),
            expected_version,
            "this map exists",
        )
        .await
    }

    async fn delete(&self, map: &RouteMap) -> DomainResult<bool> {
        let (tenant, id) = (map.tenant_id.as_uuid(), map.id.as_uuid());
        let txn = begin_write(&self.db).await?;
        delete_graph(&txn, tenant, id).await?;
        if !versioned::delete_in::<route_maps::Entity>(
            &txn,
            tenant,
            (id, map.version),
            row(map).audience,
            self.clock.now(),
        )
        .await?
        {
            return Ok(false);
        }
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn replace_graph(
        &self,
        map: &RouteMap,
        expected_version: i64,
        graph: &Graph,
    ) -> DomainResult<bool> {
        let parts = to_parts(graph)?;
        let (tenant, id) = (map.tenant_id.as_uuid(), map.id.as_uuid());
        let txn = begin_write(&self.db).await?;
        delete_graph(&txn, tenant, id).await?;
        for (part, content) in (0..).zip(parts) {
            // Without RETURNING: SQLite would hand the part back, copied twice more.
            route_map_graph_parts::Entity::insert(route_map_graph_parts::ActiveModel {
                tenant_id: Set(tenant),
                route_map_id: Set(id),
                part: Set(part),
                graph_version: Set(map.graph_version),
                content: Set(content),
            })
            .exec_without_returning(&txn)
            .await
            .map_err(db_error)?;
        }
        if !versioned::update_in::<route_maps::Entity>(
            &txn,
            row(map),
            to_model(map),
            expected_version,
            "this map exists",
        )
        .await?
        {
            return Ok(false);
        }
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn graph(&self, tenant: TenantId, id: RouteMapId) -> DomainResult<Graph> {
        let parts = route_map_graph_parts::scoped(tenant.as_uuid())
            .filter(route_map_graph_parts::Column::RouteMapId.eq(id.as_uuid()))
            .order_by_asc(route_map_graph_parts::Column::Part)
            .all(&self.db)
            .await
            .map_err(db_error)?;
        if parts.is_empty() {
            return Graph::new(Vec::new(), Vec::new());
        }
        let mut document = String::with_capacity(parts.iter().map(|p| p.content.len()).sum());
        for part in parts {
            document.push_str(&part.content);
        }
        from_document(&document)
    }
}
