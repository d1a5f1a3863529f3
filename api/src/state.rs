//! What handlers share: the domain services (assembled over adapters in the
//! composition root), health probes and the operator's bootstrap key digest.

use driehoek_domain::api_keys::ApiKeyService;
use driehoek_domain::businesses::BusinessService;
use driehoek_domain::programmes::ProgrammeService;
use driehoek_domain::schools::SchoolService;
use driehoek_domain::tenants::TenantService;
use driehoek_infra::Database;
use driehoek_infra::redis_store::RedisStore;

#[derive(Clone)]
pub struct AppState {
    pub tenants: TenantService,
    pub api_keys: ApiKeyService,
    pub schools: SchoolService,
    pub businesses: BusinessService,
    pub programmes: ProgrammeService,
    pub database: Database,
    pub redis: Option<RedisStore>,
    /// SHA-256 of `DRIEHOEK_ADMIN_KEY`, compared digest to digest.
    pub admin_key_digest: Option<String>,
}

impl AppState {
    pub fn new(
        database: Database,
        redis: Option<RedisStore>,
        admin_key_digest: Option<String>,
    ) -> Self {
        let schools = database.schools();
        let businesses = database.businesses();
        Self {
            tenants: TenantService::new(database.tenants()),
            api_keys: ApiKeyService::new(database.api_keys(), schools.clone(), businesses.clone()),
            schools: SchoolService::new(schools.clone()),
            businesses: BusinessService::new(businesses.clone(), database.coaches()),
            programmes: ProgrammeService::new(database.programmes(), schools, businesses),
            database,
            redis,
            admin_key_digest,
        }
    }
}
