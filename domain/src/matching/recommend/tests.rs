#![allow(clippy::unwrap_used)]

use chrono::TimeDelta;
use uuid::Uuid;

use super::*;
use crate::ids::{PortfolioEntryId, RouteMapId, RoutePlanId, SchoolId, StudentId, TenantId};
use crate::route_maps::{Edge, Node, NodeCode};
use crate::testing::now;
use crate::values::EntryBody;

fn isco(code: &str) -> IscoCode {
    IscoCode::parse(code).unwrap()
}

fn visit_id(n: u128) -> WorkVisitId {
    WorkVisitId::from_uuid(Uuid::from_u128(n))
}

/// An offering (its id `n`) starting `days` from now, open to every level and age.
fn offering(n: u128, days: i64, sectors: &[NaceSection], occupations: &[&str]) -> Candidate {
    Candidate {
        work_visit_id: visit_id(n),
        slot_id: SlotId::from_uuid(Uuid::from_u128(1000 + n)),
        starts_at: now() + TimeDelta::days(days),
        title: Name::parse(&format!("Offering {n}")).unwrap(),
        format: WorkVisitFormat::CompanyVisit,
        sectors: sectors.to_vec(),
        occupations: occupations.iter().map(|o| isco(o)).collect(),
        competences: Vec::new(),
        ages: AgeRange::new(12, 18).unwrap(),
        education_levels: Vec::new(),
        languages: Vec::new(),
    }
}

fn entry(
    kind: PortfolioEntryKind,
    competence: Competence,
    sectors: &[NaceSection],
    occupations: &[&str],
) -> PortfolioEntry {
    PortfolioEntry {
        id: PortfolioEntryId::new(),
        tenant_id: TenantId::new(),
        student_id: StudentId::new(),
        school_id: SchoolId::new(),
        competence,
        kind,
        title: Name::parse("An entry").unwrap(),
        body: EntryBody::parse("What I found out").unwrap(),
        sectors: sectors.to_vec(),
        occupations: occupations.iter().map(|o| isco(o)).collect(),
        evidence_url: None,
        booking_id: None,
        shared_with_business: false,
        author_role: EntryAuthor::Student,
        version: 1,
        created_at: now(),
        updated_at: now(),
    }
}

fn interest(sectors: &[NaceSection], occupations: &[&str]) -> PortfolioEntry {
    entry(
        PortfolioEntryKind::Reflection,
        Competence::Motives,
        sectors,
        occupations,
    )
}

/// Languages the pupil takes part in: none named, so only offerings naming none fit
/// by language (all of these tests' offerings).
const NO_LANGUAGES: [LanguageCode; 0] = [];

fn records<'a>(entries: &'a [PortfolioEntry]) -> Records<'a> {
    Records {
        level: EducationLevel::NlVmboKb,
        languages: &NO_LANGUAGES,
        entries,
        booked: &[],
        booked_sectors: &[],
        plan: None,
    }
}

fn codes(item: &Recommendation) -> Vec<&'static str> {
    item.reasons.iter().map(|r| r.code.code()).collect()
}

fn ids(list: &[Recommendation]) -> Vec<WorkVisitId> {
    list.iter().map(|r| r.work_visit_id).collect()
}

/// A map: vmbo → mbo (qualifies for logistics 4323 and, from the target, 8322).
fn map_and_plan() -> (Graph, RoutePlan) {
    let node = |code: &str, kind: NodeKind, isco_code: Option<&str>| Node {
        code: NodeCode::parse(code).unwrap(),
        kind,
        name_en: Name::parse(&format!("{code} (en)")).unwrap(),
        name_nl: Some(Name::parse(&format!("{code} (nl)")).unwrap()),
        education_level: (kind == NodeKind::Education).then_some(EducationLevel::NlMbo2),
        sector: None,
        isco_code: isco_code.map(isco),
        esco_uri: None,
        prospects: Vec::new(),
    };
    let edge = |from: &str, to: &str, kind| Edge {
        from: NodeCode::parse(from).unwrap(),
        to: NodeCode::parse(to).unwrap(),
        kind,
        conditions: None,
        typical_years: None,
    };
    let graph = Graph::new(
        vec![
            node("vmbo", NodeKind::Education, None),
            node("mbo", NodeKind::Education, None),
            node("logistics", NodeKind::Occupation, Some("4323")),
            node("driver", NodeKind::Occupation, Some("8322")),
            node("elsewhere", NodeKind::Occupation, Some("2512")),
        ],
        vec![
            edge("vmbo", "mbo", RouteEdgeKind::Progression),
            edge("mbo", "logistics", RouteEdgeKind::QualifiesFor),
            edge("mbo", "driver", RouteEdgeKind::QualifiesFor),
        ],
    )
    .unwrap();
    let plan = RoutePlan {
        id: RoutePlanId::new(),
        tenant_id: TenantId::new(),
        student_id: StudentId::new(),
        route_map_id: RouteMapId::new(),
        steps: vec![
            NodeCode::parse("vmbo").unwrap(),
            NodeCode::parse("mbo").unwrap(),
        ],
        target_occupation: Some(isco("8322")),
        plan_b: Vec::new(),
        helpers: Vec::new(),
        notes: None,
        agreed_by: Vec::new(),
        agreements: Vec::new(),
        version: 1,
        created_at: now(),
    };
    (graph, plan)
}

#[test]
fn the_route_target_outranks_interests_and_every_item_says_why() {
    use NaceSection::{H, Q};
    let (graph, plan) = map_and_plan();
    let entries = [
        interest(&[Q], &["2221"]),
        interest(&[Q], &["2221"]),
        interest(&[Q], &["2221"]),
    ];
    let profile = Profile::of(Records {
        plan: Some((&plan, &graph)),
        ..records(&entries)
    });
    let list = recommend(
        &profile,
        vec![
            offering(1, 3, &[Q], &["2221"]),
            offering(2, 4, &[H], &["8322"]),
            offering(3, 5, &[H], &["4323"]),
            offering(4, 6, &[H], &["2512"]),
        ],
        10,
        DetailLanguage::En,
    );
    assert_eq!(
        ids(&list),
        [visit_id(1), visit_id(2), visit_id(3), visit_id(4)]
    );
    // Interests: 3 entries × 10 (capped at 30) + 3 × 5 (capped at 15) = 45 > 40.
    assert_eq!(list[0].score, 45);
    assert_eq!(
        codes(&list[0]),
        ["interest_occupation", "interest_sector", "age_and_level"]
    );
    assert_eq!(list[1].score, 40);
    assert_eq!(
        codes(&list[1]),
        ["route_target", "new_sector", "age_and_level"]
    );
    assert_eq!(
        list[1].reasons[0].detail,
        "Shows your target occupation: driver (en)"
    );
    assert_eq!(
        list[2].score, 25,
        "logistics is one qualifies_for edge from a step"
    );
    assert_eq!(codes(&list[2]), ["on_route", "new_sector", "age_and_level"]);
    assert_eq!(list[3].score, 0, "2512 is on the map but not on the route");
    assert_eq!(codes(&list[3]), ["new_sector", "age_and_level"]);
}

#[test]
fn the_target_is_not_counted_again_as_on_route() {
    let (graph, plan) = map_and_plan();
    let profile = Profile::of(Records {
        plan: Some((&plan, &graph)),
        ..records(&[])
    });
    let both = recommend(
        &profile,
        vec![offering(1, 1, &[], &["8322", "4323"])],
        5,
        DetailLanguage::Nl,
    );
    assert_eq!(both[0].score, 65, "the target, and logistics on the route");
    assert_eq!(
        codes(&both[0]),
        ["route_target", "on_route", "age_and_level"]
    );
    assert_eq!(
        both[0].reasons[1].detail,
        "Je route leidt naar dit beroep: logistics (nl)"
    );
    let only = recommend(
        &profile,
        vec![offering(1, 1, &[], &["8322"])],
        5,
        DetailLanguage::Nl,
    );
    assert_eq!(codes(&only[0]), ["route_target", "age_and_level"]);
}

#[test]
fn a_talent_weighs_twice_an_interest_and_points_are_capped() {
    use NaceSection::{C, F};
    let talent = entry(
        PortfolioEntryKind::Talent,
        Competence::Qualities,
        &[F],
        &["7112"],
    );
    let entries = [talent, interest(&[C], &["7212"])];
    let profile = Profile::of(records(&entries));
    let list = recommend(
        &profile,
        vec![
            offering(1, 1, &[C], &["7212"]),
            offering(2, 2, &[F], &["7112"]),
        ],
        5,
        DetailLanguage::En,
    );
    assert_eq!(ids(&list), [visit_id(2), visit_id(1)]);
    assert_eq!((list[0].score, list[1].score), (30, 15));
    assert_eq!(list[1].reasons[0].detail, "Your portfolio names ISCO 7212");

    let many: Vec<_> = (0..10).map(|_| interest(&[C], &["7212"])).collect();
    let profile = Profile::of(records(&many));
    let capped = recommend(
        &profile,
        vec![offering(1, 1, &[C], &["7212"])],
        5,
        DetailLanguage::En,
    );
    assert_eq!(capped[0].score, 30 + 15);
}

#[test]
fn what_driehoek_wrote_after_a_visit_is_met_not_wanted() {
    use NaceSection::H;
    let mut after_visit = interest(&[H], &["8322"]);
    after_visit.author_role = EntryAuthor::System;
    let entries = [after_visit];
    let profile = Profile::of(records(&entries));
    let list = recommend(
        &profile,
        vec![offering(1, 1, &[H], &["8322"])],
        5,
        DetailLanguage::En,
    );
    assert_eq!(list[0].score, 0);
    assert_eq!(codes(&list[0]), ["age_and_level"], "not new, not wanted");
}

#[test]
fn the_competence_with_fewest_entries_counts_only_when_there_is_one() {
    let mut gap = offering(1, 2, &[], &[]);
    gap.competences = vec![Competence::Networking];
    let mut other = offering(2, 1, &[], &[]);
    other.competences = vec![Competence::Motives];
    let even = Profile::of(records(&[]));
    let list = recommend(
        &even,
        vec![gap.clone(), other.clone()],
        5,
        DetailLanguage::En,
    );
    assert_eq!(ids(&list), [visit_id(2), visit_id(1)], "no gap: by start");
    assert!(list.iter().all(|r| r.score == 0));

    let entries: Vec<_> = [
        Competence::Qualities,
        Competence::Motives,
        Competence::WorkExploration,
        Competence::CareerSteering,
    ]
    .into_iter()
    .map(|c| entry(PortfolioEntryKind::Reflection, c, &[], &[]))
    .collect();
    let uneven = Profile::of(records(&entries));
    let list = recommend(&uneven, vec![gap, other], 5, DetailLanguage::En);
    assert_eq!(ids(&list), [visit_id(1), visit_id(2)]);
    assert_eq!(codes(&list[0]), ["competence_gap", "age_and_level"]);
    assert_eq!(list[0].score, 10);
}

#[test]
fn ties_go_by_start_then_by_id_whatever_order_the_candidates_come_in() {
    let candidates = vec![
        offering(3, 2, &[], &[]),
        offering(2, 1, &[], &[]),
        offering(1, 2, &[], &[]),
    ];
    let profile = Profile::of(records(&[]));
    let expected = [visit_id(2), visit_id(1), visit_id(3)];
    let mut reversed = candidates.clone();
    reversed.reverse();
    for input in [candidates, reversed] {
        assert_eq!(
            ids(&recommend(&profile, input, 5, DetailLanguage::En)),
            expected
        );
    }
}

#[test]
fn every_fifth_place_widens_the_view_when_the_ranking_does_not() {
    use NaceSection::{H, J, Q};
    let entries = [interest(&[H], &[]), interest(&[H], &[])];
    let profile = Profile::of(records(&entries));
    let mut candidates: Vec<_> = (1..=12).map(|n| offering(n, n as i64, &[H], &[])).collect();
    candidates.push(offering(50, 1, &[Q], &[]));
    candidates.push(offering(51, 2, &[J], &[]));
    candidates.push(offering(52, 3, &[J], &[]));
    let list = recommend(&profile, candidates, 12, DetailLanguage::En);
    let new_at: Vec<usize> = list
        .iter()
        .enumerate()
        .filter(|(_, r)| codes(r).contains(&"new_sector"))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(new_at, [5, 10], "places 5 and 10 go to unmet sectors");
    assert_eq!(
        list[4].work_visit_id,
        visit_id(50),
        "the best-ranked of them"
    );
    assert_eq!(list[9].work_visit_id, visit_id(51));
    assert_eq!(list.len(), 12);
    assert_eq!(
        &ids(&list)[..4],
        [visit_id(1), visit_id(2), visit_id(3), visit_id(4)]
    );

    let short = recommend(
        &profile,
        (1..=4).map(|n| offering(n, 1, &[H], &[])).collect(),
        10,
        DetailLanguage::En,
    );
    assert_eq!(
        short.len(),
        4,
        "no new sector to offer: the list is what there is"
    );
}

#[test]
fn new_sectors_that_rank_on_their_own_take_no_extra_place() {
    use NaceSection::{H, J};
    let entries = [interest(&[H], &[])];
    let profile = Profile::of(records(&entries));
    let mut candidates = vec![offering(1, 1, &[J], &["2512"]), offering(2, 2, &[J], &[])];
    candidates.extend((3..=8).map(|n| offering(n, n as i64, &[H], &[])));
    let entries_it = [interest(&[H], &["2512"])];
    let profile_it = Profile::of(records(&entries_it));
    for profile in [&profile, &profile_it] {
        let list = recommend(profile, candidates.clone(), 5, DetailLanguage::En);
        let new = list
            .iter()
            .filter(|r| codes(r).contains(&"new_sector"))
            .count();
        assert!(new >= 1, "{list:?}");
    }
    // With the J offering ranked first by an interest, place 5 needs no other.
    let list = recommend(&profile_it, candidates, 5, DetailLanguage::En);
    assert_eq!(list[0].work_visit_id, visit_id(1));
    assert_eq!(
        list.iter()
            .filter(|r| codes(r).contains(&"new_sector"))
            .count(),
        1
    );
}

#[test]
fn nothing_eligible_is_an_empty_list() {
    use NaceSection::H;
    let booked = [visit_id(1)];
    let dutch = [LanguageCode::parse("nl").unwrap()];
    let mut english_only = offering(2, 1, &[H], &[]);
    english_only.languages = vec![LanguageCode::parse("en").unwrap()];
    let profile = Profile::of(Records {
        languages: &dutch,
        booked: &booked,
        booked_sectors: &[H],
        ..records(&[])
    });
    let list = recommend(
        &profile,
        vec![offering(1, 1, &[H], &[]), english_only.clone()],
        5,
        DetailLanguage::En,
    );
    assert!(list.is_empty(), "{list:?}");
    assert!(recommend(&profile, Vec::new(), 5, DetailLanguage::En).is_empty());

    english_only.languages.push(dutch[0]);
    let list = recommend(&profile, vec![english_only], 5, DetailLanguage::En);
    assert_eq!(
        ids(&list),
        [visit_id(2)],
        "a Dutch-speaking pupil fits en+nl"
    );
    assert_eq!(
        codes(&list[0]),
        ["age_and_level"],
        "H was met on the booking"
    );
}

#[test]
fn an_offering_naming_the_pupils_level_gains_on_one_open_to_all() {
    let mut named = offering(2, 2, &[], &[]);
    named.education_levels = vec![EducationLevel::NlVmboKb, EducationLevel::NlVmboBb];
    let profile = Profile::of(records(&[]));
    let list = recommend(
        &profile,
        vec![offering(1, 1, &[], &[]), named],
        5,
        DetailLanguage::Nl,
    );
    assert_eq!(ids(&list), [visit_id(2), visit_id(1)]);
    assert_eq!(list[0].score, 5);
    assert!(
        list[0].reasons[0]
            .detail
            .starts_with("Voor 12–18 jaar en voor jouw niveau"),
        "{}",
        list[0].reasons[0].detail
    );
    assert_eq!(
        list[1].reasons[0].detail,
        "Voor 12–18 jaar en voor elk niveau"
    );
}

#[test]
fn the_window_is_cut_at_new_year_with_the_age_of_each_year() {
    let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
    let query = CandidateQuery::new(
        at("2026-12-01T00:00:00Z"),
        at("2027-02-01T00:00:00Z"),
        2012,
        EducationLevel::NlHavo,
    );
    assert_eq!(
        query.windows,
        [
            AgeWindow {
                from: at("2026-12-01T00:00:00Z"),
                to: at("2027-01-01T00:00:00Z"),
                age: 13,
            },
            AgeWindow {
                from: at("2027-01-01T00:00:00Z"),
                to: at("2027-02-01T00:00:00Z"),
                age: 14,
            },
        ]
    );
    let fourteen_up = AgeRange::new(14, 18).unwrap();
    assert!(!query.fits(at("2026-12-20T09:00:00Z"), fourteen_up, &[]));
    assert!(query.fits(at("2027-01-20T09:00:00Z"), fourteen_up, &[]));
    assert!(
        !query.fits(at("2027-02-01T00:00:00Z"), fourteen_up, &[]),
        "to is not in"
    );
    assert!(!query.fits(
        at("2027-01-20T09:00:00Z"),
        fourteen_up,
        &[EducationLevel::NlVwo]
    ));
    assert!(query.fits(
        at("2027-01-20T09:00:00Z"),
        fourteen_up,
        &[EducationLevel::NlVwo, EducationLevel::NlHavo]
    ));
}

/// The list as it was made before the shortlist: every eligible candidate scored,
/// all of them ranked, then broadened.
fn ranked_in_full(profile: &Profile, candidates: Vec<Candidate>, limit: usize) -> Vec<WorkVisitId> {
    let mut all: Vec<Scored> = candidates
        .into_iter()
        .filter(|c| profile.eligible(c))
        .map(|candidate| {
            let (score, parts) = profile.score(&candidate);
            Scored {
                new_sector: profile.new_sector(&candidate).is_some(),
                candidate,
                score,
                parts,
            }
        })
        .collect();
    all.sort_by(rank_order);
    broaden(all, limit)
        .into_iter()
        .map(|s| s.candidate.work_visit_id)
        .collect()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    /// Keeping only the shortlist while the candidates arrive gives the list ranking
    /// them all would, whatever their order, sectors and scores.
    #[test]
    fn the_shortlist_lists_what_ranking_every_candidate_would(
        offerings in proptest::collection::vec((0usize..6, 0i64..30, 0usize..3), 0..120),
        limit in 1usize..12,
    ) {
        use NaceSection::{C, F, H, J, Q};
        let sectors = [H, H, J, Q, C, F];
        let occupations = ["8343", "2512", "5321"];
        let entries = [
            interest(&[H], &["8343"]),
            interest(&[H, J], &[]),
            entry(PortfolioEntryKind::Talent, Competence::Qualities, &[J], &["2512"]),
        ];
        let profile = Profile::of(records(&entries));
        let candidates: Vec<Candidate> = offerings
            .iter()
            .enumerate()
            .map(|(n, (sector, days, occupation))| {
                offering(n as u128 + 1, *days, &[sectors[*sector]], &[occupations[*occupation]])
            })
            .collect();
        let expected = ranked_in_full(&profile, candidates.clone(), limit);
        let listed = ids(&recommend(&profile, candidates, limit, DetailLanguage::En));
        proptest::prop_assert_eq!(listed, expected);
    }
}
