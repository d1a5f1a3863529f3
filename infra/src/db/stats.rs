//! The facts the city's figures are made of: completed visits with their slot and
//! offering, and the feedback on them. Read on the read pool where rows are read by
//! position; the summing is the domain's.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use driehoek_domain::bookings::{BookingStatus, Feedback};
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{BookingId, TenantId};
use driehoek_domain::stats::{CompletedVisit, StatsRepository};
use driehoek_domain::vocabularies::Vocabulary;
use driehoek_domain::work_visits::WorkVisit;
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter};
use uuid::Uuid;

use super::by_position::SelectByPosition;
use super::entities::{booking_feedback, bookings, slots, work_visits};
use super::reads::Reads;
use super::{corrupt, db_error, in_chunks, in_chunks_by_position};

pub struct SeaOrmStatsRepository {
    db: DatabaseConnection,
    reads: Reads,
}

impl SeaOrmStatsRepository {
    pub(crate) fn new(db: DatabaseConnection, reads: Reads) -> Self {
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
            .all_by_position(&self.reads)
            .await
            .map_err(db_error)?;
        let slot_ids: Vec<Uuid> = slot_rows.iter().map(|s| s.id).collect();
        let mut slots = HashMap::with_capacity(slot_rows.len());
        for row in slot_rows {
            slots.insert(row.id, super::work_visits::slot_from_model(row)?);
        }
        let rows: Vec<bookings::Model> = in_chunks_by_position(
            &self.reads,
            &slot_ids,
            |chunk| {
                bookings::scoped(t)
                    .filter(bookings::Column::Status.eq(BookingStatus::Completed.code()))
                    .filter(bookings::Column::SlotId.is_in(chunk.iter().copied()))
            },
            Ok,
        )
        .await?;
        let bookings = super::bookings::with_pupils(&self.reads, tenant, rows).await?;
        let mut visit_ids: Vec<Uuid> = bookings.iter().map(|b| b.work_visit_id.as_uuid()).collect();
        visit_ids.sort_unstable();
        visit_ids.dedup();
        let visits: HashMap<Uuid, WorkVisit> = in_chunks_by_position(
            &self.reads,
            &visit_ids,
            |chunk| {
                work_visits::scoped(t).filter(work_visits::Column::Id.is_in(chunk.iter().copied()))
            },
            |v: WorkVisit| Ok((v.id.as_uuid(), v)),
        )
        .await?
        .into_iter()
        .collect();
        bookings
            .into_iter()
            .map(|booking| {
                let slot = slots
                    .get(&booking.slot_id.as_uuid())
                    .cloned()
                    .ok_or_else(|| corrupt("booking", "its slot is gone"))?;
                let visit = visits
                    .get(&booking.work_visit_id.as_uuid())
                    .cloned()
                    .ok_or_else(|| corrupt("booking", "its work visit is gone"))?;
                Ok(CompletedVisit {
                    booking,
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
    ) -> DomainResult<Vec<Feedback>> {
        let t = tenant.as_uuid();
        in_chunks(
            &self.db,
            bookings,
            |chunk| {
                booking_feedback::scoped(t).filter(
                    booking_feedback::Column::BookingId.is_in(chunk.iter().map(|b| b.as_uuid())),
                )
            },
            super::feedback::from_model,
        )
        .await
    }
}
