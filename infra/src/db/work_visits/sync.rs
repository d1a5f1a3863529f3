//! A partner's sync on the store: the synced offerings read with their slots and the
//! seats taken on them, and a sync's writes applied in batches, each item alone where
//! a batch fails.

use super::*;

impl SeaOrmWorkVisitRepository {
    /// [`WorkVisitRepository::load_offerings`].
    pub(super) async fn offerings(
        &self,
        tenant: TenantId,
        business: BusinessId,
        only: Option<&[ExternalId]>,
    ) -> DomainResult<Vec<StoredOffering>> {
        let tenant = tenant.as_uuid();
        let mut query = work_visits::scoped(tenant)
            .filter(work_visits::Column::BusinessId.eq(business.as_uuid()))
            .filter(work_visits::Column::ExternalId.is_not_null());
        if let Some(only) = only {
            if only.is_empty() {
                return Ok(Vec::new());
            }
            query = query.filter(
                work_visits::Column::ExternalId.is_in(only.iter().map(|e| e.as_str().to_owned())),
            );
        }
        let visits = all_on_read_pool(&self.reads, query, visit_from_model).await?;
        let visit_ids: Vec<Uuid> = visits.iter().map(|v| v.id.as_uuid()).collect();
        let query = |chunk: &[Uuid]| {
            slots::scoped(tenant).filter(slots::Column::WorkVisitId.is_in(chunk.iter().copied()))
        };
        let slot_rows: Vec<slots::Model> =
            in_chunks_on_read_pool(&self.reads, &visit_ids, query, Ok).await?;
        let slot_ids: Vec<Uuid> = slot_rows.iter().map(|s| s.id).collect();
        let mut tallies: HashMap<Uuid, (u32, bool)> = HashMap::new();
        for chunk in slot_ids.chunks(IN_LIST_CHUNK) {
            let counts: Vec<(Uuid, String, i64)> = bookings::scoped(tenant)
                .select_only()
                .column(bookings::Column::SlotId)
                .column(bookings::Column::Status)
                .column_as(bookings::Column::Id.count(), "n")
                .filter(bookings::Column::SlotId.is_in(chunk.iter().copied()))
                .group_by(bookings::Column::SlotId)
                .group_by(bookings::Column::Status)
                .into_tuple()
                .all(&self.db)
                .await
                .map_err(db_error)?;
            for (slot, status, n) in counts {
                let tally = tallies.entry(slot).or_insert((0, false));
                tally.1 = true;
                if status == BookingStatus::Confirmed.code()
                    || status == BookingStatus::Waitlisted.code()
                {
                    tally.0 += u32::try_from(n).unwrap_or(u32::MAX);
                }
            }
        }
        let mut slots_by_visit: HashMap<Uuid, Vec<StoredSlot>> = HashMap::new();
        for row in slot_rows {
            let (open_bookings, any_bookings) = tallies.get(&row.id).copied().unwrap_or_default();
            let visit = row.work_visit_id;
            slots_by_visit.entry(visit).or_default().push(StoredSlot {
                slot: slot_from_model(row)?,
                open_bookings,
                any_bookings,
            });
        }
        Ok(visits
            .into_iter()
            .map(|visit| {
                let slots = slots_by_visit
                    .remove(&visit.id.as_uuid())
                    .unwrap_or_default();
                StoredOffering { visit, slots }
            })
            .collect())
    }

    /// [`WorkVisitRepository::apply_sync`].
    pub(super) async fn apply(&self, writes: &[&SyncWrite]) -> DomainResult<Vec<DomainResult<()>>> {
        let mut results = Vec::with_capacity(writes.len());
        // Batches keep commits (and fsyncs) few; a savepoint per item lets one item
        // fail without undoing the others.
        for batch in writes.chunks(SYNC_BATCH) {
            let txn = begin_write(&self.db).await?;
            // The common case first: the whole batch at once, in multi-row inserts.
            let together = txn.begin().await.map_err(db_error)?;
            let outcome = apply_together(&together, batch).await;
            if matches!(outcome, Ok(true)) {
                together.commit().await.map_err(db_error)?;
                results.extend(batch.iter().map(|_| Ok(())));
                txn.commit().await.map_err(db_error)?;
                continue;
            }
            // Something in the batch failed: item by item, so it fails alone.
            tracing::info!(
                error = ?outcome.err(),
                items = batch.len(),
                "a sync batch failed as a whole; applying its items one by one"
            );
            together.rollback().await.map_err(db_error)?;
            for write in batch {
                let item = txn.begin().await.map_err(db_error)?;
                let outcome = apply_one(&item, write).await;
                match outcome {
                    Ok(true) => item.commit().await.map_err(db_error)?,
                    _ => item.rollback().await.map_err(db_error)?,
                }
                results.push(match outcome {
                    Ok(true) => Ok(()),
                    Ok(false) => Err(DomainError::VersionMismatch {
                        current: write.visit.visit().version,
                    }),
                    Err(error) => Err(error),
                });
            }
            txn.commit().await.map_err(db_error)?;
        }
        Ok(results)
    }
}

/// Sync items per transaction. When a batch falls back to item by item, each item gets
/// a savepoint: PostgreSQL keeps up to 64 subtransactions per transaction in memory
/// and looks further ones up in `pg_subtrans` for every visibility check, so a batch
/// stays under that.
const SYNC_BATCH: usize = 50;

/// One item's writes; `false` when a row moved on since the plan read it.
async fn apply_one(txn: &DatabaseTransaction, write: &SyncWrite) -> DomainResult<bool> {
    if let VisitWrite::Insert(visit) = &write.visit {
        let model = to_model(visit).into_active_model().reset_all();
        versioned::insert_in::<work_visits::Entity>(txn, visit_row(visit), model, DUPLICATE_VISIT)
            .await?;
    }
    if !apply_in_place(txn, write).await? {
        return Ok(false);
    }
    let audience = visit_row(write.visit.visit()).audience;
    for slot in &write.insert_slots {
        let model = slot_to_model(slot).into_active_model().reset_all();
        versioned::insert_in::<slots::Entity>(txn, slot_row(slot, audience), model, DUPLICATE_SLOT)
            .await?;
    }
    Ok(true)
}

/// A batch's writes together: rows to update or delete one by one, new rows in
/// multi-row inserts. `false` when a row moved on since the plan read it.
async fn apply_together(txn: &DatabaseTransaction, batch: &[&SyncWrite]) -> DomainResult<bool> {
    let mut new_visits = Vec::new();
    let mut new_slots = Vec::new();
    for write in batch {
        if let VisitWrite::Insert(visit) = &write.visit {
            new_visits.push((
                visit_row(visit),
                to_model(visit).into_active_model().reset_all(),
            ));
        }
        let audience = visit_row(write.visit.visit()).audience;
        new_slots.extend(write.insert_slots.iter().map(|s| {
            (
                slot_row(s, audience),
                slot_to_model(s).into_active_model().reset_all(),
            )
        }));
        if !matches!(write.visit, VisitWrite::Insert(_)) && !apply_in_place(txn, write).await? {
            return Ok(false);
        }
    }
    versioned::insert_many_in::<work_visits::Entity>(txn, new_visits, DUPLICATE_VISIT).await?;
    versioned::insert_many_in::<slots::Entity>(txn, new_slots, DUPLICATE_SLOT).await?;
    Ok(true)
}

/// The writes to rows that exist: the visit's update, slot deletions and updates (a
/// slot becoming cancelled cancels its bookings).
async fn apply_in_place(txn: &DatabaseTransaction, write: &SyncWrite) -> DomainResult<bool> {
    if let VisitWrite::Update(visit, expected) = &write.visit {
        let model = to_model(visit).into_active_model().reset_all();
        if !versioned::update_in::<work_visits::Entity>(
            txn,
            visit_row(visit),
            model,
            *expected,
            DUPLICATE_VISIT,
        )
        .await?
        {
            return Ok(false);
        }
    }
    let audience = visit_row(write.visit.visit()).audience;
    for slot in &write.delete_slots {
        let (tenant, id) = (slot.tenant_id.as_uuid(), slot.id.as_uuid());
        if !versioned::delete_in::<slots::Entity>(
            txn,
            tenant,
            (id, slot.version),
            audience,
            write.at,
        )
        .await?
        {
            return Ok(false);
        }
    }
    for (slot, expected) in &write.update_slots {
        if !write_slot(txn, slot, *expected, audience).await? {
            return Ok(false);
        }
    }
    Ok(true)
}
