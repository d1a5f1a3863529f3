use chrono::{DateTime, Utc};

use crate::ids::{BookingId, BusinessId, SchoolId, SlotId, StudentId, TenantId, WorkVisitId};
use crate::values::{Description, Email, Name, ShortText};

vocabulary! {
    /// A booking's state.
    pub enum BookingStatus = "booking_statuses" {
        Confirmed => "confirmed", "Confirmed", "Bevestigd";
        Waitlisted => "waitlisted", "Wait-listed", "Op de wachtlijst";
        Cancelled => "cancelled", "Cancelled", "Geannuleerd";
        Completed => "completed", "Completed", "Afgerond";
    }
}

/// The reason each booking carries when its slot is cancelled by the host.
pub const HOST_CANCELLED_SLOT: &str = "The host cancelled the slot.";

/// Who at the school to contact about the booking (a staff member, never a pupil).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingContact {
    pub name: Name,
    pub email: Option<Email>,
    pub phone: Option<ShortText>,
}

/// A step of the visit cycle around a booking that its school marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CycleStep {
    /// The class prepared the visit (with the offering's `preparation`, if any).
    Prepared,
    /// The class looked back on the visit together, after it.
    Debriefed,
}

impl CycleStep {
    /// The webhook event the step is.
    pub const fn event(self) -> &'static str {
        match self {
            Self::Prepared => "booking.prepared",
            Self::Debriefed => "booking.debriefed",
        }
    }
}

/// Who came, recorded after the visit started (a head count until pupils are named).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attendance {
    pub present: u32,
    pub absent: u32,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub id: BookingId,
    pub tenant_id: TenantId,
    pub slot_id: SlotId,
    pub work_visit_id: WorkVisitId,
    /// The business hosting the visit (fixed: a visit never changes business).
    pub business_id: BusinessId,
    pub school_id: SchoolId,
    pub group_name: Name,
    pub seats: u32,
    pub contact: BookingContact,
    pub notes: Option<Description>,
    pub status: BookingStatus,
    pub cancellation_reason: Option<Description>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub attendance: Option<Attendance>,
    /// When the class prepared the visit (DESIGN.md §4 "the visit cycle").
    pub prepared_at: Option<DateTime<Utc>>,
    /// When the class looked back on the visit together, after it.
    pub debriefed_at: Option<DateTime<Utc>>,
    /// The pupils named on the booking (by id only), with their attendance once
    /// recorded; empty for a booking by head count.
    pub students: Vec<NamedStudent>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Who came to a visit, as the school or the host reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceReport {
    pub present: u32,
    pub absent: u32,
    /// Named pupils' presence (the booking school only).
    pub pupils: Vec<(StudentId, bool)>,
}

/// A pupil named on a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedStudent {
    pub student_id: StudentId,
    /// `None` until attendance is recorded.
    pub present: Option<bool>,
}

/// What a school asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBooking {
    pub slot_id: SlotId,
    /// Required for a city administrator booking on a school's behalf; a school key
    /// books for its own school.
    pub school_id: Option<SchoolId>,
    pub group_name: Name,
    pub seats: u32,
    pub contact: BookingContact,
    pub notes: Option<Description>,
    /// Pupils of the school to name on the booking; each needs `participation` consent.
    pub student_ids: Vec<StudentId>,
    /// When the slot is full: wait-list instead of refusing.
    pub waitlist: bool,
}

/// Which bookings a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookingScope {
    All,
    School(SchoolId),
    Business(BusinessId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingFilter {
    pub scope: BookingScope,
    pub slot_id: Option<SlotId>,
    pub work_visit_id: Option<WorkVisitId>,
    pub status: Option<BookingStatus>,
    pub updated_since: Option<DateTime<Utc>>,
}

impl BookingScope {
    pub fn allows(self, booking: &Booking) -> bool {
        match self {
            Self::All => true,
            Self::School(school) => booking.school_id == school,
            Self::Business(business) => booking.business_id == business,
        }
    }
}

impl Booking {
    /// A new confirmed booking of `new` for `school` on a slot of `visit` (the
    /// repository wait-lists or refuses it if the seats are not there).
    pub fn new(
        tenant: TenantId,
        visit: &crate::work_visits::WorkVisit,
        school: SchoolId,
        new: NewBooking,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: BookingId::new(),
            tenant_id: tenant,
            slot_id: new.slot_id,
            work_visit_id: visit.id,
            business_id: visit.business_id,
            school_id: school,
            group_name: new.group_name,
            seats: new.seats,
            contact: new.contact,
            notes: new.notes,
            status: BookingStatus::Confirmed,
            cancellation_reason: None,
            cancelled_at: None,
            attendance: None,
            prepared_at: None,
            debriefed_at: None,
            students: new
                .student_ids
                .into_iter()
                .map(|student_id| NamedStudent {
                    student_id,
                    present: None,
                })
                .collect(),
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    /// A booking's changes are for its school and its host (and the city).
    pub fn feed_audience(&self) -> crate::changes::Audience {
        crate::changes::Audience::Parties {
            school: Some(self.school_id),
            business: Some(self.business_id),
        }
    }

    /// The reference the host sees for a pupil named on the booking (DESIGN.md §4
    /// "talent notes"): the same for this booking and pupil every time, another on
    /// every other booking, and no way back to the pupil's id — a host can tell the
    /// pupils of its group apart and write about one, never follow a pupil across
    /// visits or ask the school about an id.
    pub fn pupil_reference(&self, student: StudentId) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::new()
            .chain_update(b"driehoek/host-pupil-reference/v1")
            .chain_update(self.id.as_uuid().as_bytes())
            .chain_update(student.as_uuid().as_bytes())
            .finalize();
        format!("p-{}", hex::encode(&digest[..6]))
    }

    /// The named pupil `reference` stands for, if any.
    pub fn pupil_by_reference(&self, reference: &str) -> Option<StudentId> {
        self.students
            .iter()
            .map(|p| p.student_id)
            .find(|id| self.pupil_reference(*id) == reference)
    }

    /// Which pupils' ids a caller sees on the booking: the booking school's and the
    /// platform's; everyone else sees how many, and the host the consented names.
    pub fn shows_pupils_to(&self, actor: &crate::auth::Actor) -> bool {
        actor.is_platform_admin() || actor.school() == Some(self.school_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn booking_naming(students: &[StudentId]) -> Booking {
        let now = crate::testing::now();
        Booking {
            id: BookingId::new(),
            tenant_id: TenantId::new(),
            slot_id: SlotId::new(),
            work_visit_id: WorkVisitId::new(),
            business_id: BusinessId::new(),
            school_id: SchoolId::new(),
            group_name: Name::parse("2B").expect("a name"),
            seats: 3,
            contact: BookingContact {
                name: Name::parse("Mevr. Jansen").expect("a name"),
                email: None,
                phone: None,
            },
            notes: None,
            status: BookingStatus::Completed,
            cancellation_reason: None,
            cancelled_at: None,
            attendance: None,
            prepared_at: None,
            debriefed_at: None,
            students: students
                .iter()
                .map(|&student_id| NamedStudent {
                    student_id,
                    present: None,
                })
                .collect(),
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_pupil_reference_is_stable_on_its_booking_and_unlike_any_other() {
        let pupils = [StudentId::new(), StudentId::new(), StudentId::new()];
        let (one, other) = (booking_naming(&pupils), booking_naming(&pupils));
        for pupil in pupils {
            let reference = one.pupil_reference(pupil);
            assert_eq!(reference, one.pupil_reference(pupil), "stable");
            assert_eq!(reference.len(), 14, "p- and 12 hex digits: {reference}");
            assert!(!reference.contains(&pupil.to_string()[..8]));
            assert_ne!(reference, other.pupil_reference(pupil), "per booking");
            assert_eq!(one.pupil_by_reference(&reference), Some(pupil));
        }
        let references: std::collections::HashSet<String> =
            pupils.iter().map(|p| one.pupil_reference(*p)).collect();
        assert_eq!(references.len(), 3, "one per pupil");
        assert_eq!(one.pupil_by_reference("p-000000000000"), None);
        assert_eq!(
            one.pupil_by_reference(&one.pupil_reference(StudentId::new())),
            None,
            "a pupil not named on the booking"
        );
    }
}
