//! What several suites seed through the domain services: a Dutch tenant, a business, a
//! school, a pupil with participation consent.

use anyhow::Result;
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
use driehoek_domain::vocabularies::{BusinessKind, ConsentPurpose, EducationLevel, SchoolKind};

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
