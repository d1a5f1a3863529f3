//! The audit log of every access to pupils' data: appended in the transaction of the
//! write it records, or before a read's data is returned.

use async_trait::async_trait;
use driehoek_domain::audit::{AuditAction, AuditEvent, AuditFilter, AuditRepository};
use driehoek_domain::auth::Role;
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{ApiKeyId, AuditEventId, SchoolId, StudentId, TenantId};
use driehoek_domain::paging::PageRequest;
use driehoek_domain::vocabularies::Vocabulary;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
};

use super::entities::audit_events;
use super::read_pool::OnReadPool;
use super::read_pool::ReadPool;
use super::{IN_LIST_CHUNK, begin_write, corrupt, db_error, keyset};

/// Appends audit events inside `txn`.
pub(crate) async fn audit_in(txn: &DatabaseTransaction, events: &[AuditEvent]) -> DomainResult<()> {
    for chunk in events.chunks(IN_LIST_CHUNK) {
        insert_audit(txn, chunk).await?;
    }
    Ok(())
}

/// One multi-row insert of audit events.
async fn insert_audit<C: sea_orm::ConnectionTrait>(
    conn: &C,
    events: &[AuditEvent],
) -> DomainResult<()> {
    let rows: Vec<audit_events::ActiveModel> = events
        .iter()
        .map(|e| {
            audit_events::Model {
                tenant_id: e.tenant_id.as_uuid(),
                id: e.id.as_uuid(),
                at: e.at,
                key_id: e.key_id.map(|k| k.as_uuid()),
                role: e.role.code().to_owned(),
                action: e.action.code().to_owned(),
                student_id: e.student_id.map(|s| s.as_uuid()),
                school_id: e.school_id.map(|s| s.as_uuid()),
                request_id: e.request_id.clone(),
            }
            .into_active_model()
        })
        .collect();
    audit_events::Entity::insert_many(rows)
        .exec(conn)
        .await
        .map_err(db_error)?;
    Ok(())
}

pub struct SeaOrmAuditRepository {
    db: DatabaseConnection,
    reads: ReadPool,
}

impl SeaOrmAuditRepository {
    pub(crate) fn new(db: DatabaseConnection, reads: ReadPool) -> Self {
        Self { db, reads }
    }
}

fn audit_from_model(m: audit_events::Model) -> DomainResult<AuditEvent> {
    let bad = |e: String| corrupt("audit event", e);
    Ok(AuditEvent {
        id: AuditEventId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        at: m.at,
        key_id: m.key_id.map(ApiKeyId::from_uuid),
        role: Role::parse(&m.role).map_err(bad)?,
        action: AuditAction::parse(&m.action).map_err(bad)?,
        student_id: m.student_id.map(StudentId::from_uuid),
        school_id: m.school_id.map(SchoolId::from_uuid),
        request_id: m.request_id,
    })
}

#[async_trait]
impl AuditRepository for SeaOrmAuditRepository {
    async fn record(&self, events: &[AuditEvent]) -> DomainResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        // One statement is atomic on its own: no transaction round trips for a read's
        // events (a page holds at most 200).
        if events.len() <= IN_LIST_CHUNK {
            return insert_audit(&self.db, events).await;
        }
        let txn = begin_write(&self.db).await?;
        audit_in(&txn, events).await?;
        txn.commit().await.map_err(db_error)
    }

    async fn list(
        &self,
        tenant: TenantId,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<AuditEvent>> {
        use audit_events::Column as C;
        let mut query = keyset(audit_events::scoped(tenant.as_uuid()), C::Id, page);
        if let Some(student) = filter.student_id {
            query = query.filter(C::StudentId.eq(student.as_uuid()));
        }
        if let Some(key) = filter.key_id {
            query = query.filter(C::KeyId.eq(key.as_uuid()));
        }
        if let Some(action) = filter.action {
            query = query.filter(C::Action.eq(action.code()));
        }
        if let Some(from) = filter.from {
            query = query.filter(C::At.gte(from));
        }
        if let Some(to) = filter.to {
            query = query.filter(C::At.lt(to));
        }
        query
            .all_on(&self.reads)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(audit_from_model)
            .collect()
    }
}

// Pupils.
