//! Pupils' records, and the pupils named on bookings. Each write stores its audit
//! events in its own transaction ([`super::audit`]).

use async_trait::async_trait;
use driehoek_domain::audit::AuditEvent;
use driehoek_domain::bookings::BookingStatus;
use driehoek_domain::changes::{Audience, ChangeOp, resource};
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{
    BookingId, BusinessId, PlacementId, SchoolId, SlotId, StudentId, TenantId, WorkVisitId,
};
use driehoek_domain::paging::PageRequest;
use driehoek_domain::placements::PlacementStatus;
use driehoek_domain::students::{
    Student, StudentBooking, StudentFilter, StudentPlacement, StudentRepository, StudentStatus,
};
use driehoek_domain::values::{ExternalRef, Name, ShortText};
use driehoek_domain::vocabularies::{EducationLevel, Vocabulary};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::audit::audit_in;
use super::changes::{NewChange, record_changes};
use super::entities::{
    api_keys, booking_students, bookings, consents, guardian_invitations, placement_pupils,
    placements, portfolio_entries, route_plans, students, talent_notes,
};
use super::placements::read_line;
use super::read_pool::ReadPool;
use super::read_pool::{OnReadPool, one_by_key};
use super::versioned::{self, RowChange};
use super::{begin_write, contains_text, corrupt, db_error, in_chunks_on_read_pool, keyset};

const DUPLICATE_REF: &str = "external_ref is already used by another pupil of this school";

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
        event: None,
    }
}

/// Changes to a pupil's consents and portfolio are for the pupil's current school.
pub(super) async fn pupil_audience<C: sea_orm::ConnectionTrait>(
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

pub(super) fn uuids<T: Copy + Into<Uuid>>(ids: &[T]) -> Vec<Uuid> {
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

    async fn placements(
        &self,
        tenant: TenantId,
        id: StudentId,
    ) -> DomainResult<Vec<StudentPlacement>> {
        let lines = placement_pupils::scoped(tenant.as_uuid())
            .filter(placement_pupils::Column::StudentId.eq(id.as_uuid()))
            .order_by_asc(placement_pupils::Column::PlacementId)
            .all(&self.db)
            .await
            .map_err(db_error)?;
        let ids: Vec<Uuid> = lines.iter().map(|l| l.placement_id).collect();
        let statuses: Vec<(Uuid, String)> = placements::scoped(tenant.as_uuid())
            .filter(placements::Column::Id.is_in(ids))
            .select_only()
            .column(placements::Column::Id)
            .column(placements::Column::Status)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_error)?;
        let bad = |e: String| corrupt("placement", e);
        lines
            .into_iter()
            .map(|l| {
                let status = statuses
                    .iter()
                    .find(|(p, _)| *p == l.placement_id)
                    .ok_or_else(|| bad("a line without its placement".to_owned()))?;
                Ok(StudentPlacement {
                    placement_id: PlacementId::from_uuid(l.placement_id),
                    status: PlacementStatus::parse(&status.1).map_err(bad)?,
                    line: read_line(&l).map_err(bad)?,
                })
            })
            .collect()
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
        // Credentials: revoked, and only their place in the status list kept.
        super::credentials::erase_of_pupil(&txn, tenant, id, now).await?;
        // The host's talent notes (and with them any recruitment interest).
        delete_of_pupil::<talent_notes::Entity>(
            &txn,
            (
                talent_notes::Column::TenantId,
                talent_notes::Column::StudentId,
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
        // The pupil's lines in class placements (ids and choices only).
        delete_of_pupil::<placement_pupils::Entity>(
            &txn,
            (
                placement_pupils::Column::TenantId,
                placement_pupils::Column::StudentId,
            ),
            (tenant, id),
        )
        .await?;
        delete_of_pupil::<guardian_invitations::Entity>(
            &txn,
            (
                guardian_invitations::Column::TenantId,
                guardian_invitations::Column::StudentId,
            ),
            (tenant, id),
        )
        .await?;
        // The pupil's and guardians' tokens (revoked before this by the service).
        delete_of_pupil::<api_keys::Entity>(
            &txn,
            (api_keys::Column::TenantId, api_keys::Column::StudentId),
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
                event: None,
            })
            .chain(ledger.iter().map(|c| NewChange {
                resource: resource::CONSENT,
                id: c.id,
                op: ChangeOp::Deleted,
                version: c.version + 1,
                at: now,
                audience,
                status: None,
                event: None,
            }))
            .chain(plans.iter().map(|p| NewChange {
                resource: resource::ROUTE_PLAN,
                id: p.id,
                op: ChangeOp::Deleted,
                version: p.version + 1,
                at: now,
                audience,
                status: None,
                event: None,
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
            event: None,
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

/// The pupils named on bookings, by booking.
pub(crate) async fn named_students(
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
pub(crate) async fn name_students(
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
