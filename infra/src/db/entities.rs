//! sea-orm entities: the stored shape of each table, private to the adapters. Each
//! tenant-owned entity has one query starter, `scoped(tenant)`, and no query of a
//! tenant table is built without it. Each model is also `sqlx::FromRow`: the read pool
//! reads its rows by column name with sqlx's own reader (see `read_pool`).

/// A tenant-owned, versioned table: its one query starter, and what the generic
/// writers in [`super::versioned`] need to know about it.
macro_rules! tenant_table {
    ($resource:expr) => {
        /// Every query of this table starts here: rows of one tenant only.
        pub fn scoped(tenant: Uuid) -> Select<Entity> {
            /// `Entity::find()`, built once: sea-orm builds its list of every column
            /// anew each time (callgrind: 15 k instructions for a school's 14 columns,
            /// of a `get_school`'s 198 k); a clone copies what was built.
            static FIND: std::sync::LazyLock<Select<Entity>> =
                std::sync::LazyLock::new(Entity::find);
            FIND.clone().filter(Column::TenantId.eq(tenant))
        }

        impl crate::db::versioned::TenantTable for Entity {
            const RESOURCE: &'static str = $resource;

            fn scoped(tenant: Uuid) -> Select<Entity> {
                scoped(tenant)
            }

            fn tenant_column() -> Column {
                Column::TenantId
            }

            fn id_column() -> Column {
                Column::Id
            }

            fn version_column() -> Column {
                Column::Version
            }
        }
    };
}

pub mod tenants {
    use sea_orm::entity::prelude::*;

    /// Serialisable for the shared cache (`redis_cache`).
    #[derive(
        Clone,
        Debug,
        PartialEq,
        Eq,
        DeriveEntityModel,
        sqlx::FromRow,
        serde::Serialize,
        serde::Deserialize,
    )]
    #[sea_orm(table_name = "tenants")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub slug: String,
        pub name: String,
        pub country: String,
        pub locale: String,
        pub timezone: String,
        pub status: String,
        pub rate_limit_per_minute: Option<i32>,
        pub small_cell_threshold: i32,
        pub coach_screening: String,
        pub consent_age: i32,
        /// `|origin|origin|`, as [`crate::db::encode_codes`] writes it.
        pub allowed_origins: String,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod tenant_change_counters {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "tenant_change_counters")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        pub last_seq: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod changes {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "changes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i64,
        pub resource: String,
        pub resource_id: Uuid,
        pub op: String,
        pub version: i64,
        pub at: DateTimeUtc,
        /// `public`, `admins`, `parties` or `pupil`: who sees the change in the feed.
        pub scope: String,
        pub school_id: Option<Uuid>,
        pub business_id: Option<Uuid>,
        /// The resource's status after the change, where it has one.
        pub status: Option<String>,
        /// The event of a milestone that is not a status (`booking.prepared`).
        pub event: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    /// Every query of the change log starts here: one tenant's changes only.
    pub fn scoped(tenant: Uuid) -> Select<Entity> {
        Entity::find().filter(Column::TenantId.eq(tenant))
    }
}

pub mod api_keys {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "api_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub tenant_id: Option<Uuid>,
        pub name: String,
        pub role: String,
        pub school_id: Option<Uuid>,
        pub business_id: Option<Uuid>,
        pub prefix: String,
        pub digest: String,
        pub created_at: DateTimeUtc,
        pub expires_at: Option<DateTimeUtc>,
        pub last_used_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
        /// The pupil a pupil's or guardian's token reaches.
        pub student_id: Option<Uuid>,
        /// The key that made a pupil's or guardian's token.
        pub issued_by: Option<Uuid>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    /// Keys of one tenant (platform keys have none and are never listed here).
    pub fn scoped(tenant: Uuid) -> Select<Entity> {
        Entity::find().filter(Column::TenantId.eq(tenant))
    }
}

pub mod schools {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "schools")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub name: String,
        pub kind: String,
        pub registration_code: Option<String>,
        pub education_levels: String,
        pub address_street: Option<String>,
        pub address_postal_code: Option<String>,
        pub address_city: Option<String>,
        pub contact_email: Option<String>,
        pub website: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    tenant_table!(driehoek_domain::changes::resource::SCHOOL);
}

pub mod businesses {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "businesses")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub name: String,
        pub kind: String,
        pub registration_code: Option<String>,
        pub sectors: String,
        pub description: Option<String>,
        pub address_street: Option<String>,
        pub address_postal_code: Option<String>,
        pub address_city: Option<String>,
        pub contact_email: Option<String>,
        pub website: Option<String>,
        pub status: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    tenant_table!(driehoek_domain::changes::resource::BUSINESS);
}

pub mod coaches {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "coaches")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub business_id: Uuid,
        pub display_name: String,
        pub bio: Option<String>,
        pub occupations: String,
        pub languages: String,
        pub screening_kind: Option<String>,
        pub screening_verified_on: Option<Date>,
        pub screening_valid_until: Option<Date>,
        pub status: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    tenant_table!(driehoek_domain::changes::resource::COACH);
}

pub mod programmes {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "programmes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub name: String,
        pub description: Option<String>,
        pub owner: Option<String>,
        pub starts_on: Date,
        pub ends_on: Option<Date>,
        pub status: String,
        /// JSON array of `{source, amount_cents, reference}`.
        pub funding: String,
        pub target_participants_per_year: Option<i32>,
        pub competences: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    tenant_table!(driehoek_domain::changes::resource::PROGRAMME);
}

pub mod programme_members {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "programme_members")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub programme_id: Uuid,
        pub school_id: Option<Uuid>,
        pub business_id: Option<Uuid>,
        pub role: String,
        pub joined_on: Date,
        pub left_on: Option<Date>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    tenant_table!(driehoek_domain::changes::resource::PROGRAMME_MEMBER);
}

pub mod work_visits {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "work_visits")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub business_id: Uuid,
        pub programme_id: Option<Uuid>,
        pub external_id: Option<String>,
        pub title: String,
        pub description: Option<String>,
        pub format: String,
        pub sectors: String,
        pub occupations: String,
        pub competences: String,
        pub min_age: i32,
        pub max_age: i32,
        pub education_levels: String,
        pub group_size_min: i32,
        pub group_size_max: i32,
        pub languages: String,
        pub address_street: Option<String>,
        pub address_postal_code: Option<String>,
        pub address_city: Option<String>,
        pub online: bool,
        pub accessibility: Option<String>,
        pub requirements: Option<String>,
        pub status: String,
        pub preparation_text: Option<String>,
        pub preparation_url: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    tenant_table!(driehoek_domain::changes::resource::WORK_VISIT);
}

pub mod slots {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "slots")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub work_visit_id: Uuid,
        pub external_id: Option<String>,
        pub starts_at: DateTimeUtc,
        pub ends_at: DateTimeUtc,
        /// JSON array of `{starts_at, ends_at}`.
        pub sessions: String,
        pub capacity: i32,
        pub seats_booked: i32,
        pub coach_id: Option<Uuid>,
        pub teacher_present: bool,
        pub status: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    tenant_table!(driehoek_domain::changes::resource::SLOT);
}

pub mod bookings {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "bookings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub slot_id: Uuid,
        pub work_visit_id: Uuid,
        pub business_id: Uuid,
        pub school_id: Uuid,
        pub group_name: String,
        pub seats: i32,
        pub contact_name: String,
        pub contact_email: Option<String>,
        pub contact_phone: Option<String>,
        pub notes: Option<String>,
        pub status: String,
        pub cancellation_reason: Option<String>,
        pub cancelled_at: Option<DateTimeUtc>,
        pub attended_count: Option<i32>,
        pub absent_count: Option<i32>,
        pub attendance_recorded_at: Option<DateTimeUtc>,
        pub prepared_at: Option<DateTimeUtc>,
        pub debriefed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    tenant_table!(driehoek_domain::changes::resource::BOOKING);
}

pub mod booking_feedback {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "booking_feedback")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub booking_id: Uuid,
        pub author: String,
        pub author_key: String,
        pub rating: i32,
        pub comment: Option<String>,
        pub competences_practised: String,
        pub would_host_again: Option<bool>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    tenant_table!(driehoek_domain::changes::resource::BOOKING_FEEDBACK);
}

pub mod students {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "students")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub school_id: Uuid,
        pub external_ref: String,
        pub display_name: String,
        pub birth_year: i32,
        pub grade: Option<String>,
        pub education_level: String,
        pub status: String,
        pub portfolio_open_from: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    tenant_table!(driehoek_domain::changes::resource::STUDENT);
}

pub mod consents {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "consents")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub student_id: Uuid,
        pub purpose: String,
        pub status: String,
        pub given_by: String,
        pub recorded_by_key_id: Option<Uuid>,
        pub recorded_by_role: String,
        /// `key`, `token` or `invitation`; absent on decisions recorded before it was
        /// kept (known from the role then).
        pub recorded_via: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    tenant_table!(driehoek_domain::changes::resource::CONSENT);
}

pub mod portfolio_entries {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "portfolio_entries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub student_id: Uuid,
        pub school_id: Uuid,
        pub competence: String,
        pub kind: String,
        pub title: String,
        pub body: String,
        pub sectors: String,
        pub occupations: String,
        pub evidence_url: Option<String>,
        pub booking_id: Option<Uuid>,
        pub shared_with_business: bool,
        pub author_role: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    tenant_table!(driehoek_domain::changes::resource::PORTFOLIO_ENTRY);
}

/// Pupils named on a booking, with their attendance once recorded. Ids only.
pub mod booking_students {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "booking_students")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub booking_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub student_id: Uuid,
        pub present: Option<bool>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    pub fn scoped(tenant: Uuid) -> Select<Entity> {
        Entity::find().filter(Column::TenantId.eq(tenant))
    }
}

/// Who touched which pupil's data, when and in which request. Ids only.
pub mod audit_events {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "audit_events")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub at: DateTimeUtc,
        pub key_id: Option<Uuid>,
        pub role: String,
        pub action: String,
        pub student_id: Option<Uuid>,
        pub school_id: Option<Uuid>,
        pub request_id: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    pub fn scoped(tenant: Uuid) -> Select<Entity> {
        Entity::find().filter(Column::TenantId.eq(tenant))
    }
}

pub mod route_maps {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "route_maps")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub name: String,
        pub description: Option<String>,
        pub audience: String,
        pub status: String,
        pub graph_version: i64,
        pub node_count: i32,
        pub edge_count: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    tenant_table!(driehoek_domain::changes::resource::ROUTE_MAP);
}

/// A route map's whole graph, as one JSON document cut into parts (in `part` order),
/// so no single value of several megabytes passes through the driver.
pub mod route_map_graph_parts {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "route_map_graph_parts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub route_map_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub part: i32,
        pub graph_version: i64,
        pub content: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    pub fn scoped(tenant: Uuid) -> Select<Entity> {
        Entity::find().filter(Column::TenantId.eq(tenant))
    }
}

/// Versions of pupils' route plans; lists are stored as JSON text.
pub mod route_plans {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "route_plans")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub student_id: Uuid,
        pub route_map_id: Uuid,
        pub steps: String,
        pub target_occupation: Option<String>,
        pub plan_b: String,
        pub helpers: String,
        pub notes: Option<String>,
        pub agreed_by: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    tenant_table!(driehoek_domain::changes::resource::ROUTE_PLAN);
}

/// Receivers of a tenant's events; `cursor_seq` is the worker's position in the log.
pub mod webhook_endpoints {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "webhook_endpoints")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub business_id: Option<Uuid>,
        pub url: String,
        pub description: Option<String>,
        pub events: String,
        pub status: String,
        pub disabled_reason: Option<String>,
        pub secret: String,
        pub previous_secret: Option<String>,
        pub previous_secret_expires_at: Option<DateTimeUtc>,
        pub cursor_seq: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    tenant_table!(driehoek_domain::changes::resource::WEBHOOK_ENDPOINT);
}

/// One event for one endpoint, leased by the node sending it.
pub mod webhook_deliveries {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "webhook_deliveries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub endpoint_id: Uuid,
        pub event_type: String,
        pub seq: Option<i64>,
        pub resource: Option<String>,
        pub resource_id: Option<Uuid>,
        pub payload: String,
        pub status: String,
        pub attempts: i32,
        pub next_attempt_at: DateTimeUtc,
        pub lease_owner: Option<String>,
        pub lease_until: Option<DateTimeUtc>,
        pub last_status_code: Option<i32>,
        pub created_at: DateTimeUtc,
        pub completed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Every try at sending a delivery.
pub mod webhook_attempts {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "webhook_attempts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub delivery_id: Uuid,
        pub attempted_at: DateTimeUtc,
        pub status_code: Option<i32>,
        pub error: Option<String>,
        pub duration_ms: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod guardian_invitations {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "guardian_invitations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub student_id: Uuid,
        pub school_id: Uuid,
        /// `|code|code|`, as every coded list.
        pub purposes: String,
        pub route_plan: bool,
        pub language: String,
        pub digest: String,
        pub expires_at: DateTimeUtc,
        pub revoked_at: Option<DateTimeUtc>,
        pub used_at: Option<DateTimeUtc>,
        pub created_by: Option<Uuid>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    /// Invitations of one tenant (looked up by digest before the tenant is known).
    pub fn scoped(tenant: Uuid) -> Select<Entity> {
        Entity::find().filter(Column::TenantId.eq(tenant))
    }
}

/// A school's placement of a class over a day's slots (never in the change feed: it
/// names pupils).
pub mod placements {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "placements")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub school_id: Uuid,
        pub group_name: String,
        pub contact_name: String,
        pub contact_email: Option<String>,
        pub contact_phone: Option<String>,
        pub status: String,
        pub optimal: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    pub fn scoped(tenant: Uuid) -> Select<Entity> {
        Entity::find().filter(Column::TenantId.eq(tenant))
    }
}

/// The slots of a placement, in the order the school gave them.
pub mod placement_slots {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "placement_slots")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub placement_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub position: i32,
        pub slot_id: Uuid,
        pub work_visit_id: Uuid,
        pub title: String,
        pub starts_at: DateTimeUtc,
        pub seats_left: i32,
        pub booking_id: Option<Uuid>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    pub fn scoped(tenant: Uuid) -> Select<Entity> {
        Entity::find().filter(Column::TenantId.eq(tenant))
    }
}

/// The pupils of a placement (ids only), in the order the school gave them.
pub mod placement_pupils {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "placement_pupils")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub placement_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub position: i32,
        pub student_id: Uuid,
        /// `|id|id|`, most wanted first.
        pub choices: String,
        pub slot_id: Option<Uuid>,
        pub rank: Option<i32>,
        pub unplaced_reason: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    pub fn scoped(tenant: Uuid) -> Select<Entity> {
        Entity::find().filter(Column::TenantId.eq(tenant))
    }
}

/// The host's talent notes about pupils of its bookings, each with the portfolio
/// entry it made. Gone with the pupil's erasure.
pub mod talent_notes {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "talent_notes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub booking_id: Uuid,
        pub business_id: Uuid,
        pub student_id: Uuid,
        pub school_id: Uuid,
        pub entry_id: Uuid,
        /// `|code|code|`.
        pub competences: String,
        pub talents: String,
        pub note: String,
        /// A wish to be in touch that reached the school; one that could not is not kept.
        pub interest_passed_on: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    pub fn scoped(tenant: Uuid) -> Select<Entity> {
        Entity::find().filter(Column::TenantId.eq(tenant))
    }
}

pub mod issuer_keys {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "issuer_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub generation: i64,
        pub kid: String,
        /// base64url of the public key.
        pub public_key: String,
        /// base64 of the PKCS#8 document, sealed.
        pub private_key: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    pub fn scoped(tenant: Uuid) -> Select<Entity> {
        Entity::find().filter(Column::TenantId.eq(tenant))
    }
}

pub mod credentials {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, sqlx::FromRow)]
    #[sea_orm(table_name = "credentials")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        /// Null once the pupil is erased, with `school_id`, `booking_id`, `kid`, `jwt`.
        pub student_id: Option<Uuid>,
        pub school_id: Option<Uuid>,
        pub booking_id: Option<Uuid>,
        pub status_list: i64,
        pub status_index: i64,
        pub kid: Option<String>,
        pub jwt: Option<String>,
        pub revoked_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    pub fn scoped(tenant: Uuid) -> Select<Entity> {
        Entity::find().filter(Column::TenantId.eq(tenant))
    }
}
