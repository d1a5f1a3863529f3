//! Portable credentials (DESIGN.md §4 "credentials"): the city's Ed25519 signing keys
//! as Open Badges issuer (the private half sealed at rest, like webhook secrets) and
//! the credentials issued to pupils, each with its place in the city's revocation
//! status list. A pupil's erasure keeps only a credential's id, place and revocation
//! (so verifiers still read it as revoked); the signed copy and the pupil's id go.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261123_000001_foundation::{index, tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("issuer_keys")
                    // 1, 2, …: the highest signs; unique, so two nodes making the
                    // first key at once make one.
                    .col(big_integer("generation"))
                    .col(text("kid"))
                    // base64url of the 32-byte Ed25519 public key (the JWK's `x`).
                    .col(text("public_key"))
                    // The PKCS#8 document, base64, sealed with DRIEHOEK_SECRETS_KEY.
                    .col(text("private_key"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("issuer_keys", "generation", &["tenant_id", "generation"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                tenant_table("credentials")
                    // Null once the pupil is erased.
                    .col(uuid_null("student_id"))
                    .col(uuid_null("school_id"))
                    .col(uuid_null("booking_id"))
                    .col(big_integer("status_list"))
                    .col(big_integer("status_index"))
                    .col(text_null("kid"))
                    // The VC-JWT as issued; null once the pupil is erased.
                    .col(text_null("jwt"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "credentials",
                    "pupil_booking",
                    &["tenant_id", "student_id", "booking_id"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "credentials",
                    "status",
                    &["tenant_id", "status_list", "status_index"],
                )
                .unique()
                .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Driehoek migrations are forward-only".to_owned(),
        ))
    }
}
