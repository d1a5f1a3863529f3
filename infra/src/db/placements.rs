//! Placements: a proposal in three tables (the placement, its slots, its pupils), and
//! its confirmation, which takes every group's seats and stores the bookings in one
//! transaction or writes nothing.

use async_trait::async_trait;
use driehoek_domain::audit::AuditEvent;
use driehoek_domain::bookings::Booking;
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{
    BookingId, PlacementId, SchoolId, SlotId, StudentId, TenantId, WorkVisitId,
};
use driehoek_domain::paging::PageRequest;
use driehoek_domain::placements::{
    Confirmation, PlacedPupil, Placement, PlacementRepository, PlacementSlot, PlacementStatus,
    UnplacedReason,
};
use driehoek_domain::values::Name;
use driehoek_domain::vocabularies::Vocabulary;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use super::audit::audit_in;
use super::bookings::{insert_in, move_seats, stored_contact};
use super::entities::{placement_pupils, placement_slots, placements};
use super::{begin_write, corrupt, db_error, encode_codes, keyset, parse_codes, write_error};

pub struct SeaOrmPlacementRepository {
    db: DatabaseConnection,
}

impl SeaOrmPlacementRepository {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn to_model(p: &Placement) -> placements::Model {
    placements::Model {
        tenant_id: p.tenant_id.as_uuid(),
        id: p.id.as_uuid(),
        version: p.version,
        created_at: p.created_at,
        updated_at: p.updated_at,
        school_id: p.school_id.as_uuid(),
        group_name: p.group_name.to_string(),
        contact_name: p.contact.name.to_string(),
        contact_email: p.contact.email.as_ref().map(|e| e.as_str().to_owned()),
        contact_phone: p.contact.phone.as_ref().map(|p| p.to_string()),
        status: p.status.code().to_owned(),
        optimal: p.optimal,
    }
}

fn position(index: usize) -> i32 {
    i32::try_from(index).unwrap_or(i32::MAX)
}

fn slot_models(p: &Placement) -> Vec<placement_slots::ActiveModel> {
    p.slots
        .iter()
        .enumerate()
        .map(|(index, s)| {
            placement_slots::Model {
                tenant_id: p.tenant_id.as_uuid(),
                placement_id: p.id.as_uuid(),
                position: position(index),
                slot_id: s.slot_id.as_uuid(),
                work_visit_id: s.work_visit_id.as_uuid(),
                title: s.title.to_string(),
                starts_at: s.starts_at,
                seats_left: i32::try_from(s.seats_left).unwrap_or(i32::MAX),
                booking_id: s.booking_id.map(|b| b.as_uuid()),
            }
            .into_active_model()
        })
        .collect()
}

fn pupil_models(p: &Placement) -> Vec<placement_pupils::ActiveModel> {
    p.pupils
        .iter()
        .enumerate()
        .map(|(index, pupil)| {
            let choices: Vec<String> = pupil.choices.iter().map(ToString::to_string).collect();
            placement_pupils::Model {
                tenant_id: p.tenant_id.as_uuid(),
                placement_id: p.id.as_uuid(),
                position: position(index),
                student_id: pupil.student_id.as_uuid(),
                choices: encode_codes(choices.iter().map(String::as_str)),
                slot_id: pupil.place.map(|(slot, _)| slot.as_uuid()),
                rank: pupil
                    .place
                    .map(|(_, rank)| i32::try_from(rank).unwrap_or(i32::MAX)),
                unplaced_reason: pupil.unplaced.map(|r| r.code().to_owned()),
            }
            .into_active_model()
        })
        .collect()
}

/// A stored pupil line: the pupil, the choices, the place given or why none.
pub(crate) fn read_line(l: &placement_pupils::Model) -> Result<PlacedPupil, String> {
    Ok(PlacedPupil {
        student_id: StudentId::from_uuid(l.student_id),
        choices: parse_codes(&l.choices, |c| {
            Uuid::parse_str(c)
                .map(WorkVisitId::from_uuid)
                .map_err(|e| e.to_string())
        })?,
        place: match (l.slot_id, l.rank) {
            (Some(slot), Some(rank)) => Some((
                SlotId::from_uuid(slot),
                u32::try_from(rank).map_err(|e| e.to_string())?,
            )),
            _ => None,
        },
        unplaced: l
            .unplaced_reason
            .as_deref()
            .map(UnplacedReason::parse)
            .transpose()?,
    })
}

fn from_models(
    m: placements::Model,
    slots: Vec<placement_slots::Model>,
    pupils: Vec<placement_pupils::Model>,
) -> DomainResult<Placement> {
    let bad = |e: String| corrupt("placement", e);
    let pupils = pupils
        .into_iter()
        .map(|p| read_line(&p).map_err(bad))
        .collect::<DomainResult<Vec<_>>>()?;
    let slots = slots
        .into_iter()
        .map(|s| {
            Ok(PlacementSlot {
                slot_id: SlotId::from_uuid(s.slot_id),
                work_visit_id: WorkVisitId::from_uuid(s.work_visit_id),
                title: Name::parse(&s.title).map_err(bad)?,
                starts_at: s.starts_at,
                seats_left: u32::try_from(s.seats_left).map_err(|e| bad(e.to_string()))?,
                booking_id: s.booking_id.map(BookingId::from_uuid),
            })
        })
        .collect::<DomainResult<Vec<_>>>()?;
    Ok(Placement {
        id: PlacementId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        school_id: SchoolId::from_uuid(m.school_id),
        group_name: Name::parse(&m.group_name).map_err(bad)?,
        contact: stored_contact(
            &m.contact_name,
            m.contact_email.as_deref(),
            m.contact_phone.as_deref(),
        )
        .map_err(bad)?,
        status: PlacementStatus::parse(&m.status).map_err(bad)?,
        optimal: m.optimal,
        slots,
        pupils,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Stores the placement's slots and pupils (the placement row is already there).
async fn insert_parts(txn: &DatabaseTransaction, placement: &Placement) -> DomainResult<()> {
    let slots = slot_models(placement);
    if !slots.is_empty() {
        placement_slots::Entity::insert_many(slots)
            .exec(txn)
            .await
            .map_err(db_error)?;
    }
    for chunk in pupil_models(placement).chunks(super::IN_LIST_CHUNK / 4) {
        placement_pupils::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await
            .map_err(db_error)?;
    }
    Ok(())
}

/// Writes on each of the placement's slots the booking of its group, if it has one.
async fn record_bookings(txn: &DatabaseTransaction, placement: &Placement) -> DomainResult<()> {
    for (index, slot) in placement.slots.iter().enumerate() {
        let Some(booking) = slot.booking_id else {
            continue;
        };
        placement_slots::Entity::update_many()
            .col_expr(
                placement_slots::Column::BookingId,
                Expr::value(booking.as_uuid()),
            )
            .filter(placement_slots::Column::TenantId.eq(placement.tenant_id.as_uuid()))
            .filter(placement_slots::Column::PlacementId.eq(placement.id.as_uuid()))
            .filter(placement_slots::Column::Position.eq(position(index)))
            .exec(txn)
            .await
            .map_err(db_error)?;
    }
    Ok(())
}

/// Removes the placement's slots and pupils.
async fn delete_parts(txn: &DatabaseTransaction, placement: &Placement) -> DomainResult<()> {
    let (tenant, id) = (placement.tenant_id.as_uuid(), placement.id.as_uuid());
    placement_slots::Entity::delete_many()
        .filter(placement_slots::Column::TenantId.eq(tenant))
        .filter(placement_slots::Column::PlacementId.eq(id))
        .exec(txn)
        .await
        .map_err(db_error)?;
    placement_pupils::Entity::delete_many()
        .filter(placement_pupils::Column::TenantId.eq(tenant))
        .filter(placement_pupils::Column::PlacementId.eq(id))
        .exec(txn)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// Moves the placement row from `expected_version` to the placement's; `false` when it
/// is at another version or gone.
async fn advance(
    txn: &DatabaseTransaction,
    placement: &Placement,
    expected_version: i64,
) -> DomainResult<bool> {
    let updated = placements::Entity::update_many()
        .set(to_model(placement).into_active_model().reset_all())
        .filter(placements::Column::TenantId.eq(placement.tenant_id.as_uuid()))
        .filter(placements::Column::Id.eq(placement.id.as_uuid()))
        .filter(placements::Column::Version.eq(expected_version))
        .exec(txn)
        .await
        .map_err(db_error)?
        .rows_affected;
    Ok(updated == 1)
}

impl SeaOrmPlacementRepository {
    /// The slots and pupils of the placements `ids`, each in its placement's order.
    async fn parts(
        &self,
        tenant: Uuid,
        ids: &[Uuid],
    ) -> DomainResult<(Vec<placement_slots::Model>, Vec<placement_pupils::Model>)> {
        let slots = placement_slots::scoped(tenant)
            .filter(placement_slots::Column::PlacementId.is_in(ids.iter().copied()))
            .order_by_asc(placement_slots::Column::PlacementId)
            .order_by_asc(placement_slots::Column::Position)
            .all(&self.db)
            .await
            .map_err(db_error)?;
        let pupils = placement_pupils::scoped(tenant)
            .filter(placement_pupils::Column::PlacementId.is_in(ids.iter().copied()))
            .order_by_asc(placement_pupils::Column::PlacementId)
            .order_by_asc(placement_pupils::Column::Position)
            .all(&self.db)
            .await
            .map_err(db_error)?;
        Ok((slots, pupils))
    }
}

#[async_trait]
impl PlacementRepository for SeaOrmPlacementRepository {
    async fn insert(&self, placement: &Placement, audit: &[AuditEvent]) -> DomainResult<()> {
        let txn = begin_write(&self.db).await?;
        placements::Entity::insert(to_model(placement).into_active_model().reset_all())
            .exec(&txn)
            .await
            .map_err(|e| write_error(e, "this placement exists"))?;
        insert_parts(&txn, placement).await?;
        audit_in(&txn, audit).await?;
        txn.commit().await.map_err(db_error)
    }

    async fn get(&self, tenant: TenantId, id: PlacementId) -> DomainResult<Option<Placement>> {
        let (tenant, id) = (tenant.as_uuid(), id.as_uuid());
        let Some(row) = placements::scoped(tenant)
            .filter(placements::Column::Id.eq(id))
            .one(&self.db)
            .await
            .map_err(db_error)?
        else {
            return Ok(None);
        };
        let (slots, pupils) = self.parts(tenant, &[id]).await?;
        from_models(row, slots, pupils).map(Some)
    }

    async fn list(
        &self,
        tenant: TenantId,
        school: SchoolId,
        page: &PageRequest,
    ) -> DomainResult<Vec<Placement>> {
        let rows = keyset(
            placements::scoped(tenant.as_uuid())
                .filter(placements::Column::SchoolId.eq(school.as_uuid())),
            placements::Column::Id,
            page,
        )
        .all(&self.db)
        .await
        .map_err(db_error)?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let (mut slots, mut pupils) = self.parts(tenant.as_uuid(), &ids).await?;
        rows.into_iter()
            .map(|row| {
                let id = row.id;
                from_models(
                    row,
                    slots.extract_if(.., |s| s.placement_id == id).collect(),
                    pupils.extract_if(.., |p| p.placement_id == id).collect(),
                )
            })
            .collect()
    }

    async fn confirm(
        &self,
        placement: &Placement,
        expected_version: i64,
        bookings: &[Booking],
        audit: &[AuditEvent],
    ) -> DomainResult<Confirmation> {
        let tenant = placement.tenant_id.as_uuid();
        let txn = begin_write(&self.db).await?;
        // The placement first: a second confirmation waits here for the first and
        // then finds the version moved.
        if !advance(&txn, placement, expected_version).await? {
            return Ok(Confirmation::Moved);
        }
        let mut changed = Vec::new();
        for booking in bookings {
            let seats = i32::try_from(booking.seats).unwrap_or(i32::MAX);
            let slot = booking.slot_id.as_uuid();
            if !move_seats(&txn, tenant, slot, seats, booking.created_at).await? {
                changed.push(booking.slot_id);
            }
        }
        if !changed.is_empty() {
            // Dropping the transaction rolls it back: nothing of it was written.
            return Ok(Confirmation::SlotsChanged(changed));
        }
        for booking in bookings {
            insert_in(&txn, booking).await?;
        }
        record_bookings(&txn, placement).await?;
        audit_in(&txn, audit).await?;
        txn.commit().await.map_err(db_error)?;
        Ok(Confirmation::Confirmed)
    }

    async fn delete(&self, placement: &Placement) -> DomainResult<bool> {
        let txn = begin_write(&self.db).await?;
        delete_parts(&txn, placement).await?;
        let deleted = placements::Entity::delete_many()
            .filter(placements::Column::TenantId.eq(placement.tenant_id.as_uuid()))
            .filter(placements::Column::Id.eq(placement.id.as_uuid()))
            .filter(placements::Column::Version.eq(placement.version))
            .filter(placements::Column::Status.eq(PlacementStatus::Proposed.code()))
            .exec(&txn)
            .await
            .map_err(db_error)?
            .rows_affected;
        if deleted == 0 {
            return Ok(false);
        }
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }
}
