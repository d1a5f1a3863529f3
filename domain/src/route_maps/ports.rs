use async_trait::async_trait;

use super::{Graph, RouteMap, RouteMapFilter};
use crate::error::DomainResult;
use crate::ids::RouteMapId as MapId;
use crate::ids::{RouteMapId, TenantId};
use crate::paging::PageRequest;

#[async_trait]
pub trait RouteMapRepository: Send + Sync {
    async fn insert(&self, map: &RouteMap) -> DomainResult<()>;
    async fn get(&self, tenant: TenantId, id: RouteMapId) -> DomainResult<Option<RouteMap>>;
    async fn list(
        &self,
        tenant: TenantId,
        filter: &RouteMapFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<RouteMap>>;
    /// `false` when the stored version is no longer `expected_version`.
    async fn update(&self, map: &RouteMap, expected_version: i64) -> DomainResult<bool>;
    /// Removes the map and its graph; `false` when the version moved.
    async fn delete(&self, map: &RouteMap) -> DomainResult<bool>;
    /// Replaces the map's whole graph and writes the map (already at its new version
    /// and graph version) in one transaction, if it is still at `expected_version`.
    async fn replace_graph(
        &self,
        map: &RouteMap,
        expected_version: i64,
        graph: &Graph,
    ) -> DomainResult<bool>;
    /// The map's graph as stored; an empty graph before the first import.
    async fn graph(&self, tenant: TenantId, id: RouteMapId) -> DomainResult<Graph>;
}

/// Built graphs shared by every node of a deployment (Redis), by map and graph version.
/// An entry never goes stale: a new graph gets a new graph version. A cache: a failure
/// to read or write is a miss, never an error.
#[async_trait]
pub trait SharedGraphs: Send + Sync {
    async fn get(&self, tenant: TenantId, id: MapId, graph_version: i64) -> Option<Graph>;
    async fn put(&self, tenant: TenantId, id: MapId, graph_version: i64, graph: &Graph);
}
