use std::fmt;

use chrono::{DateTime, Utc};

use crate::ids::{BookingId, CredentialId, IssuerKeyId, SchoolId, StudentId, TenantId};

/// How many entries one status list holds: 16 KiB of bits, the least the Bitstring
/// Status List specification allows, so a list does not tell how many were issued.
pub const LIST_BITS: u32 = 131_072;

/// The private half of a signing key: a PKCS#8 document (RFC 8410). Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey(pub Vec<u8>);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

/// One of a city's Ed25519 keys. The newest signs; older ones stay published, so what
/// they signed still verifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerKey {
    pub id: IssuerKeyId,
    pub tenant_id: TenantId,
    /// 1 for the first key, one more at each rotation.
    pub generation: i64,
    /// The key's JWK thumbprint (RFC 7638), named in every JWT it signs.
    pub kid: String,
    /// The 32-byte public key.
    pub public_key: [u8; 32],
    /// `None` when this server cannot open it (sealed with a key it was not given):
    /// the key still verifies, it no longer signs here.
    pub private_key: Option<SigningKey>,
    pub created_at: DateTime<Utc>,
}

/// Where a credential's revocation is published: bit `index` of list `list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusEntry {
    pub list: u32,
    pub index: u32,
}

/// A credential as issued to a pupil.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub id: CredentialId,
    pub tenant_id: TenantId,
    pub student_id: StudentId,
    /// The pupil's school when it was issued.
    pub school_id: SchoolId,
    pub booking_id: BookingId,
    pub status: StatusEntry,
    /// The key that signed it.
    pub kid: String,
    /// The VC-JWT as issued; its payload is the credential's JSON.
    pub jwt: String,
    pub issued_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Credential {
    /// The credential's JSON: the VC-JWT's payload.
    pub fn document(&self) -> serde_json::Value {
        super::document::payload(&self.jwt).unwrap_or(serde_json::Value::Null)
    }
}

/// What the verifier found of a credential's status entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusCheck {
    Active,
    Revoked,
    /// No status entry, or one not in a list of this issuer.
    Unknown,
}

/// What `POST /v1/credentials/verify` answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    /// Signature valid, issuer known, not revoked and within its validity.
    pub verified: bool,
    /// Whether the signature is valid under a published key of the issuer it names.
    pub signature_valid: bool,
    /// The issuer, when it is a Driehoek city: its id and name.
    pub issuer: Option<(String, String)>,
    pub kid: Option<String>,
    pub status: StatusCheck,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    /// `validUntil` has passed.
    pub expired: bool,
    /// `validFrom` is still to come.
    pub not_yet_valid: bool,
    /// The credential's JSON when its signature is valid.
    pub credential: Option<serde_json::Value>,
}
