use async_trait::async_trait;
use driehoek_domain::bookings::{Feedback, FeedbackAuthor, FeedbackRepository, Rating};
use driehoek_domain::changes::Audience;
use driehoek_domain::error::DomainResult;
use driehoek_domain::ids::{BookingId, BusinessId, FeedbackId, SchoolId, TenantId};
use driehoek_domain::paging::PageRequest;
use driehoek_domain::values::Description;
use driehoek_domain::vocabularies::{Competence, Vocabulary};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, IntoActiveModel, PaginatorTrait,
    QueryFilter, QuerySelect,
};
use uuid::Uuid;

use super::entities::{booking_feedback, bookings};
use super::versioned::{self, RowChange};
use super::{corrupt, db_error, encode_codes, keyset, parse_codes};

pub struct SeaOrmFeedbackRepository {
    db: DatabaseConnection,
}

impl SeaOrmFeedbackRepository {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// One school and one business feedback per booking; pupils' each under their own id.
fn author_key(f: &Feedback) -> String {
    match f.author {
        FeedbackAuthor::Student => f.id.as_uuid().to_string(),
        other => other.code().to_owned(),
    }
}

fn to_model(f: &Feedback) -> booking_feedback::Model {
    booking_feedback::Model {
        tenant_id: f.tenant_id.as_uuid(),
        id: f.id.as_uuid(),
        version: f.version,
        created_at: f.created_at,
        updated_at: f.updated_at,
        booking_id: f.booking_id.as_uuid(),
        author: f.author.code().to_owned(),
        author_key: author_key(f),
        rating: i32::from(f.rating.value()),
        comment: f.comment.as_ref().map(|c| c.to_string()),
        competences_practised: encode_codes(f.competences_practised.iter().map(|c| c.code())),
        would_host_again: f.would_host_again,
    }
}

fn from_model(m: booking_feedback::Model) -> DomainResult<Feedback> {
    let bad = |e: String| corrupt("feedback", e);
    Ok(Feedback {
        id: FeedbackId::from_uuid(m.id),
        tenant_id: TenantId::from_uuid(m.tenant_id),
        booking_id: BookingId::from_uuid(m.booking_id),
        author: FeedbackAuthor::parse(&m.author).map_err(bad)?,
        rating: u8::try_from(m.rating)
            .map_err(|e| e.to_string())
            .and_then(Rating::new)
            .map_err(bad)?,
        comment: m
            .comment
            .as_deref()
            .map(Description::parse)
            .transpose()
            .map_err(bad)?,
        competences_practised: parse_codes(&m.competences_practised, Competence::parse)
            .map_err(bad)?,
        would_host_again: m.would_host_again,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

#[async_trait]
impl FeedbackRepository for SeaOrmFeedbackRepository {
    async fn insert(&self, feedback: &Feedback) -> DomainResult<()> {
        // Feedback is for whoever sees its booking: the school, the host, the city.
        let (school, business): (Uuid, Uuid) = bookings::scoped(feedback.tenant_id.as_uuid())
            .filter(bookings::Column::Id.eq(feedback.booking_id.as_uuid()))
            .select_only()
            .column(bookings::Column::SchoolId)
            .column(bookings::Column::BusinessId)
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(db_error)?
            .ok_or(driehoek_domain::DomainError::NotFound("booking"))?;
        let row = RowChange {
            tenant: feedback.tenant_id.as_uuid(),
            id: feedback.id.as_uuid(),
            version: feedback.version,
            at: feedback.updated_at,
            audience: Audience::Parties {
                school: Some(SchoolId::from_uuid(school)),
                business: Some(BusinessId::from_uuid(business)),
            },
            status: None,
            event: None,
        };
        let model = to_model(feedback).into_active_model().reset_all();
        versioned::insert::<booking_feedback::Entity>(
            &self.db,
            row,
            model,
            "this booking already has feedback from this author",
        )
        .await
    }

    async fn list(
        &self,
        tenant: TenantId,
        booking: BookingId,
        page: &PageRequest,
    ) -> DomainResult<Vec<Feedback>> {
        keyset(
            booking_feedback::scoped(tenant.as_uuid())
                .filter(booking_feedback::Column::BookingId.eq(booking.as_uuid())),
            booking_feedback::Column::Id,
            page,
        )
        .all(&self.db)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(from_model)
        .collect()
    }

    async fn get(
        &self,
        tenant: TenantId,
        booking: BookingId,
        id: FeedbackId,
    ) -> DomainResult<Option<Feedback>> {
        booking_feedback::scoped(tenant.as_uuid())
            .filter(booking_feedback::Column::BookingId.eq(booking.as_uuid()))
            .filter(booking_feedback::Column::Id.eq(id.as_uuid()))
            .one(&self.db)
            .await
            .map_err(db_error)?
            .map(from_model)
            .transpose()
    }

    async fn count(
        &self,
        tenant: TenantId,
        booking: BookingId,
        author: FeedbackAuthor,
    ) -> DomainResult<u64> {
        booking_feedback::scoped(tenant.as_uuid())
            .filter(booking_feedback::Column::BookingId.eq(booking.as_uuid()))
            .filter(booking_feedback::Column::Author.eq(author.code()))
            .count(&self.db)
            .await
            .map_err(db_error)
    }
}
