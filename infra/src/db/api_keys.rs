use async_trait::async_trait;
use chrono::{DateTime, Utc};
use driehoek_domain::api_keys::{ApiKey, ApiKeyRepository, Revocation};
use driehoek_domain::auth::{Binding, Role};
use driehoek_domain::changes::{Audience, ChangeOp, resource};
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{ApiKeyId, BusinessId, SchoolId, StudentId, TenantId};
use driehoek_domain::paging::PageRequest;
use driehoek_domain::values::Name;
use driehoek_domain::vocabularies::Vocabulary;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, IntoActiveModel,
    QueryFilter,
};

use super::entities::api_keys;
use super::{NewChange, begin_write, corrupt, db_error, keyset, record_change, write_error};

pub struct SeaOrmApiKeyRepository {
    db: DatabaseConnection,
}

impl SeaOrmApiKeyRepository {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn to_model(k: &ApiKey) -> api_keys::Model {
    let (school, business, student) = k.binding.parts();
    api_keys::Model {
        id: k.id.as_uuid(),
        tenant_id: k.tenant_id.map(|t| t.as_uuid()),
        name: k.name.to_string(),
        role: k.role.code().to_owned(),
        school_id: school.map(|id| id.as_uuid()),
        business_id: business.map(|id| id.as_uuid()),
        student_id: student.map(|id| id.as_uuid()),
        issued_by: k.issued_by.map(|id| id.as_uuid()),
        prefix: k.prefix.clone(),
        digest: k.digest.clone(),
        created_at: k.created_at,
        expires_at: k.expires_at,
        last_used_at: k.last_used_at,
        revoked_at: k.revoked_at,
    }
}

fn from_model(m: api_keys::Model) -> DomainResult<ApiKey> {
    let bad = |e: String| corrupt("api key", e);
    let binding = Binding::from_parts(
        m.school_id.map(SchoolId::from_uuid),
        m.business_id.map(BusinessId::from_uuid),
        m.student_id.map(StudentId::from_uuid),
    );
    Ok(ApiKey {
        id: ApiKeyId::from_uuid(m.id),
        tenant_id: m.tenant_id.map(TenantId::from_uuid),
        name: Name::parse(&m.name).map_err(bad)?,
        role: Role::parse(&m.role).map_err(bad)?,
        binding,
        prefix: m.prefix,
        digest: m.digest,
        created_at: m.created_at,
        expires_at: m.expires_at,
        last_used_at: m.last_used_at,
        revoked_at: m.revoked_at,
        issued_by: m.issued_by.map(ApiKeyId::from_uuid),
    })
}

/// How a key's changes are in the feed: an organisation's key for the city, a pupil's
/// or guardian's token (as `access_token`) for the pupil's school.
fn feed_entry(key: &ApiKey) -> (&'static str, Audience) {
    match key.binding {
        Binding::Student { school, .. } => (resource::ACCESS_TOKEN, Audience::Pupil { school }),
        _ => (resource::API_KEY, Audience::Admins),
    }
}

#[async_trait]
impl ApiKeyRepository for SeaOrmApiKeyRepository {
    async fn insert(&self, key: &ApiKey) -> DomainResult<()> {
        let txn = begin_write(&self.db).await?;
        api_keys::Entity::insert(to_model(key).into_active_model().reset_all())
            .exec(&txn)
            .await
            .map_err(|e| write_error(e, "this key exists"))?;
        if let Some(tenant) = key.tenant_id {
            record_change(
                &txn,
                tenant.as_uuid(),
                NewChange {
                    resource: feed_entry(key).0,
                    id: key.id.as_uuid(),
                    op: ChangeOp::Created,
                    version: 1,
                    at: key.created_at,
                    audience: feed_entry(key).1,
                    status: None,
                    event: None,
                },
            )
            .await?;
        }
        txn.commit().await.map_err(db_error)
    }

    async fn find_by_digest(&self, digest: &str) -> DomainResult<Option<ApiKey>> {
        api_keys::Entity::find()
            .filter(api_keys::Column::Digest.eq(digest))
            .one(&self.db)
            .await
            .map_err(db_error)?
            .map(from_model)
            .transpose()
    }

    async fn get(&self, tenant: TenantId, id: ApiKeyId) -> DomainResult<Option<ApiKey>> {
        api_keys::scoped(tenant.as_uuid())
            .filter(api_keys::Column::Id.eq(id.as_uuid()))
            .one(&self.db)
            .await
            .map_err(db_error)?
            .map(from_model)
            .transpose()
    }

    async fn list(&self, tenant: TenantId, page: &PageRequest) -> DomainResult<Vec<ApiKey>> {
        let query = keyset(
            api_keys::scoped(tenant.as_uuid()).filter(api_keys::Column::StudentId.is_null()),
            api_keys::Column::Id,
            page,
        );
        query
            .all(&self.db)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(from_model)
            .collect()
    }

    async fn student_tokens(
        &self,
        tenant: TenantId,
        student: StudentId,
        page: &PageRequest,
    ) -> DomainResult<Vec<ApiKey>> {
        let query = keyset(
            api_keys::scoped(tenant.as_uuid())
                .filter(api_keys::Column::StudentId.eq(student.as_uuid())),
            api_keys::Column::Id,
            page,
        );
        query
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
        which: Revocation,
        at: DateTime<Utc>,
    ) -> DomainResult<Vec<ApiKey>> {
        let txn = begin_write(&self.db).await?;
        let reached = match which {
            Revocation::Key(id) => Condition::any()
                .add(api_keys::Column::Id.eq(id.as_uuid()))
                .add(api_keys::Column::IssuedBy.eq(id.as_uuid())),
            Revocation::StudentTokens(student) => {
                Condition::all().add(api_keys::Column::StudentId.eq(student.as_uuid()))
            }
        };
        let live = api_keys::scoped(tenant.as_uuid())
            .filter(reached)
            .filter(api_keys::Column::RevokedAt.is_null());
        let ended: Vec<ApiKey> = live
            .all(&txn)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(|m| {
                from_model(m).map(|k| ApiKey {
                    revoked_at: Some(at),
                    ..k
                })
            })
            .collect::<DomainResult<_>>()?;
        if ended.is_empty() {
            return Ok(ended);
        }
        api_keys::Entity::update_many()
            .col_expr(api_keys::Column::RevokedAt, Expr::value(at))
            .filter(api_keys::Column::Id.is_in(ended.iter().map(|k| k.id.as_uuid())))
            .filter(api_keys::Column::RevokedAt.is_null())
            .exec(&txn)
            .await
            .map_err(db_error)?;
        for key in &ended {
            record_change(
                &txn,
                tenant.as_uuid(),
                NewChange {
                    resource: feed_entry(key).0,
                    id: key.id.as_uuid(),
                    op: ChangeOp::Deleted,
                    version: 2,
                    at,
                    audience: feed_entry(key).1,
                    status: None,
                    event: None,
                },
            )
            .await?;
        }
        txn.commit().await.map_err(db_error)?;
        Ok(ended)
    }

    async fn touch(&self, key: &ApiKey, at: DateTime<Utc>) -> DomainResult<()> {
        api_keys::Entity::update_many()
            .col_expr(api_keys::Column::LastUsedAt, Expr::value(at))
            .filter(api_keys::Column::Id.eq(key.id.as_uuid()))
            .exec(&self.db)
            .await
            .map_err(db_error)?;
        Ok(())
    }
}
