use chrono::{DateTime, Utc};
use driehoek_domain::ValidationErrors;
use driehoek_domain::ids::{BusinessId, CoachId, ProgrammeId};
use driehoek_domain::values::{Description, IscoCode, LanguageCode, Name, WebUrl};
use driehoek_domain::work_visits::{
    AgeRange, ExternalId, GroupSize, NewSlot, NewWorkVisit, Preparation, Schedule, Session, Slot,
    SlotChanges, WorkVisit, WorkVisitChanges, check_capacity,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    AddressDto, CompetenceCode, EducationLevelCode, NaceSectionCode, SlotStatusCode,
    WorkVisitFormatCode, WorkVisitStatusCode, double_option, patch_field,
};
use crate::error::ApiError;

/// A new work visit. A business key may create them only for its own business.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkVisitIn {
    pub business_id: Uuid,
    pub programme_id: Option<Uuid>,
    /// The partner's own id for this offering; unique per business.
    #[schema(example = "HR-2027-031")]
    pub external_id: Option<String>,
    #[schema(example = "Een dag op de brandweerkazerne")]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub description: Option<String>,
    pub format: WorkVisitFormatCode,
    #[serde(default)]
    pub sectors: Vec<NaceSectionCode>,
    /// ISCO-08 unit groups.
    #[serde(default)]
    #[schema(value_type = Vec<crate::wire::IscoCodeText>, example = json!(["5411"]))]
    pub occupations: Vec<String>,
    #[serde(default)]
    pub competences: Vec<CompetenceCode>,
    #[schema(example = 12)]
    #[schema(minimum = 4, maximum = 99)]
    pub min_age: u8,
    #[schema(example = 14)]
    #[schema(minimum = 4, maximum = 99)]
    pub max_age: u8,
    #[serde(default)]
    pub education_levels: Vec<EducationLevelCode>,
    #[schema(example = 2)]
    #[schema(minimum = 1, maximum = 1000)]
    pub group_size_min: u16,
    #[schema(example = 3)]
    #[schema(minimum = 1, maximum = 1000)]
    pub group_size_max: u16,
    /// ISO 639-1 codes.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Where it takes place; may be absent only when `online` is true.
    pub location: Option<AddressDto>,
    #[serde(default)]
    pub online: bool,
    /// Step-free access, quiet room, support for special needs.
    #[schema(min_length = 1, max_length = 5000)]
    pub accessibility: Option<String>,
    /// What pupils bring or need (safety shoes, ID).
    pub requirements: Option<String>,
    pub preparation: Option<PreparationDto>,
    /// Defaults to `draft`.
    pub status: Option<WorkVisitStatusCode>,
}

impl TryFrom<WorkVisitIn> for NewWorkVisit {
    type Error = ValidationErrors;

    fn try_from(input: WorkVisitIn) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let external_id = errors.check_opt(
            "/external_id",
            input.external_id.as_deref().map(ExternalId::parse),
        );
        let title = errors.check("/title", Name::parse(&input.title));
        let description = errors.check_opt(
            "/description",
            input.description.as_deref().map(Description::parse),
        );
        let occupations = errors.check_all(
            "/occupations",
            input.occupations.iter().map(|o| IscoCode::parse(o)),
        );
        let ages = errors.check("/max_age", AgeRange::new(input.min_age, input.max_age));
        let group_size = errors.check(
            "/group_size_max",
            GroupSize::new(input.group_size_min, input.group_size_max),
        );
        let languages = errors.check_all(
            "/languages",
            input.languages.iter().map(|l| LanguageCode::parse(l)),
        );
        let location = match &input.location {
            Some(a) => a.parse("/location", &mut errors).map(Some),
            None => Some(None),
        };
        let accessibility = errors.check_opt(
            "/accessibility",
            input.accessibility.as_deref().map(Description::parse),
        );
        let requirements = errors.check_opt(
            "/requirements",
            input.requirements.as_deref().map(Description::parse),
        );
        let preparation = match &input.preparation {
            Some(p) => p.parse("/preparation", &mut errors).map(Some),
            None => Some(None),
        };
        match (
            external_id,
            title,
            description,
            occupations,
            ages,
            group_size,
            languages,
            location,
            accessibility,
            requirements,
        ) {
            (
                Some(external_id),
                Some(title),
                Some(description),
                Some(occupations),
                Some(ages),
                Some(group_size),
                Some(languages),
                Some(location),
                Some(accessibility),
                Some(requirements),
            ) if errors.is_empty() => Ok(NewWorkVisit {
                business_id: BusinessId::from_uuid(input.business_id),
                programme_id: input.programme_id.map(ProgrammeId::from_uuid),
                external_id,
                title,
                description,
                format: input.format.0,
                sectors: input.sectors.into_iter().map(|s| s.0).collect(),
                occupations,
                competences: input.competences.into_iter().map(|c| c.0).collect(),
                ages,
                education_levels: input.education_levels.into_iter().map(|l| l.0).collect(),
                group_size,
                languages,
                location,
                online: input.online,
                accessibility,
                requirements,
                preparation: preparation.flatten(),
                status: input.status.map(|s| s.0),
            }),
            _ => Err(errors),
        }
    }
}

/// What a class does before the visit (DESIGN.md §4 "the visit cycle"): a text for
/// the class, and a link to more.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreparationDto {
    #[schema(
        min_length = 1,
        max_length = 5000,
        example = "Zoek op wat een havenloods doet en bedenk twee vragen voor de loods."
    )]
    pub text: String,
    /// An absolute http(s) URL.
    #[schema(
        format = "uri",
        max_length = 2000,
        example = "https://www.portofrotterdam.com/nl/leren"
    )]
    pub url: Option<String>,
}

impl PreparationDto {
    pub fn parse(&self, pointer: &str, errors: &mut ValidationErrors) -> Option<Preparation> {
        let text = errors.check(&format!("{pointer}/text"), Description::parse(&self.text));
        let url = errors.check_opt(
            &format!("{pointer}/url"),
            self.url.as_deref().map(WebUrl::parse),
        );
        Some(Preparation {
            text: text?,
            url: url?,
        })
    }
}

impl From<Preparation> for PreparationDto {
    fn from(p: Preparation) -> Self {
        Self {
            text: p.text.into_string(),
            url: p.url.map(WebUrl::into_string),
        }
    }
}

/// Changes to a work visit (JSON merge patch). Its business never changes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkVisitPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub programme_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub format: Option<WorkVisitFormatCode>,
    pub sectors: Option<Vec<NaceSectionCode>>,
    #[schema(value_type = Option<Vec<crate::wire::IscoCodeText>>)]
    pub occupations: Option<Vec<String>>,
    pub competences: Option<Vec<CompetenceCode>>,
    #[schema(minimum = 4, maximum = 99)]
    pub min_age: Option<u8>,
    #[schema(minimum = 4, maximum = 99)]
    pub max_age: Option<u8>,
    pub education_levels: Option<Vec<EducationLevelCode>>,
    #[schema(minimum = 1, maximum = 1000)]
    pub group_size_min: Option<u16>,
    #[schema(minimum = 1, maximum = 1000)]
    pub group_size_max: Option<u16>,
    pub languages: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<AddressDto>)]
    pub location: Option<Option<AddressDto>>,
    pub online: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    #[schema(min_length = 1, max_length = 5000)]
    pub accessibility: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub requirements: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<PreparationDto>)]
    pub preparation: Option<Option<PreparationDto>>,
    /// `draft` → `published` → `withdrawn` (and back to `published`).
    pub status: Option<WorkVisitStatusCode>,
}

impl TryFrom<WorkVisitPatch> for WorkVisitChanges {
    type Error = ValidationErrors;

    fn try_from(input: WorkVisitPatch) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let location = match input.location {
            None => None,
            Some(None) => Some(None),
            Some(Some(a)) => a.parse("/location", &mut errors).map(Some),
        };
        let preparation = match input.preparation {
            None => None,
            Some(None) => Some(None),
            Some(Some(p)) => p.parse("/preparation", &mut errors).map(Some),
        };
        let changes = WorkVisitChanges {
            programme_id: input.programme_id.map(|p| p.map(ProgrammeId::from_uuid)),
            external_id: patch_field(
                &mut errors,
                "/external_id",
                input
                    .external_id
                    .map(|v| v.as_deref().map(ExternalId::parse)),
            ),
            title: input
                .title
                .and_then(|v| errors.check("/title", Name::parse(&v))),
            description: patch_field(
                &mut errors,
                "/description",
                input
                    .description
                    .map(|v| v.as_deref().map(Description::parse)),
            ),
            format: input.format.map(|f| f.0),
            sectors: input.sectors.map(|s| s.into_iter().map(|s| s.0).collect()),
            occupations: input.occupations.and_then(|o| {
                errors.check_all("/occupations", o.iter().map(|o| IscoCode::parse(o)))
            }),
            competences: input
                .competences
                .map(|c| c.into_iter().map(|c| c.0).collect()),
            min_age: input.min_age,
            max_age: input.max_age,
            education_levels: input
                .education_levels
                .map(|l| l.into_iter().map(|l| l.0).collect()),
            group_size_min: input.group_size_min,
            group_size_max: input.group_size_max,
            languages: input.languages.and_then(|l| {
                errors.check_all("/languages", l.iter().map(|l| LanguageCode::parse(l)))
            }),
            location,
            online: input.online,
            accessibility: patch_field(
                &mut errors,
                "/accessibility",
                input
                    .accessibility
                    .map(|v| v.as_deref().map(Description::parse)),
            ),
            requirements: patch_field(
                &mut errors,
                "/requirements",
                input
                    .requirements
                    .map(|v| v.as_deref().map(Description::parse)),
            ),
            preparation,
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
pub struct WorkVisitOut {
    pub id: Uuid,
    pub business_id: Uuid,
    pub programme_id: Option<Uuid>,
    pub external_id: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub format: WorkVisitFormatCode,
    pub sectors: Vec<NaceSectionCode>,
    #[serde(serialize_with = "super::as_strings")]
    #[schema(value_type = Vec<String>)]
    pub occupations: Vec<IscoCode>,
    pub competences: Vec<CompetenceCode>,
    pub min_age: u8,
    pub max_age: u8,
    pub education_levels: Vec<EducationLevelCode>,
    pub group_size_min: u16,
    pub group_size_max: u16,
    #[serde(serialize_with = "super::as_strings")]
    #[schema(value_type = Vec<String>)]
    pub languages: Vec<LanguageCode>,
    pub location: Option<AddressDto>,
    pub online: bool,
    pub accessibility: Option<String>,
    pub requirements: Option<String>,
    /// What the class does before the visit.
    pub preparation: Option<PreparationDto>,
    pub status: WorkVisitStatusCode,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WorkVisit> for WorkVisitOut {
    fn from(v: WorkVisit) -> Self {
        Self {
            id: v.id.as_uuid(),
            business_id: v.business_id.as_uuid(),
            programme_id: v.programme_id.map(|p| p.as_uuid()),
            external_id: v.external_id.map(ExternalId::into_string),
            title: v.title.into_string(),
            description: v.description.map(Description::into_string),
            format: v.format.into(),
            sectors: v.sectors.into_iter().map(Into::into).collect(),
            occupations: v.occupations,
            competences: v.competences.into_iter().map(Into::into).collect(),
            min_age: v.ages.min(),
            max_age: v.ages.max(),
            education_levels: v.education_levels.into_iter().map(Into::into).collect(),
            group_size_min: v.group_size.min(),
            group_size_max: v.group_size.max(),
            languages: v.languages,
            location: v.location.map(AddressDto::from),
            online: v.online,
            accessibility: v.accessibility.map(Description::into_string),
            requirements: v.requirements.map(Description::into_string),
            preparation: v.preparation.map(PreparationDto::from),
            status: v.status.into(),
            version: v.version,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// One meeting of a multi-session slot.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionDto {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

fn schedule(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    sessions: Vec<SessionDto>,
) -> Result<Schedule, ApiError> {
    let sessions = sessions
        .into_iter()
        .map(|s| Session {
            starts_at: s.starts_at,
            ends_at: s.ends_at,
        })
        .collect();
    Schedule::new(starts_at, ends_at, sessions).map_err(ApiError::from)
}

/// A new slot: a dated occurrence of the work visit with a capacity in seats.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotIn {
    /// The partner's own id for this slot; unique per work visit.
    pub external_id: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// For tracks that meet several times: ordered, non-overlapping, within the slot.
    #[serde(default)]
    pub sessions: Vec<SessionDto>,
    /// Seats (pupils), 1-1000.
    #[schema(example = 3)]
    #[schema(minimum = 1, maximum = 1000)]
    pub capacity: u32,
    /// A coach of the same business; checked against the tenant's screening policy.
    pub coach_id: Option<Uuid>,
    /// Whether a teacher accompanies the pupils (may lift the screening requirement).
    #[serde(default)]
    pub teacher_present: bool,
}

impl SlotIn {
    pub fn into_new(self) -> Result<NewSlot, ApiError> {
        let mut errors = ValidationErrors::new();
        let external_id = errors.check_opt(
            "/external_id",
            self.external_id.as_deref().map(ExternalId::parse),
        );
        let capacity = errors.check("/capacity", check_capacity(self.capacity));
        let schedule = schedule(self.starts_at, self.ends_at, self.sessions);
        let schedule = match schedule {
            Ok(s) => Some(s),
            Err(e) => {
                errors = merge(errors, e);
                None
            }
        };
        match (external_id, capacity, schedule) {
            (Some(external_id), Some(capacity), Some(schedule)) if errors.is_empty() => {
                Ok(NewSlot {
                    external_id,
                    schedule,
                    capacity,
                    coach_id: self.coach_id.map(CoachId::from_uuid),
                    teacher_present: self.teacher_present,
                })
            }
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// Adds the field errors of a validation problem to `errors`.
fn merge(mut errors: ValidationErrors, problem: ApiError) -> ValidationErrors {
    for e in problem.errors {
        errors.add(e.pointer, e.message);
    }
    errors
}

/// Changes to a slot (JSON merge patch). Send `starts_at`, `ends_at` and `sessions`
/// together to move it; `status: cancelled` cancels it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotPatch {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub sessions: Option<Vec<SessionDto>>,
    #[schema(minimum = 1, maximum = 1000)]
    pub capacity: Option<u32>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub coach_id: Option<Option<Uuid>>,
    pub teacher_present: Option<bool>,
    pub status: Option<SlotStatusCode>,
}

impl SlotPatch {
    /// The changes, given the slot's current schedule (a partial move keeps the rest).
    pub fn into_changes(self, current: &Slot) -> Result<SlotChanges, ApiError> {
        let mut errors = ValidationErrors::new();
        let external_id = patch_field(
            &mut errors,
            "/external_id",
            self.external_id
                .map(|v| v.as_deref().map(ExternalId::parse)),
        );
        errors.into_result().map_err(ApiError::from)?;
        let moves = self.starts_at.is_some() || self.ends_at.is_some() || self.sessions.is_some();
        let schedule = if moves {
            let sessions = match self.sessions {
                Some(s) => s,
                None => current
                    .schedule
                    .sessions()
                    .iter()
                    .map(|s| SessionDto {
                        starts_at: s.starts_at,
                        ends_at: s.ends_at,
                    })
                    .collect(),
            };
            Some(schedule(
                self.starts_at.unwrap_or(current.schedule.starts_at()),
                self.ends_at.unwrap_or(current.schedule.ends_at()),
                sessions,
            )?)
        } else {
            None
        };
        Ok(SlotChanges {
            external_id,
            schedule,
            capacity: self.capacity,
            coach_id: self.coach_id.map(|c| c.map(CoachId::from_uuid)),
            teacher_present: self.teacher_present,
            status: self.status.map(|s| s.0),
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlotOut {
    pub id: Uuid,
    pub work_visit_id: Uuid,
    pub external_id: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub sessions: Vec<SessionDto>,
    pub capacity: u32,
    /// Seats taken by bookings (read-only).
    pub seats_booked: u32,
    /// Seats still free; 0 when cancelled (read-only).
    pub seats_left: u32,
    pub coach_id: Option<Uuid>,
    pub teacher_present: bool,
    pub status: SlotStatusCode,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Slot> for SlotOut {
    fn from(s: Slot) -> Self {
        Self {
            id: s.id.as_uuid(),
            work_visit_id: s.work_visit_id.as_uuid(),
            external_id: s.external_id.as_ref().map(|e| e.as_str().to_owned()),
            starts_at: s.schedule.starts_at(),
            ends_at: s.schedule.ends_at(),
            sessions: s
                .schedule
                .sessions()
                .iter()
                .map(|x| SessionDto {
                    starts_at: x.starts_at,
                    ends_at: x.ends_at,
                })
                .collect(),
            capacity: s.capacity,
            seats_booked: s.seats_booked,
            seats_left: s.seats_left(),
            coach_id: s.coach_id.map(|c| c.as_uuid()),
            teacher_present: s.teacher_present,
            status: s.status.into(),
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}
