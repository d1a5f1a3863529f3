//! The pupils' service against the in-memory store, on a frozen clock: the consent
//! age by birth year, sealing on transfer, and route plans on the map.

use chrono::TimeDelta;

use super::*;
use crate::clock::Clock;
use crate::error::Rule;
use crate::route_maps::{Edge, Graph, NewRouteMap, Node, NodeCode, NodeKind, RouteMapChanges};
use crate::route_maps::{RouteMapAudience, RouteMapStatus};
use crate::schools::School;
use crate::students::{ConsentGiver, ConsentStatus, EntryAuthor, NewConsent, NewEntry};
use crate::testing::{Fixture, admin};
use crate::values::{EntryBody, Name};
use crate::vocabularies::{Competence, EducationLevel::NlHavo, PortfolioEntryKind, RouteEdgeKind};

const NOW: &str = "2027-06-01T09:00:00Z";

fn by_pupil(purpose: ConsentPurpose) -> NewConsent {
    NewConsent {
        purpose,
        status: ConsentStatus::Granted,
        given_by: Some(ConsentGiver::Student),
    }
}

fn refused_for(result: DomainResult<crate::students::Consent>) -> Option<Rule> {
    match result {
        Err(DomainError::RuleBroken { rule, .. }) => Some(rule),
        _ => None,
    }
}

#[tokio::test]
async fn a_pupil_decides_alone_from_the_year_the_consent_age_is_certain() {
    let f = Fixture::at(NOW);
    let school = f.school(&[NlHavo]).await;
    // Born in 2011: certainly 15 in 2027, certainly 16 in 2028.
    let pupil = f.pupil(&school, 2011).await;
    let key = f.school_key(school.id);
    let age = f.tenant.settings.consent_age;
    let record = |purpose| {
        f.students
            .record_consent(&key, f.tenant.id, pupil.id, age, by_pupil(purpose))
    };
    assert_eq!(
        refused_for(record(ConsentPurpose::Media).await),
        Some(Rule::ConsentNotAllowed)
    );
    f.clock.set(Fixture::instant("2027-12-31T23:59:59Z"));
    assert_eq!(
        refused_for(record(ConsentPurpose::Media).await),
        Some(Rule::ConsentNotAllowed),
        "still 2027"
    );
    f.clock.set(Fixture::instant("2028-01-01T00:00:00Z"));
    let granted = record(ConsentPurpose::Media).await.unwrap();
    assert_eq!(granted.given_by, ConsentGiver::Student);
    assert_eq!(granted.recorded_at, f.clock.now());
    let ledger = f
        .students
        .consents(&key, f.tenant.id, pupil.id)
        .await
        .unwrap();
    assert_eq!(ledger.len(), 1, "refusals write nothing");
}

fn entry(title: &str) -> NewEntry {
    NewEntry {
        competence: Competence::Motives,
        kind: PortfolioEntryKind::Reflection,
        title: Name::parse(title).unwrap(),
        body: EntryBody::parse("Ik wil later met mensen werken.").unwrap(),
        sectors: Vec::new(),
        occupations: Vec::new(),
        evidence_url: None,
        booking_id: None,
        shared_with_business: false,
        author_role: Some(EntryAuthor::Student),
    }
}

/// A pupil of `from` with one entry made there, moved to `to` an hour later (with
/// `portfolio_transfer` granted when `consents`), and one entry made at `to`.
async fn moved_pupil(f: &Fixture, consents: bool) -> (School, Student) {
    let (from, to) = (f.school(&[NlHavo]).await, f.school(&[NlHavo]).await);
    let pupil = f.pupil(&from, 2012).await;
    let old = f.school_key(from.id);
    f.students
        .add_entry(&old, f.tenant.id, pupil.id, entry("Op de oude school"))
        .await
        .unwrap();
    if consents {
        let guardian = NewConsent {
            purpose: ConsentPurpose::PortfolioTransfer,
            status: ConsentStatus::Granted,
            given_by: Some(ConsentGiver::Guardian),
        };
        f.students
            .record_consent(&old, f.tenant.id, pupil.id, 16, guardian)
            .await
            .unwrap();
    }
    f.clock.advance(TimeDelta::hours(1));
    let moved = f
        .students
        .transfer(&old, f.tenant.id, pupil.id, to.id, None)
        .await
        .unwrap();
    assert_eq!(moved.school_id, to.id);
    f.clock.advance(TimeDelta::hours(1));
    f.students
        .add_entry(
            &f.school_key(to.id),
            f.tenant.id,
            pupil.id,
            entry("Op de nieuwe school"),
        )
        .await
        .unwrap();
    (to, moved)
}

#[tokio::test]
async fn a_transfer_without_consent_seals_what_was_made_before_it() {
    let f = Fixture::at(NOW);
    let (to, pupil) = moved_pupil(&f, false).await;
    let new = f.school_key(to.id);
    let seen = f
        .students
        .list_entries(
            &new,
            f.tenant.id,
            pupil.id,
            EntryFilter::default(),
            PageRequest::new(None, None).unwrap(),
        )
        .await
        .unwrap();
    let titles: Vec<&str> = seen.items.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["Op de nieuwe school"]);
    let export = f
        .students
        .export(&new, f.tenant.id, pupil.id, 16)
        .await
        .unwrap();
    assert_eq!((export.entries.len(), export.sealed_entries), (1, 1));
    let platform = f
        .students
        .export(&admin(), f.tenant.id, pupil.id, 16)
        .await
        .unwrap();
    assert_eq!((platform.entries.len(), platform.sealed_entries), (2, 0));
}

#[tokio::test]
async fn with_portfolio_transfer_consent_the_portfolio_moves_along() {
    let f = Fixture::at(NOW);
    let (to, pupil) = moved_pupil(&f, true).await;
    let export = f
        .students
        .export(&f.school_key(to.id), f.tenant.id, pupil.id, 16)
        .await
        .unwrap();
    assert_eq!((export.entries.len(), export.sealed_entries), (2, 0));
}

fn node(code: &str, kind: NodeKind) -> Node {
    let education = kind == NodeKind::Education;
    Node {
        code: NodeCode::parse(code).unwrap(),
        kind,
        name_en: Name::parse(code).unwrap(),
        name_nl: None,
        education_level: education.then_some(NlHavo),
        sector: None,
        isco_code: (!education).then(|| crate::values::IscoCode::parse("2512").unwrap()),
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

#[tokio::test]
async fn a_route_plan_follows_the_edges_of_its_published_map() {
    let f = Fixture::at(NOW);
    let map = f
        .route_maps
        .create(
            &admin(),
            f.tenant.id,
            NewRouteMap {
                name: Name::parse("Leerroutekaart").unwrap(),
                description: None,
                audience: RouteMapAudience::Pupils,
                status: None,
            },
        )
        .await
        .unwrap();
    let graph = Graph::new(
        vec![
            node("vmbo", NodeKind::Education),
            node("mbo", NodeKind::Education),
            node("havo", NodeKind::Education),
            node("ict", NodeKind::Occupation),
        ],
        vec![
            edge("vmbo", "mbo", RouteEdgeKind::Progression),
            edge("mbo", "ict", RouteEdgeKind::QualifiesFor),
        ],
    )
    .unwrap();
    let map = f
        .route_maps
        .replace_graph(&admin(), f.tenant.id, map.id, graph, None)
        .await
        .unwrap();
    let published = RouteMapChanges {
        status: Some(RouteMapStatus::Published),
        ..RouteMapChanges::default()
    };
    f.route_maps
        .update(&admin(), f.tenant.id, map.id, published, Some(map.version))
        .await
        .unwrap();
    let school = f.school(&[NlHavo]).await;
    let pupil = f.pupil(&school, 2012).await;
    let plan = |steps: &[&str]| NewRoutePlan {
        route_map_id: map.id,
        steps: steps.iter().map(|s| NodeCode::parse(s).unwrap()).collect(),
        target_occupation: None,
        plan_b: Vec::new(),
        helpers: Vec::new(),
        notes: None,
    };
    let key = f.school_key(school.id);
    let off_map = f
        .students
        .set_route_plan(&key, f.tenant.id, pupil.id, plan(&["vmbo", "havo"]), None)
        .await;
    assert!(
        matches!(
            off_map,
            Err(DomainError::RuleBroken {
                rule: Rule::RouteNotInMap,
                ..
            })
        ),
        "{off_map:?}"
    );
    assert!(f.memory.rows().plans.is_empty(), "nothing was written");
    let on_map = f
        .students
        .set_route_plan(
            &key,
            f.tenant.id,
            pupil.id,
            plan(&["vmbo", "mbo", "ict"]),
            None,
        )
        .await
        .unwrap();
    assert_eq!(on_map.plan.steps.len(), 3);
}

/// A token's actor as the API makes it from the stored token.
async fn token_actor(
    f: &Fixture,
    school: &crate::auth::Actor,
    pupil: &Student,
    role: Role,
) -> crate::auth::Actor {
    let new = NewAccessToken {
        role,
        expires_in: 3600,
        label: None,
    };
    let (token, secret) = f
        .students
        .issue_token(school, f.tenant.id, pupil.id, new)
        .await
        .unwrap();
    assert!(secret.starts_with(crate::api_keys::TOKEN_PREFIX));
    token.actor()
}

#[tokio::test]
async fn a_token_reaches_its_own_pupil_while_the_pupil_stays_at_its_school() {
    let f = Fixture::at(NOW);
    let school = f.school(&[NlHavo]).await;
    let key = f.school_key(school.id);
    let (sara, bram) = (f.pupil(&school, 2013).await, f.pupil(&school, 2013).await);
    let pupil = token_actor(&f, &key, &sara, Role::Pupil).await;
    let guardian = token_actor(&f, &key, &sara, Role::Guardian).await;
    let t = f.tenant.id;
    for actor in [&pupil, &guardian] {
        assert!(f.students.get(actor, t, sara.id).await.is_ok());
        assert!(matches!(
            f.students.get(actor, t, bram.id).await,
            Err(DomainError::NotFound(_))
        ));
        // Managing the pupil is the school's.
        let refused = f.students.erase(actor, t, sara.id, None).await;
        assert!(
            matches!(refused, Err(DomainError::Forbidden(_))),
            "{refused:?}"
        );
        let listed = f
            .students
            .tokens(actor, t, sara.id, PageRequest::first(10))
            .await;
        assert!(matches!(listed, Err(DomainError::Forbidden(_))));
    }
    // A pupil below the consent age does not export alone; a guardian does.
    assert!(matches!(
        f.students.export(&pupil, t, sara.id, 16).await,
        Err(DomainError::BelowConsentAge(_))
    ));
    assert!(f.students.export(&guardian, t, sara.id, 16).await.is_ok());
    // A token made before a move reaches nothing after it, and is revoked with it.
    let other = f.school(&[NlHavo]).await;
    f.students
        .transfer(&key, t, sara.id, other.id, None)
        .await
        .unwrap();
    assert!(matches!(
        f.students.get(&pupil, t, sara.id).await,
        Err(DomainError::NotFound(_))
    ));
    let tokens = f
        .students
        .tokens(&f.school_key(other.id), t, sara.id, PageRequest::first(10))
        .await
        .unwrap();
    assert!(tokens.items.iter().all(|k| k.revoked_at.is_some()));
    assert_eq!(tokens.items.len(), 2);
}

#[tokio::test]
async fn a_token_writes_as_who_it_is() {
    let f = Fixture::at(NOW);
    let school = f.school(&[NlHavo]).await;
    let key = f.school_key(school.id);
    let sara = f.pupil(&school, 2013).await;
    let t = f.tenant.id;
    let guardian = token_actor(&f, &key, &sara, Role::Guardian).await;
    let unnamed = NewEntry {
        author_role: None,
        ..entry("Wat ik zag")
    };
    let written = f
        .students
        .add_entry(&guardian, t, sara.id, unnamed.clone())
        .await
        .unwrap();
    assert_eq!(written.author_role, EntryAuthor::Guardian);
    let posing = f
        .students
        .add_entry(&guardian, t, sara.id, entry("Ik"))
        .await;
    assert!(
        matches!(posing, Err(DomainError::Validation(_))),
        "{posing:?}"
    );
    assert!(
        matches!(
            f.students.add_entry(&key, t, sara.id, unnamed).await,
            Err(DomainError::Validation(_))
        ),
        "a school key names the author"
    );
    let consent = NewConsent {
        given_by: None,
        ..by_pupil(ConsentPurpose::Media)
    };
    let decided = f
        .students
        .record_consent(&guardian, t, sara.id, 16, consent)
        .await
        .unwrap();
    assert_eq!(decided.given_by, ConsentGiver::Guardian);
    assert_eq!(decided.recorded_by_role, Role::Guardian);
    assert_eq!(decided.recorded_by_key_id, guardian.key_id);
}
