use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::auth::{Actor, Binding, Role};
use crate::ids::{ApiKeyId, TenantId};
use crate::values::Name;

/// Every secret starts with this, so a leaked key is recognisable in logs and scanners.
pub const KEY_PREFIX: &str = "dhk_";
/// A pupil's or guardian's token (DESIGN.md §3.9) starts with this instead.
pub const TOKEN_PREFIX: &str = "dht_";
/// How long a pupil's or guardian's token may live, in seconds: 5 minutes to 12 hours.
pub const TOKEN_LIFETIME_SECS: std::ops::RangeInclusive<i64> = 300..=43_200;
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
    /// For a pupil's or guardian's token, the key that made it: revoking that key
    /// revokes the token.
    pub issued_by: Option<ApiKeyId>,
}

impl ApiKey {
    /// Whether this is a token for one pupil rather than an organisation's key.
    pub fn is_pupil_token(&self) -> bool {
        matches!(self.binding, Binding::Student { .. })
    }

    pub fn is_usable_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|expiry| expiry > now)
    }

    pub fn actor(&self) -> Actor {
        Actor {
            key_id: Some(self.id),
            role: self.role,
            tenant_id: self.tenant_id,
            binding: self.binding,
            request_id: None,
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
    lower_hex(&Sha256::digest(secret.as_bytes()))
}

/// `bytes` in lower-case hexadecimal, from a table (`hex::encode` collects characters
/// one by one: a third of a digest's cost, and one is taken on every request).
fn lower_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)]);
        out.push(DIGITS[usize::from(byte & 0x0f)]);
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Makes a new key secret: `dhk_` and 43 base62 characters (256 bits from the OS).
pub fn mint_secret() -> Result<MintedSecret, String> {
    mint_secret_with(KEY_PREFIX)
}

/// Makes a new secret starting with `prefix` ([`KEY_PREFIX`] or [`TOKEN_PREFIX`]).
pub fn mint_secret_with(prefix: &str) -> Result<MintedSecret, String> {
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
        return mint_secret_with(prefix);
    }
    let secret = format!("{prefix}{body}");
    Ok(MintedSecret {
        prefix: secret.chars().take(DISPLAY_PREFIX_LEN).collect(),
        digest: digest_secret(&secret),
        secret,
    })
}

/// What a caller asks for when creating a key.
/// A read-only token for one feed (a calendar URL), for clients that cannot send
/// headers: `<key id>.<HMAC-SHA256 of the feed path, keyed by the key's digest>`. It
/// opens that one path only, and only while the key that asked for it is usable.
pub fn feed_token(key: &ApiKey, feed_path: &str) -> Option<String> {
    let mac = feed_mac(key, feed_path)?.finalize().into_bytes();
    Some(format!("{}.{}", key.id.as_uuid().simple(), lower_hex(&mac)))
}

/// The key id a feed token names, and its MAC; `None` when it is not a feed token.
pub fn parse_feed_token(token: &str) -> Option<(ApiKeyId, Vec<u8>)> {
    let (id, mac) = token.split_once('.')?;
    let id = uuid::Uuid::try_parse(id).ok()?;
    let mac = hex::decode(mac).ok()?;
    Some((ApiKeyId::from_uuid(id), mac))
}

/// Whether `mac` is the key's token for `feed_path` (compared in constant time).
pub fn verify_feed_token(key: &ApiKey, feed_path: &str, mac: &[u8]) -> bool {
    feed_mac(key, feed_path).is_some_and(|m| m.verify_slice(mac).is_ok())
}

fn feed_mac(key: &ApiKey, feed_path: &str) -> Option<Hmac<Sha256>> {
    let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.digest.as_bytes()).ok()?;
    Some(mac.chain_update(feed_path.as_bytes()))
}

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

    /// Digests already stored were written by `hex::encode`: the same text, or no
    /// key would authenticate after an upgrade.
    #[test]
    fn digests_are_lower_case_hex_of_sha_256() {
        assert_eq!(
            digest_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let every_byte: Vec<u8> = (0..=255).collect();
        assert_eq!(lower_hex(&every_byte), hex::encode(&every_byte));
        assert_eq!(lower_hex(&[]), "");
    }

    #[test]
    fn a_feed_token_opens_its_own_path_with_its_own_key_only() {
        let minted = mint_secret().unwrap();
        let key = ApiKey {
            id: ApiKeyId::new(),
            tenant_id: Some(TenantId::new()),
            name: Name::parse("Agenda").unwrap(),
            role: Role::School,
            binding: Binding::None,
            prefix: minted.prefix,
            digest: minted.digest,
            created_at: crate::testing::now(),
            expires_at: None,
            last_used_at: None,
            revoked_at: None,
            issued_by: None,
        };
        let path = "/v1/tenants/leuven/schools/x/calendar.ics";
        let token = feed_token(&key, path).unwrap();
        let (id, mac) = parse_feed_token(&token).unwrap();
        assert_eq!(id, key.id);
        assert!(verify_feed_token(&key, path, &mac));
        assert!(!verify_feed_token(
            &key,
            "/v1/tenants/leuven/schools/y/calendar.ics",
            &mac
        ));
        let other = ApiKey {
            digest: mint_secret().unwrap().digest,
            ..key.clone()
        };
        assert!(
            !verify_feed_token(&other, path, &mac),
            "another key's digest"
        );
        assert!(parse_feed_token("no-dot").is_none());
        assert!(parse_feed_token("abc.zz").is_none());
    }
}
