//! Route search on a map's in-memory graph: ranked simple paths from where a pupil is
//! towards a programme or an occupation, never a query per step.
//!
//! Routes are ranked by their weakest prospect (better first; a node without
//! prospects counts as unknown, below any known value), then by fewer steps, then by
//! fewer typical years, then by their codes, so the order is stable. The search is
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
    /// Every node after the start must have its weakest prospect at least this (nodes
    /// without prospects do not qualify when this is set).
    pub min_prospect: Option<u8>,
    pub limit: u8,
}

/// One route: the nodes from start to target and the edges between them.
#[derive(Debug, Clone, PartialEq)]
pub struct Route<'g> {
    pub nodes: Vec<&'g Node>,
    pub edges: Vec<&'g Edge>,
    /// Sum of the edges' typical years, in tenths (edges without one count 0).
    pub total_tenths: u32,
    /// The lowest prospect of the nodes after the start; `None` when one is unknown.
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
    /// Weakest prospect so far: 0 unknown, 6 when no node after the start yet.
    weakest: u8,
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

/// A node's weakest prospect as a rank value: 0 when it has none.
fn rank_value(node: &Node) -> u8 {
    node.weakest_prospect().unwrap_or(0)
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
        let allowed = |i: usize| {
            query
                .min_prospect
                .is_none_or(|min| self.nodes[i].weakest_prospect().is_some_and(|w| w >= min))
        };
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
            weakest: 6,
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
                heap.push(Reverse(Partial {
                    weakest: partial.weakest.min(rank_value(&self.nodes[next])),
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
            weakest_prospect: (1..=5)
                .contains(&partial.weakest)
                .then_some(partial.weakest),
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
            limit: 10,
        }
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
    /// start all meet `min_prospect`, found by brute force.
    fn brute_force(
        graph: &Graph,
        from: usize,
        to: usize,
        max_steps: u8,
        min: Option<u8>,
    ) -> Vec<Vec<usize>> {
        fn walk(
            g: &Graph,
            path: &mut Vec<usize>,
            to: usize,
            left: u8,
            min: Option<u8>,
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
                let ok =
                    min.is_none_or(|m| g.nodes[next].weakest_prospect().is_some_and(|w| w >= m));
                if ok && !path.contains(&next) {
                    path.push(next);
                    walk(g, path, to, left - 1, min, out);
                    path.pop();
                }
            }
        }
        let mut out = Vec::new();
        walk(graph, &mut vec![from], to, max_steps, min, &mut out);
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
                if let Some(min) = min_prospect {
                    for node in &route.nodes[1..] {
                        prop_assert!(node.weakest_prospect().is_some_and(|w| w >= min));
                    }
                }
                let key = (Reverse(route.weakest_prospect.unwrap_or(0)), route.edges.len(), route.total_tenths);
                if let Some(previous) = previous {
                    prop_assert!(previous <= key, "ranked");
                }
                previous = Some(key);
            }
            // Nothing is missed: as many routes as exist, up to the limit.
            let all = brute_force(&graph, from, to, max_steps, min_prospect);
            prop_assert_eq!(found.routes.len(), all.len().min(5));
        }
    }
}
