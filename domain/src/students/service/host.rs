//! What the host of a booking may see of its pupils: names and shared entries, only
//! with `share_with_business` consent, every name shown audited.

use super::*;

impl StudentService {
    /// The pupils among `ids` a host may see by name: those whose `share_with_business`
    /// consent is granted now. Every answer that shows a host a pupil's name (the
    /// names on its bookings, the entries shared with it) goes through here.
    async fn visible_to_host(
        &self,
        tenant: TenantId,
        ids: &[StudentId],
    ) -> DomainResult<HashMap<StudentId, Student>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sharing: Vec<StudentId> = self
            .consents
            .granted(tenant, ids, ConsentPurpose::ShareWithBusiness)
            .await?
            .into_iter()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        Ok(self
            .students
            .get_many(tenant, &sharing)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect())
    }

    /// The pupils named on `bookings` as their host sees them, for a business key (the
    /// host of each booking); nothing for anyone else: each by its reference on the
    /// booking, with its display name where the pupil consents to sharing with the
    /// host. Every name shown is audited.
    pub async fn names_for_host(
        &self,
        actor: &Actor,
        tenant: TenantId,
        bookings: &[Booking],
    ) -> DomainResult<HashMap<BookingId, Vec<HostPupil>>> {
        let Some(host) = actor.business() else {
            return Ok(HashMap::new());
        };
        let named: Vec<crate::ids::StudentId> = bookings
            .iter()
            .filter(|b| b.business_id == host)
            .flat_map(|b| b.students.iter().map(|p| p.student_id))
            .collect();
        if named.is_empty() {
            return Ok(HashMap::new());
        }
        let students = self.visible_to_host(tenant, &named).await?;
        let mut names = HashMap::new();
        let mut events = Vec::new();
        for booking in bookings.iter().filter(|b| b.business_id == host) {
            let shown: Vec<HostPupil> = booking
                .students
                .iter()
                .map(|p| HostPupil {
                    reference: booking.pupil_reference(p.student_id),
                    display_name: students.get(&p.student_id).map(|s| {
                        events.push(self.event(actor, tenant, AuditAction::BookingStudentsRead, s));
                        s.display_name.clone()
                    }),
                })
                .collect();
            names.insert(booking.id, shown);
        }
        self.audit.record(&events).await?;
        Ok(names)
    }

    /// The portfolio entries pupils chose to share with the host of a booking, for the
    /// host: only entries linked to that booking, marked
    /// shared, of pupils who consent to sharing with the host.
    pub async fn shared_with_host(
        &self,
        actor: &Actor,
        tenant: TenantId,
        booking: BookingId,
    ) -> DomainResult<Vec<SharedEntry>> {
        let booking = self.hosted(actor, tenant, booking).await?;
        let entries: Vec<PortfolioEntry> = self
            .portfolio
            .on_booking(tenant, booking.id)
            .await?
            .into_iter()
            .filter(|e| e.shared_with_business)
            .collect();
        let authors: Vec<StudentId> =
            dedup_keep_order(entries.iter().map(|e| e.student_id).collect());
        let students = self.visible_to_host(tenant, &authors).await?;
        let mut shown = Vec::new();
        let mut events = Vec::new();
        for entry in entries {
            if let Some(student) = students.get(&entry.student_id) {
                events.push(self.event(actor, tenant, AuditAction::SharedEntriesRead, student));
                shown.push(SharedEntry {
                    display_name: student.display_name.clone(),
                    entry,
                });
            }
        }
        self.audit.record(&events).await?;
        Ok(shown)
    }
}
