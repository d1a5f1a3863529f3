//! Recommendations: which open slots suit one pupil, and why.
//!
//! **Eligible.** The repository finds ([`CandidateQuery`]) the scheduled slots with a
//! seat left that start in the window, of published offerings whose ages hold the
//! pupil's certain age on the slot's date (from the birth year, erring on the side of
//! the minor) and whose education levels name the pupil's level or none; one per
//! offering, its earliest. Here, further: the offering speaks one of the pupil's
//! languages (or names none), and the pupil is not on a booking of it already (any but
//! a cancelled one: booked or attended). A pupil whose participation is refused or
//! withdrawn is offered nothing ([`super::MatchingService`]).
//!
//! **Scored** in whole points, each part with its reason:
//!
//! | reason | points |
//! |---|---|
//! | `route_target` | 40: the offering shows the route plan's target occupation |
//! | `on_route` | 25: an occupation the plan's steps lead to (a step that is the occupation, or one `qualifies_for` edge of the published map from a step) |
//! | `interest_occupation` | 10 for each portfolio entry naming one of its occupations (a talent entry counts twice), at most 30 |
//! | `interest_sector` | 5 for each entry naming one of its sectors (a talent entry twice), at most 15 |
//! | `competence_gap` | 10: it works on a career competence the portfolio has fewest entries of (when the five are not all equal) |
//! | `new_sector` | 0: none of its sectors appears in the portfolio or the pupil's bookings; this is what broadening draws on |
//! | `age_and_level` | 5 when the offering names the pupil's level, 0 when it is open to every level; always given, last, as the reason it may be on the list at all |
//!
//! Entries Driehoek wrote itself (after a completed booking) say what the pupil met,
//! not what they want: they count towards the sectors met and the competences, not
//! towards interests. An item's reasons come highest points first.
//!
//! **Ranked** by points, highest first, then the earliest start, then the offering's
//! id: the same data gives the same list. **Broadened**: every fifth place (the 5th,
//! 10th, …) goes to the best-ranked offering of a sector the pupil has not met, unless
//! enough of those ranked above it on their own; so while such offerings exist, at
//! least one in five of every list of five or more widens the pupil's view.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::ids::{SlotId, WorkVisitId};
use crate::route_maps::{Graph, NodeKind};
use crate::students::{EntryAuthor, PortfolioEntry, RoutePlan};
use crate::values::{IscoCode, LanguageCode, Name};
use crate::vocabularies::{
    Competence, EducationLevel, NaceSection, PortfolioEntryKind, RouteEdgeKind, Vocabulary,
    WorkVisitFormat,
};
use crate::work_visits::AgeRange;

/// How many items a list holds unless asked otherwise, and at most.
pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;
/// The window searched unless asked otherwise, and the longest one.
pub const DEFAULT_WINDOW_DAYS: i64 = 90;
pub const MAX_WINDOW_DAYS: i64 = 366;
/// One place in this many is kept for a sector the pupil has not met.
pub const BROADEN_EVERY: usize = 5;

vocabulary! {
    /// Why an offering is recommended to a pupil.
    pub enum ReasonCode = "recommendation_reasons" {
        RouteTarget => "route_target", "Shows the route plan's target occupation", "Laat het doelberoep van het routeplan zien";
        OnRoute => "on_route", "Shows an occupation the route plan leads to", "Laat een beroep zien waar het routeplan naartoe leidt";
        InterestOccupation => "interest_occupation", "An occupation the portfolio names", "Een beroep dat in het portfolio staat";
        InterestSector => "interest_sector", "A sector the portfolio names", "Een sector die in het portfolio staat";
        CompetenceGap => "competence_gap", "Works on the career competence the portfolio has least of", "Werkt aan de loopbaancompetentie waar het portfolio het minst over heeft";
        NewSector => "new_sector", "A sector the pupil has not met yet", "Een sector die de leerling nog niet kent";
        AgeAndLevel => "age_and_level", "Suits the pupil's age and education level", "Past bij de leeftijd en het niveau van de leerling";
    }
}

/// The language reasons are written in: the tenant's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailLanguage {
    Nl,
    En,
}

impl DetailLanguage {
    /// Dutch for a Dutch locale (`nl`, `nl-BE`), English otherwise.
    pub fn of(locale: &crate::values::Locale) -> Self {
        if locale.language() == "nl" {
            Self::Nl
        } else {
            Self::En
        }
    }

    fn pick<'a>(self, en: &'a str, nl: &'a str) -> &'a str {
        match self {
            Self::Nl => nl,
            Self::En => en,
        }
    }

    fn label<V: Vocabulary>(self, value: V) -> &'static str {
        self.pick(value.label_en(), value.label_nl())
    }
}

/// Part of the search window in which the pupil's certain age is one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgeWindow {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub age: i32,
}

/// What the repository looks for: see the module's doc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateQuery {
    /// The window, cut at each new year (the age is known by year only).
    pub windows: Vec<AgeWindow>,
    pub level: EducationLevel,
}

impl CandidateQuery {
    /// Slots starting in `[from, to)` for a pupil born in `birth_year` at `level`.
    pub fn new(
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        birth_year: i32,
        level: EducationLevel,
    ) -> Self {
        let mut windows = Vec::new();
        let mut start = from;
        while start < to {
            let next_year = NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map_or(to, |d| d.and_utc());
            let end = next_year.min(to);
            windows.push(AgeWindow {
                from: start,
                to: end,
                age: crate::students::certain_age(birth_year, start),
            });
            start = end;
        }
        Self { windows, level }
    }

    /// Whether a slot of `visit` starting at `at` is one the query looks for (the
    /// rule the repositories implement).
    pub fn fits(&self, at: DateTime<Utc>, ages: AgeRange, levels: &[EducationLevel]) -> bool {
        let age_fits = self
            .windows
            .iter()
            .any(|w| w.from <= at && at < w.to && ages.holds(w.age));
        age_fits && crate::work_visits::open_to_level(levels, self.level)
    }
}

/// An offering's earliest eligible slot, with what scoring reads of the offering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub work_visit_id: WorkVisitId,
    pub slot_id: SlotId,
    pub starts_at: DateTime<Utc>,
    pub title: Name,
    pub format: WorkVisitFormat,
    pub sectors: Vec<NaceSection>,
    pub occupations: Vec<IscoCode>,
    pub competences: Vec<Competence>,
    pub ages: AgeRange,
    pub education_levels: Vec<EducationLevel>,
    pub languages: Vec<LanguageCode>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub code: ReasonCode,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    pub work_visit_id: WorkVisitId,
    pub slot_id: SlotId,
    pub title: Name,
    pub format: WorkVisitFormat,
    pub starts_at: DateTime<Utc>,
    pub score: u32,
    pub reasons: Vec<Reason>,
}

/// What scoring knows of the pupil, gathered from the records.
#[derive(Debug, Clone)]
pub struct Profile {
    level: EducationLevel,
    languages: Vec<LanguageCode>,
    /// Offerings the pupil is on a booking of (not cancelled).
    booked: HashSet<WorkVisitId>,
    /// Sectors of the portfolio and the pupil's bookings.
    met: HashSet<NaceSection>,
    /// Interest weight per sector and occupation (an entry 1, a talent 2).
    sector_interest: HashMap<NaceSection, u32>,
    occupation_interest: HashMap<IscoCode, u32>,
    /// The competences with fewest entries, when not all have as many.
    gaps: Vec<Competence>,
    target: Option<IscoCode>,
    on_route: HashSet<IscoCode>,
    /// Occupation names the map gives, English and Dutch.
    names: HashMap<IscoCode, (Name, Option<Name>)>,
}

/// The pupil's records scoring reads.
#[derive(Debug, Clone, Copy)]
pub struct Records<'a> {
    pub level: EducationLevel,
    /// Languages the pupil takes part in (an offering naming none suits every one).
    pub languages: &'a [LanguageCode],
    /// The portfolio entries open to the pupil's school.
    pub entries: &'a [PortfolioEntry],
    /// Offerings the pupil is on a booking of (not cancelled), and their sectors.
    pub booked: &'a [WorkVisitId],
    pub booked_sectors: &'a [NaceSection],
    /// The current route plan and its published map, when both exist.
    pub plan: Option<(&'a RoutePlan, &'a Graph)>,
}

impl Profile {
    pub fn of(records: Records<'_>) -> Self {
        let mut profile = Self {
            level: records.level,
            languages: records.languages.to_vec(),
            booked: records.booked.iter().copied().collect(),
            met: records.booked_sectors.iter().copied().collect(),
            sector_interest: HashMap::new(),
            occupation_interest: HashMap::new(),
            gaps: Vec::new(),
            target: None,
            on_route: HashSet::new(),
            names: HashMap::new(),
        };
        let mut per_competence: HashMap<Competence, u32> = HashMap::new();
        for entry in records.entries {
            *per_competence.entry(entry.competence).or_default() += 1;
            profile.met.extend(entry.sectors.iter().copied());
            if entry.author_role == EntryAuthor::System {
                continue;
            }
            let weight = if entry.kind == PortfolioEntryKind::Talent {
                2
            } else {
                1
            };
            for sector in &entry.sectors {
                *profile.sector_interest.entry(*sector).or_default() += weight;
            }
            for occupation in &entry.occupations {
                *profile.occupation_interest.entry(*occupation).or_default() += weight;
            }
        }
        let count = |c: &Competence| per_competence.get(c).copied().unwrap_or(0);
        let fewest = Competence::ALL.iter().map(count).min().unwrap_or(0);
        let most = Competence::ALL.iter().map(count).max().unwrap_or(0);
        if fewest < most {
            profile.gaps = Competence::ALL
                .iter()
                .copied()
                .filter(|c| count(c) == fewest)
                .collect();
        }
        if let Some((plan, graph)) = records.plan {
            profile.target = plan.target_occupation;
            profile.on_route = route_occupations(graph, plan);
            profile.names = graph
                .nodes()
                .iter()
                .filter(|n| n.kind == NodeKind::Occupation)
                .filter_map(|n| Some((n.isco_code?, (n.name_en.clone(), n.name_nl.clone()))))
                .collect();
        }
        profile
    }

    /// Whether the pupil may be offered `candidate` at all (beyond the repository's
    /// rules).
    fn eligible(&self, candidate: &Candidate) -> bool {
        !self.booked.contains(&candidate.work_visit_id)
            && (candidate.languages.is_empty()
                || candidate
                    .languages
                    .iter()
                    .any(|l| self.languages.contains(l)))
    }

    fn occupation_name(&self, code: IscoCode, lang: DetailLanguage) -> String {
        match self.names.get(&code) {
            Some((en, nl)) => match (lang, nl) {
                (DetailLanguage::Nl, Some(nl)) => nl.to_string(),
                _ => en.to_string(),
            },
            None => format!("ISCO {}", code.as_str()),
        }
    }

    /// The points and reasons of one eligible candidate, highest points first (the
    /// details are written only for the items that make the list).
    fn score(&self, c: &Candidate) -> (u32, Vec<Part>) {
        let mut parts: Vec<Part> = Vec::new();
        let target = self.target.filter(|t| c.occupations.contains(t));
        if let Some(target) = target {
            parts.push(Part::new(
                40,
                ReasonCode::RouteTarget,
                About::Occupation(target),
            ));
        }
        if let Some(on) = c
            .occupations
            .iter()
            .find(|o| Some(**o) != target && self.on_route.contains(o))
        {
            parts.push(Part::new(25, ReasonCode::OnRoute, About::Occupation(*on)));
        }
        if let Some(occupation) = strongest(&c.occupations, &self.occupation_interest) {
            let total: u32 = c
                .occupations
                .iter()
                .filter_map(|o| self.occupation_interest.get(o))
                .sum();
            parts.push(Part::new(
                (10 * total).min(30),
                ReasonCode::InterestOccupation,
                About::Occupation(occupation),
            ));
        }
        if let Some(sector) = strongest(&c.sectors, &self.sector_interest) {
            let total: u32 = c
                .sectors
                .iter()
                .filter_map(|s| self.sector_interest.get(s))
                .sum();
            parts.push(Part::new(
                (5 * total).min(15),
                ReasonCode::InterestSector,
                About::Sector(sector),
            ));
        }
        if let Some(gap) = self.gaps.iter().find(|g| c.competences.contains(g)) {
            parts.push(Part::new(
                10,
                ReasonCode::CompetenceGap,
                About::Competence(*gap),
            ));
        }
        if let Some(new) = self.new_sector(c) {
            parts.push(Part::new(0, ReasonCode::NewSector, About::Sector(new)));
        }
        parts.sort_by_key(|part| std::cmp::Reverse(part.points));
        let targeted = c.education_levels.contains(&self.level);
        parts.push(Part::new(
            if targeted { 5 } else { 0 },
            ReasonCode::AgeAndLevel,
            About::Fit {
                ages: c.ages,
                targeted,
            },
        ));
        let score = parts.iter().map(|part| part.points).sum();
        (score, parts)
    }

    /// The short sentence a reason gives the pupil.
    fn detail(&self, part: &Part, lang: DetailLanguage) -> String {
        use DetailLanguage::{En, Nl};
        match (part.code, &part.about, lang) {
            (ReasonCode::RouteTarget, About::Occupation(o), Nl) => {
                format!(
                    "Laat je doelberoep zien: {}",
                    self.occupation_name(*o, lang)
                )
            }
            (ReasonCode::RouteTarget, About::Occupation(o), En) => {
                format!(
                    "Shows your target occupation: {}",
                    self.occupation_name(*o, lang)
                )
            }
            (ReasonCode::OnRoute, About::Occupation(o), Nl) => {
                format!(
                    "Je route leidt naar dit beroep: {}",
                    self.occupation_name(*o, lang)
                )
            }
            (ReasonCode::OnRoute, About::Occupation(o), En) => format!(
                "Your route leads to this occupation: {}",
                self.occupation_name(*o, lang)
            ),
            (_, About::Occupation(o), Nl) => {
                format!("Je portfolio noemt {}", self.occupation_name(*o, lang))
            }
            (_, About::Occupation(o), En) => {
                format!("Your portfolio names {}", self.occupation_name(*o, lang))
            }
            (ReasonCode::NewSector, About::Sector(s), Nl) => {
                format!("Een sector die je nog niet kent: {}", lang.label(*s))
            }
            (ReasonCode::NewSector, About::Sector(s), En) => {
                format!("A sector you have not met yet: {}", lang.label(*s))
            }
            (_, About::Sector(s), Nl) => format!("Je portfolio noemt de sector {}", lang.label(*s)),
            (_, About::Sector(s), En) => {
                format!("Your portfolio names the sector {}", lang.label(*s))
            }
            (_, About::Competence(c), Nl) => {
                format!(
                    "Werkt aan wat je portfolio het minst heeft: {}",
                    lang.label(*c)
                )
            }
            (_, About::Competence(c), En) => {
                format!(
                    "Works on what your portfolio has least of: {}",
                    lang.label(*c)
                )
            }
            (_, About::Fit { ages, targeted }, _) => {
                let (min, max) = (ages.min(), ages.max());
                let level = lang.label(self.level);
                match (lang, targeted) {
                    (Nl, true) => format!("Voor {min}–{max} jaar en voor jouw niveau ({level})"),
                    (Nl, false) => format!("Voor {min}–{max} jaar en voor elk niveau"),
                    (En, true) => format!("For ages {min}–{max} and for your level ({level})"),
                    (En, false) => format!("For ages {min}–{max} and for every level"),
                }
            }
        }
    }

    /// The offering's first sector, when none of its sectors is one the pupil met.
    fn new_sector(&self, c: &Candidate) -> Option<NaceSection> {
        if c.sectors.iter().any(|s| self.met.contains(s)) {
            None
        } else {
            c.sectors.first().copied()
        }
    }
}

/// Of `codes`, the one with the highest weight (the first on a tie), if any has one.
fn strongest<T: Copy + Eq + std::hash::Hash>(codes: &[T], weights: &HashMap<T, u32>) -> Option<T> {
    let mut best: Option<(T, u32)> = None;
    for code in codes {
        if let Some(&w) = weights.get(code)
            && best.is_none_or(|(_, b)| w > b)
        {
            best = Some((*code, w));
        }
    }
    best.map(|(code, _)| code)
}

/// The occupations the plan's steps lead to: steps that are occupations, and those
/// one `qualifies_for` edge away from a step.
fn route_occupations(graph: &Graph, plan: &RoutePlan) -> HashSet<IscoCode> {
    let mut found = HashSet::new();
    for step in &plan.steps {
        if let Some(node) = graph.node(step)
            && node.kind == NodeKind::Occupation
        {
            found.extend(node.isco_code);
        }
        for (edge, next) in graph.next(step).unwrap_or_default() {
            if edge.kind == RouteEdgeKind::QualifiesFor {
                found.extend(next.isco_code);
            }
        }
    }
    found
}

/// One part of a candidate's score, and what its reason will speak of.
#[derive(Debug, Clone, Copy)]
struct Part {
    points: u32,
    code: ReasonCode,
    about: About,
}

impl Part {
    fn new(points: u32, code: ReasonCode, about: About) -> Self {
        Self {
            points,
            code,
            about,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum About {
    Occupation(IscoCode),
    Sector(NaceSection),
    Competence(Competence),
    Fit { ages: AgeRange, targeted: bool },
}

/// An eligible candidate with its points.
#[derive(Clone)]
struct Scored {
    candidate: Candidate,
    score: u32,
    parts: Vec<Part>,
    new_sector: bool,
}

/// The order of the list: points, highest first, then the earliest start, then the
/// offering's id.
fn rank_order(a: &Scored, b: &Scored) -> std::cmp::Ordering {
    b.score
        .cmp(&a.score)
        .then(a.candidate.starts_at.cmp(&b.candidate.starts_at))
        .then(a.candidate.work_visit_id.cmp(&b.candidate.work_visit_id))
}

/// The candidates a list of `limit` can draw on, kept as they arrive, so a request
/// holds a few dozen candidates, never all of them. [`broaden`] takes at most `limit`
/// items: the ones in rank order come from the best `2 × limit` (at most `limit` of
/// those are taken out of turn as new-sector items), and the new-sector ones from the
/// best `2 × limit` new-sector candidates (at most `limit` of those are taken in
/// turn first). So the answer over the shortlist is the answer over all candidates
/// (a test holds it to that).
pub struct Shortlist<'p> {
    profile: &'p Profile,
    limit: usize,
    best: Vec<Scored>,
    best_new: Vec<Scored>,
}

impl<'p> Shortlist<'p> {
    pub fn new(profile: &'p Profile, limit: usize) -> Self {
        Self {
            profile,
            limit,
            best: Vec::new(),
            best_new: Vec::new(),
        }
    }

    /// Scores `candidate` if it is eligible and keeps it if it may be listed.
    pub fn offer(&mut self, candidate: Candidate) {
        if !self.profile.eligible(&candidate) {
            return;
        }
        let (score, parts) = self.profile.score(&candidate);
        let scored = Scored {
            new_sector: self.profile.new_sector(&candidate).is_some(),
            candidate,
            score,
            parts,
        };
        let keep = 2 * self.limit;
        if scored.new_sector {
            keep_best(&mut self.best_new, scored.clone(), keep);
        }
        keep_best(&mut self.best, scored, keep);
    }

    /// The list: ranked and broadened (module doc), at most `limit`.
    pub fn finish(self, lang: DetailLanguage) -> Vec<Recommendation> {
        let Self {
            profile,
            limit,
            mut best,
            best_new,
        } = self;
        for scored in best_new {
            if !best
                .iter()
                .any(|s| s.candidate.work_visit_id == scored.candidate.work_visit_id)
            {
                best.push(scored);
            }
        }
        best.sort_by(rank_order);
        broaden(best, limit)
            .into_iter()
            .map(|s| Recommendation {
                reasons: s
                    .parts
                    .iter()
                    .map(|part| Reason {
                        code: part.code,
                        detail: profile.detail(part, lang),
                    })
                    .collect(),
                work_visit_id: s.candidate.work_visit_id,
                slot_id: s.candidate.slot_id,
                title: s.candidate.title,
                format: s.candidate.format,
                starts_at: s.candidate.starts_at,
                score: s.score,
            })
            .collect()
    }
}

/// Inserts `scored` into `kept` (in rank order) if it is among the best `keep`.
fn keep_best(kept: &mut Vec<Scored>, scored: Scored, keep: usize) {
    let at = kept.partition_point(|k| rank_order(k, &scored).is_lt());
    if at < keep {
        kept.insert(at, scored);
        kept.truncate(keep);
    }
}

/// The pupil's list from `candidates`: eligible ones scored, ranked and broadened
/// (module doc), at most `limit`.
pub fn recommend(
    profile: &Profile,
    candidates: Vec<Candidate>,
    limit: usize,
    lang: DetailLanguage,
) -> Vec<Recommendation> {
    let mut shortlist = Shortlist::new(profile, limit);
    for candidate in candidates {
        shortlist.offer(candidate);
    }
    shortlist.finish(lang)
}

/// Takes the ranked list in order, but for every fifth place a new-sector item when
/// fewer than one in five so far are.
fn broaden(ranked: Vec<Scored>, limit: usize) -> Vec<Scored> {
    let mut left: Vec<Option<Scored>> = ranked.into_iter().map(Some).collect();
    let mut chosen: Vec<Scored> = Vec::with_capacity(limit.min(left.len()));
    let mut new_chosen = 0;
    let (mut next, mut next_new) = (0, 0);
    while chosen.len() < limit {
        let place = chosen.len() + 1;
        let owed = place.is_multiple_of(BROADEN_EVERY) && new_chosen < place / BROADEN_EVERY;
        let mut take = None;
        if owed {
            while next_new < left.len() && !left[next_new].as_ref().is_some_and(|s| s.new_sector) {
                next_new += 1;
            }
            if next_new < left.len() {
                take = Some(next_new);
            }
        }
        if take.is_none() {
            while next < left.len() && left[next].is_none() {
                next += 1;
            }
            if next == left.len() {
                break;
            }
            take = Some(next);
        }
        let Some(item) = take.and_then(|i| left[i].take()) else {
            break;
        };
        new_chosen += usize::from(item.new_sector);
        chosen.push(item);
    }
    chosen
}

#[cfg(test)]
mod tests;
