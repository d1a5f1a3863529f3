use async_trait::async_trait;
use chrono::{DateTime, Utc};
use driehoek_domain::changes::{Audience, ChangeOp, resource};
use driehoek_domain::clock::SharedClock;
use driehoek_domain::error::{ConflictKind, DomainError, DomainResult};
use driehoek_domain::ids::{SchoolId, TenantId};
use driehoek_domain::paging::PageRequest;
use driehoek_domain::schools::{School, SchoolFilter, SchoolRepository};
use driehoek_domain::values::{Address, Email, Name, RegistrationCode, ShortText, WebUrl};
use driehoek_domain::vocabularies::{EducationLevel, SchoolKind, Vocabulary};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use super::entities::{api_keys, programme_members, schools};
use super::read_pool::ReadPool;
use super::versioned::{self, RowChange};
use super::{
    NewChange, all_on_read_pool, begin_write, by_key_on_read_pool, contains_text, corrupt,
    db_error, encode_codes, holds_code, keyset, parse_codes, record_change,
};

const DUPLICATE: &str = "registration_code is already used by another school in this tenant";

pub struct SeaOrmSchoolRepository {
    db: DatabaseConnection,
    reads: ReadPool,
    /// When deletions are recorded in the change log.
    clock: SharedClock,
}

impl SeaOrmSchoolRepository {
    pub(crate) fn new(db: DatabaseConnection, reads: ReadPool, clock: SharedClock) -> Self {
        Self { db, reads, clock }
    }
}

/// Splits an address into its three stored columns.
pub(super) fn address_columns(
    address: &Option<Address>,
) -> (Option<String>, Option<String>, Option<String>) {
    match address {
        Some(a) => (
            Some(a.street.to_string()),
            Some(a.postal_code.to_string()),
            Some(a.city.to_string()),
        ),
        None => (None, None, None),
    }
}

pub(super) fn address_from_columns(
    street: Option<String>,
    postal_code: Option<String>,
    city: Option<String>,
) -> Result<Option<Address>, String> {
    match (street, postal_code, city) {
        (Some(street), Some(postal_code), Some(city)) => Ok(Some(Address {
            street: ShortText::parse(&street)?,
            postal_code: ShortText::parse(&postal_code)?,
            city: ShortText::parse(&city)?,
        })),
        _ => Ok(None),
    }
}

fn row(s: &School) -> RowChange {
    RowChange {
        tenant: s.tenant_id.as_uuid(),
        id: s.id.as_uuid(),
        version: s.version,
        at: s.updated_at,
        audience: Audience::Public,
        status: None,
        event: None,
    }
}

pub(crate) fn to_model(s: &School) -> schools::Model {
    let (address_street, address_postal_code, address_city) = address_columns(&s.address);
    schools::Model {
        tenant_id: s.tenant_id.as_uuid(),
        id: s.id.as_uuid(),
        version: s.version,
        created_at: s.created_at,
        updated_at: s.updated_at,
        name: s.name.to_string(),
        kind: s.kind.code().to_owned(),
        registration_code: s.registration_code.as_ref().map(|c| c.as_str().to_owned()),
        education_levels: encode_codes(s.education_levels.iter().map(|l| l.code())),
        address_street,
        address_postal_code,
        address_city,
        contact_email: s.contact_email.as_ref().map(|e| e.as_str().to_owned()),
        website: s.website.as_ref().map(|w| w.as_str().to_owned()),
    }
}

/// A stored school as the domain holds it.
pub(crate) fn school_from_model(m: schools::Model) -> DomainResult<School> {
    let bad = |e: String| corrupt("school", e);
    Ok(School {
        id: SchoolId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        name: Name::parse_owned(m.name).map_err(bad)?,
        kind: SchoolKind::parse(&m.kind).map_err(bad)?,
        registration_code: m
            .registration_code
            .as_deref()
            .map(RegistrationCode::parse)
            .transpose()
            .map_err(bad)?,
        education_levels: parse_codes(&m.education_levels, EducationLevel::parse).map_err(bad)?,
        address: address_from_columns(m.address_street, m.address_postal_code, m.address_city)
            .map_err(bad)?,
        contact_email: m
            .contact_email
            .as_deref()
            .map(Email::parse)
            .transpose()
            .map_err(bad)?,
        website: m
            .website
            .as_deref()
            .map(WebUrl::parse)
            .transpose()
            .map_err(bad)?,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Refuses to remove an organisation while an unrevoked key acts for it, and clears
/// its revoked keys (dead credentials, kept only until then).
pub(super) async fn release_keys(
    txn: &DatabaseTransaction,
    tenant: Uuid,
    column: api_keys::Column,
    org: Uuid,
) -> DomainResult<()> {
    let active = api_keys::scoped(tenant)
        .filter(column.eq(org))
        .filter(api_keys::Column::RevokedAt.is_null())
        .count(txn)
        .await
        .map_err(db_error)?;
    if active > 0 {
        return Err(DomainError::conflict(
            ConflictKind::ResourceInUse,
            format!("{active} API key(s) still act for it; revoke them first"),
        ));
    }
    api_keys::Entity::delete_many()
        .filter(api_keys::Column::TenantId.eq(tenant))
        .filter(column.eq(org))
        .exec(txn)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// Removes an organisation's programme memberships, recording each as deleted.
pub(super) async fn remove_memberships(
    txn: &DatabaseTransaction,
    tenant: Uuid,
    (column, org): (programme_members::Column, Uuid),
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let members = programme_members::scoped(tenant)
        .filter(column.eq(org))
        .all(txn)
        .await
        .map_err(db_error)?;
    for member in members {
        programme_members::Entity::delete_many()
            .filter(programme_members::Column::TenantId.eq(tenant))
            .filter(programme_members::Column::Id.eq(member.id))
            .exec(txn)
            .await
            .map_err(db_error)?;
        let change = NewChange {
            resource: resource::PROGRAMME_MEMBER,
            id: member.id,
            op: ChangeOp::Deleted,
            version: member.version + 1,
            at: now,
            audience: Audience::Public,
            status: None,
            event: None,
        };
        record_change(txn, tenant, change).await?;
    }
    Ok(())
}

#[async_trait]
impl SchoolRepository for SeaOrmSchoolRepository {
    async fn insert(&self, school: &School) -> DomainResult<()> {
        let model = to_model(school).into_active_model().reset_all();
        versioned::insert::<schools::Entity>(&self.db, row(school), model, DUPLICATE).await
    }

    async fn get(&self, tenant: TenantId, id: SchoolId) -> DomainResult<Option<School>> {
        by_key_on_read_pool::<schools::Entity, _>(
            &self.reads,
            (tenant.as_uuid(), id.as_uuid()),
            school_from_model,
        )
        .await
    }

    async fn list(
        &self,
        tenant: TenantId,
        filter: &SchoolFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<School>> {
        let mut query = keyset(schools::scoped(tenant.as_uuid()), schools::Column::Id, page);
        if let Some(q) = &filter.q {
            query = query.filter(contains_text(
                self.db.get_database_backend(),
                schools::Column::Name,
                q,
            ));
        }
        if let Some(kind) = filter.kind {
            query = query.filter(schools::Column::Kind.eq(kind.code()));
        }
        if let Some(level) = filter.education_level {
            query = query.filter(
                sea_orm::sea_query::Expr::col(schools::Column::EducationLevels)
                    .like(holds_code(level.code())),
            );
        }
        if let Some(since) = filter.updated_since {
            query = query.filter(schools::Column::UpdatedAt.gte(since));
        }
        all_on_read_pool(&self.reads, query, school_from_model).await
    }

    async fn update(&self, school: &School, expected_version: i64) -> DomainResult<bool> {
        let model = to_model(school).into_active_model().reset_all();
        versioned::update::<schools::Entity>(
            &self.db,
            row(school),
            model,
            expected_version,
            DUPLICATE,
        )
        .await
    }

    async fn delete(&self, school: &School) -> DomainResult<bool> {
        let (tenant, id) = (school.tenant_id.as_uuid(), school.id.as_uuid());
        let txn = begin_write(&self.db).await?;
        release_keys(&txn, tenant, api_keys::Column::SchoolId, id).await?;
        remove_memberships(
            &txn,
            tenant,
            (programme_members::Column::SchoolId, id),
            self.clock.now(),
        )
        .await?;
        if !versioned::delete_in::<schools::Entity>(
            &txn,
            tenant,
            (id, school.version),
            Audience::Public,
            self.clock.now(),
        )
        .await?
        {
            return Ok(false);
        }
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }
}
