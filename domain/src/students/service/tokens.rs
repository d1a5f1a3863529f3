//! Tokens for one pupil (DESIGN.md §3.9): the pupil's school makes a short-lived
//! `pupil` or `guardian` token for an app, lists and revokes them. They are kept with
//! the keys (so a presented token is found, cached and revoked exactly as a key is),
//! bound to the pupil and to the school that made them, and end with the key that
//! made them, with the pupil's move to another school and with the pupil's erasure.

use chrono::Duration;

use super::*;
use crate::api_keys::{ApiKey, TOKEN_LIFETIME_SECS, TOKEN_PREFIX, mint_secret_with};
use crate::ids::ApiKeyId;

/// What a school asks for when it makes a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccessToken {
    pub role: Role,
    /// Seconds, within [`TOKEN_LIFETIME_SECS`].
    pub expires_in: i64,
    /// What the token is for ("portfolio app"); never personal data.
    pub label: Option<Name>,
}

impl StudentService {
    /// Makes a token for the pupil; answers it with its secret, shown this once. It
    /// never outlives the key that made it.
    pub async fn issue_token(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        new: NewAccessToken,
    ) -> DomainResult<(ApiKey, String)> {
        let student = self.managed(actor, tenant, id).await?;
        let mut errors = crate::error::ValidationErrors::new();
        let label = match new.role {
            Role::Pupil => "Pupil's token",
            Role::Guardian => "Guardian's token",
            _ => {
                errors.add("/role", "a token is for the `pupil` or a `guardian`");
                ""
            }
        };
        if !TOKEN_LIFETIME_SECS.contains(&new.expires_in) {
            errors.add(
                "/expires_in",
                format!(
                    "a token lives {} to {} seconds",
                    TOKEN_LIFETIME_SECS.start(),
                    TOKEN_LIFETIME_SECS.end()
                ),
            );
        }
        errors.into_result()?;
        let now = self.clock.now();
        let mut expires_at = now + Duration::seconds(new.expires_in);
        if let Some(issuer) = actor.key_id {
            let key_expiry = self
                .tokens
                .get(tenant, issuer)
                .await?
                .and_then(|key| key.expires_at);
            expires_at = key_expiry.map_or(expires_at, |at| at.min(expires_at));
        }
        let minted = mint_secret_with(TOKEN_PREFIX).map_err(DomainError::Internal)?;
        let token = ApiKey {
            id: ApiKeyId::new(),
            tenant_id: Some(tenant),
            name: match new.label {
                Some(label) => label,
                None => Name::parse(label).map_err(DomainError::Internal)?,
            },
            role: new.role,
            binding: Binding::Student {
                student: id,
                school: student.school_id,
            },
            prefix: minted.prefix,
            digest: minted.digest,
            created_at: now,
            expires_at: Some(expires_at),
            last_used_at: None,
            revoked_at: None,
            issued_by: actor.key_id,
        };
        self.tokens.insert(&token).await?;
        self.audited_read(actor, tenant, AuditAction::AccessTokenIssue, &[&student])
            .await?;
        Ok((token, minted.secret))
    }

    /// The pupil's and guardians' tokens (never their secrets), newest last.
    pub async fn tokens(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        page: PageRequest,
    ) -> DomainResult<Page<ApiKey>> {
        let student = self.managed(actor, tenant, id).await?;
        let rows = self.tokens.student_tokens(tenant, id, &page).await?;
        self.audited_read(actor, tenant, AuditAction::AccessTokenList, &[&student])
            .await?;
        Ok(Page::from_fetched(rows, &page, |k| k.id.as_uuid()))
    }

    /// Revokes one of the pupil's tokens at once. Revoking twice is harmless.
    pub async fn revoke_token(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        token: ApiKeyId,
    ) -> DomainResult<()> {
        let student = self.managed(actor, tenant, id).await?;
        self.tokens
            .get(tenant, token)
            .await?
            .filter(|k| matches!(k.binding, Binding::Student { student, .. } if student == id))
            .ok_or(DomainError::NotFound("access token"))?;
        self.tokens
            .revoke(tenant, Revocation::Key(token), self.clock.now())
            .await?;
        self.audited_read(actor, tenant, AuditAction::AccessTokenRevoke, &[&student])
            .await
    }

    /// Records a pupil's or guardian's read of the catalogue (nothing for a key): a
    /// token's every use is in the audit log.
    pub async fn record_catalogue_read(&self, actor: &Actor) -> DomainResult<()> {
        let (Some(tenant), Binding::Student { student, school }) = (actor.tenant_id, actor.binding)
        else {
            return Ok(());
        };
        if !actor.acts_for_a_pupil() {
            return Ok(());
        }
        let event = AuditEvent::new(
            actor,
            tenant,
            AuditAction::CatalogueRead,
            (student, school),
            self.clock.now(),
        );
        self.audit.record(&[event]).await
    }
}
