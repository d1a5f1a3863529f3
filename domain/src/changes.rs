//! The tenant change log: every write to a tenant resource records one change in the
//! same transaction. Sequence numbers are per tenant, gap-free and commit-ordered.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::auth::{Actor, Role};
use crate::error::{DomainError, DomainResult};
use crate::ids::{BusinessId, SchoolId, TenantId};

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
    /// A pupil's or guardian's token (kept with the keys, seen by the pupil's school).
    pub const ACCESS_TOKEN: &str = "access_token";
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
    pub const ROUTE_MAP: &str = "route_map";
    pub const ROUTE_PLAN: &str = "route_plan";
    pub const WEBHOOK_ENDPOINT: &str = "webhook_endpoint";

    pub const ALL: &[&str] = &[
        TENANT,
        API_KEY,
        ACCESS_TOKEN,
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
        ROUTE_MAP,
        ROUTE_PLAN,
        WEBHOOK_ENDPOINT,
    ];

    /// Resources holding pupils' data: their changes are for the pupil's school, never
    /// in a feed of the city's.
    pub const PUPILS: &[&str] = &[STUDENT, CONSENT, PORTFOLIO_ENTRY, ROUTE_PLAN, ACCESS_TOKEN];
}

/// Who, besides platform administrators, sees a change in the feed: each role sees
/// only changes to resources it may read (DESIGN.md §3.7). Recorded with the change,
/// so a deletion keeps the audience the resource had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Everyone in the tenant: the public catalogue (schools, businesses, coaches,
    /// programmes, offerings that are not drafts and their slots).
    Public,
    /// The city's administrators: keys and the tenant's settings.
    Admins,
    /// The city and the organisations a resource concerns: a booking's school and
    /// host, a draft offering's business.
    Parties {
        school: Option<SchoolId>,
        business: Option<BusinessId>,
    },
    /// The pupil's school only, never the city: pupils' data.
    Pupil { school: SchoolId },
}

/// Which changes a caller's feed holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedScope {
    /// Platform administrators: every change.
    All,
    /// City administrators: everything but pupils' data.
    City,
    /// A school: the catalogue, its bookings and its pupils.
    School(SchoolId),
    /// A business: the catalogue, its drafts and the bookings on its offerings.
    Business(BusinessId),
    /// Integrators: the public catalogue.
    Public,
}

impl FeedScope {
    pub fn of(actor: &Actor) -> DomainResult<Self> {
        Ok(match actor.role {
            Role::PlatformAdmin => Self::All,
            Role::CityAdmin => Self::City,
            Role::School => Self::School(
                actor
                    .school()
                    .ok_or_else(|| DomainError::forbidden("the key has no school"))?,
            ),
            Role::Business => Self::Business(
                actor
                    .business()
                    .ok_or_else(|| DomainError::forbidden("the key has no business"))?,
            ),
            Role::Integrator => Self::Public,
            Role::Pupil | Role::Guardian => {
                return Err(DomainError::forbidden(
                    "the change feed is for organisations' systems",
                ));
            }
        })
    }

    /// Whether a change for `audience` is in this feed.
    pub fn sees(self, audience: Audience) -> bool {
        match (self, audience) {
            (Self::All, _) | (_, Audience::Public) => true,
            (Self::City, Audience::Pupil { .. }) => false,
            (Self::City, _) => true,
            (Self::School(own), Audience::Parties { school, .. }) => school == Some(own),
            (Self::School(own), Audience::Pupil { school }) => school == own,
            (Self::Business(own), Audience::Parties { business, .. }) => business == Some(own),
            _ => false,
        }
    }
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
    /// The number of the tenant's last committed change. Every change up to it is
    /// committed: numbers are taken in commit order.
    async fn last_seq(&self, tenant: TenantId) -> DomainResult<i64>;
    /// The tenant's changes the query asks for, in order.
    async fn list(&self, tenant: TenantId, query: &FeedQuery<'_>) -> DomainResult<Vec<Change>>;
}

/// Which changes one page of a feed holds: numbered above `after` and at most `up_to`,
/// seen by `scope`, only of `resource` when given, at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedQuery<'a> {
    pub after: i64,
    pub up_to: i64,
    pub limit: u32,
    pub resource: Option<&'a str>,
    pub scope: FeedScope,
}

/// One page of the feed and where the next one starts.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPage {
    pub changes: Vec<Change>,
    /// Where the next page starts: pass it as `after`. The last number on a full page;
    /// on a page with room to spare, the last number in the whole log, so a reader
    /// does not scan again past changes its role does not see.
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

    /// The tenant's change feed, as far as the caller may read: numbers appear in commit
    /// order, so a reader that always continues from `next_after` never misses a
    /// change it may see. The city sees all but pupils' data; a school the catalogue,
    /// its bookings and its pupils; a business the catalogue, its own drafts and the
    /// bookings on its offerings; an integrator the public catalogue.
    pub async fn feed(
        &self,
        actor: &Actor,
        tenant: TenantId,
        after: i64,
        limit: u32,
        resource: Option<&str>,
    ) -> DomainResult<FeedPage> {
        let scope = FeedScope::of(actor)?;
        let pupils_hidden = matches!(
            scope,
            FeedScope::City | FeedScope::Business(_) | FeedScope::Public
        );
        if pupils_hidden && resource.is_some_and(|r| resource::PUPILS.contains(&r)) {
            return Err(DomainError::forbidden(
                "changes to pupils' data are for their school only",
            ));
        }
        // The last committed number first: every change up to it is committed, so a
        // page that is not full has seen all there is up to it.
        let after = after.max(0);
        let limit = limit.clamp(1, MAX_PAGE);
        let last = self.repo.last_seq(tenant).await?;
        let query = FeedQuery {
            after,
            up_to: last,
            limit,
            resource,
            scope,
        };
        let changes = self.repo.list(tenant, &query).await?;
        let full = changes.len() >= usize::try_from(limit).unwrap_or(usize::MAX);
        let next_after = match changes.last() {
            Some(change) if full => change.seq,
            _ => last.max(after),
        };
        Ok(FeedPage {
            changes,
            next_after,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_feed_sees_only_what_its_role_may_read() {
        let (a, b) = (SchoolId::new(), SchoolId::new());
        let host = BusinessId::new();
        let booking = Audience::Parties {
            school: Some(a),
            business: Some(host),
        };
        let draft = Audience::Parties {
            school: None,
            business: Some(host),
        };
        let pupil = Audience::Pupil { school: a };
        for scope in [
            FeedScope::All,
            FeedScope::City,
            FeedScope::School(b),
            FeedScope::Business(BusinessId::new()),
            FeedScope::Public,
        ] {
            assert!(scope.sees(Audience::Public), "{scope:?}");
        }
        assert!(FeedScope::City.sees(booking) && FeedScope::City.sees(Audience::Admins));
        assert!(!FeedScope::City.sees(pupil));
        assert!(FeedScope::All.sees(pupil));
        assert!(FeedScope::School(a).sees(booking) && FeedScope::School(a).sees(pupil));
        assert!(!FeedScope::School(b).sees(booking) && !FeedScope::School(b).sees(pupil));
        assert!(!FeedScope::School(a).sees(draft) && !FeedScope::School(a).sees(Audience::Admins));
        assert!(FeedScope::Business(host).sees(booking) && FeedScope::Business(host).sees(draft));
        assert!(!FeedScope::Business(host).sees(pupil));
        assert!(!FeedScope::Public.sees(booking) && !FeedScope::Public.sees(Audience::Admins));
    }
}
