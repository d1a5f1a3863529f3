use chrono::{DateTime, NaiveDate, Utc};

use crate::ids::{BusinessId, CoachId, TenantId};
use crate::values::{
    Address, Description, Email, IscoCode, LanguageCode, Name, RegistrationCode, WebUrl,
};
use crate::vocabularies::{BusinessKind, NaceSection, ScreeningKind};

vocabulary! {
    /// Whether a partner or coach currently takes part.
    pub enum ParticipationStatus = "participation_statuses" {
        Active => "active", "Active", "Actief";
        Inactive => "inactive", "Inactive", "Inactief";
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Business {
    pub id: BusinessId,
    pub tenant_id: TenantId,
    pub name: Name,
    pub kind: BusinessKind,
    /// KvK (NL) or KBO (BE); unique in the tenant when set.
    pub registration_code: Option<RegistrationCode>,
    pub sectors: Vec<NaceSection>,
    pub description: Option<Description>,
    pub address: Option<Address>,
    pub contact_email: Option<Email>,
    pub website: Option<WebUrl>,
    pub status: ParticipationStatus,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBusiness {
    pub name: Name,
    pub kind: BusinessKind,
    pub registration_code: Option<RegistrationCode>,
    pub sectors: Vec<NaceSection>,
    pub description: Option<Description>,
    pub address: Option<Address>,
    pub contact_email: Option<Email>,
    pub website: Option<WebUrl>,
    pub status: Option<ParticipationStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusinessChanges {
    pub name: Option<Name>,
    pub kind: Option<BusinessKind>,
    pub registration_code: Option<Option<RegistrationCode>>,
    pub sectors: Option<Vec<NaceSection>>,
    pub description: Option<Option<Description>>,
    pub address: Option<Option<Address>>,
    pub contact_email: Option<Option<Email>>,
    pub website: Option<Option<WebUrl>>,
    pub status: Option<ParticipationStatus>,
}

impl BusinessChanges {
    pub fn apply(self, b: &mut Business) {
        if let Some(v) = self.name {
            b.name = v;
        }
        if let Some(v) = self.kind {
            b.kind = v;
        }
        if let Some(v) = self.registration_code {
            b.registration_code = v;
        }
        if let Some(v) = self.sectors {
            b.sectors = v;
        }
        if let Some(v) = self.description {
            b.description = v;
        }
        if let Some(v) = self.address {
            b.address = v;
        }
        if let Some(v) = self.contact_email {
            b.contact_email = v;
        }
        if let Some(v) = self.website {
            b.website = v;
        }
        if let Some(v) = self.status {
            b.status = v;
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusinessFilter {
    pub q: Option<String>,
    pub kind: Option<BusinessKind>,
    pub sector: Option<NaceSection>,
    pub status: Option<ParticipationStatus>,
    pub updated_since: Option<DateTime<Utc>>,
}

/// Proof that a coach was screened: only the kind, dates — never the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screening {
    pub kind: ScreeningKind,
    pub verified_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
}

impl Screening {
    pub fn new(
        kind: ScreeningKind,
        verified_on: NaiveDate,
        valid_until: Option<NaiveDate>,
    ) -> Result<Self, String> {
        crate::values::check_date_order(verified_on, valid_until)?;
        Ok(Self {
            kind,
            verified_on,
            valid_until,
        })
    }

    /// Valid on `day` when verified by then and not expired before it.
    pub fn is_valid_on(&self, day: NaiveDate) -> bool {
        self.verified_on <= day && self.valid_until.is_none_or(|until| until >= day)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coach {
    pub id: CoachId,
    pub tenant_id: TenantId,
    pub business_id: BusinessId,
    pub display_name: Name,
    pub bio: Option<Description>,
    pub occupations: Vec<IscoCode>,
    pub languages: Vec<LanguageCode>,
    pub screening: Option<Screening>,
    pub status: ParticipationStatus,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCoach {
    pub display_name: Name,
    pub bio: Option<Description>,
    pub occupations: Vec<IscoCode>,
    pub languages: Vec<LanguageCode>,
    pub screening: Option<Screening>,
    pub status: Option<ParticipationStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoachChanges {
    pub display_name: Option<Name>,
    pub bio: Option<Option<Description>>,
    pub occupations: Option<Vec<IscoCode>>,
    pub languages: Option<Vec<LanguageCode>>,
    pub screening: Option<Option<Screening>>,
    pub status: Option<ParticipationStatus>,
}

impl CoachChanges {
    pub fn apply(self, c: &mut Coach) {
        if let Some(v) = self.display_name {
            c.display_name = v;
        }
        if let Some(v) = self.bio {
            c.bio = v;
        }
        if let Some(v) = self.occupations {
            c.occupations = v;
        }
        if let Some(v) = self.languages {
            c.languages = v;
        }
        if let Some(v) = self.screening {
            c.screening = v;
        }
        if let Some(v) = self.status {
            c.status = v;
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoachFilter {
    pub status: Option<ParticipationStatus>,
    pub occupation: Option<IscoCode>,
    pub updated_since: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn screening_must_not_end_before_it_was_verified() {
        assert!(
            Screening::new(ScreeningKind::NlVog, day(2026, 5, 1), Some(day(2026, 4, 1))).is_err()
        );
    }

    #[test]
    fn screening_is_valid_between_verification_and_expiry() {
        let s = Screening::new(
            ScreeningKind::Be5962,
            day(2026, 1, 10),
            Some(day(2027, 1, 10)),
        )
        .unwrap();
        assert!(!s.is_valid_on(day(2026, 1, 9)));
        assert!(s.is_valid_on(day(2026, 6, 1)));
        assert!(s.is_valid_on(day(2027, 1, 10)));
        assert!(!s.is_valid_on(day(2027, 1, 11)));
    }
}
