use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::auth::{Actor, Binding, Role};
use crate::ids::{ApiKeyId, TenantId};
use crate::values::Name;

/// Every secret starts with this, so a leaked key is recognisable in logs and scanners.
pub const KEY_PREFIX: &str = "dhk_";
/// Characters of the secret kept for display (`dhk_` and eight more).
pub const DISPLAY_PREFIX_LEN: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    /// `None` for platform keys.
    pub tenant_id: Option<TenantId>,
    pub name: Name,
    pub role: Role,
    pub binding: Binding,
    /// The first characters of the secret, for recognising a key in a list.
    pub prefix: String,
    /// Hex SHA-256 of the secret.
    pub digest: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    pub fn is_usable_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|expiry| expiry > now)
    }

    pub fn actor(&self) -> Actor {
        Actor {
            key_id: Some(self.id),
            role: self.role,
            tenant_id: self.tenant_id,
            binding: self.binding,
        }
    }
}

/// A freshly made secret and its stored forms.
pub struct MintedSecret {
    pub secret: String,
    pub prefix: String,
    pub digest: String,
}

/// The stored digest of a presented secret.
pub fn digest_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Makes a new secret: `dhk_` and 43 base62 characters (256 bits from the OS).
pub fn mint_secret() -> Result<MintedSecret, String> {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut bytes = [0u8; 64];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness from the OS: {e}"))?;
    // Rejection sampling keeps every character uniformly likely.
    let body: String = bytes
        .iter()
        .filter(|b| usize::from(**b) < ALPHABET.len() * 4)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .take(43)
        .collect();
    if body.len() < 43 {
        return mint_secret();
    }
    let secret = format!("{KEY_PREFIX}{body}");
    Ok(MintedSecret {
        prefix: secret.chars().take(DISPLAY_PREFIX_LEN).collect(),
        digest: digest_secret(&secret),
        secret,
    })
}

/// What a caller asks for when creating a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiKey {
    pub name: Name,
    pub role: Role,
    pub binding: Binding,
    pub expires_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_distinct_and_stored_only_as_digests() {
        let a = mint_secret().unwrap();
        let b = mint_secret().unwrap();
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.secret.len(), KEY_PREFIX.len() + 43);
        assert!(a.secret.starts_with(&a.prefix));
        assert_eq!(a.digest, digest_secret(&a.secret));
        assert_eq!(a.digest.len(), 64);
        assert!(!a.digest.contains(&a.secret[KEY_PREFIX.len()..]));
    }
}
