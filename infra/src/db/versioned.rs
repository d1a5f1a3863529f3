//! Writes of versioned tenant rows. Each helper changes one row and appends its change
//! to the tenant's log in the same transaction, so no write can forget its change row
//! and every update or delete is conditional on the version the caller read.

use chrono::{DateTime, Utc};
use driehoek_domain::changes::{Audience, ChangeOp};
use driehoek_domain::error::DomainResult;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, Select,
};
use uuid::Uuid;

use super::changes::{NewChange, record_change, record_changes};
use super::{begin_write, db_error, write_error};

/// A tenant-owned table with `tenant_id`, `id` and `version` columns.
pub(crate) trait TenantTable: EntityTrait {
    /// The resource name in the change log.
    const RESOURCE: &'static str;
    /// The table's one query starter (`scoped(tenant)` of its entity module).
    fn scoped(tenant: Uuid) -> Select<Self>;
    fn tenant_column() -> Self::Column;
    fn id_column() -> Self::Column;
    fn version_column() -> Self::Column;
}

/// The row a write is about: its key, the version it has after the write, when, and
/// who sees the change in the feed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowChange {
    pub tenant: Uuid,
    pub id: Uuid,
    pub version: i64,
    pub at: DateTime<Utc>,
    pub audience: Audience,
    /// The resource's status after the write, for resources that have one.
    pub status: Option<&'static str>,
    /// The event of a milestone the write is, when it is not a status.
    pub event: Option<&'static str>,
}

impl RowChange {
    fn change<'a>(&self, resource: &'a str, op: ChangeOp) -> NewChange<'a> {
        NewChange {
            resource,
            id: self.id,
            op,
            version: self.version,
            at: self.at,
            audience: self.audience,
            status: self.status,
            event: self.event,
        }
    }
}

/// Inserts a new row (version 1) with its `created` change. A unique violation is a
/// `Duplicate` conflict saying `duplicate`.
pub(crate) async fn insert<E>(
    db: &DatabaseConnection,
    row: RowChange,
    model: E::ActiveModel,
    duplicate: &str,
) -> DomainResult<()>
where
    E: TenantTable,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let txn = begin_write(db).await?;
    insert_in::<E>(&txn, row, model, duplicate).await?;
    txn.commit().await.map_err(db_error)
}

/// [`insert`] inside a transaction the caller commits.
pub(crate) async fn insert_in<E>(
    txn: &DatabaseTransaction,
    row: RowChange,
    model: E::ActiveModel,
    duplicate: &str,
) -> DomainResult<()>
where
    E: TenantTable,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    E::insert(model)
        .exec(txn)
        .await
        .map_err(|e| write_error(e, duplicate))?;
    record_change(txn, row.tenant, row.change(E::RESOURCE, ChangeOp::Created)).await?;
    Ok(())
}

/// Inserts many new rows of one tenant's table with their `created` changes, in
/// multi-row statements. A unique violation is a `Duplicate` conflict saying
/// `duplicate` (for the whole lot: the caller finds the culprit row by row).
pub(crate) async fn insert_many_in<E>(
    txn: &DatabaseTransaction,
    rows: Vec<(RowChange, E::ActiveModel)>,
    duplicate: &str,
) -> DomainResult<()>
where
    E: TenantTable,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send + Clone,
{
    let Some(tenant) = rows.first().map(|(row, _)| row.tenant) else {
        return Ok(());
    };
    let changes: Vec<NewChange> = rows
        .iter()
        .map(|(row, _)| row.change(E::RESOURCE, ChangeOp::Created))
        .collect();
    let models: Vec<E::ActiveModel> = rows.into_iter().map(|(_, model)| model).collect();
    // Well under every backend's limit on bound parameters per statement.
    for chunk in models.chunks(200) {
        E::insert_many(chunk.to_vec())
            .exec(txn)
            .await
            .map_err(|e| write_error(e, duplicate))?;
    }
    record_changes(txn, tenant, &changes).await
}

/// Replaces the row if it is still at `expected_version`, with its `updated` change.
/// `false` when another write came first.
pub(crate) async fn update<E>(
    db: &DatabaseConnection,
    row: RowChange,
    model: E::ActiveModel,
    expected_version: i64,
    duplicate: &str,
) -> DomainResult<bool>
where
    E: TenantTable,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let txn = begin_write(db).await?;
    if !update_in::<E>(&txn, row, model, expected_version, duplicate).await? {
        return Ok(false);
    }
    txn.commit().await.map_err(db_error)?;
    Ok(true)
}

/// [`update`] inside a transaction the caller commits.
pub(crate) async fn update_in<E>(
    txn: &DatabaseTransaction,
    row: RowChange,
    model: E::ActiveModel,
    expected_version: i64,
    duplicate: &str,
) -> DomainResult<bool>
where
    E: TenantTable,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let updated = E::update_many()
        .set(model)
        .filter(E::tenant_column().eq(row.tenant))
        .filter(E::id_column().eq(row.id))
        .filter(E::version_column().eq(expected_version))
        .exec(txn)
        .await
        .map_err(|e| write_error(e, duplicate))?
        .rows_affected;
    if updated == 0 {
        return Ok(false);
    }
    record_change(txn, row.tenant, row.change(E::RESOURCE, ChangeOp::Updated)).await?;
    Ok(true)
}

/// Deletes the row at `version` inside `txn` and records the deletion (as version + 1,
/// at `at`) for `audience`. `false` when the row is gone or at another version.
pub(crate) async fn delete_in<E: TenantTable>(
    txn: &DatabaseTransaction,
    tenant: Uuid,
    (id, version): (Uuid, i64),
    audience: Audience,
    at: DateTime<Utc>,
) -> DomainResult<bool> {
    let deleted = E::delete_many()
        .filter(E::tenant_column().eq(tenant))
        .filter(E::id_column().eq(id))
        .filter(E::version_column().eq(version))
        .exec(txn)
        .await
        .map_err(|e| write_error(e, "the resource is still referred to"))?
        .rows_affected;
    if deleted == 0 {
        return Ok(false);
    }
    let change = NewChange {
        resource: E::RESOURCE,
        id,
        op: ChangeOp::Deleted,
        version: version + 1,
        at,
        audience,
        status: None,
        event: None,
    };
    record_change(txn, tenant, change).await?;
    Ok(true)
}

/// [`delete_in`] in a transaction of its own.
pub(crate) async fn delete<E: TenantTable>(
    db: &DatabaseConnection,
    tenant: Uuid,
    (id, version): (Uuid, i64),
    audience: Audience,
    at: DateTime<Utc>,
) -> DomainResult<bool> {
    let txn = begin_write(db).await?;
    if !delete_in::<E>(&txn, tenant, (id, version), audience, at).await? {
        return Ok(false);
    }
    txn.commit().await.map_err(db_error)?;
    Ok(true)
}
