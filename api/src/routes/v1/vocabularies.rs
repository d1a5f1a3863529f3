//! `/v1/vocabularies`: the closed code lists shared by all tenants.

use actix_web::{HttpResponse, get, web};
use driehoek_domain::vocabularies;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;
use crate::extract::Caller;
use crate::problems::ReadErrors;
use crate::wire::vocabularies::VocabularyOut;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_vocabularies).service(get_vocabulary);
}

#[derive(Serialize, ToSchema)]
pub struct VocabularyList {
    pub data: Vec<VocabularyOut>,
}

/// List vocabularies
///
/// Every vocabulary with all its codes and English and Dutch labels. Any valid key.
#[utoipa::path(
    operation_id = "vocabularies.list", tag = "vocabularies",
    responses((status = 200, description = "All vocabularies", body = VocabularyList), ReadErrors),
    security(("api_key" = []))
)]
#[get("/vocabularies")]
pub async fn list_vocabularies(_caller: Caller) -> Result<HttpResponse, ApiError> {
    let data = vocabularies::catalogue()
        .into_iter()
        .map(VocabularyOut::from)
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "private, max-age=3600"))
        .json(VocabularyList { data }))
}

/// Read a vocabulary
#[utoipa::path(
    operation_id = "vocabularies.get", tag = "vocabularies",
    params(("name" = String, Path, description = "Vocabulary name, e.g. `education_levels`")),
    responses((status = 200, description = "The vocabulary", body = VocabularyOut), ReadErrors),
    security(("api_key" = []))
)]
#[get("/vocabularies/{name}")]
pub async fn get_vocabulary(
    _caller: Caller,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let vocabulary = vocabularies::find(&name).ok_or_else(|| ApiError::not_found("vocabulary"))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "private, max-age=3600"))
        .json(VocabularyOut::from(vocabulary)))
}
