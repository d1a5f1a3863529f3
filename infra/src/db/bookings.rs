use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use driehoek_domain::audit::AuditEvent;
use driehoek_domain::bookings::policy::{Waiting, WhenFull, promotions};
use driehoek_domain::bookings::{
    Attendance, Booking, BookingContact, BookingFilter, BookingRepository, BookingScope,
    BookingStatus, CycleStep, NamedStudent,
};
use driehoek_domain::changes::{Audience, ChangeOp, resource};
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{
    BookingId, BusinessId, SchoolId, SlotId, StudentId, TenantId, WorkVisitId,
};
use driehoek_domain::paging::PageRequest;
use driehoek_domain::students::PortfolioEntry;
use driehoek_domain::values::{Description, Email, Name, ShortText};
use driehoek_domain::vocabularies::Vocabulary;
use driehoek_domain::work_visits::SlotStatus;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::audit::audit_in;
use super::entities::{bookings, portfolio_entries, slots};
use super::portfolio::{entry_model, entry_row};
use super::read_pool::ReadPool;
use super::read_pool::{OnReadPool, one_by_key};
use super::students::{mark_present, name_students, named_students};
use super::versioned::{self, RowChange};
use super::{NewChange, begin_write, corrupt, db_error, keyset, record_change, write_error};

pub struct SeaOrmBookingRepository {
    db: DatabaseConnection,
    reads: ReadPool,
}

impl SeaOrmBookingRepository {
    pub(crate) fn new(db: DatabaseConnection, reads: ReadPool) -> Self {
        Self { db, reads }
    }
}

fn to_model(b: &Booking) -> bookings::Model {
    bookings::Model {
        tenant_id: b.tenant_id.as_uuid(),
        id: b.id.as_uuid(),
        version: b.version,
        created_at: b.created_at,
        updated_at: b.updated_at,
        slot_id: b.slot_id.as_uuid(),
        work_visit_id: b.work_visit_id.as_uuid(),
        business_id: b.business_id.as_uuid(),
        school_id: b.school_id.as_uuid(),
        group_name: b.group_name.to_string(),
        seats: i32::try_from(b.seats).unwrap_or(i32::MAX),
        contact_name: b.contact.name.to_string(),
        contact_email: b.contact.email.as_ref().map(|e| e.as_str().to_owned()),
        contact_phone: b.contact.phone.as_ref().map(|p| p.to_string()),
        notes: b.notes.as_ref().map(|n| n.to_string()),
        status: b.status.code().to_owned(),
        cancellation_reason: b.cancellation_reason.as_ref().map(|r| r.to_string()),
        cancelled_at: b.cancelled_at,
        attended_count: b
            .attendance
            .map(|a| i32::try_from(a.present).unwrap_or(i32::MAX)),
        absent_count: b
            .attendance
            .map(|a| i32::try_from(a.absent).unwrap_or(i32::MAX)),
        attendance_recorded_at: b.attendance.map(|a| a.recorded_at),
        prepared_at: b.prepared_at,
        debriefed_at: b.debriefed_at,
    }
}

/// A contact as stored in a row's `contact_name`, `contact_email` and `contact_phone`.
pub(crate) fn stored_contact(
    name: &str,
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<BookingContact, String> {
    Ok(BookingContact {
        name: Name::parse(name)?,
        email: email.map(Email::parse).transpose()?,
        phone: phone.map(ShortText::parse).transpose()?,
    })
}

fn from_model(m: bookings::Model) -> DomainResult<Booking> {
    let bad = |e: String| corrupt("booking", e);
    Ok(Booking {
        id: BookingId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        slot_id: SlotId::from_uuid(m.slot_id),
        work_visit_id: WorkVisitId::from_uuid(m.work_visit_id),
        business_id: BusinessId::from_uuid(m.business_id),
        school_id: SchoolId::from_uuid(m.school_id),
        group_name: Name::parse(&m.group_name).map_err(bad)?,
        seats: u32::try_from(m.seats).map_err(|e| bad(e.to_string()))?,
        contact: stored_contact(
            &m.contact_name,
            m.contact_email.as_deref(),
            m.contact_phone.as_deref(),
        )
        .map_err(bad)?,
        notes: m
            .notes
            .as_deref()
            .map(Description::parse)
            .transpose()
            .map_err(bad)?,
        status: BookingStatus::parse(&m.status).map_err(bad)?,
        cancellation_reason: m
            .cancellation_reason
            .as_deref()
            .map(Description::parse)
            .transpose()
            .map_err(bad)?,
        cancelled_at: m.cancelled_at,
        attendance: match (m.attended_count, m.absent_count, m.attendance_recorded_at) {
            (Some(present), Some(absent), Some(recorded_at)) => Some(Attendance {
                present: u32::try_from(present).map_err(|e| bad(e.to_string()))?,
                absent: u32::try_from(absent).map_err(|e| bad(e.to_string()))?,
                recorded_at,
            }),
            _ => None,
        },
        prepared_at: m.prepared_at,
        debriefed_at: m.debriefed_at,
        students: Vec::new(),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Bookings as stored, with the pupils named on them.
pub(crate) async fn with_students(
    reads: &ReadPool,
    tenant: TenantId,
    rows: Vec<bookings::Model>,
) -> DomainResult<Vec<Booking>> {
    let ids: Vec<Uuid> = rows.iter().map(|b| b.id).collect();
    let mut named: HashMap<Uuid, Vec<NamedStudent>> = HashMap::new();
    for n in named_students(reads, tenant.as_uuid(), &ids).await? {
        named.entry(n.booking_id).or_default().push(NamedStudent {
            student_id: StudentId::from_uuid(n.student_id),
            present: n.present,
        });
    }
    rows.into_iter()
        .map(|row| {
            let students = named.remove(&row.id).unwrap_or_default();
            let mut booking = from_model(row)?;
            booking.students = students;
            Ok(booking)
        })
        .collect()
}

/// Moves `delta` seats on a scheduled slot in one statement, only if the result stays
/// within `0..=capacity`; records the slot's change. `false` when they do not fit.
pub(crate) async fn move_seats(
    txn: &DatabaseTransaction,
    tenant: Uuid,
    slot: Uuid,
    delta: i32,
    at: DateTime<Utc>,
) -> DomainResult<bool> {
    let mut update = slots::Entity::update_many()
        .col_expr(
            slots::Column::SeatsBooked,
            Expr::col(slots::Column::SeatsBooked).add(delta),
        )
        .col_expr(
            slots::Column::Version,
            Expr::col(slots::Column::Version).add(1),
        )
        .col_expr(slots::Column::UpdatedAt, Expr::value(at))
        .filter(slots::Column::TenantId.eq(tenant))
        .filter(slots::Column::Id.eq(slot));
    update = if delta > 0 {
        update
            .filter(slots::Column::Status.eq(SlotStatus::Scheduled.code()))
            .filter(
                Expr::col(slots::Column::SeatsBooked)
                    .add(delta)
                    .lte(Expr::col(slots::Column::Capacity)),
            )
    } else {
        update.filter(Expr::col(slots::Column::SeatsBooked).add(delta).gte(0))
    };
    if update.exec(txn).await.map_err(db_error)?.rows_affected == 0 {
        return Ok(false);
    }
    let version = slots::scoped(tenant)
        .filter(slots::Column::Id.eq(slot))
        .select_only()
        .column(slots::Column::Version)
        .into_tuple::<i64>()
        .one(txn)
        .await
        .map_err(db_error)?
        .unwrap_or_default();
    record_change(
        txn,
        tenant,
        NewChange {
            resource: resource::SLOT,
            id: slot,
            op: ChangeOp::Updated,
            version,
            at,
            audience: Audience::Public,
            status: None,
            event: None,
        },
    )
    .await?; // seats move only on slots of offerings that are or were published
    Ok(true)
}

/// Stores a new booking (its seats already taken, if it holds any) with the pupils it
/// names and its change, inside `txn`.
pub(crate) async fn insert_in(txn: &DatabaseTransaction, booking: &Booking) -> DomainResult<()> {
    let tenant = booking.tenant_id.as_uuid();
    bookings::Entity::insert(to_model(booking).into_active_model().reset_all())
        .exec(txn)
        .await
        .map_err(|e| write_error(e, "this booking exists"))?;
    let named: Vec<StudentId> = booking.students.iter().map(|p| p.student_id).collect();
    name_students(txn, tenant, booking.id.as_uuid(), &named).await?;
    let change = NewChange {
        resource: resource::BOOKING,
        id: booking.id.as_uuid(),
        op: ChangeOp::Created,
        version: booking.version,
        at: booking.created_at,
        audience: booking.feed_audience(),
        status: Some(booking.status.code()),
        event: None,
    };
    record_change(txn, tenant, change).await?;
    Ok(())
}

/// Writes `booking` (already at its new version) if the stored one is still at
/// `expected_version`, recording the change; the one way bookings are rewritten.
async fn write_in(
    txn: &DatabaseTransaction,
    booking: &Booking,
    expected_version: i64,
    step: Option<CycleStep>,
) -> DomainResult<bool> {
    let row = RowChange {
        tenant: booking.tenant_id.as_uuid(),
        id: booking.id.as_uuid(),
        version: booking.version,
        at: booking.updated_at,
        audience: booking.feed_audience(),
        status: Some(booking.status.code()),
        event: step.map(CycleStep::event),
    };
    let model = to_model(booking).into_active_model().reset_all();
    versioned::update_in::<bookings::Entity>(
        txn,
        row,
        model,
        expected_version,
        "this booking exists",
    )
    .await
}

/// Moves a stored booking to `status` at its next version inside `txn`; a
/// cancellation carries `reason` and the time.
pub(crate) async fn transition_in(
    txn: &DatabaseTransaction,
    stored: bookings::Model,
    status: BookingStatus,
    reason: Option<&str>,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    let mut booking = from_model(stored)?;
    let expected = booking.version;
    booking.status = status;
    if status == BookingStatus::Cancelled {
        booking.cancellation_reason = reason
            .map(Description::parse)
            .transpose()
            .map_err(|e| corrupt("cancellation reason", e))?;
        booking.cancelled_at = Some(at);
    }
    booking.version += 1;
    booking.updated_at = at;
    write_in(txn, &booking, expected, None).await?;
    Ok(())
}

/// Confirms the wait-listed bookings of `slot` that the domain's [`promotions`] picks
/// for the seats free now, taking their seats one atomic step each.
async fn promote_waiting(
    txn: &DatabaseTransaction,
    tenant: Uuid,
    slot: Uuid,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    let Some(seats) = slots::scoped(tenant)
        .filter(slots::Column::Id.eq(slot))
        .filter(slots::Column::Status.eq(SlotStatus::Scheduled.code()))
        .one(txn)
        .await
        .map_err(db_error)?
    else {
        return Ok(());
    };
    let free = u32::try_from(seats.capacity - seats.seats_booked).unwrap_or(0);
    let mut waiting: HashMap<BookingId, bookings::Model> = bookings::scoped(tenant)
        .filter(bookings::Column::SlotId.eq(slot))
        .filter(bookings::Column::Status.eq(BookingStatus::Waitlisted.code()))
        .all(txn)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(|b| (BookingId::from_uuid(b.id), b))
        .collect();
    let queue: Vec<Waiting> = waiting
        .values()
        .map(|b| Waiting {
            id: BookingId::from_uuid(b.id),
            seats: u32::try_from(b.seats).unwrap_or(u32::MAX),
            created_at: b.created_at,
        })
        .collect();
    for id in promotions(&queue, free) {
        if let Some(waiter) = waiting.remove(&id)
            && move_seats(txn, tenant, slot, waiter.seats, at).await?
        {
            transition_in(txn, waiter, BookingStatus::Confirmed, None, at).await?;
        }
    }
    Ok(())
}

#[async_trait]
impl BookingRepository for SeaOrmBookingRepository {
    async fn book(
        &self,
        booking: &Booking,
        when_full: WhenFull,
        audit: &[AuditEvent],
    ) -> DomainResult<Booking> {
        let tenant = booking.tenant_id.as_uuid();
        let mut stored = booking.clone();
        let seats = i32::try_from(booking.seats).unwrap_or(i32::MAX);
        let txn = begin_write(&self.db).await?;
        if !move_seats(
            &txn,
            tenant,
            booking.slot_id.as_uuid(),
            seats,
            booking.created_at,
        )
        .await?
        {
            stored.status = when_full.outcome()?;
        }
        insert_in(&txn, &stored).await?;
        audit_in(&txn, audit).await?;
        txn.commit().await.map_err(db_error)?;
        Ok(stored)
    }

    async fn get(&self, tenant: TenantId, id: BookingId) -> DomainResult<Option<Booking>> {
        let row = one_by_key::<bookings::Entity, bookings::Model>(
            &self.reads,
            tenant.as_uuid(),
            id.as_uuid(),
        )
        .await
        .map_err(db_error)?;
        Ok(
            with_students(&self.reads, tenant, row.into_iter().collect())
                .await?
                .pop(),
        )
    }

    async fn record_attendance(
        &self,
        booking: &Booking,
        expected_version: i64,
        entries: &[PortfolioEntry],
        audit: &[AuditEvent],
    ) -> DomainResult<bool> {
        let tenant = booking.tenant_id.as_uuid();
        let txn = begin_write(&self.db).await?;
        audit_in(&txn, audit).await?;
        for pupil in &booking.students {
            mark_present(
                &txn,
                tenant,
                booking.id.as_uuid(),
                pupil.student_id,
                pupil.present,
            )
            .await?;
        }
        let rows = entries
            .iter()
            .map(|e| (entry_row(e), entry_model(e)))
            .collect();
        versioned::insert_many_in::<portfolio_entries::Entity>(&txn, rows, "this entry exists")
            .await?;
        if !write_in(&txn, booking, expected_version, None).await? {
            return Ok(false);
        }
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn update(&self, booking: &Booking, expected_version: i64) -> DomainResult<bool> {
        let txn = begin_write(&self.db).await?;
        if !write_in(&txn, booking, expected_version, None).await? {
            return Ok(false);
        }
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn mark(
        &self,
        booking: &Booking,
        expected_version: i64,
        step: CycleStep,
    ) -> DomainResult<bool> {
        let txn = begin_write(&self.db).await?;
        if !write_in(&txn, booking, expected_version, Some(step)).await? {
            return Ok(false);
        }
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn for_school_since(
        &self,
        tenant: TenantId,
        school: SchoolId,
        since: DateTime<Utc>,
        limit: u64,
    ) -> DomainResult<Vec<Booking>> {
        // Per booking of the school, its slot by primary key: the school's bookings
        // are few, the tenant's slots many.
        let slot_is_recent = Query::select()
            .expr(Expr::val(1))
            .from(slots::Entity)
            .and_where(
                Expr::col((slots::Entity, slots::Column::TenantId))
                    .equals((bookings::Entity, bookings::Column::TenantId)),
            )
            .and_where(
                Expr::col((slots::Entity, slots::Column::Id))
                    .equals((bookings::Entity, bookings::Column::SlotId)),
            )
            .and_where(Expr::col((slots::Entity, slots::Column::EndsAt)).gte(since))
            .to_owned();
        bookings::scoped(tenant.as_uuid())
            .filter(bookings::Column::SchoolId.eq(school.as_uuid()))
            .filter(Expr::exists(slot_is_recent))
            .order_by_asc(bookings::Column::Id)
            .limit(limit)
            .all_on(&self.reads)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(from_model)
            .collect()
        // Calendars show no pupils.
    }

    async fn list(
        &self,
        tenant: TenantId,
        filter: &BookingFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<Booking>> {
        use bookings::Column as C;
        let mut query = keyset(bookings::scoped(tenant.as_uuid()), C::Id, page);
        query = match filter.scope {
            BookingScope::All => query,
            BookingScope::School(school) => query.filter(C::SchoolId.eq(school.as_uuid())),
            BookingScope::Business(business) => query.filter(C::BusinessId.eq(business.as_uuid())),
        };
        if let Some(slot) = filter.slot_id {
            query = query.filter(C::SlotId.eq(slot.as_uuid()));
        }
        if let Some(visit) = filter.work_visit_id {
            query = query.filter(C::WorkVisitId.eq(visit.as_uuid()));
        }
        if let Some(status) = filter.status {
            query = query.filter(C::Status.eq(status.code()));
        }
        if let Some(since) = filter.updated_since {
            query = query.filter(C::UpdatedAt.gte(since));
        }
        let rows = query.all_on(&self.reads).await.map_err(db_error)?;
        with_students(&self.reads, tenant, rows).await
    }

    async fn cancel(
        &self,
        booking: &Booking,
        reason: Option<Description>,
        at: DateTime<Utc>,
    ) -> DomainResult<Option<Booking>> {
        let tenant = booking.tenant_id.as_uuid();
        let slot = booking.slot_id.as_uuid();
        let mut cancelled = booking.clone();
        cancelled.status = BookingStatus::Cancelled;
        cancelled.cancellation_reason = reason;
        cancelled.cancelled_at = Some(at);
        cancelled.version += 1;
        cancelled.updated_at = at;
        let txn = begin_write(&self.db).await?;
        if !write_in(&txn, &cancelled, booking.version, None).await? {
            return Ok(None);
        }
        if booking.status == BookingStatus::Confirmed {
            let seats = i32::try_from(booking.seats).unwrap_or(i32::MAX);
            move_seats(&txn, tenant, slot, -seats, at).await?;
            promote_waiting(&txn, tenant, slot, at).await?;
        }
        txn.commit().await.map_err(db_error)?;
        Ok(Some(cancelled))
    }
}
