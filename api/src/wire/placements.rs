//! Class placements as schools send and receive them.

use chrono::{DateTime, Utc};
use driehoek_domain::ValidationErrors;
use driehoek_domain::ids::{SchoolId, SlotId, StudentId, WorkVisitId};
use driehoek_domain::placements::{NewPlacement, Placement, PupilChoices};
use driehoek_domain::values::Name;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::bookings::ContactDto;
use super::{PlacementStatusCode, UnplacedReasonCode};

/// One pupil's ranked choices.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PupilChoicesIn {
    pub student_id: Uuid,
    /// Offerings (work visit ids), most wanted first; 1-10, each once, each with a
    /// slot among `slot_ids`.
    #[schema(min_items = 1, max_items = 10)]
    pub choices: Vec<Uuid>,
}

/// A class to place over the slots of one day (a bliksemstage).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlacementIn {
    /// Only for the platform acting for a school; a school key places its own pupils.
    pub school_id: Option<Uuid>,
    /// The class; each booking made on confirmation carries it.
    #[schema(example = "3B bliksemstage")]
    #[schema(min_length = 1, max_length = 200)]
    pub group_name: String,
    pub contact: ContactDto,
    /// The slots to spread the class over (1-100, each once): scheduled, not started,
    /// of published offerings.
    #[schema(min_items = 1, max_items = 100)]
    pub slot_ids: Vec<Uuid>,
    /// 1-500 pupils of the school, each once.
    #[schema(min_items = 1, max_items = 500)]
    pub pupils: Vec<PupilChoicesIn>,
}

impl TryFrom<PlacementIn> for NewPlacement {
    type Error = ValidationErrors;

    fn try_from(input: PlacementIn) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let group_name = errors.check("/group_name", Name::parse(&input.group_name));
        let contact = input.contact.parse(&mut errors);
        match (group_name, contact) {
            (Some(group_name), Some(contact)) if errors.is_empty() => Ok(NewPlacement {
                school_id: input.school_id.map(SchoolId::from_uuid),
                group_name,
                contact,
                slot_ids: input.slot_ids.into_iter().map(SlotId::from_uuid).collect(),
                pupils: input
                    .pupils
                    .into_iter()
                    .map(|p| PupilChoices {
                        student_id: StudentId::from_uuid(p.student_id),
                        choices: p.choices.into_iter().map(WorkVisitId::from_uuid).collect(),
                    })
                    .collect(),
            }),
            _ => Err(errors),
        }
    }
}

/// A slot of the placement and the group it gets.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementSlotOut {
    pub slot_id: Uuid,
    pub work_visit_id: Uuid,
    /// The offering's title when the proposal was made.
    #[schema(example = "Meevaren met de havenpatrouille")]
    pub title: String,
    pub starts_at: DateTime<Utc>,
    /// Seats left on the slot when the proposal was made.
    #[schema(example = 6)]
    pub seats_left: u32,
    /// How many pupils the proposal places here (0: none; the slot is not booked).
    #[schema(example = 4)]
    pub pupils: u32,
    /// The booking of this group, once the placement is confirmed.
    pub booking_id: Option<Uuid>,
}

/// One pupil of the placement and what the proposal gave them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacedPupilOut {
    pub student_id: Uuid,
    pub choices: Vec<Uuid>,
    /// The slot given; null when unplaced.
    pub slot_id: Option<Uuid>,
    /// The offering of that slot.
    pub work_visit_id: Option<Uuid>,
    /// Which choice it is: 1 for the first; null when unplaced.
    #[schema(example = 1)]
    pub rank: Option<u32>,
    /// Why the pupil got no place; null when placed.
    pub unplaced_reason: Option<UnplacedReasonCode>,
}

/// How well the proposal meets the choices.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementTotals {
    #[schema(example = 30)]
    pub placed: u32,
    #[schema(example = 0)]
    pub unplaced: u32,
    /// How many got their first choice, their second, …
    #[schema(example = json!([21, 7, 2]))]
    pub by_rank: Vec<u32>,
}

/// A class placement: a proposal, or confirmed with its bookings.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementOut {
    pub id: Uuid,
    pub school_id: Uuid,
    #[schema(example = "3B bliksemstage")]
    pub group_name: String,
    pub contact: ContactDto,
    pub status: PlacementStatusCode,
    /// Whether the search proved the proposal the best possible (most pupils placed,
    /// then most first choices, then second, …). False only when a very large
    /// placement ran out of its search budget: the proposal then keeps every rule and
    /// is the best found.
    pub optimal: bool,
    pub totals: PlacementTotals,
    pub slots: Vec<PlacementSlotOut>,
    pub pupils: Vec<PlacedPupilOut>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PlacementTotals {
    fn of(p: &Placement) -> Self {
        let placed = p.pupils.iter().filter(|x| x.place.is_some()).count() as u32;
        Self {
            placed,
            unplaced: p.pupils.len() as u32 - placed,
            by_rank: p.by_rank(),
        }
    }
}

/// A placement in the school's list: what it is and how well it meets the choices
/// (read one for its slots and pupils).
#[derive(Debug, Serialize, ToSchema)]
pub struct PlacementSummaryOut {
    pub id: Uuid,
    pub school_id: Uuid,
    #[schema(example = "3B bliksemstage")]
    pub group_name: String,
    pub status: PlacementStatusCode,
    pub optimal: bool,
    pub totals: PlacementTotals,
    /// When the first of its slots starts.
    pub starts_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Placement> for PlacementSummaryOut {
    fn from(p: Placement) -> Self {
        Self {
            id: p.id.as_uuid(),
            school_id: p.school_id.as_uuid(),
            totals: PlacementTotals::of(&p),
            starts_at: p.slots.iter().map(|s| s.starts_at).min(),
            group_name: p.group_name.to_string(),
            status: p.status.into(),
            optimal: p.optimal,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

impl From<Placement> for PlacementOut {
    fn from(p: Placement) -> Self {
        let totals = PlacementTotals::of(&p);
        let slots = p
            .slots
            .iter()
            .map(|s| PlacementSlotOut {
                slot_id: s.slot_id.as_uuid(),
                work_visit_id: s.work_visit_id.as_uuid(),
                title: s.title.to_string(),
                starts_at: s.starts_at,
                seats_left: s.seats_left,
                pupils: p.group(s.slot_id).len() as u32,
                booking_id: s.booking_id.map(|b| b.as_uuid()),
            })
            .collect();
        let offering_of = |slot: SlotId| {
            p.slots
                .iter()
                .find(|s| s.slot_id == slot)
                .map(|s| s.work_visit_id.as_uuid())
        };
        let pupils = p
            .pupils
            .iter()
            .map(|x| PlacedPupilOut {
                student_id: x.student_id.as_uuid(),
                choices: x.choices.iter().map(|c| c.as_uuid()).collect(),
                slot_id: x.place.map(|(s, _)| s.as_uuid()),
                work_visit_id: x.place.and_then(|(s, _)| offering_of(s)),
                rank: x.place.map(|(_, r)| r),
                unplaced_reason: x.unplaced.map(Into::into),
            })
            .collect();
        Self {
            id: p.id.as_uuid(),
            school_id: p.school_id.as_uuid(),
            group_name: p.group_name.to_string(),
            contact: p.contact.into(),
            status: p.status.into(),
            optimal: p.optimal,
            totals,
            slots,
            pupils,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}
