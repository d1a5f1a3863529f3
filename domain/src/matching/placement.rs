//! Placing a whole class over the slots of one day (a bliksemstage): each pupil on one
//! slot of an offering they chose, or unplaced.
//!
//! **Rules, never broken.** A pupil goes only to a slot of one of their choices that
//! fits them (age, level, consent: decided by the caller, [`Wishes::fits`]). A slot
//! takes at most its seats left and the offering's largest group; a slot that gets
//! anyone gets at least the offering's smallest group.
//!
//! **Best, in this order** (lexicographically): the most pupils placed; then the most
//! first choices; then the most second choices; and so on. So one more pupil placed
//! outweighs any number of better ranks, and one more first choice any number of
//! second ones.
//!
//! **How.** Without smallest groups this is an assignment problem: pupils against the
//! seats of each slot (as many seat columns as it can take) and one "unplaced" column
//! per pupil, each pupil's weight on a seat encoding the order above as a number in
//! base `pupils + 1`. The Kuhn–Munkres (Hungarian) algorithm of the `pathfinding`
//! crate finds the optimum in `O(n²·m)`. Smallest groups make a slot all-or-nothing;
//! a branch and bound handles them: solve with every slot open; if a slot got a group
//! that is too small, branch on closing it (no one) or forcing it (at least its
//! smallest group, by a bonus on its first seats larger than anything else is worth);
//! each solve bounds the best its branch can reach, so branches that cannot beat the
//! best found are cut. Closing is tried first, so the first complete answer comes
//! within one solve per slot and is always valid.
//!
//! **Guarantee.** The answer always keeps every rule. It is the optimum whenever the
//! search ends within its budget of solves ([`Assignment::optimal`] says so), which the
//! budget is set for on classes and days of the sizes schools plan (and always on the
//! small cases the brute-force test compares); otherwise it is the best found. The same
//! input gives the same answer.

use pathfinding::kuhn_munkres::{Weights, kuhn_munkres};

use crate::ids::WorkVisitId;

/// The most pupils one placement takes.
pub const MAX_PUPILS: usize = 500;
/// The most slots one placement spreads over.
pub const MAX_SLOTS: usize = 100;
/// The most choices a pupil gives.
pub const MAX_CHOICES: usize = 10;

/// One slot as the placement sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotSeats {
    pub offering: WorkVisitId,
    /// Seats left on the slot now.
    pub seats: u32,
    /// The offering's smallest and largest group.
    pub group_min: u32,
    pub group_max: u32,
}

/// One pupil's ranked choices, and which slots fit the pupil at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wishes {
    /// Offerings, most wanted first (distinct).
    pub choices: Vec<WorkVisitId>,
    /// Per slot (in the problem's order): whether the pupil may go there.
    pub fits: Vec<bool>,
}

impl Wishes {
    /// The rank (1 = first choice) a place on `slot` gives this pupil, if any.
    fn rank(&self, slots: &[SlotSeats], slot: usize) -> Option<usize> {
        if !self.fits.get(slot).copied().unwrap_or(false) {
            return None;
        }
        let offering = slots.get(slot)?.offering;
        self.choices
            .iter()
            .position(|c| *c == offering)
            .map(|p| p + 1)
    }
}

/// The answer: per pupil, the slot (index in the problem) and rank, or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub places: Vec<Option<Place>>,
    /// Whether the search proved this the optimum.
    pub optimal: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub slot: usize,
    pub rank: usize,
}

impl Assignment {
    /// How many pupils got each rank: `totals[0]` first choices, `totals[1]` second,
    /// and so on, `MAX_CHOICES` long.
    pub fn totals(&self) -> Vec<u32> {
        let mut totals = vec![0; MAX_CHOICES];
        for place in self.places.iter().flatten() {
            if let Some(t) = totals.get_mut(place.rank - 1) {
                *t += 1;
            }
        }
        totals
    }

    pub fn unplaced(&self) -> usize {
        self.places.iter().filter(|p| p.is_none()).count()
    }
}

/// What to do with a slot whose group would be too small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision {
    Open,
    Closed,
    Forced,
}

/// The problem, with what every solve shares.
struct Search<'a> {
    slots: &'a [SlotSeats],
    /// Per pupil per slot: the weight of a seat there (`None`: may not go).
    weights: Vec<Vec<Option<i128>>>,
    /// Seat columns each slot can use.
    caps: Vec<usize>,
    /// What forcing a slot's smallest group adds per seat: more than all else together.
    force_bonus: i128,
    budget: usize,
    exhausted: bool,
    best: Option<(i128, Vec<Option<usize>>)>,
}

/// The weight matrix of one solve, computed on demand.
struct Matrix<'a> {
    search: &'a Search<'a>,
    /// Per seat column: its slot, and whether it carries the forcing bonus.
    columns: Vec<(usize, bool)>,
    /// 1, or -1 for the negated matrix.
    sign: i128,
}

impl Weights<i128> for Matrix<'_> {
    fn rows(&self) -> usize {
        self.search.weights.len()
    }

    fn columns(&self) -> usize {
        self.columns.len() + self.rows()
    }

    fn at(&self, row: usize, col: usize) -> i128 {
        let Some(&(slot, bonus)) = self.columns.get(col) else {
            return 0; // an "unplaced" column
        };
        self.sign
            * match self.search.weights[row][slot] {
                Some(w) if bonus => w + self.search.force_bonus,
                Some(w) => w,
                // Below "unplaced": an optimum never uses it, as a free unplaced
                // column is always there to move the pupil to.
                None => -1,
            }
    }

    fn neg(&self) -> Self {
        Self {
            search: self.search,
            columns: self.columns.clone(),
            sign: -self.sign,
        }
    }
}

/// One solve's outcome: the true value, each pupil's slot, and whether every forced
/// slot got its smallest group.
struct Solved {
    value: i128,
    slots: Vec<Option<usize>>,
    forced_met: bool,
}

impl Search<'_> {
    fn solve(&mut self, decisions: &[Decision]) -> Solved {
        self.budget = self.budget.saturating_sub(1);
        let mut columns = Vec::new();
        for (slot, decision) in decisions.iter().enumerate() {
            let min = self.slots[slot].group_min as usize;
            if *decision != Decision::Closed {
                columns.extend(
                    (0..self.caps[slot])
                        .map(|seat| (slot, *decision == Decision::Forced && seat < min)),
                );
            }
        }
        let matrix = Matrix {
            search: self,
            columns,
            sign: 1,
        };
        let (_, assigned) = kuhn_munkres(&matrix);
        let slots: Vec<Option<usize>> = assigned
            .iter()
            .enumerate()
            .map(|(pupil, col)| {
                let (slot, _) = *matrix.columns.get(*col)?;
                self.weights[pupil][slot].map(|_| slot)
            })
            .collect();
        let value = slots
            .iter()
            .enumerate()
            .filter_map(|(pupil, slot)| slot.and_then(|s| self.weights[pupil][s]))
            .sum();
        let counts = self.counts(&slots);
        let forced_met = decisions.iter().enumerate().all(|(slot, d)| {
            *d != Decision::Forced || counts[slot] >= self.slots[slot].group_min as usize
        });
        Solved {
            value,
            slots,
            forced_met,
        }
    }

    fn counts(&self, slots: &[Option<usize>]) -> Vec<usize> {
        let mut counts = vec![0; self.slots.len()];
        for slot in slots.iter().flatten() {
            counts[*slot] += 1;
        }
        counts
    }

    /// Depth first, closing before forcing; cuts a branch whose relaxation cannot beat
    /// the best found.
    fn branch(&mut self, decisions: &mut Vec<Decision>) {
        if self.budget == 0 {
            self.exhausted = true;
            return;
        }
        let solved = self.solve(decisions);
        if !solved.forced_met {
            return;
        }
        if self
            .best
            .as_ref()
            .is_some_and(|(best, _)| solved.value <= *best)
        {
            return;
        }
        let counts = self.counts(&solved.slots);
        let too_small = (0..self.slots.len())
            .filter(|s| {
                decisions[*s] == Decision::Open
                    && counts[*s] > 0
                    && counts[*s] < self.slots[*s].group_min as usize
            })
            .min_by_key(|s| (counts[*s], *s));
        let Some(slot) = too_small else {
            self.best = Some((solved.value, solved.slots));
            return;
        };
        for decision in [Decision::Closed, Decision::Forced] {
            decisions[slot] = decision;
            self.branch(decisions);
        }
        decisions[slot] = Decision::Open;
    }
}

/// Places the pupils (see the module's doc).
pub fn place(slots: &[SlotSeats], pupils: &[Wishes]) -> Assignment {
    let n = pupils.len();
    let k = pupils
        .iter()
        .map(|p| p.choices.len())
        .max()
        .unwrap_or(0)
        .min(MAX_CHOICES);
    // Weights in base n + 1: placed is worth base^k, rank r adds base^(k - r); the
    // sum over all pupils of the lower digits never reaches one unit of a higher one.
    let base = i128::try_from(n).unwrap_or(i128::MAX / 4) + 1;
    let digit = |power: usize| base.saturating_pow(u32::try_from(power).unwrap_or(u32::MAX));
    let placed = digit(k);
    let weights: Vec<Vec<Option<i128>>> = pupils
        .iter()
        .map(|p| {
            (0..slots.len())
                .map(|s| {
                    p.rank(slots, s)
                        .filter(|r| *r <= k)
                        .map(|r| placed + digit(k - r))
                })
                .collect()
        })
        .collect();
    let caps: Vec<usize> = slots
        .iter()
        .enumerate()
        .map(|(s, slot)| {
            let wanted = weights.iter().filter(|w| w[s].is_some()).count();
            (slot.seats.min(slot.group_max) as usize).min(wanted)
        })
        .collect();
    let mut decisions: Vec<Decision> = slots
        .iter()
        .zip(&caps)
        .map(|(slot, cap)| {
            if *cap < slot.group_min.max(1) as usize {
                Decision::Closed
            } else {
                Decision::Open
            }
        })
        .collect();
    let seat_columns: usize = caps.iter().sum();
    // Deterministic: a number of solves, sized so a search stays within about a
    // second on the largest classes (each solve is rows² × columns).
    let work = (n.max(1) * n.max(1) * (seat_columns + n).max(1)) as u64;
    // Never fewer than the first dive needs (one solve per slot closed).
    let budget = ((400_000_000 / work).clamp(8, 2_000) as usize).max(slots.len() + 1);
    let mut search = Search {
        slots,
        force_bonus: placed.saturating_mul(2).saturating_mul(base),
        weights,
        caps,
        budget,
        exhausted: false,
        best: None,
    };
    search.branch(&mut decisions);
    let chosen = search
        .best
        .take()
        .map_or_else(|| vec![None; n], |(_, slots)| slots);
    let places = chosen
        .iter()
        .enumerate()
        .map(|(pupil, slot)| {
            let slot = (*slot)?;
            let rank = pupils[pupil].rank(slots, slot)?;
            Some(Place { slot, rank })
        })
        .collect();
    Assignment {
        places,
        optimal: !search.exhausted,
    }
}

#[cfg(test)]
mod tests;
