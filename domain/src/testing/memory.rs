//! The in-memory store: one struct implementing the repositories the services use,
//! keeping what it is given with the atomic rules of the real adapters (seats never
//! beyond capacity, writes only at the expected version). What no test needs is not
//! kept: those methods answer an internal error, so a service that starts to depend
//! on one is noticed.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::api_keys::{ApiKey, ApiKeyRepository, Revocation};
use crate::audit::{AuditEvent, AuditFilter, AuditRepository};
use crate::bookings::policy::{Waiting, WhenFull, promotions};
use crate::bookings::{
    Booking, BookingFilter, BookingRepository, BookingStatus, Feedback, FeedbackAuthor,
    FeedbackRepository,
};
use crate::businesses::{
    Business, BusinessFilter, BusinessRepository, Coach, CoachFilter, CoachRepository,
};

use crate::error::{DomainError, DomainResult};
use crate::ids::{
    ApiKeyId, BookingId, BusinessId, CoachId, FeedbackId, InvitationId, PortfolioEntryId,
    ProgrammeId, ProgrammeMemberId, RouteMapId, SchoolId, SlotId, StudentId, TenantId, WorkVisitId,
};
use crate::matching::{Candidate, CandidateQuery};
use crate::paging::PageRequest;
use crate::programmes::{Programme, ProgrammeFilter, ProgrammeMember, ProgrammeRepository};
use crate::route_maps::{Graph, RouteMap, RouteMapFilter, RouteMapRepository};
use crate::schools::{School, SchoolFilter, SchoolRepository};
use crate::students::{
    Consent, ConsentRepository, ConsentStatus, EntryFilter, GuardianInvitation,
    InvitationRepository, PlanAgreement, PortfolioEntry, PortfolioRepository, RoutePlan,
    RoutePlanRepository, Student, StudentBooking, StudentFilter, StudentRepository,
};
use crate::vocabularies::ConsentPurpose;
use crate::work_visits::{
    ExternalId, Slot, SlotStatus, StoredOffering, SyncWrite, WorkVisit, WorkVisitFilter,
    WorkVisitRepository, WorkVisitStatus,
};

fn not_kept<T>() -> DomainResult<T> {
    Err(DomainError::Internal(
        "the in-memory store does not keep this".to_owned(),
    ))
}

/// Everything the store holds.
#[derive(Default)]
pub struct Rows {
    pub schools: Vec<School>,
    pub businesses: Vec<Business>,
    pub coaches: Vec<Coach>,
    pub visits: Vec<WorkVisit>,
    pub slots: Vec<Slot>,
    pub bookings: Vec<Booking>,
    pub feedback: Vec<Feedback>,
    pub students: Vec<Student>,
    pub consents: Vec<Consent>,
    pub entries: Vec<PortfolioEntry>,
    pub plans: Vec<RoutePlan>,
    pub maps: Vec<(RouteMap, Graph)>,
    pub keys: Vec<ApiKey>,
    pub invitations: Vec<GuardianInvitation>,
    pub talent_notes: Vec<crate::students::TalentNote>,
    pub audit: Vec<AuditEvent>,
}

/// The in-memory store, shared by the services of one test.
#[derive(Default)]
pub struct Memory {
    rows: Mutex<Rows>,
}

impl Memory {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn rows(&self) -> MutexGuard<'_, Rows> {
        self.rows.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The first row `keep` accepts, cloned.
fn first<T: Clone>(rows: &[T], keep: impl Fn(&T) -> bool) -> Option<T> {
    rows.iter().find(|r| keep(r)).cloned()
}

/// Every row `keep` accepts, cloned.
fn picked<T: Clone>(rows: &[T], keep: impl Fn(&T) -> bool) -> Vec<T> {
    rows.iter().filter(|r| keep(r)).cloned().collect()
}

/// Replaces the row `matches` finds if it is at `expected`; the real adapters' rule.
fn replace<T: Clone>(
    rows: &mut [T],
    matches: impl Fn(&T) -> bool,
    version: impl Fn(&T) -> i64,
    expected: i64,
    new: &T,
) -> bool {
    match rows.iter_mut().find(|r| matches(r)) {
        Some(row) if version(row) == expected => {
            *row = new.clone();
            true
        }
        _ => false,
    }
}

#[async_trait]
impl SchoolRepository for Memory {
    async fn insert(&self, school: &School) -> DomainResult<()> {
        self.rows().schools.push(school.clone());
        Ok(())
    }
    async fn get(&self, tenant: TenantId, id: SchoolId) -> DomainResult<Option<School>> {
        Ok(first(&self.rows().schools, |s| {
            s.tenant_id == tenant && s.id == id
        }))
    }
    async fn list(
        &self,
        _: TenantId,
        _: &SchoolFilter,
        _: &PageRequest,
    ) -> DomainResult<Vec<School>> {
        not_kept()
    }
    async fn update(&self, school: &School, expected: i64) -> DomainResult<bool> {
        let id = school.id;
        Ok(replace(
            &mut self.rows().schools,
            |s| s.id == id,
            |s| s.version,
            expected,
            school,
        ))
    }
    async fn delete(&self, _: &School) -> DomainResult<bool> {
        not_kept()
    }
}

#[async_trait]
impl BusinessRepository for Memory {
    async fn insert(&self, business: &Business) -> DomainResult<()> {
        self.rows().businesses.push(business.clone());
        Ok(())
    }
    async fn get(&self, tenant: TenantId, id: BusinessId) -> DomainResult<Option<Business>> {
        Ok(first(&self.rows().businesses, |b| {
            b.tenant_id == tenant && b.id == id
        }))
    }
    async fn list(
        &self,
        _: TenantId,
        _: &BusinessFilter,
        _: &PageRequest,
    ) -> DomainResult<Vec<Business>> {
        not_kept()
    }
    async fn update(&self, _: &Business, _: i64) -> DomainResult<bool> {
        not_kept()
    }
    async fn delete(&self, _: &Business) -> DomainResult<bool> {
        not_kept()
    }
}

#[async_trait]
impl CoachRepository for Memory {
    async fn insert(&self, coach: &Coach) -> DomainResult<()> {
        self.rows().coaches.push(coach.clone());
        Ok(())
    }
    async fn get(
        &self,
        tenant: TenantId,
        business: BusinessId,
        id: CoachId,
    ) -> DomainResult<Option<Coach>> {
        Ok(first(&self.rows().coaches, |c| {
            c.tenant_id == tenant && c.business_id == business && c.id == id
        }))
    }
    async fn list(
        &self,
        _: TenantId,
        _: BusinessId,
        _: &CoachFilter,
        _: &PageRequest,
    ) -> DomainResult<Vec<Coach>> {
        not_kept()
    }
    async fn update(&self, _: &Coach, _: i64) -> DomainResult<bool> {
        not_kept()
    }
    async fn delete(&self, _: &Coach) -> DomainResult<bool> {
        not_kept()
    }
}

#[async_trait]
impl ProgrammeRepository for Memory {
    async fn insert(&self, _: &Programme) -> DomainResult<()> {
        not_kept()
    }
    async fn get(&self, _: TenantId, _: ProgrammeId) -> DomainResult<Option<Programme>> {
        Ok(None)
    }
    async fn list(
        &self,
        _: TenantId,
        _: &ProgrammeFilter,
        _: &PageRequest,
    ) -> DomainResult<Vec<Programme>> {
        not_kept()
    }
    async fn update(&self, _: &Programme, _: i64) -> DomainResult<bool> {
        not_kept()
    }
    async fn delete(&self, _: &Programme) -> DomainResult<bool> {
        not_kept()
    }
    async fn insert_member(&self, _: &ProgrammeMember) -> DomainResult<()> {
        not_kept()
    }
    async fn get_member(
        &self,
        _: TenantId,
        _: ProgrammeId,
        _: ProgrammeMemberId,
    ) -> DomainResult<Option<ProgrammeMember>> {
        not_kept()
    }
    async fn list_members(
        &self,
        _: TenantId,
        _: ProgrammeId,
        _: &PageRequest,
    ) -> DomainResult<Vec<ProgrammeMember>> {
        not_kept()
    }
    async fn update_member(&self, _: &ProgrammeMember, _: i64) -> DomainResult<bool> {
        not_kept()
    }
    async fn delete_member(&self, _: &ProgrammeMember) -> DomainResult<bool> {
        not_kept()
    }
}

#[async_trait]
impl WorkVisitRepository for Memory {
    async fn insert(&self, visit: &WorkVisit) -> DomainResult<()> {
        self.rows().visits.push(visit.clone());
        Ok(())
    }
    async fn get(&self, tenant: TenantId, id: WorkVisitId) -> DomainResult<Option<WorkVisit>> {
        Ok(first(&self.rows().visits, |v| {
            v.tenant_id == tenant && v.id == id
        }))
    }
    async fn list(
        &self,
        _: TenantId,
        _: &WorkVisitFilter,
        _: &PageRequest,
    ) -> DomainResult<Vec<WorkVisit>> {
        not_kept()
    }
    async fn update(&self, visit: &WorkVisit, expected: i64) -> DomainResult<bool> {
        let id = visit.id;
        Ok(replace(
            &mut self.rows().visits,
            |v| v.id == id,
            |v| v.version,
            expected,
            visit,
        ))
    }
    async fn delete(&self, _: &WorkVisit) -> DomainResult<bool> {
        not_kept()
    }
    async fn insert_slot(&self, slot: &Slot) -> DomainResult<()> {
        self.rows().slots.push(slot.clone());
        Ok(())
    }
    async fn find_slot(&self, tenant: TenantId, id: SlotId) -> DomainResult<Option<Slot>> {
        Ok(first(&self.rows().slots, |s| {
            s.tenant_id == tenant && s.id == id
        }))
    }
    async fn get_slot(
        &self,
        tenant: TenantId,
        visit: WorkVisitId,
        id: SlotId,
    ) -> DomainResult<Option<Slot>> {
        Ok(first(&self.rows().slots, |s| {
            s.tenant_id == tenant && s.work_visit_id == visit && s.id == id
        }))
    }
    async fn list_slots(
        &self,
        _: TenantId,
        _: WorkVisitId,
        _: &PageRequest,
    ) -> DomainResult<Vec<Slot>> {
        not_kept()
    }
    async fn update_slot(&self, slot: &Slot, expected: i64) -> DomainResult<bool> {
        let id = slot.id;
        Ok(replace(
            &mut self.rows().slots,
            |s| s.id == id,
            |s| s.version,
            expected,
            slot,
        ))
    }
    async fn delete_slot(&self, _: &Slot) -> DomainResult<bool> {
        not_kept()
    }
    async fn slots_by_ids(&self, tenant: TenantId, ids: &[SlotId]) -> DomainResult<Vec<Slot>> {
        Ok(picked(&self.rows().slots, |s| {
            s.tenant_id == tenant && ids.contains(&s.id)
        }))
    }
    async fn visits_by_ids(
        &self,
        tenant: TenantId,
        ids: &[WorkVisitId],
    ) -> DomainResult<Vec<WorkVisit>> {
        Ok(picked(&self.rows().visits, |v| {
            v.tenant_id == tenant && ids.contains(&v.id)
        }))
    }
    async fn candidates(
        &self,
        tenant: TenantId,
        query: &CandidateQuery,
        each: &mut (dyn FnMut(Candidate) + Send),
    ) -> DomainResult<()> {
        let rows = self.rows();
        let mut earliest: std::collections::BTreeMap<WorkVisitId, &Slot> = Default::default();
        for slot in rows.slots.iter().filter(|s| {
            s.tenant_id == tenant && s.status == SlotStatus::Scheduled && s.seats_left() > 0
        }) {
            let Some(visit) = rows.visits.iter().find(|v| {
                v.tenant_id == tenant
                    && v.id == slot.work_visit_id
                    && v.status == WorkVisitStatus::Published
            }) else {
                continue;
            };
            let at = slot.schedule.starts_at();
            if !query.fits(at, visit.ages, &visit.education_levels) {
                continue;
            }
            let best = earliest.entry(visit.id).or_insert(slot);
            if (at, slot.id) < (best.schedule.starts_at(), best.id) {
                *best = slot;
            }
        }
        let found: Vec<Candidate> = earliest
            .values()
            .filter_map(|slot| {
                let v = rows.visits.iter().find(|v| v.id == slot.work_visit_id)?;
                Some(Candidate {
                    work_visit_id: v.id,
                    slot_id: slot.id,
                    starts_at: slot.schedule.starts_at(),
                    title: v.title.clone(),
                    format: v.format,
                    sectors: v.sectors.clone(),
                    occupations: v.occupations.clone(),
                    competences: v.competences.clone(),
                    ages: v.ages,
                    education_levels: v.education_levels.clone(),
                    languages: v.languages.clone(),
                })
            })
            .collect();
        found.into_iter().for_each(each);
        Ok(())
    }
    async fn business_slots_since(
        &self,
        _: TenantId,
        _: BusinessId,
        _: DateTime<Utc>,
        _: u64,
    ) -> DomainResult<Vec<Slot>> {
        not_kept()
    }
    async fn load_offerings(
        &self,
        _: TenantId,
        _: BusinessId,
        _: Option<&[ExternalId]>,
    ) -> DomainResult<Vec<StoredOffering>> {
        not_kept()
    }
    async fn apply_sync(&self, _: &[&SyncWrite]) -> DomainResult<Vec<DomainResult<()>>> {
        not_kept()
    }
}

#[async_trait]
impl BookingRepository for Memory {
    /// Seats are taken only if they fit the slot's capacity, as the database's
    /// conditional update does.
    async fn book(
        &self,
        booking: &Booking,
        when_full: WhenFull,
        audit: &[AuditEvent],
    ) -> DomainResult<Booking> {
        let mut rows = self.rows();
        let mut stored = booking.clone();
        let slot = rows
            .slots
            .iter_mut()
            .find(|s| s.id == booking.slot_id)
            .ok_or(DomainError::NotFound("slot"))?;
        if slot.seats_left() >= booking.seats {
            slot.seats_booked += booking.seats;
        } else {
            stored.status = when_full.outcome()?;
        }
        rows.bookings.push(stored.clone());
        rows.audit.extend_from_slice(audit);
        Ok(stored)
    }
    async fn record_attendance(
        &self,
        booking: &Booking,
        expected: i64,
        entries: &[PortfolioEntry],
        audit: &[AuditEvent],
    ) -> DomainResult<bool> {
        let mut rows = self.rows();
        let id = booking.id;
        if !replace(
            &mut rows.bookings,
            |b| b.id == id,
            |b| b.version,
            expected,
            booking,
        ) {
            return Ok(false);
        }
        rows.entries.extend_from_slice(entries);
        rows.audit.extend_from_slice(audit);
        Ok(true)
    }
    async fn get(&self, tenant: TenantId, id: BookingId) -> DomainResult<Option<Booking>> {
        Ok(first(&self.rows().bookings, |b| {
            b.tenant_id == tenant && b.id == id
        }))
    }
    async fn update(&self, booking: &Booking, expected: i64) -> DomainResult<bool> {
        let id = booking.id;
        Ok(replace(
            &mut self.rows().bookings,
            |b| b.id == id,
            |b| b.version,
            expected,
            booking,
        ))
    }
    async fn mark(
        &self,
        booking: &Booking,
        expected: i64,
        _: crate::bookings::CycleStep,
    ) -> DomainResult<bool> {
        BookingRepository::update(self, booking, expected).await
    }
    async fn list(
        &self,
        _: TenantId,
        _: &BookingFilter,
        _: &PageRequest,
    ) -> DomainResult<Vec<Booking>> {
        not_kept()
    }
    async fn for_school_since(
        &self,
        _: TenantId,
        _: SchoolId,
        _: DateTime<Utc>,
        _: u64,
    ) -> DomainResult<Vec<Booking>> {
        not_kept()
    }
    /// Frees the seats and confirms what the policy picks, as the database adapter does.
    async fn cancel(
        &self,
        booking: &Booking,
        reason: Option<crate::values::Description>,
        at: DateTime<Utc>,
    ) -> DomainResult<Option<Booking>> {
        let mut rows = self.rows();
        let mut cancelled = booking.clone();
        cancelled.status = BookingStatus::Cancelled;
        cancelled.cancellation_reason = reason;
        cancelled.cancelled_at = Some(at);
        cancelled.version += 1;
        cancelled.updated_at = at;
        let id = booking.id;
        if !replace(
            &mut rows.bookings,
            |b| b.id == id,
            |b| b.version,
            booking.version,
            &cancelled,
        ) {
            return Ok(None);
        }
        if booking.status == BookingStatus::Confirmed {
            let Rows {
                slots, bookings, ..
            } = &mut *rows;
            let slot = slots
                .iter_mut()
                .find(|s| s.id == booking.slot_id)
                .ok_or(DomainError::NotFound("slot"))?;
            slot.seats_booked -= booking.seats;
            let waiting: Vec<Waiting> = bookings
                .iter()
                .filter(|b| b.slot_id == slot.id && b.status == BookingStatus::Waitlisted)
                .map(|b| Waiting {
                    id: b.id,
                    seats: b.seats,
                    created_at: b.created_at,
                })
                .collect();
            for promoted in promotions(&waiting, slot.seats_left()) {
                if let Some(b) = bookings.iter_mut().find(|b| b.id == promoted) {
                    slot.seats_booked += b.seats;
                    b.status = BookingStatus::Confirmed;
                    b.version += 1;
                }
            }
        }
        Ok(Some(cancelled))
    }
}

#[async_trait]
impl FeedbackRepository for Memory {
    async fn insert(&self, feedback: &Feedback) -> DomainResult<()> {
        self.rows().feedback.push(feedback.clone());
        Ok(())
    }
    async fn list(
        &self,
        _: TenantId,
        _: BookingId,
        _: &PageRequest,
    ) -> DomainResult<Vec<Feedback>> {
        not_kept()
    }
    async fn get(
        &self,
        _: TenantId,
        _: BookingId,
        _: FeedbackId,
    ) -> DomainResult<Option<Feedback>> {
        not_kept()
    }
    async fn count(
        &self,
        tenant: TenantId,
        booking: BookingId,
        author: FeedbackAuthor,
    ) -> DomainResult<u64> {
        Ok(self
            .rows()
            .feedback
            .iter()
            .filter(|f| f.tenant_id == tenant && f.booking_id == booking && f.author == author)
            .count() as u64)
    }
}

#[async_trait]
impl StudentRepository for Memory {
    async fn insert(&self, student: &Student, audit: &AuditEvent) -> DomainResult<()> {
        let mut rows = self.rows();
        rows.students.push(student.clone());
        rows.audit.push(audit.clone());
        Ok(())
    }
    async fn get(&self, tenant: TenantId, id: StudentId) -> DomainResult<Option<Student>> {
        Ok(first(&self.rows().students, |s| {
            s.tenant_id == tenant && s.id == id
        }))
    }
    async fn get_many(&self, tenant: TenantId, ids: &[StudentId]) -> DomainResult<Vec<Student>> {
        Ok(picked(&self.rows().students, |s| {
            s.tenant_id == tenant && ids.contains(&s.id)
        }))
    }
    async fn list(
        &self,
        _: TenantId,
        _: SchoolId,
        _: &StudentFilter,
        _: &PageRequest,
    ) -> DomainResult<Vec<Student>> {
        not_kept()
    }
    async fn by_refs(&self, _: TenantId, _: SchoolId, _: &[String]) -> DomainResult<Vec<Student>> {
        not_kept()
    }
    async fn update(
        &self,
        student: &Student,
        expected: i64,
        audit: &AuditEvent,
    ) -> DomainResult<bool> {
        let mut rows = self.rows();
        let id = student.id;
        let done = replace(
            &mut rows.students,
            |s| s.id == id,
            |s| s.version,
            expected,
            student,
        );
        if done {
            rows.audit.push(audit.clone());
        }
        Ok(done)
    }
    async fn import(
        &self,
        _: &[Student],
        _: &[(Student, i64)],
        _: &[AuditEvent],
    ) -> DomainResult<()> {
        not_kept()
    }
    async fn bookings(&self, _: TenantId, _: StudentId) -> DomainResult<Vec<StudentBooking>> {
        Ok(Vec::new())
    }
    async fn placements(
        &self,
        _: TenantId,
        _: StudentId,
    ) -> DomainResult<Vec<crate::students::StudentPlacement>> {
        Ok(Vec::new())
    }
    async fn erase(&self, _: &Student, _: &AuditEvent) -> DomainResult<bool> {
        not_kept()
    }
}

#[async_trait]
impl ConsentRepository for Memory {
    async fn insert(&self, consent: &Consent, audit: &AuditEvent) -> DomainResult<()> {
        let mut rows = self.rows();
        rows.consents.push(consent.clone());
        rows.audit.push(audit.clone());
        Ok(())
    }
    async fn ledger(&self, tenant: TenantId, student: StudentId) -> DomainResult<Vec<Consent>> {
        Ok(picked(&self.rows().consents, |c| {
            c.tenant_id == tenant && c.student_id == student
        }))
    }
    /// The latest decision per pupil and purpose counts.
    async fn granted(
        &self,
        tenant: TenantId,
        students: &[StudentId],
        purpose: ConsentPurpose,
    ) -> DomainResult<Vec<StudentId>> {
        let rows = self.rows();
        Ok(students
            .iter()
            .copied()
            .filter(|id| {
                rows.consents
                    .iter()
                    .filter(|c| {
                        c.tenant_id == tenant && c.student_id == *id && c.purpose == purpose
                    })
                    .max_by_key(|c| c.recorded_at)
                    .is_some_and(|c| c.status == ConsentStatus::Granted)
            })
            .collect())
    }
}

#[async_trait]
impl PortfolioRepository for Memory {
    async fn insert(&self, entry: &PortfolioEntry, audit: &AuditEvent) -> DomainResult<()> {
        let mut rows = self.rows();
        rows.entries.push(entry.clone());
        rows.audit.push(audit.clone());
        Ok(())
    }
    async fn get(
        &self,
        tenant: TenantId,
        id: PortfolioEntryId,
    ) -> DomainResult<Option<PortfolioEntry>> {
        Ok(first(&self.rows().entries, |e| {
            e.tenant_id == tenant && e.id == id
        }))
    }
    /// The pupil's entries the school may open, as the database adapter lists them.
    async fn list(
        &self,
        tenant: TenantId,
        student: &Student,
        _: &EntryFilter,
        _: &PageRequest,
    ) -> DomainResult<Vec<PortfolioEntry>> {
        Ok(self
            .rows()
            .entries
            .iter()
            .filter(|e| e.tenant_id == tenant && e.student_id == student.id)
            .filter(|e| student.entry_is_open(e.created_at))
            .cloned()
            .collect())
    }
    async fn all(&self, tenant: TenantId, student: StudentId) -> DomainResult<Vec<PortfolioEntry>> {
        Ok(picked(&self.rows().entries, |e| {
            e.tenant_id == tenant && e.student_id == student
        }))
    }
    async fn on_booking(&self, _: TenantId, _: BookingId) -> DomainResult<Vec<PortfolioEntry>> {
        not_kept()
    }
    async fn update(&self, _: &PortfolioEntry, _: i64, _: &AuditEvent) -> DomainResult<bool> {
        not_kept()
    }
    async fn delete(&self, _: &PortfolioEntry, _: &AuditEvent) -> DomainResult<bool> {
        not_kept()
    }
}

#[async_trait]
impl RoutePlanRepository for Memory {
    async fn insert(&self, plan: &RoutePlan, audit: &AuditEvent) -> DomainResult<()> {
        let mut rows = self.rows();
        rows.plans.push(plan.clone());
        rows.audit.push(audit.clone());
        Ok(())
    }
    async fn versions(&self, tenant: TenantId, student: StudentId) -> DomainResult<Vec<RoutePlan>> {
        Ok(picked(&self.rows().plans, |p| {
            p.tenant_id == tenant && p.student_id == student
        }))
    }
    async fn agree(
        &self,
        plan: &RoutePlan,
        agreement: &PlanAgreement,
        audit: &AuditEvent,
    ) -> DomainResult<(PlanAgreement, bool)> {
        let mut rows = self.rows();
        let stored = rows
            .plans
            .iter_mut()
            .find(|p| p.id == plan.id)
            .ok_or(DomainError::NotFound("route plan"))?;
        if let Some(earlier) = stored
            .agreements
            .iter()
            .find(|a| a.party == agreement.party)
        {
            return Ok((earlier.clone(), false));
        }
        stored.agreements.push(agreement.clone());
        rows.audit.push(audit.clone());
        Ok((agreement.clone(), true))
    }
}

#[async_trait]
impl crate::students::TalentNoteRepository for Memory {
    async fn insert(
        &self,
        note: &crate::students::TalentNote,
        entry: &PortfolioEntry,
        audit: &[AuditEvent],
    ) -> DomainResult<()> {
        let mut rows = self.rows();
        rows.talent_notes.push(note.clone());
        rows.entries.push(entry.clone());
        rows.audit.extend_from_slice(audit);
        Ok(())
    }
    async fn on_booking(
        &self,
        _: TenantId,
        booking: BookingId,
    ) -> DomainResult<Vec<crate::students::TalentNote>> {
        Ok(picked(&self.rows().talent_notes, |n| {
            n.booking_id == booking
        }))
    }
    async fn delete(
        &self,
        note: &crate::students::TalentNote,
        audit: &AuditEvent,
    ) -> DomainResult<bool> {
        let mut rows = self.rows();
        let before = rows.talent_notes.len();
        rows.talent_notes.retain(|n| n.id != note.id);
        rows.entries.retain(|e| e.id != note.entry_id);
        rows.audit.push(audit.clone());
        Ok(rows.talent_notes.len() < before)
    }
    async fn interests(
        &self,
        _: TenantId,
        _: crate::students::InterestScope,
    ) -> DomainResult<Vec<crate::students::RecruitmentInterest>> {
        not_kept()
    }
    async fn of_student(
        &self,
        _: TenantId,
        student: StudentId,
    ) -> DomainResult<Vec<crate::students::TalentNote>> {
        Ok(picked(&self.rows().talent_notes, |n| {
            n.student_id == student
        }))
    }
}

#[async_trait]
impl InvitationRepository for Memory {
    async fn insert(
        &self,
        invitation: &GuardianInvitation,
        audit: &AuditEvent,
    ) -> DomainResult<()> {
        let mut rows = self.rows();
        rows.invitations.push(invitation.clone());
        rows.audit.push(audit.clone());
        Ok(())
    }
    async fn find_by_digest(&self, digest: &str) -> DomainResult<Option<GuardianInvitation>> {
        let rows = self.rows();
        Ok(rows
            .invitations
            .iter()
            .find(|i| i.digest == digest)
            .cloned())
    }
    async fn get(
        &self,
        tenant: TenantId,
        id: InvitationId,
    ) -> DomainResult<Option<GuardianInvitation>> {
        let rows = self.rows();
        Ok(rows
            .invitations
            .iter()
            .find(|i| i.tenant_id == tenant && i.id == id)
            .cloned())
    }
    async fn list(
        &self,
        tenant: TenantId,
        student: StudentId,
        _page: &PageRequest,
    ) -> DomainResult<Vec<GuardianInvitation>> {
        Ok(picked(&self.rows().invitations, |i| {
            i.tenant_id == tenant && i.student_id == student
        }))
    }
    async fn revoke(
        &self,
        tenant: TenantId,
        id: InvitationId,
        at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> DomainResult<()> {
        let mut rows = self.rows();
        for i in &mut rows.invitations {
            if i.tenant_id == tenant && i.id == id && i.revoked_at.is_none() {
                i.revoked_at = Some(at);
            }
        }
        rows.audit.push(audit.clone());
        Ok(())
    }
    async fn mark_used(
        &self,
        tenant: TenantId,
        id: InvitationId,
        at: DateTime<Utc>,
    ) -> DomainResult<()> {
        for i in &mut self.rows().invitations {
            if i.tenant_id == tenant && i.id == id {
                i.used_at = Some(at);
            }
        }
        Ok(())
    }
}

#[async_trait]
impl ApiKeyRepository for Memory {
    async fn insert(&self, key: &ApiKey) -> DomainResult<()> {
        self.rows().keys.push(key.clone());
        Ok(())
    }
    async fn find_by_digest(&self, digest: &str) -> DomainResult<Option<ApiKey>> {
        Ok(self
            .rows()
            .keys
            .iter()
            .find(|k| k.digest == digest)
            .cloned())
    }
    async fn get(&self, tenant: TenantId, id: ApiKeyId) -> DomainResult<Option<ApiKey>> {
        let rows = self.rows();
        Ok(rows
            .keys
            .iter()
            .find(|k| k.tenant_id == Some(tenant) && k.id == id)
            .cloned())
    }
    async fn list(&self, _tenant: TenantId, _page: &PageRequest) -> DomainResult<Vec<ApiKey>> {
        not_kept()
    }
    async fn student_tokens(
        &self,
        tenant: TenantId,
        student: StudentId,
        _page: &PageRequest,
    ) -> DomainResult<Vec<ApiKey>> {
        Ok(picked(&self.rows().keys, |k| {
            k.tenant_id == Some(tenant)
                && matches!(k.binding, crate::auth::Binding::Student { student: s, .. } if s == student)
        }))
    }
    async fn revoke(
        &self,
        tenant: TenantId,
        which: Revocation,
        at: DateTime<Utc>,
    ) -> DomainResult<Vec<ApiKey>> {
        let mut revoked = Vec::new();
        for key in &mut self.rows().keys {
            let hit = match which {
                Revocation::Key(id) => key.id == id || key.issued_by == Some(id),
                Revocation::StudentTokens(student) => matches!(
                    key.binding,
                    crate::auth::Binding::Student { student: s, .. } if s == student
                ),
            };
            if key.tenant_id == Some(tenant) && hit && key.revoked_at.is_none() {
                key.revoked_at = Some(at);
                revoked.push(key.clone());
            }
        }
        Ok(revoked)
    }
    async fn touch(&self, _key: &ApiKey, _at: DateTime<Utc>) -> DomainResult<()> {
        not_kept()
    }
}

#[async_trait]
impl AuditRepository for Memory {
    async fn record(&self, events: &[AuditEvent]) -> DomainResult<()> {
        self.rows().audit.extend_from_slice(events);
        Ok(())
    }
    async fn list(
        &self,
        _: TenantId,
        _: &AuditFilter,
        _: &PageRequest,
    ) -> DomainResult<Vec<AuditEvent>> {
        not_kept()
    }
}

#[async_trait]
impl RouteMapRepository for Memory {
    async fn insert(&self, map: &RouteMap) -> DomainResult<()> {
        let empty = Graph::new(Vec::new(), Vec::new())?;
        self.rows().maps.push((map.clone(), empty));
        Ok(())
    }
    async fn get(&self, tenant: TenantId, id: RouteMapId) -> DomainResult<Option<RouteMap>> {
        Ok(self
            .rows()
            .maps
            .iter()
            .find(|(m, _)| m.tenant_id == tenant && m.id == id)
            .map(|(m, _)| m.clone()))
    }
    async fn list(
        &self,
        _: TenantId,
        _: &RouteMapFilter,
        _: &PageRequest,
    ) -> DomainResult<Vec<RouteMap>> {
        not_kept()
    }
    async fn update(&self, map: &RouteMap, expected: i64) -> DomainResult<bool> {
        let mut rows = self.rows();
        match rows.maps.iter_mut().find(|(m, _)| m.id == map.id) {
            Some((stored, _)) if stored.version == expected => {
                *stored = map.clone();
                Ok(true)
            }
            _ => Ok(false),
        }
    }
    async fn delete(&self, _: &RouteMap) -> DomainResult<bool> {
        not_kept()
    }
    async fn replace_graph(
        &self,
        map: &RouteMap,
        expected: i64,
        graph: &Graph,
    ) -> DomainResult<bool> {
        let mut rows = self.rows();
        match rows.maps.iter_mut().find(|(m, _)| m.id == map.id) {
            Some((stored, stored_graph)) if stored.version == expected => {
                *stored = map.clone();
                *stored_graph = graph.clone();
                Ok(true)
            }
            _ => Ok(false),
        }
    }
    async fn graph(&self, tenant: TenantId, id: RouteMapId) -> DomainResult<Graph> {
        self.rows()
            .maps
            .iter()
            .find(|(m, _)| m.tenant_id == tenant && m.id == id)
            .map(|(_, g)| g.clone())
            .ok_or(DomainError::NotFound("route map"))
    }
}
