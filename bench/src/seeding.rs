//! What several suites seed through the domain services: a Dutch tenant, a business, a
//! school, a pupil with participation consent.

use anyhow::Result;
use chrono::{DateTime, TimeDelta, Utc};
use driehoek_api::state::AppState;
use driehoek_domain::api_keys::NewApiKey;
use driehoek_domain::auth::{Actor, Binding, Role};
use driehoek_domain::businesses::{Business, NewBusiness};
use driehoek_domain::schools::{NewSchool, School};
use driehoek_domain::students::{
    ConsentGiver, ConsentStatus, NewConsent, NewStudent, Student, StudentStatus,
};
use driehoek_domain::tenants::{NewTenant, SettingsChanges, Tenant};
use driehoek_domain::values::{CountryCode, ExternalRef, Locale, Name, TenantSlug, Timezone};
use driehoek_domain::vocabularies::{
    BusinessKind, Competence, ConsentPurpose, EducationLevel, SchoolKind, WorkVisitFormat,
};
use driehoek_domain::work_visits::{
    AgeRange, GroupSize, NewSlot, NewWorkVisit, Schedule, Slot, WorkVisit, WorkVisitStatus,
};

fn err(e: String) -> anyhow::Error {
    anyhow::Error::msg(e)
}

/// A Dutch tenant (nl-NL, Europe/Amsterdam) with the default settings.
pub(crate) async fn tenant(state: &AppState, slug: &str, name: &str) -> Result<Tenant> {
    Ok(state
        .tenants
        .create(
            &Actor::bootstrap_admin(),
            NewTenant {
                slug: TenantSlug::parse(slug).map_err(err)?,
                name: Name::parse(name).map_err(err)?,
                country: CountryCode::parse("NL").map_err(err)?,
                locale: Locale::parse("nl-NL").map_err(err)?,
                timezone: Timezone::parse("Europe/Amsterdam").map_err(err)?,
                settings: SettingsChanges::default(),
            },
        )
        .await?)
}

/// A business with nothing but its name and kind.
pub(crate) async fn business(
    state: &AppState,
    tenant: &Tenant,
    name: &str,
    kind: BusinessKind,
) -> Result<Business> {
    Ok(state
        .businesses
        .create(
            &Actor::bootstrap_admin(),
            tenant.id,
            NewBusiness {
                name: Name::parse(name).map_err(err)?,
                kind,
                registration_code: None,
                sectors: vec![],
                description: None,
                address: None,
                contact_email: None,
                website: None,
                status: None,
            },
        )
        .await?)
}

/// A secondary school teaching `level`.
pub(crate) async fn school(
    state: &AppState,
    tenant: &Tenant,
    name: &str,
    level: EducationLevel,
) -> Result<School> {
    Ok(state
        .schools
        .create(
            &Actor::bootstrap_admin(),
            tenant.id,
            NewSchool {
                name: Name::parse(name).map_err(err)?,
                kind: SchoolKind::Secondary,
                registration_code: None,
                education_levels: vec![level],
                address: None,
                contact_email: None,
                website: None,
            },
        )
        .await?)
}

/// A published online offering of `business` for ages 12-18, for groups of `group`.
pub(crate) async fn online_offering(
    state: &AppState,
    (tenant, business): (&Tenant, &Business),
    (title, format, competences): (&str, WorkVisitFormat, Vec<Competence>),
    group: (u16, u16),
) -> Result<WorkVisit> {
    Ok(state
        .work_visits
        .create(
            &Actor::bootstrap_admin(),
            tenant.id,
            NewWorkVisit {
                business_id: business.id,
                programme_id: None,
                external_id: None,
                title: Name::parse(title).map_err(err)?,
                description: None,
                format,
                sectors: vec![],
                occupations: vec![],
                competences,
                ages: AgeRange::new(12, 18).map_err(err)?,
                education_levels: vec![],
                group_size: GroupSize::new(group.0, group.1).map_err(err)?,
                languages: vec![],
                location: None,
                online: true,
                accessibility: None,
                requirements: None,
                preparation: None,
                status: Some(WorkVisitStatus::Published),
            },
        )
        .await?)
}

/// A slot of `visit` of three hours from `starts_at` for `capacity` pupils.
pub(crate) async fn three_hour_slot(
    state: &AppState,
    tenant: &Tenant,
    visit: &WorkVisit,
    starts_at: DateTime<Utc>,
    capacity: u32,
) -> Result<Slot> {
    Ok(state
        .work_visits
        .create_slot(
            &Actor::bootstrap_admin(),
            tenant,
            visit.id,
            NewSlot {
                external_id: None,
                schedule: Schedule::new(starts_at, starts_at + TimeDelta::hours(3), Vec::new())?,
                capacity,
                coach_id: None,
                teacher_present: true,
            },
        )
        .await?)
}

/// A key of `school` named `name`: its actor (to seed as the school) and its secret.
pub(crate) async fn school_key(
    state: &AppState,
    tenant: &Tenant,
    school: &School,
    name: &str,
) -> Result<(Actor, String)> {
    let (key, secret) = state
        .api_keys
        .create(
            &Actor::bootstrap_admin(),
            tenant.id,
            NewApiKey {
                name: Name::parse(name).map_err(err)?,
                role: Role::School,
                binding: Binding::School(school.id),
                expires_at: None,
            },
        )
        .await?;
    Ok((key.actor(), secret))
}

/// A pupil of the school of `school_actor` (a school key's actor), at `level`, of
/// `birth_year`, whose guardian granted participation.
pub(crate) async fn consenting_pupil(
    state: &AppState,
    (school_actor, tenant): (&Actor, &Tenant),
    (external_ref, display_name): (&str, &str),
    birth_year: i32,
    level: EducationLevel,
) -> Result<Student> {
    let pupil = state
        .students
        .create(
            school_actor,
            tenant.id,
            NewStudent {
                school_id: None,
                external_ref: ExternalRef::parse(external_ref).map_err(err)?,
                display_name: Name::parse(display_name).map_err(err)?,
                birth_year,
                grade: None,
                education_level: level,
                status: StudentStatus::Active,
            },
        )
        .await?;
    state
        .students
        .record_consent(
            school_actor,
            tenant.id,
            pupil.id,
            tenant.settings.consent_age,
            NewConsent {
                purpose: ConsentPurpose::Participation,
                status: ConsentStatus::Granted,
                given_by: Some(ConsentGiver::Guardian),
            },
        )
        .await?;
    Ok(pupil)
}
