//! Demo route maps: Rotterdam's (vmbo → mbo → hbo → occupations in technology, the port,
//! care and IT) and Leuven's (first grade A/B → second-grade finalities → occupations),
//! with labour-market prospects, and route plans for a few demo pupils.

use driehoek_domain::auth::Actor;
use driehoek_domain::error::DomainError;
use driehoek_domain::ids::{StudentId, TenantId};
use driehoek_domain::route_maps::{
    Edge, Graph, NewRouteMap, Node, NodeCode, NodeKind, Prospect, RouteMapAudience,
    RouteMapChanges, RouteMapStatus, Years,
};
use driehoek_domain::students::NewRoutePlan;
use driehoek_domain::values::{IscoCode, Name, ShortText};
use driehoek_domain::vocabularies::{EducationLevel as L, NaceSection as N, RouteEdgeKind as E};

use crate::state::AppState;

/// `(code, level or None for an occupation, ISCO code, English, Dutch, sector, prospect)`.
type NodeSeed = (
    &'static str,
    Option<L>,
    &'static str,
    &'static str,
    &'static str,
    Option<N>,
    Option<u8>,
);
/// `(pupil's external ref, steps, plan B, target ISCO, helpers)`.
type PlanSeed = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static str,
    &'static [&'static str],
);
type EdgeSeed = (&'static str, &'static str, E, f64, Option<&'static str>);

pub struct MapSeed {
    name: &'static str,
    nodes: &'static [NodeSeed],
    edges: &'static [EdgeSeed],
    plans: &'static [PlanSeed],
}

pub const ROTTERDAM: MapSeed = MapSeed {
    name: "Leerroutekaart Rotterdam",
    nodes: &[
        (
            "vmbo_tl:ict",
            Some(L::NlVmboTl),
            "",
            "VMBO-TL with ICT",
            "vmbo-tl met ICT",
            Some(N::J),
            None,
        ),
        (
            "vmbo_kb:techniek",
            Some(L::NlVmboKb),
            "",
            "VMBO-KB technology",
            "vmbo-kb techniek",
            Some(N::C),
            None,
        ),
        (
            "vmbo_bb:zorg",
            Some(L::NlVmboBb),
            "",
            "VMBO-BB care and welfare",
            "vmbo-bb zorg en welzijn",
            Some(N::Q),
            None,
        ),
        (
            "mbo_4:25604",
            Some(L::NlMbo4),
            "",
            "Software developer (mbo 4)",
            "Software developer (mbo 4)",
            Some(N::J),
            Some(5),
        ),
        (
            "mbo_3:25256",
            Some(L::NlMbo3),
            "",
            "Mechatronics technician (mbo 3)",
            "Monteur mechatronica (mbo 3)",
            Some(N::C),
            Some(5),
        ),
        (
            "mbo_2:25381",
            Some(L::NlMbo2),
            "",
            "Port logistics employee (mbo 2)",
            "Medewerker havenlogistiek (mbo 2)",
            Some(N::H),
            Some(4),
        ),
        (
            "mbo_3:25491",
            Some(L::NlMbo3),
            "",
            "Care worker (mbo 3)",
            "Verzorgende-IG (mbo 3)",
            Some(N::Q),
            Some(5),
        ),
        (
            "mbo_4:25480",
            Some(L::NlMbo4),
            "",
            "Nurse (mbo 4)",
            "Verpleegkundige (mbo 4)",
            Some(N::Q),
            Some(5),
        ),
        (
            "hbo:ict",
            Some(L::NlHboBachelor),
            "",
            "ICT (hbo bachelor)",
            "hbo-ict",
            Some(N::J),
            Some(5),
        ),
        (
            "hbo:nursing",
            Some(L::NlHboBachelor),
            "",
            "Nursing (hbo bachelor)",
            "hbo-verpleegkunde",
            Some(N::Q),
            Some(5),
        ),
        (
            "isco:2512",
            None,
            "2512",
            "Software developer",
            "Softwareontwikkelaar",
            Some(N::J),
            Some(5),
        ),
        (
            "isco:7412",
            None,
            "7412",
            "Electrical mechanic",
            "Elektromonteur",
            Some(N::C),
            Some(5),
        ),
        (
            "isco:8344",
            None,
            "8344",
            "Port equipment operator",
            "Bediener haventerminal",
            Some(N::H),
            Some(4),
        ),
        (
            "isco:5321",
            None,
            "5321",
            "Health care assistant",
            "Zorgassistent",
            Some(N::Q),
            Some(5),
        ),
        (
            "isco:2221",
            None,
            "2221",
            "Nurse",
            "Verpleegkundige",
            Some(N::Q),
            Some(5),
        ),
    ],
    edges: &[
        (
            "vmbo_tl:ict",
            "mbo_4:25604",
            E::Progression,
            3.0,
            Some("vmbo-tl diploma"),
        ),
        (
            "vmbo_tl:ict",
            "mbo_4:25480",
            E::Progression,
            4.0,
            Some("vmbo-tl diploma with biology"),
        ),
        ("vmbo_kb:techniek", "mbo_3:25256", E::Progression, 3.0, None),
        ("vmbo_kb:techniek", "mbo_2:25381", E::Progression, 2.0, None),
        (
            "vmbo_bb:zorg",
            "mbo_3:25491",
            E::CombinedRoute,
            3.0,
            Some("doorlopende leerroute vmbo-mbo"),
        ),
        (
            "mbo_3:25491",
            "mbo_4:25480",
            E::Switch,
            1.5,
            Some("mbo 3 diploma and an intake talk"),
        ),
        ("mbo_4:25604", "hbo:ict", E::Progression, 4.0, None),
        ("mbo_4:25480", "hbo:nursing", E::Progression, 4.0, None),
        ("mbo_4:25604", "isco:2512", E::QualifiesFor, 0.0, None),
        ("hbo:ict", "isco:2512", E::QualifiesFor, 0.0, None),
        ("mbo_3:25256", "isco:7412", E::QualifiesFor, 0.0, None),
        ("mbo_2:25381", "isco:8344", E::QualifiesFor, 0.0, None),
        ("mbo_3:25491", "isco:5321", E::QualifiesFor, 0.0, None),
        ("mbo_4:25480", "isco:2221", E::QualifiesFor, 0.0, None),
        ("hbo:nursing", "isco:2221", E::QualifiesFor, 0.0, None),
    ],
    plans: &[
        (
            "CV-2031-0117",
            &["vmbo_kb:techniek", "mbo_2:25381", "isco:8344"],
            &["vmbo_kb:techniek", "mbo_3:25256", "isco:7412"],
            "8344",
            &["Oom Karim (havenbedrijf)"],
        ),
        (
            "CV-2029-0311",
            &["vmbo_tl:ict", "mbo_4:25480", "hbo:nursing", "isco:2221"],
            &["vmbo_tl:ict", "mbo_4:25480", "isco:2221"],
            "2221",
            &["Tante (Erasmus MC)", "Mentor"],
        ),
    ],
};

pub const LEUVEN: MapSeed = MapSeed {
    name: "Leerwegen Leuven",
    nodes: &[
        (
            "so_1a",
            Some(L::BeSo1a),
            "",
            "First grade, A stream",
            "Eerste graad A-stroom",
            None,
            None,
        ),
        (
            "so_1b",
            Some(L::BeSo1b),
            "",
            "First grade, B stream",
            "Eerste graad B-stroom",
            None,
            None,
        ),
        (
            "so2_doorstroom:stem",
            Some(L::BeSoDoorstroom),
            "",
            "STEM sciences (transition)",
            "STEM-wetenschappen (doorstroom)",
            Some(N::M),
            Some(5),
        ),
        (
            "so2_dubbel:zorg",
            Some(L::BeSoDubbel),
            "",
            "Health and welfare (dual finality)",
            "Gezondheidszorg en welzijn (dubbele finaliteit)",
            Some(N::Q),
            Some(5),
        ),
        (
            "so2_arbeid:bouw",
            Some(L::BeSoArbeidsmarkt),
            "",
            "Construction (labour market)",
            "Bouw (arbeidsmarktfinaliteit)",
            Some(N::F),
            Some(4),
        ),
        (
            "bachelor:ind_ing",
            Some(L::BeBachelor),
            "",
            "Industrial engineering",
            "Industrieel ingenieur",
            Some(N::M),
            Some(5),
        ),
        (
            "isco:2144",
            None,
            "2144",
            "Mechanical engineer",
            "Werktuigkundig ingenieur",
            Some(N::M),
            Some(5),
        ),
        (
            "isco:5322",
            None,
            "5322",
            "Home-based care worker",
            "Zorgkundige thuiszorg",
            Some(N::Q),
            Some(4),
        ),
        (
            "isco:7112",
            None,
            "7112",
            "Bricklayer",
            "Metselaar",
            Some(N::F),
            Some(4),
        ),
    ],
    edges: &[
        ("so_1a", "so2_doorstroom:stem", E::Progression, 4.0, None),
        ("so_1a", "so2_dubbel:zorg", E::Progression, 4.0, None),
        ("so_1b", "so2_arbeid:bouw", E::Progression, 4.0, None),
        (
            "so_1b",
            "so2_dubbel:zorg",
            E::Switch,
            4.0,
            Some("advice of the class council"),
        ),
        (
            "so2_doorstroom:stem",
            "bachelor:ind_ing",
            E::Progression,
            4.0,
            None,
        ),
        ("bachelor:ind_ing", "isco:2144", E::QualifiesFor, 0.0, None),
        ("so2_dubbel:zorg", "isco:5322", E::QualifiesFor, 0.0, None),
        ("so2_arbeid:bouw", "isco:7112", E::QualifiesFor, 0.0, None),
    ],
    plans: &[(
        "SPC-1A-07",
        &["so_1a", "so2_dubbel:zorg", "isco:5322"],
        &[
            "so_1a",
            "so2_doorstroom:stem",
            "bachelor:ind_ing",
            "isco:2144",
        ],
        "5322",
        &["Buurvrouw (thuisverpleging)"],
    )],
};

fn invalid(e: String) -> DomainError {
    DomainError::Internal(format!("demo route map: {e}"))
}

fn graph(seed: &MapSeed) -> Result<Graph, DomainError> {
    let nodes = seed
        .nodes
        .iter()
        .map(|&(code, level, isco, en, nl, sector, prospect)| {
            Ok(Node {
                code: NodeCode::parse(code)?,
                kind: if level.is_some() {
                    NodeKind::Education
                } else {
                    NodeKind::Occupation
                },
                name_en: Name::parse(en)?,
                name_nl: Some(Name::parse(nl)?),
                education_level: level,
                sector,
                isco_code: (!isco.is_empty())
                    .then(|| IscoCode::parse(isco))
                    .transpose()?,
                esco_uri: None,
                prospects: prospect
                    .map(|value| {
                        Ok::<_, String>(Prospect {
                            indicator: ShortText::parse("job_chances")?,
                            value,
                            label: None,
                            region: None,
                            year: Some(2026),
                            source: Some(ShortText::parse("SBB / VDAB (demo figures)")?),
                        })
                    })
                    .transpose()?
                    .into_iter()
                    .collect(),
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(invalid)?;
    let edges = seed
        .edges
        .iter()
        .map(|&(from, to, kind, years, conditions)| {
            Ok(Edge {
                from: NodeCode::parse(from)?,
                to: NodeCode::parse(to)?,
                kind,
                conditions: conditions
                    .map(driehoek_domain::values::Description::parse)
                    .transpose()?,
                typical_years: Some(Years::from_years(years)?),
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(invalid)?;
    Graph::new(nodes, edges)
}

/// Loads the map, publishes it and sets the demo pupils' plans on it.
pub async fn seed_map(
    state: &AppState,
    tenant: TenantId,
    seed: &MapSeed,
    pupils: &[(String, StudentId)],
) -> Result<Vec<StudentId>, DomainError> {
    let admin = Actor::bootstrap_admin();
    let map = state
        .route_maps
        .create(
            &admin,
            tenant,
            NewRouteMap {
                name: Name::parse(seed.name).map_err(invalid)?,
                description: None,
                audience: RouteMapAudience::Pupils,
                status: None,
            },
        )
        .await?;
    state
        .route_maps
        .replace_graph(&admin, tenant, map.id, graph(seed)?, None)
        .await?;
    let published = RouteMapChanges {
        status: Some(RouteMapStatus::Published),
        ..RouteMapChanges::default()
    };
    state
        .route_maps
        .update(&admin, tenant, map.id, published, None)
        .await?;
    let mut planned = Vec::new();
    for &(pupil, steps, plan_b, target, helpers) in seed.plans {
        let Some((_, student)) = pupils.iter().find(|(r, _)| r == pupil) else {
            continue;
        };
        let codes = |list: &[&str]| {
            list.iter()
                .map(|c| NodeCode::parse(c))
                .collect::<Result<Vec<_>, _>>()
                .map_err(invalid)
        };
        let plan = NewRoutePlan {
            route_map_id: map.id,
            steps: codes(steps)?,
            target_occupation: Some(IscoCode::parse(target).map_err(invalid)?),
            plan_b: codes(plan_b)?,
            helpers: helpers
                .iter()
                .map(|h| ShortText::parse(h))
                .collect::<Result<_, _>>()
                .map_err(invalid)?,
            notes: None,
        };
        state
            .students
            .set_route_plan(&admin, tenant, *student, plan, None)
            .await?;
        planned.push(*student);
    }
    Ok(planned)
}
