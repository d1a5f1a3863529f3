//! Route maps and their graphs on the wire.

use chrono::{DateTime, Utc};
use driehoek_domain::ValidationErrors;
use driehoek_domain::route_maps::{
    Edge, NewRouteMap, Node, NodeCode, Prospect, RouteMap, RouteMapChanges, Years,
    check_prospect_value,
};
use driehoek_domain::values::{Description, IscoCode, Name, ShortText, WebUrl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    EducationLevelCode, NaceSectionCode, NodeKindCode, RouteEdgeKindCode, RouteMapAudienceCode,
    RouteMapStatusCode, double_option, patch_field,
};

/// A new route map (its graph comes with `PUT …/graph`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteMapIn {
    #[schema(example = "Leerroutekaart Rotterdam 2027")]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub description: Option<String>,
    pub audience: RouteMapAudienceCode,
    /// Default `draft`.
    pub status: Option<RouteMapStatusCode>,
}

impl TryFrom<RouteMapIn> for NewRouteMap {
    type Error = ValidationErrors;

    fn try_from(input: RouteMapIn) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("/name", Name::parse(&input.name));
        let description = errors.check_opt(
            "/description",
            input.description.as_deref().map(Description::parse),
        );
        match (name, description) {
            (Some(name), Some(description)) if errors.is_empty() => Ok(NewRouteMap {
                name,
                description,
                audience: input.audience.0,
                status: input.status.map(|s| s.0),
            }),
            _ => Err(errors),
        }
    }
}

/// Changes to a route map (JSON merge patch).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteMapPatch {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub audience: Option<RouteMapAudienceCode>,
    pub status: Option<RouteMapStatusCode>,
}

impl TryFrom<RouteMapPatch> for RouteMapChanges {
    type Error = ValidationErrors;

    fn try_from(input: RouteMapPatch) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let changes = RouteMapChanges {
            name: input
                .name
                .and_then(|v| errors.check("/name", Name::parse(&v))),
            description: patch_field(
                &mut errors,
                "/description",
                input
                    .description
                    .map(|v| v.as_deref().map(Description::parse)),
            ),
            audience: input.audience.map(|a| a.0),
            status: input.status.map(|s| s.0),
        };
        if errors.is_empty() {
            Ok(changes)
        } else {
            Err(errors)
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RouteMapOut {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub audience: RouteMapAudienceCode,
    pub status: RouteMapStatusCode,
    /// How many graphs the map has had: 0 before the first import, +1 per import.
    pub graph_version: i64,
    pub node_count: u32,
    pub edge_count: u32,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<RouteMap> for RouteMapOut {
    fn from(m: RouteMap) -> Self {
        Self {
            id: m.id.as_uuid(),
            name: m.name.to_string(),
            description: m.description.map(|d| d.to_string()),
            audience: m.audience.into(),
            status: m.status.into(),
            graph_version: m.graph_version,
            node_count: m.node_count,
            edge_count: m.edge_count,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A name in English and, optionally, Dutch.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamesDto {
    #[schema(example = "Software developer (mbo 4)")]
    pub en: String,
    #[schema(example = "Software developer (mbo 4)")]
    pub nl: Option<String>,
}

/// A labour-market prospect.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProspectDto {
    #[schema(example = "job_chances")]
    pub indicator: String,
    /// 1 (poor) to 5 (very good), the SBB scale.
    #[schema(example = 5)]
    pub value: i64,
    #[schema(example = "goed")]
    pub label: Option<String>,
    #[schema(example = "Rijnmond")]
    pub region: Option<String>,
    #[schema(example = 2026)]
    pub year: Option<i32>,
    #[schema(example = "SBB Kansen op werk")]
    pub source: Option<String>,
}

/// A node of the graph: an education programme or an occupation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeDto {
    /// Unique in the map: a level code plus a programme code (`nl_mbo_4:25604`), or an
    /// ISCO code for occupations (`isco:2512`).
    #[schema(example = "nl_mbo_4:25604")]
    pub code: String,
    pub kind: NodeKindCode,
    pub name: NamesDto,
    /// Required for education nodes.
    pub education_level: Option<EducationLevelCode>,
    pub sector: Option<NaceSectionCode>,
    /// Required for occupation nodes.
    #[schema(value_type = Option<crate::wire::IscoCodeText>, example = "2512")]
    pub isco_code: Option<String>,
    pub esco_uri: Option<String>,
    #[serde(default)]
    pub prospects: Vec<ProspectDto>,
}

impl NodeDto {
    pub fn parse(&self, errors: &mut ValidationErrors) -> Option<Node> {
        let opt = |errors: &mut ValidationErrors, p: &str, v: &Option<String>| {
            errors.check_opt(p, v.as_deref().map(ShortText::parse))
        };
        let code = errors.check("/code", NodeCode::parse(&self.code));
        let name_en = errors.check("/name/en", Name::parse(&self.name.en));
        let name_nl = errors.check_opt("/name/nl", self.name.nl.as_deref().map(Name::parse));
        let isco_code =
            errors.check_opt("/isco_code", self.isco_code.as_deref().map(IscoCode::parse));
        let esco_uri = errors.check_opt("/esco_uri", self.esco_uri.as_deref().map(WebUrl::parse));
        let mut prospects = Vec::with_capacity(self.prospects.len());
        for (i, p) in self.prospects.iter().enumerate() {
            let at = |field: &str| format!("/prospects/{i}/{field}");
            let indicator = errors.check(&at("indicator"), ShortText::parse(&p.indicator));
            let value = errors.check(&at("value"), check_prospect_value(p.value));
            let label = opt(errors, &at("label"), &p.label);
            let region = opt(errors, &at("region"), &p.region);
            let source = opt(errors, &at("source"), &p.source);
            if let (Some(indicator), Some(value), Some(label), Some(region), Some(source)) =
                (indicator, value, label, region, source)
            {
                prospects.push(Prospect {
                    indicator,
                    value,
                    label,
                    region,
                    year: p.year,
                    source,
                });
            }
        }
        Some(Node {
            code: code?,
            kind: self.kind.0,
            name_en: name_en?,
            name_nl: name_nl?,
            education_level: self.education_level.map(|l| l.0),
            sector: self.sector.map(|s| s.0),
            isco_code: isco_code?,
            esco_uri: esco_uri?,
            prospects,
        })
    }
}

impl From<&Node> for NodeDto {
    fn from(n: &Node) -> Self {
        Self {
            code: n.code.as_str().to_owned(),
            kind: n.kind.into(),
            name: NamesDto {
                en: n.name_en.to_string(),
                nl: n.name_nl.as_ref().map(ToString::to_string),
            },
            education_level: n.education_level.map(Into::into),
            sector: n.sector.map(Into::into),
            isco_code: n.isco_code.as_ref().map(|c| c.as_str().to_owned()),
            esco_uri: n.esco_uri.as_ref().map(|u| u.as_str().to_owned()),
            prospects: n
                .prospects
                .iter()
                .map(|p| ProspectDto {
                    indicator: p.indicator.to_string(),
                    value: i64::from(p.value),
                    label: p.label.as_ref().map(ToString::to_string),
                    region: p.region.as_ref().map(ToString::to_string),
                    year: p.year,
                    source: p.source.as_ref().map(ToString::to_string),
                })
                .collect(),
        }
    }
}

/// An edge of the graph: how one node leads to another.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EdgeDto {
    #[schema(example = "nl_vmbo_tl:ict")]
    pub from: String,
    #[schema(example = "nl_mbo_4:25604")]
    pub to: String,
    pub kind: RouteEdgeKindCode,
    /// What the step asks, e.g. "vmbo-tl diploma with maths".
    #[schema(min_length = 1, max_length = 5000)]
    pub conditions: Option<String>,
    /// Typical duration in years (0–10, one decimal).
    #[schema(example = 3.0)]
    pub typical_years: Option<f64>,
}

impl EdgeDto {
    pub fn parse(&self, errors: &mut ValidationErrors) -> Option<Edge> {
        let from = errors.check("/from", NodeCode::parse(&self.from));
        let to = errors.check("/to", NodeCode::parse(&self.to));
        let conditions = errors.check_opt(
            "/conditions",
            self.conditions.as_deref().map(Description::parse),
        );
        let typical_years =
            errors.check_opt("/typical_years", self.typical_years.map(Years::from_years));
        Some(Edge {
            from: from?,
            to: to?,
            kind: self.kind.0,
            conditions: conditions?,
            typical_years: typical_years?,
        })
    }
}

impl From<&Edge> for EdgeDto {
    fn from(e: &Edge) -> Self {
        Self {
            from: e.from.as_str().to_owned(),
            to: e.to.as_str().to_owned(),
            kind: e.kind.into(),
            conditions: e.conditions.as_ref().map(ToString::to_string),
            typical_years: e.typical_years.map(Years::years),
        }
    }
}

/// A whole graph, as imported: every item is checked, and the graph as a whole.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GraphIn {
    /// Up to 20 000 nodes.
    #[schema(value_type = Vec<NodeDto>)]
    pub nodes: Vec<serde_json::Value>,
    /// Up to 100 000 edges.
    #[schema(value_type = Vec<EdgeDto>)]
    pub edges: Vec<serde_json::Value>,
}

/// A map's whole graph.
#[derive(Debug, Serialize, ToSchema)]
pub struct GraphOut {
    pub route_map_id: Uuid,
    pub graph_version: i64,
    pub nodes: Vec<NodeDto>,
    pub edges: Vec<EdgeDto>,
}

/// One route: its nodes from the start to the target and the edges between them.
#[derive(Debug, Serialize, ToSchema)]
pub struct RouteOut {
    pub steps: usize,
    /// Sum of the steps' typical years (steps without one count 0).
    #[schema(example = 7.0)]
    pub total_years: f64,
    /// The lowest prospect of the nodes after the start that have data; `null` only when
    /// none of them has any.
    pub weakest_prospect: Option<u8>,
    pub nodes: Vec<NodeDto>,
    pub edges: Vec<EdgeDto>,
}

impl From<&driehoek_domain::route_maps::Route<'_>> for RouteOut {
    fn from(r: &driehoek_domain::route_maps::Route<'_>) -> Self {
        Self {
            steps: r.edges.len(),
            total_years: f64::from(r.total_tenths) / 10.0,
            weakest_prospect: r.weakest_prospect,
            nodes: r.nodes.iter().map(|n| NodeDto::from(*n)).collect(),
            edges: r.edges.iter().map(|e| EdgeDto::from(*e)).collect(),
        }
    }
}

/// The ranked routes a search found.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoutesOut {
    pub route_map_id: Uuid,
    pub graph_version: i64,
    /// Best first: by weakest prospect, then fewer steps, then fewer years.
    pub routes: Vec<RouteOut>,
    /// `false` when the search stopped at its work limit: more routes may exist.
    pub complete: bool,
}

/// One next step: the edge and the node it leads to.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepOut {
    pub edge: EdgeDto,
    pub node: NodeDto,
}

/// A node and its direct next steps.
#[derive(Debug, Serialize, ToSchema)]
pub struct NextStepsOut {
    pub node: NodeDto,
    pub next: Vec<StepOut>,
}
