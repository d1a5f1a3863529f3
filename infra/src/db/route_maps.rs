//! Route maps, and each map's whole graph as one JSON document.

use std::borrow::Cow;

use async_trait::async_trait;
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{RouteMapId, TenantId};
use driehoek_domain::paging::PageRequest;
use driehoek_domain::route_maps::{
    Edge, Graph, Node, NodeCode, NodeKind, Prospect, RouteMap, RouteMapAudience, RouteMapFilter,
    RouteMapRepository, RouteMapStatus, Years,
};
use driehoek_domain::values::{Description, IscoCode, Name, ShortText, WebUrl};
use driehoek_domain::vocabularies::{EducationLevel, NaceSection, RouteEdgeKind, Vocabulary};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    Set,
};
use serde::{Deserialize, Serialize};

use super::entities::{route_map_graphs, route_maps};
use super::versioned::{self, RowChange};
use super::{begin_write, corrupt, db_error, keyset};

pub struct SeaOrmRouteMapRepository {
    db: DatabaseConnection,
}

impl SeaOrmRouteMapRepository {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
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

/// The stored shape of a graph. Written from borrowed text (no copy of every name
/// and code while a large graph is stored), read back as owned text.
#[derive(Serialize, Deserialize)]
struct StoredGraph<'a> {
    nodes: Vec<StoredNode<'a>>,
    edges: Vec<StoredEdge<'a>>,
}

#[derive(Serialize, Deserialize)]
struct StoredNode<'a> {
    code: Cow<'a, str>,
    kind: Cow<'a, str>,
    name_en: Cow<'a, str>,
    name_nl: Option<Cow<'a, str>>,
    education_level: Option<Cow<'a, str>>,
    sector: Option<Cow<'a, str>>,
    isco_code: Option<Cow<'a, str>>,
    esco_uri: Option<Cow<'a, str>>,
    prospects: Vec<StoredProspect<'a>>,
}

#[derive(Serialize, Deserialize)]
struct StoredProspect<'a> {
    indicator: Cow<'a, str>,
    value: u8,
    label: Option<Cow<'a, str>>,
    region: Option<Cow<'a, str>>,
    year: Option<i32>,
    source: Option<Cow<'a, str>>,
}

#[derive(Serialize, Deserialize)]
struct StoredEdge<'a> {
    from: Cow<'a, str>,
    to: Cow<'a, str>,
    kind: Cow<'a, str>,
    conditions: Option<Cow<'a, str>>,
    /// Tenths of a year.
    typical_years: Option<u16>,
}

/// A graph as one JSON document, as the database and the shared cache keep it.
pub(crate) fn graph_document(graph: &Graph) -> DomainResult<String> {
    serde_json::to_string(&store(graph))
        .map_err(|e| driehoek_domain::DomainError::Internal(format!("graph: {e}")))
}

pub(crate) fn graph_from_document(document: &str) -> DomainResult<Graph> {
    load(serde_json::from_str(document).map_err(|e| corrupt("route map graph", e.to_string()))?)
}

fn store(graph: &Graph) -> StoredGraph<'_> {
    StoredGraph {
        nodes: graph
            .nodes()
            .iter()
            .map(|n| StoredNode {
                code: n.code.as_str().into(),
                kind: n.kind.code().into(),
                name_en: n.name_en.as_str().into(),
                name_nl: n.name_nl.as_ref().map(|v| v.as_str().into()),
                education_level: n.education_level.map(|l| l.code().into()),
                sector: n.sector.map(|s| s.code().into()),
                isco_code: n.isco_code.as_ref().map(|c| c.as_str().into()),
                esco_uri: n.esco_uri.as_ref().map(|u| u.as_str().into()),
                prospects: n
                    .prospects
                    .iter()
                    .map(|p| StoredProspect {
                        indicator: p.indicator.as_str().into(),
                        value: p.value,
                        label: p.label.as_ref().map(|v| v.as_str().into()),
                        region: p.region.as_ref().map(|v| v.as_str().into()),
                        year: p.year,
                        source: p.source.as_ref().map(|v| v.as_str().into()),
                    })
                    .collect(),
            })
            .collect(),
        edges: graph
            .edges()
            .iter()
            .map(|e| StoredEdge {
                from: e.from.as_str().into(),
                to: e.to.as_str().into(),
                kind: e.kind.code().into(),
                conditions: e.conditions.as_ref().map(|v| v.as_str().into()),
                typical_years: e.typical_years.map(Years::tenths),
            })
            .collect(),
    }
}

fn opt<T>(
    raw: Option<&str>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    raw.map(parse).transpose()
}

fn load(stored: StoredGraph<'_>) -> DomainResult<Graph> {
    let bad = |e: String| corrupt("route map graph", e);
    let nodes = stored
        .nodes
        .into_iter()
        .map(|n| {
            Ok(Node {
                code: NodeCode::parse(&n.code)?,
                kind: NodeKind::parse(&n.kind)?,
                name_en: Name::parse(&n.name_en)?,
                name_nl: opt(n.name_nl.as_deref(), Name::parse)?,
                education_level: opt(n.education_level.as_deref(), EducationLevel::parse)?,
                sector: opt(n.sector.as_deref(), NaceSection::parse)?,
                isco_code: opt(n.isco_code.as_deref(), IscoCode::parse)?,
                esco_uri: opt(n.esco_uri.as_deref(), WebUrl::parse)?,
                prospects: n
                    .prospects
                    .into_iter()
                    .map(|p| {
                        Ok(Prospect {
                            indicator: ShortText::parse(&p.indicator)?,
                            value: p.value,
                            label: opt(p.label.as_deref(), ShortText::parse)?,
                            region: opt(p.region.as_deref(), ShortText::parse)?,
                            year: p.year,
                            source: opt(p.source.as_deref(), ShortText::parse)?,
                        })
                    })
                    .collect::<Result<_, String>>()?,
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(bad)?;
    let edges = stored
        .edges
        .into_iter()
        .map(|e| {
            Ok(Edge {
                from: NodeCode::parse(&e.from)?,
                to: NodeCode::parse(&e.to)?,
                kind: RouteEdgeKind::parse(&e.kind)?,
                conditions: opt(e.conditions.as_deref(), Description::parse)?,
                typical_years: e.typical_years.map(Years::from_tenths).transpose()?,
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(bad)?;
    Graph::new(nodes, edges).map_err(|e| corrupt("route map graph", e))
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
        route_map_graphs::Entity::delete_many()
            .filter(route_map_graphs::Column::TenantId.eq(tenant))
            .filter(route_map_graphs::Column::RouteMapId.eq(id))
            .exec(&txn)
            .await
            .map_err(db_error)?;
        if !versioned::delete_in::<route_maps::Entity>(
            &txn,
            tenant,
            id,
            map.version,
            row(map).audience,
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
        let document = graph_document(graph)?;
        let (tenant, id) = (map.tenant_id.as_uuid(), map.id.as_uuid());
        let txn = begin_write(&self.db).await?;
        route_map_graphs::Entity::delete_many()
            .filter(route_map_graphs::Column::TenantId.eq(tenant))
            .filter(route_map_graphs::Column::RouteMapId.eq(id))
            .exec(&txn)
            .await
            .map_err(db_error)?;
        route_map_graphs::ActiveModel {
            tenant_id: Set(tenant),
            route_map_id: Set(id),
            graph_version: Set(map.graph_version),
            document: Set(document),
        }
        .insert(&txn)
        .await
        .map_err(db_error)?;
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
        let stored = route_map_graphs::scoped(tenant.as_uuid())
            .filter(route_map_graphs::Column::RouteMapId.eq(id.as_uuid()))
            .one(&self.db)
            .await
            .map_err(db_error)?;
        match stored {
            None => Graph::new(Vec::new(), Vec::new()),
            Some(row) => graph_from_document(&row.document),
        }
    }
}
