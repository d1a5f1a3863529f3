//! Route plans: every version of each pupil's plan on the city's route map.

use async_trait::async_trait;
use driehoek_domain::audit::AuditEvent;
use driehoek_domain::error::{DomainError, DomainResult};
use driehoek_domain::ids::{RouteMapId, RoutePlanId, StudentId, TenantId};
use driehoek_domain::route_maps::NodeCode;
use driehoek_domain::students::{
    AgreedParty, Agreement, DecisionChannel, PlanAgreement, RoutePlan, RoutePlanRepository,
};
use driehoek_domain::values::{IscoCode, ShortText};
use driehoek_domain::vocabularies::Vocabulary;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};

use super::audit::audit_in;
use super::entities::route_plans;
use super::read_pool::OnReadPool;
use super::read_pool::ReadPool;
use super::students::pupil_audience;
use super::versioned::{self, RowChange};
use super::{begin_write, corrupt, db_error};

pub struct SeaOrmRoutePlanRepository {
    db: DatabaseConnection,
    reads: ReadPool,
}

impl SeaOrmRoutePlanRepository {
    pub(crate) fn new(db: DatabaseConnection, reads: ReadPool) -> Self {
        Self { db, reads }
    }
}

/// One agreement as stored in the version's `agreed_by` list: a date the school stated
/// (`on` only), or an agreement recorded when the party agreed (with `at` and its
/// evidence). Both kinds live in the one list, so whatever reads the column (the
/// city's figures) counts both.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredAgreement {
    party: String,
    on: chrono::NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    evidence: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    evidence_id: Option<uuid::Uuid>,
}

impl StoredAgreement {
    fn stated(a: &Agreement) -> Self {
        Self {
            party: a.party.code().to_owned(),
            on: a.on,
            at: None,
            evidence: None,
            evidence_id: None,
        }
    }

    fn recorded(a: &PlanAgreement) -> Self {
        Self {
            party: a.party.code().to_owned(),
            on: a.agreed_at.date_naive(),
            at: Some(a.agreed_at),
            evidence: Some(a.evidence.code().to_owned()),
            evidence_id: a.evidence_id,
        }
    }
}

fn stored_json(plan: &RoutePlan) -> String {
    let all: Vec<StoredAgreement> = plan
        .agreed_by
        .iter()
        .map(StoredAgreement::stated)
        .chain(plan.agreements.iter().map(StoredAgreement::recorded))
        .collect();
    serde_json::to_string(&all).unwrap_or_else(|_| "[]".to_owned())
}

/// The stated dates and the recorded agreements of a stored list.
fn split_agreements(stored: &str) -> DomainResult<(Vec<Agreement>, Vec<PlanAgreement>)> {
    let all: Vec<StoredAgreement> =
        serde_json::from_str(stored).map_err(|e| corrupt("route plan", e))?;
    let (mut stated, mut recorded) = (Vec::new(), Vec::new());
    for a in all {
        let party = AgreedParty::parse(&a.party).map_err(|e| corrupt("route plan", e))?;
        match (a.at, a.evidence) {
            (Some(agreed_at), Some(evidence)) => recorded.push(PlanAgreement {
                party,
                agreed_at,
                evidence: DecisionChannel::parse(&evidence)
                    .map_err(|e| corrupt("route plan", e))?,
                evidence_id: a.evidence_id,
            }),
            _ => stated.push(Agreement { party, on: a.on }),
        }
    }
    Ok((stated, recorded))
}

fn codes_json(codes: &[NodeCode]) -> String {
    serde_json::to_string(&codes.iter().map(NodeCode::as_str).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".to_owned())
}

fn plan_model(p: &RoutePlan) -> route_plans::ActiveModel {
    route_plans::Model {
        tenant_id: p.tenant_id.as_uuid(),
        id: p.id.as_uuid(),
        version: p.version,
        created_at: p.created_at,
        updated_at: p.created_at,
        student_id: p.student_id.as_uuid(),
        route_map_id: p.route_map_id.as_uuid(),
        steps: codes_json(&p.steps),
        target_occupation: p.target_occupation.as_ref().map(|c| c.as_str().to_owned()),
        plan_b: codes_json(&p.plan_b),
        helpers: serde_json::to_string(
            &p.helpers
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".to_owned()),
        notes: p.notes.as_ref().map(ToString::to_string),
        agreed_by: stored_json(p),
    }
    .into_active_model()
    .reset_all()
}

fn plan_from_model(m: route_plans::Model) -> DomainResult<RoutePlan> {
    let bad = |e: String| corrupt("route plan", e);
    let list = |raw: &str| -> Result<Vec<String>, String> {
        serde_json::from_str(raw).map_err(|e| e.to_string())
    };
    let codes = |raw: &str| -> Result<Vec<NodeCode>, String> {
        list(raw)?.iter().map(|c| NodeCode::parse(c)).collect()
    };
    let (agreed_by, agreements) = split_agreements(&m.agreed_by)?;
    Ok(RoutePlan {
        id: RoutePlanId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        student_id: StudentId::from_uuid(m.student_id),
        route_map_id: RouteMapId::from_uuid(m.route_map_id),
        steps: codes(&m.steps).map_err(bad)?,
        target_occupation: m
            .target_occupation
            .as_deref()
            .map(IscoCode::parse)
            .transpose()
            .map_err(bad)?,
        plan_b: codes(&m.plan_b).map_err(bad)?,
        helpers: list(&m.helpers)
            .and_then(|names| names.iter().map(|n| ShortText::parse(n)).collect())
            .map_err(bad)?,
        notes: m
            .notes
            .as_deref()
            .map(driehoek_domain::values::Description::parse)
            .transpose()
            .map_err(bad)?,
        agreed_by,
        agreements,
        version: m.version,
        created_at: m.created_at,
    })
}

/// Who agreed to a plan version and on which day, stated or recorded.
pub(crate) fn agreements_from(stored: &str) -> DomainResult<Vec<Agreement>> {
    let all: Vec<StoredAgreement> =
        serde_json::from_str(stored).map_err(|e| corrupt("route plan", e))?;
    all.into_iter()
        .map(|a| {
            Ok(Agreement {
                party: AgreedParty::parse(&a.party)?,
                on: a.on,
            })
        })
        .collect::<Result<_, String>>()
        .map_err(|e| corrupt("route plan", e))
}

#[async_trait]
impl RoutePlanRepository for SeaOrmRoutePlanRepository {
    async fn insert(&self, plan: &RoutePlan, audit: &AuditEvent) -> DomainResult<()> {
        let txn = begin_write(&self.db).await?;
        audit_in(&txn, std::slice::from_ref(audit)).await?;
        let row = RowChange {
            tenant: plan.tenant_id.as_uuid(),
            id: plan.id.as_uuid(),
            version: plan.version,
            at: plan.created_at,
            audience: pupil_audience(&txn, plan.tenant_id, plan.student_id).await?,
            status: None,
            event: None,
        };
        versioned::insert_in::<route_plans::Entity>(
            &txn,
            row,
            plan_model(plan),
            "this version of the plan exists",
        )
        .await?;
        txn.commit().await.map_err(db_error)
    }

    async fn versions(&self, tenant: TenantId, student: StudentId) -> DomainResult<Vec<RoutePlan>> {
        route_plans::scoped(tenant.as_uuid())
            .filter(route_plans::Column::StudentId.eq(student.as_uuid()))
            .order_by_asc(route_plans::Column::Version)
            .all_on(&self.reads)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(plan_from_model)
            .collect()
    }

    async fn agree(
        &self,
        plan: &RoutePlan,
        agreement: &PlanAgreement,
        audit: &AuditEvent,
    ) -> DomainResult<(PlanAgreement, bool)> {
        // The list is replaced only if it is still what was read (compare and set):
        // two parties agreeing at once both land, one after the other.
        for _ in 0..8 {
            let txn = begin_write(&self.db).await?;
            let row = route_plans::scoped(plan.tenant_id.as_uuid())
                .filter(route_plans::Column::Id.eq(plan.id.as_uuid()))
                .one(&txn)
                .await
                .map_err(db_error)?
                .ok_or(DomainError::NotFound("route plan"))?;
            let mut stored = plan_from_model(row.clone())?;
            if let Some(earlier) = stored
                .agreements
                .iter()
                .find(|a| a.party == agreement.party)
            {
                return Ok((earlier.clone(), false));
            }
            stored.agreements.push(agreement.clone());
            let replaced = route_plans::Entity::update_many()
                .col_expr(
                    route_plans::Column::AgreedBy,
                    Expr::value(stored_json(&stored)),
                )
                .col_expr(
                    route_plans::Column::UpdatedAt,
                    Expr::value(agreement.agreed_at),
                )
                .filter(route_plans::Column::TenantId.eq(row.tenant_id))
                .filter(route_plans::Column::Id.eq(row.id))
                .filter(route_plans::Column::AgreedBy.eq(row.agreed_by))
                .exec(&txn)
                .await
                .map_err(db_error)?
                .rows_affected;
            if replaced == 1 {
                audit_in(&txn, std::slice::from_ref(audit)).await?;
                txn.commit().await.map_err(db_error)?;
                return Ok((agreement.clone(), true));
            }
        }
        Err(DomainError::conflict(
            driehoek_domain::error::ConflictKind::InvalidState,
            "the plan is being agreed to by others at this moment; try again",
        ))
    }
}
