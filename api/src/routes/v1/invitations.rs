//! `/v1/tenants/{tenant}/students/{student_id}/guardian-invitations`: the pupil's school
//! invites a parent to the parents' page (DESIGN.md §3.10; the page itself is
//! [`crate::routes::parents_page`]). Only a digest of the link's secret is kept.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use driehoek_api_macros::guarded;
use driehoek_domain::ids::{InvitationId, StudentId};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::PageQuery;
use super::students::StudentPath;
use crate::authz::{Authorized, StudentsSchool, guarded};
use crate::error::ApiError;
use crate::extract::{JsonBody, Query};
use crate::problems::{DeleteErrors, ReadErrors, WriteErrors};
use crate::responses::{created_secret, list, no_content};
use crate::state::AppState;
use crate::wire::ListOf;
use crate::wire::students::{InvitationCreated, InvitationIn, InvitationOut};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(create_invitation))
        .service(guarded(list_invitations))
        .service(guarded(revoke_invitation));
}

#[guarded]
/// Invite a parent or guardian
///
/// By the pupil's school. The `url` opens the parents' page, in `language`, where a
/// parent decides each purpose asked and, with `route_plan`, agrees to the pupil's
/// current plan — as the guardian, with the invitation as evidence. It works for
/// `expires_in_days` (1-30), until revoked, and while the pupil stays at the school;
/// the parent may come back and change a decision until then. The `url` is in this
/// response only.
#[utoipa::path(
    operation_id = "students.guardian_invitations.create", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id")),
    request_body = InvitationIn,
    responses((status = 201, description = "Made; the link is shown once", body = InvitationCreated), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{student_id}/guardian-invitations")]
pub async fn create_invitation(
    req: HttpRequest,
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
    body: JsonBody<InvitationIn>,
) -> Result<HttpResponse, ApiError> {
    let new = body.into_inner()?.into();
    let (invitation, secret) = state
        .students
        .invite(&ctx.actor, ctx.tenant.id, StudentId::from_uuid(path.1), new)
        .await?;
    let info = req.connection_info();
    let url = format!("{}://{}/invitations/{secret}", info.scheme(), info.host());
    let location = format!("{}/{}", req.path(), invitation.id);
    Ok(created_secret(
        location,
        InvitationCreated {
            invitation: InvitationOut::at(invitation, state.clock.now()),
            url,
        },
    ))
}

#[guarded]
/// List a pupil's guardian invitations
///
/// By the pupil's school, oldest first, with each one's `status`; never the links.
#[utoipa::path(
    operation_id = "students.guardian_invitations.list", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id"), PageQuery),
    responses((status = 200, description = "One page of invitations", body = ListOf<InvitationOut>), ReadErrors),
    security(("api_key" = []))
)]
#[get("/{student_id}/guardian-invitations")]
pub async fn list_invitations(
    req: HttpRequest,
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    path: StudentPath,
    query: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.checked()?;
    let page = query.page()?;
    let invitations = state
        .students
        .invitations(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            page,
        )
        .await?;
    let now = state.clock.now();
    Ok(list(&req, invitations, |i| InvitationOut::at(i, now)))
}

#[guarded]
/// Revoke a guardian invitation
///
/// At once: the link answers the page for unknown links. What the parent decided
/// before stays in the ledger. Revoking twice is harmless.
#[utoipa::path(
    operation_id = "students.guardian_invitations.revoke", tag = "students",
    params(("tenant" = String, Path, description = "Tenant slug"), ("student_id" = Uuid, Path, description = "Pupil id"),
           ("invitation_id" = Uuid, Path, description = "Invitation id")),
    responses((status = 204, description = "Revoked"), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/{student_id}/guardian-invitations/{invitation_id}")]
pub async fn revoke_invitation(
    ctx: Authorized<StudentsSchool>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    state
        .students
        .revoke_invitation(
            &ctx.actor,
            ctx.tenant.id,
            StudentId::from_uuid(path.1),
            InvitationId::from_uuid(path.2),
        )
        .await?;
    Ok(no_content())
}
