//! The tables of pupils' data: the pupils, their consents and portfolios, the bookings
//! naming them, the audit log of every access, route plans, guardian invitations,
//! class placements, hosts' talent notes and credentials.

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

    no_relations!();

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

    no_relations!();

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

    no_relations!();

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

    no_relations!();

    tenant_rows!();
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

    no_relations!();

    tenant_rows!();
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

    no_relations!();

    tenant_table!(driehoek_domain::changes::resource::ROUTE_PLAN);
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

    no_relations!();

    // Invitations of one tenant (looked up by digest before the tenant is known).
    tenant_rows!();
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

    no_relations!();

    tenant_rows!();
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

    no_relations!();

    tenant_rows!();
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

    no_relations!();

    tenant_rows!();
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

    no_relations!();

    tenant_rows!();
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

    no_relations!();

    tenant_rows!();
}
