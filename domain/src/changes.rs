//! The tenant change log: every write to a tenant resource records one change in the
//! same transaction. Sequence numbers are per tenant, gap-free and commit-ordered.

use chrono::{DateTime, Utc};
use uuid::Uuid;

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
