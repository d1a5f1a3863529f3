//! The tables of what a city keeps beside its organisations and pupils: route maps and
//! their graphs, webhook endpoints with their deliveries and attempts, and the
//! credential issuer's signing keys.

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

    no_relations!();

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

    no_relations!();

    tenant_rows!();
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

    no_relations!();

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

    no_relations!();
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

    no_relations!();
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

    no_relations!();

    tenant_rows!();
}
