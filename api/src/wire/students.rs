//! Pupils, consents, portfolios, exports and the audit log on the wire.

use chrono::{DateTime, Utc};
use driehoek_domain::ValidationErrors;
use driehoek_domain::audit::AuditEvent;
use driehoek_domain::ids::{BookingId, SchoolId};
use driehoek_domain::route_maps::NodeCode;
use driehoek_domain::students::{
    Agreement, Consent, EntryChanges, MAX_AGREEMENTS, MAX_HELPERS, MAX_PLAN_STEPS, NewConsent,
    NewEntry, NewRoutePlan, NewStudent, PlanView, PortfolioEntry, PortfolioSummary, RosterRow,
    RoutePlan, RouteStatus, SharedEntry, Student, StudentChanges, StudentExport, StudentStatus,
    current_consents,
};
use driehoek_domain::values::{EntryBody, ExternalRef, IscoCode, Name, ShortText, WebUrl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    AgreedPartyCode, AuditActionCode, BookingStatusCode, CompetenceCode, ConsentGiverCode,
    ConsentPurposeCode, ConsentStatusCode, EducationLevelCode, EntryAuthorCode, NaceSectionCode,
    PortfolioEntryKindCode, RoleCode, StudentStatusCode, double_option, patch_field,
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
    pub external_ref: String,
    /// First name or alias.
    #[schema(example = "Sara")]
    pub display_name: String,
    #[schema(example = 2011)]
    pub birth_year: i32,
    #[schema(example = "2 havo")]
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
    pub external_ref: Option<String>,
    pub display_name: Option<String>,
    pub birth_year: Option<i32>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
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
    pub external_ref: String,
    #[schema(example = "Sara")]
    pub display_name: String,
    #[schema(example = 2011)]
    pub birth_year: i32,
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
    pub given_by: ConsentGiverCode,
}

impl From<ConsentIn> for NewConsent {
    fn from(input: ConsentIn) -> Self {
        Self {
            purpose: input.purpose.0,
            status: input.status.0,
            given_by: input.given_by.0,
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
    /// The key that recorded it (`null` for the operator's bootstrap key).
    pub recorded_by_key_id: Option<Uuid>,
    pub recorded_by_role: RoleCode,
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
        }
    }
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

/// A new portfolio entry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryIn {
    pub competence: CompetenceCode,
    pub kind: PortfolioEntryKindCode,
    #[schema(example = "Ik kan goed uitleggen")]
    pub title: String,
    /// Up to 10 000 characters.
    pub body: String,
    #[serde(default)]
    pub sectors: Vec<NaceSectionCode>,
    /// ISCO-08 unit groups.
    #[serde(default)]
    #[schema(example = json!(["2141"]))]
    pub occupations: Vec<String>,
    pub evidence_url: Option<String>,
    /// A booking of the pupil's school the entry is about.
    pub booking_id: Option<Uuid>,
    /// Show it to the host of `booking_id` (only with `share_with_business` consent).
    #[serde(default)]
    pub shared_with_business: bool,
    /// Who wrote it: `student`, `mentor`, `coach` or `guardian`.
    pub author_role: EntryAuthorCode,
}

fn parse_occupations(errors: &mut ValidationErrors, raw: Vec<String>) -> Option<Vec<IscoCode>> {
    errors.check_all("/occupations", raw.iter().map(|o| IscoCode::parse(o)))
}

impl TryFrom<EntryIn> for NewEntry {
    type Error = ValidationErrors;

    fn try_from(input: EntryIn) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let title = errors.check("/title", Name::parse(&input.title));
        let body = errors.check("/body", EntryBody::parse(&input.body));
        let occupations = parse_occupations(&mut errors, input.occupations);
        let evidence_url = errors.check_opt(
            "/evidence_url",
            input.evidence_url.as_deref().map(WebUrl::parse),
        );
        if input.shared_with_business && input.booking_id.is_none() {
            errors.add(
                "/shared_with_business",
                "only an entry linked to a booking is shared, with that booking's host",
            );
        }
        match (title, body, occupations, evidence_url) {
            (Some(title), Some(body), Some(occupations), Some(evidence_url))
                if errors.is_empty() =>
            {
                Ok(NewEntry {
                    competence: input.competence.0,
                    kind: input.kind.0,
                    title,
                    body,
                    sectors: input.sectors.into_iter().map(|s| s.0).collect(),
                    occupations,
                    evidence_url,
                    booking_id: input.booking_id.map(BookingId::from_uuid),
                    shared_with_business: input.shared_with_business,
                    author_role: input.author_role.0,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Changes to a portfolio entry (JSON merge patch).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryPatch {
    pub competence: Option<CompetenceCode>,
    pub kind: Option<PortfolioEntryKindCode>,
    pub title: Option<String>,
    pub body: Option<String>,
    pub sectors: Option<Vec<NaceSectionCode>>,
    pub occupations: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub evidence_url: Option<Option<String>>,
    pub shared_with_business: Option<bool>,
}

impl TryFrom<EntryPatch> for EntryChanges {
    type Error = ValidationErrors;

    fn try_from(input: EntryPatch) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let changes = EntryChanges {
            competence: input.competence.map(|c| c.0),
            kind: input.kind.map(|k| k.0),
            title: input
                .title
                .and_then(|v| errors.check("/title", Name::parse(&v))),
            body: input
                .body
                .and_then(|v| errors.check("/body", EntryBody::parse(&v))),
            sectors: input.sectors.map(|s| s.into_iter().map(|s| s.0).collect()),
            occupations: match input.occupations {
                Some(raw) => parse_occupations(&mut errors, raw),
                None => None,
            },
            evidence_url: patch_field(
                &mut errors,
                "/evidence_url",
                input.evidence_url.map(|v| v.as_deref().map(WebUrl::parse)),
            ),
            shared_with_business: input.shared_with_business,
        };
        if errors.is_empty() {
            Ok(changes)
        } else {
            Err(errors)
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryOut {
    pub id: Uuid,
    pub student_id: Uuid,
    /// The school the pupil was at when the entry was made.
    pub school_id: Uuid,
    pub competence: CompetenceCode,
    pub kind: PortfolioEntryKindCode,
    pub title: String,
    pub body: String,
    pub sectors: Vec<NaceSectionCode>,
    pub occupations: Vec<String>,
    pub evidence_url: Option<String>,
    pub booking_id: Option<Uuid>,
    pub shared_with_business: bool,
    pub author_role: EntryAuthorCode,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<PortfolioEntry> for EntryOut {
    fn from(e: PortfolioEntry) -> Self {
        Self {
            id: e.id.as_uuid(),
            student_id: e.student_id.as_uuid(),
            school_id: e.school_id.as_uuid(),
            competence: e.competence.into(),
            kind: e.kind.into(),
            title: e.title.to_string(),
            body: e.body.to_string(),
            sectors: e.sectors.into_iter().map(Into::into).collect(),
            occupations: e
                .occupations
                .iter()
                .map(|o| o.as_str().to_owned())
                .collect(),
            evidence_url: e.evidence_url.map(|u| u.as_str().to_owned()),
            booking_id: e.booking_id.map(|b| b.as_uuid()),
            shared_with_business: e.shared_with_business,
            author_role: e.author_role.into(),
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// A shared entry as the host sees it: the pupil by display name only.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharedEntryOut {
    pub id: Uuid,
    #[schema(example = "Sara")]
    pub display_name: String,
    pub competence: CompetenceCode,
    pub kind: PortfolioEntryKindCode,
    pub title: String,
    pub body: String,
    pub sectors: Vec<NaceSectionCode>,
    pub occupations: Vec<String>,
    pub evidence_url: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<SharedEntry> for SharedEntryOut {
    fn from(shared: SharedEntry) -> Self {
        let e = shared.entry;
        Self {
            id: e.id.as_uuid(),
            display_name: shared.display_name.to_string(),
            competence: e.competence.into(),
            kind: e.kind.into(),
            title: e.title.to_string(),
            body: e.body.to_string(),
            sectors: e.sectors.into_iter().map(Into::into).collect(),
            occupations: e
                .occupations
                .iter()
                .map(|o| o.as_str().to_owned())
                .collect(),
            evidence_url: e.evidence_url.map(|u| u.as_str().to_owned()),
            created_at: e.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CodeCount<T: ToSchema> {
    pub code: T,
    pub count: u32,
}

/// The portfolio at a glance.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortfolioOut {
    pub student_id: Uuid,
    /// Open entries (those the caller may read).
    pub entries: u32,
    /// Entries per career competence: what can I, what do I want, what work suits me,
    /// what do I want to become, who can help me.
    pub by_competence: Vec<CodeCount<CompetenceCode>>,
    /// Titles of the latest observed talents.
    pub talents: Vec<String>,
    /// Interests: sectors and occupations the entries touch, most frequent first.
    pub sectors: Vec<CodeCount<NaceSectionCode>>,
    pub occupations: Vec<CodeCount<String>>,
    /// The five latest entries.
    pub latest_entries: Vec<EntryOut>,
    /// Entries of earlier schools that stay sealed (moved without `portfolio_transfer`).
    pub sealed_entries: u32,
}

impl PortfolioOut {
    pub fn new(student_id: Uuid, s: PortfolioSummary) -> Self {
        Self {
            student_id,
            entries: s.entries,
            by_competence: s
                .by_competence
                .into_iter()
                .map(|(code, count)| CodeCount {
                    code: code.into(),
                    count,
                })
                .collect(),
            talents: s.talents.iter().map(ToString::to_string).collect(),
            sectors: s
                .sectors
                .into_iter()
                .map(|(code, count)| CodeCount {
                    code: code.into(),
                    count,
                })
                .collect(),
            occupations: s
                .occupations
                .into_iter()
                .map(|(code, count)| CodeCount {
                    code: code.as_str().to_owned(),
                    count,
                })
                .collect(),
            latest_entries: s.latest.into_iter().map(EntryOut::from).collect(),
            sealed_entries: s.sealed,
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
    /// The pupil's current route plan, if there is one.
    pub route_plan: Option<RoutePlanOut>,
    /// Every version of it, oldest first.
    pub route_plan_versions: Vec<RoutePlanOut>,
}

impl From<StudentExport> for StudentExportOut {
    fn from(x: StudentExport) -> Self {
        Self {
            exported_at: x.exported_at,
            consents: x.consents.iter().map(ConsentOut::from).collect(),
            student: x.student.into(),
            portfolio_entries: x.entries.into_iter().map(EntryOut::from).collect(),
            sealed_entries: x.sealed_entries,
            bookings: x
                .bookings
                .into_iter()
                .map(|b| StudentBookingOut {
                    booking_id: b.booking_id.as_uuid(),
                    work_visit_id: b.work_visit_id.as_uuid(),
                    slot_id: b.slot_id.as_uuid(),
                    business_id: b.business_id.as_uuid(),
                    status: b.status.into(),
                    present: b.present,
                })
                .collect(),
            route_plan: x.route_plans.last().map(RoutePlanOut::from),
            route_plan_versions: x.route_plans.iter().map(RoutePlanOut::from).collect(),
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

/// Who agreed to the plan, and when.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementDto {
    pub party: AgreedPartyCode,
    #[schema(example = "2026-11-20")]
    pub on: chrono::NaiveDate,
}

/// A pupil's route plan, set as a whole (each time a new version).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutePlanIn {
    pub route_map_id: Uuid,
    /// Node codes of the map, from the pupil's current position onward; consecutive
    /// steps must be joined by an edge of the map.
    #[schema(example = json!(["nl_vmbo_tl:ict", "nl_mbo_4:25604", "isco:2512"]))]
    pub steps: Vec<String>,
    /// The "stip op de horizon": an ISCO-08 code.
    #[schema(example = "2512")]
    pub target_occupation: Option<String>,
    /// An alternative route, also on the map.
    #[serde(default)]
    pub plan_b: Vec<String>,
    /// Who can help: names the pupil chose.
    #[serde(default)]
    pub helpers: Vec<String>,
    pub notes: Option<String>,
    #[serde(default)]
    pub agreed_by: Vec<AgreementDto>,
}

impl TryFrom<RoutePlanIn> for NewRoutePlan {
    type Error = ValidationErrors;

    fn try_from(input: RoutePlanIn) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        for (pointer, len, max) in [
            ("/steps", input.steps.len(), MAX_PLAN_STEPS),
            ("/plan_b", input.plan_b.len(), MAX_PLAN_STEPS),
            ("/helpers", input.helpers.len(), MAX_HELPERS),
            ("/agreed_by", input.agreed_by.len(), MAX_AGREEMENTS),
        ] {
            if len > max {
                errors.add(pointer, format!("at most {max}"));
            }
        }
        let steps = errors.check_all("/steps", input.steps.iter().map(|c| NodeCode::parse(c)));
        let plan_b = errors.check_all("/plan_b", input.plan_b.iter().map(|c| NodeCode::parse(c)));
        let helpers = errors.check_all(
            "/helpers",
            input.helpers.iter().map(|h| ShortText::parse(h)),
        );
        let target = errors.check_opt(
            "/target_occupation",
            input.target_occupation.as_deref().map(IscoCode::parse),
        );
        let notes = errors.check_opt(
            "/notes",
            input
                .notes
                .as_deref()
                .map(driehoek_domain::values::Description::parse),
        );
        match (steps, plan_b, helpers, target, notes) {
            (Some(steps), Some(plan_b), Some(helpers), Some(target_occupation), Some(notes))
                if errors.is_empty() =>
            {
                Ok(NewRoutePlan {
                    route_map_id: driehoek_domain::ids::RouteMapId::from_uuid(input.route_map_id),
                    steps,
                    target_occupation,
                    plan_b,
                    helpers,
                    notes,
                    agreed_by: input
                        .agreed_by
                        .iter()
                        .map(|a| Agreement {
                            party: a.party.0,
                            on: a.on,
                        })
                        .collect(),
                })
            }
            _ => Err(errors),
        }
    }
}

/// Whether a plan's route still exists on its map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RouteStatusCode {
    /// Every step is on the map and joined to the one before.
    Valid,
    /// The map changed: `route_problem` says where the route breaks.
    Broken,
    /// The map is no longer published.
    MapUnavailable,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoutePlanOut {
    pub student_id: Uuid,
    pub route_map_id: Uuid,
    pub steps: Vec<String>,
    pub target_occupation: Option<String>,
    pub plan_b: Vec<String>,
    pub helpers: Vec<String>,
    pub notes: Option<String>,
    pub agreed_by: Vec<AgreementDto>,
    /// The plan's version: 1 for the first, +1 for each change.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    /// Checked against the map as it is now, when the plan is read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_status: Option<RouteStatusCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_problem: Option<crate::error::ProblemFieldError>,
}

impl From<&RoutePlan> for RoutePlanOut {
    fn from(p: &RoutePlan) -> Self {
        let codes = |list: &[NodeCode]| list.iter().map(|c| c.as_str().to_owned()).collect();
        Self {
            student_id: p.student_id.as_uuid(),
            route_map_id: p.route_map_id.as_uuid(),
            steps: codes(&p.steps),
            target_occupation: p.target_occupation.as_ref().map(|c| c.as_str().to_owned()),
            plan_b: codes(&p.plan_b),
            helpers: p.helpers.iter().map(ToString::to_string).collect(),
            notes: p.notes.as_ref().map(ToString::to_string),
            agreed_by: p
                .agreed_by
                .iter()
                .map(|a| AgreementDto {
                    party: a.party.into(),
                    on: a.on,
                })
                .collect(),
            version: p.version,
            created_at: p.created_at,
            route_status: None,
            route_problem: None,
        }
    }
}

impl From<PlanView> for RoutePlanOut {
    fn from(view: PlanView) -> Self {
        let mut out = Self::from(&view.plan);
        let (status, problem) = match view.status {
            RouteStatus::Valid => (RouteStatusCode::Valid, None),
            RouteStatus::MapUnavailable => (RouteStatusCode::MapUnavailable, None),
            RouteStatus::Broken { pointer, message } => (
                RouteStatusCode::Broken,
                Some(crate::error::ProblemFieldError { pointer, message }),
            ),
        };
        out.route_status = Some(status);
        out.route_problem = problem;
        out
    }
}
