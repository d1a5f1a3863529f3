//! The booking policy: what becomes of a booking whose seats are not there, and which
//! wait-listed bookings take the seats a cancellation frees. The repository takes and
//! frees seats in one atomic step each; what it does when they are not there, and in
//! which order it confirms the waiting, is decided here.

use chrono::{DateTime, Utc};

use super::BookingStatus;
use crate::error::{ConflictKind, DomainError, DomainResult};
use crate::ids::BookingId;

/// What a school asked for if the slot cannot seat its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenFull {
    /// Keep the booking on the wait-list until seats come free.
    WaitList,
    /// Refuse it (`409 slot_full`).
    Refuse,
}

impl WhenFull {
    pub fn from_request(waitlist: bool) -> Self {
        if waitlist {
            Self::WaitList
        } else {
            Self::Refuse
        }
    }

    /// The state a booking that found no seats is stored in, or the refusal.
    pub fn outcome(self) -> DomainResult<BookingStatus> {
        match self {
            Self::WaitList => Ok(BookingStatus::Waitlisted),
            Self::Refuse => Err(DomainError::conflict(
                ConflictKind::SlotFull,
                "not enough seats left on this slot",
            )),
        }
    }
}

/// A wait-listed booking, as the promotion weighs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Waiting {
    pub id: BookingId,
    pub seats: u32,
    pub created_at: DateTime<Utc>,
}

/// The wait-listed bookings that `free` seats confirm, in the order they are confirmed:
/// oldest first (by when they were made, then by id), each that fits in what is left.
/// A booking too large for what is left is passed over, not waited for, so a smaller
/// one made later may go ahead of it; it keeps its place for the next seats that free.
pub fn promotions(waiting: &[Waiting], free: u32) -> Vec<BookingId> {
    let mut queue: Vec<&Waiting> = waiting.iter().collect();
    queue.sort_by_key(|w| (w.created_at, w.id));
    let mut left = free;
    let mut confirmed = Vec::new();
    for booking in queue {
        if booking.seats <= left {
            left -= booking.seats;
            confirmed.push(booking.id);
        }
    }
    confirmed
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn waiting(seats: u32, minutes_ago: i64) -> Waiting {
        Waiting {
            id: BookingId::new(),
            seats,
            created_at: DateTime::<Utc>::UNIX_EPOCH + TimeDelta::days(1)
                - TimeDelta::minutes(minutes_ago),
        }
    }

    #[test]
    fn a_full_slot_wait_lists_only_when_asked() {
        assert_eq!(
            WhenFull::from_request(true).outcome().ok(),
            Some(BookingStatus::Waitlisted)
        );
        let refused = WhenFull::from_request(false).outcome().unwrap_err();
        assert!(matches!(
            refused,
            DomainError::Conflict {
                kind: ConflictKind::SlotFull,
                ..
            }
        ));
    }

    #[test]
    fn the_oldest_waiting_are_confirmed_first_whatever_order_they_are_read_in() {
        let (old, older, oldest) = (waiting(2, 10), waiting(2, 20), waiting(2, 30));
        let read = [old, oldest, older];
        assert_eq!(promotions(&read, 4), [oldest.id, older.id]);
        assert_eq!(promotions(&read, 6), [oldest.id, older.id, old.id]);
        assert!(promotions(&read, 1).is_empty());
        assert!(promotions(&[], 10).is_empty());
    }

    #[test]
    fn a_booking_too_large_for_the_seats_left_is_passed_over_not_waited_for() {
        let (large, small, later) = (waiting(5, 30), waiting(2, 20), waiting(1, 10));
        assert_eq!(
            promotions(&[large, small, later], 3),
            [small.id, later.id],
            "the 5-seat group keeps its place, the smaller ones go ahead"
        );
        assert_eq!(promotions(&[large, small, later], 5), [large.id]);
    }

    #[test]
    fn bookings_made_at_the_same_moment_go_by_id() {
        let mut first = waiting(1, 5);
        let mut second = waiting(1, 5);
        second.created_at = first.created_at;
        if second.id < first.id {
            std::mem::swap(&mut first, &mut second);
        }
        assert_eq!(promotions(&[second, first], 1), [first.id]);
    }
}
