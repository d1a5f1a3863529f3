//! Talent portfolios: the entries of each pupil, sealed across schools where the
//! portfolio did not move with the pupil.

use async_trait::async_trait;
use driehoek_domain::audit::AuditEvent;
use driehoek_domain::changes::Audience;
use driehoek_domain::clock::SharedClock;
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{BookingId, PortfolioEntryId, SchoolId, StudentId, TenantId};
use driehoek_domain::paging::PageRequest;
use driehoek_domain::students::{
    EntryAuthor, EntryFilter, PortfolioEntry, PortfolioRepository, Student,
};
use driehoek_domain::values::{EntryBody, IscoCode, Name, WebUrl};
use driehoek_domain::vocabularies::{Competence, NaceSection, PortfolioEntryKind, Vocabulary};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, IntoActiveModel, QueryFilter, QueryOrder,
};

use super::audit::audit_in;
use super::entities::portfolio_entries;
use super::read_pool::ReadPool;
use super::read_pool::{OnReadPool, one_by_key};
use super::students::pupil_audience;
use super::versioned::{self, RowChange};
use super::{begin_write, corrupt, db_error, encode_codes, keyset, parse_codes};

pub struct SeaOrmPortfolioRepository {
    db: DatabaseConnection,
    reads: ReadPool,
    /// When deletions are recorded in the change log.
    clock: SharedClock,
}

impl SeaOrmPortfolioRepository {
    pub(crate) fn new(db: DatabaseConnection, reads: ReadPool, clock: SharedClock) -> Self {
        Self { db, reads, clock }
    }
}

/// The change of an entry for `audience`: a new entry's school is the pupil's
/// current one (`entry_row`); a later write asks [`pupil_audience`].
pub(crate) fn entry_row_for(e: &PortfolioEntry, audience: Audience) -> RowChange {
    RowChange {
        tenant: e.tenant_id.as_uuid(),
        id: e.id.as_uuid(),
        version: e.version,
        at: e.updated_at,
        audience,
        status: None,
        event: None,
    }
}

/// The change of a new entry: for the school the pupil is at now.
pub(crate) fn entry_row(e: &PortfolioEntry) -> RowChange {
    entry_row_for(
        e,
        Audience::Pupil {
            school: e.school_id,
        },
    )
}

pub(crate) fn entry_model(e: &PortfolioEntry) -> portfolio_entries::ActiveModel {
    portfolio_entries::Model {
        tenant_id: e.tenant_id.as_uuid(),
        id: e.id.as_uuid(),
        version: e.version,
        created_at: e.created_at,
        updated_at: e.updated_at,
        student_id: e.student_id.as_uuid(),
        school_id: e.school_id.as_uuid(),
        competence: e.competence.code().to_owned(),
        kind: e.kind.code().to_owned(),
        title: e.title.to_string(),
        body: e.body.to_string(),
        sectors: encode_codes(e.sectors.iter().map(|s| s.code())),
        occupations: encode_codes(e.occupations.iter().map(|o| o.as_str())),
        evidence_url: e.evidence_url.as_ref().map(|u| u.as_str().to_owned()),
        booking_id: e.booking_id.map(|b| b.as_uuid()),
        shared_with_business: e.shared_with_business,
        author_role: e.author_role.code().to_owned(),
    }
    .into_active_model()
    .reset_all()
}

fn entry_from_model(m: portfolio_entries::Model) -> DomainResult<PortfolioEntry> {
    let bad = |e: String| corrupt("portfolio entry", e);
    Ok(PortfolioEntry {
        id: PortfolioEntryId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        student_id: StudentId::from_uuid(m.student_id),
        school_id: SchoolId::from_uuid(m.school_id),
        competence: Competence::parse(&m.competence).map_err(bad)?,
        kind: PortfolioEntryKind::parse(&m.kind).map_err(bad)?,
        title: Name::parse(&m.title).map_err(bad)?,
        body: EntryBody::parse(&m.body).map_err(bad)?,
        sectors: parse_codes(&m.sectors, NaceSection::parse).map_err(bad)?,
        occupations: parse_codes(&m.occupations, IscoCode::parse).map_err(bad)?,
        evidence_url: m
            .evidence_url
            .as_deref()
            .map(WebUrl::parse)
            .transpose()
            .map_err(bad)?,
        booking_id: m.booking_id.map(BookingId::from_uuid),
        shared_with_business: m.shared_with_business,
        author_role: EntryAuthor::parse(&m.author_role).map_err(bad)?,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

#[async_trait]
impl PortfolioRepository for SeaOrmPortfolioRepository {
    async fn insert(&self, entry: &PortfolioEntry, audit: &AuditEvent) -> DomainResult<()> {
        let txn = begin_write(&self.db).await?;
        audit_in(&txn, std::slice::from_ref(audit)).await?;
        versioned::insert_in::<portfolio_entries::Entity>(
            &txn,
            entry_row(entry),
            entry_model(entry),
            "this entry exists",
        )
        .await?;
        txn.commit().await.map_err(db_error)
    }

    async fn get(
        &self,
        tenant: TenantId,
        id: PortfolioEntryId,
    ) -> DomainResult<Option<PortfolioEntry>> {
        one_by_key::<portfolio_entries::Entity, portfolio_entries::Model>(
            &self.reads,
            tenant.as_uuid(),
            id.as_uuid(),
        )
        .await
        .map_err(db_error)?
        .map(entry_from_model)
        .transpose()
    }

    async fn list(
        &self,
        tenant: TenantId,
        student: &Student,
        filter: &EntryFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<PortfolioEntry>> {
        use portfolio_entries::Column as C;
        let mut query = keyset(
            portfolio_entries::scoped(tenant.as_uuid())
                .filter(C::StudentId.eq(student.id.as_uuid())),
            C::Id,
            page,
        );
        if let Some(from) = student.portfolio_open_from {
            query = query.filter(C::CreatedAt.gte(from));
        }
        if let Some(competence) = filter.competence {
            query = query.filter(C::Competence.eq(competence.code()));
        }
        if let Some(kind) = filter.kind {
            query = query.filter(C::Kind.eq(kind.code()));
        }
        if let Some(booking) = filter.booking_id {
            query = query.filter(C::BookingId.eq(booking.as_uuid()));
        }
        query
            .all_on(&self.reads)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(entry_from_model)
            .collect()
    }

    async fn all(&self, tenant: TenantId, student: StudentId) -> DomainResult<Vec<PortfolioEntry>> {
        portfolio_entries::scoped(tenant.as_uuid())
            .filter(portfolio_entries::Column::StudentId.eq(student.as_uuid()))
            .order_by_asc(portfolio_entries::Column::Id)
            .all_on(&self.reads)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(entry_from_model)
            .collect()
    }

    async fn on_booking(
        &self,
        tenant: TenantId,
        booking: BookingId,
    ) -> DomainResult<Vec<PortfolioEntry>> {
        portfolio_entries::scoped(tenant.as_uuid())
            .filter(portfolio_entries::Column::BookingId.eq(booking.as_uuid()))
            .order_by_asc(portfolio_entries::Column::Id)
            .all_on(&self.reads)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(entry_from_model)
            .collect()
    }

    async fn update(
        &self,
        entry: &PortfolioEntry,
        expected_version: i64,
        audit: &AuditEvent,
    ) -> DomainResult<bool> {
        let txn = begin_write(&self.db).await?;
        audit_in(&txn, std::slice::from_ref(audit)).await?;
        let audience = pupil_audience(&txn, entry.tenant_id, entry.student_id).await?;
        if !versioned::update_in::<portfolio_entries::Entity>(
            &txn,
            entry_row_for(entry, audience),
            entry_model(entry),
            expected_version,
            "this entry exists",
        )
        .await?
        {
            return Ok(false);
        }
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn delete(&self, entry: &PortfolioEntry, audit: &AuditEvent) -> DomainResult<bool> {
        let txn = begin_write(&self.db).await?;
        audit_in(&txn, std::slice::from_ref(audit)).await?;
        let audience = pupil_audience(&txn, entry.tenant_id, entry.student_id).await?;
        // A host's talent note goes with the entry it made.
        super::talent_notes::delete_of_entry(&txn, entry.tenant_id, entry.id).await?;
        if !versioned::delete_in::<portfolio_entries::Entity>(
            &txn,
            entry.tenant_id.as_uuid(),
            (entry.id.as_uuid(), entry.version),
            audience,
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
