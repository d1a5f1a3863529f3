//! A pupil's consents and portfolio: the consent ledger (who decides which purpose,
//! from which age), the portfolio at a glance, and its entries.

use super::*;

impl StudentService {
    // Consents.

    pub async fn record_consent(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        consent_age: u8,
        new: NewConsent,
    ) -> DomainResult<Consent> {
        let channel = if actor.acts_for_a_pupil() {
            DecisionChannel::Token
        } else {
            DecisionChannel::Key
        };
        self.decide(actor, (tenant, id), consent_age, new, channel)
            .await
    }

    /// Appends a decision to the ledger, as `actor` decides and through `channel`.
    pub(super) async fn decide(
        &self,
        actor: &Actor,
        (tenant, id): (TenantId, StudentId),
        consent_age: u8,
        new: NewConsent,
        channel: DecisionChannel,
    ) -> DomainResult<Consent> {
        let student = self.visible(actor, tenant, id).await?;
        let now = self.clock.now();
        let given_by = acting_party(
            actor,
            new.given_by,
            (ConsentGiver::Student, ConsentGiver::Guardian),
            "/given_by",
        )?;
        if let Some((pointer, why)) = consent_refusal(&student, &new, given_by, consent_age, now) {
            return Err(DomainError::rule(
                crate::error::Rule::ConsentNotAllowed,
                pointer,
                why,
            ));
        }
        let consent = Consent {
            id: ConsentId::new(),
            tenant_id: tenant,
            student_id: id,
            purpose: new.purpose,
            status: new.status,
            given_by,
            recorded_at: now,
            recorded_by_key_id: actor.key_id,
            recorded_by_role: actor.role,
            recorded_via: channel,
        };
        let event = self.event(actor, tenant, AuditAction::ConsentRecord, &student);
        self.consents.insert(&consent, &event).await?;
        Ok(consent)
    }

    /// The pupil's consent ledger, oldest first.
    pub async fn consents(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
    ) -> DomainResult<Vec<Consent>> {
        let student = self.visible(actor, tenant, id).await?;
        let ledger = self.consents.ledger(tenant, id).await?;
        self.audited_read(actor, tenant, AuditAction::ConsentRead, &[&student])
            .await?;
        Ok(ledger)
    }

    // The portfolio.

    pub async fn summary(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
    ) -> DomainResult<PortfolioSummary> {
        let student = self.visible(actor, tenant, id).await?;
        let all = self.portfolio.all(tenant, id).await?;
        let (open, sealed): (Vec<_>, Vec<_>) = all
            .into_iter()
            .partition(|e| student.entry_is_open(e.created_at));
        self.audited_read(actor, tenant, AuditAction::PortfolioRead, &[&student])
            .await?;
        Ok(PortfolioSummary::of(
            &open,
            u32::try_from(sealed.len()).unwrap_or(u32::MAX),
        ))
    }

    pub async fn add_entry(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        new: NewEntry,
    ) -> DomainResult<PortfolioEntry> {
        let student = self.visible(actor, tenant, id).await?;
        let author_role = acting_party(
            actor,
            new.author_role,
            (EntryAuthor::Student, EntryAuthor::Guardian),
            "/author_role",
        )?;
        if author_role == EntryAuthor::System {
            return Err(DomainError::invalid(
                "/author_role",
                "system entries are made by Driehoek itself",
            ));
        }
        if let Some(booking) = new.booking_id {
            self.check_booking_link(tenant, &student, booking).await?;
        }
        let now = self.clock.now();
        let entry = PortfolioEntry {
            id: PortfolioEntryId::new(),
            tenant_id: tenant,
            student_id: id,
            school_id: student.school_id,
            competence: new.competence,
            kind: new.kind,
            title: new.title,
            body: new.body,
            sectors: dedup_keep_order(new.sectors),
            occupations: dedup_keep_order(new.occupations),
            evidence_url: new.evidence_url,
            booking_id: new.booking_id,
            shared_with_business: new.shared_with_business,
            author_role,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let event = self.event(actor, tenant, AuditAction::EntryCreate, &student);
        self.portfolio.insert(&entry, &event).await?;
        Ok(entry)
    }

    /// An entry links to a booking of the pupil's school (named or not).
    async fn check_booking_link(
        &self,
        tenant: TenantId,
        student: &Student,
        booking: BookingId,
    ) -> DomainResult<()> {
        let linked = self
            .bookings
            .get(tenant, booking)
            .await?
            .is_some_and(|b| b.school_id == student.school_id);
        if linked {
            Ok(())
        } else {
            Err(DomainError::invalid(
                "/booking_id",
                "no such booking of the pupil's school",
            ))
        }
    }

    pub async fn list_entries(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        filter: EntryFilter,
        page: PageRequest,
    ) -> DomainResult<Page<PortfolioEntry>> {
        let student = self.visible(actor, tenant, id).await?;
        let rows = self
            .portfolio
            .list(tenant, &student, &filter, &page)
            .await?;
        self.audited_read(actor, tenant, AuditAction::PortfolioRead, &[&student])
            .await?;
        Ok(Page::from_fetched(rows, &page, |e| e.id.as_uuid()))
    }

    async fn open_entry(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        entry: PortfolioEntryId,
    ) -> DomainResult<(Student, PortfolioEntry)> {
        let student = self.visible(actor, tenant, id).await?;
        let entry = self
            .portfolio
            .get(tenant, entry)
            .await?
            .filter(|e| e.student_id == id && student.entry_is_open(e.created_at))
            .ok_or(DomainError::NotFound("portfolio entry"))?;
        Ok((student, entry))
    }

    pub async fn get_entry(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        entry: PortfolioEntryId,
    ) -> DomainResult<PortfolioEntry> {
        let (student, entry) = self.open_entry(actor, tenant, id, entry).await?;
        self.audited_read(actor, tenant, AuditAction::PortfolioRead, &[&student])
            .await?;
        Ok(entry)
    }

    pub async fn update_entry(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        entry: PortfolioEntryId,
        changes: EntryChanges,
        if_match: Option<i64>,
    ) -> DomainResult<PortfolioEntry> {
        let (student, mut entry) = self.open_entry(actor, tenant, id, entry).await?;
        may_edit(actor, &entry)?;
        check_if_match(entry.version, if_match)?;
        let expected = entry.version;
        changes.apply(&mut entry);
        entry.version += 1;
        entry.updated_at = self.clock.now();
        let event = self.event(actor, tenant, AuditAction::EntryUpdate, &student);
        written(
            self.portfolio.update(&entry, expected, &event).await?,
            entry,
            expected + 1,
        )
    }

    pub async fn delete_entry(
        &self,
        actor: &Actor,
        tenant: TenantId,
        id: StudentId,
        entry: PortfolioEntryId,
        if_match: Option<i64>,
    ) -> DomainResult<()> {
        let (student, entry) = self.open_entry(actor, tenant, id, entry).await?;
        may_edit(actor, &entry)?;
        check_if_match(entry.version, if_match)?;
        let event = self.event(actor, tenant, AuditAction::EntryDelete, &student);
        written(
            self.portfolio.delete(&entry, &event).await?,
            (),
            entry.version + 1,
        )
    }
}
