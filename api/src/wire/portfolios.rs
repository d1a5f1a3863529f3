//! A pupil's talent portfolio (entries, the summary, entries shared with a host) and
//! route plan on the wire.

use chrono::{DateTime, Utc};
use driehoek_domain::ValidationErrors;
use driehoek_domain::ids::BookingId;
use driehoek_domain::route_maps::NodeCode;
use driehoek_domain::students::{
    EntryChanges, MAX_HELPERS, MAX_PLAN_STEPS, NewEntry, NewRoutePlan, PlanAgreement, PlanView,
    PortfolioEntry, PortfolioSummary, RoutePlan, RouteStatus, SharedEntry,
};
use driehoek_domain::values::{EntryBody, IscoCode, Name, ShortText, WebUrl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    AgreedPartyCode, CompetenceCode, DecisionChannelCode, EntryAuthorCode, NaceSectionCode,
    PortfolioEntryKindCode, double_option, patch_field,
};

/// A new portfolio entry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryIn {
    pub competence: CompetenceCode,
    pub kind: PortfolioEntryKindCode,
    #[schema(example = "Ik kan goed uitleggen")]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// Up to 10 000 characters.
    pub body: String,
    #[serde(default)]
    pub sectors: Vec<NaceSectionCode>,
    /// ISCO-08 unit groups.
    #[serde(default)]
    #[schema(value_type = Vec<crate::wire::IscoCodeText>, example = json!(["2141"]))]
    pub occupations: Vec<String>,
    pub evidence_url: Option<String>,
    /// A booking of the pupil's school the entry is about.
    pub booking_id: Option<Uuid>,
    /// Show it to the host of `booking_id` (only with `share_with_business` consent).
    #[serde(default)]
    pub shared_with_business: bool,
    /// Who wrote it: `student`, `mentor`, `coach` or `guardian`. A school's key names
    /// it; with a pupil's or guardian's token it is the token's (`student` or
    /// `guardian`) and may be left out.
    pub author_role: Option<EntryAuthorCode>,
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
                    author_role: input.author_role.map(|a| a.0),
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
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    pub body: Option<String>,
    pub sectors: Option<Vec<NaceSectionCode>>,
    #[schema(value_type = Option<Vec<crate::wire::IscoCodeText>>)]
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

/// Who agreed to the plan, and when.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementDto {
    pub party: AgreedPartyCode,
    #[schema(example = "2026-11-20")]
    pub on: chrono::NaiveDate,
}

/// An agreement to one version of a plan, given by the party itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanAgreementOut {
    pub party: AgreedPartyCode,
    pub agreed_at: DateTime<Utc>,
    pub evidence: DecisionChannelCode,
    /// The token, key or invitation it was given with (absent for the operator's key).
    pub evidence_id: Option<Uuid>,
}

impl From<&PlanAgreement> for PlanAgreementOut {
    fn from(a: &PlanAgreement) -> Self {
        Self {
            party: a.party.into(),
            agreed_at: a.agreed_at,
            evidence: a.evidence.into(),
            evidence_id: a.evidence_id,
        }
    }
}

/// An agreement just given, with the plan version it is on.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementRecorded {
    /// The plan version agreed to.
    pub version: i64,
    #[serde(flatten)]
    pub agreement: PlanAgreementOut,
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
    #[schema(value_type = Option<crate::wire::IscoCodeText>, example = "2512")]
    pub target_occupation: Option<String>,
    /// An alternative route, also on the map.
    #[serde(default)]
    pub plan_b: Vec<String>,
    /// Who can help: names the pupil chose.
    #[serde(default)]
    pub helpers: Vec<String>,
    #[schema(min_length = 1, max_length = 5000)]
    pub notes: Option<String>,
    /// No longer set here: a new version starts with no agreements, and each party
    /// agrees itself (`POST …/route-plan/agreements`). Only an empty list is taken.
    #[serde(default)]
    #[schema(deprecated, max_items = 0)]
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
        ] {
            if len > max {
                errors.add(pointer, format!("at most {max}"));
            }
        }
        if !input.agreed_by.is_empty() {
            errors.add(
                "/agreed_by",
                "each party agrees itself, to the version it saw: \
                 POST …/students/{student_id}/route-plan/agreements",
            );
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
    /// Who agreed to this version, and on which day: one line per party, from the
    /// recorded `agreements` (and, on versions written before those, the dates the
    /// school stated).
    pub agreed_by: Vec<AgreementDto>,
    /// The agreements recorded on this version, each given by the party itself.
    pub agreements: Vec<PlanAgreementOut>,
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
                .agreed()
                .iter()
                .map(|a| AgreementDto {
                    party: a.party.into(),
                    on: a.on,
                })
                .collect(),
            agreements: p.agreements.iter().map(PlanAgreementOut::from).collect(),
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
