//! The facts the city's figures are made of: completed visits with their slot and
//! offering, the feedback on them, active pupils counted by school and grade (and the
//! group of each pupil named on a visit), the schools' postal codes, the period's
//! portfolio entries (counted here: a city's year holds tens of thousands) and each
//! pupil's latest route plan, read on the read pool; the rest of the summing is the
//! domain's.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use driehoek_domain::bookings::{BookingStatus, FeedbackAuthor, NamedStudent};
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{BookingId, BusinessId, SchoolId, StudentId, TenantId};
use driehoek_domain::stats::{
    CompletedVisit, EntriesMade, FeedbackCounts, PupilGroup, PupilGroupKey, StatsRepository,
    VisitBooking,
};
use driehoek_domain::students::{Agreement, StudentStatus};
use driehoek_domain::vocabularies::{PortfolioEntryKind, Vocabulary};
use driehoek_domain::work_visits::WorkVisit;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter, QuerySelect, QueryTrait};
use uuid::Uuid;

use super::entities::{
    booking_feedback, booking_students, bookings, portfolio_entries, route_plans, schools, slots,
    students, work_visits,
};
use super::read_pool::{OnReadPool, ReadPool, each_row_on, rows_on};
use super::{IN_LIST_CHUNK, corrupt, db_error, in_chunks_on_read_pool};

pub struct SeaOrmStatsRepository {
    db: DatabaseConnection,
    reads: ReadPool,
}

impl SeaOrmStatsRepository {
    pub(crate) fn new(db: DatabaseConnection, reads: ReadPool) -> Self {
        Self { db, reads }
    }
}

#[async_trait]
impl StatsRepository for SeaOrmStatsRepository {
    async fn completed_visits(
        &self,
        tenant: TenantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> DomainResult<Vec<CompletedVisit>> {
        let t = tenant.as_uuid();
        let slot_rows: Vec<slots::Model> = slots::scoped(t)
            .filter(slots::Column::StartsAt.gte(from))
            .filter(slots::Column::StartsAt.lt(to))
            .all_on(&self.reads)
            .await
            .map_err(db_error)?;
        let mut slots = HashMap::with_capacity(slot_rows.len());
        for row in slot_rows {
            slots.insert(row.id, Arc::new(super::work_visits::slot_from_model(row)?));
        }
        let mut named: HashMap<Uuid, Vec<NamedStudent>> = HashMap::new();
        each_row_on(&self.reads, &named_query(t, from, to), |row: NamedRow| {
            named.entry(row.booking_id).or_default().push(NamedStudent {
                student_id: StudentId::from_uuid(row.student_id),
                present: row.present,
            });
        })
        .await
        .map_err(db_error)?;
        let rows: Vec<CompletedRow> = rows_on(&self.reads, &completed_query(t, from, to))
            .await
            .map_err(db_error)?;
        let mut visit_ids: Vec<Uuid> = rows.iter().map(|b| b.work_visit_id).collect();
        visit_ids.sort_unstable();
        visit_ids.dedup();
        let visits: HashMap<Uuid, Arc<WorkVisit>> = in_chunks_on_read_pool(
            &self.reads,
            &visit_ids,
            |chunk| {
                work_visits::scoped(t).filter(work_visits::Column::Id.is_in(chunk.iter().copied()))
            },
            |m| {
                let visit = super::work_visits::visit_from_model(m)?;
                Ok((visit.id.as_uuid(), Arc::new(visit)))
            },
        )
        .await?
        .into_iter()
        .collect();
        rows.into_iter()
            .map(|row| {
                let slot = slots
                    .get(&row.slot_id)
                    .cloned()
                    .ok_or_else(|| corrupt("booking", "its slot is gone"))?;
                let visit = visits
                    .get(&row.work_visit_id)
                    .cloned()
                    .ok_or_else(|| corrupt("booking", "its work visit is gone"))?;
                let students = named.remove(&row.id).unwrap_or_default();
                Ok(CompletedVisit {
                    booking: row.into_booking(students)?,
                    slot,
                    visit,
                })
            })
            .collect()
    }

    async fn feedback(
        &self,
        tenant: TenantId,
        bookings: &[BookingId],
    ) -> DomainResult<Vec<FeedbackCounts>> {
        use booking_feedback::Column as C;
        let t = tenant.as_uuid();
        let answered =
            |answer: bool| Expr::expr(Expr::case(C::WouldHostAgain.eq(answer), 1).finally(0)).sum();
        // Counted in the database, a chunk of bookings at a time: an author's counts
        // may come in several parts, which the domain adds up.
        let mut counts: Vec<FeedbackCounts> = Vec::new();
        for chunk in bookings.chunks(IN_LIST_CHUNK) {
            let rows: Vec<(String, i64, i64, i64, i64)> = booking_feedback::scoped(t)
                .filter(C::BookingId.is_in(chunk.iter().map(|b| b.as_uuid())))
                .select_only()
                .column(C::Author)
                .column_as(C::Id.count(), "responses")
                .column_as(C::Rating.sum(), "ratings")
                .column_as(answered(true), "yes")
                .column_as(answered(false), "no")
                .group_by(C::Author)
                .into_tuple()
                .all(&self.db)
                .await
                .map_err(db_error)?;
            for (author, responses, ratings, yes, no) in rows {
                let author =
                    FeedbackAuthor::parse(&author).map_err(|e| corrupt("feedback author", e))?;
                counts.push(FeedbackCounts {
                    author,
                    responses: count(responses),
                    ratings: count(ratings),
                    host_again: (count(yes), count(no)),
                });
            }
        }
        Ok(counts)
    }

    async fn pupil_groups(&self, tenant: TenantId) -> DomainResult<Vec<PupilGroup>> {
        use students::Column as C;
        let rows: Vec<(Uuid, Option<String>, i64)> = students::scoped(tenant.as_uuid())
            .filter(C::Status.eq(StudentStatus::Active.code()))
            .select_only()
            .column(C::SchoolId)
            .column(C::Grade)
            .column_as(C::Id.count(), "pupils")
            .group_by(C::SchoolId)
            .group_by(C::Grade)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_error)?;
        Ok(rows
            .into_iter()
            .map(|(school, grade, n)| PupilGroup {
                key: (SchoolId::from_uuid(school), grade),
                pupils: count(n),
            })
            .collect())
    }

    async fn pupils_at(
        &self,
        tenant: TenantId,
        ids: &[StudentId],
    ) -> DomainResult<Vec<(StudentId, PupilGroupKey)>> {
        use students::Column as C;
        let t = tenant.as_uuid();
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IN_LIST_CHUNK) {
            let rows: Vec<(Uuid, Uuid, Option<String>)> = students::scoped(t)
                .filter(C::Status.eq(StudentStatus::Active.code()))
                .filter(C::Id.is_in(chunk.iter().map(|s| s.as_uuid())))
                .select_only()
                .columns([C::Id, C::SchoolId, C::Grade])
                .into_tuple()
                .all(&self.db)
                .await
                .map_err(db_error)?;
            found.extend(rows.into_iter().map(|(id, school, grade)| {
                (
                    StudentId::from_uuid(id),
                    (SchoolId::from_uuid(school), grade),
                )
            }));
        }
        Ok(found)
    }

    async fn school_postal_codes(&self, tenant: TenantId) -> DomainResult<Vec<(SchoolId, String)>> {
        use schools::Column as C;
        let rows: Vec<(Uuid, Option<String>)> = schools::scoped(tenant.as_uuid())
            .select_only()
            .columns([C::Id, C::AddressPostalCode])
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_error)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, code)| code.map(|c| (SchoolId::from_uuid(id), c)))
            .collect())
    }

    async fn reviewed_by_both(
        &self,
        tenant: TenantId,
        bookings: &[BookingId],
    ) -> DomainResult<Vec<BookingId>> {
        use booking_feedback::Column as C;
        let t = tenant.as_uuid();
        let sides = [
            FeedbackAuthor::School.code(),
            FeedbackAuthor::Business.code(),
        ];
        let mut found = Vec::new();
        for chunk in bookings.chunks(IN_LIST_CHUNK) {
            let rows: Vec<Uuid> = booking_feedback::scoped(t)
                .filter(C::BookingId.is_in(chunk.iter().map(|b| b.as_uuid())))
                .filter(C::Author.is_in(sides))
                .select_only()
                .column(C::BookingId)
                .group_by(C::BookingId)
                .having(Expr::col(C::Author).count_distinct().eq(2))
                .into_tuple()
                .all(&self.db)
                .await
                .map_err(db_error)?;
            found.extend(rows.into_iter().map(BookingId::from_uuid));
        }
        Ok(found)
    }

    async fn plans_before(
        &self,
        tenant: TenantId,
        at: DateTime<Utc>,
    ) -> DomainResult<Vec<(StudentId, Vec<Agreement>)>> {
        use route_plans::Column as C;
        let query = route_plans::scoped(tenant.as_uuid())
            .filter(C::CreatedAt.lt(at))
            .select_only()
            .columns([C::StudentId, C::Version, C::AgreedBy])
            .into_query();
        // Each pupil's latest version before `at`, kept as the rows are read.
        let mut latest: HashMap<Uuid, (i64, String)> = HashMap::new();
        each_row_on(&self.reads, &query, |row: PlanRow| {
            match latest.get(&row.student_id) {
                Some((kept, _)) if *kept >= row.version => {}
                _ => {
                    latest.insert(row.student_id, (row.version, row.agreed_by));
                }
            }
        })
        .await
        .map_err(db_error)?;
        latest
            .into_iter()
            .map(|(student, (_, agreed))| {
                Ok((
                    StudentId::from_uuid(student),
                    super::route_plans::agreements_from(&agreed)?,
                ))
            })
            .collect()
    }

    async fn entries_made(
        &self,
        tenant: TenantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> DomainResult<EntriesMade> {
        use portfolio_entries::Column as C;
        // Counted in the database: a city's year is tens of thousands of entries.
        let made = || {
            portfolio_entries::scoped(tenant.as_uuid())
                .filter(C::CreatedAt.gte(from))
                .filter(C::CreatedAt.lt(to))
                .select_only()
        };
        let rows: Vec<(String, i64)> = made()
            .column(C::Kind)
            .column_as(C::Id.count(), "entries")
            .group_by(C::Kind)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_error)?;
        let pupils: Option<i64> = made()
            .column_as(Expr::col(C::StudentId).count_distinct(), "pupils")
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(db_error)?;
        let by_kind = rows
            .into_iter()
            .map(|(kind, n)| {
                let kind = PortfolioEntryKind::parse(&kind)
                    .map_err(|e| corrupt("portfolio entry kind", e))?;
                Ok((kind, count(n)))
            })
            .collect::<DomainResult<_>>()?;
        Ok(EntriesMade {
            by_kind,
            pupils: pupils.map_or(0, count),
        })
    }
}

/// The columns of a completed booking that the figures count.
#[derive(sqlx::FromRow)]
struct CompletedRow {
    id: Uuid,
    slot_id: Uuid,
    work_visit_id: Uuid,
    business_id: Uuid,
    school_id: Uuid,
    seats: i32,
    attended_count: Option<i32>,
    absent_count: Option<i32>,
    prepared_at: Option<DateTime<Utc>>,
    debriefed_at: Option<DateTime<Utc>>,
}

impl CompletedRow {
    fn into_booking(self, students: Vec<NamedStudent>) -> DomainResult<VisitBooking> {
        let number = |n: i32| u32::try_from(n).map_err(|e| corrupt("booking", e.to_string()));
        Ok(VisitBooking {
            id: BookingId::from_uuid(self.id),
            school_id: SchoolId::from_uuid(self.school_id),
            business_id: BusinessId::from_uuid(self.business_id),
            seats: number(self.seats)?,
            attendance: match (self.attended_count, self.absent_count) {
                (Some(present), Some(absent)) => Some((number(present)?, number(absent)?)),
                _ => None,
            },
            prepared: self.prepared_at.is_some(),
            debriefed: self.debriefed_at.is_some(),
            students,
        })
    }
}

/// A pupil named on a completed booking.
#[derive(sqlx::FromRow)]
struct NamedRow {
    booking_id: Uuid,
    student_id: Uuid,
    present: Option<bool>,
}

#[derive(sqlx::FromRow)]
struct PlanRow {
    student_id: Uuid,
    version: i64,
    agreed_by: String,
}

/// `bookings` joined to their slots: the tenant's completed bookings whose slot starts
/// in `[from, to)`.
fn completed_in(tenant: Uuid, from: DateTime<Utc>, to: DateTime<Utc>) -> SelectStatement {
    use bookings::Column as B;
    use slots::Column as S;
    Query::select()
        .from(bookings::Entity)
        .inner_join(
            slots::Entity,
            Condition::all()
                .add(
                    Expr::col((slots::Entity, S::TenantId)).equals((bookings::Entity, B::TenantId)),
                )
                .add(Expr::col((slots::Entity, S::Id)).equals((bookings::Entity, B::SlotId))),
        )
        .and_where(Expr::col((bookings::Entity, B::TenantId)).eq(tenant))
        .and_where(Expr::col((bookings::Entity, B::Status)).eq(BookingStatus::Completed.code()))
        .and_where(Expr::col((slots::Entity, S::StartsAt)).gte(from))
        .and_where(Expr::col((slots::Entity, S::StartsAt)).lt(to))
        .to_owned()
}

fn completed_query(tenant: Uuid, from: DateTime<Utc>, to: DateTime<Utc>) -> SelectStatement {
    use bookings::Column as B;
    let mut query = completed_in(tenant, from, to);
    for column in [
        B::Id,
        B::SlotId,
        B::WorkVisitId,
        B::BusinessId,
        B::SchoolId,
        B::Seats,
        B::AttendedCount,
        B::AbsentCount,
        B::PreparedAt,
        B::DebriefedAt,
    ] {
        query.column((bookings::Entity, column));
    }
    query
}

fn named_query(tenant: Uuid, from: DateTime<Utc>, to: DateTime<Utc>) -> SelectStatement {
    use booking_students::Column as N;
    use bookings::Column as B;
    let mut query = completed_in(tenant, from, to);
    query
        .inner_join(
            booking_students::Entity,
            Condition::all()
                .add(
                    Expr::col((booking_students::Entity, N::TenantId))
                        .equals((bookings::Entity, B::TenantId)),
                )
                .add(
                    Expr::col((booking_students::Entity, N::BookingId))
                        .equals((bookings::Entity, B::Id)),
                ),
        )
        .columns([
            (booking_students::Entity, N::BookingId),
            (booking_students::Entity, N::StudentId),
            (booking_students::Entity, N::Present),
        ]);
    query
}

/// A count as the database returns it (never negative).
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
