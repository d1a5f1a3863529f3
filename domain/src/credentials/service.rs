use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::document::{self, IssuerUrls};
use super::{
    Credential, CredentialRepository, Issued, IssuerKey, LIST_BITS, StatusCheck, StatusEntry,
    Verification,
};
use crate::audit::AuditAction;
use crate::auth::{Actor, Role};
use crate::bookings::{Booking, BookingRepository, BookingStatus};
use crate::businesses::BusinessRepository;
use crate::clock::SharedClock;
use crate::error::{ConflictKind, DomainError, DomainResult, Rule};
use crate::ids::{BookingId, CredentialId, StudentId, TenantId};
use crate::students::{Student, StudentExport, StudentService};
use crate::tenants::{Tenant, TenantRepository};
use crate::vocabularies::{Competence, NaceSection};
use crate::work_visits::{Slot, WorkVisit, WorkVisitRepository};

/// How many status entries a list takes before the next list opens: half its bits,
/// so a randomly chosen free entry is found at once.
const LIST_FILL: u64 = (LIST_BITS / 2) as u64;
/// How often a new random status entry is tried when the chosen one was taken.
const STATUS_TRIES: usize = 16;

/// What the pupil's school, the pupil or a guardian asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCredential {
    pub booking_id: BookingId,
    /// Put the pupil's display name in the credential (else only an opaque id).
    pub include_name: bool,
}

/// A credential and whether this request made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCredential {
    pub credential: Credential,
    pub created: bool,
}

/// Where the service reads what a credential says.
#[derive(Clone)]
pub struct CredentialSources {
    pub credentials: Arc<dyn CredentialRepository>,
    pub tenants: Arc<dyn TenantRepository>,
    pub bookings: Arc<dyn BookingRepository>,
    pub work_visits: Arc<dyn WorkVisitRepository>,
    pub businesses: Arc<dyn BusinessRepository>,
}

/// The city as issuer: its keys, the credentials of its pupils, their status lists
/// and the verification of any credential presented.
#[derive(Clone)]
pub struct CredentialService {
    sources: CredentialSources,
    students: StudentService,
    clock: SharedClock,
}

impl CredentialService {
    pub fn new(sources: CredentialSources, students: StudentService, clock: SharedClock) -> Self {
        Self {
            sources,
            students,
            clock,
        }
    }

    fn repo(&self) -> &dyn CredentialRepository {
        self.sources.credentials.as_ref()
    }

    /// A tenant by slug, for the public documents.
    async fn tenant(&self, slug: &str) -> DomainResult<Tenant> {
        self.sources
            .tenants
            .get_by_slug(slug)
            .await?
            .ok_or(DomainError::NotFound("tenant"))
    }

    /// The city's issuer profile (public).
    pub async fn profile(&self, base: &str, slug: &str) -> DomainResult<Value> {
        let tenant = self.tenant(slug).await?;
        Ok(document::profile(
            &IssuerUrls::new(base, tenant.slug.as_str()),
            tenant.name.as_str(),
        ))
    }

    /// The city's public keys, oldest first (public).
    pub async fn keys(&self, slug: &str) -> DomainResult<Vec<IssuerKey>> {
        let tenant = self.tenant(slug).await?;
        self.repo().keys(tenant.id).await
    }

    /// The key that signs: the newest, made on first use.
    async fn signing_key(&self, tenant: TenantId) -> DomainResult<IssuerKey> {
        if let Some(key) = self.repo().keys(tenant).await?.pop() {
            return Ok(key);
        }
        self.add_key(tenant, 1).await
    }

    /// Stores a new key of `generation`; when another node stored one of it
    /// meanwhile, that one.
    async fn add_key(&self, tenant: TenantId, generation: i64) -> DomainResult<IssuerKey> {
        let key = document::new_key(tenant, generation, self.clock.now())?;
        if self.repo().insert_key(&key).await? {
            return Ok(key);
        }
        self.repo()
            .keys(tenant)
            .await?
            .pop()
            .ok_or(DomainError::Internal("a signing key vanished".to_owned()))
    }

    /// A new signing key for the city (its administrators); the older keys stay
    /// published, so what they signed still verifies.
    pub async fn rotate(&self, actor: &Actor, tenant: TenantId) -> DomainResult<IssuerKey> {
        if !matches!(actor.role, Role::CityAdmin | Role::PlatformAdmin) {
            return Err(DomainError::forbidden(
                "the city's administrators rotate its signing key",
            ));
        }
        let generation = self
            .repo()
            .keys(tenant)
            .await?
            .last()
            .map_or(1, |k| k.generation + 1);
        self.add_key(tenant, generation).await
    }

    /// Issues the pupil a credential for a completed booking at which the pupil was
    /// present; asked again for the same booking, answers the first.
    pub async fn issue(
        &self,
        actor: &Actor,
        tenant: &Tenant,
        base: &str,
        student: StudentId,
        new: NewCredential,
    ) -> DomainResult<IssuedCredential> {
        let student = self.students.visible(actor, tenant.id, student).await?;
        if let Some(credential) = self
            .repo()
            .find(tenant.id, student.id, new.booking_id)
            .await?
        {
            return self.existing(actor, tenant.id, &student, credential).await;
        }
        let booking = self.attended(tenant.id, &student, new.booking_id).await?;
        let (visit, slot) = self.visit_of(&booking).await?;
        let host = self
            .sources
            .businesses
            .get(tenant.id, booking.business_id)
            .await?
            .ok_or(DomainError::NotFound("business"))?;
        let key = self.signing_key(tenant.id).await?;
        let urls = IssuerUrls::new(base, tenant.slug.as_str());
        let now = self.clock.now();
        let list = 1 + u32::try_from(self.repo().issued(tenant.id).await? / LIST_FILL)
            .map_err(|_| DomainError::Internal("status lists exhausted".to_owned()))?;
        let event = self
            .students
            .event(actor, tenant.id, AuditAction::CredentialIssue, &student);
        let facts = Facts {
            urls: &urls,
            tenant,
            student: &student,
            include_name: new.include_name,
            visit: &visit,
            slot: &slot,
            host_name: host.name.as_str(),
        };
        let id = CredentialId::new();
        for _ in 0..STATUS_TRIES {
            let entry = StatusEntry {
                list,
                index: random_index()?,
            };
            let payload = facts.credential(id, entry, now);
            let credential = Credential {
                id,
                tenant_id: tenant.id,
                student_id: student.id,
                school_id: student.school_id,
                booking_id: booking.id,
                status: entry,
                kid: key.kid.clone(),
                jwt: document::sign(&payload, &key)?,
                issued_at: now,
                revoked_at: None,
            };
            match self.repo().insert(&credential, &event).await? {
                Issued::New => {
                    return Ok(IssuedCredential {
                        credential,
                        created: true,
                    });
                }
                Issued::Existing(credential) => {
                    return self.existing(actor, tenant.id, &student, credential).await;
                }
                Issued::StatusTaken => continue,
            }
        }
        Err(DomainError::Internal(
            "no free status list entry found".to_owned(),
        ))
    }

    /// The pupil's credential issued before, handed out as a read (audited).
    async fn existing(
        &self,
        actor: &Actor,
        tenant: TenantId,
        student: &Student,
        credential: Credential,
    ) -> DomainResult<IssuedCredential> {
        self.students
            .audited_read(actor, tenant, AuditAction::CredentialsRead, &[student])
            .await?;
        Ok(IssuedCredential {
            credential,
            created: false,
        })
    }

    /// The booking, when it names the pupil as present and is completed.
    async fn attended(
        &self,
        tenant: TenantId,
        student: &Student,
        id: BookingId,
    ) -> DomainResult<Booking> {
        let not_there = || {
            DomainError::rule(
                Rule::NotAttended,
                "/booking_id",
                "no booking with this id names the pupil as present",
            )
        };
        let booking = self
            .sources
            .bookings
            .get(tenant, id)
            .await?
            .ok_or_else(not_there)?;
        let named = booking
            .students
            .iter()
            .find(|p| p.student_id == student.id)
            .ok_or_else(not_there)?;
        if booking.status != BookingStatus::Completed {
            return Err(DomainError::conflict(
                ConflictKind::InvalidState,
                "a credential follows the visit: the booking is completed once its attendance is recorded",
            ));
        }
        if named.present != Some(true) {
            return Err(DomainError::rule(
                Rule::NotAttended,
                "/booking_id",
                "the pupil was not recorded present at this visit",
            ));
        }
        Ok(booking)
    }

    async fn visit_of(&self, booking: &Booking) -> DomainResult<(WorkVisit, Slot)> {
        let repo = &self.sources.work_visits;
        let visit = repo
            .get(booking.tenant_id, booking.work_visit_id)
            .await?
            .ok_or(DomainError::NotFound("work visit"))?;
        let slot = repo
            .get_slot(booking.tenant_id, booking.work_visit_id, booking.slot_id)
            .await?
            .ok_or(DomainError::NotFound("slot"))?;
        Ok((visit, slot))
    }

    /// The pupil's credentials (the pupil's school, the pupil, a guardian); audited.
    pub async fn list(
        &self,
        actor: &Actor,
        tenant: TenantId,
        student: StudentId,
    ) -> DomainResult<Vec<Credential>> {
        let student = self.students.visible(actor, tenant, student).await?;
        let credentials = self.repo().of_student(tenant, student.id).await?;
        self.students
            .audited_read(actor, tenant, AuditAction::CredentialsRead, &[&student])
            .await?;
        Ok(credentials)
    }

    /// One of the pupil's credentials; audited.
    pub async fn get(
        &self,
        actor: &Actor,
        tenant: TenantId,
        student: StudentId,
        id: CredentialId,
    ) -> DomainResult<Credential> {
        let student = self.students.visible(actor, tenant, student).await?;
        let credential = self.of_pupil(tenant, &student, id).await?;
        self.students
            .audited_read(actor, tenant, AuditAction::CredentialsRead, &[&student])
            .await?;
        Ok(credential)
    }

    async fn of_pupil(
        &self,
        tenant: TenantId,
        student: &Student,
        id: CredentialId,
    ) -> DomainResult<Credential> {
        self.repo()
            .get(tenant, id)
            .await?
            .filter(|c| c.student_id == student.id)
            .ok_or(DomainError::NotFound("credential"))
    }

    /// Revokes one of the pupil's credentials (the pupil's school); published in the
    /// status list at once. Revoking again changes nothing.
    pub async fn revoke(
        &self,
        actor: &Actor,
        tenant: TenantId,
        student: StudentId,
        id: CredentialId,
    ) -> DomainResult<Credential> {
        let student = self.students.managed(actor, tenant, student).await?;
        let mut credential = self.of_pupil(tenant, &student, id).await?;
        if credential.revoked_at.is_some() {
            return Ok(credential);
        }
        let event = self
            .students
            .event(actor, tenant, AuditAction::CredentialRevoke, &student);
        let now = event.at;
        if !self.repo().revoke(tenant, id, now, &event).await? {
            return Err(DomainError::NotFound("credential"));
        }
        credential.revoked_at = Some(now);
        Ok(credential)
    }

    /// Everything held on the pupil ([`StudentService::export`], which authorises and
    /// audits it) with the credentials issued to the pupil.
    pub async fn export(
        &self,
        actor: &Actor,
        tenant: TenantId,
        student: StudentId,
        consent_age: u8,
    ) -> DomainResult<(StudentExport, Vec<Credential>)> {
        let export = self
            .students
            .export(actor, tenant, student, consent_age)
            .await?;
        let credentials = self.repo().of_student(tenant, export.student.id).await?;
        Ok((export, credentials))
    }

    /// Status list `list` of the city as a signed credential (public): its JSON and
    /// its VC-JWT.
    pub async fn status_list(
        &self,
        base: &str,
        slug: &str,
        list: u32,
    ) -> DomainResult<(Value, String)> {
        let tenant = self.tenant(slug).await?;
        let revoked = self
            .repo()
            .revoked_in(tenant.id, list)
            .await?
            .ok_or(DomainError::NotFound("status list"))?;
        let urls = IssuerUrls::new(base, tenant.slug.as_str());
        let issuer = document::profile(&urls, tenant.name.as_str());
        let payload =
            document::status_list_credential(&urls, issuer, list, &revoked, self.clock.now())?;
        let key = self.signing_key(tenant.id).await?;
        let jwt = document::sign(&payload, &key)?;
        Ok((payload, jwt))
    }

    /// What anyone may learn of a presented VC-JWT: whether a Driehoek city signed it
    /// with a key it publishes, whether it is revoked, whether it is in its validity.
    pub async fn verify(&self, base: &str, jwt: &str) -> DomainResult<Verification> {
        let kid = document::kid_of(jwt).map_err(|e| DomainError::invalid("/credential", e))?;
        let claims = document::payload(jwt).ok_or_else(|| {
            DomainError::invalid("/credential", "the JWT's payload is not a JSON object")
        })?;
        let now = self.clock.now();
        let valid_from = date(&claims, "validFrom");
        let valid_until = date(&claims, "validUntil");
        let mut answer = Verification {
            verified: false,
            signature_valid: false,
            issuer: None,
            kid: kid.clone(),
            status: StatusCheck::Unknown,
            valid_from,
            valid_until,
            expired: valid_until.is_some_and(|t| t <= now),
            not_yet_valid: valid_from.is_some_and(|t| t > now),
            credential: None,
        };
        let issuer_id = match claims.get("issuer") {
            Some(Value::String(id)) => Some(id.as_str()),
            Some(issuer) => issuer.get("id").and_then(Value::as_str),
            None => None,
        };
        let Some(slug) = issuer_id.and_then(|id| IssuerUrls::slug_of_issuer(base, id)) else {
            return Ok(answer);
        };
        let Some(tenant) = self.sources.tenants.get_by_slug(slug).await? else {
            return Ok(answer);
        };
        let urls = IssuerUrls::new(base, tenant.slug.as_str());
        answer.issuer = Some((urls.issuer(), tenant.name.as_str().to_owned()));
        let keys = self.repo().keys(tenant.id).await?;
        let verified = keys
            .iter()
            .filter(|k| kid.as_deref().is_none_or(|kid| kid == k.kid))
            .find_map(|k| document::verified_payload(jwt, &k.public_key));
        let Some(credential) = verified else {
            return Ok(answer);
        };
        answer.signature_valid = true;
        if let Some(entry) = document::entry_of(&credential, &urls) {
            answer.status = match self.repo().is_revoked(tenant.id, entry).await? {
                Some(true) => StatusCheck::Revoked,
                Some(false) => StatusCheck::Active,
                None => StatusCheck::Unknown,
            };
        }
        answer.verified =
            answer.status == StatusCheck::Active && !answer.expired && !answer.not_yet_valid;
        answer.credential = Some(credential);
        Ok(answer)
    }
}

/// A date of a credential's JSON.
fn date(claims: &Value, field: &str) -> Option<DateTime<Utc>> {
    let text = claims.get(field)?.as_str()?;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A random entry of a status list: the specification asks issuers not to hand them
/// out in order, so an entry does not tell when or to whom near it it was issued.
fn random_index() -> DomainResult<u32> {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes)
        .map_err(|e| DomainError::Internal(format!("no randomness for a status entry: {e}")))?;
    Ok(u32::from_le_bytes(bytes) % LIST_BITS)
}

/// What one credential says.
struct Facts<'a> {
    urls: &'a IssuerUrls,
    tenant: &'a Tenant,
    student: &'a Student,
    include_name: bool,
    visit: &'a WorkVisit,
    slot: &'a Slot,
    host_name: &'a str,
}

impl Facts<'_> {
    /// The `OpenBadgeCredential`.
    fn credential(&self, id: CredentialId, entry: StatusEntry, now: DateTime<Utc>) -> Value {
        let mut subject = json!({
            // Opaque and new for each credential: no number, no email, nothing that
            // links two credentials of the pupil unless the pupil shows both.
            "id": format!("urn:uuid:{}", uuid::Uuid::new_v4()),
            "type": ["AchievementSubject"],
            "activityStartDate": document::timestamp(self.slot.schedule.starts_at()),
            "activityEndDate": document::timestamp(self.slot.schedule.ends_at()),
            "achievement": self.achievement(),
        });
        if self.include_name {
            subject["identifier"] = json!([{
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": false,
                "identityHash": self.student.display_name.as_str(),
            }]);
        }
        json!({
            "@context": document::OB_CONTEXT,
            "id": self.urls.credential(id),
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": document::profile(self.urls, self.tenant.name.as_str()),
            "validFrom": document::timestamp(now),
            "name": format!("Work visit: {}", self.visit.title.as_str()),
            "credentialSubject": subject,
            "evidence": [self.evidence()],
            "credentialStatus": document::status_entry(self.urls, entry),
        })
    }

    fn achievement(&self) -> Value {
        let visit = self.visit;
        let title = visit.title.as_str();
        let mut alignment: Vec<Value> = visit
            .competences
            .iter()
            .map(|&c| {
                document::vocabulary_alignment::<Competence>(
                    self.urls,
                    "Career competences (Kuijpers)",
                    c,
                )
            })
            .collect();
        alignment.extend(visit.occupations.iter().map(|isco| {
            document::alignment(
                "ISCO-08",
                isco.as_str(),
                &format!("ISCO-08 unit group {}", isco.as_str()),
                format!("http://data.europa.eu/esco/isco/C{}", isco.as_str()),
            )
        }));
        alignment.extend(
            visit.sectors.iter().map(|&s| {
                document::vocabulary_alignment::<NaceSection>(self.urls, "NACE Rev. 2", s)
            }),
        );
        json!({
            "id": self.urls.work_visit(visit.id),
            "type": ["Achievement"],
            "achievementType": "Fieldwork",
            "name": title,
            "description": visit.description.as_ref().map_or(title, |d| d.as_str()),
            "criteria": {
                "narrative": format!(
                    "Took part in the work visit \u{201c}{title}\u{201d} hosted by {}, recorded present by the pupil's school or the host.",
                    self.host_name
                ),
            },
            "alignment": alignment,
        })
    }

    fn evidence(&self) -> Value {
        let schedule = &self.slot.schedule;
        let minutes: i64 = if schedule.sessions().is_empty() {
            (schedule.ends_at() - schedule.starts_at()).num_minutes()
        } else {
            schedule
                .sessions()
                .iter()
                .map(|s| (s.ends_at - s.starts_at).num_minutes())
                .sum()
        };
        let hours = format!("{:.1}", minutes as f64 / 60.0);
        let zone: chrono_tz::Tz = self
            .tenant
            .timezone
            .as_str()
            .parse()
            .unwrap_or(chrono_tz::UTC);
        let local = |t: DateTime<Utc>| t.with_timezone(&zone).format("%Y-%m-%d").to_string();
        let (from, to) = (local(schedule.starts_at()), local(schedule.ends_at()));
        let dates = if from == to {
            from
        } else {
            format!("{from} to {to}")
        };
        json!({
            "type": ["Evidence"],
            "name": format!("Work visit at {}", self.host_name),
            "narrative": format!(
                "{dates}: {hours} hours at {} ({}).",
                self.host_name,
                self.visit.title.as_str()
            ),
        })
    }
}
