//! Route-map graphs shared by all nodes through Redis, by map and graph version. A new
//! graph gets a new version, so an entry is never stale; entries expire after a day
//! unused-or-not, and Redis may evict them: the database still has every graph.

use async_trait::async_trait;
use driehoek_domain::ids::{RouteMapId, TenantId};
use driehoek_domain::route_maps::{Graph, SharedGraphs};

use crate::graph_document::{from_document, to_document};
use crate::redis_store::RedisStore;

const TTL_SECS: u32 = 24 * 3600;

pub struct RedisGraphs {
    redis: RedisStore,
}

impl RedisGraphs {
    pub fn new(redis: RedisStore) -> Self {
        Self { redis }
    }
}

/// The tenant in a hash tag, so a Redis Cluster keeps a tenant's keys on one shard.
fn key(tenant: TenantId, id: RouteMapId, graph_version: i64) -> String {
    format!("{{{tenant}}}:route-map-graph:{id}:{graph_version}")
}

#[async_trait]
impl SharedGraphs for RedisGraphs {
    async fn get(&self, tenant: TenantId, id: RouteMapId, graph_version: i64) -> Option<Graph> {
        match self.redis.get(&key(tenant, id, graph_version)).await {
            Ok(Some(document)) => match from_document(&document) {
                Ok(graph) => Some(graph),
                Err(e) => {
                    tracing::warn!(error = %e, "a shared route-map graph does not load; reading the database");
                    None
                }
            },
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, "shared route-map graphs unreachable; reading the database");
                None
            }
        }
    }

    async fn put(&self, tenant: TenantId, id: RouteMapId, graph_version: i64, graph: &Graph) {
        let document = match to_document(graph) {
            Ok(document) => document,
            Err(e) => {
                tracing::warn!(error = %e, "a route-map graph not shared");
                return;
            }
        };
        if let Err(e) = self
            .redis
            .put(&key(tenant, id, graph_version), &document, TTL_SECS)
            .await
        {
            tracing::warn!(error = %e, "a route-map graph not shared");
        }
    }
}
