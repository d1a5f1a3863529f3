//! The transactional outbox: one change row per write, in the writer's transaction.

use chrono::{DateTime, Utc};
use driehoek_domain::changes::{
    Audience, Change, ChangeOp, ChangeRepository, FeedQuery, FeedScope,
};
use driehoek_domain::error::DomainError;
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{BusinessId, SchoolId, TenantId};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, Set};
use uuid::Uuid;

use super::entities::changes;
use super::read_pool::OnReadPool;
use super::read_pool::ReadPool;
use super::{corrupt, db_error};

/// The stored form of an audience: its scope and the school and business it names.
fn audience_columns(audience: Audience) -> (&'static str, Option<Uuid>, Option<Uuid>) {
    match audience {
        Audience::Public => ("public", None, None),
        Audience::Admins => ("admins", None, None),
        Audience::Parties { school, business } => (
            "parties",
            school.map(|s| s.as_uuid()),
            business.map(|b| b.as_uuid()),
        ),
        Audience::Pupil { school } => ("pupil", Some(school.as_uuid()), None),
    }
}

/// The audience a stored change was recorded for.
pub(crate) fn audience_of(row: &changes::Model) -> Result<Audience, DomainError> {
    let missing = |what: &str| corrupt("change", format!("a {} change names no {what}", row.scope));
    Ok(match row.scope.as_str() {
        "public" => Audience::Public,
        "admins" => Audience::Admins,
        "parties" => Audience::Parties {
            school: row.school_id.map(SchoolId::from_uuid),
            business: row.business_id.map(BusinessId::from_uuid),
        },
        "pupil" => Audience::Pupil {
            school: SchoolId::from_uuid(row.school_id.ok_or_else(|| missing("school"))?),
        },
        other => return Err(corrupt("change", format!("scope '{other}'"))),
    })
}

fn change_row(tenant: Uuid, seq: i64, change: &NewChange<'_>) -> changes::ActiveModel {
    let (scope, school_id, business_id) = audience_columns(change.audience);
    changes::ActiveModel {
        tenant_id: Set(tenant),
        seq: Set(seq),
        resource: Set(change.resource.to_owned()),
        resource_id: Set(change.id),
        op: Set(change.op.as_str().to_owned()),
        version: Set(change.version),
        at: Set(change.at),
        scope: Set(scope.to_owned()),
        school_id: Set(school_id),
        business_id: Set(business_id),
        status: Set(change.status.map(str::to_owned)),
        event: Set(change.event.map(str::to_owned)),
    }
}

/// Appends a change to the tenant's log and returns its sequence number.
///
/// The number comes from the tenant's counter row, whose update locks that row until
/// the transaction ends: writers of one tenant take numbers in commit order, and a
/// rolled-back transaction gives its number back. Call it as the last step of a write.
pub(crate) async fn record_change(
    txn: &DatabaseTransaction,
    tenant: Uuid,
    change: NewChange<'_>,
) -> Result<i64, DomainError> {
    let bump = Query::update()
        .table("tenant_change_counters")
        .value("last_seq", Expr::col("last_seq").add(1))
        .and_where(Expr::col("tenant_id").eq(tenant))
        .returning_col("last_seq")
        .to_owned();
    let row = txn
        .query_one(&bump)
        .await
        .map_err(db_error)?
        .ok_or_else(|| corrupt("change counter", format!("tenant {tenant} has none")))?;
    let seq: i64 = row.try_get("", "last_seq").map_err(db_error)?;
    change_row(tenant, seq, &change)
        .insert(txn)
        .await
        .map_err(db_error)?;
    super::idempotency::note_change(txn, &change).await?;
    Ok(seq)
}

/// A change to append with [`record_change`] or [`record_changes`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewChange<'a> {
    pub resource: &'a str,
    pub id: Uuid,
    pub op: ChangeOp,
    pub version: i64,
    pub at: DateTime<Utc>,
    pub audience: Audience,
    /// The resource's status after the change, for resources that have one: the
    /// webhook worker tells a transition (`booking.cancelled`) from other updates.
    pub status: Option<&'static str>,
    /// The event of a milestone that is not a status (`booking.prepared`).
    pub event: Option<&'static str>,
}

/// Appends many changes of one tenant at once: one counter bump for all of them and
/// multi-row inserts, with the same ordering guarantee as [`record_change`].
pub(crate) async fn record_changes(
    txn: &DatabaseTransaction,
    tenant: Uuid,
    new: &[NewChange<'_>],
) -> Result<(), DomainError> {
    // A 32-bit integer, like `record_change`'s `+ 1`: both build the same SQL text, the
    // driver reuses the statement PostgreSQL prepared for whichever ran first, and that
    // statement's parameter refuses an 8-byte value.
    let Ok(count) = i32::try_from(new.len()) else {
        return Err(DomainError::Internal("too many changes at once".to_owned()));
    };
    if count == 0 {
        return Ok(());
    }
    let bump = Query::update()
        .table("tenant_change_counters")
        .value("last_seq", Expr::col("last_seq").add(count))
        .and_where(Expr::col("tenant_id").eq(tenant))
        .returning_col("last_seq")
        .to_owned();
    let row = txn
        .query_one(&bump)
        .await
        .map_err(db_error)?
        .ok_or_else(|| corrupt("change counter", format!("tenant {tenant} has none")))?;
    let last: i64 = row.try_get("", "last_seq").map_err(db_error)?;
    let first = last - i64::from(count) + 1;
    let rows: Vec<changes::ActiveModel> = new
        .iter()
        .zip(first..)
        .map(|(change, seq)| change_row(tenant, seq, change))
        .collect();
    for chunk in rows.chunks(1000) {
        changes::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await
            .map_err(db_error)?;
    }
    if let Some(created) = new.iter().find(|c| c.op == ChangeOp::Created) {
        super::idempotency::note_change(txn, created).await?;
    }
    Ok(())
}

pub struct SeaOrmChangeRepository {
    db: sea_orm::DatabaseConnection,
    reads: ReadPool,
}

impl SeaOrmChangeRepository {
    pub(crate) fn new(db: sea_orm::DatabaseConnection, reads: ReadPool) -> Self {
        Self { db, reads }
    }
}

#[async_trait::async_trait]
impl ChangeRepository for SeaOrmChangeRepository {
    async fn last_seq(&self, tenant: TenantId) -> DomainResult<i64> {
        use super::entities::tenant_change_counters as counters;
        use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
        let last: Option<i64> = counters::Entity::find()
            .filter(counters::Column::TenantId.eq(tenant.as_uuid()))
            .select_only()
            .column(counters::Column::LastSeq)
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(db_error)?;
        Ok(last.unwrap_or(0))
    }

    async fn list(&self, tenant: TenantId, q: &FeedQuery<'_>) -> DomainResult<Vec<Change>> {
        use changes::Column as C;
        use sea_orm::sea_query::Condition;
        use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
        let mut query = changes::scoped(tenant.as_uuid())
            .filter(C::Seq.gt(q.after))
            .filter(C::Seq.lte(q.up_to))
            .order_by_asc(C::Seq)
            .limit(u64::from(q.limit));
        if let Some(resource) = q.resource {
            query = query.filter(C::Resource.eq(resource));
        }
        let public = C::Scope.eq("public");
        query = match q.scope {
            FeedScope::All => query,
            FeedScope::City => query.filter(C::Scope.ne("pupil")),
            FeedScope::Public => query.filter(public),
            FeedScope::School(school) => query.filter(
                Condition::any().add(public).add(
                    Condition::all()
                        .add(C::Scope.is_in(["parties", "pupil"]))
                        .add(C::SchoolId.eq(school.as_uuid())),
                ),
            ),
            FeedScope::Business(business) => query.filter(
                Condition::any().add(public).add(
                    Condition::all()
                        .add(C::Scope.eq("parties"))
                        .add(C::BusinessId.eq(business.as_uuid())),
                ),
            ),
        };
        query
            .all_on(&self.reads)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(|row: changes::Model| {
                Ok(Change {
                    op: ChangeOp::parse(&row.op)
                        .ok_or_else(|| corrupt("change", format!("op '{}'", row.op)))?,
                    seq: row.seq,
                    resource: row.resource,
                    id: row.resource_id,
                    version: row.version,
                    at: row.at,
                })
            })
            .collect()
    }
}
