//! The city's figures on the wire: counts of pupils too small to publish are `null`,
//! and their JSON Pointers listed in `suppressed`.

use driehoek_domain::stats::{Figure, Report};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{FeedbackAuthorCode, NaceSectionCode, PortfolioEntryKindCode};

/// What the partnership reached: visits by their slot's start.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReachOut {
    /// Completed bookings.
    pub visits: u64,
    /// Distinct slots those took place in.
    pub sessions: u64,
    /// The slots' time in hours (their sessions' where a slot has sessions).
    pub hours: f64,
    pub schools: u64,
    /// Host businesses.
    pub partners: u64,
    pub coaches: u64,
    /// Pupils present (seats where no attendance was recorded); `null` when suppressed.
    pub participants: Option<u64>,
    /// Distinct pupils named on the visits and not marked absent; `null` when suppressed.
    pub named_pupils: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceOut {
    /// Present, over visits with attendance recorded; `null` when suppressed.
    pub present: Option<u64>,
    /// Absent, over visits with attendance recorded; `null` when suppressed.
    pub absent: Option<u64>,
    /// `absent / (present + absent)`; `null` when either is suppressed or none recorded.
    pub no_show_rate: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SectorOut {
    pub sector: NaceSectionCode,
    /// Participants in offerings of this sector (an offering in two sectors counts in
    /// both); `null` when suppressed.
    pub participants: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SatisfactionOut {
    pub author: FeedbackAuthorCode,
    /// Feedback given; pupils' is suppressed like counts of pupils.
    pub responses: Option<u64>,
    /// 1-5; `null` with no (or suppressed) responses.
    pub average_rating: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HostAgainOut {
    pub yes: u64,
    pub no: u64,
}

/// One school's pupils and how many a visit reached.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageOut {
    pub school_id: Uuid,
    /// Active pupils now; `null` when suppressed.
    pub pupils: Option<u64>,
    /// Of those, named on a completed visit of the period and not marked absent (pupils
    /// booked by head count are not known by name); `null` when suppressed.
    pub with_experience: Option<u64>,
    /// `with_experience / pupils`; `null` when either is suppressed.
    pub share: Option<f64>,
}

/// Pupils by how many completed experiences they had in the period: 0, 1, 2, 3 or
/// more. Each `null` when suppressed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EncounterBandsOut {
    pub none: Option<u64>,
    pub one: Option<u64>,
    pub two: Option<u64>,
    pub three_or_more: Option<u64>,
}

/// One school's grade by encounters.
#[derive(Debug, Serialize, ToSchema)]
pub struct EncounterGroupOut {
    pub school_id: Uuid,
    /// The pupils' grade as the school records it (`null`: pupils without one).
    pub grade: Option<String>,
    /// Active pupils now; `null` when suppressed.
    pub pupils: Option<u64>,
    pub by_count: EncounterBandsOut,
}

/// How many encounters with work each pupil had: named on a completed visit of the
/// period and not marked absent (pupils booked by head count are not known by name);
/// pupils as they are now (active, at their school and grade).
#[derive(Debug, Serialize, ToSchema)]
pub struct EncountersOut {
    /// The city's active pupils; `null` when suppressed.
    pub pupils: Option<u64>,
    pub by_count: EncounterBandsOut,
    /// By school and grade.
    pub groups: Vec<EncounterGroupOut>,
}

/// Completed visits with the whole cycle around them.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeaningfulOut {
    pub visits: u64,
    /// The class prepared (`prepared_at`).
    pub prepared: u64,
    /// The class debriefed (`debriefed_at`).
    pub debriefed: u64,
    /// Feedback from both the school and the host.
    pub feedback_from_both: u64,
    /// All three: prepared, debriefed, feedback from both sides.
    pub meaningful: u64,
    /// `meaningful / visits`; `null` without visits.
    pub share: Option<f64>,
}

/// A neighbourhood: the schools whose postal code starts with `area`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AreaOut {
    /// The first four characters of the postal code (`3015`); `null` for schools
    /// without one.
    #[schema(example = "3015")]
    pub area: Option<String>,
    pub schools: u64,
    /// Completed visits of its schools.
    pub visits: u64,
    /// Active pupils of its schools; `null` when suppressed.
    pub pupils: Option<u64>,
    /// Of those, with at least one encounter; `null` when suppressed.
    pub reached: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryKindOut {
    pub kind: PortfolioEntryKindCode,
    /// `null` when suppressed.
    pub entries: Option<u64>,
}

/// Portfolio entries made in the period, whatever the programme.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortfolioActivityOut {
    /// Distinct pupils with a new entry; `null` when suppressed.
    pub pupils: Option<u64>,
    /// By kind, largest first.
    pub entries: Vec<EntryKindOut>,
}

/// Route plans as they stood at the end of the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoutePlansOut {
    /// Pupils with a route plan; `null` when suppressed.
    pub pupils_with_plan: Option<u64>,
    /// Of those, plans a guardian agreed to on a day of the period; `null` when
    /// suppressed.
    pub agreed_with_guardian: Option<u64>,
}

/// The city's figures for a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsOut {
    #[schema(example = "2026-01-01")]
    pub from: String,
    #[schema(example = "2027-01-01")]
    pub to: String,
    /// The time zone the days are counted in: the tenant's.
    #[schema(example = "Europe/Amsterdam")]
    pub timezone: String,
    pub programme_id: Option<Uuid>,
    /// Counts of pupils from 1 to one less than this are suppressed.
    pub small_cell_threshold: u32,
    pub reach: ReachOut,
    pub attendance: AttendanceOut,
    /// Largest first.
    pub sectors: Vec<SectorOut>,
    /// By who gave the feedback: `school`, `business`, `student`.
    pub satisfaction: Vec<SatisfactionOut>,
    /// Hosts' answers to "would you host again?".
    pub would_host_again: HostAgainOut,
    /// Each school with active pupils (by id), with how many of them a visit reached.
    pub coverage: Vec<CoverageOut>,
    pub encounters_per_pupil: EncountersOut,
    pub meaningful: MeaningfulOut,
    /// Reach by neighbourhood, in order of the area.
    pub areas: Vec<AreaOut>,
    pub portfolio: PortfolioActivityOut,
    pub route_plans: RoutePlansOut,
    /// JSON Pointers of the values suppressed: counts of pupils under the threshold,
    /// and with them enough others that none can be worked out by adding and
    /// subtracting the published ones (the counts of pupils by school, grade,
    /// encounters and area are protected as one table; other breakdowns hide their
    /// next smallest cell).
    #[schema(example = json!(["/reach/named_pupils"]))]
    pub suppressed: Vec<String>,
}

/// Encounter bands as published, noting the suppressed ones under `at`.
fn bands(by_count: [Figure<u64>; 4], at: &str, suppressed: &mut Vec<String>) -> EncounterBandsOut {
    let [none, one, two, three] = by_count;
    EncounterBandsOut {
        none: published(none, format!("{at}/none"), suppressed),
        one: published(one, format!("{at}/one"), suppressed),
        two: published(two, format!("{at}/two"), suppressed),
        three_or_more: published(three, format!("{at}/three_or_more"), suppressed),
    }
}

/// The published value of `figure`, noting `pointer` when it is suppressed.
fn published<T>(figure: Figure<T>, pointer: String, suppressed: &mut Vec<String>) -> Option<T> {
    if matches!(figure, Figure::Suppressed) {
        suppressed.push(pointer);
    }
    figure.shown()
}

impl StatsOut {
    pub fn new(report: Report, timezone: &str) -> Self {
        let mut hidden = Vec::new();
        let reach = ReachOut {
            visits: report.reach.visits,
            sessions: report.reach.sessions,
            hours: report.reach.hours,
            schools: report.reach.schools,
            partners: report.reach.partners,
            coaches: report.reach.coaches,
            participants: published(
                report.reach.participants,
                "/reach/participants".into(),
                &mut hidden,
            ),
            named_pupils: published(
                report.reach.named_pupils,
                "/reach/named_pupils".into(),
                &mut hidden,
            ),
        };
        let attendance = AttendanceOut {
            present: published(
                report.attendance.present,
                "/attendance/present".into(),
                &mut hidden,
            ),
            absent: published(
                report.attendance.absent,
                "/attendance/absent".into(),
                &mut hidden,
            ),
            no_show_rate: published(
                report.attendance.no_show_rate,
                "/attendance/no_show_rate".into(),
                &mut hidden,
            )
            .flatten(),
        };
        let sectors = report
            .sectors
            .into_iter()
            .enumerate()
            .map(|(i, (sector, count))| SectorOut {
                sector: NaceSectionCode(sector),
                participants: published(count, format!("/sectors/{i}/participants"), &mut hidden),
            })
            .collect();
        let satisfaction = report
            .satisfaction
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let responses = published(
                    s.responses,
                    format!("/satisfaction/{i}/responses"),
                    &mut hidden,
                );
                let average_rating = published(
                    s.average_rating,
                    format!("/satisfaction/{i}/average_rating"),
                    &mut hidden,
                );
                SatisfactionOut {
                    author: FeedbackAuthorCode(s.author),
                    responses,
                    average_rating: average_rating.flatten(),
                }
            })
            .collect();
        let coverage = report
            .coverage
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let pupils = published(c.pupils, format!("/coverage/{i}/pupils"), &mut hidden);
                let with_experience = published(
                    c.with_experience,
                    format!("/coverage/{i}/with_experience"),
                    &mut hidden,
                );
                let share = published(c.share, format!("/coverage/{i}/share"), &mut hidden);
                CoverageOut {
                    school_id: c.school.as_uuid(),
                    pupils,
                    with_experience,
                    share: share.flatten(),
                }
            })
            .collect();
        let encounters = EncountersOut {
            pupils: published(
                report.encounters.pupils,
                "/encounters_per_pupil/pupils".into(),
                &mut hidden,
            ),
            by_count: bands(
                report.encounters.by_count,
                "/encounters_per_pupil/by_count",
                &mut hidden,
            ),
            groups: report
                .encounters
                .groups
                .into_iter()
                .enumerate()
                .map(|(i, g)| {
                    let at = format!("/encounters_per_pupil/groups/{i}");
                    EncounterGroupOut {
                        school_id: g.school.as_uuid(),
                        grade: g.grade,
                        pupils: published(g.pupils, format!("{at}/pupils"), &mut hidden),
                        by_count: bands(g.by_count, &format!("{at}/by_count"), &mut hidden),
                    }
                })
                .collect(),
        };
        let m = report.meaningful;
        let meaningful = MeaningfulOut {
            visits: m.visits,
            prepared: m.prepared,
            debriefed: m.debriefed,
            feedback_from_both: m.feedback_from_both,
            meaningful: m.meaningful,
            share: m.share,
        };
        let areas = report
            .areas
            .into_iter()
            .enumerate()
            .map(|(i, a)| AreaOut {
                area: a.area,
                schools: a.schools,
                visits: a.visits,
                pupils: published(a.pupils, format!("/areas/{i}/pupils"), &mut hidden),
                reached: published(a.reached, format!("/areas/{i}/reached"), &mut hidden),
            })
            .collect();
        let portfolio = PortfolioActivityOut {
            pupils: published(
                report.portfolio.pupils,
                "/portfolio/pupils".into(),
                &mut hidden,
            ),
            entries: report
                .portfolio
                .entries
                .into_iter()
                .enumerate()
                .map(|(i, (kind, count))| EntryKindOut {
                    kind: PortfolioEntryKindCode(kind),
                    entries: published(
                        count,
                        format!("/portfolio/entries/{i}/entries"),
                        &mut hidden,
                    ),
                })
                .collect(),
        };
        let route_plans = RoutePlansOut {
            pupils_with_plan: published(
                report.route_plans.pupils_with_plan,
                "/route_plans/pupils_with_plan".into(),
                &mut hidden,
            ),
            agreed_with_guardian: published(
                report.route_plans.agreed_with_guardian,
                "/route_plans/agreed_with_guardian".into(),
                &mut hidden,
            ),
        };
        Self {
            from: report.query.from.to_string(),
            to: report.query.to.to_string(),
            timezone: timezone.to_owned(),
            programme_id: report.query.programme.map(|p| p.as_uuid()),
            small_cell_threshold: report.small_cell_threshold,
            reach,
            attendance,
            sectors,
            satisfaction,
            would_host_again: HostAgainOut {
                yes: report.would_host_again.0,
                no: report.would_host_again.1,
            },
            coverage,
            encounters_per_pupil: encounters,
            meaningful,
            areas,
            portfolio,
            route_plans,
            suppressed: hidden,
        }
    }
}
