//! The host's talent notes (DESIGN.md §4 "talent notes"): each stored with the
//! portfolio entry it makes, and withdrawn with it.

use async_trait::async_trait;
use driehoek_domain::audit::AuditEvent;
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{
    BookingId, BusinessId, PortfolioEntryId, SchoolId, StudentId, TalentNoteId, TenantId,
};
use driehoek_domain::students::{
    InterestScope, MAX_INTERESTS, PortfolioEntry, RecruitmentInterest, TalentNote,
    TalentNoteRepository,
};
use driehoek_domain::values::{Description, Email, Name, WebUrl};
use driehoek_domain::vocabularies::{Competence, Vocabulary};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::audit::audit_in;
use super::entities::{businesses, portfolio_entries, talent_notes};
use super::portfolio::{entry_model, entry_row};
use super::students::pupil_audience;
use super::{begin_write, corrupt, db_error, encode_codes, parse_codes, versioned, write_error};

pub struct SeaOrmTalentNoteRepository {
    db: DatabaseConnection,
}

impl SeaOrmTalentNoteRepository {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The tenant's notes that `filter` keeps, oldest first.
    async fn oldest_first(
        &self,
        tenant: TenantId,
        filter: impl sea_orm::sea_query::IntoCondition + Send,
    ) -> DomainResult<Vec<TalentNote>> {
        talent_notes::scoped(tenant.as_uuid())
            .filter(filter)
            .order_by_asc(talent_notes::Column::CreatedAt)
            .order_by_asc(talent_notes::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(from_model)
            .collect()
    }
}

fn to_model(n: &TalentNote) -> talent_notes::Model {
    talent_notes::Model {
        tenant_id: n.tenant_id.as_uuid(),
        id: n.id.as_uuid(),
        version: 1,
        created_at: n.created_at,
        updated_at: n.created_at,
        booking_id: n.booking_id.as_uuid(),
        business_id: n.business_id.as_uuid(),
        student_id: n.student_id.as_uuid(),
        school_id: n.school_id.as_uuid(),
        entry_id: n.entry_id.as_uuid(),
        competences: encode_codes(n.competences.iter().map(|c| c.code())),
        talents: n.talents.to_string(),
        note: n.note.to_string(),
        interest_passed_on: n.interest_passed_on,
    }
}

fn from_model(m: talent_notes::Model) -> DomainResult<TalentNote> {
    let bad = |e: String| corrupt("talent note", e);
    Ok(TalentNote {
        id: TalentNoteId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        booking_id: BookingId::from_uuid(m.booking_id),
        business_id: BusinessId::from_uuid(m.business_id),
        student_id: StudentId::from_uuid(m.student_id),
        school_id: SchoolId::from_uuid(m.school_id),
        entry_id: PortfolioEntryId::from_uuid(m.entry_id),
        competences: parse_codes(&m.competences, Competence::parse).map_err(bad)?,
        talents: Name::parse(&m.talents).map_err(bad)?,
        note: Description::parse_owned(m.note).map_err(bad)?,
        interest_passed_on: m.interest_passed_on,
        created_at: m.created_at,
    })
}

/// Removes the notes a portfolio entry made, inside `txn` (the entry is going).
pub(crate) async fn delete_of_entry(
    txn: &DatabaseTransaction,
    tenant: TenantId,
    entry: PortfolioEntryId,
) -> DomainResult<()> {
    talent_notes::Entity::delete_many()
        .filter(talent_notes::Column::TenantId.eq(tenant.as_uuid()))
        .filter(talent_notes::Column::EntryId.eq(entry.as_uuid()))
        .exec(txn)
        .await
        .map_err(db_error)?;
    Ok(())
}

#[async_trait]
impl TalentNoteRepository for SeaOrmTalentNoteRepository {
    async fn insert(
        &self,
        note: &TalentNote,
        entry: &PortfolioEntry,
        audit: &[AuditEvent],
    ) -> DomainResult<()> {
        let txn = begin_write(&self.db).await?;
        audit_in(&txn, audit).await?;
        versioned::insert_in::<portfolio_entries::Entity>(
            &txn,
            entry_row(entry),
            entry_model(entry),
            "this entry exists",
        )
        .await?;
        talent_notes::Entity::insert(to_model(note).into_active_model().reset_all())
            .exec(&txn)
            .await
            .map_err(|e| write_error(e, "this talent note exists"))?;
        txn.commit().await.map_err(db_error)
    }

    async fn on_booking(
        &self,
        tenant: TenantId,
        booking: BookingId,
    ) -> DomainResult<Vec<TalentNote>> {
        self.oldest_first(
            tenant,
            talent_notes::Column::BookingId.eq(booking.as_uuid()),
        )
        .await
    }

    async fn delete(&self, note: &TalentNote, audit: &AuditEvent) -> DomainResult<bool> {
        let tenant = note.tenant_id.as_uuid();
        let txn = begin_write(&self.db).await?;
        let deleted = talent_notes::Entity::delete_many()
            .filter(talent_notes::Column::TenantId.eq(tenant))
            .filter(talent_notes::Column::Id.eq(note.id.as_uuid()))
            .exec(&txn)
            .await
            .map_err(db_error)?
            .rows_affected;
        if deleted == 0 {
            return Ok(false);
        }
        audit_in(&txn, std::slice::from_ref(audit)).await?;
        let entry = portfolio_entries::scoped(tenant)
            .filter(portfolio_entries::Column::Id.eq(note.entry_id.as_uuid()))
            .select_only()
            .column(portfolio_entries::Column::Version)
            .into_tuple::<i64>()
            .one(&txn)
            .await
            .map_err(db_error)?;
        if let Some(version) = entry {
            let audience = pupil_audience(&txn, note.tenant_id, note.student_id).await?;
            versioned::delete_in::<portfolio_entries::Entity>(
                &txn,
                tenant,
                (note.entry_id.as_uuid(), version),
                audience,
                audit.at,
            )
            .await?;
        }
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn interests(
        &self,
        tenant: TenantId,
        scope: InterestScope,
    ) -> DomainResult<Vec<RecruitmentInterest>> {
        let t = tenant.as_uuid();
        let query = talent_notes::scoped(t).filter(talent_notes::Column::InterestPassedOn.eq(true));
        let query = match scope {
            InterestScope::Student(id) => {
                query.filter(talent_notes::Column::StudentId.eq(id.as_uuid()))
            }
            InterestScope::School(id) => {
                query.filter(talent_notes::Column::SchoolId.eq(id.as_uuid()))
            }
        };
        let notes = query
            .order_by_desc(talent_notes::Column::CreatedAt)
            .order_by_desc(talent_notes::Column::Id)
            .limit(MAX_INTERESTS)
            .all(&self.db)
            .await
            .map_err(db_error)?;
        let mut hosts: Vec<Uuid> = notes.iter().map(|n| n.business_id).collect();
        hosts.sort_unstable();
        hosts.dedup();
        let hosts: Vec<businesses::Model> = businesses::scoped(t)
            .filter(businesses::Column::Id.is_in(hosts))
            .all(&self.db)
            .await
            .map_err(db_error)?;
        let bad = |e: String| corrupt("business", e);
        notes
            .into_iter()
            .map(|m| {
                let host = hosts
                    .iter()
                    .find(|b| b.id == m.business_id)
                    .ok_or_else(|| corrupt("talent note", "its business is gone"))?;
                Ok(RecruitmentInterest {
                    business_name: Name::parse(&host.name).map_err(bad)?,
                    contact_email: host
                        .contact_email
                        .as_deref()
                        .map(Email::parse)
                        .transpose()
                        .map_err(bad)?,
                    website: host
                        .website
                        .as_deref()
                        .map(WebUrl::parse)
                        .transpose()
                        .map_err(bad)?,
                    note: from_model(m)?,
                })
            })
            .collect()
    }

    async fn of_student(
        &self,
        tenant: TenantId,
        student: StudentId,
    ) -> DomainResult<Vec<TalentNote>> {
        self.oldest_first(
            tenant,
            talent_notes::Column::StudentId.eq(student.as_uuid()),
        )
        .await
    }
}
