//! Recommendations as integrators receive them.

use chrono::{DateTime, Utc};
use driehoek_domain::matching::{Reason, Recommendation};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ReasonCodeCode, WorkVisitFormatCode};

/// One reason an offering is on a pupil's list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonOut {
    pub code: ReasonCodeCode,
    /// A short sentence in the tenant's language, for the pupil.
    #[schema(example = "Je portfolio noemt de sector Vervoer en opslag")]
    pub detail: String,
}

/// An offering recommended to a pupil, at its earliest slot that fits.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationOut {
    pub work_visit_id: Uuid,
    /// The earliest slot with a seat left that fits the pupil.
    pub slot_id: Uuid,
    #[schema(example = "Een ochtend op de terminal")]
    pub title: String,
    pub format: WorkVisitFormatCode,
    pub starts_at: DateTime<Utc>,
    /// Points of fit (see the operation's description); higher is better.
    #[schema(example = 45)]
    pub score: u32,
    /// Why, highest points first; `age_and_level` always last.
    pub reasons: Vec<ReasonOut>,
}

impl From<Recommendation> for RecommendationOut {
    fn from(r: Recommendation) -> Self {
        Self {
            work_visit_id: r.work_visit_id.as_uuid(),
            slot_id: r.slot_id.as_uuid(),
            title: r.title.into_string(),
            format: r.format.into(),
            starts_at: r.starts_at,
            score: r.score,
            reasons: r.reasons.into_iter().map(ReasonOut::from).collect(),
        }
    }
}

impl From<Reason> for ReasonOut {
    fn from(r: Reason) -> Self {
        Self {
            code: r.code.into(),
            detail: r.detail,
        }
    }
}
