//! Secrets the server must read back (webhook signing secrets: it signs with them)
//! sealed at rest with AES-256-GCM, so a copy of the database or a backup does not
//! let its holder sign deliveries as the city.
//!
//! The operator gives one or more 256-bit keys (`DRIEHOEK_SECRETS_KEY`, base64,
//! comma-separated): the first seals, every one opens. A stored value reads
//! `sealed:v1:<key id>:<base64url of nonce, ciphertext and tag>`; the key id names
//! the key without revealing it, and the row's identity is authenticated with the
//! ciphertext, so a sealed value copied to another row or column does not open.
//! Values written before any key was given are stored as they are and still read;
//! [`crate::Database::reseal_secrets`] seals them (and re-seals values of older keys)
//! at start-up.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};

const PREFIX: &str = "sealed:v1:";
const KEY_LEN: usize = 32;

/// The keys that seal and open stored secrets; with none, secrets are stored as given.
#[derive(Clone, Default)]
pub struct Sealer {
    /// The first seals; all open.
    keys: Vec<SealingKey>,
}

#[derive(Clone)]
struct SealingKey {
    id: String,
    key: LessSafeKey,
}

/// Why a stored value does not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unsealed {
    #[error("sealed with key {0}, which this server was not given")]
    UnknownKey(String),
    #[error("sealed value does not open: altered, or not sealed for this row")]
    Corrupt,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("key_ids", &self.key_ids())
            .finish()
    }
}

impl Sealer {
    /// Keys from configuration: base64 of 32 bytes each, comma-separated, the sealing
    /// key first. An empty text gives none.
    pub fn from_config(text: &str) -> Result<Self, String> {
        let mut keys = Vec::new();
        for (index, part) in text.split(',').map(str::trim).enumerate() {
            if part.is_empty() {
                continue;
            }
            let bytes = STANDARD
                .decode(part)
                .ok()
                .filter(|b| b.len() == KEY_LEN)
                .ok_or_else(|| {
                    format!(
                        "DRIEHOEK_SECRETS_KEY: key {} is not the base64 of 32 bytes (make one with `openssl rand -base64 32`)",
                        index + 1
                    )
                })?;
            keys.push(SealingKey::new(&bytes)?);
        }
        let mut ids: Vec<&str> = keys.iter().map(|k| k.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        if ids.len() != keys.len() {
            return Err("DRIEHOEK_SECRETS_KEY names a key twice".to_owned());
        }
        Ok(Self { keys })
    }

    /// Whether new secrets are sealed (a key was given).
    pub fn seals(&self) -> bool {
        !self.keys.is_empty()
    }

    /// The ids of the keys, the sealing one first.
    pub fn key_ids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.id.as_str()).collect()
    }

    /// `plain` as it is to be stored for the row named by `context`.
    pub(crate) fn seal(&self, plain: &str, context: &str) -> Result<String, String> {
        let Some(key) = self.keys.first() else {
            return Ok(plain.to_owned());
        };
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| "no randomness from the OS for a nonce".to_owned())?;
        let mut sealed = plain.as_bytes().to_vec();
        key.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| "sealing failed".to_owned())?;
        let mut bytes = Vec::with_capacity(NONCE_LEN + sealed.len());
        bytes.extend_from_slice(&nonce);
        bytes.extend_from_slice(&sealed);
        Ok(format!(
            "{PREFIX}{}:{}",
            key.id,
            URL_SAFE_NO_PAD.encode(bytes)
        ))
    }

    /// The secret a stored value holds for the row named by `context`.
    pub(crate) fn open(&self, stored: &str, context: &str) -> Result<String, Unsealed> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let (id, encoded) = rest.split_once(':').ok_or(Unsealed::Corrupt)?;
        let key = self
            .keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| Unsealed::UnknownKey(id.to_owned()))?;
        let mut bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| Unsealed::Corrupt)?;
        if bytes.len() < NONCE_LEN {
            return Err(Unsealed::Corrupt);
        }
        let mut sealed = bytes.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&bytes).map_err(|_| Unsealed::Corrupt)?;
        let plain = key
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut sealed)
            .map_err(|_| Unsealed::Corrupt)?;
        String::from_utf8(plain.to_vec()).map_err(|_| Unsealed::Corrupt)
    }

    /// Whether `stored` is as this sealer would store it now: sealed with the sealing
    /// key, or, with no key, not sealed.
    pub(crate) fn is_current(&self, stored: &str) -> bool {
        match (self.keys.first(), stored.strip_prefix(PREFIX)) {
            (None, None) => true,
            (Some(key), Some(rest)) => rest.split_once(':').is_some_and(|(id, _)| id == key.id),
            _ => false,
        }
    }

    /// What `stored` (for the row named by `context`) is to be replaced with so it is
    /// as this sealer would store it now: `Ok(None)` when it is already, `Err` when it
    /// cannot be (no key of this sealer opens it).
    pub(crate) fn resealed(&self, stored: &str, context: &str) -> Result<Option<String>, Unsealed> {
        if self.is_current(stored) {
            return Ok(None);
        }
        let plain = self.open(stored, context)?;
        self.seal(&plain, context)
            .map(Some)
            .map_err(|_| Unsealed::Corrupt)
    }
}

impl SealingKey {
    fn new(bytes: &[u8]) -> Result<Self, String> {
        let key = UnboundKey::new(&AES_256_GCM, bytes)
            .map_err(|_| "DRIEHOEK_SECRETS_KEY: not an AES-256 key".to_owned())?;
        // The id: a digest of the key under a label of its own, never the key.
        let digest = Sha256::new()
            .chain_update(b"driehoek sealing key id\0")
            .chain_update(bytes)
            .finalize();
        Ok(Self {
            id: hex::encode(&digest[..4]),
            key: LessSafeKey::new(key),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> String {
        STANDARD.encode([byte; KEY_LEN])
    }

    #[test]
    fn a_sealed_secret_opens_for_its_row_only_and_hides_its_text() {
        let sealer = Sealer::from_config(&key(1)).expect("a key");
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let sealed = sealer.seal(secret, "endpoint a").expect("sealed");
        assert!(sealed.starts_with(PREFIX), "{sealed}");
        assert!(!sealed.contains("MfKQ9r8GKYqr"), "{sealed}");
        assert_eq!(sealer.open(&sealed, "endpoint a").as_deref(), Ok(secret));
        assert_eq!(
            sealer.open(&sealed, "endpoint b"),
            Err(Unsealed::Corrupt),
            "moved to another row"
        );
        // Fresh nonces: the same secret seals differently each time.
        assert_ne!(sealed, sealer.seal(secret, "endpoint a").expect("sealed"));
        // Any altered character fails to open.
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 1;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).expect("ascii");
        assert_eq!(sealer.open(&altered, "endpoint a"), Err(Unsealed::Corrupt));
        assert_eq!(
            sealer.open("sealed:v1:nonsense", "endpoint a"),
            Err(Unsealed::Corrupt)
        );
    }

    #[test]
    fn the_first_key_seals_and_every_key_opens() {
        let old = Sealer::from_config(&key(1)).expect("a key");
        let both = Sealer::from_config(&format!("{}, {}", key(2), key(1))).expect("two keys");
        let sealed_before = old.seal("whsec_b2xk", "row").expect("sealed");
        assert_eq!(
            both.open(&sealed_before, "row").as_deref(),
            Ok("whsec_b2xk")
        );
        assert!(!both.is_current(&sealed_before), "sealed by the older key");
        let sealed_now = both.seal("whsec_b2xk", "row").expect("sealed");
        assert!(both.is_current(&sealed_now));
        assert_eq!(both.key_ids()[1], old.key_ids()[0]);
        // A server without the new key names the key it lacks.
        assert_eq!(
            old.open(&sealed_now, "row"),
            Err(Unsealed::UnknownKey(both.key_ids()[0].to_owned()))
        );
    }

    #[test]
    fn without_keys_secrets_are_kept_as_given_and_still_read() {
        let none = Sealer::from_config("").expect("no key");
        assert!(!none.seals());
        assert_eq!(none.seal("whsec_b2xk", "row").as_deref(), Ok("whsec_b2xk"));
        assert!(none.is_current("whsec_b2xk"));
        let sealer = Sealer::from_config(&key(3)).expect("a key");
        assert_eq!(
            sealer.open("whsec_b2xk", "row").as_deref(),
            Ok("whsec_b2xk")
        );
        assert!(!sealer.is_current("whsec_b2xk"), "to be sealed at start-up");
        let sealed = sealer.seal("whsec_b2xk", "row").expect("sealed");
        assert!(matches!(
            none.open(&sealed, "row"),
            Err(Unsealed::UnknownKey(_))
        ));
    }

    #[test]
    fn bad_keys_are_refused_with_one_clear_line() {
        for bad in ["not base64!", "c2hvcnQ=", &format!("{},{}", key(1), key(1))] {
            let error = Sealer::from_config(bad).expect_err(bad);
            assert!(error.starts_with("DRIEHOEK_SECRETS_KEY"), "{error}");
            assert!(!error.contains('\n'), "{error}");
        }
        // Debug output names keys by id, never by their bytes.
        let sealer = Sealer::from_config(&key(1)).expect("a key");
        let shown = format!("{sealer:?}");
        assert!(shown.contains(sealer.key_ids()[0]), "{shown}");
        assert!(
            !shown.contains(&key(1)) && !shown.contains("[1, 1"),
            "{shown}"
        );
    }
}
