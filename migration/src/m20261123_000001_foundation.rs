//! Tenants, the change log, API keys, schools, businesses, coaches, programmes and
//! programme members.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A tenant-owned table: `(tenant_id, id)` primary key, the tenant foreign key and the
/// version columns. Callers add their own columns and constraints.
pub(crate) fn tenant_table(name: &'static str) -> TableCreateStatement {
    Table::create()
        .table(name)
        .if_not_exists()
        .col(uuid("tenant_id"))
        .col(uuid("id"))
        .col(big_integer("version"))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"))
        .primary_key(Index::create().col("tenant_id").col("id"))
        .foreign_key(
            ForeignKey::create()
                .name(format!("fk_{name}_tenant"))
                .from(name, "tenant_id")
                .to("tenants", "id")
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned()
}

/// A foreign key `(tenant_id, column)` → `table (tenant_id, id)`.
pub(crate) fn tenant_fk(
    from: &'static str,
    column: &'static str,
    to: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{from}_{column}"))
        .from(from, ("tenant_id", column))
        .to(to, ("tenant_id", "id"))
        .on_delete(on_delete)
        .to_owned()
}

pub(crate) fn address_cols(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(text_null("address_street"))
        .col(text_null("address_postal_code"))
        .col(text_null("address_city"))
}

pub(crate) fn index(
    table: &'static str,
    name: &str,
    cols: &[&'static str],
) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(format!("ix_{table}_{name}"))
        .table(table)
        .if_not_exists();
    for col in cols {
        index.col(*col);
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("tenants")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(text_uniq("slug"))
                    .col(text("name"))
                    .col(text("country"))
                    .col(text("locale"))
                    .col(text("timezone"))
                    .col(text("status"))
                    .col(integer_null("rate_limit_per_minute"))
                    .col(integer("small_cell_threshold"))
                    .col(text("coach_screening"))
                    .col(integer("consent_age"))
                    .col(big_integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;

        // One row per tenant; the change sequence is taken from it as the last
        // statement of each writing transaction, which makes numbers gap-free and
        // commit-ordered on both backends.
        manager
            .create_table(
                Table::create()
                    .table("tenant_change_counters")
                    .if_not_exists()
                    .col(uuid("tenant_id").primary_key())
                    .col(big_integer("last_seq"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_counters_tenant")
                            .from("tenant_change_counters", "tenant_id")
                            .to("tenants", "id"),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("changes")
                    .if_not_exists()
                    .col(uuid("tenant_id"))
                    .col(big_integer("seq"))
                    .col(text("resource"))
                    .col(uuid("resource_id"))
                    .col(text("op"))
                    .col(big_integer("version"))
                    .col(timestamp_with_time_zone("at"))
                    .primary_key(Index::create().col("tenant_id").col("seq"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_changes_tenant")
                            .from("changes", "tenant_id")
                            .to("tenants", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "changes",
                "resource",
                &["tenant_id", "resource", "seq"],
            ))
            .await?;

        let mut schools = tenant_table("schools");
        schools
            .col(text("name"))
            .col(text("kind"))
            .col(text_null("registration_code"))
            .col(text("education_levels"));
        address_cols(&mut schools)
            .col(text_null("contact_email"))
            .col(text_null("website"));
        manager.create_table(schools).await?;
        manager
            .create_index(
                index(
                    "schools",
                    "registration_code",
                    &["tenant_id", "registration_code"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index("schools", "updated", &["tenant_id", "updated_at"]))
            .await?;

        let mut businesses = tenant_table("businesses");
        businesses
            .col(text("name"))
            .col(text("kind"))
            .col(text_null("registration_code"))
            .col(text("sectors"))
            .col(text_null("description"));
        address_cols(&mut businesses)
            .col(text_null("contact_email"))
            .col(text_null("website"))
            .col(text("status"));
        manager.create_table(businesses).await?;
        manager
            .create_index(
                index(
                    "businesses",
                    "registration_code",
                    &["tenant_id", "registration_code"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index("businesses", "updated", &["tenant_id", "updated_at"]))
            .await?;

        manager
            .create_table(
                tenant_table("coaches")
                    .col(uuid("business_id"))
                    .col(text("display_name"))
                    .col(text_null("bio"))
                    .col(text("occupations"))
                    .col(text("languages"))
                    .col(text_null("screening_kind"))
                    .col(date_null("screening_verified_on"))
                    .col(date_null("screening_valid_until"))
                    .col(text("status"))
                    .foreign_key(&mut tenant_fk(
                        "coaches",
                        "business_id",
                        "businesses",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "coaches",
                "business",
                &["tenant_id", "business_id", "id"],
            ))
            .await?;

        manager
            .create_table(
                tenant_table("programmes")
                    .col(text("name"))
                    .col(text_null("description"))
                    .col(text_null("owner"))
                    .col(date("starts_on"))
                    .col(date_null("ends_on"))
                    .col(text("status"))
                    .col(text("funding"))
                    .col(integer_null("target_participants_per_year"))
                    .col(text("competences"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("programmes", "updated", &["tenant_id", "updated_at"]))
            .await?;

        manager
            .create_table(
                tenant_table("programme_members")
                    .col(uuid("programme_id"))
                    .col(uuid_null("school_id"))
                    .col(uuid_null("business_id"))
                    .col(text("role"))
                    .col(date("joined_on"))
                    .col(date_null("left_on"))
                    .foreign_key(&mut tenant_fk(
                        "programme_members",
                        "programme_id",
                        "programmes",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "programme_members",
                        "school_id",
                        "schools",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "programme_members",
                        "business_id",
                        "businesses",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "programme_members",
                    "school",
                    &["tenant_id", "programme_id", "school_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "programme_members",
                    "business",
                    &["tenant_id", "programme_id", "business_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        // API keys are looked up by digest before the tenant is known, and platform keys
        // have no tenant: a global table, with tenant-scoped foreign keys to the school
        // or business a key acts for.
        manager
            .create_table(
                Table::create()
                    .table("api_keys")
                    .if_not_exists()
                    .col(uuid("id").primary_key())
                    .col(uuid_null("tenant_id"))
                    .col(text("name"))
                    .col(text("role"))
                    .col(uuid_null("school_id"))
                    .col(uuid_null("business_id"))
                    .col(text("prefix"))
                    .col(text_uniq("digest"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("expires_at"))
                    .col(timestamp_with_time_zone_null("last_used_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_api_keys_tenant")
                            .from("api_keys", "tenant_id")
                            .to("tenants", "id"),
                    )
                    .foreign_key(&mut tenant_fk(
                        "api_keys",
                        "school_id",
                        "schools",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut tenant_fk(
                        "api_keys",
                        "business_id",
                        "businesses",
                        ForeignKeyAction::Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("api_keys", "tenant", &["tenant_id", "id"]))
            .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Driehoek migrations are forward-only".to_owned(),
        ))
    }
}
