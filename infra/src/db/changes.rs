//! The transactional outbox: one change row per write, in the writer's transaction.

use chrono::{DateTime, Utc};
use driehoek_domain::changes::ChangeOp;
use driehoek_domain::error::DomainError;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseTransaction, Set};
use uuid::Uuid;

use super::entities::changes;
use super::{corrupt, db_error};

/// Appends a change to the tenant's log and returns its sequence number.
///
/// The number comes from the tenant's counter row, whose update locks that row until
/// the transaction ends: writers of one tenant take numbers in commit order, and a
/// rolled-back transaction gives its number back. Call it as the last step of a write.
pub async fn record_change(
    txn: &DatabaseTransaction,
    tenant: Uuid,
    resource: &str,
    id: Uuid,
    op: ChangeOp,
    version: i64,
    at: DateTime<Utc>,
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
    changes::ActiveModel {
        tenant_id: Set(tenant),
        seq: Set(seq),
        resource: Set(resource.to_owned()),
        resource_id: Set(id),
        op: Set(op.as_str().to_owned()),
        version: Set(version),
        at: Set(at),
    }
    .insert(txn)
    .await
    .map_err(db_error)?;
    Ok(seq)
}
