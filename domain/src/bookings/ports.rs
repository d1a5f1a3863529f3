use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::policy::WhenFull;
use super::{Booking, BookingFilter, CycleStep, Feedback, FeedbackAuthor};
use crate::audit::AuditEvent;
use crate::error::DomainResult;
use crate::ids::{BookingId, FeedbackId, SchoolId, TenantId};
use crate::paging::PageRequest;
use crate::students::PortfolioEntry;
use crate::values::Description;

#[async_trait]
pub trait BookingRepository: Send + Sync {
    /// Takes `booking.seats` on its slot in one atomic step and stores the booking as
    /// confirmed. When the seats are not there, stores it in the state `when_full`
    /// gives, or stores nothing and fails as it says. Never lets the seats booked
    /// exceed the slot's capacity, whatever runs concurrently. The pupils named on the
    /// booking and the `audit` events of naming them are stored with it.
    async fn book(
        &self,
        booking: &Booking,
        when_full: WhenFull,
        audit: &[AuditEvent],
    ) -> DomainResult<Booking>;
    /// Writes the booking's attendance (the booking already at its new version, its
    /// pupils' presence included) if it is still at `expected_version`, with the
    /// portfolio entries it makes and the audit events, in one transaction.
    async fn record_attendance(
        &self,
        booking: &Booking,
        expected_version: i64,
        entries: &[PortfolioEntry],
        audit: &[AuditEvent],
    ) -> DomainResult<bool>;
    async fn get(&self, tenant: TenantId, id: BookingId) -> DomainResult<Option<Booking>>;
    /// Writes the booking (already at its new version) if it is still at
    /// `expected_version`; `false` when another write came first.
    async fn update(&self, booking: &Booking, expected_version: i64) -> DomainResult<bool>;
    /// [`update`](Self::update) for a step of the visit cycle: the change it records
    /// is the step's event (`booking.prepared`), not an ordinary update.
    async fn mark(
        &self,
        booking: &Booking,
        expected_version: i64,
        step: CycleStep,
    ) -> DomainResult<bool>;
    async fn list(
        &self,
        tenant: TenantId,
        filter: &BookingFilter,
        page: &PageRequest,
    ) -> DomainResult<Vec<Booking>>;
    /// The school's bookings on slots that end at or after `since`, at most `limit`.
    async fn for_school_since(
        &self,
        tenant: TenantId,
        school: SchoolId,
        since: DateTime<Utc>,
        limit: u64,
    ) -> DomainResult<Vec<Booking>>;
    /// Cancels the booking (at its current version), frees its seats if it held any,
    /// and confirms the slot's wait-listed bookings that [`promotions`](super::policy::promotions) picks for the
    /// seats then free, in its order, all in one transaction. Returns the cancelled
    /// booking, or `None` if its version moved.
    async fn cancel(
        &self,
        booking: &Booking,
        reason: Option<Description>,
        at: DateTime<Utc>,
    ) -> DomainResult<Option<Booking>>;
}

#[async_trait]
pub trait FeedbackRepository: Send + Sync {
    /// Stores the feedback with its change. A second school or business feedback on
    /// the same booking is a `Duplicate` conflict; pupils' feedback may be many.
    async fn insert(&self, feedback: &Feedback) -> DomainResult<()>;
    /// The booking's feedback, oldest first, one page after `page.after`.
    async fn list(
        &self,
        tenant: TenantId,
        booking: BookingId,
        page: &PageRequest,
    ) -> DomainResult<Vec<Feedback>>;
    async fn get(
        &self,
        tenant: TenantId,
        booking: BookingId,
        id: FeedbackId,
    ) -> DomainResult<Option<Feedback>>;
    async fn count(
        &self,
        tenant: TenantId,
        booking: BookingId,
        author: FeedbackAuthor,
    ) -> DomainResult<u64>;
}
