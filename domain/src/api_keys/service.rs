use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::{
    ApiKey, ApiKeyRepository, NewApiKey, digest_secret, feed_token, mint_secret, parse_feed_token,
    verify_feed_token,
};
use crate::auth::{Actor, Binding, Role};
use crate::businesses::BusinessRepository;
use crate::clock::SharedClock;
use crate::error::{DomainError, DomainResult, ValidationErrors};
use crate::ids::{ApiKeyId, TenantId};
use crate::paging::{Page, PageRequest};
use crate::schools::SchoolRepository;
use crate::values::Name;

/// How stale `last_used_at` may get before a request refreshes it: one write a minute
/// per key at most, not one per request.
const TOUCH_INTERVAL: Duration = Duration::seconds(60);

#[derive(Clone)]
pub struct ApiKeyService {
    keys: Arc<dyn ApiKeyRepository>,
    schools: Arc<dyn SchoolRepository>,
    businesses: Arc<dyn BusinessRepository>,
    clock: SharedClock,
}

impl ApiKeyService {
    pub fn new(
        keys: Arc<dyn ApiKeyRepository>,
        schools: Arc<dyn SchoolRepository>,
        businesses: Arc<dyn BusinessRepository>,
        clock: SharedClock,
    ) -> Self {
        Self {
            keys,
            schools,
            businesses,
            clock,
        }
    }

    /// Creates a tenant key; returns it with its secret, which is never shown again.
    pub async fn create(
        &self,
        actor: &Actor,
        tenant: TenantId,
        new: NewApiKey,
    ) -> DomainResult<(ApiKey, String)> {
        actor.require_admin()?;
        let mut errors = ValidationErrors::new();
        match (new.role, new.binding) {
            (Role::PlatformAdmin, _) => errors.add(
                "/role",
                "platform keys are made with `driehoek create-admin-key`",
            ),
            (Role::Pupil | Role::Guardian, _) => errors.add(
                "/role",
                "pupils' and guardians' tokens are made by the pupil's school: \
                 POST …/students/{student_id}/access-tokens",
            ),
            (Role::School, Binding::School(id)) => {
                if self.schools.get(tenant, id).await?.is_none() {
                    errors.add("/school_id", "no such school in this tenant");
                }
            }
            (Role::Business, Binding::Business(id)) => {
                if self.businesses.get(tenant, id).await?.is_none() {
                    errors.add("/business_id", "no such business in this tenant");
                }
            }
            (Role::School, _) => errors.add("/school_id", "a school key must name its school"),
            (Role::Business, _) => {
                errors.add("/business_id", "a business key must name its business")
            }
            (_, Binding::School(_)) => {
                errors.add("/school_id", "only a school key is bound to a school")
            }
            (_, Binding::Business(_)) => {
                errors.add("/business_id", "only a business key is bound to a business")
            }
            (_, Binding::Student { .. }) => errors.add("/role", "keys are not bound to a pupil"),
            (Role::CityAdmin | Role::Integrator, Binding::None) => {}
        }
        let now = self.clock.now();
        if new.expires_at.is_some_and(|at| at <= now) {
            errors.add("/expires_at", "must be in the future");
        }
        errors.into_result()?;
        self.insert(Some(tenant), new, now).await
    }

    /// Creates a platform-administrator key (the CLI's `create-admin-key`).
    pub async fn create_platform_key(&self, name: Name) -> DomainResult<(ApiKey, String)> {
        let new = NewApiKey {
            name,
            role: Role::PlatformAdmin,
            binding: Binding::None,
            expires_at: None,
        };
        self.insert(None, new, self.clock.now()).await
    }

    async fn insert(
        &self,
        tenant: Option<TenantId>,
        new: NewApiKey,
        now: DateTime<Utc>,
    ) -> DomainResult<(ApiKey, String)> {
        let minted = mint_secret().map_err(DomainError::Internal)?;
        let key = ApiKey {
            id: ApiKeyId::new(),
            tenant_id: tenant,
            name: new.name,
            role: new.role,
            binding: new.binding,
            prefix: minted.prefix,
            digest: minted.digest,
            created_at: now,
            expires_at: new.expires_at,
            last_used_at: None,
            revoked_at: None,
            issued_by: None,
        };
        self.keys.insert(&key).await?;
        Ok((key, minted.secret))
    }

    pub async fn list(
        &self,
        actor: &Actor,
        tenant: TenantId,
        page: PageRequest,
    ) -> DomainResult<Page<ApiKey>> {
        actor.require_admin()?;
        let rows = self.keys.list(tenant, &page).await?;
        Ok(Page::from_fetched(rows, &page, |k| k.id.as_uuid()))
    }

    pub async fn get(&self, actor: &Actor, tenant: TenantId, id: ApiKeyId) -> DomainResult<ApiKey> {
        actor.require_admin()?;
        self.organisation_key(tenant, id).await
    }

    /// An organisation's key: a pupil's or guardian's token is none of the city's
    /// business (it is the school's, under the pupil).
    async fn organisation_key(&self, tenant: TenantId, id: ApiKeyId) -> DomainResult<ApiKey> {
        self.keys
            .get(tenant, id)
            .await?
            .filter(|k| !k.is_pupil_token())
            .ok_or(DomainError::NotFound("api key"))
    }

    /// Revokes at once, with every pupil's or guardian's token the key made: the next
    /// request with any of them is refused.
    pub async fn revoke(&self, actor: &Actor, tenant: TenantId, id: ApiKeyId) -> DomainResult<()> {
        actor.require_admin()?;
        self.organisation_key(tenant, id).await?;
        self.keys
            .revoke(tenant, super::Revocation::Key(id), self.clock.now())
            .await?;
        Ok(())
    }

    /// The actor behind a presented secret, given as its [`digest_secret`], if the key
    /// exists and is usable now.
    pub async fn authenticate(&self, digest: &str) -> DomainResult<Option<Actor>> {
        let Some(key) = self.keys.find_by_digest(digest).await? else {
            return Ok(None);
        };
        let now = self.clock.now();
        if !key.is_usable_at(now) {
            return Ok(None);
        }
        if key.last_used_at.is_none_or(|at| now - at > TOUCH_INTERVAL) {
            self.keys.touch(&key, now).await?;
        }
        Ok(Some(key.actor()))
    }

    /// A token that opens `feed_path` (a calendar) without headers, bound to the
    /// calling key: revoking the key closes the feed. Keys of one tenant only.
    pub async fn feed_token_for(
        &self,
        actor: &Actor,
        tenant: TenantId,
        feed_path: &str,
    ) -> DomainResult<String> {
        let key_id = match (actor.key_id, actor.tenant_id) {
            (Some(id), Some(own)) if own == tenant => id,
            _ => {
                return Err(DomainError::forbidden(
                    "feed links are made with a key of this tenant",
                ));
            }
        };
        let key = self
            .keys
            .get(tenant, key_id)
            .await?
            .ok_or(DomainError::NotFound("api key"))?;
        feed_token(&key, feed_path)
            .ok_or_else(|| DomainError::Internal("the feed token could not be made".to_owned()))
    }

    /// OAuth client credentials: the key `client_id` names, if `client_secret` is its
    /// secret and it is a usable key of a tenant, buys an access token.
    pub async fn issue_access_token(
        &self,
        client_id: ApiKeyId,
        client_secret: &str,
    ) -> DomainResult<Option<super::access::AccessToken>> {
        let Some(key) = self
            .keys
            .find_by_digest(&digest_secret(client_secret))
            .await?
        else {
            return Ok(None);
        };
        let now = self.clock.now();
        if key.id != client_id
            || key.tenant_id.is_none()
            || key.is_pupil_token()
            || !key.is_usable_at(now)
        {
            return Ok(None);
        }
        if key.last_used_at.is_none_or(|at| now - at > TOUCH_INTERVAL) {
            self.keys.touch(&key, now).await?;
        }
        Ok(super::access::issue(&key, now))
    }

    /// The actor an access token stands for, if it is genuine, unexpired, and the key
    /// it acts for is usable now (a revoked key's tokens stop at once).
    pub async fn authenticate_access_token(&self, token: &str) -> DomainResult<Option<Actor>> {
        let Some((tenant, id)) = super::access::named_key(token) else {
            return Ok(None);
        };
        let Some(key) = self.keys.get(tenant, id).await? else {
            return Ok(None);
        };
        let now = self.clock.now();
        if !key.is_usable_at(now) || super::access::verify(&key, token, now).is_none() {
            return Ok(None);
        }
        Ok(Some(key.actor()))
    }

    /// The actor a feed token stands for on `feed_path`, if it is genuine and its key
    /// is usable now.
    pub async fn authenticate_feed(
        &self,
        tenant: TenantId,
        token: &str,
        feed_path: &str,
    ) -> DomainResult<Option<Actor>> {
        let Some((id, mac)) = parse_feed_token(token) else {
            return Ok(None);
        };
        let Some(key) = self.keys.get(tenant, id).await? else {
            return Ok(None);
        };
        if !key.is_usable_at(self.clock.now()) || !verify_feed_token(&key, feed_path, &mac) {
            return Ok(None);
        }
        Ok(Some(key.actor()))
    }
}
