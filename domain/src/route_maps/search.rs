//! Route search on a map's in-memory graph: ranked simple paths from where a pupil is
//! towards a programme or an occupation, never a query per step.
//!
//! A node without prospect data is *unknown*, not poor (DESIGN.md §4): `min_prospect`
//! judges the nodes that have data, never the start; `require_prospects` asks for data
//! on every node after the start; a route's `weakest_prospect` is over the nodes with
//! data (none only when none has any). Routes are ranked by their weakest prospect
//! with an unknown node counting as the scale's middle ([`UNKNOWN_RANK`]: below a
//! known good prospect, above a known poor one), then by fewer steps, then by fewer
//! typical years, then by their codes, so the order is stable. The search is
//! best-first on that order: extending a route never improves its rank, so the first
//! routes that reach the target are the best ones. It only walks nodes from which the
//! target can still be reached within the steps left (found once, backwards from the
//! target), and gives up after a fixed amount of work, saying so.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

use super::{Edge, Graph, Node, NodeCode};
use crate::values::IscoCode;

/// The most steps a route may take, and the default.
pub const MAX_STEPS: u8 = 12;
pub const DEFAULT_STEPS: u8 = 6;
/// The most routes one search returns, and the default.
pub const MAX_ROUTES: u8 = 20;
pub const DEFAULT_ROUTES: u8 = 5;
/// Partial routes a search may look at before it answers with what it has.
const WORK_LIMIT: usize = 200_000;
/// What a node without prospect data counts as when routes are ranked: the middle of
/// the 1-5 scale.
pub const UNKNOWN_RANK: u8 = 3;
/// A rank or weakest value before any node after the start: above every prospect.
const NONE_YET: u8 = 6;

/// Where a route should end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Node(NodeCode),
    /// Any occupation node with this ISCO code.
    Occupation(IscoCode),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteQuery {
    pub from: NodeCode,
    pub to: Target,
    pub max_steps: u8,
    /// Every node after the start that has prospect data must have its weakest
    /// prospect at least this; nodes without data pass (unless `require_prospects`).
    pub min_prospect: Option<u8>,
    /// Every node after the start must have prospect data.
    pub require_prospects: bool,
    pub limit: u8,
}

/// One route: the nodes from start to target and the edges between them.
#[derive(Debug, Clone, PartialEq)]
pub struct Route<'g> {
    pub nodes: Vec<&'g Node>,
    pub edges: Vec<&'g Edge>,
    /// Sum of the edges' typical years, in tenths (edges without one count 0).
    pub total_tenths: u32,
    /// The lowest prospect of the nodes after the start that have data; `None` only
    /// when none of them has any.
    pub weakest_prospect: Option<u8>,
}

/// What a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteSearch<'g> {
    pub routes: Vec<Route<'g>>,
    /// `false` when the search stopped at its work limit: there may be more routes.
    pub complete: bool,
}

/// Why a search cannot start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchError {
    UnknownFrom,
    UnknownTo,
}

/// A partial route on the heap: its rank key and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Partial {
    /// The rank so far: the weakest of the nodes after the start, an unknown one
    /// counting [`UNKNOWN_RANK`]; [`NONE_YET`] before any.
    weakest: u8,
    /// The weakest known prospect so far; [`NONE_YET`] while none is known.
    known: u8,
    steps: u8,
    tenths: u32,
    /// Node indices, start first.
    path: Vec<usize>,
    /// Edge indices between them.
    via: Vec<usize>,
}

impl Partial {
    fn key(&self) -> (Reverse<u8>, u8, u32) {
        (Reverse(self.weakest), self.steps, self.tenths)
    }
}

impl Ord for Partial {
    /// Better routes are smaller; ties broken by the path itself, for a stable order.
    fn cmp(&self, other: &Self) -> Ordering {
        self.key()
            .cmp(&other.key())
            .then_with(|| self.path.cmp(&other.path))
    }
}

impl PartialOrd for Partial {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A node's weakest prospect as a rank value: [`UNKNOWN_RANK`] when it has none.
fn rank_value(node: &Node) -> u8 {
    node.weakest_prospect().unwrap_or(UNKNOWN_RANK)
}

/// Whether a route may pass `node` (after its start) under `query`.
fn passes(node: &Node, query: &RouteQuery) -> bool {
    match node.weakest_prospect() {
        None => !query.require_prospects,
        Some(known) => query.min_prospect.is_none_or(|min| known >= min),
    }
}

impl Graph {
    /// The best routes for `query`, best first.
    pub fn routes(&self, query: &RouteQuery) -> Result<RouteSearch<'_>, SearchError> {
        let start = *self
            .index
            .get(&query.from)
            .ok_or(SearchError::UnknownFrom)?;
        let targets: Vec<bool> = match &query.to {
            Target::Node(code) => {
                let t = *self.index.get(code).ok_or(SearchError::UnknownTo)?;
                (0..self.nodes.len()).map(|i| i == t).collect()
            }
            Target::Occupation(isco) => {
                let marks: Vec<bool> = self
                    .nodes
                    .iter()
                    .map(|n| n.isco_code.as_ref() == Some(isco))
                    .collect();
                if !marks.contains(&true) {
                    return Err(SearchError::UnknownTo);
                }
                marks
            }
        };
        let allowed = |i: usize| passes(&self.nodes[i], query);
        // Steps from each node to the nearest target, walking edges backwards through
        // nodes a route may pass; beyond max_steps counts as unreachable.
        let mut distance = vec![u8::MAX; self.nodes.len()];
        let mut queue = VecDeque::new();
        for (i, &is_target) in targets.iter().enumerate() {
            if is_target && allowed(i) {
                distance[i] = 0;
                queue.push_back(i);
            }
        }
        while let Some(i) = queue.pop_front() {
            let d = distance[i];
            if d >= query.max_steps {
                continue;
            }
            for &e in &self.incoming[i] {
                let from = self.ends[e].0;
                if distance[from] == u8::MAX && (from == start || allowed(from)) {
                    distance[from] = d + 1;
                    queue.push_back(from);
                }
            }
        }
        let mut found = Vec::new();
        if distance[start] > query.max_steps {
            return Ok(RouteSearch {
                routes: found,
                complete: true,
            });
        }
        let mut heap = BinaryHeap::new();
        heap.push(Reverse(Partial {
            weakest: NONE_YET,
            known: NONE_YET,
            steps: 0,
            tenths: 0,
            path: vec![start],
            via: Vec::new(),
        }));
        let mut work = 0;
        while let Some(Reverse(partial)) = heap.pop() {
            let here = *partial.path.last().unwrap_or(&start);
            if partial.steps > 0 && targets[here] {
                found.push(self.route(&partial));
                if found.len() >= usize::from(query.limit) {
                    return Ok(RouteSearch {
                        routes: found,
                        complete: true,
                    });
                }
                continue;
            }
            work += 1;
            if work > WORK_LIMIT {
                return Ok(RouteSearch {
                    routes: found,
                    complete: false,
                });
            }
            let left = query.max_steps - partial.steps;
            for &e in &self.outgoing[here] {
                let next = self.ends[e].1;
                if distance[next] >= left || partial.path.contains(&next) {
                    continue;
                }
                let mut path = partial.path.clone();
                path.push(next);
                let mut via = partial.via.clone();
                via.push(e);
                let node = &self.nodes[next];
                heap.push(Reverse(Partial {
                    weakest: partial.weakest.min(rank_value(node)),
                    known: node
                        .weakest_prospect()
                        .map_or(partial.known, |w| partial.known.min(w)),
                    steps: partial.steps + 1,
                    tenths: partial.tenths
                        + self.edges[e]
                            .typical_years
                            .map_or(0, |y| u32::from(y.tenths())),
                    path,
                    via,
                }));
            }
        }
        Ok(RouteSearch {
            routes: found,
            complete: true,
        })
    }

    fn route(&self, partial: &Partial) -> Route<'_> {
        Route {
            nodes: partial.path.iter().map(|&i| &self.nodes[i]).collect(),
            edges: partial.via.iter().map(|&e| &self.edges[e]).collect(),
            total_tenths: partial.tenths,
            weakest_prospect: (partial.known < NONE_YET).then_some(partial.known),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::route_maps::{NodeKind, Prospect, Years};
    use crate::values::{Name, ShortText};
    use crate::vocabularies::{EducationLevel, RouteEdgeKind};

    fn node(code: &str, occupation: Option<&str>, prospect: Option<u8>) -> Node {
        Node {
            code: NodeCode::parse(code).unwrap(),
            kind: if occupation.is_some() {
                NodeKind::Occupation
            } else {
                NodeKind::Education
            },
            name_en: Name::parse(code).unwrap(),
            name_nl: None,
            education_level: occupation.is_none().then_some(EducationLevel::NlMbo4),
            sector: None,
            isco_code: occupation.map(|c| IscoCode::parse(c).unwrap()),
            esco_uri: None,
            prospects: prospect
                .map(|value| Prospect {
                    indicator: ShortText::parse("job_chances").unwrap(),
                    value,
                    label: None,
                    region: None,
                    year: None,
                    source: None,
                })
                .into_iter()
                .collect(),
        }
    }

    fn edge(from: &str, to: &str, kind: RouteEdgeKind, years: f64) -> Edge {
        Edge {
            from: NodeCode::parse(from).unwrap(),
            to: NodeCode::parse(to).unwrap(),
            kind,
            conditions: None,
            typical_years: Some(Years::from_years(years).unwrap()),
        }
    }

    /// vmbo (A) → mbo 2 (B, 2) or mbo 4 (C, 4) → hbo (D, 5) → two occupations with
    /// ISCO 2512 (X, 3 and Y, 5); Z is out of reach.
    fn map() -> Graph {
        use RouteEdgeKind::*;
        Graph::new(
            vec![
                node("A", None, None),
                node("B", None, Some(2)),
                node("C", None, Some(4)),
                node("D", None, Some(5)),
                node("X", Some("2512"), Some(3)),
                node("Y", Some("2512"), Some(5)),
                node("Z", Some("9999"), Some(5)),
            ],
            vec![
                edge("A", "B", Progression, 1.0),
                edge("A", "C", Progression, 2.0),
                edge("B", "C", Progression, 1.0),
                edge("C", "D", Progression, 4.0),
                edge("C", "X", QualifiesFor, 0.0),
                edge("D", "Y", QualifiesFor, 0.0),
                edge("B", "X", QualifiesFor, 0.0),
            ],
        )
        .unwrap()
    }

    fn query(to: Target, max_steps: u8, min_prospect: Option<u8>) -> RouteQuery {
        RouteQuery {
            from: NodeCode::parse("A").unwrap(),
            to,
            max_steps,
            min_prospect,
            require_prospects: false,
            limit: 10,
        }
    }

    /// A realistic map: the start and the programmes without data, occupations with.
    /// S → P (no data) → Q (no data) → J (2512, 4); S → R (2) → J; S → P → K (2512, no data).
    fn sparse() -> Graph {
        use RouteEdgeKind::*;
        Graph::new(
            vec![
                node("S", None, None),
                node("P", None, None),
                node("Q", None, None),
                node("R", None, Some(2)),
                node("J", Some("2512"), Some(4)),
                node("K", Some("2512"), None),
            ],
            vec![
                edge("S", "P", Progression, 1.0),
                edge("P", "Q", Progression, 1.0),
                edge("Q", "J", QualifiesFor, 0.0),
                edge("S", "R", Progression, 1.0),
                edge("R", "J", QualifiesFor, 0.0),
                edge("P", "K", QualifiesFor, 0.0),
            ],
        )
        .unwrap()
    }

    fn from_s(min_prospect: Option<u8>, require_prospects: bool) -> RouteQuery {
        RouteQuery {
            from: NodeCode::parse("S").unwrap(),
            require_prospects,
            ..query(occupation(), 6, min_prospect)
        }
    }

    #[test]
    fn a_node_without_data_is_unknown_not_poor() {
        let graph = sparse();
        let all = graph.routes(&from_s(None, false)).unwrap();
        // SPQJ: known 4, unknowns rank 3; SPK: nothing known (rank 3, fewer steps);
        // SRJ: a known 2.
        assert_eq!(codes(&all), ["SPK", "SPQJ", "SRJ"]);
        let weakest: Vec<Option<u8>> = all.routes.iter().map(|r| r.weakest_prospect).collect();
        assert_eq!(
            weakest,
            [None, Some(4), Some(2)],
            "over the nodes with data only"
        );
        // min_prospect judges the nodes with data, never the start.
        assert_eq!(
            codes(&graph.routes(&from_s(Some(3), false)).unwrap()),
            ["SPK", "SPQJ"]
        );
        assert_eq!(
            codes(&graph.routes(&from_s(Some(5), false)).unwrap()),
            ["SPK"]
        );
        // require_prospects: data on every node after the start.
        assert_eq!(codes(&graph.routes(&from_s(None, true)).unwrap()), ["SRJ"]);
        assert!(
            graph
                .routes(&from_s(Some(3), true))
                .unwrap()
                .routes
                .is_empty()
        );
    }

    fn codes(search: &RouteSearch<'_>) -> Vec<String> {
        search
            .routes
            .iter()
            .map(|r| {
                r.nodes
                    .iter()
                    .map(|n| n.code.as_str())
                    .collect::<Vec<_>>()
                    .join("")
            })
            .collect()
    }

    fn occupation() -> Target {
        Target::Occupation(IscoCode::parse("2512").unwrap())
    }

    #[test]
    fn routes_are_ranked_by_prospects_then_by_steps() {
        let graph = map();
        let found = graph.routes(&query(occupation(), 6, None)).unwrap();
        assert_eq!(codes(&found), ["ACDY", "ACX", "ABX", "ABCX", "ABCDY"]);
        assert!(found.complete);
        let best = &found.routes[0];
        assert_eq!(best.weakest_prospect, Some(4));
        assert_eq!(best.total_tenths, 60);
        assert_eq!(best.edges.len(), 3);
    }

    #[test]
    fn max_steps_min_prospect_and_the_limit_cut_routes() {
        let graph = map();
        assert_eq!(
            codes(&graph.routes(&query(occupation(), 2, None)).unwrap()),
            ["ACX", "ABX"]
        );
        assert_eq!(
            codes(&graph.routes(&query(occupation(), 6, Some(3))).unwrap()),
            ["ACDY", "ACX"]
        );
        assert_eq!(
            codes(&graph.routes(&query(occupation(), 6, Some(5))).unwrap()),
            Vec::<String>::new()
        );
        let mut one = query(occupation(), 6, None);
        one.limit = 1;
        assert_eq!(codes(&graph.routes(&one).unwrap()), ["ACDY"]);
        let to_d = Target::Node(NodeCode::parse("D").unwrap());
        assert_eq!(
            codes(&graph.routes(&query(to_d, 6, None)).unwrap()),
            ["ACD", "ABCD"]
        );
    }

    #[test]
    fn an_unreachable_or_unknown_target_is_told_apart() {
        let graph = map();
        let z = Target::Node(NodeCode::parse("Z").unwrap());
        assert!(graph.routes(&query(z, 6, None)).unwrap().routes.is_empty());
        let ghost = Target::Node(NodeCode::parse("ghost").unwrap());
        assert_eq!(
            graph.routes(&query(ghost, 6, None)),
            Err(SearchError::UnknownTo)
        );
        let nobody = Target::Occupation(IscoCode::parse("1111").unwrap());
        assert_eq!(
            graph.routes(&query(nobody, 6, None)),
            Err(SearchError::UnknownTo)
        );
        let mut lost = query(occupation(), 6, None);
        lost.from = NodeCode::parse("nowhere").unwrap();
        assert_eq!(graph.routes(&lost), Err(SearchError::UnknownFrom));
    }

    /// Every simple path from `from` to `to` within `max_steps` whose nodes after the
    /// start all pass `query`'s prospect rules, found by brute force.
    fn brute_force(
        graph: &Graph,
        from: usize,
        to: usize,
        max_steps: u8,
        query: &RouteQuery,
    ) -> Vec<Vec<usize>> {
        fn walk(
            g: &Graph,
            path: &mut Vec<usize>,
            to: usize,
            left: u8,
            query: &RouteQuery,
            out: &mut Vec<Vec<usize>>,
        ) {
            let here = *path.last().unwrap();
            if path.len() > 1 && here == to {
                out.push(path.clone());
                return;
            }
            if left == 0 {
                return;
            }
            for &e in &g.outgoing[here] {
                let next = g.index[&g.edges[e].to];
                let ok = match g.nodes[next].weakest_prospect() {
                    None => !query.require_prospects,
                    Some(w) => query.min_prospect.is_none_or(|m| w >= m),
                };
                if ok && !path.contains(&next) {
                    path.push(next);
                    walk(g, path, to, left - 1, query, out);
                    path.pop();
                }
            }
        }
        let mut out = Vec::new();
        walk(graph, &mut vec![from], to, max_steps, query, &mut out);
        out
    }

    proptest! {
        #[test]
        fn every_route_exists_and_keeps_to_the_query(
            prospects in proptest::collection::vec(proptest::option::of(1u8..=5), 2..10),
            pairs in proptest::collection::vec((0usize..10, 0usize..10, 0u8..=30), 0..30),
            from in 0usize..10,
            to in 0usize..10,
            max_steps in 1u8..=5,
            min_prospect in proptest::option::of(1u8..=5),
            require_prospects in proptest::bool::ANY,
        ) {
            let n = prospects.len();
            let nodes: Vec<Node> = prospects.iter().enumerate()
                .map(|(i, p)| node(&format!("n{i}"), None, *p))
                .collect();
            let mut seen = std::collections::HashSet::new();
            let edges: Vec<Edge> = pairs.iter()
                .map(|(a, b, years)| (a % n, b % n, years))
                .filter(|(a, b, _)| a != b && seen.insert((*a, *b)))
                .map(|(a, b, years)| edge(&format!("n{a}"), &format!("n{b}"), RouteEdgeKind::Progression, f64::from(*years) / 10.0))
                .collect();
            let graph = Graph::new(nodes, edges).unwrap();
            let (from, to) = (from % n, to % n);
            let query = RouteQuery {
                from: NodeCode::parse(&format!("n{from}")).unwrap(),
                to: Target::Node(NodeCode::parse(&format!("n{to}")).unwrap()),
                max_steps,
                min_prospect,
                require_prospects,
                limit: 5,
            };
            let found = graph.routes(&query).unwrap();
            prop_assert!(found.complete);
            let mut previous = None;
            for route in &found.routes {
                prop_assert_eq!(route.nodes.first().unwrap().code.as_str(), format!("n{from}"));
                prop_assert_eq!(route.nodes.last().unwrap().code.as_str(), format!("n{to}"));
                prop_assert!(route.edges.len() <= usize::from(max_steps));
                prop_assert_eq!(route.edges.len() + 1, route.nodes.len());
                for (edge, pair) in route.edges.iter().zip(route.nodes.windows(2)) {
                    prop_assert_eq!(&edge.from, &pair[0].code);
                    prop_assert_eq!(&edge.to, &pair[1].code);
                    prop_assert!(graph.edges().contains(edge));
                }
                let mut codes: Vec<&str> = route.nodes.iter().map(|n| n.code.as_str()).collect();
                codes.sort_unstable();
                codes.dedup();
                prop_assert_eq!(codes.len(), route.nodes.len(), "a simple path");
                for node in &route.nodes[1..] {
                    match node.weakest_prospect() {
                        None => prop_assert!(!require_prospects),
                        Some(w) => prop_assert!(min_prospect.is_none_or(|m| w >= m)),
                    }
                }
                let known = route.nodes[1..].iter().filter_map(|n| n.weakest_prospect()).min();
                prop_assert_eq!(route.weakest_prospect, known);
                let rank = route.nodes[1..].iter().map(|n| n.weakest_prospect().unwrap_or(UNKNOWN_RANK)).min().unwrap_or(NONE_YET);
                let key = (Reverse(rank), route.edges.len(), route.total_tenths);
                if let Some(previous) = previous {
                    prop_assert!(previous <= key, "ranked");
                }
                previous = Some(key);
            }
            // Nothing is missed: as many routes as exist, up to the limit.
            let all = brute_force(&graph, from, to, max_steps, &query);
            prop_assert_eq!(found.routes.len(), all.len().min(5));
        }
    }
}
