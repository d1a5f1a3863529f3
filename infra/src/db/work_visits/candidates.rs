//! The slots a pupil's recommendations start from: for each published offering, its
//! earliest slot that fits the pupil, in one statement ([`candidates_query`]) that
//! reads only the columns scoring needs.

use chrono::{DateTime, Utc};
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{SlotId, WorkVisitId};
use driehoek_domain::matching::{Candidate, CandidateQuery};
use driehoek_domain::values::{IscoCode, LanguageCode, Name};
use driehoek_domain::vocabularies::{
    Competence, EducationLevel, NaceSection, Vocabulary, WorkVisitFormat,
};
use driehoek_domain::work_visits::{AgeRange, SlotStatus, WorkVisitStatus};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Order, Query, SelectStatement};
use uuid::Uuid;

use super::super::entities::{slots, work_visits};
use super::super::read_pool::{ReadPool, each_row_on};
use super::super::{corrupt, db_error, holds_code, parse_codes};

#[derive(sqlx::FromRow)]
struct CandidateRow {
    work_visit_id: Uuid,
    slot_id: Uuid,
    starts_at: DateTime<Utc>,
    title: String,
    format: String,
    sectors: String,
    occupations: String,
    competences: String,
    min_age: i32,
    max_age: i32,
    education_levels: String,
    languages: String,
}

/// The statement [`candidates`] sends: the offerings that may fit (published, the
/// level), each with the id of its earliest fitting slot — a correlated subquery that
/// walks the partial index of open slots (`ix_slots_open`: scheduled, a seat left;
/// `(tenant_id, work_visit_id, starts_at, id)`: the probe walks only open slots) and
/// stops at the first — joined to that slot for its start. Offerings first: over 10 000
/// offerings and 50 000 slots this reads each candidate's few slots by index instead of
/// every slot of the window; the first version, every fitting slot numbered per
/// offering (`ROW_NUMBER() OVER (PARTITION BY work_visit_id …)`), answered the whole
/// request in 73 ms (median, p99 122 ms), this one in 70 ms (p99 88 ms) on the plain
/// index and 40 ms (p99 47 ms) on the partial one (bench/RESULTS.md).
pub(crate) fn candidates_query(tenant: Uuid, query: &CandidateQuery) -> SelectStatement {
    use slots::Column as S;
    use work_visits::Column as V;
    let open = Alias::new("open_slot");
    let fitting = Alias::new("fitting");
    let slot = |c: S| Expr::col((open.clone(), c));
    let visit = |c: V| Expr::col((work_visits::Entity, c));
    let mut windows = Condition::any();
    for w in &query.windows {
        windows = windows.add(
            Condition::all()
                .add(slot(S::StartsAt).gte(w.from))
                .add(slot(S::StartsAt).lt(w.to))
                .add(visit(V::MinAge).lte(w.age))
                .add(visit(V::MaxAge).gte(w.age)),
        );
    }
    let mut earliest = Query::select();
    earliest
        .column((open.clone(), S::Id))
        .from_as(slots::Entity, open.clone())
        .and_where(slot(S::TenantId).equals((work_visits::Entity, V::TenantId)))
        .and_where(slot(S::WorkVisitId).equals((work_visits::Entity, V::Id)))
        // A literal, not a bound value: a planner proves the partial index's predicate
        // from the statement's text (PostgreSQL's generic plans, SQLite always).
        .and_where(slot(S::Status).eq(Expr::cust(format!("'{}'", SlotStatus::Scheduled.code()))))
        .and_where(slot(S::SeatsBooked).lt(slot(S::Capacity)))
        .cond_where(windows)
        .order_by((open.clone(), S::StartsAt), Order::Asc)
        .order_by((open.clone(), S::Id), Order::Asc)
        .limit(1);
    let levels = Condition::any()
        .add(visit(V::EducationLevels).eq(""))
        .add(visit(V::EducationLevels).like(holds_code(query.level.code())));
    let mut offerings = Query::select();
    offerings
        .expr_as(visit(V::Id), "work_visit_id")
        .columns([
            (work_visits::Entity, V::Title),
            (work_visits::Entity, V::Format),
            (work_visits::Entity, V::Sectors),
            (work_visits::Entity, V::Occupations),
            (work_visits::Entity, V::Competences),
            (work_visits::Entity, V::MinAge),
            (work_visits::Entity, V::MaxAge),
            (work_visits::Entity, V::EducationLevels),
            (work_visits::Entity, V::Languages),
        ])
        .expr_as(Expr::from(earliest), "slot_id")
        .from(work_visits::Entity)
        .and_where(visit(V::TenantId).eq(tenant))
        .and_where(visit(V::Status).eq(WorkVisitStatus::Published.code()))
        .cond_where(levels)
        // A fence: PostgreSQL would otherwise pull the subquery up and run the
        // correlated one twice a row, in the join and in the output. (`OFFSET 0`, as
        // measured, is the usual one; SQLite takes an offset only after a limit.)
        .limit(i64::MAX.unsigned_abs());
    let columns: Vec<(Alias, Alias)> = [
        "work_visit_id",
        "slot_id",
        "title",
        "format",
        "sectors",
        "occupations",
        "competences",
        "min_age",
        "max_age",
        "education_levels",
        "languages",
    ]
    .into_iter()
    .map(|c| (fitting.clone(), Alias::new(c)))
    .collect();
    Query::select()
        .columns(columns)
        .column((slots::Entity, S::StartsAt))
        .from_subquery(offerings, fitting.clone())
        .inner_join(
            slots::Entity,
            Condition::all()
                .add(Expr::col((slots::Entity, S::TenantId)).eq(tenant))
                .add(Expr::col((slots::Entity, S::Id)).equals((fitting, Alias::new("slot_id")))),
        )
        .to_owned()
}

/// See [`driehoek_domain::work_visits::WorkVisitRepository::candidates`].
pub(crate) async fn candidates(
    reads: &ReadPool,
    tenant: Uuid,
    query: &CandidateQuery,
    each: &mut (dyn FnMut(Candidate) + Send),
) -> DomainResult<()> {
    if query.windows.is_empty() {
        return Ok(());
    }
    // Each driver's row is read and dropped in turn: only the driver's rows are ever
    // all held, never the candidates made of them.
    let mut bad = None;
    each_row_on(
        reads,
        &candidates_query(tenant, query),
        |row: CandidateRow| match candidate_from_row(row) {
            Ok(candidate) => each(candidate),
            Err(e) => {
                bad.get_or_insert(e);
            }
        },
    )
    .await
    .map_err(db_error)?;
    bad.map_or(Ok(()), Err)
}

fn candidate_from_row(r: CandidateRow) -> DomainResult<Candidate> {
    let bad = |e: String| corrupt("work visit", e);
    let age = |v: i32| u8::try_from(v).map_err(|e| bad(e.to_string()));
    Ok(Candidate {
        work_visit_id: WorkVisitId::from_uuid(r.work_visit_id),
        slot_id: SlotId::from_uuid(r.slot_id),
        starts_at: r.starts_at,
        title: Name::parse_owned(r.title).map_err(bad)?,
        format: WorkVisitFormat::parse(&r.format).map_err(bad)?,
        sectors: parse_codes(&r.sectors, NaceSection::parse).map_err(bad)?,
        occupations: parse_codes(&r.occupations, IscoCode::parse).map_err(bad)?,
        competences: parse_codes(&r.competences, Competence::parse).map_err(bad)?,
        ages: AgeRange::new(age(r.min_age)?, age(r.max_age)?).map_err(bad)?,
        education_levels: parse_codes(&r.education_levels, EducationLevel::parse).map_err(bad)?,
        languages: parse_codes(&r.languages, LanguageCode::parse).map_err(bad)?,
    })
}
