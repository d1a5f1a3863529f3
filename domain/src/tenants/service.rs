use std::sync::Arc;

use super::{NewTenant, Tenant, TenantChanges, TenantRepository, TenantSettings, TenantStatus};
use crate::auth::Actor;
use crate::clock::SharedClock;
use crate::error::{DomainError, DomainResult};
use crate::ids::TenantId;
use crate::paging::{Page, PageRequest};
use crate::versioning::{check_if_match, written};

#[derive(Clone)]
pub struct TenantService {
    repo: Arc<dyn TenantRepository>,
    clock: SharedClock,
    /// Whether tenants may list `http://localhost` origins (the operator's flag for
    /// development).
    local_origins: bool,
}

impl TenantService {
    pub fn new(repo: Arc<dyn TenantRepository>, clock: SharedClock) -> Self {
        Self {
            repo,
            clock,
            local_origins: false,
        }
    }

    /// Lets tenants list `http://localhost` and `http://127.0.0.1` origins.
    pub fn with_local_origins(mut self, allowed: bool) -> Self {
        self.local_origins = allowed;
        self
    }

    /// Whether a browser app on `origin` may call `tenant`'s routes: the tenant lists
    /// it, and a local origin counts only while the operator allows them.
    pub fn allows_origin(&self, tenant: &Tenant, origin: &str) -> bool {
        tenant.settings.allowed_origins.iter().any(|allowed| {
            allowed.as_str() == origin && (self.local_origins || !allowed.is_local())
        })
    }

    pub async fn create(&self, actor: &Actor, new: NewTenant) -> DomainResult<Tenant> {
        actor.require_platform_admin()?;
        new.settings.check_origins(self.local_origins)?;
        let now = self.clock.now();
        let mut settings = TenantSettings::defaults_for(new.country);
        new.settings.apply(&mut settings);
        let tenant = Tenant {
            id: TenantId::new(),
            slug: new.slug,
            name: new.name,
            country: new.country,
            locale: new.locale,
            timezone: new.timezone,
            status: TenantStatus::Active,
            settings,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.repo.insert(&tenant).await?;
        Ok(tenant)
    }

    pub async fn list(&self, actor: &Actor, page: PageRequest) -> DomainResult<Page<Tenant>> {
        actor.require_platform_admin()?;
        let rows = self.repo.list(&page).await?;
        Ok(Page::from_fetched(rows, &page, |t| t.id.as_uuid()))
    }

    /// Resolves a slug for routing; no authorisation is implied.
    pub async fn find_by_slug(&self, slug: &str) -> DomainResult<Option<Tenant>> {
        self.repo.get_by_slug(slug).await
    }

    /// Looks a tenant up by id; no authorisation is implied.
    pub async fn find(&self, id: TenantId) -> DomainResult<Option<Tenant>> {
        self.repo.get(id).await
    }

    /// A tenant's own keys may read its record; platform administrators read any.
    pub fn read(&self, actor: &Actor, tenant: Tenant) -> DomainResult<Tenant> {
        if actor.belongs_to(tenant.id) {
            Ok(tenant)
        } else {
            Err(DomainError::NotFound("tenant"))
        }
    }

    pub async fn update(
        &self,
        actor: &Actor,
        tenant: Tenant,
        changes: TenantChanges,
        if_match: Option<i64>,
    ) -> DomainResult<Tenant> {
        // A city's administrators set where their browser apps run; the rest of the
        // tenant (its name, status, limits and rules) is the platform's.
        if !(actor.is_platform_admin() || actor.is_admin() && changes.only_settings_origins()) {
            return Err(DomainError::forbidden(
                "a city administrator may change settings.allowed_origins only; the rest is the platform's",
            ));
        }
        changes.settings.check_origins(self.local_origins)?;
        check_if_match(tenant.version, if_match)?;
        let expected = tenant.version;
        let mut next = tenant;
        if let Some(name) = changes.name {
            next.name = name;
        }
        if let Some(country) = changes.country {
            next.country = country;
        }
        if let Some(locale) = changes.locale {
            next.locale = locale;
        }
        if let Some(timezone) = changes.timezone {
            next.timezone = timezone;
        }
        if let Some(status) = changes.status {
            next.status = status;
        }
        changes.settings.apply(&mut next.settings);
        next.version += 1;
        next.updated_at = self.clock.now();
        written(self.repo.update(&next, expected).await?, next, expected + 1)
    }
}
