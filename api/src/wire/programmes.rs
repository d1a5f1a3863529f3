use chrono::{DateTime, NaiveDate, Utc};
use driehoek_domain::ValidationErrors;
use driehoek_domain::ids::{BusinessId, SchoolId};
use driehoek_domain::programmes::{
    Funding, MemberOrg, NewProgramme, NewProgrammeMember, Programme, ProgrammeChanges,
    ProgrammeMember, ProgrammeMemberChanges, parse_amount_eur,
};
use driehoek_domain::values::{Description, Name, ShortText};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{CompetenceCode, MemberRoleCode, ProgrammeStatusCode, double_option, patch_field};

/// One source of money for a programme.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundingDto {
    #[schema(example = "ESF+")]
    pub source: String,
    /// Euro, at most two decimals.
    #[schema(example = 125000.0)]
    pub amount_eur: f64,
    pub reference: Option<String>,
}

fn parse_funding(items: Vec<FundingDto>, errors: &mut ValidationErrors) -> Option<Vec<Funding>> {
    let mut out = Vec::new();
    let mut ok = true;
    for (i, f) in items.into_iter().enumerate() {
        let source = errors.check(&format!("/funding/{i}/source"), ShortText::parse(&f.source));
        let amount = errors.check(
            &format!("/funding/{i}/amount_eur"),
            parse_amount_eur(f.amount_eur),
        );
        let reference = errors.check_opt(
            &format!("/funding/{i}/reference"),
            f.reference.as_deref().map(ShortText::parse),
        );
        match (source, amount, reference) {
            (Some(source), Some(amount_cents), Some(reference)) => out.push(Funding {
                source,
                amount_cents,
                reference,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

/// A new programme.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeIn {
    #[schema(example = "Jobspotters")]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub description: Option<String>,
    /// Who runs it.
    #[schema(example = "Stad Leuven, dienst Onderwijs")]
    #[schema(min_length = 1, max_length = 200)]
    pub owner: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    /// Defaults to `draft`.
    pub status: Option<ProgrammeStatusCode>,
    #[serde(default)]
    pub funding: Vec<FundingDto>,
    pub target_participants_per_year: Option<u32>,
    #[serde(default)]
    pub competences: Vec<CompetenceCode>,
}

impl TryFrom<ProgrammeIn> for NewProgramme {
    type Error = ValidationErrors;

    fn try_from(input: ProgrammeIn) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("/name", Name::parse(&input.name));
        let description = errors.check_opt(
            "/description",
            input.description.as_deref().map(Description::parse),
        );
        let owner = errors.check_opt("/owner", input.owner.as_deref().map(Name::parse));
        let funding = parse_funding(input.funding, &mut errors);
        match (name, description, owner, funding) {
            (Some(name), Some(description), Some(owner), Some(funding)) if errors.is_empty() => {
                Ok(NewProgramme {
                    name,
                    description,
                    owner,
                    starts_on: input.starts_on,
                    ends_on: input.ends_on,
                    status: input.status.map(|s| s.0),
                    funding,
                    target_participants_per_year: input.target_participants_per_year,
                    competences: input.competences.into_iter().map(|c| c.0).collect(),
                })
            }
            _ => Err(errors),
        }
    }
}

/// Changes to a programme (JSON merge patch).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammePatch {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    #[schema(min_length = 1, max_length = 200)]
    pub owner: Option<Option<String>>,
    pub starts_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub ends_on: Option<Option<NaiveDate>>,
    pub status: Option<ProgrammeStatusCode>,
    pub funding: Option<Vec<FundingDto>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u32>)]
    pub target_participants_per_year: Option<Option<u32>>,
    pub competences: Option<Vec<CompetenceCode>>,
}

impl TryFrom<ProgrammePatch> for ProgrammeChanges {
    type Error = ValidationErrors;

    fn try_from(input: ProgrammePatch) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let changes = ProgrammeChanges {
            name: input
                .name
                .and_then(|v| errors.check("/name", Name::parse(&v))),
            description: patch_field(
                &mut errors,
                "/description",
                input
                    .description
                    .map(|v| v.as_deref().map(Description::parse)),
            ),
            owner: patch_field(
                &mut errors,
                "/owner",
                input.owner.map(|v| v.as_deref().map(Name::parse)),
            ),
            starts_on: input.starts_on,
            ends_on: input.ends_on,
            status: input.status.map(|s| s.0),
            funding: input.funding.and_then(|f| parse_funding(f, &mut errors)),
            target_participants_per_year: input.target_participants_per_year,
            competences: input
                .competences
                .map(|c| c.into_iter().map(|c| c.0).collect()),
        };
        if errors.is_empty() {
            Ok(changes)
        } else {
            Err(errors)
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeOut {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub status: ProgrammeStatusCode,
    pub funding: Vec<FundingDto>,
    pub target_participants_per_year: Option<u32>,
    pub competences: Vec<CompetenceCode>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Programme> for ProgrammeOut {
    fn from(p: Programme) -> Self {
        Self {
            id: p.id.as_uuid(),
            name: p.name.to_string(),
            description: p.description.map(|d| d.to_string()),
            owner: p.owner.map(|o| o.to_string()),
            starts_on: p.starts_on,
            ends_on: p.ends_on,
            status: p.status.into(),
            funding: p
                .funding
                .into_iter()
                .map(|f| FundingDto {
                    source: f.source.to_string(),
                    amount_eur: f.amount_cents as f64 / 100.0,
                    reference: f.reference.map(|r| r.to_string()),
                })
                .collect(),
            target_participants_per_year: p.target_participants_per_year,
            competences: p.competences.into_iter().map(Into::into).collect(),
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A school or business joining a programme: name exactly one of them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeMemberIn {
    pub school_id: Option<Uuid>,
    pub business_id: Option<Uuid>,
    pub role: MemberRoleCode,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

impl TryFrom<ProgrammeMemberIn> for NewProgrammeMember {
    type Error = ValidationErrors;

    fn try_from(input: ProgrammeMemberIn) -> Result<Self, ValidationErrors> {
        let org = match (input.school_id, input.business_id) {
            (Some(school), None) => MemberOrg::School(SchoolId::from_uuid(school)),
            (None, Some(business)) => MemberOrg::Business(BusinessId::from_uuid(business)),
            _ => {
                return Err(ValidationErrors::single(
                    "/school_id",
                    "name exactly one of school_id and business_id",
                ));
            }
        };
        Ok(NewProgrammeMember {
            org,
            role: input.role.0,
            joined_on: input.joined_on,
            left_on: input.left_on,
        })
    }
}

/// Changes to a membership (JSON merge patch).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeMemberPatch {
    pub role: Option<MemberRoleCode>,
    pub joined_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub left_on: Option<Option<NaiveDate>>,
}

impl From<ProgrammeMemberPatch> for ProgrammeMemberChanges {
    fn from(input: ProgrammeMemberPatch) -> Self {
        Self {
            role: input.role.map(|r| r.0),
            joined_on: input.joined_on,
            left_on: input.left_on,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgrammeMemberOut {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub school_id: Option<Uuid>,
    pub business_id: Option<Uuid>,
    pub role: MemberRoleCode,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ProgrammeMember> for ProgrammeMemberOut {
    fn from(m: ProgrammeMember) -> Self {
        let (school_id, business_id) = match m.org {
            MemberOrg::School(id) => (Some(id.as_uuid()), None),
            MemberOrg::Business(id) => (None, Some(id.as_uuid())),
        };
        Self {
            id: m.id.as_uuid(),
            programme_id: m.programme_id.as_uuid(),
            school_id,
            business_id,
            role: m.role.into(),
            joined_on: m.joined_on,
            left_on: m.left_on,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}
