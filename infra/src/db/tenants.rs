use async_trait::async_trait;
use driehoek_domain::changes::{Audience, ChangeOp, resource};
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::TenantId;
use driehoek_domain::paging::PageRequest;
use driehoek_domain::tenants::{
    CoachScreeningPolicy, Tenant, TenantRepository, TenantSettings, TenantStatus,
};
use driehoek_domain::values::{CountryCode, Locale, Name, TenantSlug, Timezone, WebOrigin};
use driehoek_domain::vocabularies::Vocabulary;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    Set,
};

use super::entities::{tenant_change_counters, tenants};
use super::{
    NewChange, begin_write, corrupt, db_error, encode_codes, keyset, parse_codes, record_change,
    write_error,
};

pub struct SeaOrmTenantRepository {
    db: DatabaseConnection,
}

impl SeaOrmTenantRepository {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

pub(crate) fn to_model(t: &Tenant) -> tenants::Model {
    tenants::Model {
        id: t.id.as_uuid(),
        slug: t.slug.as_str().to_owned(),
        name: t.name.to_string(),
        country: t.country.as_str().to_owned(),
        locale: t.locale.as_str().to_owned(),
        timezone: t.timezone.as_str().to_owned(),
        status: t.status.code().to_owned(),
        rate_limit_per_minute: t
            .settings
            .rate_limit_per_minute
            .map(|v| i32::try_from(v).unwrap_or(i32::MAX)),
        small_cell_threshold: i32::try_from(t.settings.small_cell_threshold).unwrap_or(i32::MAX),
        coach_screening: t.settings.coach_screening.code().to_owned(),
        consent_age: i32::from(t.settings.consent_age),
        allowed_origins: encode_codes(t.settings.allowed_origins.iter().map(WebOrigin::as_str)),
        version: t.version,
        created_at: t.created_at,
        updated_at: t.updated_at,
    }
}

pub(crate) fn from_model(m: tenants::Model) -> DomainResult<Tenant> {
    let bad = |e: String| corrupt("tenant", e);
    Ok(Tenant {
        id: TenantId::from_uuid(m.id),
        slug: TenantSlug::parse(&m.slug).map_err(bad)?,
        name: Name::parse(&m.name).map_err(bad)?,
        country: CountryCode::parse(&m.country).map_err(bad)?,
        locale: Locale::parse(&m.locale).map_err(bad)?,
        timezone: Timezone::parse(&m.timezone).map_err(bad)?,
        status: TenantStatus::parse(&m.status).map_err(bad)?,
        settings: TenantSettings {
            rate_limit_per_minute: m.rate_limit_per_minute.and_then(|v| u32::try_from(v).ok()),
            small_cell_threshold: u32::try_from(m.small_cell_threshold)
                .map_err(|e| bad(e.to_string()))?,
            coach_screening: CoachScreeningPolicy::parse(&m.coach_screening).map_err(bad)?,
            consent_age: u8::try_from(m.consent_age).map_err(|e| bad(e.to_string()))?,
            allowed_origins: parse_codes(&m.allowed_origins, WebOrigin::parse).map_err(bad)?,
        },
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

#[async_trait]
impl TenantRepository for SeaOrmTenantRepository {
    async fn insert(&self, tenant: &Tenant) -> DomainResult<()> {
        let txn = begin_write(&self.db).await?;
        tenants::Entity::insert(to_model(tenant).into_active_model().reset_all())
            .exec(&txn)
            .await
            .map_err(|e| write_error(e, "a tenant with this slug exists"))?;
        tenant_change_counters::ActiveModel {
            tenant_id: Set(tenant.id.as_uuid()),
            last_seq: Set(0),
        }
        .insert(&txn)
        .await
        .map_err(db_error)?;
        record_change(
            &txn,
            tenant.id.as_uuid(),
            NewChange {
                resource: resource::TENANT,
                id: tenant.id.as_uuid(),
                op: ChangeOp::Created,
                version: tenant.version,
                at: tenant.created_at,
                audience: Audience::Admins,
                status: None,
                event: None,
            },
        )
        .await?;
        txn.commit().await.map_err(db_error)
    }

    async fn get(&self, id: TenantId) -> DomainResult<Option<Tenant>> {
        tenants::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(db_error)?
            .map(from_model)
            .transpose()
    }

    async fn get_by_slug(&self, slug: &str) -> DomainResult<Option<Tenant>> {
        tenants::Entity::find()
            .filter(tenants::Column::Slug.eq(slug))
            .one(&self.db)
            .await
            .map_err(db_error)?
            .map(from_model)
            .transpose()
    }

    async fn list(&self, page: &PageRequest) -> DomainResult<Vec<Tenant>> {
        let query = keyset(tenants::Entity::find(), tenants::Column::Id, page);
        query
            .all(&self.db)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(from_model)
            .collect()
    }

    async fn update(&self, tenant: &Tenant, expected_version: i64) -> DomainResult<bool> {
        let txn = begin_write(&self.db).await?;
        let updated = tenants::Entity::update_many()
            .set(to_model(tenant).into_active_model().reset_all())
            .filter(tenants::Column::Id.eq(tenant.id.as_uuid()))
            .filter(tenants::Column::Version.eq(expected_version))
            .exec(&txn)
            .await
            .map_err(db_error)?
            .rows_affected;
        if updated == 0 {
            return Ok(false);
        }
        record_change(
            &txn,
            tenant.id.as_uuid(),
            NewChange {
                resource: resource::TENANT,
                id: tenant.id.as_uuid(),
                op: ChangeOp::Updated,
                version: tenant.version,
                at: tenant.updated_at,
                audience: Audience::Admins,
                status: None,
                event: None,
            },
        )
        .await?;
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }
}
