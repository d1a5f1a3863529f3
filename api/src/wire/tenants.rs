use chrono::{DateTime, Utc};
use driehoek_domain::ValidationErrors;
use driehoek_domain::tenants::{
    NewTenant, SettingsChanges, Tenant, TenantChanges, check_allowed_origins, check_consent_age,
    check_rate_limit, check_small_cell_threshold,
};
use driehoek_domain::values::{CountryCode, Locale, Name, TenantSlug, Timezone};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{CoachScreeningPolicyCode, TenantStatusCode, double_option};

/// Tenant settings; every field is optional on input and keeps its value when absent.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantSettingsIn {
    /// Requests per minute per key; `null` restores the platform default.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u32>)]
    #[schema(minimum = 1, maximum = 1000000)]
    pub rate_limit_per_minute: Option<Option<u32>>,
    /// Aggregates suppress counts below this (1-100, default 5).
    #[schema(minimum = 1, maximum = 100)]
    pub small_cell_threshold: Option<u32>,
    pub coach_screening: Option<CoachScreeningPolicyCode>,
    /// Age from which a pupil consents alone (12-18; default 16, 13 in Belgium).
    #[schema(minimum = 12, maximum = 18)]
    pub consent_age: Option<u8>,
    /// Origins whose browser apps may call this tenant's routes (CORS): each exactly
    /// `https://host[:port]` as the browser sends it; the whole list is replaced. City
    /// administrators may change this setting (and only this one).
    #[schema(max_items = 20, example = json!(["https://portfolio.rotterdam.nl"]))]
    pub allowed_origins: Option<Vec<String>>,
}

impl TenantSettingsIn {
    fn parse(self, errors: &mut ValidationErrors) -> SettingsChanges {
        SettingsChanges {
            rate_limit_per_minute: match self.rate_limit_per_minute {
                Some(Some(v)) => errors
                    .check("/settings/rate_limit_per_minute", check_rate_limit(v))
                    .map(Some),
                other => other,
            },
            small_cell_threshold: self.small_cell_threshold.and_then(|v| {
                errors.check(
                    "/settings/small_cell_threshold",
                    check_small_cell_threshold(v),
                )
            }),
            coach_screening: self.coach_screening.map(|c| c.0),
            consent_age: self
                .consent_age
                .and_then(|v| errors.check("/settings/consent_age", check_consent_age(v))),
            allowed_origins: self
                .allowed_origins
                .and_then(|raw| check_allowed_origins(&raw, errors)),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantSettingsOut {
    /// `null`: the platform default applies.
    pub rate_limit_per_minute: Option<u32>,
    pub small_cell_threshold: u32,
    pub coach_screening: CoachScreeningPolicyCode,
    pub consent_age: u8,
    /// Origins whose browser apps may call this tenant's routes.
    #[schema(example = json!(["https://portfolio.rotterdam.nl"]))]
    pub allowed_origins: Vec<String>,
}

/// A new tenant (a city).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantIn {
    /// Immutable; lower-case letters, digits and inner hyphens.
    #[schema(
        example = "rotterdam",
        pattern = "^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$"
    )]
    pub slug: String,
    #[schema(example = "Gemeente Rotterdam")]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// ISO 3166-1 alpha-2.
    #[schema(value_type = crate::wire::CountryCodeText, example = "NL")]
    pub country: String,
    /// BCP 47.
    #[schema(value_type = crate::wire::LocaleText, example = "nl-NL")]
    pub locale: String,
    /// IANA time zone.
    #[schema(example = "Europe/Amsterdam")]
    pub timezone: String,
    #[serde(default)]
    pub settings: Option<TenantSettingsIn>,
}

impl TryFrom<TenantIn> for NewTenant {
    type Error = ValidationErrors;

    fn try_from(input: TenantIn) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let slug = errors.check("/slug", TenantSlug::parse(&input.slug));
        let name = errors.check("/name", Name::parse(&input.name));
        let country = errors.check("/country", CountryCode::parse(&input.country));
        let locale = errors.check("/locale", Locale::parse(&input.locale));
        let timezone = errors.check("/timezone", Timezone::parse(&input.timezone));
        let settings = input.settings.unwrap_or_default().parse(&mut errors);
        match (slug, name, country, locale, timezone) {
            (Some(slug), Some(name), Some(country), Some(locale), Some(timezone))
                if errors.is_empty() =>
            {
                Ok(NewTenant {
                    slug,
                    name,
                    country,
                    locale,
                    timezone,
                    settings,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Changes to a tenant (JSON merge patch). The slug cannot change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantPatch {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(value_type = Option<crate::wire::CountryCodeText>)]
    pub country: Option<String>,
    #[schema(value_type = Option<crate::wire::LocaleText>)]
    pub locale: Option<String>,
    pub timezone: Option<String>,
    /// `suspended` stops the tenant's keys at once; `active` restores them.
    pub status: Option<TenantStatusCode>,
    pub settings: Option<TenantSettingsIn>,
}

impl TryFrom<TenantPatch> for TenantChanges {
    type Error = ValidationErrors;

    fn try_from(input: TenantPatch) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let changes = TenantChanges {
            name: input
                .name
                .and_then(|v| errors.check("/name", Name::parse(&v))),
            country: input
                .country
                .and_then(|v| errors.check("/country", CountryCode::parse(&v))),
            locale: input
                .locale
                .and_then(|v| errors.check("/locale", Locale::parse(&v))),
            timezone: input
                .timezone
                .and_then(|v| errors.check("/timezone", Timezone::parse(&v))),
            status: input.status.map(|s| s.0),
            settings: input.settings.unwrap_or_default().parse(&mut errors),
        };
        if errors.is_empty() {
            Ok(changes)
        } else {
            Err(errors)
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TenantOut {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub country: String,
    pub locale: String,
    pub timezone: String,
    pub status: TenantStatusCode,
    pub settings: TenantSettingsOut,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Tenant> for TenantOut {
    fn from(t: Tenant) -> Self {
        Self {
            id: t.id.as_uuid(),
            slug: t.slug.to_string(),
            name: t.name.to_string(),
            country: t.country.as_str().to_owned(),
            locale: t.locale.as_str().to_owned(),
            timezone: t.timezone.as_str().to_owned(),
            status: t.status.into(),
            settings: TenantSettingsOut {
                rate_limit_per_minute: t.settings.rate_limit_per_minute,
                small_cell_threshold: t.settings.small_cell_threshold,
                coach_screening: t.settings.coach_screening.into(),
                consent_age: t.settings.consent_age,
                allowed_origins: t
                    .settings
                    .allowed_origins
                    .iter()
                    .map(|o| o.as_str().to_owned())
                    .collect(),
            },
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}
