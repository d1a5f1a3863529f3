//! The documents of Open Badges 3.0 (on the W3C Verifiable Credentials data model
//! 2.0), secured as VC-JWTs (VC-JOSE-COSE: `typ: vc+jwt`, `alg: EdDSA`, the payload
//! the credential itself), the issuer's keys as JWKs, and Bitstring Status Lists.
//! JWTs are made and checked by `jsonwebtoken`; keys are made by `ed25519-dalek`.

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{IssuerKey, LIST_BITS, SigningKey, StatusEntry};
use crate::error::{DomainError, DomainResult};
use crate::ids::{IssuerKeyId, TenantId};
use crate::vocabularies::Vocabulary;

/// The contexts of an Open Badges 3.0 credential, in the order the specification
/// requires.
pub const OB_CONTEXT: [&str; 2] = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
];
/// The media type of a VC-JWT.
pub const VC_JWT: &str = "application/vc+jwt";

/// Where a city's documents live, under the API's public address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerUrls {
    /// The API's public address: `https://host`.
    base: String,
    /// `https://host/v1/tenants/{tenant}`.
    tenant: String,
}

impl IssuerUrls {
    /// `base` is the API's public address (scheme and host).
    pub fn new(base: &str, tenant_slug: &str) -> Self {
        let base = base.trim_end_matches('/').to_owned();
        Self {
            tenant: format!("{base}/v1/tenants/{tenant_slug}"),
            base,
        }
    }

    /// The issuer profile's id (and address).
    pub fn issuer(&self) -> String {
        format!("{}/issuer", self.tenant)
    }

    /// Where the status lists are: each at this and its number.
    fn status_lists(&self) -> String {
        format!("{}/credential-status/", self.tenant)
    }

    pub fn status_list(&self, list: u32) -> String {
        format!("{}{list}", self.status_lists())
    }

    pub fn credential(&self, id: impl std::fmt::Display) -> String {
        format!("{}/credentials/{id}", self.tenant)
    }

    pub fn work_visit(&self, id: impl std::fmt::Display) -> String {
        format!("{}/work-visits/{id}", self.tenant)
    }

    /// The tenant slug of an issuer id under `base`, if it is one.
    pub fn slug_of_issuer<'a>(base: &str, issuer_id: &'a str) -> Option<&'a str> {
        let rest = issuer_id
            .strip_prefix(base.trim_end_matches('/'))?
            .strip_prefix("/v1/tenants/")?;
        let slug = rest.strip_suffix("/issuer")?;
        (!slug.is_empty() && !slug.contains('/')).then_some(slug)
    }
}

/// The city as an Open Badges issuer `Profile`.
pub fn profile(urls: &IssuerUrls, name: &str) -> Value {
    json!({
        "id": urls.issuer(),
        "type": ["Profile"],
        "name": name,
        "url": urls.base,
    })
}

/// A new Ed25519 key for the city, from the operating system's randomness.
pub fn new_key(tenant: TenantId, generation: i64, now: DateTime<Utc>) -> DomainResult<IssuerKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| DomainError::Internal(format!("no randomness for a signing key: {e}")))?;
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
    let public_key = signing.verifying_key().to_bytes();
    let der = signing
        .to_pkcs8_der()
        .map_err(|e| DomainError::Internal(format!("signing key not encoded: {e}")))?;
    Ok(IssuerKey {
        id: IssuerKeyId::new(),
        tenant_id: tenant,
        generation,
        kid: thumbprint(&public_key),
        public_key,
        private_key: Some(SigningKey(der.as_bytes().to_vec())),
        created_at: now,
    })
}

/// The RFC 7638 thumbprint of an Ed25519 public key's JWK: its `kid`.
pub fn thumbprint(public_key: &[u8; 32]) -> String {
    let canonical = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(public_key)
    );
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// `payload` signed as a VC-JWT with `key`.
pub fn sign(payload: &Value, key: &IssuerKey) -> DomainResult<String> {
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some("vc+jwt".to_owned());
    header.kid = Some(key.kid.clone());
    let private = key.private_key.as_ref().ok_or_else(|| {
        DomainError::Internal(format!(
            "signing key {} is sealed with a key this server was not given (DRIEHOEK_SECRETS_KEY)",
            key.kid
        ))
    })?;
    let encoding = EncodingKey::from_ed_der(&private.0);
    jsonwebtoken::encode(&header, payload, &encoding)
        .map_err(|e| DomainError::Internal(format!("credential not signed: {e}")))
}

/// The longest VC-JWT the verifier reads.
pub const MAX_JWT_BYTES: usize = 65_536;

/// The `kid` a compact JWS names, or why it is not one.
pub fn kid_of(jwt: &str) -> Result<Option<String>, String> {
    let base64url = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if jwt.len() > MAX_JWT_BYTES {
        return Err(format!("at most {MAX_JWT_BYTES} bytes"));
    }
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 || !parts.iter().all(|p| base64url(p)) {
        return Err(
            "not a compact JWS (a VC-JWT: three base64url parts joined by dots)".to_owned(),
        );
    }
    let header = jsonwebtoken::decode_header(jwt)
        .map_err(|_| "not a compact JWS (a VC-JWT: three base64url parts)".to_owned())?;
    if header.alg != Algorithm::EdDSA {
        return Err("Driehoek credentials are signed with EdDSA".to_owned());
    }
    Ok(header.kid)
}

/// A JWT's payload as JSON, unchecked; `None` when it is not JSON.
pub fn payload(jwt: &str) -> Option<Value> {
    let part = jwt.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The payload when `jwt` is signed by `public_key`, else `None`. Only the signature
/// is checked: validity dates and status are the verifier's to judge.
pub fn verified_payload(jwt: &str, public_key: &[u8; 32]) -> Option<Value> {
    let key = DecodingKey::from_ed_components(&URL_SAFE_NO_PAD.encode(public_key)).ok()?;
    let mut rules = Validation::new(Algorithm::EdDSA);
    rules.required_spec_claims.clear();
    rules.validate_exp = false;
    rules.validate_nbf = false;
    rules.validate_aud = false;
    jsonwebtoken::decode::<Value>(jwt, &key, &rules)
        .ok()
        .map(|data| data.claims)
}

/// An RFC 3339 time as credentials write it (seconds, `Z`).
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A credential's `credentialStatus`: a revocation entry of a Bitstring Status List.
pub fn status_entry(urls: &IssuerUrls, entry: StatusEntry) -> Value {
    let list = urls.status_list(entry.list);
    json!({
        "id": format!("{list}#{}", entry.index),
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": entry.index.to_string(),
        "statusListCredential": list,
    })
}

/// The status list entry a credential names, when it is one of `urls`' lists.
pub fn entry_of(credential: &Value, urls: &IssuerUrls) -> Option<StatusEntry> {
    let status = credential.get("credentialStatus")?;
    let list_url = status.get("statusListCredential")?.as_str()?;
    let list = list_url.strip_prefix(&urls.status_lists())?.parse().ok()?;
    let index: u32 = status.get("statusListIndex")?.as_str()?.parse().ok()?;
    (index < LIST_BITS).then_some(StatusEntry { list, index })
}

/// `revoked` as a Bitstring Status List's `encodedList`: the bits (index 0 the first
/// byte's highest bit), GZIP-compressed, multibase base64url (`u…`).
pub fn encoded_list(revoked: &[u32]) -> DomainResult<String> {
    let mut bits = vec![0u8; (LIST_BITS / 8) as usize];
    for &index in revoked.iter().filter(|&&i| i < LIST_BITS) {
        bits[(index / 8) as usize] |= 0x80 >> (index % 8);
    }
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let compressed = gzip
        .write_all(&bits)
        .and_then(|()| gzip.finish())
        .map_err(|e| DomainError::Internal(format!("status list not compressed: {e}")))?;
    Ok(format!("u{}", URL_SAFE_NO_PAD.encode(compressed)))
}

/// The status list credential of list `list` (to be signed like any credential).
pub fn status_list_credential(
    urls: &IssuerUrls,
    issuer: Value,
    list: u32,
    revoked: &[u32],
    now: DateTime<Utc>,
) -> DomainResult<Value> {
    let id = urls.status_list(list);
    Ok(json!({
        "@context": [OB_CONTEXT[0]],
        "id": id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": timestamp(now),
        "credentialSubject": {
            "id": format!("{id}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list(revoked)?,
        },
    }))
}

/// An alignment of an achievement to a framework's item (`targetUrl` is required).
pub fn alignment(framework: &str, code: &str, name: &str, url: String) -> Value {
    json!({
        "type": ["Alignment"],
        "targetFramework": framework,
        "targetCode": code,
        "targetName": name,
        "targetUrl": url,
    })
}

/// The alignment to one term of a Driehoek vocabulary (its code's anchor on the
/// vocabulary's public page).
pub fn vocabulary_alignment<V: Vocabulary>(urls: &IssuerUrls, framework: &str, term: V) -> Value {
    alignment(
        framework,
        term.code(),
        term.label_en(),
        format!("{}/v1/vocabularies/{}#{}", urls.base, V::NAME, term.code()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_list_sets_the_bits_of_its_revoked_entries_from_the_left() {
        let encoded = encoded_list(&[0, 9, LIST_BITS - 1]).unwrap();
        let compressed = URL_SAFE_NO_PAD.decode(&encoded[1..]).unwrap();
        let mut bits = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&compressed[..]),
            &mut bits,
        )
        .unwrap();
        assert!(encoded.starts_with('u'));
        assert_eq!(bits.len(), 16_384);
        assert_eq!(bits[0], 0b1000_0000);
        assert_eq!(bits[1], 0b0100_0000);
        assert_eq!(bits[16_383], 0b0000_0001);
        assert_eq!(bits.iter().map(|b| b.count_ones()).sum::<u32>(), 3);
    }

    #[test]
    fn a_signed_payload_verifies_under_its_key_and_no_other() {
        let now = crate::testing::now();
        let key = new_key(TenantId::new(), 1, now).unwrap();
        let other = new_key(TenantId::new(), 1, now).unwrap();
        let jwt = sign(&json!({"name": "x"}), &key).unwrap();
        assert_eq!(kid_of(&jwt).unwrap().as_deref(), Some(key.kid.as_str()));
        assert_eq!(
            verified_payload(&jwt, &key.public_key),
            Some(json!({"name": "x"}))
        );
        assert_eq!(verified_payload(&jwt, &other.public_key), None);
        let header = payload(&format!("x.{}", jwt.split('.').next().unwrap())).unwrap();
        assert_eq!(header["typ"], "vc+jwt");
    }

    #[test]
    fn an_issuer_id_names_its_tenant_only_under_this_base() {
        let urls = IssuerUrls::new("https://api.example/", "rotterdam");
        assert_eq!(
            urls.issuer(),
            "https://api.example/v1/tenants/rotterdam/issuer"
        );
        let base = "https://api.example";
        assert_eq!(
            IssuerUrls::slug_of_issuer(base, &urls.issuer()),
            Some("rotterdam")
        );
        assert_eq!(
            IssuerUrls::slug_of_issuer("https://other", &urls.issuer()),
            None
        );
        assert_eq!(
            IssuerUrls::slug_of_issuer(base, "https://api.example/v1/tenants/a/b/issuer"),
            None
        );
        let credential =
            json!({"credentialStatus": status_entry(&urls, StatusEntry { list: 3, index: 7 })});
        assert_eq!(
            entry_of(&credential, &urls),
            Some(StatusEntry { list: 3, index: 7 })
        );
        let elsewhere = IssuerUrls::new(base, "utrecht");
        assert_eq!(entry_of(&credential, &elsewhere), None);
    }
}
