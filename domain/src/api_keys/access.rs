//! OAuth 2.0 client credentials (RFC 6749 §4.4) for integrators who expect them: a key's
//! id and secret buy a short-lived bearer token that acts exactly as the key does. The
//! token is a JWT (RFC 7519, HS256) naming the key, its tenant and role, signed with a
//! key derived from the API key's stored digest — so no server-wide secret is needed,
//! every node can verify it, and revoking the key ends its tokens at the next request.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use super::ApiKey;
use crate::ids::{ApiKeyId, TenantId};

/// How long an access token lives.
pub const ACCESS_TOKEN_SECS: i64 = 15 * 60;

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
const ISSUER: &str = "driehoek";

/// What a token says; verified before anything in it is believed but the key id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    /// The API key the token acts for.
    pub sub: Uuid,
    pub tenant: Uuid,
    pub role: String,
    pub iat: i64,
    pub exp: i64,
}

/// A token issued to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub token: String,
    pub expires_in: i64,
}

fn signer(key: &ApiKey) -> Option<Hmac<Sha256>> {
    // A key of its own for tokens, derived from the digest, apart from feed tokens'.
    let derived = <Hmac<Sha256> as KeyInit>::new_from_slice(key.digest.as_bytes())
        .ok()?
        .chain_update(b"driehoek access token v1")
        .finalize()
        .into_bytes();
    <Hmac<Sha256> as KeyInit>::new_from_slice(&derived).ok()
}

/// A token for `key` (a tenant's key), valid from `now` for [`ACCESS_TOKEN_SECS`].
pub fn issue(key: &ApiKey, now: DateTime<Utc>) -> Option<AccessToken> {
    use crate::vocabularies::Vocabulary;
    let tenant = key.tenant_id?;
    let claims = AccessClaims {
        iss: ISSUER.to_owned(),
        sub: key.id.as_uuid(),
        tenant: tenant.as_uuid(),
        role: key.role.code().to_owned(),
        iat: now.timestamp(),
        exp: now.timestamp() + ACCESS_TOKEN_SECS,
    };
    let body = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(HEADER),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).ok()?)
    );
    let mac = signer(key)?
        .chain_update(body.as_bytes())
        .finalize()
        .into_bytes();
    Some(AccessToken {
        token: format!("{body}.{}", URL_SAFE_NO_PAD.encode(mac)),
        expires_in: ACCESS_TOKEN_SECS,
    })
}

/// Whether a bearer credential has the shape of an access token (not an API key).
pub fn looks_like_token(credential: &str) -> bool {
    credential.starts_with("eyJ") && credential.split('.').count() == 3
}

/// The key and tenant a token names, unverified: only to find the key to verify with.
pub fn named_key(token: &str) -> Option<(TenantId, ApiKeyId)> {
    let claims = token.split('.').nth(1)?;
    let claims: AccessClaims =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()?;
    Some((
        TenantId::from_uuid(claims.tenant),
        ApiKeyId::from_uuid(claims.sub),
    ))
}

/// The token's claims if `key` signed it, it names that key and it has not expired.
pub fn verify(key: &ApiKey, token: &str, now: DateTime<Utc>) -> Option<AccessClaims> {
    let (body, mac) = token.rsplit_once('.')?;
    let (header, claims) = body.split_once('.')?;
    if URL_SAFE_NO_PAD.decode(header).ok()? != HEADER.as_bytes() {
        return None;
    }
    let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
    signer(key)?
        .chain_update(body.as_bytes())
        .verify_slice(&mac)
        .ok()?;
    let claims: AccessClaims =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()?;
    let valid = claims.iss == ISSUER
        && claims.sub == key.id.as_uuid()
        && Some(TenantId::from_uuid(claims.tenant)) == key.tenant_id
        && claims.exp > now.timestamp();
    valid.then_some(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_keys::{digest_secret, mint_secret};
    use crate::auth::{Binding, Role};
    use crate::values::Name;

    fn key() -> ApiKey {
        let minted = mint_secret().unwrap();
        ApiKey {
            id: ApiKeyId::new(),
            tenant_id: Some(TenantId::new()),
            name: Name::parse("integrator").unwrap(),
            role: Role::Integrator,
            binding: Binding::None,
            prefix: minted.prefix,
            digest: digest_secret(&minted.secret),
            created_at: Utc::now(),
            expires_at: None,
            last_used_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn a_token_verifies_with_its_own_key_until_it_expires() {
        let (key, now) = (key(), Utc::now());
        let token = issue(&key, now).unwrap().token;
        assert!(looks_like_token(&token));
        assert_eq!(named_key(&token), Some((key.tenant_id.unwrap(), key.id)));
        let claims = verify(&key, &token, now).unwrap();
        assert_eq!(claims.role, "integrator");
        assert!(
            verify(
                &key,
                &token,
                now + chrono::Duration::seconds(ACCESS_TOKEN_SECS)
            )
            .is_none()
        );
        assert!(
            verify(&self::key(), &token, now).is_none(),
            "another key's digest"
        );
    }

    #[test]
    fn a_changed_claim_breaks_the_signature() {
        let (key, now) = (key(), Utc::now());
        let token = issue(&key, now).unwrap().token;
        let parts: Vec<&str> = token.split('.').collect();
        let mut claims: AccessClaims =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        claims.role = "city_admin".to_owned();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap()),
            parts[2]
        );
        assert!(verify(&key, &forged, now).is_none());
        let unsigned = format!("{}.{}.", parts[0], parts[1]);
        assert!(verify(&key, &unsigned, now).is_none());
    }
}
