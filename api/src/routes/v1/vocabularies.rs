//! `/v1/vocabularies`: the closed code lists shared by all tenants.

use actix_web::{HttpResponse, get, web};
use driehoek_api_macros::guarded;
use driehoek_domain::vocabularies;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::authz::{Anyone, AuthorizedCaller, guarded};
use crate::error::ApiError;
use crate::problems::ReadErrors;
use crate::wire::vocabularies::VocabularyOut;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(guarded(list_vocabularies))
        .service(guarded(get_vocabulary));
}

#[derive(Serialize, ToSchema)]
pub struct VocabularyList {
    pub data: Vec<VocabularyOut>,
}

#[guarded]
/// List vocabularies
///
/// Every vocabulary with all its codes and English and Dutch labels. Any valid key.
#[utoipa::path(
    operation_id = "vocabularies.list", tag = "vocabularies",
    responses((status = 200, description = "All vocabularies", body = VocabularyList), ReadErrors),
    security(("api_key" = []))
)]
#[get("/vocabularies")]
pub async fn list_vocabularies(
    _caller: AuthorizedCaller<Anyone>,
) -> Result<HttpResponse, ApiError> {
    let data = vocabularies::catalogue()
        .into_iter()
        .map(VocabularyOut::from)
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "private, max-age=3600"))
        .json(VocabularyList { data }))
}

#[guarded]
/// Read a vocabulary
#[utoipa::path(
    operation_id = "vocabularies.get", tag = "vocabularies",
    params(("name" = String, Path, description = "Vocabulary name, e.g. `education_levels`")),
    responses((status = 200, description = "The vocabulary", body = VocabularyOut), ReadErrors),
    security(("api_key" = []))
)]
#[get("/vocabularies/{name}")]
pub async fn get_vocabulary(
    _caller: AuthorizedCaller<Anyone>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vocabulary = vocabularies::find(&name).ok_or_else(|| ApiError::not_found("vocabulary"))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "private, max-age=3600"))
        .json(VocabularyOut::from(vocabulary)))
}
