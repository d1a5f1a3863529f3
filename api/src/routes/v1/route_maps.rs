//! `/v1/tenants/{tenant}/route-maps`: the city's route maps, each an education graph
//! authored and replaced as a whole, read by everyone in the tenant once published.

use std::fmt;
use std::marker::PhantomData;

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use driehoek_api_macros::guarded;
use driehoek_domain::ValidationErrors;
use driehoek_domain::ids::RouteMapId;
use driehoek_domain::route_maps::{
    DEFAULT_ROUTES, DEFAULT_STEPS, Edge, Graph, MAX_LISTED_PROBLEMS, MAX_ROUTES, MAX_STEPS, Node,
    NodeCode, RouteMapFilter, RouteQuery, SearchError, Target,
};
use driehoek_domain::values::IscoCode;
use serde::Deserialize;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor,
};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::code_filter;
use crate::authz::{Anyone, Authorized, CityAdmin, guarded};
use crate::error::ApiError;
use crate::extract::{
    IfMatch, JsonBody, Query, RawBody, check_content_type, media_type, page_request, parse_json,
    parse_value,
};
use crate::problems::{DeleteErrors, ReadErrors, WriteErrors};
use crate::responses::{created, list, no_content, resource};
use crate::state::AppState;
use crate::tabular::{Columns, csv_objects, multipart_parts};
use crate::wire::ListOf;
use crate::wire::route_maps::{
    EdgeDto, GraphIn, GraphOut, NextStepsOut, NodeDto, RouteMapIn, RouteMapOut, RouteMapPatch,
    RouteOut, RoutesOut, StepOut,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(list_route_maps))
        .service(guarded(create_route_map))
        .service(guarded(get_route_map))
        .service(guarded(update_route_map))
        .service(guarded(delete_route_map))
        .service(guarded(put_graph))
        .service(guarded(get_graph))
        .service(guarded(next_steps))
        .service(guarded(search_routes));
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RouteSearchQuery {
    /// The node the pupil starts from (its code). Required.
    #[param(pattern = "^[A-Za-z0-9_.:-]{1,64}$")]
    from: Option<String>,
    /// The node to reach (its code); or give `to_occupation`.
    #[param(pattern = "^[A-Za-z0-9_.:-]{1,64}$")]
    to: Option<String>,
    /// Reach any occupation with this ISCO-08 code.
    #[param(value_type = Option<crate::wire::IscoCodeText>)]
    to_occupation: Option<String>,
    /// At most this many steps, 1-12 (default 6).
    max_steps: Option<u8>,
    /// Every node on the way that has prospect data has a prospect of at least this,
    /// 1-5; a node without data is unknown, not poor, and passes; the start is not
    /// judged.
    min_prospect: Option<u8>,
    /// Every node after the start must have prospect data (default false).
    require_prospects: Option<bool>,
    /// At most this many routes, 1-20 (default 5).
    limit: Option<u8>,
}

#[guarded]
/// Search routes
///
/// Ranked routes from a node to another node or to an occupation (ISCO code): each
/// with its nodes and edges, total typical years and the weakest prospect on the way
/// (over the nodes with data; `null` only when none has any). Best first — by weakest
/// prospect (a node without data counting as 3, the scale's middle: unknown, not
/// poor), then fewer steps, then fewer years. Served from an
/// in-memory graph of the map's current graph version; never a query per step.
#[utoipa::path(
    operation_id = "route_maps.routes", tag = "route-maps",
    params(("tenant" = String, Path, description = "Tenant slug"), ("route_map_id" = Uuid, Path, description = "Route map id"), RouteSearchQuery),
    responses((status = 200, description = "The routes, best first", body = RoutesOut), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{route_map_id}/routes")]
pub async fn search_routes(
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    path: MapPath,
    query: Query<RouteSearchQuery>,
) -> Result<HttpResponse, ApiError> {
    // The map first: whether it exists for the caller wins over the query's problems.
    let (map, graph) = state
        .route_maps
        .graph(&ctx.actor, ctx.tenant.id, RouteMapId::from_uuid(path.1))
        .await?;
    let query = query.checked()?;
    let code = |name: &str, raw: &str| {
        NodeCode::parse(raw).map_err(|e| ApiError::invalid_query(format!("{name}: {e}")))
    };
    let to = match (&query.to, &query.to_occupation) {
        (Some(to), None) => Target::Node(code("to", to)?),
        (None, Some(isco)) => Target::Occupation(
            IscoCode::parse(isco)
                .map_err(|e| ApiError::invalid_query(format!("to_occupation: {e}")))?,
        ),
        _ => {
            return Err(ApiError::invalid_query(
                "give either to (a node code) or to_occupation (an ISCO code)",
            ));
        }
    };
    let max_steps = query.max_steps.unwrap_or(DEFAULT_STEPS);
    if !(1..=MAX_STEPS).contains(&max_steps) {
        return Err(ApiError::invalid_query(format!(
            "max_steps must be 1-{MAX_STEPS}"
        )));
    }
    if query.min_prospect.is_some_and(|p| !(1..=5).contains(&p)) {
        return Err(ApiError::invalid_query("min_prospect must be 1-5"));
    }
    let limit = query.limit.unwrap_or(DEFAULT_ROUTES);
    if !(1..=MAX_ROUTES).contains(&limit) {
        return Err(ApiError::invalid_query(format!(
            "limit must be 1-{MAX_ROUTES}"
        )));
    }
    let from = query
        .from
        .as_deref()
        .ok_or_else(|| ApiError::invalid_query("from (a node code) is required"))?;
    let search = RouteQuery {
        from: code("from", from)?,
        to,
        max_steps,
        min_prospect: query.min_prospect,
        require_prospects: query.require_prospects.unwrap_or(false),
        limit,
    };
    let found = graph.routes(&search).map_err(|e| match e {
        SearchError::UnknownFrom => ApiError::not_found("node named by from"),
        SearchError::UnknownTo => ApiError::not_found("node or occupation named by to"),
    })?;
    Ok(HttpResponse::Ok().json(RoutesOut {
        route_map_id: map.id.as_uuid(),
        graph_version: map.graph_version,
        routes: found.routes.iter().map(RouteOut::from).collect(),
        complete: found.complete,
    }))
}

/// The body limit of a whole-graph import (20 000 nodes and 100 000 edges).
pub const GRAPH_BODY_BYTES: usize = 48 * 1024 * 1024;

type MapPath = web::Path<(String, Uuid)>;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RouteMapQuery {
    /// `pupils`, `parents`, `newcomers` or `special_needs`.
    #[param(value_type = Option<crate::wire::RouteMapAudienceCode>)]
    audience: Option<String>,
    /// `draft`, `published` or `archived` (beyond the city, only published maps exist).
    #[param(value_type = Option<crate::wire::RouteMapStatusCode>)]
    status: Option<String>,
    /// Page size, 1-200 (default 50).
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

#[guarded]
/// List route maps
///
/// Everyone in the tenant reads published maps; drafts and archived maps are the
/// city's.
#[utoipa::path(
    operation_id = "route_maps.list", tag = "route-maps",
    params(("tenant" = String, Path, description = "Tenant slug"), RouteMapQuery),
    responses((status = 200, description = "One page of route maps", body = ListOf<RouteMapOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("")]
pub async fn list_route_maps(
    req: HttpRequest,
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    query: Query<RouteMapQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let filter = RouteMapFilter {
        audience: code_filter("audience", query.audience.as_deref())?,
        status: code_filter("status", query.status.as_deref())?,
    };
    let page = page_request(query.limit, query.cursor.as_deref())?;
    let maps = state
        .route_maps
        .list(&ctx.actor, ctx.tenant.id, filter, page)
        .await?;
    Ok(list(&req, maps, RouteMapOut::from))
}

#[guarded]
/// Create a route map
///
/// City administrators. The graph follows with `PUT …/graph`.
#[utoipa::path(
    operation_id = "route_maps.create", tag = "route-maps",
    params(("tenant" = String, Path, description = "Tenant slug")),
    request_body = RouteMapIn,
    responses((status = 201, description = "Created", body = RouteMapOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("")]
pub async fn create_route_map(
    req: HttpRequest,
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    body: JsonBody<RouteMapIn>,
) -> Result<HttpResponse, ApiError> {
    let map = state
        .route_maps
        .create(&ctx.actor, ctx.tenant.id, body.into_inner()?.try_into()?)
        .await?;
    Ok(created(
        format!("{}/{}", req.path(), map.id),
        map.version,
        RouteMapOut::from(map),
    ))
}

#[guarded]
/// Read a route map
#[utoipa::path(
    operation_id = "route_maps.get", tag = "route-maps",
    params(("tenant" = String, Path, description = "Tenant slug"), ("route_map_id" = Uuid, Path, description = "Route map id")),
    responses((status = 200, description = "The route map", body = RouteMapOut), (status = 304, description = "Not modified since the `If-None-Match` version"), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{route_map_id}")]
pub async fn get_route_map(
    req: HttpRequest,
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    path: MapPath,
) -> Result<HttpResponse, ApiError> {
    let map = state
        .route_maps
        .get(&ctx.actor, ctx.tenant.id, RouteMapId::from_uuid(path.1))
        .await?;
    Ok(resource(&req, map.version, RouteMapOut::from(map)))
}

#[guarded]
/// Update a route map
///
/// JSON merge patch, by city administrators. Publishing makes the map everyone's; a
/// published map never returns to draft (409 `state_conflict`): archive it.
#[utoipa::path(
    operation_id = "route_maps.update", tag = "route-maps",
    params(("tenant" = String, Path, description = "Tenant slug"), ("route_map_id" = Uuid, Path, description = "Route map id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    request_body(content = RouteMapPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "Updated", body = RouteMapOut), WriteErrors),
    security(("api_key" = []))
)]
#[patch("/{route_map_id}")]
pub async fn update_route_map(
    req: HttpRequest,
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    path: MapPath,
    if_match: IfMatch,
    body: JsonBody<RouteMapPatch>,
) -> Result<HttpResponse, ApiError> {
    let changes = body.into_inner()?.try_into()?;
    let map = state
        .route_maps
        .update(
            &ctx.actor,
            ctx.tenant.id,
            RouteMapId::from_uuid(path.1),
            changes,
            if_match.version()?,
        )
        .await?;
    Ok(resource(&req, map.version, RouteMapOut::from(map)))
}

#[guarded]
/// Delete a draft route map
///
/// City administrators; only drafts (409 `state_conflict` otherwise: archive instead).
#[utoipa::path(
    operation_id = "route_maps.delete", tag = "route-maps",
    params(("tenant" = String, Path, description = "Tenant slug"), ("route_map_id" = Uuid, Path, description = "Route map id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    responses((status = 204, description = "Deleted"), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/{route_map_id}")]
pub async fn delete_route_map(
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    path: MapPath,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    state
        .route_maps
        .delete(
            &ctx.actor,
            ctx.tenant.id,
            RouteMapId::from_uuid(path.1),
            if_match.version()?,
        )
        .await?;
    Ok(no_content())
}

/// Reads a graph document straight into domain items, one item at a time, so that no
/// list of items in their wire shape is ever held (for a 20 000-node map the buffers
/// of those lists alone took 27 MB). Items that read but do not hold are listed as
/// problems (the first hundred, under their own pointers); a document that does not
/// read as typed items at all is an error, and is then read again value by value to
/// point at it.
fn read_graph(body: &[u8]) -> Result<GraphItems, serde_json::Error> {
    let (mut problems, mut edge_problems) = (Vec::new(), Vec::new());
    let mut reader = serde_json::Deserializer::from_slice(body);
    let (nodes, edges) = GraphSeed {
        node_problems: &mut problems,
        edge_problems: &mut edge_problems,
    }
    .deserialize(&mut reader)?;
    reader.end()?;
    // The nodes' problems first, wherever the document puts its nodes.
    problems.append(&mut edge_problems);
    problems.truncate(MAX_LISTED_PROBLEMS);
    Ok(GraphItems {
        nodes,
        edges,
        problems,
    })
}

/// A graph document's items, and the problems of those that do not hold.
struct GraphItems {
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    problems: Vec<ApiError>,
}

/// The graph document's object: `nodes` and `edges`, nothing else.
struct GraphSeed<'p> {
    node_problems: &'p mut Vec<ApiError>,
    edge_problems: &'p mut Vec<ApiError>,
}

impl<'de> DeserializeSeed<'de> for GraphSeed<'_> {
    type Value = (Vec<Node>, Vec<Edge>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for GraphSeed<'_> {
    type Value = (Vec<Node>, Vec<Edge>);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a graph: an object with nodes and edges")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut nodes, mut edges) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "nodes" if nodes.is_none() => {
                    nodes = Some(map.next_value_seed(ItemsSeed {
                        name: "nodes",
                        convert: NodeDto::parse,
                        problems: &mut *self.node_problems,
                        dto: PhantomData,
                    })?);
                }
                "edges" if edges.is_none() => {
                    edges = Some(map.next_value_seed(ItemsSeed {
                        name: "edges",
                        convert: EdgeDto::parse,
                        problems: &mut *self.edge_problems,
                        dto: PhantomData,
                    })?);
                }
                "nodes" | "edges" => return Err(de::Error::custom(format!("{key} twice"))),
                _ => return Err(de::Error::unknown_field(&key, &["nodes", "edges"])),
            }
        }
        Ok((
            nodes.ok_or_else(|| de::Error::missing_field("nodes"))?,
            edges.ok_or_else(|| de::Error::missing_field("edges"))?,
        ))
    }
}

/// A list of items, each read in its wire shape `D` and converted to `T` at once.
struct ItemsSeed<'p, D, T> {
    name: &'static str,
    convert: fn(&D, &mut ValidationErrors) -> Option<T>,
    problems: &'p mut Vec<ApiError>,
    dto: PhantomData<fn() -> D>,
}

impl<'de, D: Deserialize<'de>, T> DeserializeSeed<'de> for ItemsSeed<'_, D, T> {
    type Value = Vec<T>;

    fn deserialize<De: Deserializer<'de>>(self, deserializer: De) -> Result<Vec<T>, De::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, D: Deserialize<'de>, T> Visitor<'de> for ItemsSeed<'_, D, T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a list of {}", self.name)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut items = Vec::new();
        let mut at = 0;
        while let Some(dto) = seq.next_element::<D>()? {
            // Past the hundredth problem the document is refused anyway: the rest is
            // only read through.
            if self.problems.len() < MAX_LISTED_PROBLEMS
                && let Some(item) = convert_item(
                    &format!("/{}/{at}", self.name),
                    &dto,
                    self.convert,
                    self.problems,
                )
            {
                items.push(item);
            }
            at += 1;
        }
        items.shrink_to_fit();
        Ok(items)
    }
}

/// One item as its domain value, or its problems recorded under `prefix`.
fn convert_item<D, T>(
    prefix: &str,
    dto: &D,
    convert: impl Fn(&D, &mut ValidationErrors) -> Option<T>,
    problems: &mut Vec<ApiError>,
) -> Option<T> {
    let mut errors = ValidationErrors::new();
    match convert(dto, &mut errors) {
        Some(item) if errors.is_empty() => Some(item),
        _ => {
            problems.push(ApiError::validation(errors).within(prefix));
            None
        }
    }
}

/// Parses every item of a list, collecting the problems of all of them under their
/// own pointers (up to the first hundred).
fn parse_items<D: DeserializeOwned, T>(
    name: &str,
    values: Vec<serde_json::Value>,
    convert: impl Fn(&D, &mut ValidationErrors) -> Option<T>,
    problems: &mut Vec<ApiError>,
) -> Vec<T> {
    let mut items = Vec::with_capacity(values.len());
    for (i, value) in values.into_iter().enumerate() {
        let prefix = format!("/{name}/{i}");
        match parse_value::<D>(value) {
            Ok(dto) => items.extend(convert_item(&prefix, &dto, &convert, problems)),
            Err(error) => problems.push(error.within(&prefix)),
        }
        if problems.len() >= MAX_LISTED_PROBLEMS {
            break;
        }
    }
    items
}

const NODE_COLUMNS: Columns<'static> = Columns {
    known: &[
        "code",
        "kind",
        "name_en",
        "name_nl",
        "education_level",
        "sector",
        "isco_code",
        "esco_uri",
        "prospect_indicator",
        "prospect_value",
        "prospect_label",
        "prospect_region",
        "prospect_year",
        "prospect_source",
    ],
    required: &["code", "kind", "name_en"],
    numeric: &["prospect_value", "prospect_year"],
};

const EDGE_COLUMNS: Columns<'static> = Columns {
    known: &["from", "to", "kind", "conditions", "typical_years"],
    required: &["from", "to", "kind"],
    numeric: &["typical_years"],
};

/// The two CSV files of a graph sent as `multipart/form-data`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Only described: the parts are read by `graph_from_csv`.
pub struct GraphCsvIn {
    /// The nodes, a header row first.
    #[schema(format = Binary, content_media_type = "text/csv")]
    nodes: String,
    /// The edges, a header row first.
    #[schema(format = Binary, content_media_type = "text/csv")]
    edges: String,
}

/// The nodes and edges of a graph sent as two CSV files (`multipart/form-data` parts
/// `nodes` and `edges`), each row shaped as the JSON item it stands for: a node's
/// `name_en`/`name_nl` become its `name`, its `prospect_*` columns one prospect.
async fn graph_from_csv(
    req: &HttpRequest,
    body: actix_web::web::Bytes,
) -> Result<(Vec<serde_json::Value>, Vec<serde_json::Value>), ApiError> {
    let parts = multipart_parts(req.headers(), body).await.ok_or_else(|| {
        ApiError::invalid_query("the multipart body cannot be read (or has no boundary)")
    })?;
    let part = |name: &str| {
        parts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, content)| content.as_ref())
            .ok_or_else(|| {
                ApiError::validation(ValidationErrors::single(
                    format!("/{name}"),
                    format!("send the {name} as a CSV file in the part named '{name}'"),
                ))
            })
    };
    let mut nodes = csv_objects(part("nodes")?, &NODE_COLUMNS, "/nodes")?;
    for node in &mut nodes {
        let Some(fields) = node.as_object_mut() else {
            continue;
        };
        let mut name = serde_json::Map::new();
        for (column, key) in [("name_en", "en"), ("name_nl", "nl")] {
            if let Some(value) = fields.remove(column) {
                name.insert(key.to_owned(), value);
            }
        }
        fields.insert("name".to_owned(), serde_json::Value::Object(name));
        let mut prospect = serde_json::Map::new();
        for key in ["indicator", "value", "label", "region", "year", "source"] {
            if let Some(value) = fields.remove(&format!("prospect_{key}")) {
                prospect.insert(key.to_owned(), value);
            }
        }
        if !prospect.is_empty() {
            fields.insert(
                "prospects".to_owned(),
                serde_json::Value::Array(vec![serde_json::Value::Object(prospect)]),
            );
        }
    }
    let edges = csv_objects(part("edges")?, &EDGE_COLUMNS, "/edges")?;
    Ok((nodes, edges))
}

#[guarded]
/// Replace a route map's whole graph
///
/// City administrators. The document replaces every node and edge at once (up to 20 000
/// nodes and 100 000 edges, body up to 48 MiB), after it is checked item by item and as
/// a whole: codes unique, every edge joining two nodes of the map, no edge twice,
/// `qualifies_for` only from a programme to an occupation, `progression` and
/// `combined_route` only between programmes. Any problem refuses the whole document
/// (422, each problem pointed at, the first hundred listed) and changes nothing.
///
/// A city may author the graph in a spreadsheet instead: send `multipart/form-data`
/// with two CSV files (header row first), part `nodes` (columns `code`, `kind`,
/// `name_en` required; `name_nl`, `education_level`, `sector`, `isco_code`,
/// `esco_uri`, and one prospect as `prospect_indicator`, `prospect_value`,
/// `prospect_label`, `prospect_region`, `prospect_year`, `prospect_source`) and part
/// `edges` (`from`, `to`, `kind` required; `conditions`, `typical_years`). Problems
/// point at the row (`/nodes/3/…`, counted from 0 after the header).
#[utoipa::path(
    operation_id = "route_maps.graph.put", tag = "route-maps",
    params(("tenant" = String, Path, description = "Tenant slug"), ("route_map_id" = Uuid, Path, description = "Route map id"),
           ("If-Match" = Option<String>, Header, description = "The ETag last read; refused with 412 when stale")),
    request_body(content(
        (GraphIn = "application/json"),
        (GraphCsvIn = "multipart/form-data")
    )),
    responses((status = 200, description = "Replaced; the map at its new version and graph version", body = RouteMapOut), WriteErrors),
    security(("api_key" = []))
)]
#[put("/{route_map_id}/graph")]
pub async fn put_graph(
    req: HttpRequest,
    ctx: Authorized<CityAdmin>,
    state: web::Data<AppState>,
    path: MapPath,
    if_match: IfMatch,
    body: RawBody<GRAPH_BODY_BYTES>,
) -> Result<HttpResponse, ApiError> {
    let id = RouteMapId::from_uuid(path.1);
    let (_, essence) = media_type(&req);
    if essence == "multipart/form-data" {
        let body = body.into_inner()?.freeze();
        let (nodes, edges) = graph_from_csv(&req, body).await?;
        let mut problems = Vec::new();
        let nodes = parse_items("nodes", nodes, NodeDto::parse, &mut problems);
        let edges = parse_items("edges", edges, EdgeDto::parse, &mut problems);
        if !problems.is_empty() {
            return Err(ApiError::merged(problems));
        }
        let map = state
            .route_maps
            .replace_graph(
                &ctx.actor,
                ctx.tenant.id,
                id,
                Graph::new(nodes, edges)?,
                if_match.version()?,
            )
            .await?;
        return Ok(resource(&req, map.version, RouteMapOut::from(map)));
    }
    check_content_type(&req)?;
    let body = body.into_inner()?;
    // Straight into domain items when the document reads so (a 20 000-node map as a
    // JSON value tree would take several times the memory); value by value otherwise,
    // to point at every problem.
    let (nodes, edges) = match read_graph(&body) {
        Ok(GraphItems {
            nodes,
            edges,
            problems,
        }) => {
            drop(body);
            if !problems.is_empty() {
                return Err(ApiError::merged(problems));
            }
            (nodes, edges)
        }
        Err(_) => {
            let input = parse_json::<GraphIn>(&body)?;
            drop(body);
            let mut problems = Vec::new();
            let nodes = parse_items("nodes", input.nodes, NodeDto::parse, &mut problems);
            let edges = parse_items("edges", input.edges, EdgeDto::parse, &mut problems);
            if !problems.is_empty() {
                return Err(ApiError::merged(problems));
            }
            (nodes, edges)
        }
    };
    let graph = Graph::new(nodes, edges)?;
    let map = state
        .route_maps
        .replace_graph(&ctx.actor, ctx.tenant.id, id, graph, if_match.version()?)
        .await?;
    Ok(resource(&req, map.version, RouteMapOut::from(map)))
}

#[guarded]
/// Read a route map's whole graph
#[utoipa::path(
    operation_id = "route_maps.graph.get", tag = "route-maps",
    params(("tenant" = String, Path, description = "Tenant slug"), ("route_map_id" = Uuid, Path, description = "Route map id")),
    responses((status = 200, description = "Every node and edge", body = GraphOut), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{route_map_id}/graph")]
pub async fn get_graph(
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    path: MapPath,
) -> Result<HttpResponse, ApiError> {
    let (map, graph) = state
        .route_maps
        .graph(&ctx.actor, ctx.tenant.id, RouteMapId::from_uuid(path.1))
        .await?;
    Ok(HttpResponse::Ok().json(GraphOut {
        route_map_id: map.id.as_uuid(),
        graph_version: map.graph_version,
        nodes: graph.nodes().iter().map(NodeDto::from).collect(),
        edges: graph.edges().iter().map(EdgeDto::from).collect(),
    }))
}

#[guarded]
/// Read a node's direct next steps
///
/// The edges leaving the node, each with the node it leads to and that node's
/// prospects.
#[utoipa::path(
    operation_id = "route_maps.nodes.next", tag = "route-maps",
    params(("tenant" = String, Path, description = "Tenant slug"), ("route_map_id" = Uuid, Path, description = "Route map id"),
           ("code" = String, Path, description = "The node's code")),
    responses((status = 200, description = "The node and its next steps", body = NextStepsOut), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{route_map_id}/nodes/{code}/next")]
pub async fn next_steps(
    ctx: Authorized<Anyone>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid, String)>,
) -> Result<HttpResponse, ApiError> {
    let code = NodeCode::parse(&path.2).map_err(|_| ApiError::not_found("node"))?;
    let (node, next) = state
        .route_maps
        .next_steps(
            &ctx.actor,
            ctx.tenant.id,
            RouteMapId::from_uuid(path.1),
            &code,
        )
        .await?;
    Ok(HttpResponse::Ok().json(NextStepsOut {
        node: NodeDto::from(&node),
        next: next
            .iter()
            .map(|(edge, node)| StepOut {
                edge: EdgeDto::from(edge),
                node: NodeDto::from(node),
            })
            .collect(),
    }))
}
