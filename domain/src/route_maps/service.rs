use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{
    Edge, Graph, NewRouteMap, Node, NodeCode, RouteMap, RouteMapChanges, RouteMapFilter,
    RouteMapRepository, RouteMapStatus, SharedGraphs,
};
use crate::auth::Actor;
use crate::clock::SharedClock;
use crate::error::{ConflictKind, DomainError, DomainResult};
use crate::ids::{RouteMapId, TenantId};
use crate::paging::{Page, PageRequest};
use crate::versioning::{check_if_match, written};

/// Graphs already read, per map and graph version: a map's graph changes only by a
/// whole import, which bumps its graph version, so an entry is never stale.
type GraphCache = Mutex<HashMap<(TenantId, RouteMapId), (i64, Arc<Graph>)>>;

#[derive(Clone)]
pub struct RouteMapService {
    repo: Arc<dyn RouteMapRepository>,
    graphs: Arc<GraphCache>,
    shared: Option<Arc<dyn SharedGraphs>>,
    clock: SharedClock,
}

impl RouteMapService {
    pub fn new(repo: Arc<dyn RouteMapRepository>, clock: SharedClock) -> Self {
        Self {
            repo,
            graphs: Arc::new(Mutex::new(HashMap::new())),
            shared: None,
            clock,
        }
    }

    /// Shares built graphs with the other nodes (through Redis): a node that has not
    /// read a graph yet takes it from there before asking the database.
    pub fn with_shared_graphs(mut self, shared: Arc<dyn SharedGraphs>) -> Self {
        self.shared = Some(shared);
        self
    }

    pub async fn create(
        &self,
        actor: &Actor,
        tenant: TenantId,
        new: NewRouteMap,
    ) -> DomainResult<RouteMap> {
        actor.require_admin()?;
        let now = self.clock.now();
        let map = RouteMap {
            id: RouteMapId::new(),
            tenant_id: tenant,
            name: new.name,
            description: new.description,
            audience: new.audience,
            status: new.status.unwrap_or(RouteMapStatus::Draft),
            graph_version: 0,
            node_count: 0,
            edge_count: 0,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.repo.insert(&map).await?;
        Ok(map)
    }

    /// Everyone in the tenant reads published maps; drafts and archived maps are the
    /// city's.
    pub async fn list(
        &self,
        actor: &Actor,
        tenant: TenantId,
        mut filter: RouteMapFilter,
        page: PageRequest,
    ) -> DomainResult<Page<RouteMap>> {
        if !actor.is_admin() {
            if filter
                .status
                .is_some_and(|s| s != RouteMapStatus::Published)
            {
                return Ok(Page {
                    items: Vec::new(),
                    next_after: None,
                });
            }
            filter.status = Some(RouteMapStatus::Published);
        }
        let rows = self.repo.list(tenant, &filter, &page).await?;
        Ok(Page::from_fetched(rows, &page, |m| m.id.as_uuid()))
    }

    pub async fn get(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: RouteMapId,
    ) -> DomainResult<RouteMap> {
        self.repo
            .get(tenant, id)
            .await?
            .filter(|m| actor.is_admin() || m.status == RouteMapStatus::Published)
            .ok_or(DomainError::NotFound("route map"))
    }

    pub async fn update(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: RouteMapId,
        changes: RouteMapChanges,
        if_match: Option<i64>,
    ) -> DomainResult<RouteMap> {
        let mut map = self.get(actor, tenant, id).await?;
        actor.require_admin()?;
        check_if_match(map.version, if_match)?;
        if changes.status == Some(RouteMapStatus::Draft) && map.status != RouteMapStatus::Draft {
            return Err(DomainError::conflict(
                ConflictKind::InvalidState,
                "a published map never returns to draft; publish a new map instead",
            ));
        }
        let expected = map.version;
        changes.apply(&mut map);
        map.version += 1;
        map.updated_at = self.clock.now();
        written(self.repo.update(&map, expected).await?, map, expected + 1)
    }

    /// Only drafts are deleted; a published map is archived instead (pupils' plans
    /// may follow it).
    pub async fn delete(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: RouteMapId,
        if_match: Option<i64>,
    ) -> DomainResult<()> {
        let map = self.get(actor, tenant, id).await?;
        actor.require_admin()?;
        check_if_match(map.version, if_match)?;
        if map.status != RouteMapStatus::Draft {
            return Err(DomainError::conflict(
                ConflictKind::InvalidState,
                "only a draft map is deleted; archive a published one",
            ));
        }
        written(self.repo.delete(&map).await?, (), map.version + 1)
    }

    /// Replaces the whole graph atomically: a graph with any problem changes nothing.
    pub async fn replace_graph(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: RouteMapId,
        graph: Graph,
        if_match: Option<i64>,
    ) -> DomainResult<RouteMap> {
        let mut map = self.get(actor, tenant, id).await?;
        actor.require_admin()?;
        check_if_match(map.version, if_match)?;
        let expected = map.version;
        map.version += 1;
        map.graph_version += 1;
        map.node_count = u32::try_from(graph.nodes().len()).unwrap_or(u32::MAX);
        map.edge_count = u32::try_from(graph.edges().len()).unwrap_or(u32::MAX);
        map.updated_at = self.clock.now();
        written(
            self.repo.replace_graph(&map, expected, &graph).await?,
            (),
            expected + 1,
        )?;
        if let Some(shared) = &self.shared {
            shared.put(tenant, id, map.graph_version, &graph).await;
        }
        self.remember(&map, Arc::new(graph));
        Ok(map)
    }

    fn remember(&self, map: &RouteMap, graph: Arc<Graph>) {
        if let Ok(mut cache) = self.graphs.lock() {
            cache.insert((map.tenant_id, map.id), (map.graph_version, graph));
        }
    }

    /// The map's graph, from memory when this version was read before.
    pub async fn graph(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: RouteMapId,
    ) -> DomainResult<(RouteMap, Arc<Graph>)> {
        let map = self.get(actor, tenant, id).await?;
        let graph = self.graph_of(&map).await?;
        Ok((map, graph))
    }

    /// The graph of `map` at its graph version: from memory when read before, else
    /// from the shared cache, else from the database (and then shared).
    async fn graph_of(&self, map: &RouteMap) -> DomainResult<Arc<Graph>> {
        let cached = self.graphs.lock().ok().and_then(|cache| {
            cache
                .get(&(map.tenant_id, map.id))
                .filter(|(version, _)| *version == map.graph_version)
                .map(|(_, graph)| graph.clone())
        });
        if let Some(graph) = cached {
            return Ok(graph);
        }
        let (tenant, id, version) = (map.tenant_id, map.id, map.graph_version);
        let shared = match &self.shared {
            Some(shared) => shared.get(tenant, id, version).await,
            None => None,
        };
        let graph = match shared {
            Some(graph) => graph,
            None => {
                let graph = self.repo.graph(tenant, id).await?;
                if let Some(shared) = &self.shared {
                    shared.put(tenant, id, version, &graph).await;
                }
                graph
            }
        };
        let graph = Arc::new(graph);
        self.remember(map, graph.clone());
        Ok(graph)
    }

    /// The current graph of a published map, for checking pupils' plans against it;
    /// `None` when the map is gone or not published (any more).
    pub async fn published_graph(
        &self,
        tenant: TenantId,
        id: RouteMapId,
    ) -> DomainResult<Option<Arc<Graph>>> {
        match self.repo.get(tenant, id).await? {
            Some(map) if map.status == RouteMapStatus::Published => {
                Ok(Some(self.graph_of(&map).await?))
            }
            _ => Ok(None),
        }
    }

    /// The direct next steps from a node, with the node each leads to.
    pub async fn next_steps(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: RouteMapId,
        code: &NodeCode,
    ) -> DomainResult<(Node, Vec<(Edge, Node)>)> {
        let (_, graph) = self.graph(actor, tenant, id).await?;
        let node = graph
            .node(code)
            .cloned()
            .ok_or(DomainError::NotFound("node"))?;
        let next = graph
            .next(code)
            .unwrap_or_default()
            .into_iter()
            .map(|(e, n)| (e.clone(), n.clone()))
            .collect();
        Ok((node, next))
    }
}
