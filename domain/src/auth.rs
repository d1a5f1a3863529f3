//! Who is calling, and what each role may do (DESIGN.md §3.2). The API turns a bearer
//! key into an [`Actor`]; services ask the actor before they act, so the rules live
//! here, next to the model, and are unit-tested without HTTP.

use crate::error::{DomainError, DomainResult};
use crate::ids::{ApiKeyId, BusinessId, SchoolId, StudentId, TenantId};

vocabulary! {
    /// The role an API key carries.
    pub enum Role = "roles" {
        PlatformAdmin => "platform_admin", "Platform administrator", "Platformbeheerder";
        CityAdmin => "city_admin", "City administrator", "Stadsbeheerder";
        School => "school", "School", "School";
        Business => "business", "Business", "Bedrijf";
        Integrator => "integrator", "Integrator (read-only catalogue)", "Integrator (catalogus lezen)";
        Pupil => "pupil", "Pupil (a token for one pupil)", "Leerling (een token voor één leerling)";
        Guardian => "guardian", "Parent or guardian (a token for one pupil)", "Ouder of voogd (een token voor één leerling)";
    }
}

/// The organisation a `school` or `business` key acts for, or the one pupil a `pupil`
/// or `guardian` token reaches (with the school that made it, DESIGN.md §3.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    None,
    School(SchoolId),
    Business(BusinessId),
    Student {
        student: StudentId,
        school: SchoolId,
    },
}

impl Binding {
    /// The binding as its stored parts: the school (of a school key, or the school
    /// that made a pupil's token), the business and the pupil.
    pub fn parts(self) -> (Option<SchoolId>, Option<BusinessId>, Option<StudentId>) {
        match self {
            Self::None => (None, None, None),
            Self::School(school) => (Some(school), None, None),
            Self::Business(business) => (None, Some(business), None),
            Self::Student { student, school } => (Some(school), None, Some(student)),
        }
    }

    /// The binding its stored parts describe (the inverse of [`Binding::parts`]).
    pub fn from_parts(
        school: Option<SchoolId>,
        business: Option<BusinessId>,
        student: Option<StudentId>,
    ) -> Self {
        match (school, business, student) {
            (Some(school), _, Some(student)) => Self::Student { student, school },
            (Some(school), _, None) => Self::School(school),
            (None, Some(business), _) => Self::Business(business),
            (None, None, _) => Self::None,
        }
    }
}

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The stored key, or `None` for the operator's bootstrap key.
    pub key_id: Option<ApiKeyId>,
    pub role: Role,
    /// `None` only for platform administrators.
    pub tenant_id: Option<TenantId>,
    pub binding: Binding,
    /// The id of the request the caller makes, for the audit log.
    pub request_id: Option<String>,
}

impl Actor {
    /// The operator's bootstrap key (`DRIEHOEK_ADMIN_KEY`).
    pub fn bootstrap_admin() -> Self {
        Self {
            key_id: None,
            role: Role::PlatformAdmin,
            tenant_id: None,
            binding: Binding::None,
            request_id: None,
        }
    }

    pub fn is_platform_admin(&self) -> bool {
        self.role == Role::PlatformAdmin
    }

    /// Platform administrators act in any tenant; every other key in its own only.
    pub fn belongs_to(&self, tenant: TenantId) -> bool {
        self.is_platform_admin() || self.tenant_id == Some(tenant)
    }

    /// City administrators (and platform administrators) run the tenant.
    pub fn is_admin(&self) -> bool {
        matches!(self.role, Role::PlatformAdmin | Role::CityAdmin)
    }

    pub fn school(&self) -> Option<SchoolId> {
        match self.binding {
            Binding::School(id) if self.role == Role::School => Some(id),
            _ => None,
        }
    }

    pub fn business(&self) -> Option<BusinessId> {
        match self.binding {
            Binding::Business(id) if self.role == Role::Business => Some(id),
            _ => None,
        }
    }

    /// Whether the caller is a pupil or a guardian (a token for one pupil).
    pub fn acts_for_a_pupil(&self) -> bool {
        matches!(self.role, Role::Pupil | Role::Guardian)
    }

    pub fn require_platform_admin(&self) -> DomainResult<()> {
        if self.is_platform_admin() {
            Ok(())
        } else {
            Err(DomainError::forbidden("requires the platform_admin role"))
        }
    }

    pub fn require_admin(&self) -> DomainResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(DomainError::forbidden("requires the city_admin role"))
        }
    }

    /// A school's record is edited by the city or by that school's own key.
    pub fn require_school_editor(&self, school: SchoolId) -> DomainResult<()> {
        if self.is_admin() || self.school() == Some(school) {
            Ok(())
        } else {
            Err(DomainError::forbidden(
                "only the city or the school itself may change this school",
            ))
        }
    }

    /// A business's record and coaches are edited by the city or that business's own key.
    pub fn require_business_editor(&self, business: BusinessId) -> DomainResult<()> {
        if self.is_admin() || self.business() == Some(business) {
            Ok(())
        } else {
            Err(DomainError::forbidden(
                "only the city or the business itself may change this business",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, binding: Binding) -> Actor {
        Actor {
            key_id: Some(ApiKeyId::new()),
            role,
            tenant_id: Some(TenantId::new()),
            binding,
            request_id: None,
        }
    }

    #[test]
    fn a_school_key_edits_only_its_own_school() {
        let own = SchoolId::new();
        let key = actor(Role::School, Binding::School(own));
        assert!(key.require_school_editor(own).is_ok());
        assert!(key.require_school_editor(SchoolId::new()).is_err());
        assert!(key.require_admin().is_err());
    }

    #[test]
    fn a_business_key_edits_only_its_own_business() {
        let own = BusinessId::new();
        let key = actor(Role::Business, Binding::Business(own));
        assert!(key.require_business_editor(own).is_ok());
        assert!(key.require_business_editor(BusinessId::new()).is_err());
        assert!(key.require_school_editor(SchoolId::new()).is_err());
    }

    #[test]
    fn integrators_edit_nothing() {
        let key = actor(Role::Integrator, Binding::None);
        assert!(key.require_admin().is_err());
        assert!(key.require_school_editor(SchoolId::new()).is_err());
        assert!(key.require_business_editor(BusinessId::new()).is_err());
    }

    #[test]
    fn only_platform_admins_cross_tenants() {
        let city = actor(Role::CityAdmin, Binding::None);
        assert!(!city.belongs_to(TenantId::new()));
        assert!(Actor::bootstrap_admin().belongs_to(TenantId::new()));
    }

    #[test]
    fn a_binding_counts_only_with_its_role() {
        let odd = actor(Role::Integrator, Binding::School(SchoolId::new()));
        assert_eq!(odd.school(), None);
        let pupil = Binding::Student {
            student: StudentId::new(),
            school: SchoolId::new(),
        };
        assert_eq!(actor(Role::School, pupil).school(), None);
        assert!(!actor(Role::School, pupil).acts_for_a_pupil());
        assert!(actor(Role::Guardian, pupil).acts_for_a_pupil());
    }

    #[test]
    fn pupils_and_guardians_edit_no_organisation() {
        let school = SchoolId::new();
        for role in [Role::Pupil, Role::Guardian] {
            let token = actor(
                role,
                Binding::Student {
                    student: StudentId::new(),
                    school,
                },
            );
            assert!(token.require_school_editor(school).is_err());
            assert!(token.require_admin().is_err());
        }
    }
}
