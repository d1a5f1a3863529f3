use chrono::{DateTime, Utc};

use crate::ids::TenantId;
use crate::values::{CountryCode, Locale, Name, TenantSlug, Timezone};

vocabulary! {
    /// Whether a tenant answers requests.
    pub enum TenantStatus = "tenant_statuses" {
        Active => "active", "Active", "Actief";
        Suspended => "suspended", "Suspended", "Opgeschort";
    }
}

vocabulary! {
    /// Whether coaches need a valid screening to work with pupils.
    pub enum CoachScreeningPolicy = "coach_screening_policies" {
        Required => "required", "Always required", "Altijd verplicht";
        RequiredUnlessTeacherPresent => "required_unless_teacher_present", "Required unless a teacher is present", "Verplicht tenzij een leraar aanwezig is";
        NotRequired => "not_required", "Not required", "Niet verplicht";
    }
}

pub const DEFAULT_SMALL_CELL_THRESHOLD: u32 = 5;

/// Per-tenant settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSettings {
    /// Requests per minute per key; `None` uses the platform default.
    pub rate_limit_per_minute: Option<u32>,
    /// Counts below this are suppressed in aggregates (at least 1).
    pub small_cell_threshold: u32,
    pub coach_screening: CoachScreeningPolicy,
    /// The age from which a pupil consents alone (NL 16, BE 13 for online services).
    pub consent_age: u8,
}

impl TenantSettings {
    /// Defaults that follow the country's law where it differs.
    pub fn defaults_for(country: CountryCode) -> Self {
        Self {
            rate_limit_per_minute: None,
            small_cell_threshold: DEFAULT_SMALL_CELL_THRESHOLD,
            coach_screening: CoachScreeningPolicy::RequiredUnlessTeacherPresent,
            consent_age: if country.as_str() == "BE" { 13 } else { 16 },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: TenantSlug,
    pub name: Name,
    pub country: CountryCode,
    pub locale: Locale,
    pub timezone: Timezone,
    pub status: TenantStatus,
    pub settings: TenantSettings,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Tenant {
    pub fn is_suspended(&self) -> bool {
        self.status == TenantStatus::Suspended
    }
}

/// Settings given at creation or in a patch; absent fields keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsChanges {
    pub rate_limit_per_minute: Option<Option<u32>>,
    pub small_cell_threshold: Option<u32>,
    pub coach_screening: Option<CoachScreeningPolicy>,
    pub consent_age: Option<u8>,
}

impl SettingsChanges {
    pub fn apply(&self, settings: &mut TenantSettings) {
        if let Some(value) = self.rate_limit_per_minute {
            settings.rate_limit_per_minute = value;
        }
        if let Some(value) = self.small_cell_threshold {
            settings.small_cell_threshold = value;
        }
        if let Some(value) = self.coach_screening {
            settings.coach_screening = value;
        }
        if let Some(value) = self.consent_age {
            settings.consent_age = value;
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTenant {
    pub slug: TenantSlug,
    pub name: Name,
    pub country: CountryCode,
    pub locale: Locale,
    pub timezone: Timezone,
    pub settings: SettingsChanges,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantChanges {
    pub name: Option<Name>,
    pub country: Option<CountryCode>,
    pub locale: Option<Locale>,
    pub timezone: Option<Timezone>,
    pub status: Option<TenantStatus>,
    pub settings: SettingsChanges,
}

/// Bounds on settings a city may choose.
pub fn check_rate_limit(value: u32) -> Result<u32, String> {
    if (1..=1_000_000).contains(&value) {
        Ok(value)
    } else {
        Err("must be between 1 and 1000000 requests a minute".to_owned())
    }
}

pub fn check_small_cell_threshold(value: u32) -> Result<u32, String> {
    if (1..=100).contains(&value) {
        Ok(value)
    } else {
        Err("must be between 1 and 100".to_owned())
    }
}

pub fn check_consent_age(value: u8) -> Result<u8, String> {
    if (12..=18).contains(&value) {
        Ok(value)
    } else {
        Err("must be between 12 and 18".to_owned())
    }
}
