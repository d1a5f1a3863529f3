//! Partner sync shapes (DESIGN.md §3.8): a work visit as the partner's system holds it,
//! with its slots, each named by the partner's own id; and the per-item answer.

use chrono::{DateTime, Utc};
use driehoek_domain::ids::BusinessId;
use driehoek_domain::work_visits::{ExternalId, SyncItem, SyncOutcome, SyncSlot, Synced};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::work_visits::{SessionDto, SlotIn, SlotOut, WorkVisitIn, WorkVisitOut};
use super::{
    AddressDto, CompetenceCode, EducationLevelCode, NaceSectionCode, SlotStatusCode,
    WorkVisitFormatCode, WorkVisitStatusCode,
};
use crate::error::{ApiError, Problem};

/// A work visit as the partner's system describes it. It replaces what Driehoek holds:
/// optional fields left out are cleared.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncWorkVisitIn {
    /// The partner's own id. Required in a sync batch; in a `PUT` it is the path's, and
    /// may be repeated here only unchanged.
    #[schema(example = "HR-2027-031")]
    pub external_id: Option<String>,
    pub programme_id: Option<Uuid>,
    #[schema(example = "Een dag op de brandweerkazerne")]
    pub title: String,
    pub description: Option<String>,
    pub format: WorkVisitFormatCode,
    #[serde(default)]
    pub sectors: Vec<NaceSectionCode>,
    /// ISCO-08 unit groups.
    #[serde(default)]
    #[schema(value_type = Vec<crate::wire::IscoCodeText>)]
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
    pub location: Option<AddressDto>,
    #[serde(default)]
    pub online: bool,
    pub accessibility: Option<String>,
    pub requirements: Option<String>,
    /// What the class does before the visit.
    pub preparation: Option<super::work_visits::PreparationDto>,
    /// Defaults to `published`: what a partner's system sends is on offer unless it
    /// says otherwise. A published offering never returns to `draft`.
    pub status: Option<WorkVisitStatusCode>,
    /// The slots the partner manages, each by its own `external_id`. A managed slot left
    /// out is deleted (cancelled if bookings refer to it; refused with
    /// `slot_has_bookings` while it has open bookings). Slots created in Driehoek
    /// without an `external_id`, and slots that have ended, are left alone.
    #[serde(default)]
    pub slots: Vec<SyncSlotIn>,
}

/// A slot as the partner's system describes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncSlotIn {
    /// The partner's own id for this slot; unique within the work visit.
    #[schema(example = "HR-2027-031-0303")]
    pub external_id: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub sessions: Vec<SessionDto>,
    #[schema(example = 3)]
    #[schema(minimum = 1, maximum = 1000)]
    pub capacity: u32,
    pub coach_id: Option<Uuid>,
    #[serde(default)]
    pub teacher_present: bool,
    /// `scheduled` (default) or `cancelled`; cancelling cancels the slot's bookings.
    pub status: Option<SlotStatusCode>,
}

impl SyncWorkVisitIn {
    /// The sync item for `business`, named `external_id`; every invalid field reported.
    pub fn into_item(
        self,
        business: BusinessId,
        external_id: &ExternalId,
    ) -> Result<SyncItem, ApiError> {
        let mut problems: Vec<ApiError> = Vec::new();
        let visit = WorkVisitIn {
            business_id: business.as_uuid(),
            programme_id: self.programme_id,
            external_id: Some(external_id.as_str().to_owned()),
            title: self.title,
            description: self.description,
            format: self.format,
            sectors: self.sectors,
            occupations: self.occupations,
            competences: self.competences,
            min_age: self.min_age,
            max_age: self.max_age,
            education_levels: self.education_levels,
            group_size_min: self.group_size_min,
            group_size_max: self.group_size_max,
            languages: self.languages,
            location: self.location,
            online: self.online,
            accessibility: self.accessibility,
            requirements: self.requirements,
            preparation: self.preparation,
            status: Some(self.status.unwrap_or(WorkVisitStatusCode(
                driehoek_domain::work_visits::WorkVisitStatus::Published,
            ))),
        }
        .try_into()
        .map_err(|errors| problems.push(ApiError::from(errors)))
        .ok();
        let mut slots = Vec::with_capacity(self.slots.len());
        for (i, slot) in self.slots.into_iter().enumerate() {
            match slot.into_sync_slot() {
                Ok(slot) => slots.push(slot),
                Err(problem) => problems.push(problem.within(&format!("/slots/{i}"))),
            }
        }
        match visit {
            Some(visit) if problems.is_empty() => Ok(SyncItem { visit, slots }),
            _ => Err(ApiError::merged(problems)),
        }
    }
}

impl SyncSlotIn {
    fn into_sync_slot(self) -> Result<SyncSlot, ApiError> {
        let status = self
            .status
            .map_or(driehoek_domain::work_visits::SlotStatus::Scheduled, |s| s.0);
        let new = SlotIn {
            external_id: Some(self.external_id),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            sessions: self.sessions,
            capacity: self.capacity,
            coach_id: self.coach_id,
            teacher_present: self.teacher_present,
        }
        .into_new()?;
        // `SlotIn` checked the id; it was given, so it is there.
        let external_id = new.external_id.ok_or_else(|| {
            ApiError::validation(driehoek_domain::ValidationErrors::single(
                "/external_id",
                "required",
            ))
        })?;
        Ok(SyncSlot {
            external_id,
            schedule: new.schedule,
            capacity: new.capacity,
            coach_id: new.coach_id,
            teacher_present: new.teacher_present,
            status,
        })
    }
}

/// `full`: the payload is all the business offers; its synced work visits left out are
/// withdrawn. `partial`: only the work visits in the payload are touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncModeCode {
    Full,
    Partial,
}

/// Many work visits of one business at once.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SyncIn {
    pub mode: SyncModeCode,
    /// Up to 1 000 work visits, each with its `external_id`. Each is judged on its own:
    /// one invalid item fails alone.
    #[schema(value_type = Vec<SyncWorkVisitIn>)]
    pub work_visits: Vec<serde_json::Value>,
}

/// What happened to one work visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncResultCode {
    Created,
    Updated,
    /// Identical to what Driehoek held: nothing was written.
    Unchanged,
    /// Left out of a `full` sync, so withdrawn.
    Withdrawn,
    /// Nothing of this item was written; `problem` says why.
    Failed,
}

impl From<SyncOutcome> for SyncResultCode {
    fn from(outcome: SyncOutcome) -> Self {
        match outcome {
            SyncOutcome::Created => Self::Created,
            SyncOutcome::Updated => Self::Updated,
            SyncOutcome::Unchanged => Self::Unchanged,
            SyncOutcome::Withdrawn => Self::Withdrawn,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SyncItemOut {
    /// The item's position in `work_visits`; absent for work visits a `full` sync withdrew.
    pub index: Option<usize>,
    pub external_id: Option<String>,
    pub result: SyncResultCode,
    pub work_visit_id: Option<Uuid>,
    /// The work visit's version after the sync.
    pub version: Option<i64>,
    /// Why the item failed; JSON Pointers point into the whole request document.
    pub problem: Option<Problem>,
}

impl SyncItemOut {
    pub fn done(index: Option<usize>, synced: &Synced) -> Self {
        Self {
            index,
            external_id: synced
                .visit
                .external_id
                .as_ref()
                .map(|e| e.as_str().to_owned()),
            result: synced.outcome.into(),
            work_visit_id: Some(synced.visit.id.as_uuid()),
            version: Some(synced.visit.version),
            problem: None,
        }
    }

    pub fn failed(index: Option<usize>, external_id: Option<String>, error: &ApiError) -> Self {
        Self {
            index,
            external_id,
            result: SyncResultCode::Failed,
            work_visit_id: None,
            version: None,
            problem: Some(error.problem()),
        }
    }
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct SyncSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub withdrawn: usize,
    pub failed: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SyncOut {
    pub mode: SyncModeCode,
    pub summary: SyncSummary,
    /// One result per item, in payload order, then the withdrawn work visits.
    pub results: Vec<SyncItemOut>,
}

impl SyncOut {
    pub fn new(mode: SyncModeCode, mut results: Vec<SyncItemOut>) -> Self {
        results.sort_by_key(|r| r.index.unwrap_or(usize::MAX));
        let mut summary = SyncSummary::default();
        for r in &results {
            *match r.result {
                SyncResultCode::Created => &mut summary.created,
                SyncResultCode::Updated => &mut summary.updated,
                SyncResultCode::Unchanged => &mut summary.unchanged,
                SyncResultCode::Withdrawn => &mut summary.withdrawn,
                SyncResultCode::Failed => &mut summary.failed,
            } += 1;
        }
        Self {
            mode,
            summary,
            results,
        }
    }
}

/// A synced work visit with all its slots.
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncedWorkVisitOut {
    #[serde(flatten)]
    pub work_visit: WorkVisitOut,
    pub slots: Vec<SlotOut>,
}

impl From<Synced> for SyncedWorkVisitOut {
    fn from(synced: Synced) -> Self {
        Self {
            work_visit: synced.visit.into(),
            slots: synced.slots.into_iter().map(SlotOut::from).collect(),
        }
    }
}
