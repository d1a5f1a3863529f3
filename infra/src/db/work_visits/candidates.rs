//! The slots a pupil's recommendations start from: for each published offering, its
//! earliest slot that fits the pupil. One statement: the fitting slots joined with
//! their offerings, numbered per offering by start (`ROW_NUMBER() OVER (PARTITION BY
//! work_visit_id …)`, which PostgreSQL and SQLite both have), of which only the first
//! of each comes back, with only the columns scoring reads.

use chrono::{DateTime, Utc};
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{SlotId, WorkVisitId};
use driehoek_domain::matching::{Candidate, CandidateQuery};
use driehoek_domain::values::{IscoCode, LanguageCode, Name};
use driehoek_domain::vocabularies::{
    Competence, EducationLevel, NaceSection, Vocabulary, WorkVisitFormat,
};
use driehoek_domain::work_visits::{AgeRange, SlotStatus, WorkVisitStatus};
use sea_orm::sea_query::{
    Condition, Expr, ExprTrait, Func, Order, Query, SelectStatement, WindowStatement,
};
use uuid::Uuid;

use super::super::entities::{slots, work_visits};
use super::super::read_pool::{ReadPool, rows_on};
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

/// The statement [`candidates`] sends (public to the crate for its plan's test).
pub(crate) fn candidates_query(tenant: Uuid, query: &CandidateQuery) -> SelectStatement {
    use slots::Column as S;
    use work_visits::Column as V;
    let slot = |c: S| Expr::col((slots::Entity, c));
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
    let levels = Condition::any()
        .add(visit(V::EducationLevels).eq(""))
        .add(visit(V::EducationLevels).like(holds_code(query.level.code())));
    let mut fitting = Query::select();
    fitting
        .expr_as(slot(S::WorkVisitId), "work_visit_id")
        .expr_as(slot(S::Id), "slot_id")
        .expr_as(slot(S::StartsAt), "starts_at")
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
        .expr_window_as(
            Func::cust("ROW_NUMBER"),
            WindowStatement::partition_by((slots::Entity, S::WorkVisitId))
                .order_by((slots::Entity, S::StartsAt), Order::Asc)
                .order_by((slots::Entity, S::Id), Order::Asc)
                .take(),
            "place",
        )
        .from(slots::Entity)
        .inner_join(
            work_visits::Entity,
            Condition::all()
                .add(visit(V::TenantId).equals((slots::Entity, S::TenantId)))
                .add(visit(V::Id).equals((slots::Entity, S::WorkVisitId))),
        )
        .and_where(slot(S::TenantId).eq(tenant))
        .and_where(slot(S::Status).eq(SlotStatus::Scheduled.code()))
        .and_where(slot(S::SeatsBooked).lt(slot(S::Capacity)))
        .and_where(visit(V::Status).eq(WorkVisitStatus::Published.code()))
        .cond_where(windows)
        .cond_where(levels);
    Query::select()
        .columns([
            "work_visit_id",
            "slot_id",
            "starts_at",
            "title",
            "format",
            "sectors",
            "occupations",
            "competences",
            "min_age",
            "max_age",
            "education_levels",
            "languages",
        ])
        .from_subquery(fitting, "fitting")
        .and_where(Expr::col("place").eq(1))
        .to_owned()
}

/// See [`driehoek_domain::work_visits::WorkVisitRepository::candidates`].
pub(crate) async fn candidates(
    reads: &ReadPool,
    tenant: Uuid,
    query: &CandidateQuery,
) -> DomainResult<Vec<Candidate>> {
    if query.windows.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<CandidateRow> = rows_on(reads, &candidates_query(tenant, query))
        .await
        .map_err(db_error)?;
    rows.into_iter().map(candidate_from_row).collect()
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
