//! What handlers share: the domain services (assembled over adapters in the
//! composition root), health probes and the operator's bootstrap key digest.

use std::sync::Arc;

use driehoek_domain::api_keys::{ApiKeyRepository, ApiKeyService};
use driehoek_domain::audit::AuditService;
use driehoek_domain::bookings::BookingService;
use driehoek_domain::businesses::BusinessService;
use driehoek_domain::calendars::CalendarService;
use driehoek_domain::changes::ChangeService;
use driehoek_domain::clock::SharedClock;
use driehoek_domain::credentials::{CredentialService, CredentialSources};
use driehoek_domain::matching::MatchingService;
use driehoek_domain::placements::PlacementService;
use driehoek_domain::programmes::ProgrammeService;
use driehoek_domain::route_maps::RouteMapService;
use driehoek_domain::schools::SchoolService;
use driehoek_domain::stats::StatsService;
use driehoek_domain::students::{Plans, StudentRecords, StudentService};
use driehoek_domain::tenants::{TenantRepository, TenantService};
use driehoek_domain::webhooks::{RetryPolicy, WebhookService, WebhookTransport};
use driehoek_domain::work_visits::WorkVisitService;
use driehoek_infra::Database;
use driehoek_infra::memory_cache::{CachedApiKeyRepository, CachedTenantRepository};
use driehoek_infra::redis_cache::{
    RecentChanges, RedisCachedApiKeyRepository, RedisCachedTenantRepository, follow_changes,
};
use driehoek_infra::redis_graphs::RedisGraphs;
use driehoek_infra::redis_store::RedisStore;

use crate::rate_limit::{RateLimiter, SharedCounters};

#[derive(Clone)]
pub struct AppState {
    pub tenants: TenantService,
    pub api_keys: ApiKeyService,
    pub schools: SchoolService,
    pub businesses: BusinessService,
    pub programmes: ProgrammeService,
    pub work_visits: WorkVisitService,
    pub calendars: CalendarService,
    pub stats: StatsService,
    /// Turns to compute a city's report on this node, one per connection of the read
    /// pool: a report holds the facts it has read until they are summed, so more at
    /// once only interleave their reads and hold their facts longer (bench/RESULTS.md,
    /// the stats suite).
    pub report_turns: Arc<tokio::sync::Semaphore>,
    pub changes: ChangeService,
    pub bookings: BookingService,
    pub students: StudentService,
    pub credentials: CredentialService,
    /// The API's public address (`DRIEHOEK_PUBLIC_URL`), which credentials and their
    /// issuer are named under; without it, the address a request came to.
    pub public_url: Option<String>,
    pub matching: MatchingService,
    pub placements: PlacementService,
    pub route_maps: RouteMapService,
    pub audit: AuditService,
    pub database: Database,
    pub redis: Option<RedisStore>,
    /// SHA-256 of `DRIEHOEK_ADMIN_KEY`, compared digest to digest.
    pub admin_key_digest: Option<String>,
    pub rate_limiter: Arc<RateLimiter>,
    /// Requests a minute per key where the tenant sets no limit of its own.
    pub default_rate_limit: u32,
    pub webhooks: WebhookService,
    /// Where every service reads the time.
    pub clock: SharedClock,
}

/// How webhook deliveries leave, and when failed ones are tried again.
pub struct Webhooks {
    pub transport: Arc<dyn WebhookTransport>,
    pub retry: RetryPolicy,
}

impl AppState {
    /// Assembles the services. Without Redis (one node by definition) key and tenant
    /// lookups are cached in process, invalidated by every write that touches them;
    /// with Redis, key and tenant lookups are cached in Redis, shared by all nodes, so a
    /// revocation or suspension on one is seen by all at their next request — and,
    /// when Redis could not be told, within a second, by following the database.
    pub fn new(
        database: Database,
        redis: Option<RedisStore>,
        admin_key_digest: Option<String>,
        default_rate_limit: u32,
        webhooks: Webhooks,
        clock: SharedClock,
    ) -> Self {
        let rate_limiter = Arc::new(RateLimiter::new(
            redis
                .clone()
                .map(|r| Box::new(r) as Box<dyn SharedCounters>),
            clock.clone(),
        ));
        let schools = database.schools();
        let businesses = database.businesses();
        // One service, so route plans and route searches share the graphs in memory.
        let mut route_maps = RouteMapService::new(database.route_maps(), clock.clone());
        if let Some(redis) = &redis {
            route_maps = route_maps.with_shared_graphs(Arc::new(RedisGraphs::new(redis.clone())));
        }
        let (tenant_repo, key_repo): (Arc<dyn TenantRepository>, Arc<dyn ApiKeyRepository>) =
            match &redis {
                None => (
                    Arc::new(CachedTenantRepository::new(database.tenants())),
                    Arc::new(CachedApiKeyRepository::new(database.api_keys())),
                ),
                Some(redis) => {
                    let recent = Arc::new(RecentChanges::default());
                    tokio::spawn(follow_changes(
                        database.clone(),
                        recent.clone(),
                        clock.clone(),
                    ));
                    (
                        Arc::new(RedisCachedTenantRepository::new(
                            database.tenants(),
                            redis.clone(),
                            recent.clone(),
                        )),
                        Arc::new(RedisCachedApiKeyRepository::new(
                            database.api_keys(),
                            redis.clone(),
                            recent,
                        )),
                    )
                }
            };
        let pupils = StudentRecords {
            students: database.students(),
            consents: database.consents(),
            portfolio: database.portfolio(),
            tokens: key_repo.clone(),
            invitations: database.invitations(),
            talent_notes: database.talent_notes(),
        };
        let students = StudentService::new(
            pupils.clone(),
            database.audit(),
            database.schools(),
            database.bookings(),
            Plans {
                repo: database.route_plans(),
                maps: route_maps.clone(),
            },
            clock.clone(),
        );
        let credentials = CredentialService::new(
            CredentialSources {
                credentials: database.credentials(),
                tenants: tenant_repo.clone(),
                bookings: database.bookings(),
                work_visits: database.work_visits(),
                businesses: businesses.clone(),
            },
            students.clone(),
            clock.clone(),
        );
        Self {
            credentials,
            public_url: None,
            tenants: TenantService::new(tenant_repo, clock.clone()),
            api_keys: ApiKeyService::new(
                key_repo,
                schools.clone(),
                businesses.clone(),
                clock.clone(),
            ),
            schools: SchoolService::new(schools.clone(), clock.clone()),
            businesses: BusinessService::new(businesses.clone(), database.coaches(), clock.clone()),
            programmes: ProgrammeService::new(
                database.programmes(),
                schools,
                businesses.clone(),
                clock.clone(),
            ),
            work_visits: WorkVisitService::new(
                database.work_visits(),
                businesses,
                database.coaches(),
                database.programmes(),
                clock.clone(),
            ),
            changes: ChangeService::new(database.changes()),
            stats: StatsService::new(database.stats(), clock.clone()),
            report_turns: Arc::new(tokio::sync::Semaphore::new(
                database.parallel_reads().max(1),
            )),
            calendars: CalendarService::new(
                database.schools(),
                database.businesses(),
                database.bookings(),
                database.work_visits(),
                clock.clone(),
            ),
            bookings: BookingService::new(
                database.bookings(),
                database.feedback(),
                database.work_visits(),
                database.schools(),
                pupils.clone(),
                clock.clone(),
            ),
            placements: PlacementService::new(
                database.placements(),
                database.work_visits(),
                database.schools(),
                pupils.clone(),
                clock.clone(),
            ),
            matching: MatchingService::new(
                students.clone(),
                database.work_visits(),
                route_maps.clone(),
                clock.clone(),
            ),
            students,
            audit: AuditService::new(database.audit()),
            webhooks: WebhookService::new(
                database.webhooks(),
                database.changes(),
                webhooks.transport,
                webhooks.retry,
                clock.clone(),
            ),
            route_maps,
            database,
            redis,
            admin_key_digest,
            rate_limiter,
            default_rate_limit,
            clock,
        }
    }
}
