//! sea-orm entities: the stored shape of each table, private to the adapters. Each
//! tenant-owned entity has one query starter, `scoped(tenant)`, and no query of a
//! tenant table is built without it. Each model is also `sqlx::FromRow`: the read pool
//! reads its rows by column name with sqlx's own reader (see `read_pool`).

/// What every entity here shares: no relations (joins are written out where they are
/// needed) and no behaviour of its own.
macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

/// A tenant-owned table that is not versioned: its one query starter.
macro_rules! tenant_rows {
    () => {
        /// Every query of this table starts here: rows of one tenant only.
        pub fn scoped(tenant: Uuid) -> Select<Entity> {
            Entity::find().filter(Column::TenantId.eq(tenant))
        }
    };
}

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

    no_relations!();
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

    no_relations!();
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

    no_relations!();

    // Every query of the change log starts here: one tenant's changes only.
    tenant_rows!();
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

    no_relations!();

    // Keys of one tenant (platform keys have none and are never listed here).
    tenant_rows!();
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

    no_relations!();

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

    no_relations!();

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

    no_relations!();

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

    no_relations!();

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

    no_relations!();

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

    no_relations!();

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

    no_relations!();

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

    no_relations!();

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

    no_relations!();

    tenant_table!(driehoek_domain::changes::resource::BOOKING_FEEDBACK);
}

// Pupils' data, and the city's own (maps, webhooks, signing keys), each in a file of
// its own; their modules read as `entities::students`, `entities::webhook_endpoints`.
mod city;
mod pupils;

pub use city::*;
pub use pupils::*;
