use chrono::{DateTime, Utc};
use driehoek_domain::ValidationErrors;
use driehoek_domain::bookings::{
    Booking, BookingContact, Feedback, NewBooking, NewFeedback, Rating,
};
use std::collections::HashMap;

use driehoek_domain::auth::Actor;
use driehoek_domain::ids::{BookingId, SchoolId, SlotId, StudentId};
use driehoek_domain::students::HostPupil;
use driehoek_domain::values::{Description, Email, Name, ShortText};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{BookingStatusCode, CompetenceCode, FeedbackAuthorCode};

/// A staff member to contact about a booking.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactDto {
    #[schema(example = "Mevr. De Smet")]
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl ContactDto {
    /// The contact, or its errors (at `/contact/…`) added to `errors`.
    pub fn parse(&self, errors: &mut ValidationErrors) -> Option<BookingContact> {
        let name = errors.check("/contact/name", Name::parse(&self.name));
        let email = errors.check_opt("/contact/email", self.email.as_deref().map(Email::parse));
        let phone = errors.check_opt(
            "/contact/phone",
            self.phone.as_deref().map(ShortText::parse),
        );
        Some(BookingContact {
            name: name?,
            email: email?,
            phone: phone?,
        })
    }
}

impl From<BookingContact> for ContactDto {
    fn from(c: BookingContact) -> Self {
        Self {
            name: c.name.to_string(),
            email: c.email.map(|e| e.as_str().to_owned()),
            phone: c.phone.map(|p| p.to_string()),
        }
    }
}

/// A booking request: seats on one slot for a group of the school's pupils.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingIn {
    pub slot_id: Uuid,
    /// Only when a city administrator books for a school; a school key books for itself.
    pub school_id: Option<Uuid>,
    #[schema(example = "1A groep 2")]
    #[schema(min_length = 1, max_length = 200)]
    pub group_name: String,
    #[schema(example = 3)]
    pub seats: u32,
    pub contact: ContactDto,
    #[schema(min_length = 1, max_length = 5000)]
    pub notes: Option<String>,
    /// When the slot is full, wait-list instead of answering 409 `slot_full`.
    #[serde(default)]
    pub waitlist: bool,
    /// Pupils of the school to name on the booking (school keys): each needs
    /// `participation` consent, else 422 `consent_missing`. At most one per seat.
    #[serde(default)]
    pub student_ids: Vec<Uuid>,
}

impl TryFrom<BookingIn> for NewBooking {
    type Error = ValidationErrors;

    fn try_from(input: BookingIn) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let group_name = errors.check("/group_name", Name::parse(&input.group_name));
        let contact = input.contact.parse(&mut errors);
        let notes = errors.check_opt("/notes", input.notes.as_deref().map(Description::parse));
        if input.seats == 0 {
            errors.add("/seats", "must be at least 1");
        }
        match (group_name, contact, notes) {
            (Some(group_name), Some(contact), Some(notes)) if errors.is_empty() => Ok(NewBooking {
                slot_id: SlotId::from_uuid(input.slot_id),
                school_id: input.school_id.map(SchoolId::from_uuid),
                group_name,
                seats: input.seats,
                contact,
                notes,
                student_ids: input
                    .student_ids
                    .into_iter()
                    .map(StudentId::from_uuid)
                    .collect(),
                waitlist: input.waitlist,
            }),
            _ => Err(errors),
        }
    }
}

/// Who came: a head count and, for pupils named on the booking, who was there.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendanceIn {
    #[schema(example = 3)]
    pub present: u32,
    #[serde(default)]
    pub absent: u32,
    /// Named pupils' attendance (the booking school only). Each pupil present gets an
    /// `experience` entry in the portfolio, linked to the booking.
    #[serde(default)]
    pub students: Vec<PupilAttendanceDto>,
}

/// One named pupil's attendance.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PupilAttendanceDto {
    pub student_id: Uuid,
    pub present: bool,
}

/// A pupil named on a booking, as the booking school sees it.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct NamedPupilOut {
    pub student_id: Uuid,
    /// `null` until attendance is recorded.
    pub present: Option<bool>,
}

/// Attendance as recorded.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct AttendanceOut {
    pub present: u32,
    pub absent: u32,
    pub recorded_at: DateTime<Utc>,
}

/// A pupil named on a booking, as its host sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct HostPupilOut {
    /// This booking's reference for the pupil: what a talent note names.
    #[schema(example = "p-3f9a1c02b7de")]
    pub reference: String,
    /// Only where the pupil consents to sharing with the host.
    pub display_name: Option<String>,
}

impl From<&HostPupil> for HostPupilOut {
    fn from(p: &HostPupil) -> Self {
        Self {
            reference: p.reference.clone(),
            display_name: p.display_name.as_ref().map(ToString::to_string),
        }
    }
}

/// Why a booking is cancelled.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelIn {
    #[schema(example = "Class trip moved")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BookingOut {
    pub id: Uuid,
    pub slot_id: Uuid,
    pub work_visit_id: Uuid,
    pub business_id: Uuid,
    pub school_id: Uuid,
    pub group_name: String,
    pub seats: u32,
    pub contact: ContactDto,
    pub notes: Option<String>,
    pub status: BookingStatusCode,
    pub cancellation_reason: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Set once attendance is recorded (the booking is then `completed`).
    pub attendance: Option<AttendanceOut>,
    /// When the school marked the class prepared for the visit (`POST …/prepared`).
    pub prepared_at: Option<DateTime<Utc>>,
    /// When the school marked the visit debriefed with the class (`POST …/debriefed`).
    pub debriefed_at: Option<DateTime<Utc>>,
    /// How many pupils are named on the booking (0 for a booking by head count).
    pub named_pupils: u32,
    /// The named pupils: shown to the booking school and the platform only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub students: Option<Vec<NamedPupilOut>>,
    /// Display names of the named pupils who consent to sharing them with the host
    /// (`share_with_business`): shown to the host business only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_pupils: Option<Vec<String>>,
    /// The named pupils as the host sees them, shown to the host business only: each
    /// by a reference of this booking (what a talent note names), with the display
    /// name where the pupil consents to sharing with the host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_pupils: Option<Vec<HostPupilOut>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl BookingOut {
    /// The booking as `actor` may see it: pupils by id for their school, by consented
    /// display name (`host_names`) for the host, as a count for everyone else.
    pub fn seen_by(
        b: Booking,
        actor: &Actor,
        host_names: &HashMap<BookingId, Vec<HostPupil>>,
    ) -> Self {
        let named_pupils = u32::try_from(b.students.len()).unwrap_or(u32::MAX);
        let students = b.shows_pupils_to(actor).then(|| {
            b.students
                .iter()
                .map(|p| NamedPupilOut {
                    student_id: p.student_id.as_uuid(),
                    present: p.present,
                })
                .collect()
        });
        let host_pupils: Option<Vec<HostPupilOut>> = (actor.business() == Some(b.business_id))
            .then(|| {
                host_names
                    .get(&b.id)
                    .map(|pupils| pupils.iter().map(HostPupilOut::from).collect())
                    .unwrap_or_default()
            });
        let shared_pupils = host_pupils.as_ref().map(|pupils| {
            pupils
                .iter()
                .filter_map(|p| p.display_name.clone())
                .collect()
        });
        Self {
            named_pupils,
            students,
            shared_pupils,
            host_pupils,
            id: b.id.as_uuid(),
            slot_id: b.slot_id.as_uuid(),
            work_visit_id: b.work_visit_id.as_uuid(),
            business_id: b.business_id.as_uuid(),
            school_id: b.school_id.as_uuid(),
            group_name: b.group_name.to_string(),
            seats: b.seats,
            contact: b.contact.into(),
            notes: b.notes.map(|n| n.to_string()),
            status: b.status.into(),
            cancellation_reason: b.cancellation_reason.map(|r| r.to_string()),
            cancelled_at: b.cancelled_at,
            attendance: b.attendance.map(|a| AttendanceOut {
                present: a.present,
                absent: a.absent,
                recorded_at: a.recorded_at,
            }),
            prepared_at: b.prepared_at,
            debriefed_at: b.debriefed_at,
            version: b.version,
            created_at: b.created_at,
            updated_at: b.updated_at,
        }
    }
}

/// Feedback after a completed visit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackIn {
    /// `school` and `student` (a pupil's, recorded by the school, never named) from a
    /// school key; `business` from the host's key; the city may record any.
    pub author: FeedbackAuthorCode,
    /// 1 (poor) to 5 (excellent).
    #[schema(example = 4)]
    #[schema(minimum = 1, maximum = 5)]
    pub rating: u8,
    #[schema(example = "De leerlingen mochten zelf een heftruck besturen.")]
    #[schema(min_length = 1, max_length = 5000)]
    pub comment: Option<String>,
    /// Career competences the pupils practised.
    #[serde(default)]
    pub competences_practised: Vec<CompetenceCode>,
    /// The host only: would it host this school again?
    pub would_host_again: Option<bool>,
}

impl TryFrom<FeedbackIn> for NewFeedback {
    type Error = ValidationErrors;

    fn try_from(input: FeedbackIn) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let rating = errors.check("/rating", Rating::new(input.rating));
        let comment =
            errors.check_opt("/comment", input.comment.as_deref().map(Description::parse));
        match (rating, comment) {
            (Some(rating), Some(comment)) if errors.is_empty() => Ok(NewFeedback {
                author: input.author.0,
                rating,
                comment,
                competences_practised: input
                    .competences_practised
                    .into_iter()
                    .map(|c| c.0)
                    .collect(),
                would_host_again: input.would_host_again,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedbackOut {
    pub id: Uuid,
    pub booking_id: Uuid,
    pub author: FeedbackAuthorCode,
    pub rating: u8,
    pub comment: Option<String>,
    pub competences_practised: Vec<CompetenceCode>,
    pub would_host_again: Option<bool>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

impl From<Feedback> for FeedbackOut {
    fn from(f: Feedback) -> Self {
        Self {
            id: f.id.as_uuid(),
            booking_id: f.booking_id.as_uuid(),
            author: f.author.into(),
            rating: f.rating.value(),
            comment: f.comment.map(|c| c.to_string()),
            competences_practised: f
                .competences_practised
                .into_iter()
                .map(Into::into)
                .collect(),
            would_host_again: f.would_host_again,
            version: f.version,
            created_at: f.created_at,
        }
    }
}
