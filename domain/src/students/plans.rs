//! A pupil's route plan: the steps on a route map from where the pupil is now towards
//! a "stip op de horizon", agreed with parents and mentor. Every change keeps the
//! version before it.

use chrono::{DateTime, NaiveDate, Utc};

use crate::ids::{RouteMapId, RoutePlanId, StudentId, TenantId};
use crate::route_maps::{Graph, NodeCode};
use crate::values::{Description, IscoCode, ShortText};

vocabulary! {
    /// Who agreed to a route plan.
    pub enum AgreedParty = "route_plan_parties" {
        Student => "student", "The pupil", "De leerling";
        Guardian => "guardian", "Parent or guardian", "Ouder of voogd";
        Mentor => "mentor", "Mentor", "Mentor";
    }
}

/// The most steps, alternative steps and helpers one plan holds.
pub const MAX_PLAN_STEPS: usize = 30;
pub const MAX_HELPERS: usize = 20;

/// A date of agreement as the school stated it on a plan version (before agreements
/// were recorded by whoever agrees; read-only since).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agreement {
    pub party: AgreedParty,
    pub on: NaiveDate,
}

/// An agreement to one version of a plan, recorded when the party itself agreed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanAgreement {
    pub party: AgreedParty,
    pub agreed_at: DateTime<Utc>,
    pub evidence: super::DecisionChannel,
    /// The token, key or invitation it was given with (`None` for the bootstrap key).
    pub evidence_id: Option<uuid::Uuid>,
}

/// One version of a pupil's plan (versions are never changed, only followed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutePlan {
    pub id: RoutePlanId,
    pub tenant_id: TenantId,
    pub student_id: StudentId,
    pub route_map_id: RouteMapId,
    /// Node codes from the pupil's current position onward.
    pub steps: Vec<NodeCode>,
    pub target_occupation: Option<IscoCode>,
    /// An alternative route, also on the map.
    pub plan_b: Vec<NodeCode>,
    /// Who can help: names the pupil chose.
    pub helpers: Vec<ShortText>,
    pub notes: Option<Description>,
    /// Dates the school stated on versions written before agreements were recorded.
    pub agreed_by: Vec<Agreement>,
    /// Agreements recorded on this version by the parties themselves, oldest first.
    pub agreements: Vec<PlanAgreement>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

impl RoutePlan {
    /// Who agreed and when: the dates stated on old versions and the recorded
    /// agreements, one per party (the earliest).
    pub fn agreed(&self) -> Vec<Agreement> {
        let mut all = self.agreed_by.clone();
        for recorded in &self.agreements {
            if !all.iter().any(|a| a.party == recorded.party) {
                all.push(Agreement {
                    party: recorded.party,
                    on: recorded.agreed_at.date_naive(),
                });
            }
        }
        all
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRoutePlan {
    pub route_map_id: RouteMapId,
    pub steps: Vec<NodeCode>,
    pub target_occupation: Option<IscoCode>,
    pub plan_b: Vec<NodeCode>,
    pub helpers: Vec<ShortText>,
    pub notes: Option<Description>,
}

/// Whether the plan's route still exists on its map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteStatus {
    Valid,
    /// A step is gone or no longer joined to the one before: where and why.
    Broken {
        pointer: String,
        message: String,
    },
    /// The map is no longer published.
    MapUnavailable,
}

/// The first place where `steps` (under `pointer`) leaves the map: a code the map does
/// not hold, or two consecutive steps no edge joins.
pub fn first_break(graph: &Graph, pointer: &str, steps: &[NodeCode]) -> Option<(String, String)> {
    for (i, step) in steps.iter().enumerate() {
        if graph.node(step).is_none() {
            return Some((
                format!("{pointer}/{i}"),
                format!("the map has no node '{}'", step.as_str()),
            ));
        }
        if i > 0 && !graph.joins(&steps[i - 1], step) {
            return Some((
                format!("{pointer}/{i}"),
                format!(
                    "no edge of the map leads from '{}' to '{}'",
                    steps[i - 1].as_str(),
                    step.as_str()
                ),
            ));
        }
    }
    None
}

/// Whether the plan's routes exist on `graph`.
pub fn route_status(graph: &Graph, plan: &RoutePlan) -> RouteStatus {
    match first_break(graph, "/steps", &plan.steps)
        .or_else(|| first_break(graph, "/plan_b", &plan.plan_b))
    {
        None => RouteStatus::Valid,
        Some((pointer, message)) => RouteStatus::Broken { pointer, message },
    }
}
