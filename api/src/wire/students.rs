//! StudentRecords, consents, portfolios, exports and the audit log on the wire.

use chrono::{DateTime, Utc};
use driehoek_domain::ValidationErrors;
use driehoek_domain::audit::AuditEvent;
use driehoek_domain::credentials::Credential;
use driehoek_domain::ids::SchoolId;
use driehoek_domain::students::{
    Consent, GuardianInvitation, NewConsent, NewInvitation, NewStudent, PageLanguage, RosterRow,
    Student, StudentBooking, StudentChanges, StudentExport, StudentPlacement, StudentStatus,
    current_consents,
};
use driehoek_domain::values::{ExternalRef, Name, ShortText};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::portfolios::{EntryOut, RoutePlanOut};
use super::{
    AuditActionCode, BookingStatusCode, ConsentGiverCode, ConsentPurposeCode, ConsentStatusCode,
    EducationLevelCode, PlacementStatusCode, RoleCode, StudentStatusCode, UnplacedReasonCode,
    double_option, patch_field,
};

/// A new pupil: the minimum a school needs — no national numbers, addresses or health
/// data, and the birth year, never the date.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StudentIn {
    /// Only for a platform administrator; a school key adds pupils to its own school.
    pub school_id: Option<Uuid>,
    /// The school's own pupil number; unique per school.
    #[schema(example = "LL-2031-0042")]
    #[schema(min_length = 1, max_length = 64)]
    pub external_ref: String,
    /// First name or alias.
    #[schema(example = "Sara")]
    pub display_name: String,
    #[schema(example = 2011)]
    pub birth_year: i32,
    #[schema(example = "2 havo")]
    #[schema(min_length = 1, max_length = 200)]
    pub grade: Option<String>,
    pub education_level: EducationLevelCode,
    /// Default `active`.
    pub status: Option<StudentStatusCode>,
}

impl TryFrom<StudentIn> for NewStudent {
    type Error = ValidationErrors;

    /// The same checks as a roster row's.
    fn try_from(input: StudentIn) -> Result<Self, ValidationErrors> {
        let row = RosterRow::try_from(RosterRowIn {
            external_ref: input.external_ref,
            display_name: input.display_name,
            birth_year: input.birth_year,
            grade: input.grade,
            education_level: input.education_level,
            status: input.status,
        })?;
        Ok(NewStudent {
            school_id: input.school_id.map(SchoolId::from_uuid),
            external_ref: row.external_ref,
            display_name: row.display_name,
            birth_year: row.birth_year,
            grade: row.grade,
            education_level: row.education_level,
            status: row.status,
        })
    }
}

/// Changes to a pupil's record (JSON merge patch).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StudentPatch {
    #[schema(min_length = 1, max_length = 64)]
    pub external_ref: Option<String>,
    pub display_name: Option<String>,
    pub birth_year: Option<i32>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    #[schema(min_length = 1, max_length = 200)]
    pub grade: Option<Option<String>>,
    pub education_level: Option<EducationLevelCode>,
    pub status: Option<StudentStatusCode>,
}

impl TryFrom<StudentPatch> for StudentChanges {
    type Error = ValidationErrors;

    fn try_from(input: StudentPatch) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let changes = StudentChanges {
            external_ref: input
                .external_ref
                .and_then(|v| errors.check("/external_ref", ExternalRef::parse(&v))),
            display_name: input
                .display_name
                .and_then(|v| errors.check("/display_name", Name::parse(&v))),
            birth_year: input.birth_year,
            grade: patch_field(
                &mut errors,
                "/grade",
                input.grade.map(|v| v.as_deref().map(ShortText::parse)),
            ),
            education_level: input.education_level.map(|l| l.0),
            status: input.status.map(|s| s.0),
        };
        if errors.is_empty() {
            Ok(changes)
        } else {
            Err(errors)
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StudentOut {
    pub id: Uuid,
    pub school_id: Uuid,
    pub external_ref: String,
    pub display_name: String,
    pub birth_year: i32,
    pub grade: Option<String>,
    pub education_level: EducationLevelCode,
    pub status: StudentStatusCode,
    /// Set when the pupil moved school without `portfolio_transfer` consent: entries
    /// made before this moment stay sealed.
    pub portfolio_sealed_before: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Student> for StudentOut {
    fn from(s: Student) -> Self {
        Self {
            id: s.id.as_uuid(),
            school_id: s.school_id.as_uuid(),
            external_ref: s.external_ref.to_string(),
            display_name: s.display_name.to_string(),
            birth_year: s.birth_year,
            grade: s.grade.map(|g| g.to_string()),
            education_level: s.education_level.into(),
            status: s.status.into(),
            portfolio_sealed_before: s.portfolio_open_from,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// One row of a roster: a pupil as the school's pupil system has it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterRowIn {
    #[schema(example = "LL-2031-0042")]
    #[schema(min_length = 1, max_length = 64)]
    pub external_ref: String,
    #[schema(example = "Sara")]
    pub display_name: String,
    #[schema(example = 2011)]
    pub birth_year: i32,
    #[schema(min_length = 1, max_length = 200)]
    pub grade: Option<String>,
    pub education_level: EducationLevelCode,
    /// Default `active`; send `left` for pupils who left the school.
    pub status: Option<StudentStatusCode>,
}

impl TryFrom<RosterRowIn> for RosterRow {
    type Error = ValidationErrors;

    fn try_from(input: RosterRowIn) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let external_ref = errors.check("/external_ref", ExternalRef::parse(&input.external_ref));
        let display_name = errors.check("/display_name", Name::parse(&input.display_name));
        let grade = errors.check_opt("/grade", input.grade.as_deref().map(ShortText::parse));
        match (external_ref, display_name, grade) {
            (Some(external_ref), Some(display_name), Some(grade)) if errors.is_empty() => {
                Ok(RosterRow {
                    external_ref,
                    display_name,
                    birth_year: input.birth_year,
                    grade,
                    education_level: input.education_level.0,
                    status: input.status.map_or(StudentStatus::Active, |s| s.0),
                })
            }
            _ => Err(errors),
        }
    }
}

/// A roster import as JSON (CSV is accepted too: see the operation).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportIn {
    /// Up to 5 000 rows, each judged on its own.
    #[schema(value_type = Vec<RosterRowIn>)]
    pub rows: Vec<serde_json::Value>,
}

/// What happened to one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportResultCode {
    Created,
    Updated,
    /// Identical to the record held: nothing was written.
    Unchanged,
    /// Nothing of this row was written; `problem` says why.
    Failed,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportRowOut {
    /// The row's position (0-based; in CSV, not counting the header).
    pub index: usize,
    pub external_ref: Option<String>,
    pub result: ImportResultCode,
    pub student_id: Option<Uuid>,
    /// Why the row failed; JSON Pointers point into the row.
    pub problem: Option<crate::error::Problem>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportOut {
    pub summary: ImportSummary,
    /// One result per row, in order.
    pub results: Vec<ImportRowOut>,
}

impl ImportOut {
    pub fn new(mut results: Vec<ImportRowOut>) -> Self {
        results.sort_by_key(|r| r.index);
        let mut summary = ImportSummary::default();
        for r in &results {
            *match r.result {
                ImportResultCode::Created => &mut summary.created,
                ImportResultCode::Updated => &mut summary.updated,
                ImportResultCode::Unchanged => &mut summary.unchanged,
                ImportResultCode::Failed => &mut summary.failed,
            } += 1;
        }
        Self { summary, results }
    }
}

/// Moving a pupil to another school of the city.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferIn {
    pub to_school_id: Uuid,
}

/// One decision for one purpose.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentIn {
    pub purpose: ConsentPurposeCode,
    pub status: ConsentStatusCode,
    /// `student` only when the pupil is certainly at or above the city's consent age.
    /// A school's key names it; with a pupil's or guardian's token it is the token's
    /// (`student` or `guardian`) and may be left out.
    pub given_by: Option<ConsentGiverCode>,
}

impl From<ConsentIn> for NewConsent {
    fn from(input: ConsentIn) -> Self {
        Self {
            purpose: input.purpose.0,
            status: input.status.0,
            given_by: input.given_by.map(|g| g.0),
        }
    }
}

/// One line of the consent ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentOut {
    pub id: Uuid,
    pub student_id: Uuid,
    pub purpose: ConsentPurposeCode,
    pub status: ConsentStatusCode,
    pub given_by: ConsentGiverCode,
    pub recorded_at: DateTime<Utc>,
    /// The key, token or invitation it was recorded with (`null` for the operator's
    /// bootstrap key).
    pub recorded_by_key_id: Option<Uuid>,
    pub recorded_by_role: RoleCode,
    pub recorded_via: super::DecisionChannelCode,
}

impl From<&Consent> for ConsentOut {
    fn from(c: &Consent) -> Self {
        Self {
            id: c.id.as_uuid(),
            student_id: c.student_id.as_uuid(),
            purpose: c.purpose.into(),
            status: c.status.into(),
            given_by: c.given_by.into(),
            recorded_at: c.recorded_at,
            recorded_by_key_id: c.recorded_by_key_id.map(|k| k.as_uuid()),
            recorded_by_role: c.recorded_by_role.into(),
            recorded_via: c.recorded_via.into(),
        }
    }
}

/// An invitation for a pupil's parent or guardian to the parents' page.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationIn {
    /// The consent purposes the parent decides on the page.
    #[serde(default)]
    #[schema(max_items = 5)]
    pub purposes: Vec<ConsentPurposeCode>,
    /// Ask the parent to agree to the pupil's current route plan.
    #[serde(default)]
    pub route_plan: bool,
    /// The page's language; default `nl`.
    pub language: Option<super::PageLanguageCode>,
    /// Days the link works: 1-30, default 14.
    #[serde(default = "default_invitation_days")]
    #[schema(minimum = 1, maximum = 30, default = 14)]
    pub expires_in_days: i64,
}

fn default_invitation_days() -> i64 {
    14
}

impl From<InvitationIn> for NewInvitation {
    fn from(input: InvitationIn) -> Self {
        Self {
            purposes: input.purposes.into_iter().map(|p| p.0).collect(),
            route_plan: input.route_plan,
            language: input.language.map_or(PageLanguage::Nl, |l| l.0),
            expires_in_days: input.expires_in_days,
        }
    }
}

/// An invitation as listed: never its link.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationOut {
    pub id: Uuid,
    pub student_id: Uuid,
    pub purposes: Vec<ConsentPurposeCode>,
    pub route_plan: bool,
    pub language: super::PageLanguageCode,
    pub status: super::InvitationStatusCode,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// When the parent last submitted the page.
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl InvitationOut {
    pub fn at(i: GuardianInvitation, now: DateTime<Utc>) -> Self {
        Self {
            id: i.id.as_uuid(),
            student_id: i.student_id.as_uuid(),
            purposes: i.purposes.iter().map(|p| (*p).into()).collect(),
            route_plan: i.route_plan,
            language: i.language.into(),
            status: i.status_at(now).into(),
            created_at: i.created_at,
            expires_at: i.expires_at,
            used_at: i.used_at,
            revoked_at: i.revoked_at,
        }
    }
}

/// A made invitation with its link, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationCreated {
    #[serde(flatten)]
    pub invitation: InvitationOut,
    /// The parents' page. Send it to the parent now: it is never shown again.
    #[schema(example = "https://driehoek.example/invitations/dhi_...")]
    pub url: String,
}

/// The current state of one purpose.
#[derive(Debug, Serialize, ToSchema)]
pub struct CurrentConsentOut {
    pub purpose: ConsentPurposeCode,
    /// The latest decision; `null` when none was ever recorded (which counts as no
    /// consent).
    pub status: Option<ConsentStatusCode>,
    pub given_by: Option<ConsentGiverCode>,
    pub recorded_at: Option<DateTime<Utc>>,
}

/// The ledger and, derived from it, the current state of every purpose.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentsOut {
    pub current: Vec<CurrentConsentOut>,
    /// Every decision, oldest first.
    pub ledger: Vec<ConsentOut>,
}

impl ConsentsOut {
    pub fn new(ledger: &[Consent]) -> Self {
        Self {
            current: current_consents(ledger)
                .into_iter()
                .map(|(purpose, latest)| CurrentConsentOut {
                    purpose: purpose.into(),
                    status: latest.map(|c| c.status.into()),
                    given_by: latest.map(|c| c.given_by.into()),
                    recorded_at: latest.map(|c| c.recorded_at),
                })
                .collect(),
            ledger: ledger.iter().map(ConsentOut::from).collect(),
        }
    }
}

/// A booking the pupil was named on.
#[derive(Debug, Serialize, ToSchema)]
pub struct StudentBookingOut {
    pub booking_id: Uuid,
    pub work_visit_id: Uuid,
    pub slot_id: Uuid,
    pub business_id: Uuid,
    pub status: BookingStatusCode,
    pub present: Option<bool>,
}

impl From<StudentBooking> for StudentBookingOut {
    fn from(b: StudentBooking) -> Self {
        Self {
            booking_id: b.booking_id.as_uuid(),
            work_visit_id: b.work_visit_id.as_uuid(),
            slot_id: b.slot_id.as_uuid(),
            business_id: b.business_id.as_uuid(),
            status: b.status.into(),
            present: b.present,
        }
    }
}

/// A class placement naming the pupil: the choices given and what became of them.
#[derive(Debug, Serialize, ToSchema)]
pub struct StudentPlacementOut {
    pub placement_id: Uuid,
    pub status: PlacementStatusCode,
    pub choices: Vec<Uuid>,
    pub slot_id: Option<Uuid>,
    pub rank: Option<u32>,
    pub unplaced_reason: Option<UnplacedReasonCode>,
}

impl From<StudentPlacement> for StudentPlacementOut {
    fn from(p: StudentPlacement) -> Self {
        Self {
            placement_id: p.placement_id.as_uuid(),
            status: p.status.into(),
            choices: p.line.choices.iter().map(|c| c.as_uuid()).collect(),
            slot_id: p.line.place.map(|(s, _)| s.as_uuid()),
            rank: p.line.place.map(|(_, r)| r),
            unplaced_reason: p.line.unplaced.map(Into::into),
        }
    }
}

/// Everything held on one pupil.
#[derive(Debug, Serialize, ToSchema)]
pub struct StudentExportOut {
    pub exported_at: DateTime<Utc>,
    pub student: StudentOut,
    pub consents: Vec<ConsentOut>,
    pub portfolio_entries: Vec<EntryOut>,
    /// Entries of earlier schools held but sealed to the caller.
    pub sealed_entries: u32,
    pub bookings: Vec<StudentBookingOut>,
    /// The class placements naming the pupil (proposals and confirmed ones).
    pub placements: Vec<StudentPlacementOut>,
    /// The pupil's current route plan, if there is one.
    pub route_plan: Option<RoutePlanOut>,
    /// Every version of it, oldest first.
    pub route_plan_versions: Vec<RoutePlanOut>,
    /// The hosts' talent notes about the pupil (each also a portfolio entry).
    pub talent_notes: Vec<super::talent::StudentTalentNoteOut>,
    /// Every credential issued to the pupil, revoked ones included.
    pub credentials: Vec<super::credentials::CredentialRecordOut>,
}

impl From<(StudentExport, Vec<Credential>)> for StudentExportOut {
    fn from((x, credentials): (StudentExport, Vec<Credential>)) -> Self {
        Self {
            exported_at: x.exported_at,
            consents: x.consents.iter().map(ConsentOut::from).collect(),
            student: x.student.into(),
            portfolio_entries: x.entries.into_iter().map(EntryOut::from).collect(),
            sealed_entries: x.sealed_entries,
            bookings: x.bookings.into_iter().map(Into::into).collect(),
            placements: x.placements.into_iter().map(Into::into).collect(),
            route_plan: x.route_plans.last().map(RoutePlanOut::from),
            route_plan_versions: x.route_plans.iter().map(RoutePlanOut::from).collect(),
            talent_notes: x.talent_notes.into_iter().map(Into::into).collect(),
            credentials: credentials.into_iter().map(Into::into).collect(),
        }
    }
}

/// One access to pupils' data. Ids only, never the data.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventOut {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    /// `null` for the operator's bootstrap key.
    pub key_id: Option<Uuid>,
    pub role: RoleCode,
    pub action: AuditActionCode,
    pub student_id: Option<Uuid>,
    pub school_id: Option<Uuid>,
    pub request_id: Option<String>,
}

impl From<AuditEvent> for AuditEventOut {
    fn from(e: AuditEvent) -> Self {
        Self {
            id: e.id.as_uuid(),
            at: e.at,
            key_id: e.key_id.map(|k| k.as_uuid()),
            role: e.role.into(),
            action: e.action.into(),
            student_id: e.student_id.map(|s| s.as_uuid()),
            school_id: e.school_id.map(|s| s.as_uuid()),
            request_id: e.request_id,
        }
    }
}
