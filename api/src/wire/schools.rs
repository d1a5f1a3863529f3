use chrono::{DateTime, Utc};
use driehoek_domain::ValidationErrors;
use driehoek_domain::schools::{NewSchool, School, SchoolChanges};
use driehoek_domain::values::{Email, Name, RegistrationCode, WebUrl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{AddressDto, EducationLevelCode, SchoolKindCode, double_option, patch_field};

/// A new school or participating organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchoolIn {
    #[schema(example = "Da Vinci College Lammenschans")]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub kind: SchoolKindCode,
    /// BRIN (NL) or instellingsnummer (BE); unique in the tenant.
    #[schema(value_type = Option<crate::wire::RegistrationCodeText>, example = "00GT")]
    pub registration_code: Option<String>,
    #[serde(default)]
    pub education_levels: Vec<EducationLevelCode>,
    pub address: Option<AddressDto>,
    #[schema(example = "info@school.nl")]
    pub contact_email: Option<String>,
    #[schema(example = "https://www.school.nl")]
    pub website: Option<String>,
}

impl TryFrom<SchoolIn> for NewSchool {
    type Error = ValidationErrors;

    fn try_from(input: SchoolIn) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("/name", Name::parse(&input.name));
        let registration_code = errors.check_opt(
            "/registration_code",
            input
                .registration_code
                .as_deref()
                .map(RegistrationCode::parse),
        );
        let address = match &input.address {
            Some(a) => a.parse("/address", &mut errors).map(Some),
            None => Some(None),
        };
        let contact_email = errors.check_opt(
            "/contact_email",
            input.contact_email.as_deref().map(Email::parse),
        );
        let website = errors.check_opt("/website", input.website.as_deref().map(WebUrl::parse));
        match (name, registration_code, address, contact_email, website) {
            (
                Some(name),
                Some(registration_code),
                Some(address),
                Some(contact_email),
                Some(website),
            ) if errors.is_empty() => Ok(NewSchool {
                name,
                kind: input.kind.0,
                registration_code,
                education_levels: input.education_levels.into_iter().map(|l| l.0).collect(),
                address,
                contact_email,
                website,
            }),
            _ => Err(errors),
        }
    }
}

/// Changes to a school (JSON merge patch): absent fields stay, `null` clears.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchoolPatch {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    pub kind: Option<SchoolKindCode>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<crate::wire::RegistrationCodeText>)]
    pub registration_code: Option<Option<String>>,
    pub education_levels: Option<Vec<EducationLevelCode>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<AddressDto>)]
    pub address: Option<Option<AddressDto>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub contact_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub website: Option<Option<String>>,
}

impl TryFrom<SchoolPatch> for SchoolChanges {
    type Error = ValidationErrors;

    fn try_from(input: SchoolPatch) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let address = match input.address {
            None => None,
            Some(None) => Some(None),
            Some(Some(a)) => a.parse("/address", &mut errors).map(Some),
        };
        let changes = SchoolChanges {
            name: input
                .name
                .and_then(|v| errors.check("/name", Name::parse(&v))),
            kind: input.kind.map(|k| k.0),
            registration_code: patch_field(
                &mut errors,
                "/registration_code",
                input
                    .registration_code
                    .map(|v| v.as_deref().map(RegistrationCode::parse)),
            ),
            education_levels: input
                .education_levels
                .map(|ls| ls.into_iter().map(|l| l.0).collect()),
            address,
            contact_email: patch_field(
                &mut errors,
                "/contact_email",
                input.contact_email.map(|v| v.as_deref().map(Email::parse)),
            ),
            website: patch_field(
                &mut errors,
                "/website",
                input.website.map(|v| v.as_deref().map(WebUrl::parse)),
            ),
        };
        if errors.is_empty() {
            Ok(changes)
        } else {
            Err(errors)
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SchoolOut {
    pub id: Uuid,
    pub name: String,
    pub kind: SchoolKindCode,
    pub registration_code: Option<String>,
    pub education_levels: Vec<EducationLevelCode>,
    pub address: Option<AddressDto>,
    pub contact_email: Option<String>,
    pub website: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<School> for SchoolOut {
    fn from(s: School) -> Self {
        Self {
            id: s.id.as_uuid(),
            name: s.name.into_string(),
            kind: s.kind.into(),
            registration_code: s.registration_code.map(RegistrationCode::into_string),
            education_levels: s.education_levels.into_iter().map(Into::into).collect(),
            address: s.address.map(AddressDto::from),
            contact_email: s.contact_email.map(Email::into_string),
            website: s.website.map(WebUrl::into_string),
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}
