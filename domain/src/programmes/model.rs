use chrono::{DateTime, NaiveDate, Utc};

use crate::ids::{BusinessId, ProgrammeId, ProgrammeMemberId, SchoolId, TenantId};
use crate::values::{Description, Name, ShortText};
use crate::vocabularies::Competence;

vocabulary! {
    /// A programme's life cycle.
    pub enum ProgrammeStatus = "programme_statuses" {
        Draft => "draft", "Draft", "Concept";
        Active => "active", "Active", "Actief";
        Closed => "closed", "Closed", "Afgesloten";
    }
}

vocabulary! {
    /// The part a school or business plays in a programme.
    pub enum MemberRole = "programme_member_roles" {
        Coordinator => "coordinator", "Coordinator", "Coördinator";
        Participant => "participant", "Participating school or organisation", "Deelnemende school of organisatie";
        Host => "host", "Host of work visits", "Gastbedrijf";
        Intermediary => "intermediary", "Intermediary", "Intermediair";
        Funder => "funder", "Funder", "Financier";
    }
}

/// One source of money for a programme, in euro cents to keep amounts exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Funding {
    pub source: ShortText,
    pub amount_cents: i64,
    pub reference: Option<ShortText>,
}

/// Euro amounts: finite, not negative, at most two decimals, below a billion.
pub fn parse_amount_eur(amount: f64) -> Result<i64, String> {
    if !amount.is_finite() || !(0.0..1e9).contains(&amount) {
        return Err("must be an amount in euro between 0 and 999999999.99".to_owned());
    }
    let cents = (amount * 100.0).round();
    if ((cents / 100.0) - amount).abs() > 1e-6 {
        return Err("must have at most two decimals".to_owned());
    }
    Ok(cents as i64)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programme {
    pub id: ProgrammeId,
    pub tenant_id: TenantId,
    pub name: Name,
    pub description: Option<Description>,
    /// Who runs it (the city service, an intermediary).
    pub owner: Option<Name>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub status: ProgrammeStatus,
    pub funding: Vec<Funding>,
    pub target_participants_per_year: Option<u32>,
    pub competences: Vec<Competence>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProgramme {
    pub name: Name,
    pub description: Option<Description>,
    pub owner: Option<Name>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub status: Option<ProgrammeStatus>,
    pub funding: Vec<Funding>,
    pub target_participants_per_year: Option<u32>,
    pub competences: Vec<Competence>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgrammeChanges {
    pub name: Option<Name>,
    pub description: Option<Option<Description>>,
    pub owner: Option<Option<Name>>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<Option<NaiveDate>>,
    pub status: Option<ProgrammeStatus>,
    pub funding: Option<Vec<Funding>>,
    pub target_participants_per_year: Option<Option<u32>>,
    pub competences: Option<Vec<Competence>>,
}

impl ProgrammeChanges {
    pub fn apply(self, p: &mut Programme) {
        if let Some(v) = self.name {
            p.name = v;
        }
        if let Some(v) = self.description {
            p.description = v;
        }
        if let Some(v) = self.owner {
            p.owner = v;
        }
        if let Some(v) = self.starts_on {
            p.starts_on = v;
        }
        if let Some(v) = self.ends_on {
            p.ends_on = v;
        }
        if let Some(v) = self.status {
            p.status = v;
        }
        if let Some(v) = self.funding {
            p.funding = v;
        }
        if let Some(v) = self.target_participants_per_year {
            p.target_participants_per_year = v;
        }
        if let Some(v) = self.competences {
            p.competences = v;
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgrammeFilter {
    pub q: Option<String>,
    pub status: Option<ProgrammeStatus>,
    pub competence: Option<Competence>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// The organisation a membership is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberOrg {
    School(SchoolId),
    Business(BusinessId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeMember {
    pub id: ProgrammeMemberId,
    pub tenant_id: TenantId,
    pub programme_id: ProgrammeId,
    pub org: MemberOrg,
    pub role: MemberRole,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProgrammeMember {
    pub org: MemberOrg,
    pub role: MemberRole,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgrammeMemberChanges {
    pub role: Option<MemberRole>,
    pub joined_on: Option<NaiveDate>,
    pub left_on: Option<Option<NaiveDate>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_kept_exactly_in_cents() {
        assert_eq!(parse_amount_eur(125000.5), Ok(12_500_050));
        assert_eq!(parse_amount_eur(0.0), Ok(0));
        assert!(parse_amount_eur(-1.0).is_err());
        assert!(parse_amount_eur(10.005).is_err());
        assert!(parse_amount_eur(f64::NAN).is_err());
    }
}
