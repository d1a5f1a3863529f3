//! A route map's graph as one JSON document: the shape the database (in parts) and the
//! shared cache keep it in. Edges are stored as `links`, `[from, to, kind, tenths of a
//! year, conditions]` with the positions of the nodes they join rather than their codes
//! twice over (a third of the size); graphs stored before that carry `edges`, and read
//! as they are.
//!
//! A 20 000-node map is a document of about 10 MB. It is written straight from the
//! graph into parts of at most [`PART_BYTES`], never whole and never as a second copy
//! of the graph in the stored shape.

use std::borrow::Cow;
use std::io;

use driehoek_domain::error::{DomainError, DomainResult};
use driehoek_domain::route_maps::{Edge, Graph, Node, NodeCode, NodeKind, Prospect, Years};
use driehoek_domain::values::{Description, IscoCode, Name, ShortText, WebUrl};
use driehoek_domain::vocabularies::{EducationLevel, NaceSection, RouteEdgeKind, Vocabulary};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use crate::db::corrupt;

/// The most bytes of a document in one part.
pub(crate) const PART_BYTES: usize = 512 * 1024;
/// Room for what is written past a part's end before it is cut, so a part is rarely
/// regrown.
const PART_SLACK: usize = 16 * 1024;

/// The stored shape of a graph, as read back (owned text). A node's or prospect's
/// absent fields are left out.
#[derive(Deserialize)]
struct StoredGraph<'a> {
    nodes: Vec<StoredNode<'a>>,
    #[serde(default)]
    edges: Vec<StoredEdge<'a>>,
    #[serde(default)]
    links: Vec<StoredLink<'a>>,
}

#[derive(Serialize, Deserialize)]
struct StoredNode<'a> {
    code: Cow<'a, str>,
    kind: Cow<'a, str>,
    name_en: Cow<'a, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name_nl: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    education_level: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sector: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    isco_code: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    esco_uri: Option<Cow<'a, str>>,
    prospects: Vec<StoredProspect<'a>>,
}

#[derive(Serialize, Deserialize)]
struct StoredProspect<'a> {
    indicator: Cow<'a, str>,
    value: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    label: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    region: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<Cow<'a, str>>,
}

/// An edge as graphs stored before `links` carry it.
#[derive(Deserialize)]
struct StoredEdge<'a> {
    from: Cow<'a, str>,
    to: Cow<'a, str>,
    kind: Cow<'a, str>,
    conditions: Option<Cow<'a, str>>,
    /// Tenths of a year.
    typical_years: Option<u16>,
}

/// An edge by the positions of its nodes: `[from, to, kind, tenths of a year,
/// conditions]`.
#[derive(Serialize, Deserialize)]
struct StoredLink<'a>(
    usize,
    usize,
    Cow<'a, str>,
    Option<u16>,
    Option<Cow<'a, str>>,
);

/// The graph in the stored shape, written from borrowed text one item at a time.
struct Stored<'a>(&'a Graph);

impl Serialize for Stored<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let graph = self.0;
        let mut stored = serializer.serialize_struct("StoredGraph", 2)?;
        stored.serialize_field("nodes", &Items(|| graph.nodes().iter().map(stored_node)))?;
        stored.serialize_field(
            "links",
            &Items(|| {
                graph
                    .edges()
                    .iter()
                    .zip(graph.ends())
                    .map(|(e, &(from, to))| {
                        StoredLink(
                            from,
                            to,
                            e.kind.code().into(),
                            e.typical_years.map(Years::tenths),
                            e.conditions.as_ref().map(|v| v.as_str().into()),
                        )
                    })
            }),
        )?;
        stored.end()
    }
}

/// A sequence serialised from an iterator, item by item.
struct Items<F>(F);

impl<F, I> Serialize for Items<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

fn stored_node(n: &Node) -> StoredNode<'_> {
    StoredNode {
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
    }
}

/// Collects written bytes into parts of at most [`PART_BYTES`], each cut where a
/// character starts.
struct PartWriter {
    parts: Vec<String>,
    current: Vec<u8>,
}

impl PartWriter {
    fn new() -> Self {
        Self {
            parts: Vec::new(),
            current: Vec::with_capacity(PART_BYTES + PART_SLACK),
        }
    }

    /// Moves the first [`PART_BYTES`] (or fewer, to the start of a character) of the
    /// current part into a finished part.
    fn cut(&mut self) -> io::Result<()> {
        let mut at = PART_BYTES;
        while at > 0 && self.current.get(at).is_some_and(|b| b & 0xC0 == 0x80) {
            at -= 1;
        }
        let mut next = Vec::with_capacity(PART_BYTES + PART_SLACK);
        next.extend_from_slice(&self.current[at..]);
        let mut part = std::mem::replace(&mut self.current, next);
        part.truncate(at);
        part.shrink_to_fit();
        self.parts
            .push(String::from_utf8(part).map_err(io::Error::other)?);
        Ok(())
    }

    /// The parts, the last one included (`write` keeps it within [`PART_BYTES`]).
    fn finish(mut self) -> io::Result<Vec<String>> {
        if !self.current.is_empty() {
            self.current.shrink_to_fit();
            self.parts
                .push(String::from_utf8(self.current).map_err(io::Error::other)?);
        }
        Ok(self.parts)
    }
}

impl io::Write for PartWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.current.extend_from_slice(buf);
        while self.current.len() > PART_BYTES {
            self.cut()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A graph's document in consecutive parts of at most [`PART_BYTES`].
pub(crate) fn to_parts(graph: &Graph) -> DomainResult<Vec<String>> {
    let mut writer = PartWriter::new();
    serde_json::to_writer(&mut writer, &Stored(graph))
        .map_err(|e| DomainError::Internal(format!("graph: {e}")))?;
    writer
        .finish()
        .map_err(|e| DomainError::Internal(format!("graph: {e}")))
}

/// A graph's document whole.
pub(crate) fn to_document(graph: &Graph) -> DomainResult<String> {
    Ok(to_parts(graph)?.concat())
}

pub(crate) fn from_document(document: &str) -> DomainResult<Graph> {
    load(serde_json::from_str(document).map_err(|e| corrupt("route map graph", e.to_string()))?)
}

fn opt<T>(
    raw: Option<&str>,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, String> {
    raw.map(parse).transpose()
}

/// An edge from its stored parts.
fn edge(
    from: NodeCode,
    to: NodeCode,
    kind: &str,
    tenths: Option<u16>,
    conditions: Option<&str>,
) -> Result<Edge, String> {
    Ok(Edge {
        from,
        to,
        kind: RouteEdgeKind::parse(kind)?,
        conditions: opt(conditions, Description::parse)?,
        typical_years: tenths.map(Years::from_tenths).transpose()?,
    })
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
    let code = |at: usize| match nodes.get(at) {
        Some(node) => Ok(node.code.clone()),
        None => Err(format!("a link to node {at} of {}", nodes.len())),
    };
    let named = |e: &StoredEdge<'_>| {
        let (from, to) = (NodeCode::parse(&e.from)?, NodeCode::parse(&e.to)?);
        edge(from, to, &e.kind, e.typical_years, e.conditions.as_deref())
    };
    let linked = |StoredLink(from, to, kind, years, conditions): &StoredLink<'_>| {
        edge(
            code(*from)?,
            code(*to)?,
            kind,
            *years,
            conditions.as_deref(),
        )
    };
    let edges = stored
        .edges
        .iter()
        .map(named)
        .chain(stored.links.iter().map(linked))
        .collect::<Result<Vec<_>, String>>()
        .map_err(bad)?;
    Graph::new(nodes, edges).map_err(|e| corrupt("route map graph", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(code: &str, kind: NodeKind, name: &str) -> Node {
        Node {
            code: NodeCode::parse(code).expect("a code"),
            kind,
            name_en: Name::parse(name).expect("a name"),
            name_nl: None,
            education_level: (kind == NodeKind::Education).then_some(EducationLevel::NlMbo4),
            sector: None,
            isco_code: (kind == NodeKind::Occupation)
                .then(|| IscoCode::parse("2512").expect("an ISCO code")),
            esco_uri: None,
            prospects: Vec::new(),
        }
    }

    fn edge(from: &str, to: &str, kind: RouteEdgeKind) -> Edge {
        Edge {
            from: NodeCode::parse(from).expect("a code"),
            to: NodeCode::parse(to).expect("a code"),
            kind,
            conditions: Some(Description::parse("a diploma").expect("text")),
            typical_years: Some(Years::from_tenths(25).expect("years")),
        }
    }

    fn graph() -> Graph {
        Graph::new(
            vec![
                node("mbo", NodeKind::Education, "Software developer"),
                node("hbo", NodeKind::Education, "Informatica"),
                node("dev", NodeKind::Occupation, "Developer"),
            ],
            vec![
                edge("mbo", "hbo", RouteEdgeKind::Progression),
                edge("hbo", "dev", RouteEdgeKind::QualifiesFor),
                edge("mbo", "dev", RouteEdgeKind::QualifiesFor),
            ],
        )
        .expect("a valid graph")
    }

    #[test]
    fn a_graph_reads_back_as_it_was_stored_with_edges_by_position() {
        let graph = graph();
        let document = to_document(&graph).expect("a document");
        assert!(document.contains(r#""links":[[0,1,"progression",25,"a diploma"]"#));
        assert!(!document.contains(r#""edges""#));
        assert_eq!(from_document(&document).expect("loads"), graph);
    }

    #[test]
    fn a_graph_stored_with_named_edges_still_reads() {
        let stored = to_document(&graph()).expect("a document");
        let links_at = stored.find(r#","links""#).expect("links");
        let named = format!(
            r#"{},"edges":[{}]}}"#,
            &stored[..links_at],
            [("mbo", "hbo", "progression"), ("hbo", "dev", "qualifies_for"), ("mbo", "dev", "qualifies_for")]
                .map(|(from, to, kind)| format!(
                    r#"{{"from":"{from}","to":"{to}","kind":"{kind}","conditions":"a diploma","typical_years":25}}"#
                ))
                .join(",")
        );
        assert_eq!(from_document(&named).expect("loads"), graph());
    }

    #[test]
    fn a_link_to_a_node_that_is_not_there_is_corrupt() {
        let stored = to_document(&graph()).expect("a document");
        let broken = stored.replace("[0,1,", "[0,7,");
        assert!(from_document(&broken).is_err());
    }

    #[test]
    fn parts_never_split_a_character_and_join_back_whole() {
        use std::io::Write;
        // 'é' is two bytes: after one byte of 'x', a part's last byte would be the
        // first half of one.
        let document = format!("x{}", "é".repeat(PART_BYTES));
        let mut writer = PartWriter::new();
        for piece in document.as_bytes().chunks(1000) {
            writer.write_all(piece).expect("written");
        }
        let parts = writer.finish().expect("parts");
        assert_eq!(parts.len(), 3);
        assert_eq!(
            parts[0].len(),
            PART_BYTES - 1,
            "cut where the character starts"
        );
        assert!(parts.iter().all(|p| p.len() <= PART_BYTES && !p.is_empty()));
        assert_eq!(parts.concat(), document);
        assert!(PartWriter::new().finish().expect("parts").is_empty());
    }

    #[test]
    fn a_large_graph_is_written_in_parts_that_read_back_as_the_graph() {
        let nodes: Vec<Node> = (0..5_000)
            .map(|i| {
                node(
                    &format!("p{i}"),
                    NodeKind::Education,
                    &format!("Opleiding {i}: één, café, crèche"),
                )
            })
            .collect();
        let edges: Vec<Edge> = (1..5_000)
            .map(|i| {
                edge(
                    &format!("p{}", i - 1),
                    &format!("p{i}"),
                    RouteEdgeKind::Progression,
                )
            })
            .collect();
        let graph = Graph::new(nodes, edges).expect("a valid graph");
        let parts = to_parts(&graph).expect("parts");
        assert!(parts.len() > 1, "{} part(s)", parts.len());
        assert!(parts.iter().all(|p| p.len() <= PART_BYTES));
        assert_eq!(from_document(&parts.concat()).expect("loads"), graph);
    }
}
