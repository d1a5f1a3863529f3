use chrono::{DateTime, Utc};

use crate::error::{DomainResult, ValidationErrors};

use crate::ids::TenantId;
use crate::values::{CountryCode, Locale, Name, TenantSlug, Timezone, WebOrigin};

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
    /// Origins whose browser apps may call the tenant's routes (CORS, DESIGN.md §3.11).
    pub allowed_origins: Vec<WebOrigin>,
}

impl TenantSettings {
    /// Defaults that follow the country's law where it differs.
    pub fn defaults_for(country: CountryCode) -> Self {
        Self {
            rate_limit_per_minute: None,
            small_cell_threshold: DEFAULT_SMALL_CELL_THRESHOLD,
            coach_screening: CoachScreeningPolicy::RequiredUnlessTeacherPresent,
            consent_age: if country.as_str() == "BE" { 13 } else { 16 },
            allowed_origins: Vec::new(),
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
    pub allowed_origins: Option<Vec<WebOrigin>>,
}

impl SettingsChanges {
    /// Whether only the allowed origins change: all a city administrator may set.
    pub fn only_origins(&self) -> bool {
        let Self {
            rate_limit_per_minute,
            small_cell_threshold,
            coach_screening,
            consent_age,
            allowed_origins: _,
        } = self;
        rate_limit_per_minute.is_none()
            && small_cell_threshold.is_none()
            && coach_screening.is_none()
            && consent_age.is_none()
    }

    /// Refuses `http://localhost` origins unless the operator allows them.
    pub fn check_origins(&self, local_allowed: bool) -> DomainResult<()> {
        let mut errors = ValidationErrors::new();
        for (index, origin) in self.allowed_origins.iter().flatten().enumerate() {
            if origin.is_local() && !local_allowed {
                errors.add(
                    format!("/settings/allowed_origins/{index}"),
                    "local http origins are for development: the operator allows them with DRIEHOEK_CORS_ALLOW_LOCALHOST",
                );
            }
        }
        errors.into_result()
    }

    pub fn apply(&self, settings: &mut TenantSettings) {
        if let Some(value) = &self.allowed_origins {
            settings.allowed_origins.clone_from(value);
        }
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

impl TenantChanges {
    /// Whether the patch touches nothing but `settings.allowed_origins`.
    pub fn only_settings_origins(&self) -> bool {
        let Self {
            name,
            country,
            locale,
            timezone,
            status,
            settings,
        } = self;
        name.is_none()
            && country.is_none()
            && locale.is_none()
            && timezone.is_none()
            && status.is_none()
            && settings.only_origins()
    }
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

/// At most this many origins per tenant.
pub const MAX_ALLOWED_ORIGINS: usize = 20;

pub fn check_allowed_origins(
    raw: &[String],
    errors: &mut ValidationErrors,
) -> Option<Vec<WebOrigin>> {
    let pointer = "/settings/allowed_origins";
    if raw.len() > MAX_ALLOWED_ORIGINS {
        errors.add(
            pointer,
            format!("must hold at most {MAX_ALLOWED_ORIGINS} origins"),
        );
        return None;
    }
    let before = errors.len();
    let mut origins: Vec<WebOrigin> = Vec::with_capacity(raw.len());
    for (index, value) in raw.iter().enumerate() {
        match WebOrigin::parse(value) {
            Ok(origin) if origins.contains(&origin) => {
                errors.add(format!("{pointer}/{index}"), "is listed twice");
            }
            Ok(origin) => origins.push(origin),
            Err(message) => errors.add(format!("{pointer}/{index}"), message),
        }
    }
    (errors.len() == before).then_some(origins)
}

pub fn check_consent_age(value: u8) -> Result<u8, String> {
    if (12..=18).contains(&value) {
        Ok(value)
    } else {
        Err("must be between 12 and 18".to_owned())
    }
}
