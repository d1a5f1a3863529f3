//! The city's figures: what its partnership reached in a period, as anonymous
//! aggregates. Counts of pupils (and what pupils said) under the tenant's small-cell
//! threshold are suppressed, and more with them so that none can be worked out from
//! the others: the counts of pupils by school, grade, encounters and neighbourhood are
//! one table of sums protected together ([`Disclosure`]); other breakdowns hide their
//! next smallest cell where one is hidden.

mod disclosure;
mod pupils;

pub use disclosure::{CellId, Disclosure};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};

use crate::auth::Actor;
use crate::bookings::{FeedbackAuthor, NamedStudent};
use crate::clock::SharedClock;
use crate::error::{DomainError, DomainResult};
use crate::ids::{BookingId, BusinessId, ProgrammeId, SchoolId, StudentId, TenantId};
use crate::students::{AgreedParty, Agreement};
use crate::tenants::Tenant;
use crate::vocabularies::{NaceSection, PortfolioEntryKind};
use crate::work_visits::{Slot, WorkVisit};

/// The longest period one report covers.
pub const MAX_DAYS: i64 = 366 * 5;

/// A completed visit: the booking, the slot it took place in and the offering (slots
/// and offerings shared by the visits that took place in them).
#[derive(Debug, Clone)]
pub struct CompletedVisit {
    pub booking: VisitBooking,
    pub slot: Arc<Slot>,
    pub visit: Arc<WorkVisit>,
}

/// What the figures count of a completed booking, and no more: a city's year is
/// thousands of bookings, and a report holds all of them at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitBooking {
    pub id: BookingId,
    pub school_id: SchoolId,
    pub business_id: BusinessId,
    pub seats: u32,
    /// Pupils present and absent, once recorded.
    pub attendance: Option<(u32, u32)>,
    pub prepared: bool,
    pub debriefed: bool,
    /// The pupils named on it, with their attendance once recorded.
    pub students: Vec<NamedStudent>,
}

#[async_trait]
pub trait StatsRepository: Send + Sync {
    /// The completed bookings whose slot starts in `[from, to)`.
    async fn completed_visits(
        &self,
        tenant: TenantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> DomainResult<Vec<CompletedVisit>>;

    /// The feedback given on `bookings`, counted by the store per author (an author's
    /// counts may come in several parts; they add up).
    async fn feedback(
        &self,
        tenant: TenantId,
        bookings: &[BookingId],
    ) -> DomainResult<Vec<FeedbackCounts>>;

    /// Active pupils, counted by school and grade, as of now.
    async fn pupil_groups(&self, tenant: TenantId) -> DomainResult<Vec<PupilGroup>>;

    /// Of `students`, the active ones with their school and grade now.
    async fn pupils_at(
        &self,
        tenant: TenantId,
        students: &[StudentId],
    ) -> DomainResult<Vec<(StudentId, PupilGroupKey)>>;

    /// Each school's postal code, where it has one.
    async fn school_postal_codes(&self, tenant: TenantId) -> DomainResult<Vec<(SchoolId, String)>>;

    /// Of `bookings`, those with feedback from both the school and the host.
    async fn reviewed_by_both(
        &self,
        tenant: TenantId,
        bookings: &[BookingId],
    ) -> DomainResult<Vec<BookingId>>;

    /// Each pupil's route plan as it stood just before `at`: its agreements.
    async fn plans_before(
        &self,
        tenant: TenantId,
        at: DateTime<Utc>,
    ) -> DomainResult<Vec<(StudentId, Vec<Agreement>)>>;

    /// The portfolio entries made in `[from, to)`, counted by the store: by kind, and
    /// the distinct pupils who made them.
    async fn entries_made(
        &self,
        tenant: TenantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> DomainResult<EntriesMade>;
}

/// A school's grade (pupils without one are a group of their own).
pub type PupilGroupKey = (SchoolId, Option<String>);

/// The active pupils of one school and grade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PupilGroup {
    pub key: PupilGroupKey,
    pub pupils: u64,
}

/// One author's feedback as counted by the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedbackCounts {
    pub author: FeedbackAuthor,
    pub responses: u64,
    /// The ratings added up.
    pub ratings: u64,
    /// Answers to "would you host again?" (the host's).
    pub host_again: (u64, u64),
}

/// Portfolio entries of a period as counted by the store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntriesMade {
    pub by_kind: Vec<(PortfolioEntryKind, u64)>,
    pub pupils: u64,
}

/// Which visits a report counts: slots starting from `from` up to (not including)
/// `to`, days in the tenant's time zone; optionally one programme's offerings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatsQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub programme: Option<ProgrammeId>,
}

/// A figure as published: shown, or suppressed because it is (or is made of) a count
/// of pupils too small to publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure<T> {
    Shown(T),
    Suppressed,
}

/// A count.
pub type Count = Figure<u64>;

/// A ratio or mean: suppressed with the counts it is made of; `Shown(None)` when
/// there is nothing to divide by.
pub type Rate = Figure<Option<f64>>;

impl<T> Figure<T> {
    pub fn shown(self) -> Option<T> {
        match self {
            Self::Shown(value) => Some(value),
            Self::Suppressed => None,
        }
    }
}

impl Count {
    /// A count of pupils (or of what they said): `1..threshold` is suppressed.
    fn of_pupils(value: u64, threshold: u32) -> Self {
        if value > 0 && value < u64::from(threshold) {
            Self::Suppressed
        } else {
            Self::Shown(value)
        }
    }

    /// `self / of`, rounded to `places` decimals; suppressed if either count is.
    fn divided_by(self, of: Count, places: i32) -> Rate {
        match (self, of) {
            (Self::Shown(part), Self::Shown(whole)) => {
                Figure::Shown((whole > 0).then(|| rounded(part as f64 / whole as f64, places)))
            }
            _ => Figure::Suppressed,
        }
    }
}

fn rounded(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

/// The pupils named on a booking and not marked absent.
fn came(booking: &VisitBooking) -> impl Iterator<Item = StudentId> + '_ {
    booking
        .students
        .iter()
        .filter(|p| p.present != Some(false))
        .map(|p| p.student_id)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reach {
    /// Completed bookings.
    pub visits: u64,
    /// Distinct slots those took place in.
    pub sessions: u64,
    /// The slots' time (their sessions', where a slot has sessions), in hours.
    pub hours: f64,
    pub schools: u64,
    /// Host businesses.
    pub partners: u64,
    pub coaches: u64,
    /// Pupils who took part: those present, or the seats where no attendance was
    /// recorded.
    pub participants: Count,
    /// Distinct pupils named on the visits and not marked absent.
    pub named_pupils: Count,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttendanceFigures {
    pub present: Count,
    pub absent: Count,
    /// `absent / (present + absent)` over visits with attendance recorded.
    pub no_show_rate: Rate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Satisfaction {
    pub author: FeedbackAuthor,
    pub responses: Count,
    /// 1-5, suppressed with the responses.
    pub average_rating: Rate,
}

/// One school's pupils and how many of them a visit reached.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub school: SchoolId,
    /// Active pupils now.
    pub pupils: Count,
    /// Of those, named on a completed visit of the period and not marked absent.
    pub with_experience: Count,
    /// `with_experience / pupils`.
    pub share: Rate,
}

/// How many pupils had 0, 1, 2, 3 or more completed experiences in the period: named
/// on a completed visit and not marked absent (pupils booked by head count are not
/// known by name). Pupils as they are now: active, at their school and grade.
pub const ENCOUNTER_BANDS: usize = 4;

/// One school's grade by encounters.
#[derive(Debug, Clone, PartialEq)]
pub struct EncounterGroup {
    pub school: SchoolId,
    pub grade: Option<String>,
    pub pupils: Count,
    /// Pupils with 0, 1, 2 and 3 or more encounters.
    pub by_count: [Count; ENCOUNTER_BANDS],
}

#[derive(Debug, Clone, PartialEq)]
pub struct Encounters {
    /// The whole city.
    pub pupils: Count,
    pub by_count: [Count; ENCOUNTER_BANDS],
    /// By school and grade.
    pub groups: Vec<EncounterGroup>,
}

/// Visits with the whole cycle: the class prepared, debriefed, and both the school
/// and the host gave feedback.
#[derive(Debug, Clone, PartialEq)]
pub struct MeaningfulVisits {
    /// Completed visits.
    pub visits: u64,
    pub prepared: u64,
    pub debriefed: u64,
    /// With feedback from the school and from the host.
    pub feedback_from_both: u64,
    /// All three.
    pub meaningful: u64,
    /// `meaningful / visits`.
    pub share: Option<f64>,
}

/// The first four characters of the schools' postal codes: the city's neighbourhoods.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaReach {
    /// `None` for schools without a postal code.
    pub area: Option<String>,
    pub schools: u64,
    /// Completed visits of its schools.
    pub visits: u64,
    /// Active pupils of its schools.
    pub pupils: Count,
    /// Of those, with at least one encounter.
    pub reached: Count,
}

/// A school's neighbourhood: the first four characters of its postal code, spaces
/// left out and upper case (`3015 GD` → `3015`).
pub fn postal_area(postal_code: &str) -> Option<String> {
    let area: String = postal_code
        .chars()
        .filter(|c| !c.is_whitespace())
        .take(4)
        .flat_map(char::to_uppercase)
        .collect();
    (!area.is_empty()).then_some(area)
}

/// Portfolio entries made in the period (whatever the programme).
#[derive(Debug, Clone, PartialEq)]
pub struct PortfolioActivity {
    /// Distinct pupils with at least one new entry.
    pub pupils: Count,
    /// New entries by kind, largest first.
    pub entries: Vec<(PortfolioEntryKind, Count)>,
}

/// Route plans as they stood at the end of the period.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanFigures {
    /// Pupils with a route plan.
    pub pupils_with_plan: Count,
    /// Of those, plans a guardian agreed to on a day of the period.
    pub agreed_with_guardian: Count,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub query: StatsQuery,
    pub small_cell_threshold: u32,
    pub reach: Reach,
    pub attendance: AttendanceFigures,
    /// Participants by the sectors of the offering they visited (a visit in two
    /// sectors counts in both), largest first.
    pub sectors: Vec<(NaceSection, Count)>,
    /// By who gave the feedback: schools, hosts, pupils.
    pub satisfaction: Vec<Satisfaction>,
    /// Hosts' answers to "would you host again?".
    pub would_host_again: (u64, u64),
    /// Schools with active pupils, by school id.
    pub coverage: Vec<Coverage>,
    pub encounters: Encounters,
    pub meaningful: MeaningfulVisits,
    /// By neighbourhood, in order of the area.
    pub areas: Vec<AreaReach>,
    pub portfolio: PortfolioActivity,
    pub route_plans: PlanFigures,
}

#[derive(Clone)]
pub struct StatsService {
    repo: Arc<dyn StatsRepository>,
    clock: SharedClock,
}

impl StatsService {
    pub fn new(repo: Arc<dyn StatsRepository>, clock: SharedClock) -> Self {
        Self { repo, clock }
    }

    /// The default period: 1 January of the tenant's current year and of the next.
    pub fn this_year(&self, tenant: &Tenant) -> DomainResult<(NaiveDate, NaiveDate)> {
        year_around(tenant, self.clock.now())
    }

    /// The tenant's figures for `query`: city administrators only.
    pub async fn report(
        &self,
        actor: &Actor,
        tenant: &Tenant,
        query: StatsQuery,
    ) -> DomainResult<Report> {
        actor.require_admin()?;
        let days = (query.to - query.from).num_days();
        if days <= 0 {
            return Err(DomainError::invalid("/to", "must be after from"));
        }
        if days > MAX_DAYS {
            return Err(DomainError::invalid(
                "/to",
                format!("a report covers at most {MAX_DAYS} days"),
            ));
        }
        let (from, to) = (
            start_of_day(tenant, query.from)?,
            start_of_day(tenant, query.to)?,
        );
        let visits: Vec<CompletedVisit> = self
            .repo
            .completed_visits(tenant.id, from, to)
            .await?
            .into_iter()
            .filter(|v| query.programme.is_none() || v.visit.programme_id == query.programme)
            .collect();
        let ids: Vec<BookingId> = visits.iter().map(|v| v.booking.id).collect();
        let named: Vec<StudentId> = {
            let mut named: Vec<StudentId> = visits.iter().flat_map(|v| came(&v.booking)).collect();
            named.sort_unstable();
            named.dedup();
            named
        };
        let facts = Facts {
            feedback: self.repo.feedback(tenant.id, &ids).await?,
            reviewed: self
                .repo
                .reviewed_by_both(tenant.id, &ids)
                .await?
                .into_iter()
                .collect(),
            groups: self.repo.pupil_groups(tenant.id).await?,
            named: self.repo.pupils_at(tenant.id, &named).await?,
            postal_codes: self.repo.school_postal_codes(tenant.id).await?,
            entries: self.repo.entries_made(tenant.id, from, to).await?,
            plans: self.repo.plans_before(tenant.id, to).await?,
            visits,
        };
        Ok(summarise(
            query,
            tenant.settings.small_cell_threshold,
            facts,
        ))
    }
}

/// What a report is made of, as read.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub visits: Vec<CompletedVisit>,
    pub feedback: Vec<FeedbackCounts>,
    /// The visits with feedback from both the school and the host.
    pub reviewed: HashSet<BookingId>,
    /// Active pupils by school and grade.
    pub groups: Vec<PupilGroup>,
    /// The pupils named on the visits who are active pupils now, with their group.
    pub named: Vec<(StudentId, PupilGroupKey)>,
    /// Schools' postal codes.
    pub postal_codes: Vec<(SchoolId, String)>,
    pub entries: EntriesMade,
    /// Each pupil's plan as it stood at the end of the period.
    pub plans: Vec<(StudentId, Vec<Agreement>)>,
}

/// 1 January of the tenant's year at `now` and of the next.
fn year_around(tenant: &Tenant, now: DateTime<Utc>) -> DomainResult<(NaiveDate, NaiveDate)> {
    let year = now.with_timezone(&zone(tenant)?).year();
    match (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year + 1, 1, 1),
    ) {
        (Some(from), Some(to)) => Ok((from, to)),
        _ => Err(DomainError::Internal(format!("no 1 January in {year}"))),
    }
}

fn zone(tenant: &Tenant) -> DomainResult<chrono_tz::Tz> {
    tenant
        .timezone
        .as_str()
        .parse()
        .map_err(|_| DomainError::Internal("stored time zone does not parse".to_owned()))
}

/// When `day` starts in the tenant's time zone: midnight (the earlier one where a
/// clock change makes two), or the first hour that exists where a change skips it.
fn start_of_day(tenant: &Tenant, day: NaiveDate) -> DomainResult<DateTime<Utc>> {
    let zone = zone(tenant)?;
    (0..3)
        .filter_map(|hour| day.and_hms_opt(hour, 0, 0))
        .find_map(|local| zone.from_local_datetime(&local).earliest())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| DomainError::Internal(format!("{day} has no start in {}", zone.name())))
}

/// The figures `facts` make, counts of pupils suppressed at `threshold`.
pub fn summarise(query: StatsQuery, threshold: u32, facts: Facts) -> Report {
    let (visits, feedback) = (&facts.visits, &facts.feedback);
    let mut slots = HashSet::new();
    let (mut schools, mut partners, mut coaches, mut named) = (
        HashSet::new(),
        HashSet::new(),
        HashSet::new(),
        HashSet::new(),
    );
    let (mut hours, mut participants, mut present, mut absent) = (0.0, 0u64, 0u64, 0u64);
    let mut by_sector: BTreeMap<NaceSection, u64> = BTreeMap::new();
    for v in visits {
        if slots.insert(v.slot.id) {
            hours += slot_hours(&v.slot);
            if let Some(coach) = v.slot.coach_id {
                coaches.insert(coach);
            }
        }
        schools.insert(v.booking.school_id);
        partners.insert(v.booking.business_id);
        let took_part = match v.booking.attendance {
            Some((came, missed)) => {
                present += u64::from(came);
                absent += u64::from(missed);
                u64::from(came)
            }
            None => u64::from(v.booking.seats),
        };
        participants += took_part;
        for sector in &v.visit.sectors {
            *by_sector.entry(*sector).or_default() += took_part;
        }
        named.extend(came(&v.booking));
    }
    let pupils = |n: u64| Count::of_pupils(n, threshold);
    let (present_count, absent_count) = (pupils(present), pupils(absent));
    let recorded = match (present_count, absent_count) {
        (Figure::Shown(p), Figure::Shown(a)) => Figure::Shown(p + a),
        _ => Figure::Suppressed,
    };
    let no_show_rate = absent_count.divided_by(recorded, 4);
    let mut sectors: Vec<(NaceSection, u64)> = by_sector.into_iter().collect();
    sectors.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let table = pupil_table(&facts, named.len() as u64, threshold);
    Report {
        query,
        small_cell_threshold: threshold,
        reach: Reach {
            visits: visits.len() as u64,
            sessions: slots.len() as u64,
            hours: rounded(hours, 2),
            schools: schools.len() as u64,
            partners: partners.len() as u64,
            coaches: coaches.len() as u64,
            participants: pupils(participants),
            named_pupils: table.named_pupils,
        },
        attendance: AttendanceFigures {
            present: present_count,
            absent: absent_count,
            no_show_rate,
        },
        sectors: suppress_breakdown(sectors, threshold),
        satisfaction: satisfaction(feedback, threshold),
        would_host_again: feedback.iter().fold((0, 0), |(yes, no), f| {
            (yes + f.host_again.0, no + f.host_again.1)
        }),
        coverage: table.coverage,
        encounters: table.encounters,
        areas: table.areas,
        meaningful: meaningful(visits, &facts.reviewed),
        route_plans: plan_figures(&facts.plans, &query, threshold),
        portfolio: portfolio_activity(facts.entries, threshold),
    }
}

/// Pupils with a plan, and those whose plan a guardian agreed to in the period.
pub fn plan_figures(
    plans: &[(StudentId, Vec<Agreement>)],
    query: &StatsQuery,
    threshold: u32,
) -> PlanFigures {
    let agreed = plans
        .iter()
        .filter(|(_, agreements)| {
            agreements
                .iter()
                .any(|a| a.party == AgreedParty::Guardian && a.on >= query.from && a.on < query.to)
        })
        .count() as u64;
    PlanFigures {
        pupils_with_plan: Count::of_pupils(plans.len() as u64, threshold),
        agreed_with_guardian: Count::of_pupils(agreed, threshold),
    }
}

/// Visits with preparation, debrief and feedback from both sides.
pub fn meaningful(visits: &[CompletedVisit], reviewed: &HashSet<BookingId>) -> MeaningfulVisits {
    let count =
        |keep: &dyn Fn(&CompletedVisit) -> bool| visits.iter().filter(|v| keep(v)).count() as u64;
    let prepared = |v: &CompletedVisit| v.booking.prepared;
    let debriefed = |v: &CompletedVisit| v.booking.debriefed;
    let both = |v: &CompletedVisit| reviewed.contains(&v.booking.id);
    let all = count(&|v| prepared(v) && debriefed(v) && both(v));
    let total = visits.len() as u64;
    MeaningfulVisits {
        visits: total,
        prepared: count(&prepared),
        debriefed: count(&debriefed),
        feedback_from_both: count(&both),
        meaningful: all,
        share: (total > 0).then(|| rounded(all as f64 / total as f64, 3)),
    }
}

/// New portfolio entries by kind (largest first), and the pupils who made them.
pub fn portfolio_activity(made: EntriesMade, threshold: u32) -> PortfolioActivity {
    let mut kinds = made.by_kind;
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    PortfolioActivity {
        pupils: Count::of_pupils(made.pupils, threshold),
        entries: suppress_breakdown(kinds, threshold),
    }
}

fn slot_hours(slot: &Slot) -> f64 {
    let sessions = slot.schedule.sessions();
    let seconds: i64 = if sessions.is_empty() {
        (slot.schedule.ends_at() - slot.schedule.starts_at()).num_seconds()
    } else {
        sessions
            .iter()
            .map(|s| (s.ends_at - s.starts_at).num_seconds())
            .sum()
    };
    seconds as f64 / 3600.0
}

/// A breakdown's cells suppressed at `threshold`; where that hides exactly one cell,
/// the smallest other non-zero cell is hidden too (complementary suppression).
fn suppress_breakdown<K>(cells: Vec<(K, u64)>, threshold: u32) -> Vec<(K, Count)> {
    let mut out: Vec<(K, Count)> = cells
        .into_iter()
        .map(|(k, n)| (k, Count::of_pupils(n, threshold)))
        .collect();
    let hidden = out.iter().filter(|(_, c)| *c == Count::Suppressed).count();
    if hidden == 1 {
        let smallest = out
            .iter()
            .enumerate()
            .filter_map(|(i, (_, c))| c.shown().filter(|n| *n > 0).map(|n| (n, i)))
            .min();
        if let Some((_, i)) = smallest {
            out[i].1 = Count::Suppressed;
        }
    }
    out
}

fn satisfaction(feedback: &[FeedbackCounts], threshold: u32) -> Vec<Satisfaction> {
    [
        FeedbackAuthor::School,
        FeedbackAuthor::Business,
        FeedbackAuthor::Student,
    ]
    .into_iter()
    .map(|author| {
        let (n, sum) = feedback
            .iter()
            .filter(|f| f.author == author)
            .fold((0, 0), |(n, sum), f| (n + f.responses, sum + f.ratings));
        // What pupils said is counted like pupils.
        let responses = if author == FeedbackAuthor::Student {
            Count::of_pupils(n, threshold)
        } else {
            Count::Shown(n)
        };
        Satisfaction {
            author,
            responses,
            average_rating: Figure::Shown(sum).divided_by(responses, 2),
        }
    })
    .collect()
}

pub use pupils::{PupilTable, pupil_table};

#[cfg(test)]
mod tests;
