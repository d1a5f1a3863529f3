//! The city's figures: what its partnership reached in a period, as anonymous
//! aggregates. Counts of pupils (and what pupils said) under the tenant's small-cell
//! threshold are suppressed, and where one cell of a breakdown is suppressed the next
//! smallest is too, so it cannot be worked out from the others.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};

use crate::auth::Actor;
use crate::bookings::{Booking, FeedbackAuthor};
use crate::clock::SharedClock;
use crate::error::{DomainError, DomainResult};
use crate::ids::{BookingId, ProgrammeId, SchoolId, StudentId, TenantId};
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
    pub booking: Booking,
    pub slot: Arc<Slot>,
    pub visit: Arc<WorkVisit>,
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

    /// Active pupils, counted by school, as of now.
    async fn students_by_school(&self, tenant: TenantId) -> DomainResult<Vec<(SchoolId, u64)>>;

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
fn came(booking: &Booking) -> impl Iterator<Item = StudentId> + '_ {
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
        let facts = Facts {
            feedback: self.repo.feedback(tenant.id, &ids).await?,
            pupils: self.repo.students_by_school(tenant.id).await?,
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
    /// Active pupils by school.
    pub pupils: Vec<(SchoolId, u64)>,
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
            Some(a) => {
                present += u64::from(a.present);
                absent += u64::from(a.absent);
                u64::from(a.present)
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
            named_pupils: pupils(named.len() as u64),
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
        coverage: coverage(&facts.pupils, visits, threshold),
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

/// Each school's pupils and those of them named on `visits` (not marked absent).
/// Every named pupil is also in the reach's total, so the reached counts are a
/// breakdown: one hidden school hides the next smallest too.
pub fn coverage(
    pupils: &[(SchoolId, u64)],
    visits: &[CompletedVisit],
    threshold: u32,
) -> Vec<Coverage> {
    let mut reached: BTreeMap<SchoolId, HashSet<StudentId>> = BTreeMap::new();
    for v in visits {
        reached
            .entry(v.booking.school_id)
            .or_default()
            .extend(came(&v.booking));
    }
    let mut schools: Vec<(SchoolId, u64)> =
        pupils.iter().copied().filter(|(_, n)| *n > 0).collect();
    schools.sort();
    let with: Vec<(SchoolId, u64)> = schools
        .iter()
        .map(|(school, _)| {
            let n = reached.get(school).map_or(0, HashSet::len) as u64;
            (*school, n)
        })
        .collect();
    schools
        .into_iter()
        .zip(suppress_breakdown(with, threshold))
        .map(|((school, total), (_, with_experience))| {
            let pupils = Count::of_pupils(total, threshold);
            Coverage {
                school,
                pupils,
                with_experience,
                share: with_experience.divided_by(pupils, 3),
            }
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_of_pupils_are_suppressed_but_zero_is_shown() {
        assert_eq!(Count::of_pupils(0, 5), Count::Shown(0));
        assert_eq!(Count::of_pupils(1, 5), Count::Suppressed);
        assert_eq!(Count::of_pupils(4, 5), Count::Suppressed);
        assert_eq!(Count::of_pupils(5, 5), Count::Shown(5));
        assert_eq!(Count::of_pupils(1, 1), Count::Shown(1));
    }

    #[test]
    fn a_rate_is_suppressed_with_its_counts_and_empty_without_a_divisor() {
        let (one, three) = (Count::Shown(1), Count::Shown(3));
        assert_eq!(one.divided_by(three, 2), Figure::Shown(Some(0.33)));
        assert_eq!(one.divided_by(Count::Shown(0), 2), Figure::Shown(None));
        assert_eq!(Count::Suppressed.divided_by(three, 2), Figure::Suppressed);
        assert_eq!(one.divided_by(Count::Suppressed, 2), Figure::Suppressed);
    }

    #[test]
    fn portfolio_activity_orders_kinds_and_suppresses_small_ones() {
        let entries = EntriesMade {
            by_kind: vec![
                (PortfolioEntryKind::Goal, 1),
                (PortfolioEntryKind::Reflection, 3),
            ],
            pupils: 2,
        };
        let shown = portfolio_activity(entries.clone(), 1);
        assert_eq!(shown.pupils, Count::Shown(2));
        assert_eq!(
            shown.entries,
            vec![
                (PortfolioEntryKind::Reflection, Count::Shown(3)),
                (PortfolioEntryKind::Goal, Count::Shown(1)),
            ]
        );
        let hidden = portfolio_activity(entries, 3);
        assert_eq!(hidden.pupils, Count::Suppressed);
        // Goal (1) is hidden, so Reflection (3), the only other cell, is too.
        assert!(hidden.entries.iter().all(|(_, c)| *c == Count::Suppressed));
    }

    #[test]
    fn coverage_lists_schools_with_pupils_and_hides_small_ones() {
        let schools = [SchoolId::new(), SchoolId::new(), SchoolId::new()];
        let pupils = [
            (schools[0], 30),
            (schools[1], 3),
            (schools[2], 25),
            (SchoolId::new(), 0),
        ];
        let reached = coverage(&pupils, &[], 5);
        assert_eq!(reached.len(), 3, "schools without pupils are left out");
        let by_school = |school: SchoolId| {
            reached
                .iter()
                .find(|c| c.school == school)
                .map(|c| (c.pupils, c.with_experience, c.share))
        };
        assert_eq!(
            by_school(schools[0]),
            Some((Count::Shown(30), Count::Shown(0), Figure::Shown(Some(0.0))))
        );
        assert_eq!(
            by_school(schools[1]),
            Some((Count::Suppressed, Count::Shown(0), Figure::Suppressed))
        );
    }

    #[test]
    fn a_day_starts_at_local_midnight_or_when_a_clock_change_lets_it() {
        let tenant = |zone: &str| {
            use crate::values::{CountryCode, Locale, Name, TenantSlug, Timezone};
            let country = CountryCode::parse("NL").expect("a country");
            Tenant {
                id: TenantId::new(),
                slug: TenantSlug::parse("city").expect("a slug"),
                name: Name::parse("City").expect("a name"),
                country,
                locale: Locale::parse("nl-NL").expect("a locale"),
                timezone: Timezone::parse(zone).expect("a zone"),
                status: crate::tenants::TenantStatus::Active,
                settings: crate::tenants::TenantSettings::defaults_for(country),
                version: 1,
                created_at: crate::testing::now(),
                updated_at: crate::testing::now(),
            }
        };
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a day");
        let at = |s: &str| s.parse::<DateTime<Utc>>().expect("a time");
        let amsterdam = tenant("Europe/Amsterdam");
        assert_eq!(
            start_of_day(&amsterdam, day(2026, 1, 1)).ok(),
            Some(at("2025-12-31T23:00:00Z"))
        );
        assert_eq!(
            start_of_day(&amsterdam, day(2026, 7, 1)).ok(),
            Some(at("2026-06-30T22:00:00Z"))
        );
        // Santiago skips midnight when summer time starts (6 September 2026).
        let santiago = tenant("America/Santiago");
        assert_eq!(
            start_of_day(&santiago, day(2026, 9, 6)).ok(),
            Some(at("2026-09-06T04:00:00Z"))
        );
    }

    #[test]
    fn one_hidden_cell_hides_the_next_smallest_too() {
        let cells = vec![("a", 40), ("b", 3), ("c", 7), ("d", 0), ("e", 9)];
        let out = suppress_breakdown(cells, 5);
        assert_eq!(
            out,
            vec![
                ("a", Count::Shown(40)),
                ("b", Count::Suppressed),
                ("c", Count::Suppressed),
                ("d", Count::Shown(0)),
                ("e", Count::Shown(9)),
            ]
        );
        // Two hidden already: nothing more to hide.
        let out = suppress_breakdown(vec![("a", 1), ("b", 2), ("c", 8)], 5);
        assert_eq!(out[2], ("c", Count::Shown(8)));
        // Nothing hidden: all shown.
        let out = suppress_breakdown(vec![("a", 6), ("b", 8)], 5);
        assert!(out.iter().all(|(_, c)| c.shown().is_some()));
    }
}
