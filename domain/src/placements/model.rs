use chrono::{DateTime, Utc};

use crate::bookings::BookingContact;
use crate::ids::{BookingId, PlacementId, SchoolId, SlotId, StudentId, TenantId, WorkVisitId};
use crate::values::Name;

vocabulary! {
    /// Where a placement stands.
    pub enum PlacementStatus = "placement_statuses" {
        Proposed => "proposed", "Proposed", "Voorgesteld";
        Confirmed => "confirmed", "Confirmed: every group is booked", "Bevestigd: elke groep is geboekt";
    }
}

vocabulary! {
    /// Why a pupil of a placement got no place.
    pub enum UnplacedReason = "placement_unplaced_reasons" {
        ConsentMissing => "consent_missing", "No participation consent", "Geen toestemming voor deelname";
        OutsideTargetGroup => "outside_target_group", "None of the chosen offerings' slots fits the pupil's age or education level", "Geen plek van de gekozen aanbiedingen past bij leeftijd of onderwijsniveau";
        NoSeat => "no_seat", "No seat left for the pupil in a group of the chosen offerings", "Geen plek meer in een groep van de gekozen aanbiedingen";
    }
}

/// A slot of the day a placement spreads the class over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementSlot {
    pub slot_id: SlotId,
    pub work_visit_id: WorkVisitId,
    /// The offering's title when the proposal was made.
    pub title: Name,
    pub starts_at: DateTime<Utc>,
    /// Seats left on the slot when the proposal was made.
    pub seats_left: u32,
    /// The booking of this slot's group, once confirmed.
    pub booking_id: Option<BookingId>,
}

/// A pupil of a placement: the choices given and what the proposal made of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedPupil {
    pub student_id: StudentId,
    /// Offerings, most wanted first.
    pub choices: Vec<WorkVisitId>,
    /// The slot given, and which choice it is (1 = first).
    pub place: Option<(SlotId, u32)>,
    /// Why no slot was given.
    pub unplaced: Option<UnplacedReason>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub id: PlacementId,
    pub tenant_id: TenantId,
    pub school_id: SchoolId,
    /// The class; every booking is made under this name.
    pub group_name: Name,
    pub contact: BookingContact,
    pub status: PlacementStatus,
    /// Whether the search proved the proposal the best there is (see
    /// [`crate::matching::placement`]).
    pub optimal: bool,
    pub slots: Vec<PlacementSlot>,
    pub pupils: Vec<PlacedPupil>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Placement {
    /// The pupils placed on `slot`, in the order given.
    pub fn group(&self, slot: SlotId) -> Vec<StudentId> {
        self.pupils
            .iter()
            .filter(|p| p.place.is_some_and(|(s, _)| s == slot))
            .map(|p| p.student_id)
            .collect()
    }

    /// How many pupils got each rank (`[0]` first choices, …), as long as the longest
    /// list of choices.
    pub fn by_rank(&self) -> Vec<u32> {
        let longest = self
            .pupils
            .iter()
            .map(|p| p.choices.len())
            .max()
            .unwrap_or(0);
        let mut counts = vec![0; longest];
        for (_, rank) in self.pupils.iter().filter_map(|p| p.place) {
            if let Some(count) = (rank as usize)
                .checked_sub(1)
                .and_then(|i| counts.get_mut(i))
            {
                *count += 1;
            }
        }
        counts
    }
}

/// One pupil's ranked choices, as the school gives them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PupilChoices {
    pub student_id: StudentId,
    pub choices: Vec<WorkVisitId>,
}

/// What a school asks to be placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlacement {
    /// Only for the platform acting for a school; a school key places its own pupils.
    pub school_id: Option<SchoolId>,
    pub group_name: Name,
    pub contact: BookingContact,
    pub slot_ids: Vec<SlotId>,
    pub pupils: Vec<PupilChoices>,
}
