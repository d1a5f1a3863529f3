use chrono::{DateTime, NaiveDate, Utc};
use driehoek_domain::ValidationErrors;
use driehoek_domain::businesses::{
    Business, BusinessChanges, Coach, CoachChanges, NewBusiness, NewCoach, Screening,
};
use driehoek_domain::values::{
    Description, Email, IscoCode, LanguageCode, Name, RegistrationCode, WebUrl,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    AddressDto, BusinessKindCode, NaceSectionCode, ParticipationStatusCode, ScreeningKindCode,
    double_option, patch_field,
};

/// A new business or other partner.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessIn {
    #[schema(example = "Havenbedrijf Rotterdam")]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub kind: BusinessKindCode,
    /// KvK (NL) or KBO (BE); unique in the tenant.
    #[schema(value_type = Option<crate::wire::RegistrationCodeText>)]
    pub registration_code: Option<String>,
    #[serde(default)]
    pub sectors: Vec<NaceSectionCode>,
    #[schema(min_length = 1, max_length = 5000)]
    pub description: Option<String>,
    pub address: Option<AddressDto>,
    pub contact_email: Option<String>,
    pub website: Option<String>,
    /// Defaults to `active`.
    pub status: Option<ParticipationStatusCode>,
}

impl TryFrom<BusinessIn> for NewBusiness {
    type Error = ValidationErrors;

    fn try_from(input: BusinessIn) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("/name", Name::parse(&input.name));
        let registration_code = errors.check_opt(
            "/registration_code",
            input
                .registration_code
                .as_deref()
                .map(RegistrationCode::parse),
        );
        let description = errors.check_opt(
            "/description",
            input.description.as_deref().map(Description::parse),
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
        match (
            name,
            registration_code,
            description,
            address,
            contact_email,
            website,
        ) {
            (
                Some(name),
                Some(registration_code),
                Some(description),
                Some(address),
                Some(contact_email),
                Some(website),
            ) if errors.is_empty() => Ok(NewBusiness {
                name,
                kind: input.kind.0,
                registration_code,
                sectors: input.sectors.into_iter().map(|s| s.0).collect(),
                description,
                address,
                contact_email,
                website,
                status: input.status.map(|s| s.0),
            }),
            _ => Err(errors),
        }
    }
}

/// Changes to a business (JSON merge patch).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessPatch {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    pub kind: Option<BusinessKindCode>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<crate::wire::RegistrationCodeText>)]
    pub registration_code: Option<Option<String>>,
    pub sectors: Option<Vec<NaceSectionCode>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    #[schema(min_length = 1, max_length = 5000)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<AddressDto>)]
    pub address: Option<Option<AddressDto>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub contact_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub website: Option<Option<String>>,
    pub status: Option<ParticipationStatusCode>,
}

impl TryFrom<BusinessPatch> for BusinessChanges {
    type Error = ValidationErrors;

    fn try_from(input: BusinessPatch) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let address = match input.address {
            None => None,
            Some(None) => Some(None),
            Some(Some(a)) => a.parse("/address", &mut errors).map(Some),
        };
        let changes = BusinessChanges {
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
            sectors: input.sectors.map(|s| s.into_iter().map(|s| s.0).collect()),
            description: patch_field(
                &mut errors,
                "/description",
                input
                    .description
                    .map(|v| v.as_deref().map(Description::parse)),
            ),
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
            status: input.status.map(|s| s.0),
        };
        if errors.is_empty() {
            Ok(changes)
        } else {
            Err(errors)
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BusinessOut {
    pub id: Uuid,
    pub name: String,
    pub kind: BusinessKindCode,
    pub registration_code: Option<String>,
    pub sectors: Vec<NaceSectionCode>,
    pub description: Option<String>,
    pub address: Option<AddressDto>,
    pub contact_email: Option<String>,
    pub website: Option<String>,
    pub status: ParticipationStatusCode,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Business> for BusinessOut {
    fn from(b: Business) -> Self {
        Self {
            id: b.id.as_uuid(),
            name: b.name.into_string(),
            kind: b.kind.into(),
            registration_code: b.registration_code.map(RegistrationCode::into_string),
            sectors: b.sectors.into_iter().map(Into::into).collect(),
            description: b.description.map(Description::into_string),
            address: b.address.map(AddressDto::from),
            contact_email: b.contact_email.map(Email::into_string),
            website: b.website.map(WebUrl::into_string),
            status: b.status.into(),
            version: b.version,
            created_at: b.created_at,
            updated_at: b.updated_at,
        }
    }
}

/// Proof of a coach's screening: only the kind and dates, never the document.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreeningDto {
    pub kind: ScreeningKindCode,
    pub verified_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

impl ScreeningDto {
    fn parse(self, errors: &mut ValidationErrors) -> Option<Screening> {
        errors.check(
            "/screening/valid_until",
            Screening::new(self.kind.0, self.verified_on, self.valid_until),
        )
    }
}

impl From<Screening> for ScreeningDto {
    fn from(s: Screening) -> Self {
        Self {
            kind: s.kind.into(),
            verified_on: s.verified_on,
            valid_until: s.valid_until,
        }
    }
}

/// A new coach: an adult who hosts pupils for the business.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoachIn {
    #[schema(example = "Sanne")]
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: String,
    pub bio: Option<String>,
    /// ISCO-08 unit groups.
    #[serde(default)]
    #[schema(value_type = Vec<crate::wire::IscoCodeText>, example = json!(["2141"]))]
    pub occupations: Vec<String>,
    /// ISO 639-1 codes.
    #[serde(default)]
    #[schema(example = json!(["nl", "en"]))]
    pub languages: Vec<String>,
    pub screening: Option<ScreeningDto>,
    pub status: Option<ParticipationStatusCode>,
}

impl TryFrom<CoachIn> for NewCoach {
    type Error = ValidationErrors;

    fn try_from(input: CoachIn) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let display_name = errors.check("/display_name", Name::parse(&input.display_name));
        let bio = errors.check_opt("/bio", input.bio.as_deref().map(Description::parse));
        let occupations = errors.check_all(
            "/occupations",
            input.occupations.iter().map(|o| IscoCode::parse(o)),
        );
        let languages = errors.check_all(
            "/languages",
            input.languages.iter().map(|l| LanguageCode::parse(l)),
        );
        let screening = match input.screening {
            Some(s) => s.parse(&mut errors).map(Some),
            None => Some(None),
        };
        match (display_name, bio, occupations, languages, screening) {
            (
                Some(display_name),
                Some(bio),
                Some(occupations),
                Some(languages),
                Some(screening),
            ) if errors.is_empty() => Ok(NewCoach {
                display_name,
                bio,
                occupations,
                languages,
                screening,
                status: input.status.map(|s| s.0),
            }),
            _ => Err(errors),
        }
    }
}

/// Changes to a coach (JSON merge patch).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoachPatch {
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub bio: Option<Option<String>>,
    #[schema(value_type = Option<Vec<crate::wire::IscoCodeText>>)]
    pub occupations: Option<Vec<String>>,
    pub languages: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<ScreeningDto>)]
    pub screening: Option<Option<ScreeningDto>>,
    pub status: Option<ParticipationStatusCode>,
}

impl TryFrom<CoachPatch> for CoachChanges {
    type Error = ValidationErrors;

    fn try_from(input: CoachPatch) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let screening = match input.screening {
            None => None,
            Some(None) => Some(None),
            Some(Some(s)) => s.parse(&mut errors).map(Some),
        };
        let changes = CoachChanges {
            display_name: input
                .display_name
                .and_then(|v| errors.check("/display_name", Name::parse(&v))),
            bio: patch_field(
                &mut errors,
                "/bio",
                input.bio.map(|v| v.as_deref().map(Description::parse)),
            ),
            occupations: input.occupations.and_then(|o| {
                errors.check_all("/occupations", o.iter().map(|o| IscoCode::parse(o)))
            }),
            languages: input.languages.and_then(|l| {
                errors.check_all("/languages", l.iter().map(|l| LanguageCode::parse(l)))
            }),
            screening,
            status: input.status.map(|s| s.0),
        };
        if errors.is_empty() {
            Ok(changes)
        } else {
            Err(errors)
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoachOut {
    pub id: Uuid,
    pub business_id: Uuid,
    pub display_name: String,
    pub bio: Option<String>,
    pub occupations: Vec<String>,
    pub languages: Vec<String>,
    pub screening: Option<ScreeningDto>,
    pub status: ParticipationStatusCode,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Coach> for CoachOut {
    fn from(c: Coach) -> Self {
        Self {
            id: c.id.as_uuid(),
            business_id: c.business_id.as_uuid(),
            display_name: c.display_name.to_string(),
            bio: c.bio.map(|b| b.to_string()),
            occupations: c
                .occupations
                .iter()
                .map(|o| o.as_str().to_owned())
                .collect(),
            languages: c.languages.iter().map(|l| l.as_str().to_owned()).collect(),
            screening: c.screening.map(Into::into),
            status: c.status.into(),
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}
