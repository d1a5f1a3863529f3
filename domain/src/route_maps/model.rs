use chrono::{DateTime, Utc};

use crate::ids::{RouteMapId, TenantId};
use crate::values::{Description, Name};

vocabulary! {
    /// Whom a route map is made for.
    pub enum RouteMapAudience = "route_map_audiences" {
        Pupils => "pupils", "Pupils", "Leerlingen";
        Parents => "parents", "Parents", "Ouders";
        Newcomers => "newcomers", "Newcomers", "Nieuwkomers";
        SpecialNeeds => "special_needs", "Pupils with special needs", "Leerlingen met extra ondersteuning";
    }
}

vocabulary! {
    /// A route map's life cycle.
    pub enum RouteMapStatus = "route_map_statuses" {
        Draft => "draft", "Draft", "Concept";
        Published => "published", "Published", "Gepubliceerd";
        Archived => "archived", "Archived", "Gearchiveerd";
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMap {
    pub id: RouteMapId,
    pub tenant_id: TenantId,
    pub name: Name,
    pub description: Option<Description>,
    pub audience: RouteMapAudience,
    pub status: RouteMapStatus,
    /// Counts the graphs the map has had: 0 until one is imported, +1 per import.
    pub graph_version: i64,
    pub node_count: u32,
    pub edge_count: u32,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRouteMap {
    pub name: Name,
    pub description: Option<Description>,
    pub audience: RouteMapAudience,
    pub status: Option<RouteMapStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteMapChanges {
    pub name: Option<Name>,
    pub description: Option<Option<Description>>,
    pub audience: Option<RouteMapAudience>,
    pub status: Option<RouteMapStatus>,
}

impl RouteMapChanges {
    pub fn apply(self, map: &mut RouteMap) {
        if let Some(v) = self.name {
            map.name = v;
        }
        if let Some(v) = self.description {
            map.description = v;
        }
        if let Some(v) = self.audience {
            map.audience = v;
        }
        if let Some(v) = self.status {
            map.status = v;
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteMapFilter {
    pub audience: Option<RouteMapAudience>,
    pub status: Option<RouteMapStatus>,
}

impl RouteMap {
    /// Published maps are everyone's; drafts and archived maps the city's.
    pub fn feed_audience(&self) -> crate::changes::Audience {
        if self.status == RouteMapStatus::Published {
            crate::changes::Audience::Public
        } else {
            crate::changes::Audience::Admins
        }
    }
}
