use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{
    AgreedParty, Consent, ConsentGiver, ConsentRepository, DecisionChannel, EntryAuthor,
    EntryChanges, EntryFilter, InvitationRepository, NewConsent, NewEntry, NewRoutePlan,
    NewStudent, PlanAgreement, PortfolioEntry, PortfolioRepository, PortfolioSummary, RosterRow,
    RoutePlan, RoutePlanRepository, RouteStatus, RowOutcome, Student, StudentBooking,
    StudentChanges, StudentFilter, StudentPlacement, StudentRepository, StudentStatus,
    check_birth_year, consent_refusal, first_break, route_status,
};
use crate::api_keys::{ApiKeyRepository, Revocation};
use crate::audit::{AuditAction, AuditEvent, AuditRepository};
use crate::auth::{Actor, Binding, Role};
use crate::bookings::{Booking, BookingRepository, booking_scope};
use crate::clock::SharedClock;
use crate::error::{ConflictKind, DomainError, DomainResult};
use crate::ids::{
    BookingId, ConsentId, PortfolioEntryId, RoutePlanId, SchoolId, StudentId, TenantId,
};
use crate::paging::{Page, PageRequest};
use crate::route_maps::RouteMapService;
use crate::schools::SchoolRepository;
use crate::values::{Name, dedup_keep_order};
use crate::versioning::{check_if_match, written};
use crate::vocabularies::ConsentPurpose;

pub use invitations::{InvitationAnswered, InvitationView, PlanAnswer, PlanShown};
pub use tokens::NewAccessToken;

/// The most rows one roster import takes.
pub const MAX_IMPORT_ROWS: usize = 5000;

/// Everything held on one pupil (the right of access).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudentExport {
    pub student: Student,
    pub consents: Vec<Consent>,
    pub entries: Vec<PortfolioEntry>,
    /// Entries of earlier schools the caller may not open (always 0 for the platform).
    pub sealed_entries: u32,
    pub bookings: Vec<StudentBooking>,
    /// The class placements naming the pupil, oldest first.
    pub placements: Vec<StudentPlacement>,
    /// Every version of the pupil's route plan, oldest first.
    pub route_plans: Vec<RoutePlan>,
    /// The hosts' talent notes about the pupil (each also an entry), oldest first.
    pub talent_notes: Vec<super::TalentNote>,
    pub exported_at: DateTime<Utc>,
}

/// A pupil's records as matching reads them ([`StudentService::matching_records`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchingRecords {
    pub student: Student,
    /// The entries open to the pupil's school.
    pub entries: Vec<PortfolioEntry>,
    pub consents: Vec<Consent>,
    pub bookings: Vec<StudentBooking>,
    /// The current version of the route plan.
    pub plan: Option<RoutePlan>,
}

/// A pupil named on a booking as its host sees it: by the booking's reference for the
/// pupil, with the display name only where the pupil consents to sharing with the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPupil {
    pub reference: String,
    pub display_name: Option<Name>,
}

/// A shared portfolio entry as the host of its booking sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedEntry {
    pub display_name: Name,
    pub entry: PortfolioEntry,
}

#[derive(Clone)]
pub struct StudentService {
    students: Arc<dyn StudentRepository>,
    consents: Arc<dyn ConsentRepository>,
    portfolio: Arc<dyn PortfolioRepository>,
    tokens: Arc<dyn ApiKeyRepository>,
    invitations: Arc<dyn InvitationRepository>,
    talent_notes: Arc<dyn super::TalentNoteRepository>,
    audit: Arc<dyn AuditRepository>,
    schools: Arc<dyn SchoolRepository>,
    bookings: Arc<dyn BookingRepository>,
    plans: Plans,
    clock: SharedClock,
}

/// Where pupils' route plans are kept, and the maps they follow.
#[derive(Clone)]
pub struct Plans {
    pub repo: Arc<dyn RoutePlanRepository>,
    pub maps: RouteMapService,
}

/// A version of a pupil's plan, and whether its route still exists on the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanView {
    pub plan: RoutePlan,
    pub status: RouteStatus,
}

/// Managing pupils is for the pupil's own school and the platform: every other role is
/// refused before anything is looked up, so it learns nothing, not even whether a
/// pupil exists.
pub fn require_student_role(actor: &Actor) -> DomainResult<()> {
    match actor.role {
        Role::PlatformAdmin => Ok(()),
        Role::School if actor.school().is_some() => Ok(()),
        _ => Err(DomainError::forbidden(
            "pupils' data is for their own school only",
        )),
    }
}

/// Whether `actor` reaches `student`'s data: the platform, the pupil's current school,
/// and a pupil's or guardian's token for this pupil made by that school (a token of a
/// pupil who moved on reaches nothing, even before it is revoked).
fn reaches(actor: &Actor, student: &Student) -> bool {
    match actor.binding {
        _ if actor.is_platform_admin() => true,
        Binding::School(school) => actor.school() == Some(school) && school == student.school_id,
        Binding::Student {
            student: own,
            school,
        } => actor.acts_for_a_pupil() && own == student.id && school == student.school_id,
        Binding::None | Binding::Business(_) => false,
    }
}

/// A pupil or guardian changes the entries they wrote themselves, nobody else's.
fn may_edit(actor: &Actor, entry: &PortfolioEntry) -> DomainResult<()> {
    match token_party(actor, EntryAuthor::Student, EntryAuthor::Guardian) {
        Some(own) if entry.author_role != own => Err(DomainError::forbidden(
            "a pupil or guardian changes only the entries they wrote",
        )),
        _ => Ok(()),
    }
}

/// Who a pupil's or guardian's token is, in a vocabulary of the pupil's data; `None`
/// for an organisation's key (which names it in the request).
fn token_party<T: Copy + PartialEq>(actor: &Actor, pupil: T, guardian: T) -> Option<T> {
    match actor.role {
        Role::Pupil => Some(pupil),
        Role::Guardian => Some(guardian),
        _ => None,
    }
}

/// Who acted, from the token where there is one: a token may repeat itself in the
/// body but never name another; a key must name who (at `pointer`).
fn acting_party<T: Copy + PartialEq + crate::vocabularies::Vocabulary>(
    actor: &Actor,
    named: Option<T>,
    (pupil, guardian): (T, T),
    pointer: &'static str,
) -> DomainResult<T> {
    match (token_party(actor, pupil, guardian), named) {
        (Some(token), None) => Ok(token),
        (Some(token), Some(named)) if named == token => Ok(token),
        (Some(token), Some(_)) => Err(DomainError::invalid(
            pointer,
            format!(
                "this token acts as `{}`; it cannot speak for anyone else",
                token.code()
            ),
        )),
        (None, Some(named)) => Ok(named),
        (None, None) => Err(DomainError::invalid(pointer, "say who this is from")),
    }
}

/// The records of pupils themselves: who they are, what they consented to, their
/// portfolios. Bookings name pupils and attendance adds to their portfolios.
#[derive(Clone)]
pub struct StudentRecords {
    pub students: Arc<dyn StudentRepository>,
    pub consents: Arc<dyn ConsentRepository>,
    pub portfolio: Arc<dyn PortfolioRepository>,
    /// Where pupils' and guardians' tokens are kept (with the keys).
    pub tokens: Arc<dyn ApiKeyRepository>,
    pub invitations: Arc<dyn InvitationRepository>,
    /// The hosts' talent notes about pupils, with their recruitment interests.
    pub talent_notes: Arc<dyn super::TalentNoteRepository>,
}

impl StudentRecords {
    /// The pupils `ids` (in that order) when each is an active pupil of `school`;
    /// else 422 pointing (`pointer(index)`) at each that is not.
    pub async fn active_at(
        &self,
        tenant: TenantId,
        school: SchoolId,
        ids: &[StudentId],
        pointer: impl Fn(usize) -> String,
    ) -> DomainResult<Vec<Student>> {
        let found = self.students.get_many(tenant, ids).await?;
        let mut errors = crate::ValidationErrors::new();
        let mut pupils = Vec::with_capacity(ids.len());
        for (index, id) in ids.iter().enumerate() {
            match found.iter().find(|s| s.id == *id) {
                Some(s) if s.school_id == school && s.status == StudentStatus::Active => {
                    pupils.push(s.clone());
                }
                Some(s) if s.school_id == school => {
                    errors.add(pointer(index), "the pupil has left the school");
                }
                _ => errors.add(pointer(index), "no such pupil at the school"),
            }
        }
        errors.into_result()?;
        Ok(pupils)
    }

    /// Nothing when each of `ids` has `participation` consent (the latest decision
    /// grants it); else 422 `consent_missing` at `pointer(index)` of the first without,
    /// naming every one.
    pub async fn require_participation(
        &self,
        tenant: TenantId,
        ids: &[StudentId],
        pointer: impl Fn(usize) -> String,
    ) -> DomainResult<()> {
        let granted = self
            .consents
            .granted(tenant, ids, ConsentPurpose::Participation)
            .await?;
        let missing: Vec<(usize, &StudentId)> = ids
            .iter()
            .enumerate()
            .filter(|(_, id)| !granted.contains(id))
            .collect();
        match missing.first() {
            None => Ok(()),
            Some((index, _)) => Err(DomainError::rule(
                crate::error::Rule::ConsentMissing,
                pointer(*index),
                format!(
                    "no participation consent for pupil(s) {}",
                    missing
                        .iter()
                        .map(|(_, id)| id.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }
}

impl StudentService {
    pub fn new(
        pupils: StudentRecords,
        audit: Arc<dyn AuditRepository>,
        schools: Arc<dyn SchoolRepository>,
        bookings: Arc<dyn BookingRepository>,
        plans: Plans,
        clock: SharedClock,
    ) -> Self {
        Self {
            students: pupils.students,
            consents: pupils.consents,
            portfolio: pupils.portfolio,
            tokens: pupils.tokens,
            invitations: pupils.invitations,
            talent_notes: pupils.talent_notes,
            audit,
            schools,
            bookings,
            plans,
            clock,
        }
    }

    /// The school a request acts for: a school key's own (naming another is refused),
    /// or the one a platform administrator names.
    async fn acting_school(
        &self,
        actor: &Actor,
        tenant: TenantId,
        named: Option<SchoolId>,
    ) -> DomainResult<SchoolId> {
        require_student_role(actor)?;
        match (actor.school(), named) {
            (Some(own), None) => Ok(own),
            (Some(own), Some(named)) if named == own => Ok(own),
            (Some(_), Some(_)) => Err(DomainError::forbidden(
                "a school key acts for its own school's pupils only",
            )),
            (None, Some(named)) => {
                self.schools.get(tenant, named).await?.ok_or_else(|| {
                    DomainError::invalid("/school_id", "no such school in this tenant")
                })?;
                Ok(named)
            }
            (None, None) => Err(DomainError::invalid(
                "/school_id",
                "name the school the pupils belong to",
            )),
        }
    }

    /// A pupil the caller may see: its school's key, the platform, or the pupil's own
    /// and guardians' tokens. Any other pupil does not exist for the caller.
    pub(crate) async fn visible(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
    ) -> DomainResult<Student> {
        if !actor.acts_for_a_pupil() {
            require_student_role(actor)?;
        }
        self.students
            .get(tenant, id)
            .await?
            .filter(|s| reaches(actor, s))
            .ok_or(DomainError::NotFound("student"))
    }

    /// A pupil the caller manages: its school's key or the platform (never a token).
    pub(crate) async fn managed(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
    ) -> DomainResult<Student> {
        require_student_role(actor)?;
        self.visible(actor, tenant, id).await
    }

    pub(crate) fn event(
        &self,
        actor: &Actor,
        tenant: TenantId,
        action: AuditAction,
        s: &Student,
    ) -> AuditEvent {
        AuditEvent::new(actor, tenant, action, (s.id, s.school_id), self.clock.now())
    }

    /// Records a read before its data is handed out: no audit, no data.
    pub(crate) async fn audited_read(
        &self,
        actor: &Actor,
        tenant: TenantId,
        action: AuditAction,
        students: &[&Student],
    ) -> DomainResult<()> {
        let events: Vec<AuditEvent> = students
            .iter()
            .map(|s| self.event(actor, tenant, action, s))
            .collect();
        self.audit.record(&events).await
    }

    pub async fn create(
        &self,
        actor: &Actor,
        tenant: TenantId,
        new: NewStudent,
    ) -> DomainResult<Student> {
        let school_id = self.acting_school(actor, tenant, new.school_id).await?;
        let now = self.clock.now();
        check_birth_year(new.birth_year, now)
            .map_err(|e| DomainError::invalid("/birth_year", e))?;
        let student = Student {
            id: StudentId::new(),
            tenant_id: tenant,
            school_id,
            external_ref: new.external_ref,
            display_name: new.display_name,
            birth_year: new.birth_year,
            grade: new.grade,
            education_level: new.education_level,
            status: new.status,
            portfolio_open_from: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let event = self.event(actor, tenant, AuditAction::StudentCreate, &student);
        self.students.insert(&student, &event).await?;
        Ok(student)
    }

    pub async fn list(
        &self,
        actor: &Actor,
        tenant: TenantId,
        school: Option<SchoolId>,
        filter: StudentFilter,
        page: PageRequest,
    ) -> DomainResult<Page<Student>> {
        let school = self.acting_school(actor, tenant, school).await?;
        let rows = self.students.list(tenant, school, &filter, &page).await?;
        let page = Page::from_fetched(rows, &page, |s| s.id.as_uuid());
        let shown: Vec<&Student> = page.items.iter().collect();
        self.audited_read(actor, tenant, AuditAction::StudentList, &shown)
            .await?;
        Ok(page)
    }

    pub async fn get(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
    ) -> DomainResult<Student> {
        let student = self.visible(actor, tenant, id).await?;
        self.audited_read(actor, tenant, AuditAction::StudentRead, &[&student])
            .await?;
        Ok(student)
    }

    pub async fn update(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        changes: StudentChanges,
        if_match: Option<i64>,
    ) -> DomainResult<Student> {
        let mut student = self.managed(actor, tenant, id).await?;
        check_if_match(student.version, if_match)?;
        if let Some(year) = changes.birth_year {
            check_birth_year(year, self.clock.now())
                .map_err(|e| DomainError::invalid("/birth_year", e))?;
        }
        let expected = student.version;
        changes.apply(&mut student);
        self.save(actor, tenant, student, expected, AuditAction::StudentUpdate)
            .await
    }

    async fn save(
        &self,
        actor: &Actor,
        tenant: TenantId,
        mut student: Student,
        expected: i64,
        action: AuditAction,
    ) -> DomainResult<Student> {
        student.version = expected + 1;
        student.updated_at = self.clock.now();
        let event = self.event(actor, tenant, action, &student);
        written(
            self.students.update(&student, expected, &event).await?,
            student,
            expected + 1,
        )
    }

    /// Upserts a school's roster by `external_ref`, all or nothing for the rows that are
    /// valid; answers per row. Re-importing the same rows changes nothing. A reference
    /// that appears twice fails its later rows.
    pub async fn import(
        &self,
        actor: &Actor,
        tenant: TenantId,
        school: Option<SchoolId>,
        rows: Vec<(usize, RosterRow)>,
    ) -> DomainResult<Vec<(usize, Result<(RowOutcome, StudentId), DomainError>)>> {
        let school_id = self.acting_school(actor, tenant, school).await?;
        let now = self.clock.now();
        let refs: Vec<String> = rows
            .iter()
            .map(|(_, r)| r.external_ref.as_str().to_owned())
            .collect();
        let existing: HashMap<String, Student> = self
            .students
            .by_refs(tenant, school_id, &refs)
            .await?
            .into_iter()
            .map(|s| (s.external_ref.as_str().to_owned(), s))
            .collect();
        let mut seen = HashSet::new();
        let (mut created, mut updated, mut audit, mut answers) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (index, row) in rows {
            if !seen.insert(row.external_ref.as_str().to_owned()) {
                answers.push((
                    index,
                    Err(DomainError::conflict(
                        ConflictKind::Duplicate,
                        "this external_ref appears on an earlier row of the import",
                    )),
                ));
                continue;
            }
            if let Err(e) = check_birth_year(row.birth_year, now) {
                answers.push((index, Err(DomainError::invalid("/birth_year", e))));
                continue;
            }
            match existing.get(row.external_ref.as_str()) {
                None => {
                    let student = Student {
                        id: StudentId::new(),
                        tenant_id: tenant,
                        school_id,
                        external_ref: row.external_ref,
                        display_name: row.display_name,
                        birth_year: row.birth_year,
                        grade: row.grade,
                        education_level: row.education_level,
                        status: row.status,
                        portfolio_open_from: None,
                        version: 1,
                        created_at: now,
                        updated_at: now,
                    };
                    audit.push(self.event(actor, tenant, AuditAction::StudentImport, &student));
                    answers.push((index, Ok((RowOutcome::Created, student.id))));
                    created.push(student);
                }
                Some(current) => {
                    let mut next = current.clone();
                    next.display_name = row.display_name;
                    next.birth_year = row.birth_year;
                    next.grade = row.grade;
                    next.education_level = row.education_level;
                    next.status = row.status;
                    if next == *current {
                        answers.push((index, Ok((RowOutcome::Unchanged, current.id))));
                        continue;
                    }
                    next.version = current.version + 1;
                    next.updated_at = now;
                    audit.push(self.event(actor, tenant, AuditAction::StudentImport, &next));
                    answers.push((index, Ok((RowOutcome::Updated, next.id))));
                    updated.push((next, current.version));
                }
            }
        }
        self.students.import(&created, &updated, &audit).await?;
        Ok(answers)
    }

    /// Moves the pupil to another school of the tenant. With `portfolio_transfer`
    /// consent the portfolio moves along; without it, everything made so far stays
    /// sealed and the new school sees only what it adds. The old school loses access at
    /// once (the pupil is no longer its).
    pub async fn transfer(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        to_school: SchoolId,
        if_match: Option<i64>,
    ) -> DomainResult<Student> {
        let mut student = self.managed(actor, tenant, id).await?;
        check_if_match(student.version, if_match)?;
        if student.school_id == to_school {
            return Err(DomainError::invalid(
                "/to_school_id",
                "the pupil is already at this school",
            ));
        }
        self.schools.get(tenant, to_school).await?.ok_or_else(|| {
            DomainError::invalid("/to_school_id", "no such school in this tenant")
        })?;
        let transfers = !self
            .consents
            .granted(tenant, &[id], ConsentPurpose::PortfolioTransfer)
            .await?
            .is_empty();
        // The pupil's tokens end first: should the move fail after this, they are
        // merely made again.
        self.tokens
            .revoke(tenant, Revocation::StudentTokens(id), self.clock.now())
            .await?;
        let expected = student.version;
        student.school_id = to_school;
        student.status = StudentStatus::Active;
        if !transfers {
            student.portfolio_open_from = Some(self.clock.now());
        }
        self.save(
            actor,
            tenant,
            student,
            expected,
            AuditAction::StudentTransfer,
        )
        .await
    }

    /// Everything held on the pupil, as one document. A school sees what it may open;
    /// sealed entries of earlier schools are counted, not shown.
    pub async fn export(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        consent_age: u8,
    ) -> DomainResult<StudentExport> {
        let student = self.visible(actor, tenant, id).await?;
        let age = student.certain_age(self.clock.now());
        if actor.role == Role::Pupil && age < i32::from(consent_age) {
            return Err(DomainError::BelowConsentAge(format!(
                "a pupil exports their data alone from {consent_age} in this city; \
                 a guardian or the school can export it"
            )));
        }
        let consents = self.consents.ledger(tenant, id).await?;
        let all = self.portfolio.all(tenant, id).await?;
        let bookings = self.students.bookings(tenant, id).await?;
        let placements = self.students.placements(tenant, id).await?;
        let route_plans = self.plans.repo.versions(tenant, id).await?;
        let mut talent_notes = self.talent_notes.of_student(tenant, id).await?;
        talent_notes.retain(|n| actor.is_platform_admin() || student.entry_is_open(n.created_at));
        let (entries, sealed): (Vec<_>, Vec<_>) = all
            .into_iter()
            .partition(|e| actor.is_platform_admin() || student.entry_is_open(e.created_at));
        self.audited_read(actor, tenant, AuditAction::StudentExport, &[&student])
            .await?;
        Ok(StudentExport {
            student,
            consents,
            entries,
            sealed_entries: u32::try_from(sealed.len()).unwrap_or(u32::MAX),
            bookings,
            placements,
            route_plans,
            talent_notes,
            exported_at: self.clock.now(),
        })
    }

    /// Erasure: the pupil's personal data, consents, portfolio and namings are gone;
    /// bookings keep their anonymous counts; the change log records the removals by id.
    pub async fn erase(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        if_match: Option<i64>,
    ) -> DomainResult<()> {
        let student = self.managed(actor, tenant, id).await?;
        check_if_match(student.version, if_match)?;
        // Ended before the rows go (with the erasure), so no cache keeps one alive.
        self.tokens
            .revoke(tenant, Revocation::StudentTokens(id), self.clock.now())
            .await?;
        let event = self.event(actor, tenant, AuditAction::StudentErase, &student);
        written(
            self.students.erase(&student, &event).await?,
            (),
            student.version + 1,
        )
    }

    /// The bookings that name the pupil, with the pupil's attendance.
    pub async fn bookings(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
    ) -> DomainResult<Vec<StudentBooking>> {
        let student = self.visible(actor, tenant, id).await?;
        let bookings = self.students.bookings(tenant, id).await?;
        self.audited_read(actor, tenant, AuditAction::StudentBookingsRead, &[&student])
            .await?;
        Ok(bookings)
    }

    /// What matching reads of one pupil: the record, the portfolio entries open to the
    /// pupil's school, the consent ledger, the bookings naming the pupil and the
    /// current route plan. The read is audited.
    pub async fn matching_records(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
    ) -> DomainResult<MatchingRecords> {
        let student = self.visible(actor, tenant, id).await?;
        let mut entries = self.portfolio.all(tenant, id).await?;
        entries.retain(|e| student.entry_is_open(e.created_at));
        let consents = self.consents.ledger(tenant, id).await?;
        let bookings = self.students.bookings(tenant, id).await?;
        let plan = self.plans.repo.versions(tenant, id).await?.pop();
        self.audited_read(actor, tenant, AuditAction::RecommendationsRead, &[&student])
            .await?;
        Ok(MatchingRecords {
            student,
            entries,
            consents,
            bookings,
            plan,
        })
    }
}

mod entries;
mod host;
mod invitations;
mod plans;
mod talent;
#[cfg(test)]
mod tests;
mod tokens;

pub use talent::HostNote;
