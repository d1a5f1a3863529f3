use driehoek_domain::vocabularies::{VocabularyEntry, VocabularyListing};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct VocabularyEntryOut {
    #[schema(example = "nl_mbo_4")]
    pub code: String,
    pub label_en: String,
    pub label_nl: String,
    /// EQF level (education levels only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eqf: Option<u8>,
    /// The country whose system defines the value (education levels only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VocabularyOut {
    #[schema(example = "education_levels")]
    pub name: String,
    pub description: String,
    pub entries: Vec<VocabularyEntryOut>,
}

impl From<VocabularyListing> for VocabularyOut {
    fn from(v: VocabularyListing) -> Self {
        Self {
            name: v.name.to_owned(),
            description: v.description.to_owned(),
            entries: v.entries.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<VocabularyEntry> for VocabularyEntryOut {
    fn from(e: VocabularyEntry) -> Self {
        Self {
            code: e.code.to_owned(),
            label_en: e.label_en.to_owned(),
            label_nl: e.label_nl.to_owned(),
            eqf: e.eqf,
            country: e.country.map(str::to_owned),
        }
    }
}
