//! Guardian invitations: looked up by the digest of a link's secret (before the tenant
//! is known, so the digest is unique across tenants), listed per pupil, revoked and
//! marked used. Every write carries its audit event in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use driehoek_domain::audit::AuditEvent;
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{ApiKeyId, InvitationId, SchoolId, StudentId, TenantId};
use driehoek_domain::paging::PageRequest;
use driehoek_domain::students::{GuardianInvitation, InvitationRepository, PageLanguage};
use driehoek_domain::vocabularies::{ConsentPurpose, Vocabulary};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
};

use super::audit::audit_in;
use super::entities::guardian_invitations as table;
use super::{begin_write, corrupt, db_error, encode_codes, keyset, parse_codes, write_error};

pub struct SeaOrmInvitationRepository {
    db: DatabaseConnection,
}

impl SeaOrmInvitationRepository {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn to_model(i: &GuardianInvitation) -> table::Model {
    table::Model {
        tenant_id: i.tenant_id.as_uuid(),
        id: i.id.as_uuid(),
        version: 1,
        created_at: i.created_at,
        updated_at: i.created_at,
        student_id: i.student_id.as_uuid(),
        school_id: i.school_id.as_uuid(),
        purposes: encode_codes(i.purposes.iter().map(|p| p.code())),
        route_plan: i.route_plan,
        language: i.language.code().to_owned(),
        digest: i.digest.clone(),
        expires_at: i.expires_at,
        revoked_at: i.revoked_at,
        used_at: i.used_at,
        created_by: i.created_by.map(|k| k.as_uuid()),
    }
}

fn from_model(m: table::Model) -> DomainResult<GuardianInvitation> {
    let bad = |e: String| corrupt("guardian invitation", e);
    Ok(GuardianInvitation {
        id: InvitationId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        student_id: StudentId::from_uuid(m.student_id),
        school_id: SchoolId::from_uuid(m.school_id),
        purposes: parse_codes(&m.purposes, ConsentPurpose::parse).map_err(bad)?,
        route_plan: m.route_plan,
        language: PageLanguage::parse(&m.language).map_err(bad)?,
        digest: m.digest,
        created_at: m.created_at,
        expires_at: m.expires_at,
        revoked_at: m.revoked_at,
        used_at: m.used_at,
        created_by: m.created_by.map(ApiKeyId::from_uuid),
    })
}

#[async_trait]
impl InvitationRepository for SeaOrmInvitationRepository {
    async fn insert(
        &self,
        invitation: &GuardianInvitation,
        audit: &AuditEvent,
    ) -> DomainResult<()> {
        let txn = begin_write(&self.db).await?;
        audit_in(&txn, std::slice::from_ref(audit)).await?;
        table::Entity::insert(to_model(invitation).into_active_model().reset_all())
            .exec(&txn)
            .await
            .map_err(|e| write_error(e, "this invitation exists"))?;
        txn.commit().await.map_err(db_error)
    }

    async fn find_by_digest(&self, digest: &str) -> DomainResult<Option<GuardianInvitation>> {
        table::Entity::find()
            .filter(table::Column::Digest.eq(digest))
            .one(&self.db)
            .await
            .map_err(db_error)?
            .map(from_model)
            .transpose()
    }

    async fn get(
        &self,
        tenant: TenantId,
        id: InvitationId,
    ) -> DomainResult<Option<GuardianInvitation>> {
        table::scoped(tenant.as_uuid())
            .filter(table::Column::Id.eq(id.as_uuid()))
            .one(&self.db)
            .await
            .map_err(db_error)?
            .map(from_model)
            .transpose()
    }

    async fn list(
        &self,
        tenant: TenantId,
        student: StudentId,
        page: &PageRequest,
    ) -> DomainResult<Vec<GuardianInvitation>> {
        keyset(
            table::scoped(tenant.as_uuid()).filter(table::Column::StudentId.eq(student.as_uuid())),
            table::Column::Id,
            page,
        )
        .all(&self.db)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(from_model)
        .collect()
    }

    async fn revoke(
        &self,
        tenant: TenantId,
        id: InvitationId,
        at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> DomainResult<()> {
        let txn = begin_write(&self.db).await?;
        audit_in(&txn, std::slice::from_ref(audit)).await?;
        table::Entity::update_many()
            .col_expr(table::Column::RevokedAt, Expr::value(at))
            .col_expr(table::Column::UpdatedAt, Expr::value(at))
            .filter(table::Column::TenantId.eq(tenant.as_uuid()))
            .filter(table::Column::Id.eq(id.as_uuid()))
            .filter(table::Column::RevokedAt.is_null())
            .exec(&txn)
            .await
            .map_err(db_error)?;
        txn.commit().await.map_err(db_error)
    }

    async fn mark_used(
        &self,
        tenant: TenantId,
        id: InvitationId,
        at: DateTime<Utc>,
    ) -> DomainResult<()> {
        table::Entity::update_many()
            .col_expr(table::Column::UsedAt, Expr::value(at))
            .col_expr(table::Column::UpdatedAt, Expr::value(at))
            .filter(table::Column::TenantId.eq(tenant.as_uuid()))
            .filter(table::Column::Id.eq(id.as_uuid()))
            .exec(&self.db)
            .await
            .map_err(db_error)?;
        Ok(())
    }
}
