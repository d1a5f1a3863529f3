//! The pupil's route plan: read with whether its route still exists on the map, its
//! versions, and a new version checked against the published map.

use super::*;

impl StudentService {
    /// The pupil's current plan and whether its route still exists on its map.
    pub async fn route_plan(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
    ) -> DomainResult<PlanView> {
        let student = self.visible(actor, tenant, id).await?;
        let plan = self
            .plans
            .repo
            .versions(tenant, id)
            .await?
            .pop()
            .ok_or(DomainError::NotFound("route plan"))?;
        self.audited_read(actor, tenant, AuditAction::RoutePlanRead, &[&student])
            .await?;
        let status = self.check_plan(tenant, &plan).await?;
        Ok(PlanView { plan, status })
    }

    async fn check_plan(&self, tenant: TenantId, plan: &RoutePlan) -> DomainResult<RouteStatus> {
        Ok(
            match self
                .plans
                .maps
                .published_graph(tenant, plan.route_map_id)
                .await?
            {
                None => RouteStatus::MapUnavailable,
                Some(graph) => route_status(&graph, plan),
            },
        )
    }

    /// Every version of the pupil's plan, newest first.
    pub async fn route_plan_versions(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
    ) -> DomainResult<Vec<RoutePlan>> {
        let student = self.visible(actor, tenant, id).await?;
        let mut versions = self.plans.repo.versions(tenant, id).await?;
        self.audited_read(actor, tenant, AuditAction::RoutePlanRead, &[&student])
            .await?;
        versions.reverse();
        Ok(versions)
    }

    /// Sets the pupil's plan as a new version (the previous ones are kept). Its steps
    /// must follow edges of a published map (422 `route_not_in_map` at the first step
    /// that does not).
    pub async fn set_route_plan(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        new: NewRoutePlan,
        if_match: Option<i64>,
    ) -> DomainResult<PlanView> {
        let student = self.visible(actor, tenant, id).await?;
        if actor.role == Role::Guardian {
            return Err(DomainError::forbidden(
                "the pupil and the school write the plan; a guardian agrees to it",
            ));
        }
        let current = self.plans.repo.versions(tenant, id).await?.pop();
        let version = current.as_ref().map_or(0, |p| p.version);
        check_if_match(version, if_match)?;
        let graph = self
            .plans
            .maps
            .published_graph(tenant, new.route_map_id)
            .await?
            .ok_or_else(|| {
                DomainError::invalid(
                    "/route_map_id",
                    "no such published route map in this tenant",
                )
            })?;
        if new.steps.is_empty() {
            return Err(DomainError::invalid(
                "/steps",
                "a plan has at least one step",
            ));
        }
        for (pointer, list) in [("/steps", &new.steps), ("/plan_b", &new.plan_b)] {
            if let Some((at, why)) = first_break(&graph, pointer, list) {
                return Err(DomainError::rule(
                    crate::error::Rule::RouteNotInMap,
                    at,
                    why,
                ));
            }
        }
        let plan = RoutePlan {
            id: RoutePlanId::new(),
            tenant_id: tenant,
            student_id: id,
            route_map_id: new.route_map_id,
            steps: new.steps,
            target_occupation: new.target_occupation,
            plan_b: new.plan_b,
            helpers: new.helpers,
            notes: new.notes,
            agreed_by: Vec::new(),
            agreements: Vec::new(),
            version: version + 1,
            created_at: self.clock.now(),
        };
        let event = self.event(actor, tenant, AuditAction::RoutePlanWrite, &student);
        match self.plans.repo.insert(&plan, &event).await {
            Ok(()) => Ok(PlanView {
                plan,
                status: RouteStatus::Valid,
            }),
            Err(DomainError::Conflict {
                kind: ConflictKind::Duplicate,
                ..
            }) => Err(DomainError::VersionMismatch {
                current: version + 1,
            }),
            Err(other) => Err(other),
        }
    }

    /// The caller agrees to the current version of the pupil's plan, as who it is: the
    /// pupil's token as `student`, a guardian's as `guardian`, the school's key as the
    /// `mentor`. Agreeing again answers the first agreement. With `If-Match`, only to
    /// the version the caller saw.
    pub async fn agree_to_plan(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        if_match: Option<i64>,
    ) -> DomainResult<(PlanView, PlanAgreement, bool)> {
        let (party, evidence) = match actor.role {
            Role::Pupil => (AgreedParty::Student, DecisionChannel::Token),
            Role::Guardian => (AgreedParty::Guardian, DecisionChannel::Token),
            Role::School => (AgreedParty::Mentor, DecisionChannel::Key),
            _ => {
                return Err(DomainError::forbidden(
                    "the pupil, a guardian or the mentor agrees, each for themselves",
                ));
            }
        };
        self.agree(actor, (tenant, id), if_match, (party, evidence))
            .await
    }

    /// Records `party`'s agreement to the current version (at `if_match`, if given).
    pub(super) async fn agree(
        &self,
        actor: &Actor,
        (tenant, id): (TenantId, StudentId),
        if_match: Option<i64>,
        (party, evidence): (AgreedParty, DecisionChannel),
    ) -> DomainResult<(PlanView, PlanAgreement, bool)> {
        let student = self.visible(actor, tenant, id).await?;
        let mut plan = self
            .plans
            .repo
            .versions(tenant, id)
            .await?
            .pop()
            .ok_or(DomainError::NotFound("route plan"))?;
        check_if_match(plan.version, if_match)?;
        let agreement = PlanAgreement {
            party,
            agreed_at: self.clock.now(),
            evidence,
            evidence_id: actor.key_id.map(|k| k.as_uuid()),
        };
        let event = self.event(actor, tenant, AuditAction::RoutePlanAgree, &student);
        let (stored, created) = self.plans.repo.agree(&plan, &agreement, &event).await?;
        if created {
            plan.agreements.push(stored.clone());
        }
        let status = self.check_plan(tenant, &plan).await?;
        Ok((PlanView { plan, status }, stored, created))
    }
}
