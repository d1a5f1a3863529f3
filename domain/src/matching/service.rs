use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use super::recommend::{
    CandidateQuery, DEFAULT_LIMIT, DEFAULT_WINDOW_DAYS, DetailLanguage, MAX_LIMIT, MAX_WINDOW_DAYS,
    Profile, Recommendation, Records, Shortlist,
};
use crate::auth::Actor;
use crate::bookings::BookingStatus;
use crate::clock::SharedClock;
use crate::error::{DomainError, DomainResult};
use crate::ids::StudentId;
use crate::route_maps::RouteMapService;
use crate::students::{ConsentStatus, StudentService, current_consents};
use crate::tenants::Tenant;
use crate::values::LanguageCode;
use crate::vocabularies::ConsentPurpose;
use crate::work_visits::WorkVisitRepository;

/// Matches pupils with offerings: over the pupils' records (read through
/// [`StudentService`], which decides who sees a pupil) and the catalogue.
#[derive(Clone)]
pub struct MatchingService {
    students: StudentService,
    visits: Arc<dyn WorkVisitRepository>,
    maps: RouteMapService,
    clock: SharedClock,
}

/// What a caller asks of a pupil's recommendations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecommendationRequest {
    /// Slots starting from (default: now; never before now).
    pub from: Option<DateTime<Utc>>,
    /// Slots starting before (default: 90 days after `from`; at most 366 days after).
    pub to: Option<DateTime<Utc>>,
    /// 1–100, default 20.
    pub limit: Option<u32>,
    /// The languages the pupil takes part in; none: the tenant's language.
    pub languages: Vec<LanguageCode>,
}

impl RecommendationRequest {
    /// The window searched, at `now`.
    fn window(&self, now: DateTime<Utc>) -> DomainResult<(DateTime<Utc>, DateTime<Utc>)> {
        let from = self.from.map_or(now, |from| from.max(now));
        let to = self
            .to
            .unwrap_or(from + TimeDelta::days(DEFAULT_WINDOW_DAYS));
        if to <= from {
            return Err(DomainError::invalid(
                "/to",
                "must be after from (and after now: slots that have started are not offered)",
            ));
        }
        if to - from > TimeDelta::days(MAX_WINDOW_DAYS) {
            return Err(DomainError::invalid(
                "/to",
                format!("must be at most {MAX_WINDOW_DAYS} days after from"),
            ));
        }
        Ok((from, to))
    }

    fn limit(&self) -> DomainResult<usize> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(DomainError::invalid(
                "/limit",
                format!("must be 1-{MAX_LIMIT}"),
            ));
        }
        Ok(limit as usize)
    }
}

impl MatchingService {
    pub fn new(
        students: StudentService,
        visits: Arc<dyn WorkVisitRepository>,
        maps: RouteMapService,
        clock: SharedClock,
    ) -> Self {
        Self {
            students,
            visits,
            maps,
            clock,
        }
    }

    /// The pupil's recommended visits, best first, each with its reasons
    /// ([`super::recommend`] says how they are chosen). Whoever sees the pupil may ask:
    /// the pupil's school, the platform, the pupil's and guardians' tokens.
    pub async fn recommendations(
        &self,
        actor: &Actor,
        tenant: &Tenant,
        id: StudentId,
        request: RecommendationRequest,
    ) -> DomainResult<Vec<Recommendation>> {
        let now = self.clock.now();
        let (from, to) = request.window(now)?;
        let limit = request.limit()?;
        let records = self.students.matching_records(actor, tenant.id, id).await?;
        let participation_refused =
            current_consents(&records.consents)
                .into_iter()
                .any(|(purpose, latest)| {
                    purpose == ConsentPurpose::Participation
                        && latest.is_some_and(|c| c.status != ConsentStatus::Granted)
                });
        if participation_refused {
            return Ok(Vec::new());
        }
        let booked: Vec<_> = records
            .bookings
            .iter()
            .filter(|b| b.status != BookingStatus::Cancelled)
            .map(|b| b.work_visit_id)
            .collect();
        let booked_sectors: Vec<_> = self
            .visits
            .visits_by_ids(tenant.id, &booked)
            .await?
            .into_iter()
            .flat_map(|v| v.sectors)
            .collect();
        let graph = match &records.plan {
            Some(plan) => {
                self.maps
                    .published_graph(tenant.id, plan.route_map_id)
                    .await?
            }
            None => None,
        };
        let tenant_language: Vec<LanguageCode> = LanguageCode::parse(tenant.locale.language())
            .into_iter()
            .collect();
        let languages = if request.languages.is_empty() {
            &tenant_language
        } else {
            &request.languages
        };
        let profile = Profile::of(Records {
            level: records.student.education_level,
            languages,
            entries: &records.entries,
            booked: &booked,
            booked_sectors: &booked_sectors,
            plan: records.plan.as_ref().zip(graph.as_deref()),
        });
        let query = CandidateQuery::new(
            from,
            to,
            records.student.birth_year,
            records.student.education_level,
        );
        let mut shortlist = Shortlist::new(&profile, limit);
        self.visits
            .candidates(tenant.id, &query, &mut |c| shortlist.offer(c))
            .await?;
        Ok(shortlist.finish(DetailLanguage::of(&tenant.locale)))
    }
}
