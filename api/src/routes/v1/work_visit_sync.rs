//! Partner sync (DESIGN.md §3.8): a business's own system keeps its offerings in step
//! by its own ids, one at a time (`PUT`) or up to 1 000 at once.

use actix_web::http::header;
use actix_web::{HttpResponse, post, put, web};
use driehoek_api_macros::guarded;
use driehoek_domain::ValidationErrors;
use driehoek_domain::ids::BusinessId;
use driehoek_domain::work_visits::{ExternalId, MAX_SYNC_ITEMS, SyncMode, SyncOutcome};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::authz::{Authorized, BusinessOrCity, guarded};
use crate::error::ApiError;
use crate::extract::{JsonBody, SYNC_BODY_BYTES, parse_value};
use crate::problems::WriteErrors;
use crate::responses::{created, etag};
use crate::state::AppState;
use crate::wire::sync::{
    SyncIn, SyncItemOut, SyncModeCode, SyncOut, SyncWorkVisitIn, SyncedWorkVisitOut,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(put_synced_work_visit))
        .service(guarded(sync_work_visits));
}

#[guarded]
/// Create or replace a work visit by the partner's id
///
/// The body is the whole offering with the slots the partner manages; what is left out
/// is cleared. Sending what Driehoek already holds writes nothing (the version stays).
/// `201` when created, `200` otherwise.
#[utoipa::path(
    operation_id = "work_visits.sync_one", tag = "work-visits",
    params(("tenant" = String, Path, description = "Tenant slug"),
           ("business_id" = Uuid, Path, description = "Business id"),
           ("external_id" = String, Path, description = "The partner's own id for the work visit")),
    request_body = SyncWorkVisitIn,
    responses((status = 200, description = "Replaced, or unchanged", body = SyncedWorkVisitOut),
              (status = 201, description = "Created", body = SyncedWorkVisitOut), WriteErrors),
    security(("api_key" = []))
)]
#[put("/{business_id}/work-visits/{external_id}")]
pub async fn put_synced_work_visit(
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid, String)>,
    body: JsonBody<SyncWorkVisitIn>,
) -> Result<HttpResponse, ApiError> {
    let business = BusinessId::from_uuid(path.1);
    state
        .work_visits
        .sync_target(&ctx.actor, ctx.tenant.id, business)
        .await?;
    let external = ExternalId::parse(&path.2)
        .map_err(|e| ApiError::invalid_query(format!("external_id in the path {e}")))?;
    let input = body.into_inner()?;
    if input
        .external_id
        .as_deref()
        .is_some_and(|given| given != external.as_str())
    {
        return Err(ApiError::validation(ValidationErrors::single(
            "/external_id",
            "must equal the external_id in the path",
        )));
    }
    let item = input.into_item(business, &external)?;
    let result = state
        .work_visits
        .sync(
            &ctx.actor,
            &ctx.tenant,
            business,
            SyncMode::Partial,
            vec![(0, item)],
            &[],
        )
        .await?
        .pop()
        .ok_or_else(|| {
            ApiError::from(driehoek_domain::DomainError::Internal(
                "the sync answered nothing for its one item".to_owned(),
            ))
        })?;
    let synced = result.result?;
    let version = synced.visit.version;
    let location = format!("/v1/tenants/{}/work-visits/{}", path.0, synced.visit.id);
    let created_now = synced.outcome == SyncOutcome::Created;
    let body = SyncedWorkVisitOut::from(synced);
    if created_now {
        Ok(created(location, version, body))
    } else {
        Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_LOCATION, location))
            .insert_header((header::ETAG, etag(version)))
            .json(body))
    }
}

#[guarded]
/// Sync many work visits of a business
///
/// Up to 1 000 work visits (body up to 8 MiB), each judged and applied on its own:
/// the answer lists, per item, `created`, `updated`, `unchanged` or `failed` with its
/// problem. In `full` mode the business's synced work visits left out of the payload
/// are `withdrawn`; in `full` mode every item must carry a valid `external_id`, or
/// nothing is applied. Sending the same payload twice writes nothing the second time.
#[utoipa::path(
    operation_id = "work_visits.sync", tag = "work-visits",
    params(("tenant" = String, Path, description = "Tenant slug"),
           ("business_id" = Uuid, Path, description = "Business id")),
    request_body = SyncIn,
    responses((status = 200, description = "Per-item results", body = SyncOut), WriteErrors),
    security(("api_key" = []))
)]
#[post("/{business_id}/work-visit-sync")]
pub async fn sync_work_visits(
    ctx: Authorized<BusinessOrCity>,
    state: web::Data<AppState>,
    path: web::Path<(String, Uuid)>,
    body: JsonBody<SyncIn, SYNC_BODY_BYTES>,
) -> Result<HttpResponse, ApiError> {
    let business = BusinessId::from_uuid(path.1);
    state
        .work_visits
        .sync_target(&ctx.actor, ctx.tenant.id, business)
        .await?;
    let input = body.into_inner()?;
    if input.work_visits.len() > MAX_SYNC_ITEMS {
        return Err(ApiError::validation(ValidationErrors::single(
            "/work_visits",
            format!("at most {MAX_SYNC_ITEMS} work visits per call"),
        )));
    }
    let mode = match input.mode {
        SyncModeCode::Full => SyncMode::Full,
        SyncModeCode::Partial => SyncMode::Partial,
    };
    let mut items = Vec::with_capacity(input.work_visits.len());
    let mut failed = Vec::new();
    let mut present = Vec::new();
    // Items whose external_id cannot be read, with why.
    let mut unnamed: Vec<(usize, String)> = Vec::new();
    for (i, value) in input.work_visits.into_iter().enumerate() {
        let prefix = format!("/work_visits/{i}");
        let raw_id = value
            .get("external_id")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        let external = match raw_id.as_deref().map(ExternalId::parse) {
            Some(Ok(external)) => external,
            Some(Err(message)) => {
                unnamed.push((i, message));
                continue;
            }
            None => {
                unnamed.push((
                    i,
                    "every synced work visit needs its external_id".to_owned(),
                ));
                continue;
            }
        };
        match parse_value::<SyncWorkVisitIn>(value)
            .and_then(|input| input.into_item(business, &external))
        {
            Ok(item) => items.push((i, item)),
            Err(error) => {
                failed.push(SyncItemOut::failed(Some(i), raw_id, &error.within(&prefix)));
                present.push(external);
            }
        }
    }
    let pointer = |i: usize| format!("/work_visits/{i}/external_id");
    if mode == SyncMode::Full && !unnamed.is_empty() {
        // Without every id, "left out of the payload" cannot be told apart from "could
        // not be read": withdrawing anything could be a mistake.
        let mut errors = ValidationErrors::new();
        for (i, message) in unnamed {
            errors.add(pointer(i), message);
        }
        return Err(ApiError::validation(errors));
    }
    for (i, message) in unnamed {
        let error = ApiError::validation(ValidationErrors::single(pointer(i), message));
        failed.push(SyncItemOut::failed(Some(i), None, &error));
    }
    let results = state
        .work_visits
        .sync(&ctx.actor, &ctx.tenant, business, mode, items, &present)
        .await?;
    let mut out = failed;
    for r in results {
        out.push(match r.result {
            Ok(synced) => SyncItemOut::done(r.index, &synced),
            Err(error) => {
                let prefix = r
                    .index
                    .map(|i| format!("/work_visits/{i}"))
                    .unwrap_or_default();
                SyncItemOut::failed(
                    r.index,
                    Some(r.external_id.as_str().to_owned()),
                    &ApiError::from(error).within(&prefix),
                )
            }
        });
    }
    Ok(HttpResponse::Ok().json(SyncOut::new(input.mode, out)))
}
