//! The lookups every request makes — the API key behind a secret, the tenant behind a
//! slug or id — cached in Redis so all nodes share them (the in-process cache of
//! `memory_cache` serves a single node).
//!
//! Correctness rests on two rules. A lookup fills the cache only where nothing is
//! stored yet (`SET NX` in one script), and every change — creating, revoking or
//! touching a key, updating a tenant — overwrites its entries after the database write.
//! So a revocation or a suspension is seen by every node at its next request: a lookup
//! that read the row just before the change cannot overwrite the changed entry. Entries live 60 s at most, which
//! bounds anything that bypasses this repository (an operator's manual SQL).
//!
//! A node that cannot tell Redis (its circuit is open, or Redis refuses writes) leaves
//! the old entries there for the other nodes. So every node also follows the database
//! ([`follow_changes`]): every 250 ms it reads the keys revoked and the tenants changed
//! since it last looked, and for a minute (the entries' lifetime) reads those from the
//! database instead of from Redis. A revocation or a suspension is refused by every
//! node within a second, whatever Redis does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use driehoek_domain::api_keys::{ApiKey, ApiKeyRepository, Revocation};
use driehoek_domain::auth::{Binding, Role};
use driehoek_domain::clock::SharedClock;
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{ApiKeyId, BusinessId, SchoolId, StudentId, TenantId};
use driehoek_domain::paging::PageRequest;
use driehoek_domain::tenants::{Tenant, TenantRepository};
use driehoek_domain::values::Name;
use driehoek_domain::vocabularies::Vocabulary;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::Database;
use crate::db::entities::tenants;
use crate::db::tenants::{from_model as tenant_from_model, to_model as tenant_to_model};
use crate::redis_store::RedisStore;

const TTL_SECS: u32 = 60;
/// How often a node reads what changed.
const FOLLOW_EVERY: Duration = Duration::from_millis(250);
/// How far each read looks back before the last one: writes commit a moment after
/// the time they record, and nodes' clocks differ a little.
const FOLLOW_OVERLAP_SECS: i64 = 5;

/// The cache entries this node does not trust from Redis: those of keys revoked and
/// tenants changed lately, as the database says, each until its Redis entry has
/// expired for certain.
#[derive(Default)]
pub struct RecentChanges {
    until: Mutex<HashMap<String, Instant>>,
}

impl RecentChanges {
    fn note(&self, entry: String) {
        let now = Instant::now();
        let mut until = self.until.lock().unwrap_or_else(PoisonError::into_inner);
        until.retain(|_, t| *t > now);
        until.insert(entry, now + Duration::from_secs(u64::from(TTL_SECS)));
    }

    fn distrusts(&self, entry: &str) -> bool {
        let until = self.until.lock().unwrap_or_else(PoisonError::into_inner);
        until.get(entry).is_some_and(|t| *t > Instant::now())
    }
}

/// Follows the revocations and tenant changes in `database` into `recent`, for as
/// long as the node runs. A failed read is tried again at the next tick, looking as
/// far back as the last read that succeeded.
pub async fn follow_changes(database: Database, recent: Arc<RecentChanges>, clock: SharedClock) {
    let mut since = clock.now() - chrono::Duration::seconds(i64::from(TTL_SECS));
    let mut tick = tokio::time::interval(FOLLOW_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let started = clock.now();
        match database.credential_changes_since(since).await {
            Ok((keys, tenants)) => {
                for digest in keys {
                    recent.note(cache_key(&digest));
                }
                for (id, slug) in tenants {
                    recent.note(format!("tenant:id:{id}"));
                    recent.note(format!("tenant:slug:{slug}"));
                }
                since = started - chrono::Duration::seconds(FOLLOW_OVERLAP_SECS);
            }
            Err(error) => {
                tracing::debug!(%error, "could not read the latest revocations; trying again");
            }
        }
    }
}

/// The stored form of a key (or of a digest that matches none).
#[derive(Serialize, Deserialize)]
struct CachedKey {
    id: Uuid,
    tenant_id: Option<Uuid>,
    name: String,
    role: String,
    school_id: Option<Uuid>,
    business_id: Option<Uuid>,
    #[serde(default)]
    student_id: Option<Uuid>,
    #[serde(default)]
    issued_by: Option<Uuid>,
    prefix: String,
    digest: String,
    created_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl From<&ApiKey> for CachedKey {
    fn from(k: &ApiKey) -> Self {
        let (school, business, student) = k.binding.parts();
        Self {
            id: k.id.as_uuid(),
            tenant_id: k.tenant_id.map(|t| t.as_uuid()),
            name: k.name.to_string(),
            role: k.role.code().to_owned(),
            school_id: school.map(|id| id.as_uuid()),
            business_id: business.map(|id| id.as_uuid()),
            student_id: student.map(|id| id.as_uuid()),
            issued_by: k.issued_by.map(|id| id.as_uuid()),
            prefix: k.prefix.clone(),
            digest: k.digest.clone(),
            created_at: k.created_at,
            expires_at: k.expires_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        }
    }
}

impl CachedKey {
    fn into_key(self) -> Result<ApiKey, String> {
        Ok(ApiKey {
            id: ApiKeyId::from_uuid(self.id),
            tenant_id: self.tenant_id.map(TenantId::from_uuid),
            name: Name::parse(&self.name)?,
            role: Role::parse(&self.role)?,
            binding: Binding::from_parts(
                self.school_id.map(SchoolId::from_uuid),
                self.business_id.map(BusinessId::from_uuid),
                self.student_id.map(StudentId::from_uuid),
            ),
            prefix: self.prefix,
            digest: self.digest,
            created_at: self.created_at,
            expires_at: self.expires_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
            issued_by: self.issued_by.map(ApiKeyId::from_uuid),
        })
    }
}

fn cache_key(digest: &str) -> String {
    format!("apikey:{digest}")
}

/// A stored entry: `Some(None)` for a cached miss, `None` when it cannot be read.
fn decode(stored: &str) -> Option<Option<ApiKey>> {
    match serde_json::from_str::<Option<CachedKey>>(stored) {
        Ok(Some(cached)) => cached.into_key().ok().map(Some),
        Ok(None) => Some(None),
        Err(_) => None,
    }
}

fn encode(key: Option<&ApiKey>) -> String {
    serde_json::to_string(&key.map(CachedKey::from)).unwrap_or_else(|_| "null".to_owned())
}

/// Decorates the key repository with the shared cache. Redis errors fall through to
/// the database: the cache may only make lookups faster, never wrong or failing.
pub struct RedisCachedApiKeyRepository {
    inner: Arc<dyn ApiKeyRepository>,
    redis: RedisStore,
    recent: Arc<RecentChanges>,
}

impl RedisCachedApiKeyRepository {
    pub fn new(
        inner: Arc<dyn ApiKeyRepository>,
        redis: RedisStore,
        recent: Arc<RecentChanges>,
    ) -> Self {
        Self {
            inner,
            redis,
            recent,
        }
    }

    /// Overwrites the entry for `key` (after a write to it).
    async fn store(&self, key: &ApiKey) {
        if let Err(error) = self
            .redis
            .put(&cache_key(&key.digest), &encode(Some(key)), TTL_SECS)
            .await
        {
            // The entry may now be stale: drop it rather than trust it.
            tracing::warn!(%error, "could not update a cached API key; dropping it");
            let _ = self.redis.remove(&cache_key(&key.digest)).await;
        }
    }
}

#[async_trait]
impl ApiKeyRepository for RedisCachedApiKeyRepository {
    async fn insert(&self, key: &ApiKey) -> DomainResult<()> {
        self.inner.insert(key).await?;
        self.store(key).await;
        Ok(())
    }

    async fn find_by_digest(&self, digest: &str) -> DomainResult<Option<ApiKey>> {
        let cache = cache_key(digest);
        if self.recent.distrusts(&cache) {
            return self.inner.find_by_digest(digest).await;
        }
        if let Ok(Some(stored)) = self.redis.get(&cache).await
            && let Some(cached) = decode(&stored)
        {
            return Ok(cached);
        }
        let found = self.inner.find_by_digest(digest).await?;
        // Offer what the database said; an entry written meanwhile (a later change's)
        // wins over it.
        match self
            .redis
            .claim(&cache, &encode(found.as_ref()), TTL_SECS)
            .await
        {
            Ok(Some(stored)) => Ok(decode(&stored).unwrap_or(found)),
            Ok(None) | Err(_) => Ok(found),
        }
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
        let ended = self.inner.revoke(tenant, which, at).await?;
        for key in &ended {
            self.store(key).await;
        }
        Ok(ended)
    }

    async fn touch(&self, key: &ApiKey, at: DateTime<Utc>) -> DomainResult<()> {
        self.inner.touch(key, at).await?;
        // In Redis, in one script: only an entry that is there and not revoked gets the
        // new time, so a touch racing a revocation can never bring the key back.
        const SCRIPT: &str = "local v = redis.call('GET', KEYS[1]) \
            if not v then return 0 end \
            local k = cjson.decode(v) \
            if k == cjson.null or k.revoked_at ~= cjson.null then return 0 end \
            k.last_used_at = ARGV[1] \
            redis.call('SET', KEYS[1], cjson.encode(k), 'KEEPTTL') \
            return 1";
        let mut command = redis::cmd("EVAL");
        command
            .arg(SCRIPT)
            .arg(1)
            .arg(self.redis.key(&cache_key(&key.digest)))
            .arg(at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
        if let Err(error) = self.redis.query::<i64>(command).await {
            tracing::warn!(%error, "could not record a key's use in its cached entry");
            let _ = self.redis.remove(&cache_key(&key.digest)).await;
        }
        Ok(())
    }
}

/// Caches tenants by id and by slug (found ones only: an unknown slug is not kept).
pub struct RedisCachedTenantRepository {
    inner: Arc<dyn TenantRepository>,
    redis: RedisStore,
    recent: Arc<RecentChanges>,
}

fn tenant_keys(tenant: &Tenant) -> [String; 2] {
    [
        format!("tenant:id:{}", tenant.id.as_uuid()),
        format!("tenant:slug:{}", tenant.slug.as_str()),
    ]
}

impl RedisCachedTenantRepository {
    pub fn new(
        inner: Arc<dyn TenantRepository>,
        redis: RedisStore,
        recent: Arc<RecentChanges>,
    ) -> Self {
        Self {
            inner,
            redis,
            recent,
        }
    }

    fn decode(stored: &str) -> Option<Tenant> {
        serde_json::from_str::<tenants::Model>(stored)
            .ok()
            .and_then(|m| tenant_from_model(m).ok())
    }

    /// The cached tenant under `key`, or the database's, offered to the cache.
    async fn lookup(
        &self,
        key: String,
        load: impl std::future::Future<Output = DomainResult<Option<Tenant>>>,
    ) -> DomainResult<Option<Tenant>> {
        if self.recent.distrusts(&key) {
            return load.await;
        }
        if let Ok(Some(stored)) = self.redis.get(&key).await
            && let Some(tenant) = Self::decode(&stored)
        {
            return Ok(Some(tenant));
        }
        let Some(found) = load.await? else {
            return Ok(None);
        };
        let text = serde_json::to_string(&tenant_to_model(&found)).unwrap_or_default();
        match self.redis.claim(&key, &text, TTL_SECS).await {
            // An entry written meanwhile (a later update's) wins.
            Ok(Some(stored)) => Ok(Some(Self::decode(&stored).unwrap_or(found))),
            Ok(None) | Err(_) => Ok(Some(found)),
        }
    }

    /// Overwrites both entries of `tenant` (after a write to it).
    async fn store(&self, tenant: &Tenant) {
        let text = serde_json::to_string(&tenant_to_model(tenant)).unwrap_or_default();
        for key in tenant_keys(tenant) {
            if self.redis.put(&key, &text, TTL_SECS).await.is_err() {
                let _ = self.redis.remove(&key).await;
            }
        }
    }
}

#[async_trait]
impl TenantRepository for RedisCachedTenantRepository {
    async fn insert(&self, tenant: &Tenant) -> DomainResult<()> {
        self.inner.insert(tenant).await?;
        self.store(tenant).await;
        Ok(())
    }

    async fn get(&self, id: TenantId) -> DomainResult<Option<Tenant>> {
        let key = format!("tenant:id:{}", id.as_uuid());
        self.lookup(key, self.inner.get(id)).await
    }

    async fn get_by_slug(&self, slug: &str) -> DomainResult<Option<Tenant>> {
        let key = format!("tenant:slug:{slug}");
        self.lookup(key, self.inner.get_by_slug(slug)).await
    }

    async fn list(&self, page: &PageRequest) -> DomainResult<Vec<Tenant>> {
        self.inner.list(page).await
    }

    async fn update(&self, tenant: &Tenant, expected_version: i64) -> DomainResult<bool> {
        let updated = self.inner.update(tenant, expected_version).await?;
        if updated {
            self.store(tenant).await;
        }
        Ok(updated)
    }
}
