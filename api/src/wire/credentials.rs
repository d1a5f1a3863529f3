//! Credentials on the wire (DESIGN.md §4 "credentials"). A credential's JSON is the
//! Open Badges document itself, exactly the payload of its VC-JWT; the records around
//! it (a pupil's list, a revocation) say where it stands.

use chrono::{DateTime, Utc};
use driehoek_domain::credentials::{Credential, IssuerKey, StatusCheck, Verification};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

/// An `OpenBadgeCredential` (Open Badges 3.0 on the W3C Verifiable Credentials data
/// model 2.0): `@context`, `id`, `type`, `issuer`, `validFrom`, `name`,
/// `credentialSubject` (with its `achievement`), `evidence`, `credentialStatus`.
/// The same JSON is the payload of the credential's VC-JWT.
#[derive(Debug, Serialize, ToSchema)]
#[schema(value_type = Object, example = json!({
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
    "id": "https://api.example/v1/tenants/rotterdam/credentials/0193a1b2-0000-7000-8000-000000000001",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {"id": "https://api.example/v1/tenants/rotterdam/issuer", "type": ["Profile"], "name": "Gemeente Rotterdam", "url": "https://api.example"},
    "validFrom": "2027-03-02T15:00:00Z",
    "name": "Work visit: A day at the port",
    "credentialSubject": {"id": "urn:uuid:5b1c1f8e-4d1a-4c1e-9b8a-2f0c4b7a9d11", "type": ["AchievementSubject"],
        "achievement": {"id": "https://api.example/v1/tenants/rotterdam/work-visits/0193a1b2-0000-7000-8000-000000000002", "type": ["Achievement"],
            "achievementType": "Fieldwork", "name": "A day at the port", "description": "What a port does, on the quay.",
            "criteria": {"narrative": "Took part in the work visit."}, "alignment": []}},
    "evidence": [{"type": ["Evidence"], "name": "Work visit at Havenbedrijf", "narrative": "2027-03-02: 4.0 hours at Havenbedrijf."}],
    "credentialStatus": {"id": "https://api.example/v1/tenants/rotterdam/credential-status/1#9120", "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": "9120", "statusListCredential": "https://api.example/v1/tenants/rotterdam/credential-status/1"}
}))]
pub struct OpenBadgeCredentialOut(pub Value);

/// A credential held for a pupil, with where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialRecordOut {
    pub id: Uuid,
    pub booking_id: Uuid,
    pub issued_at: DateTime<Utc>,
    /// When the school revoked it (or the pupil's erasure did); `null` while valid.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The `kid` of the key that signed it (in the issuer's JWKS).
    pub kid: String,
    /// The credential's JSON.
    pub credential: OpenBadgeCredentialOut,
    /// The same credential as a VC-JWT (`application/vc+jwt`): what a wallet stores.
    pub jwt: String,
}

impl From<Credential> for CredentialRecordOut {
    fn from(c: Credential) -> Self {
        Self {
            id: c.id.as_uuid(),
            booking_id: c.booking_id.as_uuid(),
            issued_at: c.issued_at,
            revoked_at: c.revoked_at,
            credential: OpenBadgeCredentialOut(c.document()),
            kid: c.kid,
            jwt: c.jwt,
        }
    }
}

/// Ask for a credential for a visit the pupil went to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialIn {
    /// A completed booking that names the pupil as present.
    pub booking_id: Uuid,
    /// Put the pupil's display name in the credential (as an `IdentityObject` of type
    /// `name`); without it the pupil is only an opaque `urn:uuid:` id.
    #[serde(default)]
    pub include_name: bool,
}

/// The city as Open Badges issuer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(value_type = Object, example = json!({
    "id": "https://api.example/v1/tenants/rotterdam/issuer", "type": ["Profile"],
    "name": "Gemeente Rotterdam", "url": "https://api.example"
}))]
pub struct IssuerProfileOut(pub Value);

/// An Ed25519 public key as a JWK (RFC 8037).
#[derive(Debug, Serialize, ToSchema)]
pub struct JwkOut {
    #[schema(example = "OKP")]
    pub kty: &'static str,
    #[schema(example = "Ed25519")]
    pub crv: &'static str,
    /// base64url of the 32-byte public key.
    pub x: String,
    /// The key's RFC 7638 thumbprint; a credential's JWT header names it.
    pub kid: String,
    #[schema(example = "EdDSA")]
    pub alg: &'static str,
    #[serde(rename = "use")]
    #[schema(example = "sig")]
    pub usage: &'static str,
}

impl From<&IssuerKey> for JwkOut {
    fn from(key: &IssuerKey) -> Self {
        use base64::Engine;
        Self {
            kty: "OKP",
            crv: "Ed25519",
            x: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.public_key),
            kid: key.kid.clone(),
            alg: "EdDSA",
            usage: "sig",
        }
    }
}

/// The issuer's public keys, oldest first; the last signs new credentials.
#[derive(Debug, Serialize, ToSchema)]
pub struct JwksOut {
    pub keys: Vec<JwkOut>,
}

/// A credential to verify.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyIn {
    /// The VC-JWT (compact JWS), as a wallet holds it.
    #[schema(
        min_length = 5,
        max_length = 65_536,
        pattern = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
    )]
    pub credential: String,
}

/// A credential status as the verifier found it.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusOut {
    Active,
    Revoked,
    /// No status entry, or one outside the issuer's lists.
    Unknown,
}

/// The issuer a credential names, when it is a Driehoek city.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifiedIssuerOut {
    pub id: String,
    pub name: String,
}

/// What a verification found.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationOut {
    /// The signature is valid under a key the issuer publishes, the status is
    /// `active`, and the credential is within its validity.
    pub verified: bool,
    pub signature_valid: bool,
    pub issuer: Option<VerifiedIssuerOut>,
    /// The `kid` the JWT header names.
    pub kid: Option<String>,
    pub status: StatusOut,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub expired: bool,
    pub not_yet_valid: bool,
    /// The credential's JSON, when the signature is valid.
    #[schema(value_type = Option<Object>)]
    pub credential: Option<Value>,
}

impl From<Verification> for VerificationOut {
    fn from(v: Verification) -> Self {
        Self {
            verified: v.verified,
            signature_valid: v.signature_valid,
            issuer: v.issuer.map(|(id, name)| VerifiedIssuerOut { id, name }),
            kid: v.kid,
            status: match v.status {
                StatusCheck::Active => StatusOut::Active,
                StatusCheck::Revoked => StatusOut::Revoked,
                StatusCheck::Unknown => StatusOut::Unknown,
            },
            valid_from: v.valid_from,
            valid_until: v.valid_until,
            expired: v.expired,
            not_yet_valid: v.not_yet_valid,
            credential: v.credential,
        }
    }
}

/// A Bitstring Status List credential: the JSON of its VC-JWT.
#[derive(Debug, Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct StatusListOut(pub Value);
