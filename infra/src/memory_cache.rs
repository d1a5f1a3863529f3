//! In-process caches for the two lookups every request makes: the API key behind a
//! presented secret, and the tenant behind a slug. They decorate the repositories, so
//! the domain is unaware of them.
//!
//! Used only when no Redis is configured, that is on a single node: every change that
//! could make a cached entry wrong (revoking a key, touching it, updating a tenant)
//! passes through the same decorator and updates or drops the entry at once. With
//! several nodes a per-node cache could not learn of another node's revocation, so the
//! composition root uses the shared cache of `redis_cache` then.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use driehoek_domain::api_keys::{ApiKey, ApiKeyRepository, Revocation};
use driehoek_domain::auth::Binding;
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{ApiKeyId, StudentId, TenantId};
use driehoek_domain::paging::PageRequest;
use driehoek_domain::tenants::{Tenant, TenantRepository};

/// Entries kept at most; the map is emptied when it would grow past this.
const CAPACITY: usize = 10_000;

/// A small map behind a lock. Poisoning is ignored: every entry is a plain copy of
/// stored data, so a panic elsewhere cannot leave one half-written.
struct Map<K, V>(RwLock<HashMap<K, V>>);

impl<K: Eq + Hash, V: Clone> Map<K, V> {
    fn new() -> Self {
        Self(RwLock::new(HashMap::new()))
    }

    fn get(&self, key: &K) -> Option<V> {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    fn put(&self, key: K, value: V) {
        let mut map = self.0.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CAPACITY {
            map.clear();
        }
        map.insert(key, value);
    }

    fn retain(&self, keep: impl Fn(&V) -> bool) {
        self.0
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, v| keep(v));
    }
}

/// Caches keys by digest (including misses, so guessing does not reach the database).
pub struct CachedApiKeyRepository {
    inner: Arc<dyn ApiKeyRepository>,
    by_digest: Map<String, Option<ApiKey>>,
}

impl CachedApiKeyRepository {
    pub fn new(inner: Arc<dyn ApiKeyRepository>) -> Self {
        Self {
            inner,
            by_digest: Map::new(),
        }
    }
}

#[async_trait]
impl ApiKeyRepository for CachedApiKeyRepository {
    async fn insert(&self, key: &ApiKey) -> DomainResult<()> {
        self.inner.insert(key).await?;
        self.by_digest.put(key.digest.clone(), Some(key.clone()));
        Ok(())
    }

    async fn find_by_digest(&self, digest: &str) -> DomainResult<Option<ApiKey>> {
        if let Some(cached) = self.by_digest.get(&digest.to_owned()) {
            return Ok(cached);
        }
        let found = self.inner.find_by_digest(digest).await?;
        self.by_digest.put(digest.to_owned(), found.clone());
        Ok(found)
    }

    async fn get(&self, tenant: TenantId, id: ApiKeyId) -> DomainResult<Option<ApiKey>> {
        self.inner.get(tenant, id).await
    }

    async fn list(&self, tenant: TenantId, page: &PageRequest) -> DomainResult<Vec<ApiKey>> {
        self.inner.list(tenant, page).await
    }

    async fn student_tokens(
        &self,
        tenant: TenantId,
        student: StudentId,
        page: &PageRequest,
    ) -> DomainResult<Vec<ApiKey>> {
        self.inner.student_tokens(tenant, student, page).await
    }

    async fn revoke(
        &self,
        tenant: TenantId,
        which: Revocation,
        at: DateTime<Utc>,
    ) -> DomainResult<Vec<ApiKey>> {
        // Drop first what the revocation may reach: even if the write below fails
        // half-way, no stale entry survives.
        self.by_digest.retain(|key| {
            key.as_ref().is_none_or(|k| match which {
                Revocation::Key(id) => k.id != id && k.issued_by != Some(id),
                Revocation::StudentTokens(student) => {
                    !matches!(k.binding, Binding::Student { student: s, .. } if s == student)
                }
            })
        });
        self.inner.revoke(tenant, which, at).await
    }

    async fn touch(&self, key: &ApiKey, at: DateTime<Utc>) -> DomainResult<()> {
        self.inner.touch(key, at).await?;
        self.by_digest
            .retain(|cached| cached.as_ref().is_none_or(|k| k.id != key.id));
        Ok(())
    }
}

/// Caches tenants by slug and by id.
pub struct CachedTenantRepository {
    inner: Arc<dyn TenantRepository>,
    by_slug: Map<String, Tenant>,
    by_id: Map<TenantId, Tenant>,
}

impl CachedTenantRepository {
    pub fn new(inner: Arc<dyn TenantRepository>) -> Self {
        Self {
            inner,
            by_slug: Map::new(),
            by_id: Map::new(),
        }
    }

    fn remember(&self, tenant: &Tenant) {
        self.by_slug
            .put(tenant.slug.as_str().to_owned(), tenant.clone());
        self.by_id.put(tenant.id, tenant.clone());
    }

    fn forget(&self, id: TenantId) {
        self.by_slug.retain(|t| t.id != id);
        self.by_id.retain(|t| t.id != id);
    }
}

#[async_trait]
impl TenantRepository for CachedTenantRepository {
    async fn insert(&self, tenant: &Tenant) -> DomainResult<()> {
        self.inner.insert(tenant).await
    }

    async fn get(&self, id: TenantId) -> DomainResult<Option<Tenant>> {
        if let Some(tenant) = self.by_id.get(&id) {
            return Ok(Some(tenant));
        }
        let found = self.inner.get(id).await?;
        if let Some(tenant) = &found {
            self.remember(tenant);
        }
        Ok(found)
    }

    async fn get_by_slug(&self, slug: &str) -> DomainResult<Option<Tenant>> {
        if let Some(tenant) = self.by_slug.get(&slug.to_owned()) {
            return Ok(Some(tenant));
        }
        let found = self.inner.get_by_slug(slug).await?;
        if let Some(tenant) = &found {
            self.remember(tenant);
        }
        Ok(found)
    }

    async fn list(&self, page: &PageRequest) -> DomainResult<Vec<Tenant>> {
        self.inner.list(page).await
    }

    async fn update(&self, tenant: &Tenant, expected_version: i64) -> DomainResult<bool> {
        self.forget(tenant.id);
        self.inner.update(tenant, expected_version).await
    }
}
