//! Webhook endpoints, deliveries and attempts. Endpoints are versioned tenant
//! resources (their writes are in the change log); deliveries and attempts are the
//! worker's operational log and are not.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use driehoek_domain::changes::{Audience, Change, ChangeOp, resource};
use driehoek_domain::clock::SharedClock;
use driehoek_domain::error::{DomainError, DomainResult};
use driehoek_domain::ids::{
    BusinessId, TenantId, WebhookAttemptId, WebhookDeliveryId, WebhookEndpointId,
};
use driehoek_domain::paging::PageRequest;
use driehoek_domain::values::Description;
use driehoek_domain::vocabularies::Vocabulary;
use driehoek_domain::webhooks::{
    Attempt, Delivery, DeliveryFilter, DeliveryLog, DeliveryStatus, Endpoint, EndpointStatus,
    EventFilter, LoggedChange, Outcome, Secret, WebhookRepository,
};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Select, Set,
};
use uuid::Uuid;

use super::changes::audience_of;
use super::entities::{
    booking_feedback, changes, coaches, programme_members, slots, tenants, webhook_attempts,
    webhook_deliveries, webhook_endpoints,
};
use super::versioned::{self, RowChange};
use super::{begin_snapshot, begin_write, corrupt, db_error, in_chunks};
use crate::sealing::Sealer;

const DUPLICATE: &str = "this webhook endpoint exists";
const PENDING: &str = "pending";

mod deliveries;

use deliveries::delivery_model;

pub struct SeaOrmWebhookRepository {
    db: DatabaseConnection,
    /// Seals signing secrets at rest (see [`crate::sealing`]).
    sealer: Sealer,
    /// Endpoints found unreadable, so each is logged once, not at every poll.
    unreadable: std::sync::Mutex<std::collections::HashSet<Uuid>>,
    /// When deletions are recorded in the change log.
    clock: SharedClock,
}

impl SeaOrmWebhookRepository {
    pub(crate) fn new(db: DatabaseConnection, sealer: Sealer, clock: SharedClock) -> Self {
        Self {
            db,
            sealer,
            unreadable: std::sync::Mutex::default(),
            clock,
        }
    }

    /// The endpoint a row holds, or `None` when it does not read (its secret sealed
    /// with a key this node was not given): logged the first time, and the worker goes
    /// on with the others.
    fn readable(&self, m: webhook_endpoints::Model) -> Option<Endpoint> {
        let (tenant, id) = (m.tenant_id, m.id);
        from_model(m, &self.sealer)
            .inspect_err(|error| {
                let first = self
                    .unreadable
                    .lock()
                    .map_or(true, |mut seen| seen.insert(id));
                if first {
                    tracing::error!(%tenant, endpoint = %id, %error, "webhook endpoint unreadable; nothing is sent to it");
                }
            })
            .ok()
    }
}

/// What a sealed secret is bound to: its column and row.
fn sealing_context(column: &str, tenant: Uuid, id: Uuid) -> String {
    format!("webhook_endpoints.{column} {tenant} {id}")
}

fn row(e: &Endpoint) -> RowChange {
    RowChange {
        tenant: e.tenant_id.as_uuid(),
        id: e.id.as_uuid(),
        version: e.version,
        at: e.updated_at,
        audience: e.feed_audience(),
        status: Some(e.status.code()),
        event: None,
    }
}

/// The endpoint's row for a write by the API, its secrets sealed: never its cursor,
/// which only the worker moves.
fn to_model(e: &Endpoint, sealer: &Sealer) -> DomainResult<webhook_endpoints::ActiveModel> {
    let (tenant, id) = (e.tenant_id.as_uuid(), e.id.as_uuid());
    let seal = |column: &str, secret: &Secret| {
        sealer
            .seal(secret.as_str(), &sealing_context(column, tenant, id))
            .map_err(DomainError::Internal)
    };
    let mut model = webhook_endpoints::Model {
        tenant_id: e.tenant_id.as_uuid(),
        id: e.id.as_uuid(),
        version: e.version,
        created_at: e.created_at,
        updated_at: e.updated_at,
        business_id: e.business_id.map(|b| b.as_uuid()),
        url: e.url.clone(),
        description: e.description.as_ref().map(|d| d.as_str().to_owned()),
        events: e
            .events
            .iter()
            .map(EventFilter::as_text)
            .collect::<Vec<_>>()
            .join(" "),
        status: e.status.code().to_owned(),
        disabled_reason: e.disabled_reason.clone(),
        secret: seal("secret", &e.secret)?,
        previous_secret: e
            .previous_secret
            .as_ref()
            .map(|(s, _)| seal("previous_secret", s))
            .transpose()?,
        previous_secret_expires_at: e.previous_secret.as_ref().map(|(_, until)| *until),
        cursor_seq: e.cursor_seq,
    }
    .into_active_model()
    .reset_all();
    model.not_set(webhook_endpoints::Column::CursorSeq);
    Ok(model)
}

fn from_model(m: webhook_endpoints::Model, sealer: &Sealer) -> DomainResult<Endpoint> {
    let bad = |what: &str, e: String| corrupt(&format!("webhook endpoint {what}"), e);
    let secret = |column: &str, stored: &str| {
        let plain = sealer
            .open(stored, &sealing_context(column, m.tenant_id, m.id))
            .map_err(|e| bad(column, e.to_string()))?;
        Secret::parse(&plain).map_err(|e| bad(column, e))
    };
    let events = m
        .events
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(|t| EventFilter::parse(t, m.business_id.is_some()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad("events", e))?;
    let previous_secret = match (&m.previous_secret, m.previous_secret_expires_at) {
        (Some(stored), Some(until)) => Some((secret("previous_secret", stored)?, until)),
        _ => None,
    };
    let current = secret("secret", &m.secret)?;
    Ok(Endpoint {
        id: WebhookEndpointId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        business_id: m.business_id.map(BusinessId::from_uuid),
        url: m.url,
        description: m
            .description
            .map(|d| Description::parse(&d))
            .transpose()
            .map_err(|e| bad("description", e.to_string()))?,
        events,
        status: EndpointStatus::parse(&m.status).map_err(|e| bad("status", e.to_string()))?,
        disabled_reason: m.disabled_reason,
        secret: current,
        previous_secret,
        cursor_seq: m.cursor_seq,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// What [`reseal`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resealed {
    /// Secrets stored anew, sealed with the sealing key.
    pub resealed: u64,
    /// Secrets no key of the sealer opens, left as they were.
    pub unreadable: u64,
}

/// Stores every endpoint's secrets as `sealer` now would (see
/// [`crate::Database::reseal_secrets`]). Neither version nor change log moves: no
/// field a client sees changes.
pub(crate) async fn reseal(db: &DatabaseConnection, sealer: &Sealer) -> DomainResult<Resealed> {
    use webhook_endpoints::Column as C;
    let rows: Vec<(Uuid, Uuid, String, Option<String>)> = webhook_endpoints::Entity::find()
        .select_only()
        .columns([C::TenantId, C::Id, C::Secret, C::PreviousSecret])
        .into_tuple()
        .all(db)
        .await
        .map_err(db_error)?;
    let mut done = Resealed::default();
    for (tenant, id, secret, previous) in rows {
        let stored = [
            (C::Secret, "secret", Some(secret)),
            (C::PreviousSecret, "previous_secret", previous),
        ];
        for (column, name, value) in stored {
            let Some(value) = value else {
                continue;
            };
            let sealed = match sealer.resealed(&value, &sealing_context(name, tenant, id)) {
                Ok(Some(sealed)) => sealed,
                Ok(None) => continue,
                Err(_) => {
                    done.unreadable += 1;
                    continue;
                }
            };
            let replaced = webhook_endpoints::Entity::update_many()
                .col_expr(column, Expr::value(sealed))
                .filter(C::TenantId.eq(tenant))
                .filter(C::Id.eq(id))
                .filter(column.eq(value))
                .exec(db)
                .await
                .map_err(db_error)?
                .rows_affected;
            done.resealed += replaced;
        }
    }
    Ok(done)
}

/// Removes an endpoint (`tenant`, `id`) at `version`, with its deliveries and their
/// attempts, inside `txn`; `false` when its version moved.
async fn delete_endpoint_in(
    txn: &DatabaseTransaction,
    (tenant, id, version): (Uuid, Uuid, i64),
    audience: Audience,
    at: DateTime<Utc>,
) -> DomainResult<bool> {
    let deliveries = Query::select()
        .column(webhook_deliveries::Column::Id)
        .from(webhook_deliveries::Entity)
        .and_where(webhook_deliveries::Column::TenantId.eq(tenant))
        .and_where(webhook_deliveries::Column::EndpointId.eq(id))
        .to_owned();
    webhook_attempts::Entity::delete_many()
        .filter(webhook_attempts::Column::TenantId.eq(tenant))
        .filter(webhook_attempts::Column::DeliveryId.in_subquery(deliveries))
        .exec(txn)
        .await
        .map_err(db_error)?;
    webhook_deliveries::Entity::delete_many()
        .filter(webhook_deliveries::Column::TenantId.eq(tenant))
        .filter(webhook_deliveries::Column::EndpointId.eq(id))
        .exec(txn)
        .await
        .map_err(db_error)?;
    versioned::delete_in::<webhook_endpoints::Entity>(txn, tenant, (id, version), audience, at)
        .await
}

/// Removes a business's endpoints inside `txn`, as the business is deleted: nothing
/// is sent on its behalf any more.
pub(crate) async fn remove_endpoints_of_business(
    txn: &DatabaseTransaction,
    tenant: Uuid,
    business: Uuid,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    let rows = webhook_endpoints::scoped(tenant)
        .filter(webhook_endpoints::Column::BusinessId.eq(business))
        .all(txn)
        .await
        .map_err(db_error)?;
    for row in rows {
        let audience = Endpoint::audience_of(row.business_id.map(BusinessId::from_uuid));
        delete_endpoint_in(txn, (tenant, row.id, row.version), audience, at).await?;
    }
    Ok(())
}

/// Disables an endpoint at its next version inside `txn`, if it is still enabled.
async fn disable_in(
    txn: &DatabaseTransaction,
    sealer: &Sealer,
    (tenant, id): (Uuid, Uuid),
    reason: &str,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    let Some(stored) = webhook_endpoints::scoped(tenant)
        .filter(webhook_endpoints::Column::Id.eq(id))
        .one(txn)
        .await
        .map_err(db_error)?
    else {
        return Ok(());
    };
    let mut endpoint = from_model(stored, sealer)?;
    if endpoint.status == EndpointStatus::Disabled {
        return Ok(());
    }
    let expected = endpoint.version;
    endpoint.status = EndpointStatus::Disabled;
    endpoint.disabled_reason = Some(reason.to_owned());
    endpoint.version += 1;
    endpoint.updated_at = at;
    versioned::update_in::<webhook_endpoints::Entity>(
        txn,
        row(&endpoint),
        to_model(&endpoint, sealer)?,
        expected,
        DUPLICATE,
    )
    .await?;
    Ok(())
}

#[async_trait]
impl WebhookRepository for SeaOrmWebhookRepository {
    async fn insert_endpoint(&self, endpoint: &Endpoint) -> DomainResult<()> {
        let mut model = to_model(endpoint, &self.sealer)?;
        model.cursor_seq = Set(endpoint.cursor_seq);
        versioned::insert::<webhook_endpoints::Entity>(&self.db, row(endpoint), model, DUPLICATE)
            .await
    }

    async fn get_endpoint(
        &self,
        tenant: TenantId,
        id: WebhookEndpointId,
    ) -> DomainResult<Option<Endpoint>> {
        webhook_endpoints::scoped(tenant.as_uuid())
            .filter(webhook_endpoints::Column::Id.eq(id.as_uuid()))
            .one(&self.db)
            .await
            .map_err(db_error)?
            .map(|m| from_model(m, &self.sealer))
            .transpose()
    }

    async fn list_endpoints(
        &self,
        tenant: TenantId,
        business: Option<BusinessId>,
        page: &PageRequest,
    ) -> DomainResult<Vec<Endpoint>> {
        let mut query = webhook_endpoints::scoped(tenant.as_uuid());
        if let Some(business) = business {
            query = query.filter(webhook_endpoints::Column::BusinessId.eq(business.as_uuid()));
        }
        super::keyset(query, webhook_endpoints::Column::Id, page)
            .all(&self.db)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(|m| from_model(m, &self.sealer))
            .collect()
    }

    async fn update_endpoint(
        &self,
        endpoint: &Endpoint,
        expected_version: i64,
    ) -> DomainResult<bool> {
        versioned::update::<webhook_endpoints::Entity>(
            &self.db,
            row(endpoint),
            to_model(endpoint, &self.sealer)?,
            expected_version,
            DUPLICATE,
        )
        .await
    }

    async fn delete_endpoint(&self, endpoint: &Endpoint) -> DomainResult<bool> {
        let txn = begin_write(&self.db).await?;
        let key = (
            endpoint.tenant_id.as_uuid(),
            endpoint.id.as_uuid(),
            endpoint.version,
        );
        if !delete_endpoint_in(&txn, key, endpoint.feed_audience(), self.clock.now()).await? {
            return Ok(false);
        }
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn list_deliveries(
        &self,
        endpoint: &Endpoint,
        filter: DeliveryFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<DeliveryLog>> {
        use webhook_deliveries::Column as C;
        let tenant = endpoint.tenant_id.as_uuid();
        // Newest first: the log is read for what happened lately.
        let mut query = webhook_deliveries::Entity::find()
            .filter(C::TenantId.eq(tenant))
            .filter(C::EndpointId.eq(endpoint.id.as_uuid()))
            .order_by_desc(C::Id)
            .limit(page.fetch_limit());
        if let Some(after) = page.after() {
            query = query.filter(C::Id.lt(after));
        }
        if let Some(status) = filter.status {
            query = query.filter(C::Status.eq(status.code()));
        }
        self.logs(tenant, query).await
    }

    async fn get_delivery(
        &self,
        endpoint: &Endpoint,
        id: WebhookDeliveryId,
    ) -> DomainResult<Option<DeliveryLog>> {
        use webhook_deliveries::Column as C;
        let tenant = endpoint.tenant_id.as_uuid();
        let query = webhook_deliveries::Entity::find()
            .filter(C::TenantId.eq(tenant))
            .filter(C::EndpointId.eq(endpoint.id.as_uuid()))
            .filter(C::Id.eq(id.as_uuid()));
        Ok(self.logs(tenant, query).await?.pop())
    }

    async fn enqueue(&self, delivery: &Delivery) -> DomainResult<()> {
        webhook_deliveries::Entity::insert(delivery_model(delivery))
            .exec(&self.db)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn requeue(
        &self,
        endpoint: &Endpoint,
        id: WebhookDeliveryId,
        now: DateTime<Utc>,
    ) -> DomainResult<bool> {
        use webhook_deliveries::Column as C;
        // The lease stays: a delivery in flight on a node is not sent by a second one.
        let updated = webhook_deliveries::Entity::update_many()
            .col_expr(C::Status, Expr::value(PENDING))
            .col_expr(C::NextAttemptAt, Expr::value(now))
            .col_expr(C::CompletedAt, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(C::TenantId.eq(endpoint.tenant_id.as_uuid()))
            .filter(C::EndpointId.eq(endpoint.id.as_uuid()))
            .filter(C::Id.eq(id.as_uuid()))
            .exec(&self.db)
            .await
            .map_err(db_error)?
            .rows_affected;
        Ok(updated == 1)
    }

    async fn enabled_endpoints(&self) -> DomainResult<Vec<(Endpoint, String)>> {
        let rows = webhook_endpoints::Entity::find()
            .filter(webhook_endpoints::Column::Status.eq(EndpointStatus::Enabled.code()))
            .all(&self.db)
            .await
            .map_err(db_error)?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut tenant_ids: Vec<Uuid> = rows.iter().map(|r| r.tenant_id).collect();
        tenant_ids.sort_unstable();
        tenant_ids.dedup();
        // A suspended tenant's endpoints wait until it is active again.
        let slugs: HashMap<Uuid, String> = in_chunks(
            &self.db,
            &tenant_ids,
            |chunk| {
                tenants::Entity::find()
                    .filter(tenants::Column::Id.is_in(chunk.to_vec()))
                    .filter(tenants::Column::Status.eq("active"))
            },
            |t| Ok((t.id, t.slug)),
        )
        .await?
        .into_iter()
        .collect();
        // An endpoint that does not read (its secret sealed with a key this node
        // lacks) is left out and logged; the others go on.
        Ok(rows
            .into_iter()
            .filter_map(|m| slugs.get(&m.tenant_id).cloned().map(|slug| (m, slug)))
            .filter_map(|(m, slug)| self.readable(m).map(|e| (e, slug)))
            .collect())
    }

    async fn logged_changes(
        &self,
        tenant: TenantId,
        after: i64,
        up_to: i64,
        limit: u32,
    ) -> DomainResult<Vec<LoggedChange>> {
        use changes::Column as C;
        let tenant = tenant.as_uuid();
        let rows = changes::scoped(tenant)
            .filter(C::Seq.gt(after))
            .filter(C::Seq.lte(up_to))
            .order_by_asc(C::Seq)
            .limit(u64::from(limit))
            .all(&self.db)
            .await
            .map_err(db_error)?;
        let mut last_status: HashMap<Uuid, Option<String>> = HashMap::new();
        let mut logged = Vec::with_capacity(rows.len());
        for row in rows {
            let op = ChangeOp::parse(&row.op)
                .ok_or_else(|| corrupt("change", format!("op '{}'", row.op)))?;
            // Only an update with a status can be a transition: ask for the status
            // before it once per resource, then follow the page.
            let previous_status = if op == ChangeOp::Updated && row.status.is_some() {
                match last_status.get(&row.resource_id) {
                    Some(known) => known.clone(),
                    None => self.status_before(tenant, row.resource_id, row.seq).await?,
                }
            } else {
                None
            };
            if row.status.is_some() {
                last_status.insert(row.resource_id, row.status.clone());
            }
            logged.push(LoggedChange {
                audience: audience_of(&row)?,
                status: row.status,
                previous_status,
                event: row.event,
                parent: None,
                change: Change {
                    seq: row.seq,
                    resource: row.resource,
                    id: row.resource_id,
                    op,
                    version: row.version,
                    at: row.at,
                },
            });
        }
        let parents = self.parents(tenant, &logged).await?;
        for change in &mut logged {
            change.parent = parents.get(&change.change.id).copied();
        }
        Ok(logged)
    }

    async fn fan_out(
        &self,
        endpoint: &Endpoint,
        cursor: i64,
        deliveries: &[Delivery],
    ) -> DomainResult<bool> {
        use webhook_endpoints::Column as E;
        let txn = begin_write(&self.db).await?;
        let moved = webhook_endpoints::Entity::update_many()
            .col_expr(E::CursorSeq, Expr::value(cursor))
            .filter(E::TenantId.eq(endpoint.tenant_id.as_uuid()))
            .filter(E::Id.eq(endpoint.id.as_uuid()))
            .filter(E::CursorSeq.eq(endpoint.cursor_seq))
            .exec(&txn)
            .await
            .map_err(db_error)?
            .rows_affected;
        if moved == 0 {
            return Ok(false);
        }
        let models: Vec<_> = deliveries.iter().map(delivery_model).collect();
        for chunk in models.chunks(200) {
            webhook_deliveries::Entity::insert_many(chunk.to_vec())
                .exec(&txn)
                .await
                .map_err(db_error)?;
        }
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn claim_due(
        &self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<(Delivery, Endpoint)>> {
        self.claim(owner, (now, lease_until), limit).await
    }

    async fn purge_completed(&self, before: DateTime<Utc>) -> DomainResult<u64> {
        use webhook_deliveries::Column as C;
        let old = || {
            Condition::all()
                .add(C::Status.ne(PENDING))
                .add(C::CompletedAt.lt(before))
        };
        let txn = begin_write(&self.db).await?;
        let ids = Query::select()
            .column(C::Id)
            .from(webhook_deliveries::Entity)
            .cond_where(old())
            .to_owned();
        webhook_attempts::Entity::delete_many()
            .filter(webhook_attempts::Column::DeliveryId.in_subquery(ids))
            .exec(&txn)
            .await
            .map_err(db_error)?;
        let removed = webhook_deliveries::Entity::delete_many()
            .filter(old())
            .exec(&txn)
            .await
            .map_err(db_error)?
            .rows_affected;
        txn.commit().await.map_err(db_error)?;
        Ok(removed)
    }

    async fn record_attempts(&self, outcomes: &[Outcome], owner: &str) -> DomainResult<()> {
        self.record(outcomes, owner).await
    }
}
