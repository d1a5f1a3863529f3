//! Calendars: a school's booked work visits and a business's offered slots as events a
//! school's or a company's agenda subscribes to. Each event has a stable id, so an
//! agenda updates an event in place when a slot moves or a booking is cancelled.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::auth::Actor;
use crate::bookings::{BookingRepository, BookingStatus};
use crate::businesses::BusinessRepository;
use crate::clock::SharedClock;
use crate::error::{DomainError, DomainResult};
use crate::ids::{BusinessId, SchoolId, SlotId, TenantId, WorkVisitId};
use crate::schools::SchoolRepository;
use crate::values::Address;
use crate::work_visits::{Slot, SlotStatus, WorkVisit, WorkVisitRepository, WorkVisitStatus};

/// How far back a calendar reaches: last term's visits stay visible.
pub const HISTORY: Duration = Duration::days(180);
/// At most this many slots or bookings in one calendar.
pub const MAX_ENTRIES: u64 = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    Confirmed,
    /// Wait-listed, or an offering not (yet) published.
    Tentative,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Stable across changes: the booking or slot id and the session's position.
    pub uid: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub summary: String,
    pub location: Option<String>,
    pub description: String,
    pub status: EventStatus,
    /// Grows whenever the event changes (the sum of the versions it is made of).
    pub sequence: i64,
    pub last_modified: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    pub name: String,
    pub events: Vec<CalendarEvent>,
    /// When the calendar was put together (each event's `DTSTAMP`).
    pub made_at: DateTime<Utc>,
}

#[derive(Clone)]
pub struct CalendarService {
    schools: Arc<dyn SchoolRepository>,
    businesses: Arc<dyn BusinessRepository>,
    bookings: Arc<dyn BookingRepository>,
    work_visits: Arc<dyn WorkVisitRepository>,
    clock: SharedClock,
}

fn place(visit: &WorkVisit) -> Option<String> {
    match (&visit.location, visit.online) {
        (
            Some(Address {
                street,
                postal_code,
                city,
            }),
            _,
        ) => Some(format!("{street}, {postal_code} {city}")),
        (None, true) => Some("Online".to_owned()),
        (None, false) => None,
    }
}

/// One event per session of a slot (or one for the whole slot without sessions).
fn events_of(
    slot: &Slot,
    uid_base: &str,
    template: &CalendarEvent,
) -> impl Iterator<Item = CalendarEvent> {
    let spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = if slot.schedule.sessions().is_empty() {
        vec![(slot.schedule.starts_at(), slot.schedule.ends_at())]
    } else {
        slot.schedule
            .sessions()
            .iter()
            .map(|s| (s.starts_at, s.ends_at))
            .collect()
    };
    let count = spans.len();
    let uid_base = uid_base.to_owned();
    let template = template.clone();
    spans
        .into_iter()
        .enumerate()
        .map(move |(i, (starts_at, ends_at))| {
            let mut event = template.clone();
            event.uid = format!("{uid_base}-{i}@driehoek");
            event.starts_at = starts_at;
            event.ends_at = ends_at;
            if count > 1 {
                event.summary = format!("{} ({}/{count})", template.summary, i + 1);
            }
            event
        })
}

impl CalendarService {
    pub fn new(
        schools: Arc<dyn SchoolRepository>,
        businesses: Arc<dyn BusinessRepository>,
        bookings: Arc<dyn BookingRepository>,
        work_visits: Arc<dyn WorkVisitRepository>,
        clock: SharedClock,
    ) -> Self {
        Self {
            schools,
            businesses,
            bookings,
            work_visits,
            clock,
        }
    }

    /// May the caller read this school's calendar? The school itself or the city.
    pub async fn school_access(
        &self,
        actor: &Actor,
        tenant: TenantId,
        school: SchoolId,
    ) -> DomainResult<String> {
        if !(actor.is_admin() || actor.school() == Some(school)) {
            return Err(DomainError::forbidden(
                "a school's calendar is for the school and the city",
            ));
        }
        let school = self
            .schools
            .get(tenant, school)
            .await?
            .ok_or(DomainError::NotFound("school"))?;
        Ok(school.name.to_string())
    }

    /// May the caller read this business's calendar? The business itself or the city.
    pub async fn business_access(
        &self,
        actor: &Actor,
        tenant: TenantId,
        business: BusinessId,
    ) -> DomainResult<String> {
        if !(actor.is_admin() || actor.business() == Some(business)) {
            return Err(DomainError::forbidden(
                "a business's calendar is for the business and the city",
            ));
        }
        let business = self
            .businesses
            .get(tenant, business)
            .await?
            .ok_or(DomainError::NotFound("business"))?;
        Ok(business.name.to_string())
    }

    async fn visits(
        &self,
        tenant: TenantId,
        ids: Vec<WorkVisitId>,
    ) -> DomainResult<HashMap<WorkVisitId, WorkVisit>> {
        Ok(self
            .work_visits
            .visits_by_ids(tenant, &ids)
            .await?
            .into_iter()
            .map(|v| (v.id, v))
            .collect())
    }

    /// The school's bookings of the last [`HISTORY`] and the future, one event per
    /// session; wait-listed ones tentative, cancelled ones marked cancelled.
    pub async fn school(
        &self,
        actor: &Actor,
        tenant: TenantId,
        school: SchoolId,
    ) -> DomainResult<Calendar> {
        let name = self.school_access(actor, tenant, school).await?;
        let since = self.clock.now() - HISTORY;
        let bookings = self
            .bookings
            .for_school_since(tenant, school, since, MAX_ENTRIES)
            .await?;
        let slot_ids: Vec<SlotId> = bookings.iter().map(|b| b.slot_id).collect();
        let slots: HashMap<SlotId, Slot> = self
            .work_visits
            .slots_by_ids(tenant, &slot_ids)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let visits = self
            .visits(tenant, bookings.iter().map(|b| b.work_visit_id).collect())
            .await?;
        let mut events = Vec::new();
        for booking in &bookings {
            let (Some(slot), Some(visit)) = (
                slots.get(&booking.slot_id),
                visits.get(&booking.work_visit_id),
            ) else {
                continue;
            };
            let status = match (booking.status, slot.status) {
                (BookingStatus::Cancelled, _) | (_, SlotStatus::Cancelled) => {
                    EventStatus::Cancelled
                }
                (BookingStatus::Waitlisted, _) => EventStatus::Tentative,
                _ => EventStatus::Confirmed,
            };
            let mut description = format!(
                "{}: {} seat(s) for {}.",
                match booking.status {
                    BookingStatus::Waitlisted => "Wait-listed",
                    BookingStatus::Cancelled => "Cancelled",
                    _ => "Booked",
                },
                booking.seats,
                booking.group_name
            );
            if let Some(requirements) = &visit.requirements {
                description.push_str(&format!("\nBring: {requirements}"));
            }
            if let Some(preparation) = &visit.preparation {
                description.push_str(&format!("\nPrepare: {}", preparation.text));
                if let Some(url) = &preparation.url {
                    description.push_str(&format!(" ({})", url.as_str()));
                }
                if let Some(at) = booking.prepared_at {
                    description.push_str(&format!("\nPrepared on {}.", at.format("%Y-%m-%d")));
                }
            }
            let template = CalendarEvent {
                uid: String::new(),
                starts_at: slot.schedule.starts_at(),
                ends_at: slot.schedule.ends_at(),
                summary: format!("{} – {}", visit.title, booking.group_name),
                location: place(visit),
                description,
                status,
                sequence: booking.version + slot.version + visit.version,
                last_modified: booking
                    .updated_at
                    .max(slot.updated_at)
                    .max(visit.updated_at),
            };
            events.extend(events_of(slot, &booking.id.to_string(), &template));
        }
        events.sort_by(|a, b| (a.starts_at, &a.uid).cmp(&(b.starts_at, &b.uid)));
        Ok(Calendar {
            name: format!("{name} – work visits"),
            events,
            made_at: self.clock.now(),
        })
    }

    /// The business's slots of the last [`HISTORY`] and the future with their seats
    /// booked; slots of unpublished offerings tentative.
    pub async fn business(
        &self,
        actor: &Actor,
        tenant: TenantId,
        business: BusinessId,
    ) -> DomainResult<Calendar> {
        let name = self.business_access(actor, tenant, business).await?;
        let since = self.clock.now() - HISTORY;
        let slots = self
            .work_visits
            .business_slots_since(tenant, business, since, MAX_ENTRIES)
            .await?;
        let visits = self
            .visits(tenant, slots.iter().map(|s| s.work_visit_id).collect())
            .await?;
        let mut events = Vec::new();
        for slot in &slots {
            let Some(visit) = visits.get(&slot.work_visit_id) else {
                continue;
            };
            let status = match (slot.status, visit.status) {
                (SlotStatus::Cancelled, _) => EventStatus::Cancelled,
                (_, WorkVisitStatus::Published) => EventStatus::Confirmed,
                _ => EventStatus::Tentative,
            };
            let template = CalendarEvent {
                uid: String::new(),
                starts_at: slot.schedule.starts_at(),
                ends_at: slot.schedule.ends_at(),
                summary: format!(
                    "{} ({}/{} booked)",
                    visit.title, slot.seats_booked, slot.capacity
                ),
                location: place(visit),
                description: format!(
                    "{} of {} seats booked; {} left.",
                    slot.seats_booked,
                    slot.capacity,
                    slot.seats_left()
                ),
                status,
                sequence: slot.version + visit.version,
                last_modified: slot.updated_at.max(visit.updated_at),
            };
            events.extend(events_of(slot, &slot.id.to_string(), &template));
        }
        events.sort_by(|a, b| (a.starts_at, &a.uid).cmp(&(b.starts_at, &b.uid)));
        Ok(Calendar {
            name: format!("{name} – work visits"),
            events,
            made_at: self.clock.now(),
        })
    }
}
