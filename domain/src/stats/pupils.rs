//! The city's counts of pupils as one protected table (DESIGN.md §4 "stats"): by
//! school, grade, encounters and neighbourhood, suppressed together so that no small
//! count can be worked out from the others.

use super::*;

/// The counts of pupils by school, grade, encounters and neighbourhood, protected as
/// one table: each school's pupils are the sum of its grades', each grade's the sum
/// of its encounter bands, the city's bands the sums of the grades', each area's the
/// sum of its schools', and the pupils reached (`named_pupils`) the sum of the schools'
/// — so no suppressed count can be worked out from the others.
pub struct PupilTable {
    pub coverage: Vec<Coverage>,
    pub encounters: Encounters,
    pub areas: Vec<AreaReach>,
    pub named_pupils: Count,
}

/// [`PupilTable`] from what was read: the visits give each named pupil's encounters;
/// `named_total` is the reach's count of distinct named pupils.
pub fn pupil_table(facts: &Facts, named_total: u64, threshold: u32) -> PupilTable {
    let mut encounters: HashMap<StudentId, u64> = HashMap::new();
    for v in &facts.visits {
        for pupil in came(&v.booking) {
            *encounters.entry(pupil).or_default() += 1;
        }
    }
    // Bands 1, 2 and 3+ of each group from the named pupils now in it.
    let mut reached: HashMap<&PupilGroupKey, [u64; ENCOUNTER_BANDS]> = HashMap::new();
    for (pupil, key) in &facts.named {
        let n = encounters.get(pupil).copied().unwrap_or(0);
        let band = usize::try_from(n).map_or(ENCOUNTER_BANDS - 1, |n| n.min(ENCOUNTER_BANDS - 1));
        if band > 0 {
            reached.entry(key).or_default()[band] += 1;
        }
    }
    let mut groups: Vec<(&PupilGroup, [u64; ENCOUNTER_BANDS])> = facts
        .groups
        .iter()
        .filter(|g| g.pupils > 0)
        .map(|g| {
            let mut bands = reached.get(&g.key).copied().unwrap_or_default();
            bands[0] = g.pupils.saturating_sub(bands[1..].iter().sum());
            (g, bands)
        })
        .collect();
    groups.sort_by(|a, b| a.0.key.cmp(&b.0.key));

    let mut d = Disclosure::new();
    // Each grade: its bands, and its pupils as their sum.
    let rows: Vec<(CellId, [CellId; ENCOUNTER_BANDS])> = groups
        .iter()
        .map(|(g, bands)| {
            let total = d.pupils(g.pupils, threshold);
            let cells = bands.map(|n| d.pupils(n, threshold));
            d.sum(total, cells.to_vec());
            (total, cells)
        })
        .collect();
    // Each school: its pupils and those reached, as sums of its grades.
    let mut by_school: BTreeMap<SchoolId, Vec<usize>> = BTreeMap::new();
    for (i, (g, _)) in groups.iter().enumerate() {
        by_school.entry(g.key.0).or_default().push(i);
    }
    /// A school's pupils and those reached: the counts and their cells.
    struct SchoolCells {
        school: SchoolId,
        pupils: u64,
        with: u64,
        pupils_cell: CellId,
        with_cell: CellId,
    }
    let schools: Vec<SchoolCells> = by_school
        .iter()
        .map(|(school, members)| {
            let pupils: u64 = members.iter().map(|&i| groups[i].0.pupils).sum();
            let with: u64 = members
                .iter()
                .map(|&i| groups[i].1[1..].iter().sum::<u64>())
                .sum();
            let p = d.pupils(pupils, threshold);
            d.sum(p, members.iter().map(|&i| rows[i].0).collect());
            let r = d.pupils(with, threshold);
            d.sum(
                r,
                members
                    .iter()
                    .flat_map(|&i| rows[i].1[1..].to_vec())
                    .collect(),
            );
            SchoolCells {
                school: *school,
                pupils,
                with,
                pupils_cell: p,
                with_cell: r,
            }
        })
        .collect();
    // The city: each band over all grades, the whole, and the pupils reached.
    let city_bands: [CellId; ENCOUNTER_BANDS] = std::array::from_fn(|b| {
        let cell = d.pupils(groups.iter().map(|(_, bands)| bands[b]).sum(), threshold);
        d.sum(cell, rows.iter().map(|(_, cells)| cells[b]).collect());
        cell
    });
    let city = d.pupils(groups.iter().map(|(g, _)| g.pupils).sum(), threshold);
    d.sum(city, city_bands.to_vec());
    d.sum(city, schools.iter().map(|s| s.pupils_cell).collect());
    let named = d.pupils(named_total, threshold);
    d.sum(named, schools.iter().map(|s| s.with_cell).collect());
    // Neighbourhoods, as sums of their schools.
    let area_of: HashMap<SchoolId, String> = facts
        .postal_codes
        .iter()
        .filter_map(|(school, code)| postal_area(code).map(|a| (*school, a)))
        .collect();
    let mut by_area: BTreeMap<Option<String>, Vec<&SchoolCells>> = BTreeMap::new();
    for school in &schools {
        by_area
            .entry(area_of.get(&school.school).cloned())
            .or_default()
            .push(school);
    }
    let areas: Vec<(Option<String>, u64, u64, CellId, CellId)> = by_area
        .into_iter()
        .map(|(area, members)| {
            let p = d.pupils(members.iter().map(|s| s.pupils).sum(), threshold);
            d.sum(p, members.iter().map(|s| s.pupils_cell).collect());
            let r = d.pupils(members.iter().map(|s| s.with).sum(), threshold);
            d.sum(r, members.iter().map(|s| s.with_cell).collect());
            let visits = facts
                .visits
                .iter()
                .filter(|v| members.iter().any(|s| s.school == v.booking.school_id))
                .count() as u64;
            (area, members.len() as u64, visits, p, r)
        })
        .collect();
    d.sum(city, areas.iter().map(|a| a.3).collect());
    d.sum(named, areas.iter().map(|a| a.4).collect());
    d.protect();

    let count = |cell: CellId| d.value(cell).map_or(Count::Suppressed, Count::Shown);
    PupilTable {
        coverage: schools
            .iter()
            .map(|s| {
                let (pupils, with_experience) = (count(s.pupils_cell), count(s.with_cell));
                Coverage {
                    school: s.school,
                    pupils,
                    with_experience,
                    share: with_experience.divided_by(pupils, 3),
                }
            })
            .collect(),
        encounters: Encounters {
            pupils: count(city),
            by_count: city_bands.map(count),
            groups: groups
                .iter()
                .zip(&rows)
                .map(|((g, _), (total, cells))| EncounterGroup {
                    school: g.key.0,
                    grade: g.key.1.clone(),
                    pupils: count(*total),
                    by_count: cells.map(count),
                })
                .collect(),
        },
        areas: areas
            .into_iter()
            .map(|(area, schools, visits, p, r)| AreaReach {
                area,
                schools,
                visits,
                pupils: count(p),
                reached: count(r),
            })
            .collect(),
        named_pupils: count(named),
    }
}
