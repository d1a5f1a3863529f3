//! Consent ledgers: decisions per pupil and purpose, appended, never changed.

use async_trait::async_trait;
use driehoek_domain::audit::AuditEvent;
use driehoek_domain::auth::Role;
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{ApiKeyId, ConsentId, StudentId, TenantId};
use driehoek_domain::students::{
    Consent, ConsentGiver, ConsentRepository, ConsentStatus, DecisionChannel,
};
use driehoek_domain::vocabularies::{ConsentPurpose, Vocabulary};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, IntoActiveModel, QueryFilter, QueryOrder,
};

use super::audit::audit_in;
use super::entities::consents;
use super::read_pool::OnReadPool;
use super::read_pool::ReadPool;
use super::students::{pupil_audience, uuids};
use super::versioned::{self, RowChange};
use super::{begin_write, corrupt, db_error, in_chunks_on_read_pool};

pub struct SeaOrmConsentRepository {
    db: DatabaseConnection,
    reads: ReadPool,
}

impl SeaOrmConsentRepository {
    pub(crate) fn new(db: DatabaseConnection, reads: ReadPool) -> Self {
        Self { db, reads }
    }
}

fn consent_from_model(m: consents::Model) -> DomainResult<Consent> {
    let bad = |e: String| corrupt("consent", e);
    Ok(Consent {
        id: ConsentId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        student_id: StudentId::from_uuid(m.student_id),
        purpose: ConsentPurpose::parse(&m.purpose).map_err(bad)?,
        status: ConsentStatus::parse(&m.status).map_err(bad)?,
        given_by: ConsentGiver::parse(&m.given_by).map_err(bad)?,
        recorded_at: m.created_at,
        recorded_by_key_id: m.recorded_by_key_id.map(ApiKeyId::from_uuid),
        recorded_by_role: Role::parse(&m.recorded_by_role).map_err(bad)?,
        recorded_via: match m.recorded_via.as_deref() {
            Some(code) => DecisionChannel::parse(code).map_err(bad)?,
            None if matches!(m.recorded_by_role.as_str(), "pupil" | "guardian") => {
                DecisionChannel::Token
            }
            None => DecisionChannel::Key,
        },
    })
}

#[async_trait]
impl ConsentRepository for SeaOrmConsentRepository {
    async fn insert(&self, c: &Consent, audit: &AuditEvent) -> DomainResult<()> {
        let model = consents::Model {
            tenant_id: c.tenant_id.as_uuid(),
            id: c.id.as_uuid(),
            version: 1,
            created_at: c.recorded_at,
            updated_at: c.recorded_at,
            student_id: c.student_id.as_uuid(),
            purpose: c.purpose.code().to_owned(),
            status: c.status.code().to_owned(),
            given_by: c.given_by.code().to_owned(),
            recorded_by_key_id: c.recorded_by_key_id.map(|k| k.as_uuid()),
            recorded_by_role: c.recorded_by_role.code().to_owned(),
            recorded_via: Some(c.recorded_via.code().to_owned()),
        }
        .into_active_model()
        .reset_all();
        let txn = begin_write(&self.db).await?;
        let row = RowChange {
            tenant: c.tenant_id.as_uuid(),
            id: c.id.as_uuid(),
            version: 1,
            at: c.recorded_at,
            audience: pupil_audience(&txn, c.tenant_id, c.student_id).await?,
            status: None,
            event: None,
        };
        audit_in(&txn, std::slice::from_ref(audit)).await?;
        versioned::insert_in::<consents::Entity>(&txn, row, model, "this consent exists").await?;
        txn.commit().await.map_err(db_error)
    }

    async fn ledger(&self, tenant: TenantId, student: StudentId) -> DomainResult<Vec<Consent>> {
        consents::scoped(tenant.as_uuid())
            .filter(consents::Column::StudentId.eq(student.as_uuid()))
            .order_by_asc(consents::Column::Id)
            .all_on(&self.reads)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(consent_from_model)
            .collect()
    }

    async fn granted(
        &self,
        tenant: TenantId,
        students: &[StudentId],
        purpose: ConsentPurpose,
    ) -> DomainResult<Vec<StudentId>> {
        // The ledger of these pupils for this purpose, newest first per chunk (a pupil's
        // lines are all in its chunk): the first line seen per pupil is the current one.
        let query = |chunk: &[StudentId]| {
            consents::scoped(tenant.as_uuid())
                .filter(consents::Column::StudentId.is_in(uuids(chunk)))
                .filter(consents::Column::Purpose.eq(purpose.code()))
                .order_by_desc(consents::Column::Id)
        };
        let lines: Vec<consents::Model> =
            in_chunks_on_read_pool(&self.reads, students, query, Ok).await?;
        let mut decided = std::collections::HashSet::new();
        Ok(lines
            .into_iter()
            .filter(|line| decided.insert(line.student_id))
            .filter(|line| line.status == ConsentStatus::Granted.code())
            .map(|line| StudentId::from_uuid(line.student_id))
            .collect())
    }
}

// The portfolio.
