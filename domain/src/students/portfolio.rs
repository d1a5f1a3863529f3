use chrono::{DateTime, Utc};

use crate::ids::{BookingId, PortfolioEntryId, SchoolId, StudentId, TenantId};
use crate::values::{EntryBody, IscoCode, Name, WebUrl};
use crate::vocabularies::{Competence, NaceSection, PortfolioEntryKind};

vocabulary! {
    /// Who wrote a portfolio entry (recorded through the school's key).
    pub enum EntryAuthor = "portfolio_authors" {
        Student => "student", "The pupil", "De leerling";
        Mentor => "mentor", "Mentor or teacher", "Mentor of docent";
        Coach => "coach", "Coach at the host", "Begeleider bij het gastbedrijf";
        Guardian => "guardian", "Parent or guardian", "Ouder of voogd";
        System => "system", "Driehoek (from a completed booking)", "Driehoek (uit een afgeronde boeking)";
    }
}

/// One entry of a pupil's talent portfolio, tagged by career competence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortfolioEntry {
    pub id: PortfolioEntryId,
    pub tenant_id: TenantId,
    pub student_id: StudentId,
    /// The school the pupil was at when the entry was made.
    pub school_id: SchoolId,
    pub competence: Competence,
    pub kind: PortfolioEntryKind,
    pub title: Name,
    pub body: EntryBody,
    pub sectors: Vec<NaceSection>,
    pub occupations: Vec<IscoCode>,
    pub evidence_url: Option<WebUrl>,
    pub booking_id: Option<BookingId>,
    /// Visible to the host of `booking_id`, when the pupil consents to sharing.
    pub shared_with_business: bool,
    pub author_role: EntryAuthor,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub competence: Competence,
    pub kind: PortfolioEntryKind,
    pub title: Name,
    pub body: EntryBody,
    pub sectors: Vec<NaceSection>,
    pub occupations: Vec<IscoCode>,
    pub evidence_url: Option<WebUrl>,
    pub booking_id: Option<BookingId>,
    pub shared_with_business: bool,
    /// Who wrote it, as the request says: a school names it; a pupil's or guardian's
    /// token is the author, and may only repeat it.
    pub author_role: Option<EntryAuthor>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryChanges {
    pub competence: Option<Competence>,
    pub kind: Option<PortfolioEntryKind>,
    pub title: Option<Name>,
    pub body: Option<EntryBody>,
    pub sectors: Option<Vec<NaceSection>>,
    pub occupations: Option<Vec<IscoCode>>,
    pub evidence_url: Option<Option<WebUrl>>,
    pub shared_with_business: Option<bool>,
}

impl EntryChanges {
    pub fn apply(self, entry: &mut PortfolioEntry) {
        if let Some(v) = self.competence {
            entry.competence = v;
        }
        if let Some(v) = self.kind {
            entry.kind = v;
        }
        if let Some(v) = self.title {
            entry.title = v;
        }
        if let Some(v) = self.body {
            entry.body = v;
        }
        if let Some(v) = self.sectors {
            entry.sectors = crate::values::dedup_keep_order(v);
        }
        if let Some(v) = self.occupations {
            entry.occupations = crate::values::dedup_keep_order(v);
        }
        if let Some(v) = self.evidence_url {
            entry.evidence_url = v;
        }
        if let Some(v) = self.shared_with_business {
            entry.shared_with_business = v;
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryFilter {
    pub competence: Option<Competence>,
    pub kind: Option<PortfolioEntryKind>,
    pub booking_id: Option<BookingId>,
}

/// The portfolio at a glance: the five questions (what can I, what do I want, what work
/// suits me, what do I want to become, who can help me) as counts and highlights.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortfolioSummary {
    pub entries: u32,
    pub by_competence: Vec<(Competence, u32)>,
    /// Titles of the latest `talent` entries, newest first (at most 10).
    pub talents: Vec<Name>,
    /// Sectors and occupations the entries touch, most frequent first.
    pub sectors: Vec<(NaceSection, u32)>,
    pub occupations: Vec<(IscoCode, u32)>,
    /// The latest entries, newest first (at most 5).
    pub latest: Vec<PortfolioEntry>,
    /// Entries made at earlier schools that stay sealed (no `portfolio_transfer`).
    pub sealed: u32,
}

fn count_desc<T: Clone + PartialEq + Ord>(values: impl Iterator<Item = T>) -> Vec<(T, u32)> {
    let mut counts: Vec<(T, u32)> = Vec::new();
    for value in values {
        match counts.iter_mut().find(|(v, _)| *v == value) {
            Some((_, n)) => *n += 1,
            None => counts.push((value, 1)),
        }
    }
    counts.sort_by(|(a, na), (b, nb)| nb.cmp(na).then_with(|| a.cmp(b)));
    counts
}

impl PortfolioSummary {
    /// Summarises the open entries (oldest first, as stored).
    pub fn of(open: &[PortfolioEntry], sealed: u32) -> Self {
        use crate::vocabularies::Vocabulary;
        let by_competence = Competence::ALL
            .iter()
            .map(|c| {
                let n = open.iter().filter(|e| e.competence == *c).count();
                (*c, u32::try_from(n).unwrap_or(u32::MAX))
            })
            .collect();
        Self {
            entries: u32::try_from(open.len()).unwrap_or(u32::MAX),
            by_competence,
            talents: open
                .iter()
                .rev()
                .filter(|e| e.kind == PortfolioEntryKind::Talent)
                .take(10)
                .map(|e| e.title.clone())
                .collect(),
            sectors: count_desc(open.iter().flat_map(|e| e.sectors.iter().copied())),
            occupations: count_desc(open.iter().flat_map(|e| e.occupations.iter().cloned())),
            latest: open.iter().rev().take(5).cloned().collect(),
            sealed,
        }
    }
}
