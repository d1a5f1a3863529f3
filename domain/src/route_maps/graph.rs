use std::collections::{HashMap, HashSet};

use crate::error::{DomainError, ValidationErrors};
use crate::values::{Description, IscoCode, Name, ShortText, WebUrl};
use crate::vocabularies::{EducationLevel, NaceSection, RouteEdgeKind};

/// The most nodes and edges one map holds.
pub const MAX_NODES: usize = 20_000;
pub const MAX_EDGES: usize = 100_000;
/// The most problems one refused graph lists (the detail gives the total).
pub const MAX_LISTED_PROBLEMS: usize = 100;

vocabulary! {
    /// What a node of a route map stands for.
    pub enum NodeKind = "route_node_kinds" {
        Education => "education", "Education programme", "Opleiding";
        Occupation => "occupation", "Occupation", "Beroep";
    }
}

/// A node's code, unique in its map: a level code plus a programme code such as a
/// crebo number (`nl_mbo_4:25655`), or an ISCO code for occupations (`isco:2141`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeCode(String);

impl NodeCode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let ok = (1..=64).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err("must be 1-64 letters, digits, '_', '-', '.' or ':'".to_owned())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A labour-market prospect on a node: an ordinal 1–5 (the SBB scale) with where,
/// when and whence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prospect {
    pub indicator: ShortText,
    /// 1 (poor) to 5 (very good).
    pub value: u8,
    pub label: Option<ShortText>,
    pub region: Option<ShortText>,
    pub year: Option<i32>,
    pub source: Option<ShortText>,
}

pub fn check_prospect_value(value: i64) -> Result<u8, String> {
    match u8::try_from(value) {
        Ok(v @ 1..=5) => Ok(v),
        _ => Err("must be 1 (poor) to 5 (very good)".to_owned()),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub code: NodeCode,
    pub kind: NodeKind,
    pub name_en: Name,
    pub name_nl: Option<Name>,
    /// Required for education nodes.
    pub education_level: Option<EducationLevel>,
    pub sector: Option<NaceSection>,
    /// Required for occupation nodes.
    pub isco_code: Option<IscoCode>,
    pub esco_uri: Option<WebUrl>,
    pub prospects: Vec<Prospect>,
}

impl Node {
    /// The node's weakest prospect, if it has any.
    pub fn weakest_prospect(&self) -> Option<u8> {
        self.prospects.iter().map(|p| p.value).min()
    }
}

/// Typical duration of a step, in tenths of a year (0–10 years).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Years(u16);

impl Years {
    pub fn from_years(years: f64) -> Result<Self, String> {
        if !(0.0..=10.0).contains(&years) || !years.is_finite() {
            return Err("must be 0 to 10 years".to_owned());
        }
        let tenths = (years * 10.0).round();
        Ok(Self(tenths as u16))
    }

    pub fn from_tenths(tenths: u16) -> Result<Self, String> {
        if tenths <= 100 {
            Ok(Self(tenths))
        } else {
            Err("must be 0 to 10 years".to_owned())
        }
    }

    pub fn tenths(self) -> u16 {
        self.0
    }

    pub fn years(self) -> f64 {
        f64::from(self.0) / 10.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: NodeCode,
    pub to: NodeCode,
    pub kind: RouteEdgeKind,
    pub conditions: Option<Description>,
    pub typical_years: Option<Years>,
}

/// A whole, valid route-map graph, indexed for walking: every edge joins two of its
/// nodes, codes are unique, and edge kinds fit the nodes they join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    pub(super) nodes: Vec<Node>,
    pub(super) edges: Vec<Edge>,
    pub(super) index: HashMap<NodeCode, usize>,
    /// Per node, the edges leaving it and those arriving (indices into `edges`).
    pub(super) outgoing: Vec<Vec<usize>>,
    pub(super) incoming: Vec<Vec<usize>>,
    /// Per edge, the indices of the nodes it joins: walking never hashes a code.
    pub(super) ends: Vec<(usize, usize)>,
}

/// Why an edge of `kind` may not join nodes of these kinds.
fn kind_mismatch(kind: RouteEdgeKind, from: NodeKind, to: NodeKind) -> Option<&'static str> {
    use NodeKind::{Education, Occupation};
    match (kind, from, to) {
        (RouteEdgeKind::QualifiesFor, Education, Occupation) => None,
        (RouteEdgeKind::QualifiesFor, Occupation, _) => {
            Some("qualifies_for cannot leave an occupation")
        }
        (RouteEdgeKind::QualifiesFor, _, _) => Some("qualifies_for leads to an occupation"),
        (RouteEdgeKind::Progression | RouteEdgeKind::CombinedRoute, Education, Education) => None,
        (RouteEdgeKind::Progression | RouteEdgeKind::CombinedRoute, _, _) => Some(
            "progression and combined_route join two education programmes; use qualifies_for towards an occupation",
        ),
        (RouteEdgeKind::Switch, a, b) if a == b => None,
        (RouteEdgeKind::Switch, _, _) => Some("switch joins two programmes or two occupations"),
    }
}

/// Collects problems, listing at most [`MAX_LISTED_PROBLEMS`] and counting the rest.
struct Problems {
    listed: ValidationErrors,
    total: usize,
}

impl Problems {
    fn add(&mut self, pointer: String, message: impl Into<String>) {
        self.total += 1;
        if self.listed.len() < MAX_LISTED_PROBLEMS {
            self.listed.add(pointer, message);
        }
    }
}

impl Graph {
    /// Checks a whole graph; every problem is reported (up to the first hundred), with
    /// a JSON Pointer into the document (`/nodes/3/code`, `/edges/17/to`).
    pub fn new(nodes: Vec<Node>, edges: Vec<Edge>) -> Result<Self, DomainError> {
        let mut problems = Problems {
            listed: ValidationErrors::new(),
            total: 0,
        };
        if nodes.len() > MAX_NODES {
            problems.add("/nodes".to_owned(), format!("at most {MAX_NODES} nodes"));
        }
        if edges.len() > MAX_EDGES {
            problems.add("/edges".to_owned(), format!("at most {MAX_EDGES} edges"));
        }
        let mut index = HashMap::with_capacity(nodes.len());
        for (i, node) in nodes.iter().enumerate() {
            if let Some(first) = index.insert(node.code.clone(), i) {
                index.insert(node.code.clone(), first);
                problems.add(
                    format!("/nodes/{i}/code"),
                    format!(
                        "'{}' is the code of node {first} already",
                        node.code.as_str()
                    ),
                );
            }
            match node.kind {
                NodeKind::Education if node.education_level.is_none() => problems.add(
                    format!("/nodes/{i}/education_level"),
                    "an education node names its education level",
                ),
                NodeKind::Occupation if node.isco_code.is_none() => problems.add(
                    format!("/nodes/{i}/isco_code"),
                    "an occupation node names its ISCO-08 code",
                ),
                _ => {}
            }
        }
        let mut outgoing = vec![Vec::new(); nodes.len()];
        let mut incoming = vec![Vec::new(); nodes.len()];
        let mut ends = Vec::with_capacity(edges.len());
        let mut seen = HashSet::with_capacity(edges.len());
        for (j, edge) in edges.iter().enumerate() {
            let from = index.get(&edge.from).copied();
            let to = index.get(&edge.to).copied();
            if from.is_none() {
                problems.add(
                    format!("/edges/{j}/from"),
                    format!("no node '{}' in this map", edge.from.as_str()),
                );
            }
            if to.is_none() {
                problems.add(
                    format!("/edges/{j}/to"),
                    format!("no node '{}' in this map", edge.to.as_str()),
                );
            }
            let (Some(from), Some(to)) = (from, to) else {
                continue;
            };
            if from == to {
                problems.add(
                    format!("/edges/{j}/to"),
                    "an edge joins two different nodes",
                );
                continue;
            }
            if let Some(why) = kind_mismatch(edge.kind, nodes[from].kind, nodes[to].kind) {
                problems.add(format!("/edges/{j}/kind"), why);
                continue;
            }
            if !seen.insert((from, to, edge.kind)) {
                problems.add(
                    format!("/edges/{j}"),
                    "the same edge (from, to and kind) appears earlier",
                );
                continue;
            }
            outgoing[from].push(j);
            incoming[to].push(j);
            ends.push((from, to));
        }
        if problems.total > 0 {
            let unlisted = problems.total - problems.listed.len();
            if unlisted > 0 {
                problems
                    .listed
                    .add("", format!("and {unlisted} more problems not listed here"));
            }
            return Err(DomainError::Validation(problems.listed));
        }
        Ok(Self {
            nodes,
            edges,
            index,
            outgoing,
            incoming,
            ends,
        })
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// Per edge (in `edges()` order), the positions in `nodes()` of the two nodes it
    /// joins.
    pub fn ends(&self) -> &[(usize, usize)] {
        &self.ends
    }

    pub fn node(&self, code: &NodeCode) -> Option<&Node> {
        self.index.get(code).map(|&i| &self.nodes[i])
    }

    /// Whether an edge of the map leads from `from` to `to`.
    pub fn joins(&self, from: &NodeCode, to: &NodeCode) -> bool {
        match (self.index.get(from), self.index.get(to)) {
            (Some(&from), Some(&to)) => self.outgoing[from].iter().any(|&e| self.ends[e].1 == to),
            _ => false,
        }
    }

    /// The direct next steps from `code`: each edge leaving it with the node it leads
    /// to, in the order the map lists them; `None` when there is no such node.
    pub fn next(&self, code: &NodeCode) -> Option<Vec<(&Edge, &Node)>> {
        let &i = self.index.get(code)?;
        Some(
            self.outgoing[i]
                .iter()
                .map(|&j| (&self.edges[j], &self.nodes[self.ends[j].1]))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(code: &str, kind: NodeKind) -> Node {
        Node {
            code: NodeCode::parse(code).unwrap(),
            kind,
            name_en: Name::parse(code).unwrap(),
            name_nl: None,
            education_level: (kind == NodeKind::Education).then_some(EducationLevel::NlMbo4),
            sector: None,
            isco_code: (kind == NodeKind::Occupation).then(|| IscoCode::parse("2141").unwrap()),
            esco_uri: None,
            prospects: Vec::new(),
        }
    }

    fn edge(from: &str, to: &str, kind: RouteEdgeKind) -> Edge {
        Edge {
            from: NodeCode::parse(from).unwrap(),
            to: NodeCode::parse(to).unwrap(),
            kind,
            conditions: None,
            typical_years: None,
        }
    }

    fn pointers(error: DomainError) -> Vec<String> {
        match error {
            DomainError::Validation(errors) => {
                errors.errors().iter().map(|e| e.pointer.clone()).collect()
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_sound_graph_is_indexed_for_next_steps() {
        use NodeKind::*;
        let graph = Graph::new(
            vec![
                node("vmbo", Education),
                node("mbo", Education),
                node("tech", Occupation),
            ],
            vec![
                edge("vmbo", "mbo", RouteEdgeKind::Progression),
                edge("mbo", "tech", RouteEdgeKind::QualifiesFor),
            ],
        )
        .unwrap();
        let next = graph.next(&NodeCode::parse("vmbo").unwrap()).unwrap();
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].1.code.as_str(), "mbo");
        assert!(
            graph
                .next(&NodeCode::parse("tech").unwrap())
                .unwrap()
                .is_empty()
        );
        assert!(graph.next(&NodeCode::parse("nope").unwrap()).is_none());
    }

    #[test]
    fn every_problem_of_a_graph_is_pointed_at() {
        use NodeKind::*;
        let mut bare = node("job", Occupation);
        bare.isco_code = None;
        let error = Graph::new(
            vec![
                node("a", Education),
                node("a", Education),
                node("job2", Occupation),
                bare,
            ],
            vec![
                edge("a", "ghost", RouteEdgeKind::Progression),
                edge("job2", "a", RouteEdgeKind::QualifiesFor),
                edge("a", "job2", RouteEdgeKind::QualifiesFor),
                edge("a", "job2", RouteEdgeKind::QualifiesFor),
                edge("a", "a", RouteEdgeKind::Switch),
                edge("a", "job2", RouteEdgeKind::Progression),
            ],
        )
        .unwrap_err();
        assert_eq!(
            pointers(error),
            [
                "/nodes/1/code",
                "/nodes/3/isco_code",
                "/edges/0/to",
                "/edges/1/kind",
                "/edges/3",
                "/edges/4/to",
                "/edges/5/kind"
            ]
        );
    }

    #[test]
    fn years_and_prospects_are_bounded() {
        assert_eq!(Years::from_years(1.5).unwrap().tenths(), 15);
        assert!(Years::from_years(11.0).is_err());
        assert!(Years::from_years(f64::NAN).is_err());
        assert!(check_prospect_value(0).is_err());
        assert_eq!(check_prospect_value(5), Ok(5));
    }
}
