use async_trait::async_trait;
use driehoek_domain::changes::Audience;
use driehoek_domain::clock::SharedClock;
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{BusinessId, ProgrammeId, ProgrammeMemberId, SchoolId, TenantId};
use driehoek_domain::paging::PageRequest;
use driehoek_domain::programmes::{
    Funding, MemberOrg, MemberRole, Programme, ProgrammeFilter, ProgrammeMember,
    ProgrammeRepository, ProgrammeStatus,
};
use driehoek_domain::values::{Description, Name, ShortText};
use driehoek_domain::vocabularies::{Competence, Vocabulary};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, IntoActiveModel, QueryFilter};
use serde::{Deserialize, Serialize};

use super::entities::{programme_members, programmes};
use super::read_pool::ReadPool;
use super::read_pool::{OnReadPool, one_by_key};
use super::versioned::{self, RowChange};
use super::{
    begin_write, contains_text, corrupt, db_error, encode_codes, holds_code, keyset, parse_codes,
};

pub struct SeaOrmProgrammeRepository {
    db: DatabaseConnection,
    reads: ReadPool,
    /// When deletions are recorded in the change log.
    clock: SharedClock,
}

impl SeaOrmProgrammeRepository {
    pub(crate) fn new(db: DatabaseConnection, reads: ReadPool, clock: SharedClock) -> Self {
        Self { db, reads, clock }
    }
}

/// The stored shape of one funding line.
#[derive(Serialize, Deserialize)]
struct StoredFunding {
    source: String,
    amount_cents: i64,
    reference: Option<String>,
}

fn row(p: &Programme) -> RowChange {
    RowChange {
        tenant: p.tenant_id.as_uuid(),
        id: p.id.as_uuid(),
        version: p.version,
        at: p.updated_at,
        audience: Audience::Public,
        status: None,
        event: None,
    }
}

fn to_model(p: &Programme) -> programmes::Model {
    let funding: Vec<StoredFunding> = p
        .funding
        .iter()
        .map(|f| StoredFunding {
            source: f.source.to_string(),
            amount_cents: f.amount_cents,
            reference: f.reference.as_ref().map(|r| r.to_string()),
        })
        .collect();
    programmes::Model {
        tenant_id: p.tenant_id.as_uuid(),
        id: p.id.as_uuid(),
        version: p.version,
        created_at: p.created_at,
        updated_at: p.updated_at,
        name: p.name.to_string(),
        description: p.description.as_ref().map(|d| d.to_string()),
        owner: p.owner.as_ref().map(|o| o.to_string()),
        starts_on: p.starts_on,
        ends_on: p.ends_on,
        status: p.status.code().to_owned(),
        funding: serde_json::to_string(&funding).unwrap_or_else(|_| "[]".to_owned()),
        target_participants_per_year: p
            .target_participants_per_year
            .map(|v| i32::try_from(v).unwrap_or(i32::MAX)),
        competences: encode_codes(p.competences.iter().map(|c| c.code())),
    }
}

fn from_model(m: programmes::Model) -> DomainResult<Programme> {
    let bad = |e: String| corrupt("programme", e);
    let stored: Vec<StoredFunding> =
        serde_json::from_str(&m.funding).map_err(|e| bad(e.to_string()))?;
    let funding = stored
        .into_iter()
        .map(|f| {
            Ok(Funding {
                source: ShortText::parse(&f.source)?,
                amount_cents: f.amount_cents,
                reference: f.reference.as_deref().map(ShortText::parse).transpose()?,
            })
        })
        .collect::<Result<_, String>>()
        .map_err(bad)?;
    Ok(Programme {
        id: ProgrammeId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        name: Name::parse(&m.name).map_err(bad)?,
        description: m
            .description
            .as_deref()
            .map(Description::parse)
            .transpose()
            .map_err(bad)?,
        owner: m
            .owner
            .as_deref()
            .map(Name::parse)
            .transpose()
            .map_err(bad)?,
        starts_on: m.starts_on,
        ends_on: m.ends_on,
        status: ProgrammeStatus::parse(&m.status).map_err(bad)?,
        funding,
        target_participants_per_year: m
            .target_participants_per_year
            .and_then(|v| u32::try_from(v).ok()),
        competences: parse_codes(&m.competences, Competence::parse).map_err(bad)?,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn member_row(m: &ProgrammeMember) -> RowChange {
    RowChange {
        tenant: m.tenant_id.as_uuid(),
        id: m.id.as_uuid(),
        version: m.version,
        at: m.updated_at,
        audience: Audience::Public,
        status: None,
        event: None,
    }
}

fn member_to_model(m: &ProgrammeMember) -> programme_members::Model {
    let (school_id, business_id) = match m.org {
        MemberOrg::School(id) => (Some(id.as_uuid()), None),
        MemberOrg::Business(id) => (None, Some(id.as_uuid())),
    };
    programme_members::Model {
        tenant_id: m.tenant_id.as_uuid(),
        id: m.id.as_uuid(),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
        programme_id: m.programme_id.as_uuid(),
        school_id,
        business_id,
        role: m.role.code().to_owned(),
        joined_on: m.joined_on,
        left_on: m.left_on,
    }
}

fn member_from_model(m: programme_members::Model) -> DomainResult<ProgrammeMember> {
    let bad = |e: String| corrupt("programme member", e);
    let org = match (m.school_id, m.business_id) {
        (Some(school), None) => MemberOrg::School(SchoolId::from_uuid(school)),
        (None, Some(business)) => MemberOrg::Business(BusinessId::from_uuid(business)),
        _ => return Err(bad("must name exactly one school or business".to_owned())),
    };
    Ok(ProgrammeMember {
        id: ProgrammeMemberId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        programme_id: ProgrammeId::from_uuid(m.programme_id),
        org,
        role: MemberRole::parse(&m.role).map_err(bad)?,
        joined_on: m.joined_on,
        left_on: m.left_on,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

const DUPLICATE_MEMBER: &str = "this organisation is already a member of the programme";

#[async_trait]
impl ProgrammeRepository for SeaOrmProgrammeRepository {
    async fn insert(&self, programme: &Programme) -> DomainResult<()> {
        let model = to_model(programme).into_active_model().reset_all();
        versioned::insert::<programmes::Entity>(
            &self.db,
            row(programme),
            model,
            "this programme exists",
        )
        .await
    }

    async fn get(&self, tenant: TenantId, id: ProgrammeId) -> DomainResult<Option<Programme>> {
        one_by_key::<programmes::Entity, programmes::Model>(
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
        filter: &ProgrammeFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<Programme>> {
        let mut query = keyset(
            programmes::scoped(tenant.as_uuid()),
            programmes::Column::Id,
            page,
        );
        if let Some(q) = &filter.q {
            query = query.filter(contains_text(
                self.db.get_database_backend(),
                programmes::Column::Name,
                q,
            ));
        }
        if let Some(status) = filter.status {
            query = query.filter(programmes::Column::Status.eq(status.code()));
        }
        if let Some(competence) = filter.competence {
            query = query.filter(
                Expr::col(programmes::Column::Competences).like(holds_code(competence.code())),
            );
        }
        if let Some(since) = filter.updated_since {
            query = query.filter(programmes::Column::UpdatedAt.gte(since));
        }
        query
            .all_on(&self.reads)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(from_model)
            .collect()
    }

    async fn update(&self, programme: &Programme, expected_version: i64) -> DomainResult<bool> {
        let model = to_model(programme).into_active_model().reset_all();
        versioned::update::<programmes::Entity>(
            &self.db,
            row(programme),
            model,
            expected_version,
            "this programme exists",
        )
        .await
    }

    async fn delete(&self, programme: &Programme) -> DomainResult<bool> {
        let (tenant, id) = (programme.tenant_id.as_uuid(), programme.id.as_uuid());
        let txn = begin_write(&self.db).await?;
        let members = programme_members::scoped(tenant)
            .filter(programme_members::Column::ProgrammeId.eq(id))
            .all(&txn)
            .await
            .map_err(db_error)?;
        for member in members {
            versioned::delete_in::<programme_members::Entity>(
                &txn,
                tenant,
                (member.id, member.version),
                Audience::Public,
                self.clock.now(),
            )
            .await?;
        }
        if !versioned::delete_in::<programmes::Entity>(
            &txn,
            tenant,
            (id, programme.version),
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

    async fn insert_member(&self, member: &ProgrammeMember) -> DomainResult<()> {
        let model = member_to_model(member).into_active_model().reset_all();
        versioned::insert::<programme_members::Entity>(
            &self.db,
            member_row(member),
            model,
            DUPLICATE_MEMBER,
        )
        .await
    }

    async fn get_member(
        &self,
        tenant: TenantId,
        programme: ProgrammeId,
        id: ProgrammeMemberId,
    ) -> DomainResult<Option<ProgrammeMember>> {
        programme_members::scoped(tenant.as_uuid())
            .filter(programme_members::Column::ProgrammeId.eq(programme.as_uuid()))
            .filter(programme_members::Column::Id.eq(id.as_uuid()))
            .one_on(&self.reads)
            .await
            .map_err(db_error)?
            .map(member_from_model)
            .transpose()
    }

    async fn list_members(
        &self,
        tenant: TenantId,
        programme: ProgrammeId,
        page: &PageRequest,
    ) -> DomainResult<Vec<ProgrammeMember>> {
        let query = keyset(
            programme_members::scoped(tenant.as_uuid())
                .filter(programme_members::Column::ProgrammeId.eq(programme.as_uuid())),
            programme_members::Column::Id,
            page,
        );
        query
            .all_on(&self.reads)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(member_from_model)
            .collect()
    }

    async fn update_member(
        &self,
        member: &ProgrammeMember,
        expected_version: i64,
    ) -> DomainResult<bool> {
        let model = member_to_model(member).into_active_model().reset_all();
        versioned::update::<programme_members::Entity>(
            &self.db,
            member_row(member),
            model,
            expected_version,
            DUPLICATE_MEMBER,
        )
        .await
    }

    async fn delete_member(&self, member: &ProgrammeMember) -> DomainResult<bool> {
        versioned::delete::<programme_members::Entity>(
            &self.db,
            member.tenant_id.as_uuid(),
            (member.id.as_uuid(), member.version),
            Audience::Public,
            self.clock.now(),
        )
        .await
    }
}
