//! Guardian invitations (DESIGN.md §3.10): parents have no account and need none. The
//! pupil's school sends a link; the page behind it lets a parent decide the consents
//! the school asks about and agree to the route plan, as the guardian, with the
//! invitation as evidence. Only a digest of the link's secret is kept.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::ids::{ApiKeyId, InvitationId, SchoolId, StudentId, TenantId};
use crate::vocabularies::ConsentPurpose;

/// Where an invitation's link starts: `dhi_` and 43 base62 characters.
pub const INVITATION_PREFIX: &str = "dhi_";
/// How many days an invitation may stay open.
pub const INVITATION_DAYS: std::ops::RangeInclusive<i64> = 1..=30;

vocabulary! {
    /// The language of the parents' page.
    pub enum PageLanguage = "invitation_languages" {
        Nl => "nl", "Dutch", "Nederlands";
        En => "en", "English", "Engels";
    }
}

vocabulary! {
    /// Where an invitation stands.
    pub enum InvitationStatus = "invitation_statuses" {
        Open => "open", "Open: not answered yet", "Open: nog niet beantwoord";
        Used => "used", "Answered (and open to changes until it expires)", "Beantwoord (en te wijzigen tot het verloopt)";
        Expired => "expired", "Expired", "Verlopen";
        Revoked => "revoked", "Revoked by the school", "Ingetrokken door de school";
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardianInvitation {
    pub id: InvitationId,
    pub tenant_id: TenantId,
    pub student_id: StudentId,
    /// The school that sent it: it stops working when the pupil moves on.
    pub school_id: SchoolId,
    pub purposes: Vec<ConsentPurpose>,
    /// Whether the parent is asked to agree to the route plan.
    pub route_plan: bool,
    pub language: PageLanguage,
    /// Hex SHA-256 of the link's secret.
    pub digest: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// When the parent last submitted the page.
    pub used_at: Option<DateTime<Utc>>,
    /// The key that made it.
    pub created_by: Option<ApiKeyId>,
}

impl GuardianInvitation {
    pub fn status_at(&self, now: DateTime<Utc>) -> InvitationStatus {
        if self.revoked_at.is_some() {
            InvitationStatus::Revoked
        } else if self.expires_at <= now {
            InvitationStatus::Expired
        } else if self.used_at.is_some() {
            InvitationStatus::Used
        } else {
            InvitationStatus::Open
        }
    }

    /// Whether the page opens: neither revoked nor expired.
    pub fn is_open_at(&self, now: DateTime<Utc>) -> bool {
        matches!(
            self.status_at(now),
            InvitationStatus::Open | InvitationStatus::Used
        )
    }
}

/// What a school asks for when it invites a guardian.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitation {
    pub purposes: Vec<ConsentPurpose>,
    pub route_plan: bool,
    pub language: PageLanguage,
    pub expires_in_days: i64,
}

/// A parent's answer on the page: a decision per purpose asked, and the plan version
/// agreed to (the one the page showed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvitationAnswer {
    pub decisions: Vec<(ConsentPurpose, crate::students::ConsentStatus)>,
    pub agree_to_version: Option<i64>,
}

/// How long the page's form token stays good: a parent may take their time.
pub const FORM_TOKEN_SECS: i64 = 2 * 60 * 60;

fn form_mac(digest: &str, issued: i64) -> Option<Hmac<Sha256>> {
    let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(digest.as_bytes()).ok()?;
    Some(mac.chain_update(format!("driehoek form v1|{issued}").as_bytes()))
}

/// The page's form token for the invitation whose link's secret has `digest`, issued
/// at `now`: `<unix time>.<HMAC>`, keyed by the digest (never the secret itself), so
/// only a page served for this invitation can post its form.
pub fn form_token(digest: &str, now: DateTime<Utc>) -> String {
    let issued = now.timestamp();
    let mac = form_mac(digest, issued)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default();
    format!("{issued}.{mac}")
}

/// Whether `token` is the form token of the invitation with `digest` and not older
/// than [`FORM_TOKEN_SECS`] at `now` (compared in constant time).
pub fn form_token_is_valid(digest: &str, token: &str, now: DateTime<Utc>) -> bool {
    let Some((issued, mac)) = token.split_once('.') else {
        return false;
    };
    let (Ok(issued), Ok(mac)) = (issued.parse::<i64>(), hex::decode(mac)) else {
        return false;
    };
    let age = now.timestamp() - issued;
    (0..=FORM_TOKEN_SECS).contains(&age)
        && form_mac(digest, issued).is_some_and(|m| m.verify_slice(&mac).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_token_is_good_for_its_invitation_for_two_hours() {
        let now = crate::testing::now();
        let digest = "a".repeat(64);
        let token = form_token(&digest, now);
        assert!(form_token_is_valid(&digest, &token, now));
        let later = now + chrono::Duration::seconds(FORM_TOKEN_SECS + 1);
        assert!(!form_token_is_valid(&digest, &token, later));
        assert!(!form_token_is_valid(&"b".repeat(64), &token, now));
        for forged in ["", "1.zz", "x.00", &token.replace('.', "")] {
            assert!(!form_token_is_valid(&digest, forged, now), "{forged}");
        }
    }

    #[test]
    fn an_invitation_is_open_until_it_expires_or_is_revoked_and_used_once_answered() {
        let now = crate::testing::now();
        let mut invitation = GuardianInvitation {
            id: InvitationId::new(),
            tenant_id: TenantId::new(),
            student_id: StudentId::new(),
            school_id: SchoolId::new(),
            purposes: vec![ConsentPurpose::Participation],
            route_plan: true,
            language: PageLanguage::Nl,
            digest: String::new(),
            created_at: now,
            expires_at: now + chrono::Duration::days(14),
            revoked_at: None,
            used_at: None,
            created_by: None,
        };
        assert_eq!(invitation.status_at(now), InvitationStatus::Open);
        invitation.used_at = Some(now);
        assert_eq!(invitation.status_at(now), InvitationStatus::Used);
        assert!(invitation.is_open_at(now));
        let later = now + chrono::Duration::days(14);
        assert_eq!(invitation.status_at(later), InvitationStatus::Expired);
        assert!(!invitation.is_open_at(later));
        invitation.revoked_at = Some(now);
        assert_eq!(invitation.status_at(now), InvitationStatus::Revoked);
    }
}
