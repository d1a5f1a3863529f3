use chrono::{DateTime, NaiveDate, Utc};

use crate::businesses::{Coach, ParticipationStatus};
use crate::error::{DomainError, DomainResult, Rule};
use crate::ids::{BusinessId, CoachId, ProgrammeId, SlotId, TenantId, WorkVisitId};
use crate::tenants::CoachScreeningPolicy;
use crate::values::{Address, Description, IscoCode, LanguageCode, Name};
use crate::vocabularies::{Competence, EducationLevel, NaceSection, WorkVisitFormat};

vocabulary! {
    /// A work visit's life cycle: only published ones are visible to schools and integrators.
    pub enum WorkVisitStatus = "work_visit_statuses" {
        Draft => "draft", "Draft", "Concept";
        Published => "published", "Published", "Gepubliceerd";
        Withdrawn => "withdrawn", "Withdrawn", "Ingetrokken";
    }
}

vocabulary! {
    /// Whether a slot takes place.
    pub enum SlotStatus = "slot_statuses" {
        Scheduled => "scheduled", "Scheduled", "Gepland";
        Cancelled => "cancelled", "Cancelled", "Geannuleerd";
    }
}

impl WorkVisitStatus {
    /// `draft → published → withdrawn`; a withdrawn offering may be published again,
    /// but nothing goes back to draft once it was out.
    pub fn may_become(self, next: WorkVisitStatus) -> bool {
        use WorkVisitStatus::*;
        self == next
            || matches!(
                (self, next),
                (Draft, Published)
                    | (Draft, Withdrawn)
                    | (Published, Withdrawn)
                    | (Withdrawn, Published)
            )
    }
}

/// A partner's own identifier for an offering or slot: 1-100 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExternalId(String);

impl ExternalId {
    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::parse_owned(raw.to_owned())
    }

    /// As [`Self::parse`], keeping `raw`'s buffer.
    pub fn parse_owned(raw: String) -> Result<Self, String> {
        if (1..=100).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(Self(raw))
        } else {
            Err("must be 1-100 visible ASCII characters".to_owned())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Ages a work visit is meant for (4-99, min ≤ max).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgeRange {
    min: u8,
    max: u8,
}

impl AgeRange {
    pub fn new(min: u8, max: u8) -> Result<Self, String> {
        if !(4..=99).contains(&min) || !(4..=99).contains(&max) {
            return Err("ages must be between 4 and 99".to_owned());
        }
        if min > max {
            return Err("max_age must not be below min_age".to_owned());
        }
        Ok(Self { min, max })
    }

    pub fn min(&self) -> u8 {
        self.min
    }

    pub fn max(&self) -> u8 {
        self.max
    }

    /// Whether `age` is in the range.
    pub fn holds(&self, age: i32) -> bool {
        (i32::from(self.min)..=i32::from(self.max)).contains(&age)
    }
}

/// Pupils per group (1-1000, min ≤ max).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupSize {
    min: u16,
    max: u16,
}

impl GroupSize {
    pub fn new(min: u16, max: u16) -> Result<Self, String> {
        if !(1..=1000).contains(&min) || !(1..=1000).contains(&max) {
            return Err("group sizes must be between 1 and 1000".to_owned());
        }
        if min > max {
            return Err("group_size_max must not be below group_size_min".to_owned());
        }
        Ok(Self { min, max })
    }

    pub fn min(&self) -> u16 {
        self.min
    }

    pub fn max(&self) -> u16 {
        self.max
    }

    /// Whether a group of `pupils` is in the range.
    pub fn holds(&self, pupils: u32) -> bool {
        (u32::from(self.min)..=u32::from(self.max)).contains(&pupils)
    }
}

/// Whether an offering for `levels` (none named: every level) is for `level`.
pub fn open_to_level(levels: &[EducationLevel], level: EducationLevel) -> bool {
    levels.is_empty() || levels.contains(&level)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkVisit {
    pub id: WorkVisitId,
    pub tenant_id: TenantId,
    pub business_id: BusinessId,
    pub programme_id: Option<ProgrammeId>,
    /// The partner's own id; unique per business.
    pub external_id: Option<ExternalId>,
    pub title: Name,
    pub description: Option<Description>,
    pub format: WorkVisitFormat,
    pub sectors: Vec<NaceSection>,
    pub occupations: Vec<IscoCode>,
    pub competences: Vec<Competence>,
    pub ages: AgeRange,
    pub education_levels: Vec<EducationLevel>,
    pub group_size: GroupSize,
    pub languages: Vec<LanguageCode>,
    pub location: Option<Address>,
    pub online: bool,
    pub accessibility: Option<Description>,
    pub requirements: Option<Description>,
    /// What the class does before the visit.
    pub preparation: Option<Preparation>,
    pub status: WorkVisitStatus,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl WorkVisit {
    /// A work visit takes place somewhere, online, or both.
    pub fn check_place(&self) -> DomainResult<()> {
        if self.location.is_none() && !self.online {
            return Err(DomainError::invalid(
                "/location",
                "give a location, or set online to true",
            ));
        }
        Ok(())
    }
}

/// What a class does before a visit (DESIGN.md §4 "the visit cycle"): a text for the
/// class, and where to find more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preparation {
    pub text: Description,
    pub url: Option<crate::values::WebUrl>,
}

/// Everything a new work visit holds except what the service decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWorkVisit {
    pub business_id: BusinessId,
    pub programme_id: Option<ProgrammeId>,
    pub external_id: Option<ExternalId>,
    pub title: Name,
    pub description: Option<Description>,
    pub format: WorkVisitFormat,
    pub sectors: Vec<NaceSection>,
    pub occupations: Vec<IscoCode>,
    pub competences: Vec<Competence>,
    pub ages: AgeRange,
    pub education_levels: Vec<EducationLevel>,
    pub group_size: GroupSize,
    pub languages: Vec<LanguageCode>,
    pub location: Option<Address>,
    pub online: bool,
    pub accessibility: Option<Description>,
    pub requirements: Option<Description>,
    pub preparation: Option<Preparation>,
    pub status: Option<WorkVisitStatus>,
}

/// A merge patch of a work visit. The business it belongs to never changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkVisitChanges {
    pub programme_id: Option<Option<ProgrammeId>>,
    pub external_id: Option<Option<ExternalId>>,
    pub title: Option<Name>,
    pub description: Option<Option<Description>>,
    pub format: Option<WorkVisitFormat>,
    pub sectors: Option<Vec<NaceSection>>,
    pub occupations: Option<Vec<IscoCode>>,
    pub competences: Option<Vec<Competence>>,
    /// Ages are patched as a pair (`min_age`, `max_age`) and checked together.
    pub min_age: Option<u8>,
    pub max_age: Option<u8>,
    pub education_levels: Option<Vec<EducationLevel>>,
    pub group_size_min: Option<u16>,
    pub group_size_max: Option<u16>,
    pub languages: Option<Vec<LanguageCode>>,
    pub location: Option<Option<Address>>,
    pub online: Option<bool>,
    pub accessibility: Option<Option<Description>>,
    pub requirements: Option<Option<Description>>,
    pub preparation: Option<Option<Preparation>>,
    pub status: Option<WorkVisitStatus>,
}

/// Which work visits a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    All,
    Published,
    /// Published ones, and every one of this business.
    PublishedOrOwn(BusinessId),
}

impl Visibility {
    pub fn allows(self, visit: &WorkVisit) -> bool {
        match self {
            Self::All => true,
            Self::Published => visit.status == WorkVisitStatus::Published,
            Self::PublishedOrOwn(own) => {
                visit.status == WorkVisitStatus::Published || visit.business_id == own
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkVisitFilter {
    pub visibility: Visibility,
    pub q: Option<String>,
    pub status: Option<WorkVisitStatus>,
    pub sector: Option<NaceSection>,
    pub occupation: Option<IscoCode>,
    pub format: Option<WorkVisitFormat>,
    pub education_level: Option<EducationLevel>,
    /// Fits `min_age..=max_age`.
    pub age: Option<u8>,
    /// Has a scheduled slot starting in `[from, to)`.
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Has a scheduled slot with seats left (and, with `from`/`to`, in that window).
    pub available: bool,
    pub business_id: Option<BusinessId>,
    pub programme_id: Option<ProgrammeId>,
    pub updated_since: Option<DateTime<Utc>>,
}

impl WorkVisitFilter {
    pub fn new(visibility: Visibility) -> Self {
        Self {
            visibility,
            q: None,
            status: None,
            sector: None,
            occupation: None,
            format: None,
            education_level: None,
            age: None,
            from: None,
            to: None,
            available: false,
            business_id: None,
            programme_id: None,
            updated_since: None,
        }
    }
}

/// One dated part of a multi-session slot (a Jobspotters track meets several times).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// When a slot takes place: one span, optionally made of ordered, non-overlapping
/// sessions inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    sessions: Vec<Session>,
}

impl Schedule {
    /// Checks the span and sessions; problems point into the slot document.
    pub fn new(
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        sessions: Vec<Session>,
    ) -> DomainResult<Self> {
        let mut errors = crate::error::ValidationErrors::new();
        if ends_at <= starts_at {
            errors.add("/ends_at", "must be after starts_at");
        }
        let mut previous_end: Option<DateTime<Utc>> = None;
        for (i, session) in sessions.iter().enumerate() {
            if session.ends_at <= session.starts_at {
                errors.add(
                    format!("/sessions/{i}/ends_at"),
                    "must be after the session's starts_at",
                );
            }
            if session.starts_at < starts_at || session.ends_at > ends_at {
                errors.add(
                    format!("/sessions/{i}"),
                    "must lie within the slot's starts_at and ends_at",
                );
            }
            if previous_end.is_some_and(|end| session.starts_at < end) {
                errors.add(
                    format!("/sessions/{i}/starts_at"),
                    "sessions must be in order and must not overlap",
                );
            }
            previous_end = Some(session.ends_at);
        }
        errors.into_result()?;
        Ok(Self {
            starts_at,
            ends_at,
            sessions,
        })
    }

    pub fn starts_at(&self) -> DateTime<Utc> {
        self.starts_at
    }

    pub fn ends_at(&self) -> DateTime<Utc> {
        self.ends_at
    }

    pub fn sessions(&self) -> &[Session] {
        &self.sessions
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub id: SlotId,
    pub tenant_id: TenantId,
    pub work_visit_id: WorkVisitId,
    /// The partner's own id; unique per work visit.
    pub external_id: Option<ExternalId>,
    pub schedule: Schedule,
    pub capacity: u32,
    /// Maintained by bookings; never written by clients.
    pub seats_booked: u32,
    pub coach_id: Option<CoachId>,
    pub teacher_present: bool,
    pub status: SlotStatus,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Slot {
    /// Nothing when a group can be booked on this slot of `visit` at `now`, else why
    /// not: its offering is not published, it is cancelled, or it has started.
    pub fn bookable(&self, visit: &WorkVisit, now: DateTime<Utc>) -> Result<(), &'static str> {
        if visit.status != WorkVisitStatus::Published {
            Err("the work visit is not published")
        } else if self.status == SlotStatus::Cancelled {
            Err("the slot is cancelled")
        } else if self.schedule.starts_at() <= now {
            Err("the slot has already started")
        } else {
            Ok(())
        }
    }

    /// Seats still free; none on a cancelled slot.
    pub fn seats_left(&self) -> u32 {
        match self.status {
            SlotStatus::Scheduled => self.capacity.saturating_sub(self.seats_booked),
            SlotStatus::Cancelled => 0,
        }
    }
}

pub const MAX_CAPACITY: u32 = 1000;

pub fn check_capacity(capacity: u32) -> Result<u32, String> {
    if (1..=MAX_CAPACITY).contains(&capacity) {
        Ok(capacity)
    } else {
        Err(format!("must be between 1 and {MAX_CAPACITY}"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSlot {
    pub external_id: Option<ExternalId>,
    pub schedule: Schedule,
    pub capacity: u32,
    pub coach_id: Option<CoachId>,
    pub teacher_present: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlotChanges {
    pub external_id: Option<Option<ExternalId>>,
    /// A new schedule replaces the old one whole (span and sessions).
    pub schedule: Option<Schedule>,
    pub capacity: Option<u32>,
    pub coach_id: Option<Option<CoachId>>,
    pub teacher_present: Option<bool>,
    pub status: Option<SlotStatus>,
}

/// The tenant's screening policy applied to one coach on one slot: under `required`
/// (or `required_unless_teacher_present` without a teacher) the coach needs a
/// screening verified by the slot's first day and valid through its last.
pub fn check_coach_for_slot(
    policy: CoachScreeningPolicy,
    coach: &Coach,
    teacher_present: bool,
    first_day: NaiveDate,
    last_day: NaiveDate,
) -> DomainResult<()> {
    if coach.status != ParticipationStatus::Active {
        return Err(DomainError::invalid("/coach_id", "the coach is not active"));
    }
    let required = match policy {
        CoachScreeningPolicy::Required => true,
        CoachScreeningPolicy::RequiredUnlessTeacherPresent => !teacher_present,
        CoachScreeningPolicy::NotRequired => false,
    };
    if !required {
        return Ok(());
    }
    let problem = match &coach.screening {
        None => Some("the coach has no screening on record".to_owned()),
        Some(s) if s.verified_on > first_day => Some(format!(
            "the coach's screening was verified only on {}",
            s.verified_on
        )),
        Some(s) if !s.is_valid_on(last_day) => Some(format!(
            "the coach's screening expires before the slot's last day ({last_day})"
        )),
        Some(_) => None,
    };
    match problem {
        Some(message) => Err(DomainError::rule(
            Rule::CoachScreeningInvalid,
            "/coach_id",
            message,
        )),
        None => Ok(()),
    }
}

/// Who sees changes to an offering and its slots in the change feed: its business (and
/// the city) while it is a draft, everyone once published (a withdrawal too, so copies
/// drop it). Slots made while the offering was a draft reach the catalogue with its
/// publication: a reader that sees an offering appear reads its slots.
pub fn feed_audience(status: WorkVisitStatus, business: BusinessId) -> crate::changes::Audience {
    if status == WorkVisitStatus::Draft {
        crate::changes::Audience::Parties {
            school: None,
            business: Some(business),
        }
    } else {
        crate::changes::Audience::Public
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::businesses::Screening;
    use crate::vocabularies::ScreeningKind;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, d, h, 0, 0).unwrap()
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, m, d).unwrap()
    }

    fn coach(screening: Option<Screening>) -> Coach {
        Coach {
            id: CoachId::new(),
            tenant_id: TenantId::new(),
            business_id: BusinessId::new(),
            display_name: Name::parse("Sanne").unwrap(),
            bio: None,
            occupations: vec![],
            languages: vec![],
            screening,
            status: ParticipationStatus::Active,
            version: 1,
            created_at: crate::testing::now(),
            updated_at: crate::testing::now(),
        }
    }

    #[test]
    fn status_moves_forward_and_withdrawn_may_return() {
        use WorkVisitStatus::*;
        assert!(Draft.may_become(Published));
        assert!(Published.may_become(Withdrawn));
        assert!(Withdrawn.may_become(Published));
        assert!(!Published.may_become(Draft));
        assert!(!Withdrawn.may_become(Draft));
    }

    #[test]
    fn schedules_refuse_inverted_outside_and_overlapping_sessions() {
        assert!(Schedule::new(at(3, 10), at(3, 9), vec![]).is_err());
        let track = vec![
            Session {
                starts_at: at(3, 13),
                ends_at: at(3, 16),
            },
            Session {
                starts_at: at(10, 13),
                ends_at: at(10, 16),
            },
        ];
        assert!(Schedule::new(at(3, 13), at(10, 16), track.clone()).is_ok());
        let reversed: Vec<Session> = track.iter().rev().copied().collect();
        assert!(Schedule::new(at(3, 13), at(10, 16), reversed).is_err());
        assert!(
            Schedule::new(at(3, 14), at(10, 16), track).is_err(),
            "a session before the span"
        );
    }

    #[test]
    fn seats_left_is_capacity_minus_booked_and_none_when_cancelled() {
        let mut slot = Slot {
            id: SlotId::new(),
            tenant_id: TenantId::new(),
            work_visit_id: WorkVisitId::new(),
            external_id: None,
            schedule: Schedule::new(at(3, 9), at(3, 12), vec![]).unwrap(),
            capacity: 10,
            seats_booked: 3,
            coach_id: None,
            teacher_present: false,
            status: SlotStatus::Scheduled,
            version: 1,
            created_at: crate::testing::now(),
            updated_at: crate::testing::now(),
        };
        assert_eq!(slot.seats_left(), 7);
        slot.status = SlotStatus::Cancelled;
        assert_eq!(slot.seats_left(), 0);
    }

    #[test]
    fn screening_policy_decides_whether_a_coach_may_host() {
        let valid = Screening::new(ScreeningKind::NlVog, day(1, 1), Some(day(12, 31))).ok();
        let expiring = Screening::new(ScreeningKind::NlVog, day(1, 1), Some(day(3, 5))).ok();
        let (first, last) = (day(3, 3), day(3, 10));
        use CoachScreeningPolicy::*;
        assert!(check_coach_for_slot(Required, &coach(valid), false, first, last).is_ok());
        for bad in [None, expiring] {
            let error =
                check_coach_for_slot(Required, &coach(bad.clone()), true, first, last).unwrap_err();
            assert!(matches!(
                error,
                DomainError::RuleBroken {
                    rule: Rule::CoachScreeningInvalid,
                    ..
                }
            ));
            assert!(
                check_coach_for_slot(
                    RequiredUnlessTeacherPresent,
                    &coach(bad.clone()),
                    false,
                    first,
                    last
                )
                .is_err()
            );
            assert!(
                check_coach_for_slot(
                    RequiredUnlessTeacherPresent,
                    &coach(bad.clone()),
                    true,
                    first,
                    last
                )
                .is_ok()
            );
            assert!(check_coach_for_slot(NotRequired, &coach(bad), false, first, last).is_ok());
        }
        let late = Screening::new(ScreeningKind::NlVog, day(3, 5), None).ok();
        assert!(
            check_coach_for_slot(Required, &coach(late), false, first, last).is_err(),
            "verified after the first day"
        );
    }

    #[test]
    fn ages_and_group_sizes_are_ordered_ranges() {
        assert!(AgeRange::new(12, 14).is_ok());
        assert!(AgeRange::new(14, 12).is_err());
        assert!(AgeRange::new(2, 14).is_err());
        assert!(GroupSize::new(2, 3).is_ok());
        assert!(GroupSize::new(0, 3).is_err());
        assert!(GroupSize::new(30, 3).is_err());
    }
}
