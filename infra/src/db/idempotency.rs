//! Idempotency records in the database (DESIGN.md §3.5, §5 "Faults"), after Stripe's
//! idempotency keys and brandur.org's "Implementing Stripe-like Idempotency Keys in
//! Postgres".
//!
//! A request with an `Idempotency-Key` first claims its record (one row per API key
//! and key) with a lock of its deadline. While its handler runs, the request is the
//! task's [`current`] one, and every write transaction the handler begins marks the
//! record `committed` as its first statement, and notes the first resource it
//! creates — so the mark commits, or rolls back, with the write itself. The answer is
//! stored once it is made. Whatever happens in between, a retry finds one of:
//!
//! - the stored answer: it is replayed;
//! - `committed` without an answer, with the lock run out (the node died between the
//!   write's commit and storing the answer): the write is not run again, and the
//!   retry is answered from what the record holds (the resource it created);
//! - no answer, with the lock still held: the first attempt is still running (`409`);
//! - neither, with the lock run out: the first attempt never committed, and the retry
//!   takes the record over and runs.
//!
//! Records are purged 24 h after they were claimed.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use driehoek_domain::changes::ChangeOp;
use driehoek_domain::error::{DomainError, DomainResult};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

use super::changes::NewChange;
use super::db_error;

mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "idempotency_records")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub actor: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub idempotency_key: String,
        pub fingerprint: String,
        pub locked_until: DateTimeUtc,
        pub committed: bool,
        pub created_resource: Option<String>,
        pub created_id: Option<Uuid>,
        pub created_version: Option<i64>,
        pub status: Option<i32>,
        pub headers: Option<String>,
        pub body: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{ActiveModel, Column, Entity};

/// A record as a retry finds it.
#[derive(Debug, Clone)]
pub struct IdempotencyRecord {
    /// What identifies "the same request" (method, target and body).
    pub fingerprint: String,
    /// Whether a write of the first attempt committed.
    pub committed: bool,
    /// Until when the attempt holding the record may still be running.
    pub locked_until: DateTime<Utc>,
    /// The first resource that write created: its type, id and version.
    pub created: Option<(String, Uuid, i64)>,
    /// The answer, once stored.
    pub response: Option<StoredResponse>,
}

/// An answer as it is replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What claiming a record gave.
#[derive(Debug)]
pub enum Claim {
    /// The request runs: the record is new, or its first attempt never committed and
    /// its lock ran out.
    Ours,
    /// Another attempt holds or held the record.
    Theirs(IdempotencyRecord),
}

/// The record the task's request holds, while its handler runs.
#[derive(Debug, Clone)]
struct Current {
    actor: String,
    key: String,
}

tokio::task_local! {
    static CURRENT: Arc<Current>;
}

/// Runs `work` (a request's handler) as the holder of the record (`actor`, `key`):
/// the write transactions it begins mark the record committed.
pub async fn current<F: Future>(actor: &str, key: &str, work: F) -> F::Output {
    let current = Arc::new(Current {
        actor: actor.to_owned(),
        key: key.to_owned(),
    });
    CURRENT.scope(current, work).await
}

fn held() -> Option<Arc<Current>> {
    CURRENT.try_with(Arc::clone).ok()
}

/// In a write transaction just begun: marks the task's record (if any) committed.
pub(crate) async fn mark_committed(txn: &DatabaseTransaction) -> Result<(), DomainError> {
    let Some(current) = held() else {
        return Ok(());
    };
    Entity::update_many()
        .col_expr(Column::Committed, Expr::value(true))
        .filter(Column::Actor.eq(current.actor.as_str()))
        .filter(Column::IdempotencyKey.eq(current.key.as_str()))
        .exec(txn)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// In a write transaction: notes `change` on the task's record (if any) when it is the
/// first creation the request makes.
pub(crate) async fn note_change(
    txn: &DatabaseTransaction,
    change: &NewChange<'_>,
) -> Result<(), DomainError> {
    let (Some(current), ChangeOp::Created) = (held(), change.op) else {
        return Ok(());
    };
    Entity::update_many()
        .col_expr(Column::CreatedResource, Expr::value(change.resource))
        .col_expr(Column::CreatedId, Expr::value(change.id))
        .col_expr(Column::CreatedVersion, Expr::value(change.version))
        .filter(Column::Actor.eq(current.actor.as_str()))
        .filter(Column::IdempotencyKey.eq(current.key.as_str()))
        .filter(Column::CreatedId.is_null())
        .exec(txn)
        .await
        .map_err(db_error)?;
    Ok(())
}

pub struct IdempotencyRecords {
    db: DatabaseConnection,
}

impl IdempotencyRecords {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Claims the record of (`actor`, `key`) for a request with `fingerprint`, locked
    /// until `lock_until`.
    pub async fn claim(
        &self,
        actor: &str,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
        lock_until: DateTime<Utc>,
    ) -> DomainResult<Claim> {
        let fresh = ActiveModel {
            actor: Set(actor.to_owned()),
            idempotency_key: Set(key.to_owned()),
            fingerprint: Set(fingerprint.to_owned()),
            locked_until: Set(lock_until),
            committed: Set(false),
            created_resource: Set(None),
            created_id: Set(None),
            created_version: Set(None),
            status: Set(None),
            headers: Set(None),
            body: Set(None),
            created_at: Set(now),
        };
        let inserted = Entity::insert(fresh)
            .on_conflict(
                OnConflict::columns([Column::Actor, Column::IdempotencyKey])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await
            .map_err(db_error)?;
        if inserted == 1 {
            return Ok(Claim::Ours);
        }
        // The first attempt of the same request never committed, answered nothing
        // and its lock ran out: this one runs instead.
        let taken = Entity::update_many()
            .col_expr(Column::LockedUntil, Expr::value(lock_until))
            .filter(Column::Actor.eq(actor))
            .filter(Column::IdempotencyKey.eq(key))
            .filter(Column::Fingerprint.eq(fingerprint))
            .filter(Column::Committed.eq(false))
            .filter(Column::Status.is_null())
            .filter(Column::LockedUntil.lt(now))
            .exec(&self.db)
            .await
            .map_err(db_error)?;
        if taken.rows_affected == 1 {
            return Ok(Claim::Ours);
        }
        let found = Entity::find_by_id((actor.to_owned(), key.to_owned()))
            .one(&self.db)
            .await
            .map_err(db_error)?;
        match found {
            Some(row) => Ok(Claim::Theirs(record_of(row))),
            // Purged meanwhile: nothing holds it.
            None => Ok(Claim::Ours),
        }
    }

    /// Stores the answer of the request holding (`actor`, `key`).
    pub async fn complete(
        &self,
        actor: &str,
        key: &str,
        response: &StoredResponse,
    ) -> DomainResult<()> {
        let headers = serde_json::to_string(&response.headers)
            .map_err(|e| DomainError::Internal(e.to_string()))?;
        Entity::update_many()
            .col_expr(Column::Status, Expr::value(i32::from(response.status)))
            .col_expr(Column::Headers, Expr::value(headers))
            .col_expr(Column::Body, Expr::value(response.body.clone()))
            .filter(Column::Actor.eq(actor))
            .filter(Column::IdempotencyKey.eq(key))
            .exec(&self.db)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    /// Gives up the record of a request that promised nothing (it failed before any
    /// write committed): a retry runs at once.
    pub async fn release(&self, actor: &str, key: &str) -> DomainResult<()> {
        Entity::delete_many()
            .filter(Column::Actor.eq(actor))
            .filter(Column::IdempotencyKey.eq(key))
            .filter(Column::Committed.eq(false))
            .exec(&self.db)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    /// Deletes the records claimed before `before`; how many.
    pub async fn purge(&self, before: DateTime<Utc>) -> DomainResult<u64> {
        let deleted = Entity::delete_many()
            .filter(Column::CreatedAt.lt(before))
            .exec(&self.db)
            .await
            .map_err(db_error)?;
        Ok(deleted.rows_affected)
    }
}

fn record_of(row: entity::Model) -> IdempotencyRecord {
    let response = row.status.map(|status| StoredResponse {
        status: u16::try_from(status).unwrap_or(500),
        headers: row
            .headers
            .as_deref()
            .and_then(|h| serde_json::from_str(h).ok())
            .unwrap_or_default(),
        body: row.body.clone().unwrap_or_default(),
    });
    let created = match (row.created_resource, row.created_id, row.created_version) {
        (Some(resource), Some(id), Some(version)) => Some((resource, id, version)),
        _ => None,
    };
    IdempotencyRecord {
        fingerprint: row.fingerprint,
        committed: row.committed,
        locked_until: row.locked_until,
        created,
        response,
    }
}
