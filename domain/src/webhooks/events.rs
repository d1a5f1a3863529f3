//! Webhook event types: one event per change of a resource, named
//! `<resource>.<what happened>`.

use uuid::Uuid;

use crate::changes::{ChangeOp, resource};

/// Resources whose changes are webhook events. Pupils' data (pupils, consents,
/// portfolio entries, route plans) never leaves Driehoek by webhook: neither the city
/// nor a business may read it.
pub const EVENT_RESOURCES: &[&str] = &[
    resource::TENANT,
    resource::API_KEY,
    resource::SCHOOL,
    resource::BUSINESS,
    resource::COACH,
    resource::PROGRAMME,
    resource::PROGRAMME_MEMBER,
    resource::WORK_VISIT,
    resource::SLOT,
    resource::BOOKING,
    resource::BOOKING_FEEDBACK,
    resource::ROUTE_MAP,
];

/// Resources only the city's administrators see: a business's endpoint never
/// receives their events.
const ADMIN_RESOURCES: &[&str] = &[resource::TENANT, resource::API_KEY];

/// Updates that move a resource into a status of note have their own event type
/// instead of `<resource>.updated`: (resource, new status, event type).
const TRANSITIONS: &[(&str, &str, &str)] = &[
    (resource::BOOKING, "confirmed", "booking.confirmed"),
    (resource::BOOKING, "cancelled", "booking.cancelled"),
    (resource::BOOKING, "completed", "booking.completed"),
    (resource::WORK_VISIT, "published", "work_visit.published"),
    (resource::WORK_VISIT, "withdrawn", "work_visit.withdrawn"),
    (resource::SLOT, "cancelled", "slot.cancelled"),
    (resource::ROUTE_MAP, "published", "route_map.published"),
    (resource::ROUTE_MAP, "archived", "route_map.archived"),
];

/// Updates that are a milestone of the resource rather than a move to another status
/// have their own event type too: (resource, event type, what it means).
const MILESTONES: &[(&str, &str, &str)] = &[
    (
        resource::BOOKING,
        crate::bookings::CycleStep::Prepared.event(),
        "A booking's class prepared the visit.",
    ),
    (
        resource::BOOKING,
        crate::bookings::CycleStep::Debriefed.event(),
        "A booking's class debriefed the visit.",
    ),
];

/// The event sent by `POST …/webhooks/{id}/test`, whatever the endpoint subscribed to.
pub const TEST_EVENT: &str = "webhook.test";

/// One event type of the catalogue, with what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventType {
    pub name: String,
    pub resource: &'static str,
    pub description: String,
}

/// Every event type an endpoint may subscribe to, in a stable order.
pub fn catalogue() -> Vec<EventType> {
    let mut all = Vec::new();
    for &res in EVENT_RESOURCES {
        let label = res.replace('_', " ");
        for op in [ChangeOp::Created, ChangeOp::Updated, ChangeOp::Deleted] {
            let description = match op {
                ChangeOp::Created => format!("A {label} was created."),
                ChangeOp::Updated => {
                    format!("A {label} was changed (other than a transition below).")
                }
                ChangeOp::Deleted => format!("A {label} was deleted."),
            };
            all.push(EventType {
                name: format!("{res}.{}", op.as_str()),
                resource: res,
                description,
            });
        }
        for &(_, status, name) in TRANSITIONS.iter().filter(|(r, _, _)| *r == res) {
            all.push(EventType {
                name: name.to_owned(),
                resource: res,
                description: format!("A {label} became {status}."),
            });
        }
        for &(_, name, description) in MILESTONES.iter().filter(|(r, _, _)| *r == res) {
            all.push(EventType {
                name: name.to_owned(),
                resource: res,
                description: description.to_owned(),
            });
        }
    }
    all
}

/// The event type of a change: a milestone's own type when the update was one, a
/// transition's own type when an update moved the resource into a status of note
/// (`previous` is its status before), else `<resource>.<op>`. `None` for resources
/// that are never webhook events.
pub fn event_type(
    res: &str,
    op: ChangeOp,
    (status, previous): (Option<&str>, Option<&str>),
    milestone: Option<&str>,
) -> Option<String> {
    if !EVENT_RESOURCES.contains(&res) {
        return None;
    }
    if op == ChangeOp::Updated
        && let Some(milestone) = milestone
        && let Some((_, name, _)) = MILESTONES
            .iter()
            .find(|(r, n, _)| *r == res && *n == milestone)
    {
        return Some((*name).to_owned());
    }
    if op == ChangeOp::Updated
        && let (Some(now), Some(before)) = (status, previous)
        && now != before
        && let Some((_, _, name)) = TRANSITIONS.iter().find(|(r, s, _)| *r == res && *s == now)
    {
        return Some((*name).to_owned());
    }
    Some(format!("{res}.{}", op.as_str()))
}

/// What an endpoint subscribes to: one event type, every event of one resource
/// (`booking.*`) or everything it may receive (`*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFilter {
    All,
    Resource(&'static str),
    Exact(String),
}

impl EventFilter {
    /// Parses a subscription for an endpoint of the city (`for_business` false) or of
    /// a business, which never receives the city's own resources.
    pub fn parse(text: &str, for_business: bool) -> Result<Self, String> {
        let filter = if text == "*" {
            Self::All
        } else if let Some(res) = text.strip_suffix(".*") {
            let res = EVENT_RESOURCES
                .iter()
                .find(|r| **r == res)
                .ok_or_else(|| format!("'{text}': no events of a resource named '{res}'"))?;
            Self::Resource(res)
        } else {
            let known = catalogue()
                .into_iter()
                .find(|e| e.name == text)
                .ok_or_else(|| format!("'{text}' is not an event type"))?;
            Self::Exact(known.name)
        };
        if for_business
            && let Some(res) = filter.resource()
            && ADMIN_RESOURCES.contains(&res)
        {
            return Err(format!(
                "'{text}': a business's endpoint never receives {res} events"
            ));
        }
        Ok(filter)
    }

    fn resource(&self) -> Option<&str> {
        match self {
            Self::All => None,
            Self::Resource(res) => Some(res),
            Self::Exact(name) => name.split('.').next(),
        }
    }

    pub fn matches(&self, event_type: &str) -> bool {
        match self {
            Self::All => true,
            Self::Resource(res) => event_type
                .strip_prefix(res)
                .is_some_and(|rest| rest.starts_with('.')),
            Self::Exact(name) => name == event_type,
        }
    }

    pub fn as_text(&self) -> String {
        match self {
            Self::All => "*".to_owned(),
            Self::Resource(res) => format!("{res}.*"),
            Self::Exact(name) => name.clone(),
        }
    }
}

/// The API path of a resource, for the receiver to fetch it with its own key: nested
/// resources need their `parent` (the work visit of a slot, the business of a coach,
/// the programme of a member, the booking of feedback).
pub fn resource_path(tenant: &str, res: &str, id: Uuid, parent: Option<Uuid>) -> Option<String> {
    let base = format!("/v1/tenants/{tenant}");
    let top = |segment: &str| Some(format!("{base}/{segment}/{id}"));
    let nested =
        |outer: &str, inner: &str| parent.map(|p| format!("{base}/{outer}/{p}/{inner}/{id}"));
    match res {
        resource::TENANT => Some(base),
        resource::API_KEY => top("api-keys"),
        resource::SCHOOL => top("schools"),
        resource::BUSINESS => top("businesses"),
        resource::PROGRAMME => top("programmes"),
        resource::WORK_VISIT => top("work-visits"),
        resource::BOOKING => top("bookings"),
        resource::ROUTE_MAP => top("route-maps"),
        resource::COACH => nested("businesses", "coaches"),
        resource::SLOT => nested("work-visits", "slots"),
        resource::PROGRAMME_MEMBER => nested("programmes", "members"),
        resource::BOOKING_FEEDBACK => nested("bookings", "feedback"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_have_their_own_type_and_other_updates_do_not() {
        let booking = |status, previous| {
            event_type("booking", ChangeOp::Updated, (status, previous), None).unwrap_or_default()
        };
        assert_eq!(
            booking(Some("cancelled"), Some("confirmed")),
            "booking.cancelled"
        );
        assert_eq!(
            booking(Some("completed"), Some("confirmed")),
            "booking.completed"
        );
        assert_eq!(
            booking(Some("confirmed"), Some("waitlisted")),
            "booking.confirmed"
        );
        // Already cancelled, or no earlier status known: an ordinary update.
        assert_eq!(
            booking(Some("cancelled"), Some("cancelled")),
            "booking.updated"
        );
        assert_eq!(booking(Some("cancelled"), None), "booking.updated");
        assert_eq!(
            event_type(
                "booking",
                ChangeOp::Created,
                (Some("confirmed"), None),
                None
            )
            .as_deref(),
            Some("booking.created")
        );
        assert_eq!(
            event_type(
                "route_map",
                ChangeOp::Updated,
                (Some("published"), Some("draft")),
                None
            )
            .as_deref(),
            Some("route_map.published")
        );
        assert_eq!(
            event_type("student", ChangeOp::Created, (None, None), None),
            None
        );
        assert_eq!(
            event_type(
                "booking",
                ChangeOp::Updated,
                (Some("confirmed"), Some("confirmed")),
                Some("booking.prepared")
            )
            .as_deref(),
            Some("booking.prepared"),
            "a milestone names itself"
        );
        assert_eq!(
            event_type("route_plan", ChangeOp::Updated, (None, None), None),
            None
        );
    }

    #[test]
    fn filters_match_what_they_name_and_refuse_the_unknown() {
        let all = EventFilter::parse("*", false).unwrap_or(EventFilter::All);
        assert!(all.matches("api_key.created"));
        let bookings = EventFilter::parse("booking.*", true);
        assert_eq!(bookings, Ok(EventFilter::Resource("booking")));
        let bookings = bookings.unwrap_or(EventFilter::All);
        assert!(bookings.matches("booking.cancelled"));
        assert!(!bookings.matches("booking_feedback.created"));
        let exact = EventFilter::parse("work_visit.published", true);
        assert_eq!(
            exact,
            Ok(EventFilter::Exact("work_visit.published".to_owned()))
        );
        assert!(EventFilter::parse("booking.exploded", false).is_err());
        assert!(EventFilter::parse("student.*", false).is_err());
        assert!(EventFilter::parse("api_key.created", true).is_err());
        assert!(EventFilter::parse("tenant.*", true).is_err());
        assert!(EventFilter::parse("api_key.created", false).is_ok());
        for event in catalogue() {
            let parsed = EventFilter::parse(&event.name, false);
            assert_eq!(parsed.map(|f| f.as_text()), Ok(event.name));
        }
    }

    #[test]
    fn paths_point_at_the_resource() {
        let id = Uuid::nil();
        let parent = Uuid::max();
        assert_eq!(
            resource_path("leuven", "slot", id, Some(parent)).as_deref(),
            Some(format!("/v1/tenants/leuven/work-visits/{parent}/slots/{id}").as_str())
        );
        assert_eq!(resource_path("leuven", "slot", id, None), None);
        assert_eq!(
            resource_path("leuven", "booking", id, None).as_deref(),
            Some(format!("/v1/tenants/leuven/bookings/{id}").as_str())
        );
        assert_eq!(resource_path("leuven", "student", id, None), None);
    }
}
