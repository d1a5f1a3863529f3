//! The audit log of pupils' data: every read or write of a pupil's record, consents or
//! portfolio, every export and erasure appends one event naming who (key and role),
//! what, which pupil, when and in which request. Events hold ids only, so they outlive
//! an erasure without keeping anything personal.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::auth::{Actor, Role};
use crate::error::DomainResult;
use crate::ids::{ApiKeyId, AuditEventId, SchoolId, StudentId, TenantId};
use crate::paging::{Page, PageRequest};

vocabulary! {
    /// What was done to a pupil's data.
    pub enum AuditAction = "audit_actions" {
        StudentCreate => "student.create", "Pupil created", "Leerling aangemaakt";
        StudentRead => "student.read", "Pupil read", "Leerling ingezien";
        StudentList => "student.list", "Pupil listed", "Leerling in een lijst getoond";
        StudentUpdate => "student.update", "Pupil changed", "Leerling gewijzigd";
        StudentImport => "student.import", "Pupil imported from the roster", "Leerling geïmporteerd";
        StudentTransfer => "student.transfer", "Pupil moved to another school", "Leerling overgeschreven";
        StudentExport => "student.export", "Everything held on the pupil exported", "Alle gegevens van de leerling geëxporteerd";
        StudentErase => "student.erase", "Pupil erased", "Leerling gewist";
        ConsentRecord => "consent.record", "Consent recorded", "Toestemming vastgelegd";
        ConsentRead => "consent.read", "Consents read", "Toestemmingen ingezien";
        PortfolioRead => "portfolio.read", "Portfolio read", "Portfolio ingezien";
        EntryCreate => "portfolio_entry.create", "Portfolio entry added", "Portfolio-item toegevoegd";
        EntryUpdate => "portfolio_entry.update", "Portfolio entry changed", "Portfolio-item gewijzigd";
        EntryDelete => "portfolio_entry.delete", "Portfolio entry removed", "Portfolio-item verwijderd";
        BookingNameStudents => "booking.name_pupils", "Pupil named on a booking", "Leerling op een boeking gezet";
        BookingStudentsRead => "booking.read_pupils", "Pupil's name read on a booking", "Naam van een leerling op een boeking ingezien";
        AttendanceRecord => "booking.attendance", "Pupil's attendance recorded", "Aanwezigheid van een leerling vastgelegd";
        RoutePlanRead => "route_plan.read", "Route plan read", "Routeplan ingezien";
        RoutePlanWrite => "route_plan.write", "Route plan changed", "Routeplan gewijzigd";
        RoutePlanAgree => "route_plan.agree", "Route plan agreed to", "Akkoord met het routeplan";
        StudentBookingsRead => "student.bookings", "Pupil's bookings read", "Boekingen van de leerling ingezien";
        AccessTokenIssue => "access_token.issue", "Pupil's or guardian's token made", "Token voor leerling of ouder gemaakt";
        AccessTokenList => "access_token.list", "Pupil's and guardians' tokens listed", "Tokens van leerling en ouders getoond";
        CatalogueRead => "catalogue.read", "The catalogue read with a pupil's or guardian's token", "De catalogus gelezen met een token van leerling of ouder";
        InvitationCreate => "guardian_invitation.create", "Guardian invited", "Ouder uitgenodigd";
        InvitationList => "guardian_invitation.list", "Guardian invitations listed", "Uitnodigingen voor ouders getoond";
        InvitationRevoke => "guardian_invitation.revoke", "Guardian invitation revoked", "Uitnodiging voor ouders ingetrokken";
        InvitationOpen => "guardian_invitation.open", "Parents' page opened", "Ouderpagina geopend";
        InvitationAnswer => "guardian_invitation.answer", "Parents' page submitted", "Ouderpagina verstuurd";
        AccessTokenRevoke => "access_token.revoke", "Pupil's or guardian's token revoked", "Token voor leerling of ouder ingetrokken";
        SharedEntriesRead => "booking.read_shared_entries", "Shared portfolio entry read by the host", "Gedeeld portfolio-item door het gastbedrijf ingezien";
        RecommendationsRead => "student.recommendations", "Visits recommended from the pupil's portfolio and route plan", "Bezoeken aanbevolen uit portfolio en routeplan van de leerling";
        PlacementPropose => "student.placement", "Pupil's choices placed over a day's slots (a proposal)", "Keuzes van de leerling over de plekken van een dag verdeeld (een voorstel)";
        TalentNoteWrite => "booking.talent_note", "Talent note written about the pupil by the host", "Talentnotitie over de leerling door het gastbedrijf geschreven";
        TalentNotesRead => "booking.read_talent_notes", "Host's talent notes read by the host", "Talentnotities door het gastbedrijf ingezien";
        TalentNoteWithdraw => "booking.withdraw_talent_note", "Talent note withdrawn by the host", "Talentnotitie door het gastbedrijf ingetrokken";
        CredentialIssue => "student.credential_issue", "Credential issued to the pupil", "Credential aan de leerling uitgegeven";
        CredentialsRead => "student.credentials", "Pupil's credentials read", "Credentials van de leerling ingezien";
        CredentialRevoke => "student.credential_revoke", "Pupil's credential revoked", "Credential van de leerling ingetrokken";
        InterestsRead => "student.interests", "Recruitment interests in the pupil read", "Interesse van werkgevers in de leerling ingezien";
    }
}

/// One access to one pupil's data (or to pupils' data in general, without a pupil).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: AuditEventId,
    pub tenant_id: TenantId,
    pub at: DateTime<Utc>,
    /// `None` for the operator's bootstrap key.
    pub key_id: Option<ApiKeyId>,
    pub role: Role,
    pub action: AuditAction,
    pub student_id: Option<StudentId>,
    /// The school the pupil belonged to at the time.
    pub school_id: Option<SchoolId>,
    pub request_id: Option<String>,
}

impl AuditEvent {
    /// `actor` did `action` to `student` (of `school`) in `tenant` at `at`.
    pub fn new(
        actor: &Actor,
        tenant: TenantId,
        action: AuditAction,
        (student, school): (StudentId, SchoolId),
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: AuditEventId::new(),
            tenant_id: tenant,
            at,
            key_id: actor.key_id,
            role: actor.role,
            action,
            student_id: Some(student),
            school_id: Some(school),
            request_id: actor.request_id.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub student_id: Option<StudentId>,
    pub key_id: Option<ApiKeyId>,
    pub action: Option<AuditAction>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait AuditRepository: Send + Sync {
    /// Appends the events (reads are recorded this way; writes record theirs in their
    /// own transaction through the repository that writes).
    async fn record(&self, events: &[AuditEvent]) -> DomainResult<()>;
    async fn list(
        &self,
        tenant: TenantId,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<AuditEvent>>;
}

#[derive(Clone)]
pub struct AuditService {
    repo: Arc<dyn AuditRepository>,
}

impl AuditService {
    pub fn new(repo: Arc<dyn AuditRepository>) -> Self {
        Self { repo }
    }

    /// The tenant's audit log, for the city's and the platform's administrators: it
    /// shows who touched which pupil (by id), never what the data was.
    pub async fn list(
        &self,
        actor: &Actor,
        tenant: TenantId,
        filter: AuditFilter,
        page: PageRequest,
    ) -> DomainResult<Page<AuditEvent>> {
        actor.require_admin()?;
        // A window that ends before it starts holds nothing (as the work-visit search).
        let rows = self.repo.list(tenant, &filter, &page).await?;
        Ok(Page::from_fetched(rows, &page, |e| e.id.as_uuid()))
    }
}
