use chrono::{DateTime, Utc};

use crate::ids::{SchoolId, TenantId};
use crate::values::{Address, Email, Name, RegistrationCode, WebUrl};
use crate::vocabularies::{EducationLevel, SchoolKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct School {
    pub id: SchoolId,
    pub tenant_id: TenantId,
    pub name: Name,
    pub kind: SchoolKind,
    /// BRIN (NL) or instellingsnummer (BE); unique in the tenant when set.
    pub registration_code: Option<RegistrationCode>,
    pub education_levels: Vec<EducationLevel>,
    pub address: Option<Address>,
    pub contact_email: Option<Email>,
    pub website: Option<WebUrl>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSchool {
    pub name: Name,
    pub kind: SchoolKind,
    pub registration_code: Option<RegistrationCode>,
    pub education_levels: Vec<EducationLevel>,
    pub address: Option<Address>,
    pub contact_email: Option<Email>,
    pub website: Option<WebUrl>,
}

/// A merge patch: `None` keeps a field, `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchoolChanges {
    pub name: Option<Name>,
    pub kind: Option<SchoolKind>,
    pub registration_code: Option<Option<RegistrationCode>>,
    pub education_levels: Option<Vec<EducationLevel>>,
    pub address: Option<Option<Address>>,
    pub contact_email: Option<Option<Email>>,
    pub website: Option<Option<WebUrl>>,
}

impl SchoolChanges {
    pub fn apply(self, school: &mut School) {
        if let Some(v) = self.name {
            school.name = v;
        }
        if let Some(v) = self.kind {
            school.kind = v;
        }
        if let Some(v) = self.registration_code {
            school.registration_code = v;
        }
        if let Some(v) = self.education_levels {
            school.education_levels = v;
        }
        if let Some(v) = self.address {
            school.address = v;
        }
        if let Some(v) = self.contact_email {
            school.contact_email = v;
        }
        if let Some(v) = self.website {
            school.website = v;
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchoolFilter {
    /// Case-insensitive substring of the name.
    pub q: Option<String>,
    pub kind: Option<SchoolKind>,
    pub education_level: Option<EducationLevel>,
    pub updated_since: Option<DateTime<Utc>>,
}
