//! The cities' signing keys (their private halves sealed like webhook secrets) and
//! the credentials issued to pupils, with their places in the status lists.

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use driehoek_domain::audit::AuditEvent;
use driehoek_domain::credentials::{
    Credential, CredentialRepository, Issued, IssuerKey, SigningKey, StatusEntry,
};
use driehoek_domain::error::{DomainError, DomainResult};
use driehoek_domain::ids::{BookingId, CredentialId, IssuerKeyId, SchoolId, StudentId, TenantId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::audit::audit_in;
use super::entities::{credentials, issuer_keys};
use super::webhooks::Resealed;
use super::{begin_write, corrupt, db_error, write_error};
use crate::sealing::{Sealer, Unsealed};

pub struct SeaOrmCredentialRepository {
    db: DatabaseConnection,
    sealer: Sealer,
}

impl SeaOrmCredentialRepository {
    pub(crate) fn new(db: DatabaseConnection, sealer: Sealer) -> Self {
        Self { db, sealer }
    }
}

/// What a sealed private key is bound to: its row.
fn sealing_context(tenant: Uuid, id: Uuid) -> String {
    format!("issuer_keys.private_key:{tenant}:{id}")
}

fn key_from_model(m: issuer_keys::Model, sealer: &Sealer) -> DomainResult<IssuerKey> {
    let bad = |e: String| corrupt("issuer key", e);
    // A key sealed with a key this server was not given still verifies.
    let private_key = match sealer.open(&m.private_key, &sealing_context(m.tenant_id, m.id)) {
        Ok(plain) => Some(SigningKey(
            STANDARD.decode(plain).map_err(|e| bad(e.to_string()))?,
        )),
        Err(Unsealed::UnknownKey(_)) => None,
        Err(e) => return Err(bad(e.to_string())),
    };
    let public_key: [u8; 32] = URL_SAFE_NO_PAD
        .decode(&m.public_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad("public key is not 32 bytes".to_owned()))?;
    Ok(IssuerKey {
        id: IssuerKeyId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        generation: m.generation,
        kid: m.kid,
        public_key,
        private_key,
        created_at: m.created_at,
    })
}

fn to_model(c: &Credential) -> credentials::Model {
    credentials::Model {
        tenant_id: c.tenant_id.as_uuid(),
        id: c.id.as_uuid(),
        version: 1,
        created_at: c.issued_at,
        updated_at: c.issued_at,
        student_id: Some(c.student_id.as_uuid()),
        school_id: Some(c.school_id.as_uuid()),
        booking_id: Some(c.booking_id.as_uuid()),
        status_list: i64::from(c.status.list),
        status_index: i64::from(c.status.index),
        kid: Some(c.kid.clone()),
        jwt: Some(c.jwt.clone()),
        revoked_at: c.revoked_at,
    }
}

/// The credential of a row; `None` for what is left of an erased pupil's.
fn from_model(m: credentials::Model) -> DomainResult<Option<Credential>> {
    let (Some(student), Some(school), Some(booking), Some(kid), Some(jwt)) =
        (m.student_id, m.school_id, m.booking_id, m.kid, m.jwt)
    else {
        return Ok(None);
    };
    let number = |n: i64| u32::try_from(n).map_err(|e| corrupt("credential status", e));
    Ok(Some(Credential {
        id: CredentialId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        student_id: StudentId::from_uuid(student),
        school_id: SchoolId::from_uuid(school),
        booking_id: BookingId::from_uuid(booking),
        status: StatusEntry {
            list: number(m.status_list)?,
            index: number(m.status_index)?,
        },
        kid,
        jwt,
        issued_at: m.created_at,
        revoked_at: m.revoked_at,
    }))
}

fn credentials_of(rows: Vec<credentials::Model>) -> DomainResult<Vec<Credential>> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.extend(from_model(row)?);
    }
    Ok(out)
}

/// Ends what an erased pupil's credentials say, inside the erasure's transaction:
/// each is revoked (so a verifier holding a copy learns so) and only its id, its
/// place in the status list and its revocation stay.
pub(crate) async fn erase_of_pupil(
    txn: &sea_orm::DatabaseTransaction,
    tenant: Uuid,
    student: Uuid,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    use credentials::Column as C;
    credentials::Entity::update_many()
        .col_expr(C::RevokedAt, Expr::value(at))
        .filter(C::TenantId.eq(tenant))
        .filter(C::StudentId.eq(student))
        .filter(C::RevokedAt.is_null())
        .exec(txn)
        .await
        .map_err(db_error)?;
    credentials::Entity::update_many()
        .col_expr(C::StudentId, Expr::value(Option::<Uuid>::None))
        .col_expr(C::SchoolId, Expr::value(Option::<Uuid>::None))
        .col_expr(C::BookingId, Expr::value(Option::<Uuid>::None))
        .col_expr(C::Kid, Expr::value(Option::<String>::None))
        .col_expr(C::Jwt, Expr::value(Option::<String>::None))
        .col_expr(C::UpdatedAt, Expr::value(at))
        .filter(C::TenantId.eq(tenant))
        .filter(C::StudentId.eq(student))
        .exec(txn)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// Stores every city's private signing key as `sealer` now would (see
/// [`crate::Database::reseal_secrets`]), into `done`.
pub(crate) async fn reseal(
    db: &DatabaseConnection,
    sealer: &Sealer,
    done: &mut Resealed,
) -> DomainResult<()> {
    use issuer_keys::Column as C;
    let rows: Vec<(Uuid, Uuid, String)> = issuer_keys::Entity::find()
        .select_only()
        .columns([C::TenantId, C::Id, C::PrivateKey])
        .into_tuple()
        .all(db)
        .await
        .map_err(db_error)?;
    for (tenant, id, stored) in rows {
        let sealed = match sealer.resealed(&stored, &sealing_context(tenant, id)) {
            Ok(Some(sealed)) => sealed,
            Ok(None) => continue,
            Err(_) => {
                done.unreadable += 1;
                continue;
            }
        };
        done.resealed += issuer_keys::Entity::update_many()
            .col_expr(C::PrivateKey, Expr::value(sealed))
            .filter(C::TenantId.eq(tenant))
            .filter(C::Id.eq(id))
            .filter(C::PrivateKey.eq(stored))
            .exec(db)
            .await
            .map_err(db_error)?
            .rows_affected;
    }
    Ok(())
}

#[async_trait]
impl CredentialRepository for SeaOrmCredentialRepository {
    async fn keys(&self, tenant: TenantId) -> DomainResult<Vec<IssuerKey>> {
        issuer_keys::scoped(tenant.as_uuid())
            .order_by_asc(issuer_keys::Column::Generation)
            .all(&self.db)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(|m| key_from_model(m, &self.sealer))
            .collect()
    }

    async fn insert_key(&self, key: &IssuerKey) -> DomainResult<bool> {
        let (tenant, id) = (key.tenant_id.as_uuid(), key.id.as_uuid());
        let private = key.private_key.as_ref().ok_or_else(|| {
            DomainError::Internal("a signing key is stored with its private half".to_owned())
        })?;
        let private_key = self
            .sealer
            .seal(&STANDARD.encode(&private.0), &sealing_context(tenant, id))
            .map_err(DomainError::Internal)?;
        let model = issuer_keys::Model {
            tenant_id: tenant,
            id,
            version: 1,
            created_at: key.created_at,
            updated_at: key.created_at,
            generation: key.generation,
            kid: key.kid.clone(),
            public_key: URL_SAFE_NO_PAD.encode(key.public_key),
            private_key,
        };
        match issuer_keys::Entity::insert(model.into_active_model().reset_all())
            .exec(&self.db)
            .await
        {
            Ok(_) => Ok(true),
            Err(e) => match write_error(e, "generation taken") {
                DomainError::Conflict { .. } => Ok(false),
                other => Err(other),
            },
        }
    }

    async fn insert(&self, credential: &Credential, audit: &AuditEvent) -> DomainResult<Issued> {
        let txn = begin_write(&self.db).await?;
        audit_in(&txn, std::slice::from_ref(audit)).await?;
        let inserted =
            credentials::Entity::insert(to_model(credential).into_active_model().reset_all())
                .exec(&txn)
                .await;
        match inserted.map_err(|e| write_error(e, "taken")) {
            Ok(_) => {}
            // A unique index refused it (and with it the audit event): the pupil holds
            // a credential for the booking already, or the status entry is taken.
            Err(DomainError::Conflict { .. }) => {
                drop(txn);
                let (tenant, student, booking) = (
                    credential.tenant_id,
                    credential.student_id,
                    credential.booking_id,
                );
                return Ok(match self.find(tenant, student, booking).await? {
                    Some(existing) => Issued::Existing(existing),
                    None => Issued::StatusTaken,
                });
            }
            Err(e) => return Err(e),
        }
        txn.commit().await.map_err(db_error)?;
        Ok(Issued::New)
    }

    async fn find(
        &self,
        tenant: TenantId,
        student: StudentId,
        booking: BookingId,
    ) -> DomainResult<Option<Credential>> {
        let row = credentials::scoped(tenant.as_uuid())
            .filter(credentials::Column::StudentId.eq(student.as_uuid()))
            .filter(credentials::Column::BookingId.eq(booking.as_uuid()))
            .one(&self.db)
            .await
            .map_err(db_error)?;
        Ok(row.map(from_model).transpose()?.flatten())
    }

    async fn of_student(
        &self,
        tenant: TenantId,
        student: StudentId,
    ) -> DomainResult<Vec<Credential>> {
        let rows = credentials::scoped(tenant.as_uuid())
            .filter(credentials::Column::StudentId.eq(student.as_uuid()))
            .order_by_asc(credentials::Column::CreatedAt)
            .order_by_asc(credentials::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_error)?;
        credentials_of(rows)
    }

    async fn get(&self, tenant: TenantId, id: CredentialId) -> DomainResult<Option<Credential>> {
        let row = credentials::scoped(tenant.as_uuid())
            .filter(credentials::Column::Id.eq(id.as_uuid()))
            .one(&self.db)
            .await
            .map_err(db_error)?;
        Ok(row.map(from_model).transpose()?.flatten())
    }

    async fn revoke(
        &self,
        tenant: TenantId,
        id: CredentialId,
        at: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> DomainResult<bool> {
        use credentials::Column as C;
        let txn = begin_write(&self.db).await?;
        let revoked = credentials::Entity::update_many()
            .col_expr(C::RevokedAt, Expr::value(at))
            .col_expr(C::UpdatedAt, Expr::value(at))
            .filter(C::TenantId.eq(tenant.as_uuid()))
            .filter(C::Id.eq(id.as_uuid()))
            .filter(C::Jwt.is_not_null())
            .filter(C::RevokedAt.is_null())
            .exec(&txn)
            .await
            .map_err(db_error)?
            .rows_affected;
        if revoked == 0 {
            // Revoked already (nothing to record), or gone.
            let held = credentials::scoped(tenant.as_uuid())
                .filter(C::Id.eq(id.as_uuid()))
                .filter(C::Jwt.is_not_null())
                .count(&txn)
                .await
                .map_err(db_error)?;
            return Ok(held > 0);
        }
        audit_in(&txn, std::slice::from_ref(audit)).await?;
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn issued(&self, tenant: TenantId) -> DomainResult<u64> {
        credentials::scoped(tenant.as_uuid())
            .count(&self.db)
            .await
            .map_err(db_error)
    }

    async fn revoked_in(&self, tenant: TenantId, list: u32) -> DomainResult<Option<Vec<u32>>> {
        use credentials::Column as C;
        let rows: Vec<(i64, Option<DateTime<Utc>>)> = credentials::scoped(tenant.as_uuid())
            .filter(C::StatusList.eq(i64::from(list)))
            .select_only()
            .columns([C::StatusIndex, C::RevokedAt])
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_error)?;
        if rows.is_empty() {
            return Ok(None);
        }
        Ok(Some(
            rows.into_iter()
                .filter(|(_, revoked)| revoked.is_some())
                .filter_map(|(index, _)| u32::try_from(index).ok())
                .collect(),
        ))
    }

    async fn is_revoked(&self, tenant: TenantId, entry: StatusEntry) -> DomainResult<Option<bool>> {
        use credentials::Column as C;
        let row: Option<Option<DateTime<Utc>>> = credentials::scoped(tenant.as_uuid())
            .filter(C::StatusList.eq(i64::from(entry.list)))
            .filter(C::StatusIndex.eq(i64::from(entry.index)))
            .select_only()
            .column(C::RevokedAt)
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(db_error)?;
        Ok(row.map(|revoked| revoked.is_some()))
    }
}
