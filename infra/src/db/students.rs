//! Pupils' data: records, consent ledgers, portfolios, and the audit log of every
//! access. Each write stores its audit events in its own transaction.

use async_trait::async_trait;
use driehoek_domain::audit::{AuditAction, AuditEvent, AuditFilter, AuditRepository};
use driehoek_domain::auth::Role;
use driehoek_domain::bookings::BookingStatus;
use driehoek_domain::changes::{Audience, ChangeOp, resource};
use driehoek_domain::clock::SharedClock;
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{
    ApiKeyId, AuditEventId, BookingId, BusinessId, ConsentId, PortfolioEntryId, RouteMapId,
    RoutePlanId, SchoolId, SlotId, StudentId, TenantId, WorkVisitId,
};
use driehoek_domain::paging::PageRequest;
use driehoek_domain::route_maps::NodeCode;
use driehoek_domain::students::{
    AgreedParty, Agreement, Consent, ConsentGiver, ConsentRepository, ConsentStatus, EntryAuthor,
    EntryFilter, PortfolioEntry, PortfolioRepository, RoutePlan, RoutePlanRepository, Student,
    StudentBooking, StudentFilter, StudentRepository, StudentStatus,
};
use driehoek_domain::values::{EntryBody, ExternalRef, IscoCode, Name, ShortText, WebUrl};
use driehoek_domain::vocabularies::{
    Competence, ConsentPurpose, EducationLevel, NaceSection, PortfolioEntryKind, Vocabulary,
};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::changes::{NewChange, record_changes};
use super::entities::{
    audit_events, booking_students, bookings, consents, portfolio_entries, route_plans, students,
};
use super::read_pool::ReadPool;
use super::read_pool::{OnReadPool, one_by_key};
use super::versioned::{self, RowChange};
use super::{
    IN_LIST_CHUNK, begin_write, contains_text, corrupt, db_error, encode_codes,
    in_chunks_on_read_pool, keyset, parse_codes,
};

const DUPLICATE_REF: &str = "external_ref is already used by another pupil of this school";

// The audit log.

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

pub struct SeaOrmStudentRepository {
    db: DatabaseConnection,
    reads: ReadPool,
}

impl SeaOrmStudentRepository {
    pub(crate) fn new(db: DatabaseConnection, reads: ReadPool) -> Self {
        Self { db, reads }
    }
}

fn student_row(s: &Student) -> RowChange {
    RowChange {
        tenant: s.tenant_id.as_uuid(),
        id: s.id.as_uuid(),
        version: s.version,
        at: s.updated_at,
        audience: s.feed_audience(),
        status: None,
    }
}

/// Changes to a pupil's consents and portfolio are for the pupil's current school.
async fn pupil_audience<C: sea_orm::ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    student: StudentId,
) -> DomainResult<Audience> {
    let school: Uuid = students::scoped(tenant.as_uuid())
        .filter(students::Column::Id.eq(student.as_uuid()))
        .select_only()
        .column(students::Column::SchoolId)
        .into_tuple()
        .one(conn)
        .await
        .map_err(db_error)?
        .ok_or(driehoek_domain::DomainError::NotFound("student"))?;
    Ok(Audience::Pupil {
        school: SchoolId::from_uuid(school),
    })
}

fn student_model(s: &Student) -> students::ActiveModel {
    students::Model {
        tenant_id: s.tenant_id.as_uuid(),
        id: s.id.as_uuid(),
        version: s.version,
        created_at: s.created_at,
        updated_at: s.updated_at,
        school_id: s.school_id.as_uuid(),
        external_ref: s.external_ref.to_string(),
        display_name: s.display_name.to_string(),
        birth_year: s.birth_year,
        grade: s.grade.as_ref().map(ToString::to_string),
        education_level: s.education_level.code().to_owned(),
        status: s.status.code().to_owned(),
        portfolio_open_from: s.portfolio_open_from,
    }
    .into_active_model()
    .reset_all()
}

fn student_from_model(m: students::Model) -> DomainResult<Student> {
    let bad = |e: String| corrupt("student", e);
    Ok(Student {
        id: StudentId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        school_id: SchoolId::from_uuid(m.school_id),
        external_ref: ExternalRef::parse(&m.external_ref).map_err(bad)?,
        display_name: Name::parse(&m.display_name).map_err(bad)?,
        birth_year: m.birth_year,
        grade: m
            .grade
            .as_deref()
            .map(ShortText::parse)
            .transpose()
            .map_err(bad)?,
        education_level: EducationLevel::parse(&m.education_level).map_err(bad)?,
        status: StudentStatus::parse(&m.status).map_err(bad)?,
        portfolio_open_from: m.portfolio_open_from,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn uuids<T: Copy + Into<Uuid>>(ids: &[T]) -> Vec<Uuid> {
    ids.iter().map(|id| (*id).into()).collect()
}

#[async_trait]
impl StudentRepository for SeaOrmStudentRepository {
    async fn insert(&self, student: &Student, audit: &AuditEvent) -> DomainResult<()> {
        let txn = begin_write(&self.db).await?;
        audit_in(&txn, std::slice::from_ref(audit)).await?;
        versioned::insert_in::<students::Entity>(
            &txn,
            student_row(student),
            student_model(student),
            DUPLICATE_REF,
        )
        .await?;
        txn.commit().await.map_err(db_error)
    }

    async fn get(&self, tenant: TenantId, id: StudentId) -> DomainResult<Option<Student>> {
        one_by_key::<students::Entity, students::Model>(&self.reads, tenant.as_uuid(), id.as_uuid())
            .await
            .map_err(db_error)?
            .map(student_from_model)
            .transpose()
    }

    async fn get_many(&self, tenant: TenantId, ids: &[StudentId]) -> DomainResult<Vec<Student>> {
        let query = |chunk: &[StudentId]| {
            students::scoped(tenant.as_uuid()).filter(students::Column::Id.is_in(uuids(chunk)))
        };
        in_chunks_on_read_pool(&self.reads, ids, query, student_from_model).await
    }

    async fn list(
        &self,
        tenant: TenantId,
        school: SchoolId,
        filter: &StudentFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<Student>> {
        use students::Column as C;
        let mut query = keyset(
            students::scoped(tenant.as_uuid()).filter(C::SchoolId.eq(school.as_uuid())),
            C::Id,
            page,
        );
        if let Some(q) = &filter.q {
            let backend = self.db.get_database_backend();
            query = query.filter(
                Condition::any()
                    .add(contains_text(backend, C::DisplayName, q))
                    .add(contains_text(backend, C::ExternalRef, q)),
            );
        }
        if let Some(grade) = &filter.grade {
            query = query.filter(C::Grade.eq(grade.as_str()));
        }
        if let Some(level) = filter.education_level {
            query = query.filter(C::EducationLevel.eq(level.code()));
        }
        if let Some(status) = filter.status {
            query = query.filter(C::Status.eq(status.code()));
        }
        query
            .all_on(&self.reads)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(student_from_model)
            .collect()
    }

    async fn by_refs(
        &self,
        tenant: TenantId,
        school: SchoolId,
        refs: &[String],
    ) -> DomainResult<Vec<Student>> {
        let query = |chunk: &[String]| {
            students::scoped(tenant.as_uuid())
                .filter(students::Column::SchoolId.eq(school.as_uuid()))
                .filter(students::Column::ExternalRef.is_in(chunk.iter().cloned()))
        };
        in_chunks_on_read_pool(&self.reads, refs, query, student_from_model).await
    }

    async fn update(
        &self,
        student: &Student,
        expected_version: i64,
        audit: &AuditEvent,
    ) -> DomainResult<bool> {
        let txn = begin_write(&self.db).await?;
        audit_in(&txn, std::slice::from_ref(audit)).await?;
        if !versioned::update_in::<students::Entity>(
            &txn,
            student_row(student),
            student_model(student),
            expected_version,
            DUPLICATE_REF,
        )
        .await?
        {
            return Ok(false);
        }
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn import(
        &self,
        created: &[Student],
        updated: &[(Student, i64)],
        audit: &[AuditEvent],
    ) -> DomainResult<()> {
        let txn = begin_write(&self.db).await?;
        audit_in(&txn, audit).await?;
        for (student, expected) in updated {
            if !versioned::update_in::<students::Entity>(
                &txn,
                student_row(student),
                student_model(student),
                *expected,
                DUPLICATE_REF,
            )
            .await?
            {
                return Err(driehoek_domain::DomainError::VersionMismatch {
                    current: expected + 1,
                });
            }
        }
        let rows = created
            .iter()
            .map(|s| (student_row(s), student_model(s)))
            .collect();
        versioned::insert_many_in::<students::Entity>(&txn, rows, DUPLICATE_REF).await?;
        txn.commit().await.map_err(db_error)
    }

    async fn bookings(&self, tenant: TenantId, id: StudentId) -> DomainResult<Vec<StudentBooking>> {
        let named: Vec<booking_students::Model> = booking_students::scoped(tenant.as_uuid())
            .filter(booking_students::Column::StudentId.eq(id.as_uuid()))
            .all_on(&self.reads)
            .await
            .map_err(db_error)?;
        let query = |chunk: &[booking_students::Model]| {
            bookings::scoped(tenant.as_uuid())
                .filter(bookings::Column::Id.is_in(chunk.iter().map(|n| n.booking_id)))
        };
        let mut found = in_chunks_on_read_pool(&self.reads, &named, query, |b: bookings::Model| {
            Ok(StudentBooking {
                booking_id: BookingId::from_uuid(b.id),
                work_visit_id: WorkVisitId::from_uuid(b.work_visit_id),
                slot_id: SlotId::from_uuid(b.slot_id),
                business_id: BusinessId::from_uuid(b.business_id),
                status: BookingStatus::parse(&b.status).map_err(|e| corrupt("booking", e))?,
                present: named
                    .iter()
                    .find(|n| n.booking_id == b.id)
                    .and_then(|n| n.present),
            })
        })
        .await?;
        found.sort_by_key(|b| b.booking_id);
        Ok(found)
    }

    async fn erase(&self, student: &Student, audit: &AuditEvent) -> DomainResult<bool> {
        let (tenant, id) = (student.tenant_id.as_uuid(), student.id.as_uuid());
        let now = audit.at;
        let audience = student.feed_audience();
        let txn = begin_write(&self.db).await?;
        audit_in(&txn, std::slice::from_ref(audit)).await?;
        let entries = portfolio_entries::scoped(tenant)
            .filter(portfolio_entries::Column::StudentId.eq(id))
            .all(&txn)
            .await
            .map_err(db_error)?;
        let ledger = consents::scoped(tenant)
            .filter(consents::Column::StudentId.eq(id))
            .all(&txn)
            .await
            .map_err(db_error)?;
        let plans = route_plans::scoped(tenant)
            .filter(route_plans::Column::StudentId.eq(id))
            .all(&txn)
            .await
            .map_err(db_error)?;
        delete_of_pupil::<route_plans::Entity>(
            &txn,
            (
                route_plans::Column::TenantId,
                route_plans::Column::StudentId,
            ),
            (tenant, id),
        )
        .await?;
        delete_of_pupil::<portfolio_entries::Entity>(
            &txn,
            (
                portfolio_entries::Column::TenantId,
                portfolio_entries::Column::StudentId,
            ),
            (tenant, id),
        )
        .await?;
        delete_of_pupil::<consents::Entity>(
            &txn,
            (consents::Column::TenantId, consents::Column::StudentId),
            (tenant, id),
        )
        .await?;
        delete_of_pupil::<booking_students::Entity>(
            &txn,
            (
                booking_students::Column::TenantId,
                booking_students::Column::StudentId,
            ),
            (tenant, id),
        )
        .await?;
        let mut removed: Vec<NewChange> = entries
            .iter()
            .map(|e| NewChange {
                resource: resource::PORTFOLIO_ENTRY,
                id: e.id,
                op: ChangeOp::Deleted,
                version: e.version + 1,
                at: now,
                audience,
                status: None,
            })
            .chain(ledger.iter().map(|c| NewChange {
                resource: resource::CONSENT,
                id: c.id,
                op: ChangeOp::Deleted,
                version: c.version + 1,
                at: now,
                audience,
                status: None,
            }))
            .chain(plans.iter().map(|p| NewChange {
                resource: resource::ROUTE_PLAN,
                id: p.id,
                op: ChangeOp::Deleted,
                version: p.version + 1,
                at: now,
                audience,
                status: None,
            }))
            .collect();
        let gone = students::Entity::delete_many()
            .filter(students::Column::TenantId.eq(tenant))
            .filter(students::Column::Id.eq(id))
            .filter(students::Column::Version.eq(student.version))
            .exec(&txn)
            .await
            .map_err(db_error)?
            .rows_affected;
        if gone == 0 {
            return Ok(false);
        }
        removed.push(NewChange {
            resource: resource::STUDENT,
            id,
            op: ChangeOp::Deleted,
            version: student.version + 1,
            at: now,
            audience,
            status: None,
        });
        record_changes(&txn, tenant, &removed).await?;
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }
}

/// Removes the rows of a pupil (and tenant) from one table, inside `txn`.
async fn delete_of_pupil<E: EntityTrait>(
    txn: &DatabaseTransaction,
    (tenant_column, pupil_column): (E::Column, E::Column),
    (tenant, pupil): (Uuid, Uuid),
) -> DomainResult<()> {
    E::delete_many()
        .filter(tenant_column.eq(tenant))
        .filter(pupil_column.eq(pupil))
        .exec(txn)
        .await
        .map_err(db_error)?;
    Ok(())
}

// Consents.

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

/// The pupils named on bookings, by booking.
pub(crate) async fn named_pupils(
    reads: &ReadPool,
    tenant: Uuid,
    bookings: &[Uuid],
) -> DomainResult<Vec<booking_students::Model>> {
    let query = |chunk: &[Uuid]| {
        booking_students::scoped(tenant)
            .filter(booking_students::Column::BookingId.is_in(chunk.iter().copied()))
            .order_by_asc(booking_students::Column::StudentId)
    };
    in_chunks_on_read_pool(reads, bookings, query, Ok).await
}

/// Names pupils on a new booking inside `txn`.
pub(crate) async fn name_pupils(
    txn: &DatabaseTransaction,
    tenant: Uuid,
    booking: Uuid,
    students: &[StudentId],
) -> DomainResult<()> {
    if students.is_empty() {
        return Ok(());
    }
    let rows: Vec<booking_students::ActiveModel> = students
        .iter()
        .map(|s| booking_students::ActiveModel {
            tenant_id: Set(tenant),
            booking_id: Set(booking),
            student_id: Set(s.as_uuid()),
            present: Set(None),
        })
        .collect();
    booking_students::Entity::insert_many(rows)
        .exec(txn)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// Stores one named pupil's presence inside `txn`.
pub(crate) async fn mark_present(
    txn: &DatabaseTransaction,
    tenant: Uuid,
    booking: Uuid,
    student: StudentId,
    present: Option<bool>,
) -> DomainResult<()> {
    booking_students::Entity::update_many()
        .col_expr(
            booking_students::Column::Present,
            sea_orm::sea_query::Expr::value(present),
        )
        .filter(booking_students::Column::TenantId.eq(tenant))
        .filter(booking_students::Column::BookingId.eq(booking))
        .filter(booking_students::Column::StudentId.eq(student.as_uuid()))
        .exec(txn)
        .await
        .map_err(db_error)?;
    Ok(())
}

// Route plans.

pub struct SeaOrmRoutePlanRepository {
    db: DatabaseConnection,
    reads: ReadPool,
}

impl SeaOrmRoutePlanRepository {
    pub(crate) fn new(db: DatabaseConnection, reads: ReadPool) -> Self {
        Self { db, reads }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredAgreement {
    party: String,
    on: chrono::NaiveDate,
}

fn codes_json(codes: &[NodeCode]) -> String {
    serde_json::to_string(&codes.iter().map(NodeCode::as_str).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".to_owned())
}

fn plan_model(p: &RoutePlan) -> route_plans::ActiveModel {
    let agreements: Vec<StoredAgreement> = p
        .agreed_by
        .iter()
        .map(|a| StoredAgreement {
            party: a.party.code().to_owned(),
            on: a.on,
        })
        .collect();
    route_plans::Model {
        tenant_id: p.tenant_id.as_uuid(),
        id: p.id.as_uuid(),
        version: p.version,
        created_at: p.created_at,
        updated_at: p.created_at,
        student_id: p.student_id.as_uuid(),
        route_map_id: p.route_map_id.as_uuid(),
        steps: codes_json(&p.steps),
        target_occupation: p.target_occupation.as_ref().map(|c| c.as_str().to_owned()),
        plan_b: codes_json(&p.plan_b),
        helpers: serde_json::to_string(
            &p.helpers
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".to_owned()),
        notes: p.notes.as_ref().map(ToString::to_string),
        agreed_by: serde_json::to_string(&agreements).unwrap_or_else(|_| "[]".to_owned()),
    }
    .into_active_model()
    .reset_all()
}

fn plan_from_model(m: route_plans::Model) -> DomainResult<RoutePlan> {
    let bad = |e: String| corrupt("route plan", e);
    let list = |raw: &str| -> Result<Vec<String>, String> {
        serde_json::from_str(raw).map_err(|e| e.to_string())
    };
    let codes = |raw: &str| -> Result<Vec<NodeCode>, String> {
        list(raw)?.iter().map(|c| NodeCode::parse(c)).collect()
    };
    Ok(RoutePlan {
        id: RoutePlanId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        student_id: StudentId::from_uuid(m.student_id),
        route_map_id: RouteMapId::from_uuid(m.route_map_id),
        steps: codes(&m.steps).map_err(bad)?,
        target_occupation: m
            .target_occupation
            .as_deref()
            .map(IscoCode::parse)
            .transpose()
            .map_err(bad)?,
        plan_b: codes(&m.plan_b).map_err(bad)?,
        helpers: list(&m.helpers)
            .and_then(|names| names.iter().map(|n| ShortText::parse(n)).collect())
            .map_err(bad)?,
        notes: m
            .notes
            .as_deref()
            .map(driehoek_domain::values::Description::parse)
            .transpose()
            .map_err(bad)?,
        agreed_by: agreements_from(&m.agreed_by)?,
        version: m.version,
        created_at: m.created_at,
    })
}

/// A plan's agreements as stored.
pub(crate) fn agreements_from(stored: &str) -> DomainResult<Vec<Agreement>> {
    let agreements: Vec<StoredAgreement> =
        serde_json::from_str(stored).map_err(|e| corrupt("route plan", e))?;
    agreements
        .into_iter()
        .map(|a| {
            Ok(Agreement {
                party: AgreedParty::parse(&a.party)?,
                on: a.on,
            })
        })
        .collect::<Result<_, String>>()
        .map_err(|e| corrupt("route plan", e))
}

#[async_trait]
impl RoutePlanRepository for SeaOrmRoutePlanRepository {
    async fn insert(&self, plan: &RoutePlan, audit: &AuditEvent) -> DomainResult<()> {
        let txn = begin_write(&self.db).await?;
        audit_in(&txn, std::slice::from_ref(audit)).await?;
        let row = RowChange {
            tenant: plan.tenant_id.as_uuid(),
            id: plan.id.as_uuid(),
            version: plan.version,
            at: plan.created_at,
            audience: pupil_audience(&txn, plan.tenant_id, plan.student_id).await?,
            status: None,
        };
        versioned::insert_in::<route_plans::Entity>(
            &txn,
            row,
            plan_model(plan),
            "this version of the plan exists",
        )
        .await?;
        txn.commit().await.map_err(db_error)
    }

    async fn versions(&self, tenant: TenantId, student: StudentId) -> DomainResult<Vec<RoutePlan>> {
        route_plans::scoped(tenant.as_uuid())
            .filter(route_plans::Column::StudentId.eq(student.as_uuid()))
            .order_by_asc(route_plans::Column::Version)
            .all_on(&self.reads)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(plan_from_model)
            .collect()
    }
}
