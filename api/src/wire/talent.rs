//! Talent notes and recruitment interests (DESIGN.md §4 "talent notes").

use chrono::{DateTime, Utc};
use driehoek_domain::ValidationErrors;
use driehoek_domain::students::{
    HostNote, MAX_NOTE_COMPETENCES, NewTalentNote, RecruitmentInterest, TalentNote,
};
use driehoek_domain::values::{Description, Name};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::CompetenceCode;

/// What the host saw in one pupil of a completed visit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TalentNoteIn {
    /// The booking's reference for the pupil (`host_pupils[].reference` of the booking).
    #[schema(example = "p-3f9a1c02b7de", pattern = "^p-[0-9a-f]{12}$")]
    pub pupil: String,
    /// The career competences the pupil showed (at most 5).
    #[serde(default)]
    #[schema(max_items = 5)]
    pub competences: Vec<CompetenceCode>,
    /// The strengths seen, in a few words: the portfolio entry's title.
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "Nauwkeurig en nieuwsgierig"
    )]
    pub talents: String,
    /// The observation, for the pupil and the school.
    #[schema(
        min_length = 1,
        max_length = 5000,
        example = "Stelde de loods goede vragen en hield de kaart zelf bij."
    )]
    pub note: String,
    /// Ask to be in touch with the pupil later. Passed on to the pupil's school only
    /// when the pupil may receive it; the answer says whether it was.
    #[serde(default)]
    pub contact_interest: bool,
}

impl TryFrom<TalentNoteIn> for NewTalentNote {
    type Error = ValidationErrors;

    fn try_from(input: TalentNoteIn) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if input.competences.len() > MAX_NOTE_COMPETENCES {
            errors.add(
                "/competences",
                format!("at most {MAX_NOTE_COMPETENCES} competences"),
            );
        }
        let talents = errors.check("/talents", Name::parse(&input.talents));
        let note = errors.check("/note", Description::parse(&input.note));
        match (talents, note) {
            (Some(talents), Some(note)) if errors.is_empty() => Ok(NewTalentNote {
                pupil: input.pupil,
                competences: input.competences.into_iter().map(|c| c.0).collect(),
                talents,
                note,
                contact_interest: input.contact_interest,
            }),
            _ => Err(errors),
        }
    }
}

/// A talent note as its host sees it (the pupil by reference only).
#[derive(Debug, Serialize, ToSchema)]
pub struct TalentNoteOut {
    pub id: Uuid,
    pub booking_id: Uuid,
    /// The booking's reference for the pupil.
    pub pupil: String,
    pub competences: Vec<CompetenceCode>,
    pub talents: String,
    pub note: String,
    /// Whether a wish to be in touch reached the pupil's school. `false` when none was
    /// asked or it could not be passed on (the reason is not told).
    pub interest_passed_on: bool,
    pub created_at: DateTime<Utc>,
}

impl From<HostNote> for TalentNoteOut {
    fn from(h: HostNote) -> Self {
        let n = h.note;
        Self {
            id: n.id.as_uuid(),
            booking_id: n.booking_id.as_uuid(),
            pupil: h.pupil,
            competences: n.competences.into_iter().map(Into::into).collect(),
            talents: n.talents.into_string(),
            note: n.note.into_string(),
            interest_passed_on: n.interest_passed_on,
            created_at: n.created_at,
        }
    }
}

/// A talent note in the pupil's export.
#[derive(Debug, Serialize, ToSchema)]
pub struct StudentTalentNoteOut {
    pub id: Uuid,
    pub booking_id: Uuid,
    pub business_id: Uuid,
    /// The portfolio entry the note made.
    pub entry_id: Uuid,
    pub competences: Vec<CompetenceCode>,
    pub talents: String,
    pub note: String,
    /// Whether the host's wish to be in touch was passed on to the school.
    pub interest_passed_on: bool,
    pub created_at: DateTime<Utc>,
}

impl From<TalentNote> for StudentTalentNoteOut {
    fn from(n: TalentNote) -> Self {
        Self {
            id: n.id.as_uuid(),
            booking_id: n.booking_id.as_uuid(),
            business_id: n.business_id.as_uuid(),
            entry_id: n.entry_id.as_uuid(),
            competences: n.competences.into_iter().map(Into::into).collect(),
            talents: n.talents.into_string(),
            note: n.note.into_string(),
            interest_passed_on: n.interest_passed_on,
            created_at: n.created_at,
        }
    }
}

/// Who to answer about a recruitment interest.
#[derive(Debug, Serialize, ToSchema)]
pub struct InterestedBusinessOut {
    pub id: Uuid,
    pub name: String,
    pub contact_email: Option<String>,
    pub website: Option<String>,
}

/// A host's wish to be in touch with a pupil (16 or older, with consent), with what it
/// saw.
#[derive(Debug, Serialize, ToSchema)]
pub struct InterestOut {
    /// The talent note's id.
    pub id: Uuid,
    pub student_id: Uuid,
    pub booking_id: Uuid,
    pub business: InterestedBusinessOut,
    pub competences: Vec<CompetenceCode>,
    pub talents: String,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

impl From<RecruitmentInterest> for InterestOut {
    fn from(i: RecruitmentInterest) -> Self {
        let n = i.note;
        Self {
            id: n.id.as_uuid(),
            student_id: n.student_id.as_uuid(),
            booking_id: n.booking_id.as_uuid(),
            business: InterestedBusinessOut {
                id: n.business_id.as_uuid(),
                name: i.business_name.into_string(),
                contact_email: i.contact_email.map(|e| e.as_str().to_owned()),
                website: i.website.map(|w| w.into_string()),
            },
            competences: n.competences.into_iter().map(Into::into).collect(),
            talents: n.talents.into_string(),
            note: n.note.into_string(),
            created_at: n.created_at,
        }
    }
}
