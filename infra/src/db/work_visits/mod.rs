use async_trait::async_trait;
use chrono::{DateTime, Utc};
use driehoek_domain::bookings::BookingStatus;
use driehoek_domain::changes::Audience;
use driehoek_domain::clock::SharedClock;
use driehoek_domain::error::DomainError;
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{BusinessId, CoachId, ProgrammeId, SlotId, TenantId, WorkVisitId};
use driehoek_domain::matching::{Candidate, CandidateQuery};
use driehoek_domain::paging::PageRequest;
use driehoek_domain::values::{Description, IscoCode, LanguageCode, Name, WebUrl};
use driehoek_domain::vocabularies::{
    Competence, EducationLevel, NaceSection, Vocabulary, WorkVisitFormat,
};
use driehoek_domain::work_visits::{
    AgeRange, ExternalId, GroupSize, Preparation, Schedule, Session, Slot, SlotStatus,
    StoredOffering, StoredSlot, SyncWrite, Visibility, VisitWrite, WorkVisit, WorkVisitFilter,
    WorkVisitRepository, WorkVisitStatus, feed_audience,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, DbBackend,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Select, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use uuid::Uuid;

use super::entities::{bookings, slots, work_visits};
use super::read_pool::ReadPool;
use super::read_pool::{OnReadPool, one_by_key};
use super::schools::{address_columns, address_from_columns};
use super::versioned::{self, RowChange};
use super::{
    IN_LIST_CHUNK, all_on_read_pool, begin_write, by_key_on_read_pool, contains_text, corrupt,
    db_error, encode_codes, holds_code, in_chunks_on_read_pool, keyset, parse_codes,
};

const DUPLICATE_VISIT: &str = "external_id is already used by another work visit of this business";
const DUPLICATE_SLOT: &str = "external_id is already used by another slot of this work visit";

mod candidates;
mod sync;

pub struct SeaOrmWorkVisitRepository {
    db: DatabaseConnection,
    reads: ReadPool,
    /// When deletions are recorded in the change log.
    clock: SharedClock,
}

impl SeaOrmWorkVisitRepository {
    pub(crate) fn new(db: DatabaseConnection, reads: ReadPool, clock: SharedClock) -> Self {
        Self { db, reads, clock }
    }
}

fn small(value: u16) -> i32 {
    i32::from(value)
}

fn visit_row(v: &WorkVisit) -> RowChange {
    RowChange {
        tenant: v.tenant_id.as_uuid(),
        id: v.id.as_uuid(),
        version: v.version,
        at: v.updated_at,
        audience: feed_audience(v.status, v.business_id),
        status: Some(v.status.code()),
        event: None,
    }
}

/// The audience of a slot's changes: its offering's, read in the same transaction.
async fn slot_audience<C: sea_orm::ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    visit: WorkVisitId,
) -> DomainResult<Audience> {
    let (status, business): (String, Uuid) = work_visits::scoped(tenant.as_uuid())
        .filter(work_visits::Column::Id.eq(visit.as_uuid()))
        .select_only()
        .column(work_visits::Column::Status)
        .column(work_visits::Column::BusinessId)
        .into_tuple()
        .one(conn)
        .await
        .map_err(db_error)?
        .ok_or(DomainError::NotFound("work visit"))?;
    let status = WorkVisitStatus::parse(&status).map_err(|e| corrupt("work visit", e))?;
    Ok(feed_audience(status, BusinessId::from_uuid(business)))
}

fn to_model(v: &WorkVisit) -> work_visits::Model {
    let (address_street, address_postal_code, address_city) = address_columns(&v.location);
    work_visits::Model {
        tenant_id: v.tenant_id.as_uuid(),
        id: v.id.as_uuid(),
        version: v.version,
        created_at: v.created_at,
        updated_at: v.updated_at,
        business_id: v.business_id.as_uuid(),
        programme_id: v.programme_id.map(|p| p.as_uuid()),
        external_id: v.external_id.as_ref().map(|e| e.as_str().to_owned()),
        title: v.title.to_string(),
        description: v.description.as_ref().map(|d| d.to_string()),
        format: v.format.code().to_owned(),
        sectors: encode_codes(v.sectors.iter().map(|s| s.code())),
        occupations: encode_codes(v.occupations.iter().map(|o| o.as_str())),
        competences: encode_codes(v.competences.iter().map(|c| c.code())),
        min_age: i32::from(v.ages.min()),
        max_age: i32::from(v.ages.max()),
        education_levels: encode_codes(v.education_levels.iter().map(|l| l.code())),
        group_size_min: small(v.group_size.min()),
        group_size_max: small(v.group_size.max()),
        languages: encode_codes(v.languages.iter().map(|l| l.as_str())),
        address_street,
        address_postal_code,
        address_city,
        online: v.online,
        accessibility: v.accessibility.as_ref().map(|a| a.to_string()),
        requirements: v.requirements.as_ref().map(|r| r.to_string()),
        status: v.status.code().to_owned(),
        preparation_text: v.preparation.as_ref().map(|p| p.text.to_string()),
        preparation_url: v
            .preparation
            .as_ref()
            .and_then(|p| p.url.as_ref())
            .map(|u| u.as_str().to_owned()),
    }
}

/// The `SELECT` a search of work visits sends ([`WorkVisitRepository::list`]); public
/// so that the benchmark runs the very statement the API sends, directly against the
/// database.
pub fn search_query(
    backend: DbBackend,
    tenant: TenantId,
    filter: &WorkVisitFilter,
    page: &PageRequest,
) -> Select<work_visits::Entity> {
    use work_visits::Column as C;
    let mut query = keyset(work_visits::scoped(tenant.as_uuid()), C::Id, page);
    query = match filter.visibility {
        Visibility::All => query,
        Visibility::Published => query.filter(C::Status.eq(WorkVisitStatus::Published.code())),
        Visibility::PublishedOrOwn(own) => query.filter(
            Condition::any()
                .add(C::Status.eq(WorkVisitStatus::Published.code()))
                .add(C::BusinessId.eq(own.as_uuid())),
        ),
    };
    if let Some(status) = filter.status {
        query = query.filter(C::Status.eq(status.code()));
    }
    if let Some(q) = &filter.q {
        query = query.filter(contains_text(backend, C::Title, q));
    }
    if let Some(sector) = filter.sector {
        query = query.filter(Expr::col(C::Sectors).like(holds_code(sector.code())));
    }
    if let Some(occupation) = &filter.occupation {
        query = query.filter(Expr::col(C::Occupations).like(holds_code(occupation.as_str())));
    }
    if let Some(format) = filter.format {
        query = query.filter(C::Format.eq(format.code()));
    }
    if let Some(level) = filter.education_level {
        query = query.filter(Expr::col(C::EducationLevels).like(holds_code(level.code())));
    }
    if let Some(age) = filter.age {
        query = query
            .filter(C::MinAge.lte(i32::from(age)))
            .filter(C::MaxAge.gte(i32::from(age)));
    }
    if let Some(business) = filter.business_id {
        query = query.filter(C::BusinessId.eq(business.as_uuid()));
    }
    if let Some(programme) = filter.programme_id {
        query = query.filter(C::ProgrammeId.eq(programme.as_uuid()));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(C::UpdatedAt.gte(since));
    }
    if let Some(condition) = slot_condition(filter) {
        query = query.filter(condition);
    }
    query
}

/// A stored work visit as the domain holds it.
pub(crate) fn visit_from_model(m: work_visits::Model) -> DomainResult<WorkVisit> {
    let bad = |e: String| corrupt("work visit", e);
    let age = |v: i32| u8::try_from(v).map_err(|e| bad(e.to_string()));
    let size = |v: i32| u16::try_from(v).map_err(|e| bad(e.to_string()));
    Ok(WorkVisit {
        id: WorkVisitId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        business_id: BusinessId::from_uuid(m.business_id),
        programme_id: m.programme_id.map(ProgrammeId::from_uuid),
        external_id: m
            .external_id
            .map(ExternalId::parse_owned)
            .transpose()
            .map_err(bad)?,
        title: Name::parse_owned(m.title).map_err(bad)?,
        description: m
            .description
            .map(Description::parse_owned)
            .transpose()
            .map_err(bad)?,
        format: WorkVisitFormat::parse(&m.format).map_err(bad)?,
        sectors: parse_codes(&m.sectors, NaceSection::parse).map_err(bad)?,
        occupations: parse_codes(&m.occupations, IscoCode::parse).map_err(bad)?,
        competences: parse_codes(&m.competences, Competence::parse).map_err(bad)?,
        ages: AgeRange::new(age(m.min_age)?, age(m.max_age)?).map_err(bad)?,
        education_levels: parse_codes(&m.education_levels, EducationLevel::parse).map_err(bad)?,
        group_size: GroupSize::new(size(m.group_size_min)?, size(m.group_size_max)?)
            .map_err(bad)?,
        languages: parse_codes(&m.languages, LanguageCode::parse).map_err(bad)?,
        location: address_from_columns(m.address_street, m.address_postal_code, m.address_city)
            .map_err(bad)?,
        online: m.online,
        accessibility: m
            .accessibility
            .map(Description::parse_owned)
            .transpose()
            .map_err(bad)?,
        requirements: m
            .requirements
            .map(Description::parse_owned)
            .transpose()
            .map_err(bad)?,
        preparation: match m.preparation_text {
            Some(text) => Some(Preparation {
                text: Description::parse_owned(text).map_err(bad)?,
                url: m
                    .preparation_url
                    .as_deref()
                    .map(WebUrl::parse)
                    .transpose()
                    .map_err(bad)?,
            }),
            None => None,
        },
        status: WorkVisitStatus::parse(&m.status).map_err(bad)?,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// The stored shape of one session.
#[derive(Serialize, Deserialize)]
struct StoredSession {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
}

fn slot_row(s: &Slot, audience: Audience) -> RowChange {
    RowChange {
        tenant: s.tenant_id.as_uuid(),
        id: s.id.as_uuid(),
        version: s.version,
        at: s.updated_at,
        audience,
        status: Some(s.status.code()),
        event: None,
    }
}

fn slot_to_model(s: &Slot) -> slots::Model {
    let sessions: Vec<StoredSession> = s
        .schedule
        .sessions()
        .iter()
        .map(|x| StoredSession {
            starts_at: x.starts_at,
            ends_at: x.ends_at,
        })
        .collect();
    slots::Model {
        tenant_id: s.tenant_id.as_uuid(),
        id: s.id.as_uuid(),
        version: s.version,
        created_at: s.created_at,
        updated_at: s.updated_at,
        work_visit_id: s.work_visit_id.as_uuid(),
        external_id: s.external_id.as_ref().map(|e| e.as_str().to_owned()),
        starts_at: s.schedule.starts_at(),
        ends_at: s.schedule.ends_at(),
        sessions: serde_json::to_string(&sessions).unwrap_or_else(|_| "[]".to_owned()),
        capacity: i32::try_from(s.capacity).unwrap_or(i32::MAX),
        seats_booked: i32::try_from(s.seats_booked).unwrap_or(i32::MAX),
        coach_id: s.coach_id.map(|c| c.as_uuid()),
        teacher_present: s.teacher_present,
        status: s.status.code().to_owned(),
    }
}

pub(crate) fn slot_from_model(m: slots::Model) -> DomainResult<Slot> {
    let bad = |e: String| corrupt("slot", e);
    let stored: Vec<StoredSession> =
        serde_json::from_str(&m.sessions).map_err(|e| bad(e.to_string()))?;
    let sessions = stored
        .into_iter()
        .map(|s| Session {
            starts_at: s.starts_at,
            ends_at: s.ends_at,
        })
        .collect();
    Ok(Slot {
        id: SlotId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        work_visit_id: WorkVisitId::from_uuid(m.work_visit_id),
        external_id: m
            .external_id
            .as_deref()
            .map(ExternalId::parse)
            .transpose()
            .map_err(bad)?,
        schedule: Schedule::new(m.starts_at, m.ends_at, sessions)
            .map_err(|e| bad(e.to_string()))?,
        capacity: u32::try_from(m.capacity).map_err(|e| bad(e.to_string()))?,
        seats_booked: u32::try_from(m.seats_booked).map_err(|e| bad(e.to_string()))?,
        coach_id: m.coach_id.map(CoachId::from_uuid),
        teacher_present: m.teacher_present,
        status: SlotStatus::parse(&m.status).map_err(bad)?,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Cancels every confirmed or wait-listed booking of a slot being cancelled, saying so
/// in each, and sets the slot's booked seats to zero.
async fn cancel_bookings_of_slot(
    txn: &sea_orm::DatabaseTransaction,
    slot: &Slot,
) -> DomainResult<()> {
    use driehoek_domain::bookings::BookingStatus;
    let tenant = slot.tenant_id.as_uuid();
    let at = slot.updated_at;
    let open = bookings::scoped(tenant)
        .filter(bookings::Column::SlotId.eq(slot.id.as_uuid()))
        .filter(bookings::Column::Status.is_in([
            BookingStatus::Confirmed.code(),
            BookingStatus::Waitlisted.code(),
        ]))
        .all(txn)
        .await
        .map_err(db_error)?;
    for booking in open {
        super::bookings::transition_in(
            txn,
            booking,
            BookingStatus::Cancelled,
            Some(driehoek_domain::bookings::HOST_CANCELLED_SLOT),
            at,
        )
        .await?;
    }
    slots::Entity::update_many()
        .col_expr(slots::Column::SeatsBooked, Expr::value(0))
        .filter(slots::Column::TenantId.eq(tenant))
        .filter(slots::Column::Id.eq(slot.id.as_uuid()))
        .exec(txn)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// "Has a scheduled slot (in the window, with seats left)": an EXISTS over the
/// visit's slots, served by the `(tenant_id, work_visit_id, starts_at)` index.
fn slot_condition(filter: &WorkVisitFilter) -> Option<Condition> {
    if filter.from.is_none() && filter.to.is_none() && !filter.available {
        return None;
    }
    let mut slots_query = Query::select();
    slots_query
        .expr(Expr::val(1))
        .from(slots::Entity)
        .and_where(
            Expr::col((slots::Entity, slots::Column::TenantId))
                .equals((work_visits::Entity, work_visits::Column::TenantId)),
        )
        .and_where(
            Expr::col((slots::Entity, slots::Column::WorkVisitId))
                .equals((work_visits::Entity, work_visits::Column::Id)),
        )
        .and_where(
            Expr::col((slots::Entity, slots::Column::Status)).eq(SlotStatus::Scheduled.code()),
        );
    if let Some(from) = filter.from {
        slots_query.and_where(Expr::col((slots::Entity, slots::Column::StartsAt)).gte(from));
    }
    if let Some(to) = filter.to {
        slots_query.and_where(Expr::col((slots::Entity, slots::Column::StartsAt)).lt(to));
    }
    if filter.available {
        slots_query.and_where(
            Expr::col((slots::Entity, slots::Column::SeatsBooked))
                .lt(Expr::col((slots::Entity, slots::Column::Capacity))),
        );
    }
    Some(Condition::all().add(Expr::exists(slots_query)))
}

#[async_trait]
impl WorkVisitRepository for SeaOrmWorkVisitRepository {
    async fn insert(&self, visit: &WorkVisit) -> DomainResult<()> {
        let model = to_model(visit).into_active_model().reset_all();
        versioned::insert::<work_visits::Entity>(&self.db, visit_row(visit), model, DUPLICATE_VISIT)
            .await
    }

    async fn get(&self, tenant: TenantId, id: WorkVisitId) -> DomainResult<Option<WorkVisit>> {
        by_key_on_read_pool::<work_visits::Entity, _>(
            &self.reads,
            (tenant.as_uuid(), id.as_uuid()),
            visit_from_model,
        )
        .await
    }

    async fn list(
        &self,
        tenant: TenantId,
        filter: &WorkVisitFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<WorkVisit>> {
        let query = search_query(self.db.get_database_backend(), tenant, filter, page);
        all_on_read_pool(&self.reads, query, visit_from_model).await
    }

    async fn update(&self, visit: &WorkVisit, expected_version: i64) -> DomainResult<bool> {
        let model = to_model(visit).into_active_model().reset_all();
        versioned::update::<work_visits::Entity>(
            &self.db,
            visit_row(visit),
            model,
            expected_version,
            DUPLICATE_VISIT,
        )
        .await
    }

    async fn delete(&self, visit: &WorkVisit) -> DomainResult<bool> {
        let (tenant, id) = (visit.tenant_id.as_uuid(), visit.id.as_uuid());
        let txn = begin_write(&self.db).await?;
        let slot_rows = slots::scoped(tenant)
            .filter(slots::Column::WorkVisitId.eq(id))
            .all(&txn)
            .await
            .map_err(db_error)?;
        let audience = visit_row(visit).audience;
        for slot in slot_rows {
            versioned::delete_in::<slots::Entity>(
                &txn,
                tenant,
                (slot.id, slot.version),
                audience,
                self.clock.now(),
            )
            .await?;
        }
        if !versioned::delete_in::<work_visits::Entity>(
            &txn,
            tenant,
            (id, visit.version),
            audience,
            self.clock.now(),
        )
        .await?
        {
            return Ok(false);
        }
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn insert_slot(&self, slot: &Slot) -> DomainResult<()> {
        let model = slot_to_model(slot).into_active_model().reset_all();
        let txn = begin_write(&self.db).await?;
        let audience = slot_audience(&txn, slot.tenant_id, slot.work_visit_id).await?;
        versioned::insert_in::<slots::Entity>(
            &txn,
            slot_row(slot, audience),
            model,
            DUPLICATE_SLOT,
        )
        .await?;
        txn.commit().await.map_err(db_error)
    }

    async fn find_slot(&self, tenant: TenantId, id: SlotId) -> DomainResult<Option<Slot>> {
        one_by_key::<slots::Entity, slots::Model>(&self.reads, tenant.as_uuid(), id.as_uuid())
            .await
            .map_err(db_error)?
            .map(slot_from_model)
            .transpose()
    }

    async fn get_slot(
        &self,
        tenant: TenantId,
        visit: WorkVisitId,
        id: SlotId,
    ) -> DomainResult<Option<Slot>> {
        slots::scoped(tenant.as_uuid())
            .filter(slots::Column::WorkVisitId.eq(visit.as_uuid()))
            .filter(slots::Column::Id.eq(id.as_uuid()))
            .one_on(&self.reads)
            .await
            .map_err(db_error)?
            .map(slot_from_model)
            .transpose()
    }

    async fn list_slots(
        &self,
        tenant: TenantId,
        visit: WorkVisitId,
        page: &PageRequest,
    ) -> DomainResult<Vec<Slot>> {
        let query = keyset(
            slots::scoped(tenant.as_uuid()).filter(slots::Column::WorkVisitId.eq(visit.as_uuid())),
            slots::Column::Id,
            page,
        );
        query
            .all_on(&self.reads)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(slot_from_model)
            .collect()
    }

    async fn update_slot(&self, slot: &Slot, expected_version: i64) -> DomainResult<bool> {
        let txn = begin_write(&self.db).await?;
        let audience = slot_audience(&txn, slot.tenant_id, slot.work_visit_id).await?;
        if !write_slot(&txn, slot, expected_version, audience).await? {
            return Ok(false);
        }
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn delete_slot(&self, slot: &Slot) -> DomainResult<bool> {
        let txn = begin_write(&self.db).await?;
        let audience = slot_audience(&txn, slot.tenant_id, slot.work_visit_id).await?;
        let (tenant, id) = (slot.tenant_id.as_uuid(), slot.id.as_uuid());
        if !versioned::delete_in::<slots::Entity>(
            &txn,
            tenant,
            (id, slot.version),
            audience,
            self.clock.now(),
        )
        .await?
        {
            return Ok(false);
        }
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn slots_by_ids(&self, tenant: TenantId, ids: &[SlotId]) -> DomainResult<Vec<Slot>> {
        let query = |chunk: &[SlotId]| {
            slots::scoped(tenant.as_uuid())
                .filter(slots::Column::Id.is_in(chunk.iter().map(|id| id.as_uuid())))
        };
        in_chunks_on_read_pool(&self.reads, ids, query, slot_from_model).await
    }

    async fn visits_by_ids(
        &self,
        tenant: TenantId,
        ids: &[WorkVisitId],
    ) -> DomainResult<Vec<WorkVisit>> {
        let query = |chunk: &[WorkVisitId]| {
            work_visits::scoped(tenant.as_uuid())
                .filter(work_visits::Column::Id.is_in(chunk.iter().map(|id| id.as_uuid())))
        };
        in_chunks_on_read_pool(&self.reads, ids, query, visit_from_model).await
    }

    async fn candidates(
        &self,
        tenant: TenantId,
        query: &CandidateQuery,
        each: &mut (dyn FnMut(Candidate) + Send),
    ) -> DomainResult<()> {
        candidates::candidates(&self.reads, tenant.as_uuid(), query, each).await
    }

    async fn business_slots_since(
        &self,
        tenant: TenantId,
        business: BusinessId,
        since: DateTime<Utc>,
        limit: u64,
    ) -> DomainResult<Vec<Slot>> {
        let visits_of_business = Query::select()
            .column(work_visits::Column::Id)
            .from(work_visits::Entity)
            .and_where(work_visits::Column::TenantId.eq(tenant.as_uuid()))
            .and_where(work_visits::Column::BusinessId.eq(business.as_uuid()))
            .to_owned();
        slots::scoped(tenant.as_uuid())
            .filter(slots::Column::WorkVisitId.in_subquery(visits_of_business))
            .filter(slots::Column::EndsAt.gte(since))
            .order_by_asc(slots::Column::StartsAt)
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(slot_from_model)
            .collect()
    }

    async fn load_offerings(
        &self,
        tenant: TenantId,
        business: BusinessId,
        only: Option<&[ExternalId]>,
    ) -> DomainResult<Vec<StoredOffering>> {
        self.offerings(tenant, business, only).await
    }

    async fn apply_sync(&self, writes: &[&SyncWrite]) -> DomainResult<Vec<DomainResult<()>>> {
        self.apply(writes).await
    }
}

/// Writes a slot's own fields if it is still at `expected_version`. Bookings own
/// `seats_booked`, so it is never written here: cancelling the slot cancels its bookings
/// and frees their seats, and a capacity below the seats that bookings took since the
/// caller read the slot is refused.
pub(super) async fn write_slot(
    txn: &DatabaseTransaction,
    slot: &Slot,
    expected_version: i64,
    audience: Audience,
) -> DomainResult<bool> {
    let mut model = slot_to_model(slot).into_active_model().reset_all();
    model.not_set(slots::Column::SeatsBooked);
    if !versioned::update_in::<slots::Entity>(
        txn,
        slot_row(slot, audience),
        model,
        expected_version,
        DUPLICATE_SLOT,
    )
    .await?
    {
        return Ok(false);
    }
    if slot.status == SlotStatus::Cancelled {
        cancel_bookings_of_slot(txn, slot).await?;
        return Ok(true);
    }
    let booked: Option<i32> = slots::scoped(slot.tenant_id.as_uuid())
        .select_only()
        .column(slots::Column::SeatsBooked)
        .filter(slots::Column::Id.eq(slot.id.as_uuid()))
        .into_tuple()
        .one(txn)
        .await
        .map_err(db_error)?;
    match booked.and_then(|b| u32::try_from(b).ok()) {
        Some(booked) if booked > slot.capacity => Err(DomainError::invalid(
            "/capacity",
            format!("{booked} seats are booked; capacity cannot go below that"),
        )),
        _ => Ok(true),
    }
}
