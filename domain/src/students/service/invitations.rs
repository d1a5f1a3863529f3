//! Guardian invitations (DESIGN.md §3.10): the school invites a parent by link; the
//! page behind it acts as the guardian for that one pupil, with the invitation as the
//! evidence of every decision and agreement it records. An invitation reaches nothing
//! once revoked or expired, or once the pupil has left the school that sent it.

use chrono::Duration;

use super::*;
use crate::api_keys::{digest_secret, mint_secret_with};
use crate::ids::{ApiKeyId, InvitationId};
use crate::route_maps::NodeCode;
use crate::students::{
    ConsentStatus, GuardianInvitation, INVITATION_DAYS, INVITATION_PREFIX, InvitationAnswer,
    NewInvitation, PageLanguage, current_consents,
};

/// What the parents' page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationView {
    pub invitation: GuardianInvitation,
    pub student: Student,
    pub school_name: Name,
    /// Each purpose asked, with its current state (the latest line of the ledger).
    pub purposes: Vec<(ConsentPurpose, Option<ConsentStatus>)>,
    /// The current plan, when the parent is asked to agree to it.
    pub plan: Option<PlanShown>,
}

/// The pupil's current plan as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanShown {
    pub version: i64,
    /// The steps by name, in the page's language.
    pub steps: Vec<String>,
    /// Whether a guardian has agreed to this version already.
    pub agreed: bool,
}

/// What became of the agreement a submission asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanAnswer {
    /// No agreement was asked (or the invitation does not ask about the plan).
    NotAsked,
    /// Recorded now, on the version the page showed.
    Agreed,
    /// A guardian had agreed to this version already.
    AlreadyAgreed,
    /// The plan changed after the page was shown: nothing recorded.
    PlanChanged,
}

/// What a submission recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationAnswered {
    pub view: InvitationView,
    pub recorded: Vec<Consent>,
    /// Decisions the rules do not allow (recruitment contact below 16), with why.
    pub not_allowed: Vec<(ConsentPurpose, String)>,
    pub plan: PlanAnswer,
}

/// The state of `purpose` in `ledger`: its latest line's, if any.
fn state_of(ledger: &[Consent], purpose: ConsentPurpose) -> Option<ConsentStatus> {
    current_consents(ledger)
        .into_iter()
        .find(|(p, _)| *p == purpose)
        .and_then(|(_, latest)| latest.map(|c| c.status))
}

/// The page acts as a guardian of the invitation's pupil, under the invitation's id.
fn guardian_of(invitation: &GuardianInvitation, request_id: Option<String>) -> Actor {
    Actor {
        key_id: Some(ApiKeyId::from_uuid(invitation.id.as_uuid())),
        role: Role::Guardian,
        tenant_id: Some(invitation.tenant_id),
        binding: Binding::Student {
            student: invitation.student_id,
            school: invitation.school_id,
        },
        request_id,
    }
}

impl StudentService {
    /// Invites a guardian of the pupil; answers the invitation and the secret of its
    /// link, shown this once.
    pub async fn invite(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        new: NewInvitation,
    ) -> DomainResult<(GuardianInvitation, String)> {
        let student = self.managed(actor, tenant, id).await?;
        let mut errors = crate::error::ValidationErrors::new();
        let purposes = dedup_keep_order(new.purposes);
        if purposes.is_empty() && !new.route_plan {
            errors.add("/purposes", "ask about a purpose, the route plan, or both");
        }
        if !INVITATION_DAYS.contains(&new.expires_in_days) {
            errors.add(
                "/expires_in_days",
                format!(
                    "an invitation stays open {} to {} days",
                    INVITATION_DAYS.start(),
                    INVITATION_DAYS.end()
                ),
            );
        }
        errors.into_result()?;
        let now = self.clock.now();
        let minted = mint_secret_with(INVITATION_PREFIX).map_err(DomainError::Internal)?;
        let invitation = GuardianInvitation {
            id: InvitationId::new(),
            tenant_id: tenant,
            student_id: id,
            school_id: student.school_id,
            purposes,
            route_plan: new.route_plan,
            language: new.language,
            digest: minted.digest,
            created_at: now,
            expires_at: now + Duration::days(new.expires_in_days),
            revoked_at: None,
            used_at: None,
            created_by: actor.key_id,
        };
        let event = self.event(actor, tenant, AuditAction::InvitationCreate, &student);
        self.invitations.insert(&invitation, &event).await?;
        Ok((invitation, minted.secret))
    }

    /// The pupil's invitations (never their secrets), oldest first.
    pub async fn invitations(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        page: PageRequest,
    ) -> DomainResult<Page<GuardianInvitation>> {
        let student = self.managed(actor, tenant, id).await?;
        let rows = self.invitations.list(tenant, id, &page).await?;
        self.audited_read(actor, tenant, AuditAction::InvitationList, &[&student])
            .await?;
        Ok(Page::from_fetched(rows, &page, |i| i.id.as_uuid()))
    }

    /// Revokes one of the pupil's invitations at once. Revoking twice is harmless.
    pub async fn revoke_invitation(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        invitation: InvitationId,
    ) -> DomainResult<()> {
        let student = self.managed(actor, tenant, id).await?;
        let found = self
            .invitations
            .get(tenant, invitation)
            .await?
            .filter(|i| i.student_id == id)
            .ok_or(DomainError::NotFound("guardian invitation"))?;
        if found.revoked_at.is_some() {
            return Ok(());
        }
        let event = self.event(actor, tenant, AuditAction::InvitationRevoke, &student);
        self.invitations
            .revoke(tenant, invitation, self.clock.now(), &event)
            .await
    }

    /// The tenant of the invitation behind a link's secret, if there is one (open or
    /// not): for the page to check the city answers requests before anything is read
    /// or recorded.
    pub async fn invitation_tenant(&self, secret: &str) -> DomainResult<Option<TenantId>> {
        Ok(self
            .invitations
            .find_by_digest(&digest_secret(secret))
            .await?
            .map(|i| i.tenant_id))
    }

    /// The open invitation behind a link's secret, or `NotFound` (unknown, expired,
    /// revoked, or its pupil has left the school that sent it).
    async fn open(
        &self,
        secret: &str,
        request_id: Option<String>,
    ) -> DomainResult<(GuardianInvitation, Actor, Student)> {
        let invitation = self
            .invitations
            .find_by_digest(&digest_secret(secret))
            .await?
            .filter(|i| i.is_open_at(self.clock.now()))
            .ok_or(DomainError::NotFound("guardian invitation"))?;
        let actor = guardian_of(&invitation, request_id);
        let student = self
            .visible(&actor, invitation.tenant_id, invitation.student_id)
            .await?;
        Ok((invitation, actor, student))
    }

    async fn view(
        &self,
        invitation: GuardianInvitation,
        student: Student,
    ) -> DomainResult<InvitationView> {
        let tenant = invitation.tenant_id;
        let school_name = self
            .schools
            .get(tenant, student.school_id)
            .await?
            .map(|s| s.name)
            .ok_or(DomainError::NotFound("school"))?;
        let ledger = self.consents.ledger(tenant, student.id).await?;
        let purposes = invitation
            .purposes
            .iter()
            .map(|p| (*p, state_of(&ledger, *p)))
            .collect();
        let plan = match self.plans.repo.versions(tenant, student.id).await?.pop() {
            Some(plan) if invitation.route_plan => {
                let graph = self
                    .plans
                    .maps
                    .published_graph(tenant, plan.route_map_id)
                    .await?;
                let name = |code: &NodeCode| -> String {
                    let node = graph.as_ref().and_then(|g| g.node(code));
                    match (node, invitation.language) {
                        (Some(n), PageLanguage::Nl) => {
                            n.name_nl.as_ref().unwrap_or(&n.name_en).to_string()
                        }
                        (Some(n), PageLanguage::En) => n.name_en.to_string(),
                        (None, _) => code.as_str().to_owned(),
                    }
                };
                let agreed = plan
                    .agreed()
                    .iter()
                    .any(|a| a.party == AgreedParty::Guardian);
                Some(PlanShown {
                    version: plan.version,
                    steps: plan.steps.iter().map(name).collect(),
                    agreed,
                })
            }
            _ => None,
        };
        Ok(InvitationView {
            invitation,
            student,
            school_name,
            purposes,
            plan,
        })
    }

    /// The parents' page behind a link: audited as a read by the invitation.
    pub async fn open_invitation(
        &self,
        secret: &str,
        request_id: Option<String>,
    ) -> DomainResult<InvitationView> {
        let (invitation, actor, student) = self.open(secret, request_id).await?;
        self.audited_read(
            &actor,
            invitation.tenant_id,
            AuditAction::InvitationOpen,
            &[&student],
        )
        .await?;
        self.view(invitation, student).await
    }

    /// A parent's submission: each decision on a purpose the invitation asks about
    /// goes into the ledger as the guardian's, with the invitation as evidence; the
    /// agreement is recorded on the plan version shown, if it is still the current one.
    /// A decision equal to the purpose's current state adds no line.
    pub async fn answer_invitation(
        &self,
        secret: &str,
        consent_age: u8,
        answer: InvitationAnswer,
        request_id: Option<String>,
    ) -> DomainResult<InvitationAnswered> {
        let (invitation, actor, student) = self.open(secret, request_id).await?;
        let tenant = invitation.tenant_id;
        let ledger = self.consents.ledger(tenant, student.id).await?;
        let asked: Vec<(ConsentPurpose, ConsentStatus)> = answer
            .decisions
            .into_iter()
            .filter(|(p, s)| invitation.purposes.contains(p) && state_of(&ledger, *p) != Some(*s))
            .collect();
        let (mut recorded, mut not_allowed) = (Vec::new(), Vec::new());
        for (purpose, status) in asked {
            let new = NewConsent {
                purpose,
                status,
                given_by: Some(ConsentGiver::Guardian),
            };
            match self
                .decide(
                    &actor,
                    (tenant, student.id),
                    consent_age,
                    new,
                    DecisionChannel::Invitation,
                )
                .await
            {
                Ok(consent) => recorded.push(consent),
                Err(DomainError::RuleBroken { message, .. }) => {
                    not_allowed.push((purpose, message));
                }
                Err(other) => return Err(other),
            }
        }
        let plan = match answer.agree_to_version {
            Some(version) if invitation.route_plan => {
                let evidence = (AgreedParty::Guardian, DecisionChannel::Invitation);
                match self
                    .agree(&actor, (tenant, student.id), Some(version), evidence)
                    .await
                {
                    Ok((_, _, true)) => PlanAnswer::Agreed,
                    Ok((_, _, false)) => PlanAnswer::AlreadyAgreed,
                    Err(DomainError::VersionMismatch { .. }) => PlanAnswer::PlanChanged,
                    Err(other) => return Err(other),
                }
            }
            _ => PlanAnswer::NotAsked,
        };
        self.invitations
            .mark_used(tenant, invitation.id, self.clock.now())
            .await?;
        let event = self.event(&actor, tenant, AuditAction::InvitationAnswer, &student);
        self.audit.record(&[event]).await?;
        let view = self.view(invitation, student).await?;
        Ok(InvitationAnswered {
            view,
            recorded,
            not_allowed,
            plan,
        })
    }
}
