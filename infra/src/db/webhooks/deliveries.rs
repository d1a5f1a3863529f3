//! Deliveries and their attempts: the rows a delivery is stored as, the delivery log
//! read in one snapshot, and the worker's side — claiming due deliveries under a lease
//! and recording each round's attempts.

use super::*;

pub(super) fn delivery_model(d: &Delivery) -> webhook_deliveries::ActiveModel {
    webhook_deliveries::Model {
        tenant_id: d.tenant_id.as_uuid(),
        id: d.id.as_uuid(),
        endpoint_id: d.endpoint_id.as_uuid(),
        event_type: d.event_type.clone(),
        seq: d.seq,
        resource: d.resource.clone(),
        resource_id: d.resource_id,
        payload: d.payload.clone(),
        status: d.status.code().to_owned(),
        attempts: i32::try_from(d.attempts).unwrap_or(i32::MAX),
        next_attempt_at: d.next_attempt_at,
        lease_owner: None,
        lease_until: None,
        last_status_code: d.last_status_code.map(i32::from),
        created_at: d.created_at,
        completed_at: d.completed_at,
    }
    .into_active_model()
}

pub(super) fn delivery_from(m: webhook_deliveries::Model) -> DomainResult<Delivery> {
    Ok(Delivery {
        id: WebhookDeliveryId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        endpoint_id: WebhookEndpointId::from_uuid(m.endpoint_id),
        event_type: m.event_type,
        seq: m.seq,
        resource: m.resource,
        resource_id: m.resource_id,
        payload: m.payload,
        status: DeliveryStatus::parse(&m.status)
            .map_err(|e| corrupt("delivery status", e.to_string()))?,
        attempts: u32::try_from(m.attempts).unwrap_or_default(),
        next_attempt_at: m.next_attempt_at,
        last_status_code: m.last_status_code.and_then(|c| u16::try_from(c).ok()),
        created_at: m.created_at,
        completed_at: m.completed_at,
    })
}

pub(super) fn attempt_from(m: webhook_attempts::Model) -> Attempt {
    Attempt {
        id: WebhookAttemptId::from_uuid(m.id),
        delivery_id: WebhookDeliveryId::from_uuid(m.delivery_id),
        attempted_at: m.attempted_at,
        status_code: m.status_code.and_then(|c| u16::try_from(c).ok()),
        error: m.error,
        duration_ms: u64::try_from(m.duration_ms).unwrap_or_default(),
    }
}

impl SeaOrmWebhookRepository {
    /// The deliveries `query` finds with their attempts, in its order. Both are read
    /// in one snapshot: a worker recording an attempt in between would otherwise show
    /// the attempt beside the status the delivery had before it.
    pub(super) async fn logs(
        &self,
        tenant: Uuid,
        query: Select<webhook_deliveries::Entity>,
    ) -> DomainResult<Vec<DeliveryLog>> {
        let txn = begin_snapshot(&self.db).await?;
        let rows = query.all(&txn).await.map_err(db_error)?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut attempts: HashMap<WebhookDeliveryId, Vec<Attempt>> = HashMap::new();
        let found = in_chunks(
            &txn,
            &ids,
            |chunk| {
                webhook_attempts::Entity::find()
                    .filter(webhook_attempts::Column::TenantId.eq(tenant))
                    .filter(webhook_attempts::Column::DeliveryId.is_in(chunk.to_vec()))
                    .order_by_asc(webhook_attempts::Column::Id)
            },
            |m| Ok(attempt_from(m)),
        )
        .await?;
        txn.commit().await.map_err(db_error)?;
        for attempt in found {
            attempts
                .entry(attempt.delivery_id)
                .or_default()
                .push(attempt);
        }
        rows.into_iter()
            .map(|m| {
                let delivery = delivery_from(m)?;
                let attempts = attempts.remove(&delivery.id).unwrap_or_default();
                Ok(DeliveryLog { delivery, attempts })
            })
            .collect()
    }

    /// The status the resource had before change `seq`, as last recorded.
    pub(super) async fn status_before(
        &self,
        tenant: Uuid,
        id: Uuid,
        seq: i64,
    ) -> DomainResult<Option<String>> {
        let status: Option<Option<String>> = changes::scoped(tenant)
            .filter(changes::Column::ResourceId.eq(id))
            .filter(changes::Column::Seq.lt(seq))
            .filter(changes::Column::Status.is_not_null())
            .order_by_desc(changes::Column::Seq)
            .select_only()
            .column(changes::Column::Status)
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(db_error)?;
        Ok(status.flatten())
    }

    /// The parents of nested resources among `logged` (slot → work visit, coach →
    /// business, member → programme, feedback → booking).
    pub(super) async fn parents(
        &self,
        tenant: Uuid,
        logged: &[LoggedChange],
    ) -> DomainResult<HashMap<Uuid, Uuid>> {
        let ids_of = |res: &str| -> Vec<Uuid> {
            logged
                .iter()
                .filter(|c| c.change.resource == res)
                .map(|c| c.change.id)
                .collect()
        };
        let mut parents = HashMap::new();
        let slots = ids_of(resource::SLOT);
        for (id, parent) in in_chunks(
            &self.db,
            &slots,
            |chunk| slots::scoped(tenant).filter(slots::Column::Id.is_in(chunk.to_vec())),
            |m| Ok((m.id, m.work_visit_id)),
        )
        .await?
        {
            parents.insert(id, parent);
        }
        let coaches = ids_of(resource::COACH);
        for (id, parent) in in_chunks(
            &self.db,
            &coaches,
            |chunk| coaches::scoped(tenant).filter(coaches::Column::Id.is_in(chunk.to_vec())),
            |m| Ok((m.id, m.business_id)),
        )
        .await?
        {
            parents.insert(id, parent);
        }
        let members = ids_of(resource::PROGRAMME_MEMBER);
        for (id, parent) in in_chunks(
            &self.db,
            &members,
            |chunk| {
                programme_members::scoped(tenant)
                    .filter(programme_members::Column::Id.is_in(chunk.to_vec()))
            },
            |m| Ok((m.id, m.programme_id)),
        )
        .await?
        {
            parents.insert(id, parent);
        }
        let feedback = ids_of(resource::BOOKING_FEEDBACK);
        for (id, parent) in in_chunks(
            &self.db,
            &feedback,
            |chunk| {
                booking_feedback::scoped(tenant)
                    .filter(booking_feedback::Column::Id.is_in(chunk.to_vec()))
            },
            |m| Ok((m.id, m.booking_id)),
        )
        .await?
        {
            parents.insert(id, parent);
        }
        Ok(parents)
    }
}

/// How a delivery ended in a round: its status, the status code it got, and when.
type Ending<'a> = (&'a str, Option<u16>, Option<DateTime<Utc>>);

impl SeaOrmWebhookRepository {
    /// [`WebhookRepository::claim_due`].
    pub(super) async fn claim(
        &self,
        owner: &str,
        (now, lease_until): (DateTime<Utc>, DateTime<Utc>),
        limit: u32,
    ) -> DomainResult<Vec<(Delivery, Endpoint)>> {
        use webhook_deliveries::Column as C;
        let free = || {
            Condition::any()
                .add(C::LeaseUntil.is_null())
                .add(C::LeaseUntil.lt(now))
        };
        let older = Alias::new("older");
        let this = webhook_deliveries::Entity;
        let waits_for_older = Query::select()
            .expr(Expr::val(1))
            .from_as(webhook_deliveries::Entity, older.clone())
            .and_where(Expr::col((older.clone(), C::TenantId)).equals((this, C::TenantId)))
            .and_where(Expr::col((older.clone(), C::EndpointId)).equals((this, C::EndpointId)))
            .and_where(Expr::col((older.clone(), C::ResourceId)).equals((this, C::ResourceId)))
            .and_where(Expr::col((older.clone(), C::Status)).eq(PENDING))
            .and_where(Expr::col((older, C::Seq)).lt(Expr::col((this, C::Seq))))
            .to_owned();
        let enabled = Query::select()
            .column(webhook_endpoints::Column::Id)
            .from(webhook_endpoints::Entity)
            .and_where(webhook_endpoints::Column::Status.eq(EndpointStatus::Enabled.code()))
            .to_owned();
        let candidates = webhook_deliveries::Entity::find()
            .filter(C::Status.eq(PENDING))
            .filter(C::NextAttemptAt.lte(now))
            .filter(free())
            .filter(C::EndpointId.in_subquery(enabled))
            .filter(Expr::exists(waits_for_older).not())
            .order_by_asc(C::NextAttemptAt)
            .limit(u64::from(limit))
            .all(&self.db)
            .await
            .map_err(db_error)?;
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        // One statement leases every candidate still free; a node's name is its own,
        // so the rows naming it among the candidates are the ones it got.
        let ids: Vec<Uuid> = candidates.iter().map(|c| c.id).collect();
        webhook_deliveries::Entity::update_many()
            .col_expr(C::LeaseOwner, Expr::value(owner))
            .col_expr(C::LeaseUntil, Expr::value(lease_until))
            .filter(C::Id.is_in(ids.clone()))
            .filter(C::Status.eq(PENDING))
            .filter(free())
            .exec(&self.db)
            .await
            .map_err(db_error)?;
        let claimed = webhook_deliveries::Entity::find()
            .filter(C::Id.is_in(ids))
            .filter(C::LeaseOwner.eq(owner))
            .filter(C::Status.eq(PENDING))
            .order_by_asc(C::NextAttemptAt)
            .all(&self.db)
            .await
            .map_err(db_error)?;
        let mut endpoints: HashMap<Uuid, Endpoint> = HashMap::new();
        let mut out = Vec::with_capacity(claimed.len());
        for model in claimed {
            let endpoint = match endpoints.get(&model.endpoint_id) {
                Some(endpoint) => endpoint.clone(),
                None => {
                    let Some(endpoint) = webhook_endpoints::scoped(model.tenant_id)
                        .filter(webhook_endpoints::Column::Id.eq(model.endpoint_id))
                        .one(&self.db)
                        .await
                        .map_err(db_error)?
                        .and_then(|m| self.readable(m))
                    else {
                        continue;
                    };
                    endpoints.insert(model.endpoint_id, endpoint.clone());
                    endpoint
                }
            };
            out.push((delivery_from(model)?, endpoint));
        }
        Ok(out)
    }

    /// [`WebhookRepository::record_attempts`].
    pub(super) async fn record(&self, outcomes: &[Outcome], owner: &str) -> DomainResult<()> {
        use webhook_deliveries::Column as C;
        if outcomes.is_empty() {
            return Ok(());
        }
        // Deliveries that end alike (delivered, with the same status code, in the same
        // round) are written by one statement; retries each by their own.
        let mut alike: HashMap<Ending<'_>, Vec<Uuid>> = HashMap::new();
        let mut one_by_one = Vec::new();
        for outcome in outcomes {
            let d = &outcome.delivery;
            if d.status == DeliveryStatus::Pending || outcome.disable.is_some() {
                one_by_one.push(d);
            } else {
                alike
                    .entry((d.status.code(), d.last_status_code, d.completed_at))
                    .or_default()
                    .push(d.id.as_uuid());
            }
        }
        let leased_update = |ids: Vec<Uuid>| {
            webhook_deliveries::Entity::update_many()
                .col_expr(C::Attempts, Expr::col(C::Attempts).add(1))
                .col_expr(C::LeaseOwner, Expr::value(Option::<String>::None))
                .col_expr(C::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
                .filter(C::Id.is_in(ids))
                .filter(C::LeaseOwner.eq(owner))
        };
        let txn = begin_write(&self.db).await?;
        // The attempts of deliveries this node still holds, read before the writes
        // below release them.
        let all: Vec<Uuid> = outcomes.iter().map(|o| o.delivery.id.as_uuid()).collect();
        let held: std::collections::HashSet<Uuid> = webhook_deliveries::Entity::find()
            .filter(C::Id.is_in(all))
            .filter(C::LeaseOwner.eq(owner))
            .select_only()
            .column(C::Id)
            .into_tuple::<Uuid>()
            .all(&txn)
            .await
            .map_err(db_error)?
            .into_iter()
            .collect();
        for ((status, code, completed_at), ids) in alike {
            leased_update(ids)
                .col_expr(C::Status, Expr::value(status))
                .col_expr(C::LastStatusCode, Expr::value(code.map(i32::from)))
                .col_expr(C::CompletedAt, Expr::value(completed_at))
                .exec(&txn)
                .await
                .map_err(db_error)?;
        }
        for d in one_by_one {
            leased_update(vec![d.id.as_uuid()])
                .col_expr(C::Status, Expr::value(d.status.code()))
                .col_expr(C::NextAttemptAt, Expr::value(d.next_attempt_at))
                .col_expr(
                    C::LastStatusCode,
                    Expr::value(d.last_status_code.map(i32::from)),
                )
                .col_expr(C::CompletedAt, Expr::value(d.completed_at))
                .exec(&txn)
                .await
                .map_err(db_error)?;
        }
        let mut attempts = Vec::with_capacity(outcomes.len());
        for outcome in outcomes
            .iter()
            .filter(|o| held.contains(&o.delivery.id.as_uuid()))
        {
            let (d, a) = (&outcome.delivery, &outcome.attempt);
            attempts.push(
                webhook_attempts::Model {
                    tenant_id: d.tenant_id.as_uuid(),
                    id: a.id.as_uuid(),
                    delivery_id: a.delivery_id.as_uuid(),
                    attempted_at: a.attempted_at,
                    status_code: a.status_code.map(i32::from),
                    error: a.error.clone(),
                    duration_ms: i64::try_from(a.duration_ms).unwrap_or(i64::MAX),
                }
                .into_active_model(),
            );
            if let Some(reason) = outcome.disable {
                let (tenant, id) = (d.tenant_id.as_uuid(), d.endpoint_id.as_uuid());
                disable_in(&txn, &self.sealer, (tenant, id), reason, a.attempted_at).await?;
            }
        }
        for chunk in attempts.chunks(200) {
            webhook_attempts::Entity::insert_many(chunk.to_vec())
                .exec(&txn)
                .await
                .map_err(db_error)?;
        }
        txn.commit().await.map_err(db_error)
    }
}
