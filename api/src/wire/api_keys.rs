use chrono::{DateTime, Utc};
use driehoek_domain::ValidationErrors;
use driehoek_domain::api_keys::{ApiKey, NewApiKey};
use driehoek_domain::auth::Binding;
use driehoek_domain::ids::{BusinessId, SchoolId};
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
        let (school_id, business_id) = match k.binding {
            Binding::None => (None, None),
            Binding::School(id) => (Some(id.as_uuid()), None),
            Binding::Business(id) => (None, Some(id.as_uuid())),
        };
        Self {
            id: k.id.as_uuid(),
            name: k.name.to_string(),
            role: k.role.into(),
            school_id,
            business_id,
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
