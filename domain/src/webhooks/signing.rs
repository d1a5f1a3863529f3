//! Standard Webhooks signatures: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`,
//! one per signing secret, separated by spaces.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::Secret;

/// The `webhook-signature` header for a message signed with each of `secrets`.
pub fn signature_header(
    secrets: &[&Secret],
    message_id: &str,
    timestamp: i64,
    body: &str,
) -> Result<String, String> {
    let mut signatures = Vec::with_capacity(secrets.len());
    for secret in secrets {
        let mut mac = Hmac::<Sha256>::new_from_slice(&secret.key()?)
            .map_err(|e| format!("unusable webhook secret: {e}"))?;
        mac.update(format!("{message_id}.{timestamp}.{body}").as_bytes());
        signatures.push(format!(
            "v1,{}",
            STANDARD.encode(mac.finalize().into_bytes())
        ));
    }
    Ok(signatures.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's reference libraries.
    #[test]
    fn signs_as_the_specification_example() {
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let Ok(secret) = secret else {
            panic!("the example secret parses");
        };
        let header = signature_header(
            &[&secret],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(
            header.as_deref(),
            Ok("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn a_rotation_signs_with_both_secrets() {
        let (Ok(a), Ok(b)) = (Secret::generate(), Secret::generate()) else {
            panic!("secrets are made");
        };
        let both = signature_header(&[&a, &b], "msg_1", 1, "{}").unwrap_or_default();
        let one = signature_header(&[&a], "msg_1", 1, "{}").unwrap_or_default();
        let other = signature_header(&[&b], "msg_1", 1, "{}").unwrap_or_default();
        assert_eq!(both, format!("{one} {other}"));
        assert_ne!(one, other);
    }
}
