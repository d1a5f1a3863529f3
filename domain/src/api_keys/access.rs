//! OAuth 2.0 client credentials (RFC 6749 §4.4) for integrators who expect them: a key's
//! id and secret buy a short-lived bearer token that acts exactly as the key does. The
//! token is a JWT (RFC 7519, HS256, made and checked by `jsonwebtoken`) naming the key,
//! its tenant and role, signed with a key derived from the API key's stored digest — so
//! no server-wide secret is needed, every node can verify it, and revoking the key ends
//! its tokens at the next request. Expiry is checked against the caller's clock, not
//! the system's, so it follows the clock port like every other rule.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

use super::ApiKey;
use crate::ids::{ApiKeyId, TenantId};

/// How long an access token lives.
pub const ACCESS_TOKEN_SECS: i64 = 15 * 60;

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

/// The token-signing secret of `key`: derived from its digest, apart from the feed
/// tokens' (and from the digest itself, which never signs anything).
fn signing_secret(key: &ApiKey) -> Option<Vec<u8>> {
    let derived = <Hmac<Sha256> as KeyInit>::new_from_slice(key.digest.as_bytes())
        .ok()?
        .chain_update(b"driehoek access token v1")
        .finalize()
        .into_bytes();
    Some(derived.to_vec())
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
    let secret = EncodingKey::from_secret(&signing_secret(key)?).ok()?;
    let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &secret).ok()?;
    Some(AccessToken {
        token,
        expires_in: ACCESS_TOKEN_SECS,
    })
}

/// Whether a bearer credential has the shape of an access token (not an API key).
pub fn looks_like_token(credential: &str) -> bool {
    credential.starts_with("eyJ") && credential.split('.').count() == 3
}

/// The key and tenant a token names, unverified: only to find the key to verify with.
pub fn named_key(token: &str) -> Option<(TenantId, ApiKeyId)> {
    let claims: AccessClaims = jsonwebtoken::dangerous::insecure_decode_claims(token).ok()?;
    Some((
        TenantId::from_uuid(claims.tenant),
        ApiKeyId::from_uuid(claims.sub),
    ))
}

/// The token's claims if `key` signed it (HS256 only), it names that key, its tenant
/// and our issuer, and it has not expired at `now`.
pub fn verify(key: &ApiKey, token: &str, now: DateTime<Utc>) -> Option<AccessClaims> {
    let mut rules = Validation::new(Algorithm::HS256);
    rules.set_issuer(&[ISSUER]);
    rules.set_required_spec_claims(&["iss", "sub", "exp"]);
    rules.sub = Some(key.id.as_uuid().to_string());
    // `exp` is compared with the caller's clock below, not with the system time.
    rules.validate_exp = false;
    let secret = DecodingKey::from_secret(&signing_secret(key)?).ok()?;
    let claims = jsonwebtoken::decode::<AccessClaims>(token, &secret, &rules)
        .ok()?
        .claims;
    let valid =
        Some(TenantId::from_uuid(claims.tenant)) == key.tenant_id && claims.exp > now.timestamp();
    valid.then_some(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_keys::{digest_secret, mint_secret};
    use crate::auth::{Binding, Role};
    use crate::values::Name;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

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
            created_at: crate::testing::now(),
            expires_at: None,
            last_used_at: None,
            revoked_at: None,
            issued_by: None,
        }
    }

    #[test]
    fn a_token_verifies_with_its_own_key_until_it_expires() {
        let (key, now) = (key(), crate::testing::now());
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
        let (key, now) = (key(), crate::testing::now());
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

    #[test]
    fn only_hs256_is_believed() {
        let (key, now) = (key(), crate::testing::now());
        let token = issue(&key, now).unwrap().token;
        let claims = token.split('.').nth(1).unwrap();
        let none = format!(
            "{}.{claims}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#)
        );
        assert!(verify(&key, &none, now).is_none(), "alg none");
        let secret = EncodingKey::from_secret(&signing_secret(&key).unwrap()).unwrap();
        let claims = verify(&key, &token, now).unwrap();
        let other = jsonwebtoken::encode(&Header::new(Algorithm::HS512), &claims, &secret).unwrap();
        assert!(verify(&key, &other, now).is_none(), "another algorithm");
    }

    #[test]
    fn a_token_naming_another_key_or_issuer_is_refused() {
        let (key, now) = (key(), crate::testing::now());
        let secret = EncodingKey::from_secret(&signing_secret(&key).unwrap()).unwrap();
        let mut claims = verify(&key, &issue(&key, now).unwrap().token, now).unwrap();
        claims.sub = Uuid::now_v7();
        let other_key =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &secret).unwrap();
        assert!(verify(&key, &other_key, now).is_none());
        claims.sub = key.id.as_uuid();
        claims.iss = "someone".to_owned();
        let other_issuer =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &secret).unwrap();
        assert!(verify(&key, &other_issuer, now).is_none());
    }
}
