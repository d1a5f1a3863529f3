//! What the services' unit tests are built on: an in-memory twin of the repositories
//! ([`memory::Memory`]), a frozen [`TestClock`], and a [`Fixture`] that lays out one
//! tenant's schools, businesses, offerings and pupils through the services themselves.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod memory;

use std::sync::Arc;

use chrono::{DateTime, Utc};

pub use memory::Memory;

use crate::bookings::Booking;
use crate::businesses::{Business, Coach};
use crate::clock::{SharedClock, TestClock};
use crate::error::DomainResult;
use crate::ids::{CoachId, SchoolId, SlotId, TenantId};
use crate::schools::School;
use crate::students::Student;
use crate::work_visits::{Slot, WorkVisit};

/// A frozen clock at `at` (RFC 3339), shared.
pub fn clock_at(at: &str) -> (Arc<TestClock>, SharedClock) {
    let clock = TestClock::frozen_at(at.parse::<DateTime<Utc>>().expect("an instant"));
    (clock.clone(), clock)
}

/// The time on a test clock frozen at a fixed instant, for values a unit test builds
/// without a service (the time comes from the clock port in tests too).
pub fn now() -> DateTime<Utc> {
    use crate::clock::Clock;
    clock_at("2027-03-01T09:00:00Z").0.now()
}

/// One tenant's services over one in-memory store, on a frozen clock, with helpers to
/// lay out what the tests need through the services themselves.
pub struct Fixture {
    pub memory: Arc<Memory>,
    pub clock: Arc<TestClock>,
    pub tenant: crate::tenants::Tenant,
    pub schools: crate::schools::SchoolService,
    pub businesses: crate::businesses::BusinessService,
    pub work_visits: crate::work_visits::WorkVisitService,
    pub bookings: crate::bookings::BookingService,
    pub students: crate::students::StudentService,
    pub route_maps: crate::route_maps::RouteMapService,
}

/// The operator's key: acts in every tenant.
pub fn admin() -> crate::auth::Actor {
    crate::auth::Actor::bootstrap_admin()
}

fn text<T>(parse: impl Fn(&str) -> Result<T, String>, raw: &str) -> T {
    parse(raw).expect("valid test data")
}

impl Fixture {
    /// A Dutch tenant (consent age 16) whose clock stands at `at`.
    pub fn at(at: &str) -> Self {
        use crate::values::{CountryCode, Locale, Name, TenantSlug, Timezone};
        let memory = Memory::new();
        let (clock, shared) = clock_at(at);
        let country = text(CountryCode::parse, "NL");
        let now = shared.now();
        let tenant = crate::tenants::Tenant {
            id: TenantId::new(),
            slug: text(TenantSlug::parse, "rotterdam"),
            name: text(Name::parse, "Gemeente Rotterdam"),
            country,
            locale: text(Locale::parse, "nl-NL"),
            timezone: text(Timezone::parse, "Europe/Amsterdam"),
            status: crate::tenants::TenantStatus::Active,
            settings: crate::tenants::TenantSettings::defaults_for(country),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let route_maps = crate::route_maps::RouteMapService::new(memory.clone(), shared.clone());
        let records = crate::students::StudentRecords {
            students: memory.clone(),
            consents: memory.clone(),
            portfolio: memory.clone(),
            tokens: memory.clone(),
            invitations: memory.clone(),
            talent_notes: memory.clone(),
        };
        Self {
            schools: crate::schools::SchoolService::new(memory.clone(), shared.clone()),
            businesses: crate::businesses::BusinessService::new(
                memory.clone(),
                memory.clone(),
                shared.clone(),
            ),
            work_visits: crate::work_visits::WorkVisitService::new(
                memory.clone(),
                memory.clone(),
                memory.clone(),
                memory.clone(),
                shared.clone(),
            ),
            bookings: crate::bookings::BookingService::new(
                memory.clone(),
                memory.clone(),
                memory.clone(),
                memory.clone(),
                records.clone(),
                shared.clone(),
            ),
            students: crate::students::StudentService::new(
                records,
                memory.clone(),
                memory.clone(),
                memory.clone(),
                crate::students::Plans {
                    repo: memory.clone(),
                    maps: route_maps.clone(),
                },
                shared,
            ),
            route_maps,
            memory,
            clock,
            tenant,
        }
    }

    /// `at`, parsed.
    pub fn instant(at: &str) -> DateTime<Utc> {
        at.parse().expect("an instant")
    }

    /// A secondary school teaching `levels`.
    pub async fn school(&self, levels: &[crate::vocabularies::EducationLevel]) -> School {
        use crate::values::Name;
        self.schools
            .create(
                &admin(),
                self.tenant.id,
                crate::schools::NewSchool {
                    name: text(Name::parse, "Calvijn Vreewijk"),
                    kind: crate::vocabularies::SchoolKind::Secondary,
                    registration_code: None,
                    education_levels: levels.to_vec(),
                    address: None,
                    contact_email: None,
                    website: None,
                },
            )
            .await
            .expect("a school")
    }

    /// A business with one coach screened from `verified_on` until `valid_until`.
    pub async fn business_with_coach(&self, valid_until: &str) -> (Business, Coach) {
        use crate::values::Name;
        let business = self
            .businesses
            .create(
                &admin(),
                self.tenant.id,
                crate::businesses::NewBusiness {
                    name: text(Name::parse, "Havenbedrijf"),
                    kind: crate::vocabularies::BusinessKind::Company,
                    registration_code: None,
                    sectors: vec![crate::vocabularies::NaceSection::H],
                    description: None,
                    address: None,
                    contact_email: None,
                    website: None,
                    status: None,
                },
            )
            .await
            .expect("a business");
        let screening = crate::businesses::Screening::new(
            crate::vocabularies::ScreeningKind::NlVog,
            "2020-01-01".parse().expect("a date"),
            Some(valid_until.parse().expect("a date")),
        )
        .expect("a screening");
        let coach = self
            .businesses
            .create_coach(
                &admin(),
                self.tenant.id,
                business.id,
                crate::businesses::NewCoach {
                    display_name: text(Name::parse, "Sanne"),
                    bio: None,
                    occupations: Vec::new(),
                    languages: Vec::new(),
                    screening: Some(screening),
                    status: None,
                },
            )
            .await
            .expect("a coach");
        (business, coach)
    }

    /// A published offering of `business` for groups of `group` pupils of `levels`.
    pub async fn offering(
        &self,
        business: &Business,
        group: (u16, u16),
        levels: &[crate::vocabularies::EducationLevel],
    ) -> WorkVisit {
        use crate::values::Name;
        use crate::work_visits::{AgeRange, GroupSize, NewWorkVisit, WorkVisitStatus};
        self.work_visits
            .create(
                &admin(),
                self.tenant.id,
                NewWorkVisit {
                    business_id: business.id,
                    programme_id: None,
                    external_id: None,
                    title: text(Name::parse, "Bliksemstage in de haven"),
                    description: None,
                    format: crate::vocabularies::WorkVisitFormat::LightningInternship,
                    sectors: vec![crate::vocabularies::NaceSection::H],
                    occupations: Vec::new(),
                    competences: Vec::new(),
                    ages: AgeRange::new(12, 18).expect("ages"),
                    education_levels: levels.to_vec(),
                    group_size: GroupSize::new(group.0, group.1).expect("a group size"),
                    languages: Vec::new(),
                    location: None,
                    online: true,
                    accessibility: None,
                    requirements: None,
                    preparation: None,
                    status: Some(WorkVisitStatus::Published),
                },
            )
            .await
            .expect("an offering")
    }

    /// A slot of `visit` from `starts` to `ends` for `capacity` pupils.
    pub async fn slot(
        &self,
        visit: &WorkVisit,
        (starts, ends): (&str, &str),
        capacity: u32,
        coach: Option<(CoachId, bool)>,
    ) -> DomainResult<Slot> {
        let schedule = crate::work_visits::Schedule::new(
            Self::instant(starts),
            Self::instant(ends),
            Vec::new(),
        )?;
        self.work_visits
            .create_slot(
                &admin(),
                &self.tenant,
                visit.id,
                crate::work_visits::NewSlot {
                    external_id: None,
                    schedule,
                    capacity,
                    coach_id: coach.map(|(id, _)| id),
                    teacher_present: coach.is_some_and(|(_, teacher)| teacher),
                },
            )
            .await
    }

    /// A school's booking of `seats` on `slot` (its key's own school).
    pub async fn book(
        &self,
        school: &School,
        slot: &Slot,
        seats: u32,
        waitlist: bool,
    ) -> DomainResult<Booking> {
        use crate::values::Name;
        self.bookings
            .book(
                &self.school_key(school.id),
                self.tenant.id,
                crate::bookings::NewBooking {
                    slot_id: slot.id,
                    school_id: None,
                    group_name: text(Name::parse, "Klas 3B"),
                    seats,
                    contact: crate::bookings::BookingContact {
                        name: text(Name::parse, "Mevr. Jansen"),
                        email: None,
                        phone: None,
                    },
                    notes: None,
                    student_ids: Vec::new(),
                    waitlist,
                },
            )
            .await
    }

    /// The key of `school` in this tenant.
    pub fn school_key(&self, school: SchoolId) -> crate::auth::Actor {
        crate::auth::Actor {
            key_id: Some(crate::ids::ApiKeyId::new()),
            role: crate::auth::Role::School,
            tenant_id: Some(self.tenant.id),
            binding: crate::auth::Binding::School(school),
            request_id: None,
        }
    }

    /// A pupil of `school` born in `birth_year`.
    pub async fn pupil(&self, school: &School, birth_year: i32) -> Student {
        use crate::values::{ExternalRef, Name};
        self.students
            .create(
                &self.school_key(school.id),
                self.tenant.id,
                crate::students::NewStudent {
                    school_id: None,
                    external_ref: text(ExternalRef::parse, &format!("LL-{}", SlotId::new())),
                    display_name: text(Name::parse, "Sara"),
                    birth_year,
                    grade: None,
                    education_level: crate::vocabularies::EducationLevel::NlHavo,
                    status: crate::students::StudentStatus::Active,
                },
            )
            .await
            .expect("a pupil")
    }
}
