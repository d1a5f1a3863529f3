use async_trait::async_trait;
use driehoek_domain::businesses::{
    Business, BusinessFilter, BusinessRepository, Coach, CoachFilter, CoachRepository,
    ParticipationStatus, Screening,
};
use driehoek_domain::changes::Audience;
use driehoek_domain::clock::SharedClock;
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{BusinessId, CoachId, TenantId};
use driehoek_domain::paging::PageRequest;
use driehoek_domain::values::{
    Description, Email, IscoCode, LanguageCode, Name, RegistrationCode, WebUrl,
};
use driehoek_domain::vocabularies::{BusinessKind, NaceSection, ScreeningKind, Vocabulary};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, IntoActiveModel, QueryFilter};

use super::entities::{api_keys, businesses, coaches, programme_members};
use super::read_pool::ReadPool;
use super::read_pool::{OnReadPool, one_by_key};
use super::schools::{address_columns, address_from_columns, release_keys, remove_memberships};
use super::versioned::{self, RowChange};
use super::{
    begin_write, contains_text, corrupt, db_error, encode_codes, holds_code, keyset, parse_codes,
};

const DUPLICATE: &str = "registration_code is already used by another business in this tenant";

pub struct SeaOrmBusinessRepository {
    db: DatabaseConnection,
    reads: ReadPool,
    /// When deletions are recorded in the change log.
    clock: SharedClock,
}

impl SeaOrmBusinessRepository {
    pub(crate) fn new(db: DatabaseConnection, reads: ReadPool, clock: SharedClock) -> Self {
        Self { db, reads, clock }
    }
}

fn row(b: &Business) -> RowChange {
    RowChange {
        tenant: b.tenant_id.as_uuid(),
        id: b.id.as_uuid(),
        version: b.version,
        at: b.updated_at,
        audience: Audience::Public,
        status: None,
        event: None,
    }
}

fn to_model(b: &Business) -> businesses::Model {
    let (address_street, address_postal_code, address_city) = address_columns(&b.address);
    businesses::Model {
        tenant_id: b.tenant_id.as_uuid(),
        id: b.id.as_uuid(),
        version: b.version,
        created_at: b.created_at,
        updated_at: b.updated_at,
        name: b.name.to_string(),
        kind: b.kind.code().to_owned(),
        registration_code: b.registration_code.as_ref().map(|c| c.as_str().to_owned()),
        sectors: encode_codes(b.sectors.iter().map(|s| s.code())),
        description: b.description.as_ref().map(|d| d.to_string()),
        address_street,
        address_postal_code,
        address_city,
        contact_email: b.contact_email.as_ref().map(|e| e.as_str().to_owned()),
        website: b.website.as_ref().map(|w| w.as_str().to_owned()),
        status: b.status.code().to_owned(),
    }
}

fn from_model(m: businesses::Model) -> DomainResult<Business> {
    let bad = |e: String| corrupt("business", e);
    Ok(Business {
        id: BusinessId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        name: Name::parse(&m.name).map_err(bad)?,
        kind: BusinessKind::parse(&m.kind).map_err(bad)?,
        registration_code: m
            .registration_code
            .as_deref()
            .map(RegistrationCode::parse)
            .transpose()
            .map_err(bad)?,
        sectors: parse_codes(&m.sectors, NaceSection::parse).map_err(bad)?,
        description: m
            .description
            .as_deref()
            .map(Description::parse)
            .transpose()
            .map_err(bad)?,
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
        status: ParticipationStatus::parse(&m.status).map_err(bad)?,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

#[async_trait]
impl BusinessRepository for SeaOrmBusinessRepository {
    async fn insert(&self, business: &Business) -> DomainResult<()> {
        let model = to_model(business).into_active_model().reset_all();
        versioned::insert::<businesses::Entity>(&self.db, row(business), model, DUPLICATE).await
    }

    async fn get(&self, tenant: TenantId, id: BusinessId) -> DomainResult<Option<Business>> {
        one_by_key::<businesses::Entity, businesses::Model>(
            &self.reads,
            tenant.as_uuid(),
            id.as_uuid(),
        )
        .await
        .map_err(db_error)?
        .map(from_model)
        .transpose()
    }

    async fn list(
        &self,
        tenant: TenantId,
        filter: &BusinessFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<Business>> {
        let mut query = keyset(
            businesses::scoped(tenant.as_uuid()),
            businesses::Column::Id,
            page,
        );
        if let Some(q) = &filter.q {
            query = query.filter(contains_text(
                self.db.get_database_backend(),
                businesses::Column::Name,
                q,
            ));
        }
        if let Some(kind) = filter.kind {
            query = query.filter(businesses::Column::Kind.eq(kind.code()));
        }
        if let Some(sector) = filter.sector {
            query = query
                .filter(Expr::col(businesses::Column::Sectors).like(holds_code(sector.code())));
        }
        if let Some(status) = filter.status {
            query = query.filter(businesses::Column::Status.eq(status.code()));
        }
        if let Some(since) = filter.updated_since {
            query = query.filter(businesses::Column::UpdatedAt.gte(since));
        }
        query
            .all_on(&self.reads)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(from_model)
            .collect()
    }

    async fn update(&self, business: &Business, expected_version: i64) -> DomainResult<bool> {
        let model = to_model(business).into_active_model().reset_all();
        versioned::update::<businesses::Entity>(
            &self.db,
            row(business),
            model,
            expected_version,
            DUPLICATE,
        )
        .await
    }

    async fn delete(&self, business: &Business) -> DomainResult<bool> {
        let (tenant, id) = (business.tenant_id.as_uuid(), business.id.as_uuid());
        let txn = begin_write(&self.db).await?;
        release_keys(&txn, tenant, api_keys::Column::BusinessId, id).await?;
        remove_memberships(
            &txn,
            tenant,
            (programme_members::Column::BusinessId, id),
            self.clock.now(),
        )
        .await?;
        super::webhooks::remove_endpoints_of_business(&txn, tenant, id, self.clock.now()).await?;
        let coach_rows = coaches::scoped(tenant)
            .filter(coaches::Column::BusinessId.eq(id))
            .all(&txn)
            .await
            .map_err(db_error)?;
        for coach in coach_rows {
            versioned::delete_in::<coaches::Entity>(
                &txn,
                tenant,
                (coach.id, coach.version),
                Audience::Public,
                self.clock.now(),
            )
            .await?;
        }
        if !versioned::delete_in::<businesses::Entity>(
            &txn,
            tenant,
            (id, business.version),
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

pub struct SeaOrmCoachRepository {
    db: DatabaseConnection,
    reads: ReadPool,
    /// When deletions are recorded in the change log.
    clock: SharedClock,
}

impl SeaOrmCoachRepository {
    pub(crate) fn new(db: DatabaseConnection, reads: ReadPool, clock: SharedClock) -> Self {
        Self { db, reads, clock }
    }
}

fn coach_row(c: &Coach) -> RowChange {
    RowChange {
        tenant: c.tenant_id.as_uuid(),
        id: c.id.as_uuid(),
        version: c.version,
        at: c.updated_at,
        audience: Audience::Public,
        status: None,
        event: None,
    }
}

fn coach_to_model(c: &Coach) -> coaches::Model {
    coaches::Model {
        tenant_id: c.tenant_id.as_uuid(),
        id: c.id.as_uuid(),
        version: c.version,
        created_at: c.created_at,
        updated_at: c.updated_at,
        business_id: c.business_id.as_uuid(),
        display_name: c.display_name.to_string(),
        bio: c.bio.as_ref().map(|b| b.to_string()),
        occupations: encode_codes(c.occupations.iter().map(|o| o.as_str())),
        languages: encode_codes(c.languages.iter().map(|l| l.as_str())),
        screening_kind: c.screening.as_ref().map(|s| s.kind.code().to_owned()),
        screening_verified_on: c.screening.as_ref().map(|s| s.verified_on),
        screening_valid_until: c.screening.as_ref().and_then(|s| s.valid_until),
        status: c.status.code().to_owned(),
    }
}

fn coach_from_model(m: coaches::Model) -> DomainResult<Coach> {
    let bad = |e: String| corrupt("coach", e);
    let screening = match (m.screening_kind.as_deref(), m.screening_verified_on) {
        (Some(kind), Some(verified_on)) => Some(
            Screening::new(
                ScreeningKind::parse(kind).map_err(bad)?,
                verified_on,
                m.screening_valid_until,
            )
            .map_err(bad)?,
        ),
        _ => None,
    };
    Ok(Coach {
        id: CoachId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        business_id: BusinessId::from_uuid(m.business_id),
        display_name: Name::parse(&m.display_name).map_err(bad)?,
        bio: m
            .bio
            .as_deref()
            .map(Description::parse)
            .transpose()
            .map_err(bad)?,
        occupations: parse_codes(&m.occupations, IscoCode::parse).map_err(bad)?,
        languages: parse_codes(&m.languages, LanguageCode::parse).map_err(bad)?,
        screening,
        status: ParticipationStatus::parse(&m.status).map_err(bad)?,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

#[async_trait]
impl CoachRepository for SeaOrmCoachRepository {
    async fn insert(&self, coach: &Coach) -> DomainResult<()> {
        let model = coach_to_model(coach).into_active_model().reset_all();
        versioned::insert::<coaches::Entity>(&self.db, coach_row(coach), model, "this coach exists")
            .await
    }

    async fn get(
        &self,
        tenant: TenantId,
        business: BusinessId,
        id: CoachId,
    ) -> DomainResult<Option<Coach>> {
        coaches::scoped(tenant.as_uuid())
            .filter(coaches::Column::BusinessId.eq(business.as_uuid()))
            .filter(coaches::Column::Id.eq(id.as_uuid()))
            .one_on(&self.reads)
            .await
            .map_err(db_error)?
            .map(coach_from_model)
            .transpose()
    }

    async fn list(
        &self,
        tenant: TenantId,
        business: BusinessId,
        filter: &CoachFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<Coach>> {
        let mut query = keyset(
            coaches::scoped(tenant.as_uuid())
                .filter(coaches::Column::BusinessId.eq(business.as_uuid())),
            coaches::Column::Id,
            page,
        );
        if let Some(status) = filter.status {
            query = query.filter(coaches::Column::Status.eq(status.code()));
        }
        if let Some(occupation) = &filter.occupation {
            query = query.filter(
                Expr::col(coaches::Column::Occupations).like(holds_code(occupation.as_str())),
            );
        }
        if let Some(since) = filter.updated_since {
            query = query.filter(coaches::Column::UpdatedAt.gte(since));
        }
        query
            .all_on(&self.reads)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(coach_from_model)
            .collect()
    }

    async fn update(&self, coach: &Coach, expected_version: i64) -> DomainResult<bool> {
        let model = coach_to_model(coach).into_active_model().reset_all();
        versioned::update::<coaches::Entity>(
            &self.db,
            coach_row(coach),
            model,
            expected_version,
            "this coach exists",
        )
        .await
    }

    async fn delete(&self, coach: &Coach) -> DomainResult<bool> {
        versioned::delete::<coaches::Entity>(
            &self.db,
            coach.tenant_id.as_uuid(),
            (coach.id.as_uuid(), coach.version),
            Audience::Public,
            self.clock.now(),
        )
        .await
    }
}
