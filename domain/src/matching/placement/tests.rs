use proptest::prelude::*;
use uuid::Uuid;

use super::*;

fn offering(n: u128) -> WorkVisitId {
    WorkVisitId::from_uuid(Uuid::from_u128(n + 1))
}

fn slot(offering_no: u128, seats: u32, group_min: u32, group_max: u32) -> SlotSeats {
    SlotSeats {
        offering: offering(offering_no),
        seats,
        group_min,
        group_max,
    }
}

fn wishes(choices: &[u128], slots: usize) -> Wishes {
    Wishes {
        choices: choices.iter().map(|c| offering(*c)).collect(),
        fits: vec![true; slots],
    }
}

/// Placed first, then first choices, second, …: the order the module promises.
fn score(places: &[Option<Place>]) -> Vec<u32> {
    let placed = places.iter().flatten().count() as u32;
    let mut score = vec![placed];
    score.extend(
        Assignment {
            places: places.to_vec(),
            optimal: true,
        }
        .totals(),
    );
    score
}

/// Every rule of the module's doc, checked on an answer.
fn assert_keeps_the_rules(slots: &[SlotSeats], pupils: &[Wishes], answer: &Assignment) {
    assert_eq!(answer.places.len(), pupils.len());
    let mut counts = vec![0u32; slots.len()];
    for (pupil, place) in answer.places.iter().enumerate() {
        if let Some(place) = place {
            assert_eq!(pupils[pupil].rank(slots, place.slot), Some(place.rank));
            counts[place.slot] += 1;
        }
    }
    for (slot, count) in slots.iter().zip(counts) {
        assert!(
            count <= slot.seats && count <= slot.group_max,
            "{slot:?} {count}"
        );
        assert!(count == 0 || count >= slot.group_min, "{slot:?} {count}");
    }
}

/// Every assignment of pupils to slots (or none), the best valid one's score.
fn brute_force(slots: &[SlotSeats], pupils: &[Wishes]) -> Vec<u32> {
    let options = slots.len() + 1;
    let total = options.pow(pupils.len() as u32);
    let mut best: Option<Vec<u32>> = None;
    for code in 0..total {
        let mut rest = code;
        let mut places = Vec::with_capacity(pupils.len());
        let mut valid = true;
        for pupil in pupils {
            let choice = rest % options;
            rest /= options;
            if choice == slots.len() {
                places.push(None);
            } else if let Some(rank) = pupil.rank(slots, choice) {
                places.push(Some(Place { slot: choice, rank }));
            } else {
                valid = false;
                break;
            }
        }
        if !valid {
            continue;
        }
        let mut counts = vec![0u32; slots.len()];
        for place in places.iter().flatten() {
            counts[place.slot] += 1;
        }
        let fits = slots
            .iter()
            .zip(&counts)
            .all(|(s, c)| *c <= s.seats && *c <= s.group_max && (*c == 0 || *c >= s.group_min));
        if fits {
            let candidate = score(&places);
            if best.as_ref().is_none_or(|b| candidate > *b) {
                best = Some(candidate);
            }
        }
    }
    best.unwrap_or_default()
}

#[test]
fn room_for_all_gives_everyone_their_first_choice() {
    let slots = [slot(0, 10, 1, 10), slot(1, 10, 1, 10)];
    let pupils = [wishes(&[0, 1], 2), wishes(&[1, 0], 2), wishes(&[0], 2)];
    let answer = place(&slots, &pupils);
    assert!(answer.optimal);
    assert_eq!(
        answer.places,
        vec![
            Some(Place { slot: 0, rank: 1 }),
            Some(Place { slot: 1, rank: 1 }),
            Some(Place { slot: 0, rank: 1 }),
        ]
    );
    assert_eq!(&answer.totals()[..2], &[3, 0]);
}

#[test]
fn a_group_too_small_for_the_offering_goes_to_the_next_choice() {
    // Two pupils want the port (groups of at least 3); both fit the hospital.
    let slots = [slot(0, 10, 3, 10), slot(1, 10, 1, 10)];
    let pupils = [wishes(&[0, 1], 2), wishes(&[0, 1], 2), wishes(&[1], 2)];
    let answer = place(&slots, &pupils);
    assert_keeps_the_rules(&slots, &pupils, &answer);
    assert!(answer.places.iter().all(|p| p.is_some_and(|p| p.slot == 1)));
    assert_eq!(&answer.totals()[..2], &[1, 2]);
}

#[test]
fn the_smallest_group_is_filled_when_that_places_more() {
    // The hospital takes one, the port groups of at least three. One first choice
    // at the hospital would leave a port group of two: all three go to the port,
    // two of them on their second choice, rather than one pupil left out.
    let slots = [slot(0, 10, 3, 10), slot(1, 1, 1, 1)];
    let pupils = [wishes(&[1, 0], 2), wishes(&[1, 0], 2), wishes(&[0], 2)];
    let answer = place(&slots, &pupils);
    assert_keeps_the_rules(&slots, &pupils, &answer);
    assert_eq!(answer.unplaced(), 0);
    assert!(answer.places.iter().all(|p| p.is_some_and(|p| p.slot == 0)));
    assert_eq!(&answer.totals()[..2], &[1, 2]);
}

#[test]
fn one_more_pupil_placed_outweighs_better_ranks() {
    // A single seat on the first choice of both; the second pupil has nothing else.
    let slots = [slot(0, 1, 1, 1), slot(1, 5, 1, 5)];
    let pupils = [wishes(&[0, 1], 2), wishes(&[0], 2)];
    let answer = place(&slots, &pupils);
    assert_eq!(
        answer.places,
        vec![
            Some(Place { slot: 1, rank: 2 }),
            Some(Place { slot: 0, rank: 1 })
        ]
    );
}

#[test]
fn a_slot_that_does_not_fit_the_pupil_is_never_given() {
    let slots = [slot(0, 5, 1, 5), slot(1, 5, 1, 5)];
    let mut unfit = wishes(&[0, 1], 2);
    unfit.fits = vec![false, true];
    let nothing = Wishes {
        choices: vec![offering(0)],
        fits: vec![false, false],
    };
    let answer = place(&slots, &[unfit, nothing]);
    assert_eq!(answer.places, vec![Some(Place { slot: 1, rank: 2 }), None]);
}

#[test]
fn no_pupils_and_no_seats() {
    assert_eq!(place(&[slot(0, 3, 1, 3)], &[]).places, vec![]);
    let answer = place(&[slot(0, 0, 1, 3)], &[wishes(&[0], 1)]);
    assert_eq!(answer.places, vec![None]);
    assert!(answer.optimal);
}

#[test]
fn a_class_of_thirty_over_twelve_slots_is_solved_to_the_optimum() {
    // Twelve offerings of groups of 2 to 4, 3 seats left each; the class's choices
    // lean on the first four (the popular ones).
    let slots: Vec<SlotSeats> = (0..12).map(|o| slot(o, 3, 2, 4)).collect();
    let pupils: Vec<Wishes> = (0..30u128)
        .map(|p| wishes(&[p % 4, 4 + p % 5, 9 + p % 3], slots.len()))
        .collect();
    let answer = place(&slots, &pupils);
    assert_keeps_the_rules(&slots, &pupils, &answer);
    assert!(answer.optimal);
    assert_eq!(answer.unplaced(), 0);
    assert_eq!(&answer.totals()[..3], &[12, 15, 3]);
}

#[test]
fn the_same_input_gives_the_same_answer() {
    let slots: Vec<SlotSeats> = (0..5).map(|o| slot(o % 3, 2, 2, 3)).collect();
    let pupils: Vec<Wishes> = (0..9u128)
        .map(|p| wishes(&[p % 3, (p + 1) % 3], slots.len()))
        .collect();
    assert_eq!(place(&slots, &pupils), place(&slots, &pupils));
}

fn small_problem() -> impl Strategy<Value = (Vec<SlotSeats>, Vec<Wishes>)> {
    let slot = (0u128..3, 0u32..5, 1u32..4, 0u32..3)
        .prop_map(|(o, seats, min, extra)| slot(o, seats, min, min + extra));
    prop::collection::vec(slot, 1..4).prop_flat_map(|slots| {
        let n = slots.len();
        let pupil = (
            Just((0u128..4).collect::<Vec<_>>()).prop_shuffle(),
            0usize..4,
            prop::collection::vec(prop::bool::weighted(0.85), n),
        )
            .prop_map(|(order, len, fits)| Wishes {
                choices: order.into_iter().take(len).map(offering).collect(),
                fits,
            });
        (Just(slots), prop::collection::vec(pupil, 0..6))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// No rule is ever broken, and on small cases the answer is as good as the best
    /// of every possible assignment.
    #[test]
    fn keeps_every_rule_and_equals_brute_force((slots, pupils) in small_problem()) {
        let answer = place(&slots, &pupils);
        assert_keeps_the_rules(&slots, &pupils, &answer);
        prop_assert!(answer.optimal);
        prop_assert_eq!(score(&answer.places), brute_force(&slots, &pupils));
    }
}
