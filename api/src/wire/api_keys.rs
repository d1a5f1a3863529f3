use chrono::{DateTime, Utc};
use driehoek_domain::ValidationErrors;
use driehoek_domain::api_keys::{ApiKey, NewApiKey};
use driehoek_domain::auth::{Binding, Role};
use driehoek_domain::ids::{BusinessId, SchoolId};
use driehoek_domain::students::NewAccessToken;
use driehoek_domain::values::Name;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::RoleCode;

/// A new API key. `school` keys name their school, `business` keys their business.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyIn {
    #[schema(example = "Schoolportaal Da Vinci")]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub role: RoleCode,
    pub school_id: Option<Uuid>,
    pub business_id: Option<Uuid>,
    /// When the key stops working; never, if absent.
    pub expires_at: Option<DateTime<Utc>>,
}

impl TryFrom<ApiKeyIn> for NewApiKey {
    type Error = ValidationErrors;

    fn try_from(input: ApiKeyIn) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("/name", Name::parse(&input.name));
        let binding = match (input.school_id, input.business_id) {
            (None, None) => Some(Binding::None),
            (Some(school), None) => Some(Binding::School(SchoolId::from_uuid(school))),
            (None, Some(business)) => Some(Binding::Business(BusinessId::from_uuid(business))),
            (Some(_), Some(_)) => {
                errors.add(
                    "/business_id",
                    "a key is bound to a school or a business, not both",
                );
                None
            }
        };
        match (name, binding) {
            (Some(name), Some(binding)) => Ok(NewApiKey {
                name,
                role: input.role.0,
                binding,
                expires_at: input.expires_at,
            }),
            _ => Err(errors),
        }
    }
}

/// An API key as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyOut {
    pub id: Uuid,
    pub name: String,
    pub role: RoleCode,
    pub school_id: Option<Uuid>,
    pub business_id: Option<Uuid>,
    /// The first characters of the secret, to recognise the key.
    #[schema(example = "dhk_3fQ9aZ1x")]
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Refreshed at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKey> for ApiKeyOut {
    fn from(k: ApiKey) -> Self {
        let (school, business, _) = k.binding.parts();
        Self {
            id: k.id.as_uuid(),
            name: k.name.to_string(),
            role: k.role.into(),
            school_id: school.map(|id| id.as_uuid()),
            business_id: business.map(|id| id.as_uuid()),
            prefix: k.prefix,
            created_at: k.created_at,
            expires_at: k.expires_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// A created key with its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyCreated {
    #[serde(flatten)]
    pub api_key: ApiKeyOut,
    /// The secret. Store it now: it is never shown again.
    #[schema(example = "dhk_3fQ9aZ1x...")]
    pub key: String,
}

/// Whom a pupil's token acts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenRoleCode {
    /// The pupil.
    Pupil,
    /// A parent or guardian of the pupil.
    Guardian,
}

impl From<TokenRoleCode> for Role {
    fn from(role: TokenRoleCode) -> Self {
        match role {
            TokenRoleCode::Pupil => Role::Pupil,
            TokenRoleCode::Guardian => Role::Guardian,
        }
    }
}

/// A new token for one pupil, for an app the pupil or a guardian uses.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessTokenIn {
    pub role: TokenRoleCode,
    /// Seconds the token lives: 300 (5 minutes) to 43 200 (12 hours); default 3 600.
    /// Never beyond the expiry of the key that makes it.
    #[serde(default = "default_token_lifetime")]
    #[schema(minimum = 300, maximum = 43200, default = 3600)]
    pub expires_in: i64,
    /// What the token is for (never personal data).
    #[schema(example = "Portfolio app", min_length = 1, max_length = 200)]
    pub label: Option<String>,
}

fn default_token_lifetime() -> i64 {
    3600
}

impl TryFrom<AccessTokenIn> for NewAccessToken {
    type Error = ValidationErrors;

    fn try_from(input: AccessTokenIn) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let label = errors.check_opt("/label", input.label.as_deref().map(Name::parse));
        match label {
            Some(label) if errors.is_empty() => Ok(NewAccessToken {
                role: input.role.into(),
                expires_in: input.expires_in,
                label,
            }),
            _ => Err(errors),
        }
    }
}

/// A pupil's or guardian's token as listed: never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessTokenOut {
    pub id: Uuid,
    pub role: TokenRoleCode,
    pub student_id: Uuid,
    pub label: String,
    /// The first characters of the secret, to recognise the token.
    #[schema(example = "dht_7Hq2kP0s")]
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Refreshed at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A pupil's or guardian's token (the domain hands out no other kind here).
impl From<ApiKey> for AccessTokenOut {
    fn from(k: ApiKey) -> Self {
        let (_, _, student) = k.binding.parts();
        Self {
            id: k.id.as_uuid(),
            role: if k.role == Role::Guardian {
                TokenRoleCode::Guardian
            } else {
                TokenRoleCode::Pupil
            },
            student_id: student.map(|s| s.as_uuid()).unwrap_or_default(),
            label: k.name.to_string(),
            prefix: k.prefix,
            created_at: k.created_at,
            expires_at: k.expires_at.unwrap_or(k.created_at),
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// A created token with its secret, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessTokenCreated {
    #[serde(flatten)]
    pub access_token: AccessTokenOut,
    /// The secret, used as `Authorization: Bearer <token>`. Hand it to the app now:
    /// it is never shown again.
    #[schema(example = "dht_7Hq2kP0s...")]
    pub token: String,
}
