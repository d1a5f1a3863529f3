//! The tenant change log: every write to a tenant resource records one change in the
//! same transaction. Sequence numbers are per tenant, gap-free and commit-ordered.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::auth::Actor;
use crate::error::{DomainError, DomainResult};
use crate::ids::TenantId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOp {
    Created,
    Updated,
    Deleted,
}

impl ChangeOp {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
        }
    }
}

/// Resource names as they appear in the change feed and webhook event types.
pub mod resource {
    pub const TENANT: &str = "tenant";
    pub const API_KEY: &str = "api_key";
    pub const SCHOOL: &str = "school";
    pub const BUSINESS: &str = "business";
    pub const COACH: &str = "coach";
    pub const PROGRAMME: &str = "programme";
    pub const PROGRAMME_MEMBER: &str = "programme_member";
    pub const WORK_VISIT: &str = "work_visit";
    pub const SLOT: &str = "slot";
    pub const BOOKING: &str = "booking";
    pub const BOOKING_FEEDBACK: &str = "booking_feedback";
    pub const STUDENT: &str = "student";
    pub const CONSENT: &str = "consent";
    pub const PORTFOLIO_ENTRY: &str = "portfolio_entry";

    pub const ALL: &[&str] = &[
        TENANT,
        API_KEY,
        SCHOOL,
        BUSINESS,
        COACH,
        PROGRAMME,
        PROGRAMME_MEMBER,
        WORK_VISIT,
        SLOT,
        BOOKING,
        BOOKING_FEEDBACK,
        STUDENT,
        CONSENT,
        PORTFOLIO_ENTRY,
    ];

    /// Resources holding pupils' data: their changes are for the pupil's school, never
    /// in a feed of the city's.
    pub const PUPILS: &[&str] = &[STUDENT, CONSENT, PORTFOLIO_ENTRY];
}

/// One recorded change, as the feed will serve it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub seq: i64,
    pub resource: String,
    pub id: Uuid,
    pub op: ChangeOp,
    pub version: i64,
    pub at: DateTime<Utc>,
}

impl ChangeOp {
    pub fn parse(code: &str) -> Option<Self> {
        [Self::Created, Self::Updated, Self::Deleted]
            .into_iter()
            .find(|op| op.as_str() == code)
    }
}

/// The most changes one page of the feed holds.
pub const MAX_PAGE: u32 = 1000;

#[async_trait]
pub trait ChangeRepository: Send + Sync {
    /// The tenant's changes numbered above `after`, in order, at most `limit`, only of
    /// `resource` when given, never of the resources in `exclude`.
    async fn list(
        &self,
        tenant: TenantId,
        after: i64,
        limit: u32,
        resource: Option<&str>,
        exclude: &[&str],
    ) -> DomainResult<Vec<Change>>;
}

/// One page of the feed and where the next one starts.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPage {
    pub changes: Vec<Change>,
    /// The last number on this page (or `after` when it is empty): pass it as `after`.
    pub next_after: i64,
}

#[derive(Clone)]
pub struct ChangeService {
    repo: Arc<dyn ChangeRepository>,
}

impl ChangeService {
    pub fn new(repo: Arc<dyn ChangeRepository>) -> Self {
        Self { repo }
    }

    /// The tenant's change feed. Numbers are gap-free and appear in commit order, so a
    /// reader that always continues from `next_after` never misses a change. Every
    /// change of the catalogue and bookings is in it, so it is the city
    /// administrators'; the other roles get it once each change records whom it
    /// concerns. Changes to pupils' data are never in it: they are their school's.
    pub async fn feed(
        &self,
        actor: &Actor,
        tenant: TenantId,
        after: i64,
        limit: u32,
        resource: Option<&str>,
    ) -> DomainResult<FeedPage> {
        actor.require_admin()?;
        if resource.is_some_and(|r| resource::PUPILS.contains(&r)) {
            return Err(DomainError::forbidden(
                "changes to pupils' data are for their school only",
            ));
        }
        let changes = self
            .repo
            .list(
                tenant,
                after.max(0),
                limit.clamp(1, MAX_PAGE),
                resource,
                resource::PUPILS,
            )
            .await?;
        let next_after = changes.last().map_or(after.max(0), |c| c.seq);
        Ok(FeedPage {
            changes,
            next_after,
        })
    }
}
