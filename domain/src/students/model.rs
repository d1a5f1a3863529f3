use chrono::{DateTime, Datelike, Utc};

use crate::ids::{SchoolId, StudentId, TenantId};
use crate::values::{ExternalRef, Name, ShortText};
use crate::vocabularies::EducationLevel;

vocabulary! {
    /// Whether the pupil is at the school.
    pub enum StudentStatus = "student_statuses" {
        Active => "active", "Active", "Actief";
        Left => "left", "Left the school", "Uitgeschreven";
    }
}

/// A pupil: the minimum a school needs (DOMAIN.md, safeguarding): a display name (first
/// name or alias), the birth year (never the date), grade and level, and the school's
/// own number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Student {
    pub id: StudentId,
    pub tenant_id: TenantId,
    pub school_id: SchoolId,
    pub external_ref: ExternalRef,
    pub display_name: Name,
    pub birth_year: i32,
    pub grade: Option<ShortText>,
    pub education_level: EducationLevel,
    pub status: StudentStatus,
    /// Portfolio entries made before this moment are sealed: the pupil moved school
    /// without `portfolio_transfer` consent.
    pub portfolio_open_from: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The age someone born in `birth_year` has certainly reached on `at` (see
/// [`Student::certain_age`]).
pub fn certain_age(birth_year: i32, at: DateTime<Utc>) -> i32 {
    at.year() - birth_year - 1
}

impl Student {
    /// The age the pupil has certainly reached on `at`: only the birth year is held, so
    /// a pupil born in 2010 is counted 15 throughout 2026 (16 if born on 1 January).
    /// Age rules err on the side of the minor.
    pub fn certain_age(&self, at: DateTime<Utc>) -> i32 {
        certain_age(self.birth_year, at)
    }

    /// Changes to a pupil's data are for the pupil's current school only.
    pub fn feed_audience(&self) -> crate::changes::Audience {
        crate::changes::Audience::Pupil {
            school: self.school_id,
        }
    }

    /// Whether a portfolio entry made at `created_at` is open to the pupil's school.
    pub fn entry_is_open(&self, created_at: DateTime<Utc>) -> bool {
        self.portfolio_open_from
            .is_none_or(|from| created_at >= from)
    }
}

/// Plausible birth years: pupils from 3 to 40 years old this year.
pub fn check_birth_year(year: i32, now: DateTime<Utc>) -> Result<i32, String> {
    let (oldest, youngest) = (now.year() - 40, now.year() - 3);
    if (oldest..=youngest).contains(&year) {
        Ok(year)
    } else {
        Err(format!("must be between {oldest} and {youngest}"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStudent {
    /// Required for a platform administrator; a school key adds pupils to its school.
    pub school_id: Option<SchoolId>,
    pub external_ref: ExternalRef,
    pub display_name: Name,
    pub birth_year: i32,
    pub grade: Option<ShortText>,
    pub education_level: EducationLevel,
    pub status: StudentStatus,
}

/// A merge patch of a pupil's record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StudentChanges {
    pub external_ref: Option<ExternalRef>,
    pub display_name: Option<Name>,
    pub birth_year: Option<i32>,
    pub grade: Option<Option<ShortText>>,
    pub education_level: Option<EducationLevel>,
    pub status: Option<StudentStatus>,
}

impl StudentChanges {
    pub fn apply(self, student: &mut Student) {
        if let Some(v) = self.external_ref {
            student.external_ref = v;
        }
        if let Some(v) = self.display_name {
            student.display_name = v;
        }
        if let Some(v) = self.birth_year {
            student.birth_year = v;
        }
        if let Some(v) = self.grade {
            student.grade = v;
        }
        if let Some(v) = self.education_level {
            student.education_level = v;
        }
        if let Some(v) = self.status {
            student.status = v;
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StudentFilter {
    /// Case-insensitive part of the display name or the external reference.
    pub q: Option<String>,
    pub grade: Option<String>,
    pub education_level: Option<EducationLevel>,
    pub status: Option<StudentStatus>,
}

/// One row of a roster import: a pupil as the school's pupil system has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    pub external_ref: ExternalRef,
    pub display_name: Name,
    pub birth_year: i32,
    pub grade: Option<ShortText>,
    pub education_level: EducationLevel,
    pub status: StudentStatus,
}

/// What an import did with one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowOutcome {
    Created,
    Updated,
    Unchanged,
}

impl RowOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Unchanged => "unchanged",
        }
    }
}

/// A pupil's line in a class placement, as the pupil's export shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudentPlacement {
    pub placement_id: crate::ids::PlacementId,
    pub status: crate::placements::PlacementStatus,
    /// The pupil's choices and what the placement made of them.
    pub line: crate::placements::PlacedPupil,
}

/// A booking a pupil was named on, as the pupil's export shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudentBooking {
    pub booking_id: crate::ids::BookingId,
    pub work_visit_id: crate::ids::WorkVisitId,
    pub slot_id: crate::ids::SlotId,
    pub business_id: crate::ids::BusinessId,
    pub status: crate::bookings::BookingStatus,
    pub present: Option<bool>,
}
