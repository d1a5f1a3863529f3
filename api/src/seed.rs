//! Demo data: two realistic tenants, Rotterdam (NL) and Leuven (BE), with schools,
//! businesses with coaches, and programmes drawn from the field (Loopbaanleren, a
//! technology pact, Jobspotters), offerings, a booking and a visit that took place.
//! Idempotent: a tenant that exists is left alone.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use driehoek_domain::api_keys::{NewApiKey, TOKEN_LIFETIME_SECS};
use driehoek_domain::auth::{Actor, Binding, Role};
use driehoek_domain::bookings::{
    AttendanceReport, BookingContact, CycleStep, FeedbackAuthor, NewBooking, NewFeedback, Rating,
};
use driehoek_domain::businesses::{NewBusiness, NewCoach, Screening};
use driehoek_domain::credentials::NewCredential;
use driehoek_domain::error::DomainError;
use driehoek_domain::ids::{
    CoachId, PlacementId, SchoolId, SlotId, StudentId, TenantId, WorkVisitId,
};
use driehoek_domain::placements::{NewPlacement, PupilChoices};
use driehoek_domain::programmes::{
    Funding, MemberOrg, MemberRole, NewProgramme, NewProgrammeMember, ProgrammeStatus,
};
use driehoek_domain::schools::NewSchool;
use driehoek_domain::students::{
    ConsentGiver, ConsentStatus, EntryAuthor, INVITATION_DAYS, NewAccessToken, NewConsent,
    NewEntry, NewInvitation, NewStudent, NewTalentNote, PageLanguage, StudentStatus,
};
use driehoek_domain::tenants::{NewTenant, SettingsChanges};
use driehoek_domain::values::{
    Address, CountryCode, Description, Email, IscoCode, LanguageCode, Locale, Name, ShortText,
    TenantSlug, Timezone, WebUrl,
};
use driehoek_domain::values::{EntryBody, ExternalRef};
use driehoek_domain::vocabularies::{
    BusinessKind, Competence, ConsentPurpose, EducationLevel, NaceSection, PortfolioEntryKind,
    SchoolKind, ScreeningKind, Vocabulary, WorkVisitFormat,
};
use driehoek_domain::work_visits::{
    AgeRange, GroupSize, NewSlot, NewWorkVisit, Preparation, Schedule, Session, SlotChanges,
    WorkVisitStatus,
};

use crate::state::AppState;

/// A key made for the demo, to print once.
pub struct DemoKey {
    pub tenant: String,
    pub role: &'static str,
    pub name: String,
    pub secret: String,
}

fn invalid(e: String) -> DomainError {
    DomainError::Internal(format!("demo data is invalid: {e}"))
}

fn name(s: &str) -> Result<Name, DomainError> {
    Name::parse(s).map_err(invalid)
}

fn date(y: i32, m: u32, d: u32) -> Result<NaiveDate, DomainError> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| invalid(format!("{y}-{m}-{d}")))
}

fn address(street: &str, postal_code: &str, city: &str) -> Result<Option<Address>, DomainError> {
    Ok(Some(Address {
        street: ShortText::parse(street).map_err(invalid)?,
        postal_code: ShortText::parse(postal_code).map_err(invalid)?,
        city: ShortText::parse(city).map_err(invalid)?,
    }))
}

struct SchoolSeed<'a> {
    name: &'a str,
    kind: SchoolKind,
    code: &'a str,
    levels: &'a [EducationLevel],
    street: &'a str,
    postal: &'a str,
}

struct CoachSeed<'a> {
    name: &'a str,
    bio: &'a str,
    isco: &'a [&'a str],
    screening: Option<ScreeningKind>,
}

/// A published offering: title, format, ages, group size, and its first slot as
/// (weeks ahead, hour, minute in UTC): on the Wednesday at least that many weeks
/// after the clock's today.
struct OfferSeed<'a> {
    title: &'a str,
    format: WorkVisitFormat,
    /// ISCO-08 codes of the occupations it shows.
    occupations: &'a [&'a str],
    ages: (u8, u8),
    group: (u16, u16),
    first: (i64, u32, u32),
    hours: i64,
    /// What the class does before the visit.
    preparation: Option<&'a str>,
}

/// The demo's calendar, laid out around the clock's today, so `serve --demo` tells
/// the same story on any date: offerings in the coming weeks, a visit that took place
/// a fortnight ago (in this year, once the year is old enough), a school year that
/// is running, screenings that are valid. Times are UTC.
struct DemoDates {
    now: DateTime<Utc>,
    today: NaiveDate,
    /// 1 September of the school year that is running.
    school_year: NaiveDate,
}

impl DemoDates {
    fn new(now: DateTime<Utc>) -> Result<Self, DomainError> {
        let today = now.date_naive();
        let year = today.year();
        let school_year = date(if today.month() >= 9 { year } else { year - 1 }, 9, 1)?;
        Ok(Self {
            now,
            today,
            school_year,
        })
    }

    fn at(day: NaiveDate, hour: u32, minute: u32) -> Result<DateTime<Utc>, DomainError> {
        day.and_hms_opt(hour, minute, 0)
            .map(|t| t.and_utc())
            .ok_or_else(|| invalid(format!("{hour}:{minute}")))
    }

    /// The school year's last day (30 June).
    fn school_year_end(&self) -> Result<NaiveDate, DomainError> {
        date(self.school_year.year() + 1, 6, 30)
    }

    /// Until when a screening made at the start of the school year is valid: three
    /// years, so it covers every slot of the demo.
    fn screening_ends(&self) -> Result<NaiveDate, DomainError> {
        date(self.school_year.year() + 3, 8, 31)
    }

    /// `(weeks, hour, minute)`: that time (UTC) on the first Wednesday at least
    /// `weeks` weeks from today.
    fn ahead(&self, (weeks, hour, minute): (i64, u32, u32)) -> Result<DateTime<Utc>, DomainError> {
        let earliest = self.today + Duration::weeks(weeks);
        let to_wednesday = (7 + 2 - i64::from(earliest.weekday().num_days_from_monday())) % 7;
        Self::at(earliest + Duration::days(to_wednesday), hour, minute)
    }

    /// When the visit that took place started: a fortnight ago at 08:30 UTC, or at the
    /// turn of the year when that was last year, so this year's figures count it — and
    /// `hours` plus one before now in the year's first hours, when even that is ahead.
    fn past_visit(&self, hours: i64) -> Result<DateTime<Utc>, DomainError> {
        let fortnight_ago = Self::at(self.today - Duration::days(14), 8, 30)?;
        let new_year = Self::at(date(self.today.year(), 1, 1)?, 8, 30)?;
        let start = fortnight_ago.max(new_year);
        if start + Duration::hours(hours) < self.now {
            Ok(start)
        } else {
            Ok(self.now - Duration::hours(hours + 1))
        }
    }
}

struct BusinessSeed<'a> {
    offer: OfferSeed<'a>,
    /// Further offerings, beside the one the demo books.
    more: &'a [OfferSeed<'a>],
    name: &'a str,
    street: &'a str,
    postal: &'a str,
    kind: BusinessKind,
    sectors: &'a [NaceSection],
    description: &'a str,
    website: &'a str,
    coaches: &'a [CoachSeed<'a>],
}

struct ProgrammeSeed<'a> {
    name: &'a str,
    owner: &'a str,
    description: &'a str,
    funding: Option<(&'a str, f64)>,
    target: u32,
    competences: &'a [Competence],
}

/// A pupil of the tenant's first school, with consent decisions and portfolio
/// entries. Ages are the age certainly reached this year, so the demo stays true.
struct StudentSeed<'a> {
    external_ref: &'a str,
    name: &'a str,
    age: i32,
    level: EducationLevel,
    grade: &'a str,
    consents: &'a [(ConsentPurpose, ConsentStatus, ConsentGiver)],
    entries: &'a [EntrySeed<'a>],
}

struct EntrySeed<'a> {
    competence: Competence,
    kind: PortfolioEntryKind,
    title: &'a str,
    body: &'a str,
    sectors: &'a [NaceSection],
    author: EntryAuthor,
}

struct TenantSeed<'a> {
    slug: &'a str,
    name: &'a str,
    country: &'a str,
    locale: &'a str,
    timezone: &'a str,
    city: &'a str,
    schools: &'a [SchoolSeed<'a>],
    businesses: &'a [BusinessSeed<'a>],
    programmes: &'a [ProgrammeSeed<'a>],
    pupils: &'a [StudentSeed<'a>],
    /// A class of the first school with a placement proposal over a bliksemstage day.
    class: Option<ClassSeed<'a>>,
    /// The pupils of the first school named on the visit that took place, with what
    /// its host saw in them: (pupil's `external_ref`, talents, note); each note asks to
    /// be in touch, which reaches the school only for a pupil of 16 with consent.
    talent_notes: &'a [(&'a str, &'a str, &'a str)],
}

/// A class (pupils of one age and level, with participation consent, nothing in their
/// portfolios) whose choices over the day's offerings make a placement proposal, ready
/// to confirm.
struct ClassSeed<'a> {
    group_name: &'a str,
    /// The day, as (weeks ahead, hour, minute): every chosen offering gets a slot
    /// then, of three hours, seating its largest group (at most six).
    day: (i64, u32, u32),
    age: i32,
    level: EducationLevel,
    grade: &'a str,
    /// (school number, name).
    pupils: &'a [(&'a str, &'a str)],
    /// Ranked choices by offering title; pupil `i` gives `choices[i % len]`.
    choices: &'a [&'a [&'a str]],
}

use BusinessKind as B;
use Competence as C;
use ConsentGiver as G;
use ConsentPurpose as P;
use ConsentStatus as S;
use EducationLevel as L;
use EntryAuthor as A;
use NaceSection as N;
use PortfolioEntryKind as K;

const ROTTERDAM: TenantSeed<'static> = TenantSeed {
    slug: "rotterdam",
    name: "Gemeente Rotterdam",
    country: "NL",
    locale: "nl-NL",
    timezone: "Europe/Amsterdam",
    city: "Rotterdam",
    schools: &[
        SchoolSeed {
            name: "Calvijn Vreewijk",
            kind: SchoolKind::Secondary,
            code: "02TY",
            levels: &[L::NlVmboBb, L::NlVmboKb, L::NlVmboTl],
            street: "Sportlaan 2",
            postal: "3071 XA",
        },
        SchoolSeed {
            name: "Albeda Techniek",
            kind: SchoolKind::Vocational,
            code: "25LH",
            levels: &[L::NlMbo2, L::NlMbo3, L::NlMbo4],
            street: "Rosestraat 1101",
            postal: "3071 AL",
        },
        SchoolSeed {
            name: "Basisschool De Klimop",
            kind: SchoolKind::Primary,
            code: "10XK",
            levels: &[L::NlPo],
            street: "Putsebocht 85",
            postal: "3073 HG",
        },
    ],
    businesses: &[
        BusinessSeed {
            offer: OfferSeed {
                title: "Bliksemstage in de haven",
                format: WorkVisitFormat::LightningInternship,
                occupations: &["8344"],
                ages: (13, 16),
                group: (3, 6),
                first: (6, 8, 30),
                hours: 3,
                preparation: None,
            },
            more: &[
                OfferSeed {
                    title: "Een ochtend op de containerterminal",
                    format: WorkVisitFormat::CompanyVisit,
                    occupations: &["8344"],
                    ages: (13, 16),
                    group: (2, 20),
                    first: (3, 8, 30),
                    hours: 3,
                    preparation: None,
                },
                OfferSeed {
                    title: "Meevaren met de havenpatrouille",
                    format: WorkVisitFormat::JobShadowing,
                    occupations: &["3152"],
                    ages: (14, 18),
                    group: (1, 4),
                    first: (5, 9, 0),
                    hours: 4,
                    preparation: None,
                },
            ],
            name: "Havenbedrijf Rotterdam",
            street: "Wilhelminakade 909",
            postal: "3072 AP",
            kind: B::Company,
            sectors: &[N::H],
            description: "Port authority: shipping, logistics and energy transition in Europe's largest port.",
            website: "https://www.portofrotterdam.com",
            coaches: &[CoachSeed {
                name: "Sanne",
                bio: "Nautical officer; shows pupils the control room and the harbour patrol.",
                isco: &["3152"],
                screening: Some(ScreeningKind::NlVog),
            }],
        },
        BusinessSeed {
            offer: OfferSeed {
                title: "Proefdag zorg en lab",
                format: WorkVisitFormat::TasterDay,
                occupations: &["3212", "5321"],
                ages: (14, 17),
                group: (4, 12),
                first: (11, 8, 0),
                hours: 6,
                preparation: Some(
                    "Bekijk in de klas de film over een dag op de spoedeisende hulp en schrijf per tweetal één vraag op voor de verpleegkundige.",
                ),
            },
            more: &[OfferSeed {
                title: "Een middag meelopen in de zorg",
                format: WorkVisitFormat::JobShadowing,
                occupations: &["5321", "2221"],
                ages: (13, 17),
                group: (1, 6),
                first: (4, 12, 30),
                hours: 3,
                preparation: None,
            }],
            name: "Erasmus MC",
            street: "Doctor Molewaterplein 40",
            postal: "3015 GD",
            kind: B::NonProfit,
            sectors: &[N::Q, N::M],
            description: "University medical centre; taster days in care, lab and technology.",
            website: "https://www.erasmusmc.nl",
            coaches: &[CoachSeed {
                name: "Youssef",
                bio: "Lab technician who loves explaining what happens to a blood sample.",
                isco: &["3212"],
                screening: Some(ScreeningKind::NlVog),
            }],
        },
        BusinessSeed {
            offer: OfferSeed {
                title: "Sollicitatietraining",
                format: WorkVisitFormat::MockInterview,
                occupations: &[],
                ages: (14, 18),
                group: (10, 30),
                first: (15, 12, 0),
                hours: 2,
                preparation: None,
            },
            more: &[],
            name: "JINC Rotterdam",
            street: "Schiedamse Vest 154",
            postal: "3011 BH",
            kind: B::Intermediary,
            sectors: &[N::P],
            description: "Organises bliksemstages and sollicitatietrainingen with companies.",
            website: "https://www.jinc.nl",
            coaches: &[],
        },
    ],
    programmes: &[
        ProgrammeSeed {
            name: "Loopbaanleren Rotterdam",
            owner: "Gemeente Rotterdam, Onderwijs",
            description: "Experience, investigate, plan: work visits, the talent portfolio and the Leerroutekaart.",
            funding: Some(("Gemeente Rotterdam", 450000.0)),
            target: 12000,
            competences: &[
                C::Qualities,
                C::Motives,
                C::WorkExploration,
                C::CareerSteering,
                C::Networking,
            ],
        },
        ProgrammeSeed {
            name: "Techniekpact Rotterdam",
            owner: "Gemeente Rotterdam met 30 bedrijven en scholen",
            description: "Pact of companies, schools and the city for careers in technology, port, care and IT.",
            funding: None,
            target: 3000,
            competences: &[C::WorkExploration, C::Networking],
        },
    ],
    pupils: &[
        StudentSeed {
            external_ref: "CV-2031-0117",
            name: "Sara",
            age: 14,
            level: L::NlVmboKb,
            grade: "2 vmbo-k",
            consents: &[
                (P::Participation, S::Granted, G::Guardian),
                (P::ShareWithBusiness, S::Granted, G::Guardian),
            ],
            entries: &[
                EntrySeed {
                    competence: C::Qualities,
                    kind: K::Talent,
                    title: "Kan goed met klanten omgaan",
                    body: "Bij de open dag hielp Sara bezoekers de weg te vinden en legde ze rustig uit wat de afdeling techniek doet.",
                    sectors: &[],
                    author: A::Mentor,
                },
                EntrySeed {
                    competence: C::CareerSteering,
                    kind: K::Goal,
                    title: "Iets in de haven",
                    body: "Ik wil na het vmbo naar het STC en later met schepen werken.",
                    sectors: &[N::H],
                    author: A::Student,
                },
            ],
        },
        StudentSeed {
            external_ref: "CV-2032-0042",
            name: "Daan",
            age: 13,
            level: L::NlVmboBb,
            grade: "1 vmbo-b",
            consents: &[
                (P::Participation, S::Granted, G::Guardian),
                (P::ShareWithBusiness, S::Refused, G::Guardian),
            ],
            entries: &[EntrySeed {
                competence: C::Motives,
                kind: K::Reflection,
                title: "Wat ik leuk vind",
                body: "Ik werk graag met mijn handen en ik vind het fijn als ik meteen zie wat ik gemaakt heb.",
                sectors: &[N::F],
                author: A::Student,
            }],
        },
        StudentSeed {
            external_ref: "CV-2029-0311",
            name: "Yasmina",
            age: 16,
            level: L::NlVmboTl,
            grade: "4 vmbo-t",
            consents: &[
                (P::Participation, S::Granted, G::Student),
                (P::ShareWithBusiness, S::Granted, G::Student),
                (P::PortfolioTransfer, S::Granted, G::Student),
                (P::RecruitmentContact, S::Granted, G::Student),
            ],
            entries: &[
                EntrySeed {
                    competence: C::CareerSteering,
                    kind: K::Conversation,
                    title: "Loopbaangesprek met de mentor",
                    body: "Besproken: mbo Verpleegkunde of Doktersassistent. Volgende stap: proefstuderen bij Albeda in maart.",
                    sectors: &[N::Q],
                    author: A::Mentor,
                },
                EntrySeed {
                    competence: C::Networking,
                    kind: K::Contact,
                    title: "Tante werkt in het Erasmus MC",
                    body: "Mijn tante is verpleegkundige en wil vertellen hoe een dienst eruitziet.",
                    sectors: &[N::Q],
                    author: A::Student,
                },
            ],
        },
    ],
    class: Some(ClassSeed {
        group_name: "Klas 2B bliksemstage",
        day: (8, 8, 30),
        age: 14,
        level: L::NlVmboKb,
        grade: "2 vmbo-k",
        pupils: &[
            ("CV-2032-0201", "Lars"),
            ("CV-2032-0202", "Fenna"),
            ("CV-2032-0203", "Mohammed"),
            ("CV-2032-0204", "Julia"),
            ("CV-2032-0205", "Bram"),
            ("CV-2032-0206", "Aya"),
            ("CV-2032-0207", "Thijs"),
            ("CV-2032-0208", "Eva"),
            ("CV-2032-0209", "Ilias"),
            ("CV-2032-0210", "Roos"),
            ("CV-2032-0211", "Stijn"),
            ("CV-2032-0212", "Nora"),
        ],
        choices: &[
            &[
                "Meevaren met de havenpatrouille",
                "Een ochtend op de containerterminal",
                "Een middag meelopen in de zorg",
            ],
            &[
                "Een ochtend op de containerterminal",
                "Bliksemstage in de haven",
                "Proefdag zorg en lab",
            ],
            &[
                "Een middag meelopen in de zorg",
                "Proefdag zorg en lab",
                "Meevaren met de havenpatrouille",
            ],
            &[
                "Meevaren met de havenpatrouille",
                "Bliksemstage in de haven",
                "Een ochtend op de containerterminal",
            ],
        ],
    }),
    talent_notes: &[
        (
            "CV-2029-0311",
            "Rustig en oplettend bij patiënten",
            "Yasmina stelde een oudere patiënt op zijn gemak en vroeg de verpleegkundige precies wat ze mocht doen. Wij zien haar graag terug voor een bijbaan of een bbl-plek.",
        ),
        (
            "CV-2031-0117",
            "Nieuwsgierig in het lab",
            "Sara wilde bij elke stap weten waarom die nodig was en schreef de metingen netjes op.",
        ),
    ],
};

const LEUVEN: TenantSeed<'static> = TenantSeed {
    slug: "leuven",
    name: "Stad Leuven",
    country: "BE",
    locale: "nl-BE",
    timezone: "Europe/Brussels",
    city: "Leuven",
    schools: &[
        SchoolSeed {
            name: "Sint-Pieterscollege",
            kind: SchoolKind::Secondary,
            code: "048355",
            levels: &[L::BeSo1a, L::BeSo1b],
            street: "Minderbroedersstraat 13",
            postal: "3000",
        },
        SchoolSeed {
            name: "GO! Atheneum Redingenhof",
            kind: SchoolKind::Secondary,
            code: "048322",
            levels: &[L::BeSo1a, L::BeSo1b, L::BeSoDubbel],
            street: "Redingenstraat 90",
            postal: "3000",
        },
        SchoolSeed {
            name: "Buurtwerk 't Lampeke",
            kind: SchoolKind::AfterSchool,
            code: "BW-LAMPEKE",
            levels: &[L::BeSo1a, L::BeSo1b],
            street: "Lijsterstraat 30",
            postal: "3000",
        },
    ],
    businesses: &[
        BusinessSeed {
            offer: OfferSeed {
                title: "Jobspotters: chauffeur en mecanicien",
                format: WorkVisitFormat::JobTryoutTrack,
                occupations: &[],
                ages: (12, 14),
                group: (2, 3),
                first: (5, 12, 30),
                hours: 3,
                preparation: None,
            },
            more: &[],
            name: "De Lijn Vlaams-Brabant",
            street: "Martelarenplein 19",
            postal: "3000",
            kind: B::PublicService,
            sectors: &[N::H],
            description: "Public transport: bus drivers, mechanics and planners host Jobspotters.",
            website: "https://www.delijn.be",
            coaches: &[CoachSeed {
                name: "Marc",
                bio: "Bus driver for twenty years; takes his group along the line 2 route.",
                isco: &["8331"],
                screening: Some(ScreeningKind::Be5962),
            }],
        },
        BusinessSeed {
            offer: OfferSeed {
                title: "Jobspotters bij de brandweer",
                format: WorkVisitFormat::JobTryoutTrack,
                occupations: &[],
                ages: (12, 14),
                group: (2, 3),
                first: (6, 12, 30),
                hours: 3,
                preparation: None,
            },
            more: &[],
            name: "Brandweer Leuven",
            street: "Terbankstraat 2",
            postal: "3001",
            kind: B::PublicService,
            sectors: &[N::O],
            description: "Fire brigade: training tower, vehicles and the emergency room.",
            website: "https://www.brandweerzoneoost.be",
            coaches: &[CoachSeed {
                name: "An",
                bio: "Firefighter and paramedic.",
                isco: &["5411"],
                screening: Some(ScreeningKind::Be5962),
            }],
        },
        BusinessSeed {
            offer: OfferSeed {
                title: "Maak je eigen radio-uitzending",
                format: WorkVisitFormat::Workshop,
                occupations: &[],
                ages: (12, 18),
                group: (2, 6),
                first: (9, 12, 30),
                hours: 3,
                preparation: None,
            },
            more: &[],
            name: "Radio Scorpio",
            street: "Naamsestraat 96",
            postal: "3000",
            kind: B::NonProfit,
            sectors: &[N::J, N::R],
            description: "Community radio station: pupils make their own broadcast.",
            website: "https://www.radioscorpio.be",
            coaches: &[CoachSeed {
                name: "Lotte",
                bio: "Radio maker and sound engineer.",
                isco: &["3521"],
                screening: None,
            }],
        },
    ],
    programmes: &[ProgrammeSeed {
        name: "Jobspotters",
        owner: "Stad Leuven, dienst Onderwijs",
        description: "Small groups of 2-3 pupils of the first grade try a job on the shop floor for several weeks with one passionate coach.",
        funding: Some(("Stad Leuven", 85000.0)),
        target: 100,
        competences: &[C::Qualities, C::Motives, C::WorkExploration],
    }],
    pupils: &[
        StudentSeed {
            external_ref: "SPC-1A-07",
            name: "Lotte",
            age: 13,
            level: L::BeSo1a,
            grade: "1A",
            consents: &[
                (P::Participation, S::Granted, G::Student),
                (P::ShareWithBusiness, S::Granted, G::Student),
            ],
            entries: &[
                EntrySeed {
                    competence: C::Qualities,
                    kind: K::Talent,
                    title: "Werkt nauwkeurig",
                    body: "Tijdens het labo STEM mat Lotte alles twee keer na en hield ze een net logboek bij.",
                    sectors: &[N::M],
                    author: A::Mentor,
                },
                EntrySeed {
                    competence: C::WorkExploration,
                    kind: K::Goal,
                    title: "Jobspotters in de zorg",
                    body: "Ik wil dit jaar met Jobspotters een kijkje nemen in een woonzorgcentrum.",
                    sectors: &[N::Q],
                    author: A::Student,
                },
            ],
        },
        StudentSeed {
            external_ref: "SPC-1B-12",
            name: "Ruben",
            age: 12,
            level: L::BeSo1b,
            grade: "1B",
            consents: &[(P::Participation, S::Granted, G::Guardian)],
            entries: &[EntrySeed {
                competence: C::Motives,
                kind: K::Reflection,
                title: "Buiten werken",
                body: "Ik ben het liefst buiten bezig, bij de scouts maak ik altijd het kampvuur.",
                sectors: &[N::A],
                author: A::Student,
            }],
        },
    ],
    class: None,
    talent_notes: &[],
};

/// One published offering of `business` with one slot hosted by its first coach
/// (with a teacher present when that coach has no screening). A track meets weekly
/// three times.
async fn seed_offer(
    state: &AppState,
    tenant: &driehoek_domain::tenants::Tenant,
    offer: &OfferSeed<'_>,
    business: &driehoek_domain::businesses::Business,
    (seed, dates): (&TenantSeed<'_>, &DemoDates),
    coach: Option<(CoachId, bool)>,
) -> Result<(WorkVisitId, SlotId), DomainError> {
    let admin = Actor::bootstrap_admin();
    // The levels the city's schools teach, without primary school for teenagers.
    let too_young = |level: &EducationLevel| {
        offer.ages.0 >= 12 && [EducationLevel::NlPo, EducationLevel::BeLo].contains(level)
    };
    let mut levels: Vec<EducationLevel> = Vec::new();
    for level in seed.schools.iter().flat_map(|s| s.levels.iter().copied()) {
        if !levels.contains(&level) && !too_young(&level) {
            levels.push(level);
        }
    }
    let visit = state
        .work_visits
        .create(
            &admin,
            tenant.id,
            NewWorkVisit {
                business_id: business.id,
                programme_id: None,
                external_id: None,
                title: name(offer.title)?,
                description: business.description.clone(),
                format: offer.format,
                sectors: business.sectors.clone(),
                occupations: offer
                    .occupations
                    .iter()
                    .map(|o| IscoCode::parse(o).map_err(invalid))
                    .collect::<Result<_, _>>()?,
                competences: vec![Competence::WorkExploration, Competence::Qualities],
                ages: AgeRange::new(offer.ages.0, offer.ages.1).map_err(invalid)?,
                education_levels: levels,
                group_size: GroupSize::new(offer.group.0, offer.group.1).map_err(invalid)?,
                languages: vec![LanguageCode::parse("nl").map_err(invalid)?],
                location: business.address.clone(),
                online: false,
                accessibility: None,
                requirements: None,
                preparation: offer
                    .preparation
                    .map(|text| {
                        Ok::<_, DomainError>(Preparation {
                            text: Description::parse(text).map_err(invalid)?,
                            url: None,
                        })
                    })
                    .transpose()?,
                status: Some(WorkVisitStatus::Published),
            },
        )
        .await?;
    let start = dates.ahead(offer.first)?;
    let meetings = if offer.format == WorkVisitFormat::JobTryoutTrack {
        3
    } else {
        1
    };
    let sessions: Vec<Session> = (0..meetings)
        .map(|week| {
            let starts_at = start + Duration::weeks(week);
            Session {
                starts_at,
                ends_at: starts_at + Duration::hours(offer.hours),
            }
        })
        .collect();
    let ends_at = sessions.last().map(|s| s.ends_at).unwrap_or(start);
    let schedule = Schedule::new(
        start,
        ends_at,
        if meetings > 1 { sessions } else { Vec::new() },
    )?;
    let slot = state
        .work_visits
        .create_slot(
            &admin,
            tenant,
            visit.id,
            NewSlot {
                external_id: None,
                schedule,
                capacity: u32::from(offer.group.1),
                coach_id: coach.map(|(id, _)| id),
                teacher_present: coach.is_some_and(|(_, screened)| !screened),
            },
        )
        .await?;
    Ok((visit.id, slot.id))
}

/// A visit that took place ([`DemoDates::past_visit`]): the second offer's slot, moved
/// into the past once booked (no client can book the past), the class prepared, its
/// attendance recorded (the `named` pupils present), debriefed and both sides'
/// feedback given, so the city's figures (`/stats`) have something to count; and the
/// host's talent note on each named pupil, asking to be in touch.
async fn seed_past_visit(
    (state, base): (&AppState, &str),
    tenant: &driehoek_domain::tenants::Tenant,
    school: &driehoek_domain::schools::School,
    (visit, slot): (WorkVisitId, SlotId),
    (offer, dates): (&OfferSeed<'_>, &DemoDates),
    named: &[(StudentId, &str, &str)],
) -> Result<Option<String>, DomainError> {
    let admin = Actor::bootstrap_admin();
    let seats = u32::from(offer.group.1);
    let booking = state
        .bookings
        .book(
            &admin,
            tenant.id,
            NewBooking {
                slot_id: slot,
                school_id: Some(school.id),
                group_name: name("Klas 3B")?,
                seats,
                contact: BookingContact {
                    name: name("Mentor 3B")?,
                    email: school.contact_email.clone(),
                    phone: None,
                },
                notes: None,
                student_ids: named.iter().map(|(id, _, _)| *id).collect(),
                waitlist: false,
            },
        )
        .await?;
    state
        .bookings
        .mark_step(&admin, tenant.id, booking.id, CycleStep::Prepared, None)
        .await?;
    let starts_at = dates.past_visit(offer.hours)?;
    let schedule = Schedule::new(
        starts_at,
        starts_at + Duration::hours(offer.hours),
        Vec::new(),
    )?;
    state
        .work_visits
        .update_slot(
            &admin,
            tenant,
            visit,
            slot,
            SlotChanges {
                schedule: Some(schedule),
                ..SlotChanges::default()
            },
            None,
        )
        .await?;
    state
        .bookings
        .record_attendance(
            &admin,
            tenant.id,
            booking.id,
            AttendanceReport {
                present: seats.saturating_sub(1),
                absent: seats.min(1),
                pupils: named.iter().map(|(id, _, _)| (*id, true)).collect(),
            },
            None,
        )
        .await?;
    state
        .bookings
        .mark_step(&admin, tenant.id, booking.id, CycleStep::Debriefed, None)
        .await?;
    let booking = state.bookings.get(&admin, tenant.id, booking.id).await?;
    // The first named pupil holds a credential for the visit (its path is returned).
    let mut credential = None;
    if let Some((id, _, _)) = named.first() {
        let issued = state
            .credentials
            .issue(
                &admin,
                tenant,
                base,
                *id,
                NewCredential {
                    booking_id: booking.id,
                    include_name: false,
                },
            )
            .await?;
        credential = Some(format!(
            "/v1/tenants/{}/students/{id}/credentials/{}",
            tenant.slug, issued.credential.id
        ));
    }
    for (id, talents, note) in named {
        state
            .students
            .write_talent_note(
                &admin,
                tenant.id,
                booking.id,
                NewTalentNote {
                    pupil: booking.pupil_reference(*id),
                    competences: vec![Competence::Qualities, Competence::WorkExploration],
                    talents: name(talents)?,
                    note: Description::parse(note).map_err(invalid)?,
                    contact_interest: true,
                },
            )
            .await?;
    }
    for (author, rating, again) in [
        (FeedbackAuthor::School, 4, None),
        (FeedbackAuthor::Business, 5, Some(true)),
    ] {
        state
            .bookings
            .give_feedback(
                &admin,
                tenant.id,
                booking.id,
                NewFeedback {
                    author,
                    rating: Rating::new(rating).map_err(invalid)?,
                    comment: None,
                    competences_practised: vec![Competence::WorkExploration],
                    would_host_again: again,
                },
            )
            .await?;
    }
    Ok(credential)
}

/// Adds the pupils with their consents and entries; returns those with
/// `participation` consent.
async fn seed_students(
    state: &AppState,
    tenant: &driehoek_domain::tenants::Tenant,
    school: SchoolId,
    (pupils, dates): (&[StudentSeed<'_>], &DemoDates),
) -> Result<(Vec<StudentId>, Vec<(String, StudentId)>), DomainError> {
    let admin = Actor::bootstrap_admin();
    let this_year = dates.today.year();
    let mut taking_part = Vec::new();
    let mut all = Vec::new();
    for p in pupils {
        let student = state
            .students
            .create(
                &admin,
                tenant.id,
                NewStudent {
                    school_id: Some(school),
                    external_ref: ExternalRef::parse(p.external_ref).map_err(invalid)?,
                    display_name: name(p.name)?,
                    birth_year: this_year - p.age - 1,
                    grade: Some(ShortText::parse(p.grade).map_err(invalid)?),
                    education_level: p.level,
                    status: StudentStatus::Active,
                },
            )
            .await?;
        all.push((p.external_ref.to_owned(), student.id));
        for &(purpose, status, given_by) in p.consents {
            state
                .students
                .record_consent(
                    &admin,
                    tenant.id,
                    student.id,
                    tenant.settings.consent_age,
                    NewConsent {
                        purpose,
                        status,
                        given_by: Some(given_by),
                    },
                )
                .await?;
            if purpose == ConsentPurpose::Participation && status == ConsentStatus::Granted {
                taking_part.push(student.id);
            }
        }
        for e in p.entries {
            state
                .students
                .add_entry(
                    &admin,
                    tenant.id,
                    student.id,
                    NewEntry {
                        competence: e.competence,
                        kind: e.kind,
                        title: name(e.title)?,
                        body: EntryBody::parse(e.body).map_err(invalid)?,
                        sectors: e.sectors.to_vec(),
                        occupations: Vec::new(),
                        evidence_url: None,
                        booking_id: None,
                        shared_with_business: false,
                        author_role: Some(e.author),
                    },
                )
                .await?;
        }
    }
    Ok((taking_part, all))
}

/// A seeded offering: its seed, its id, and the coach of its slots (screened or not).
type Offered<'a> = (&'a OfferSeed<'a>, WorkVisitId, Option<(CoachId, bool)>);

/// The class of the first school, and a placement proposal of it over a bliksemstage
/// day: a slot on that day for each offering the class chooses.
async fn seed_class(
    state: &AppState,
    tenant: &driehoek_domain::tenants::Tenant,
    school: &driehoek_domain::schools::School,
    (class, offers): (&ClassSeed<'_>, &[Offered<'_>]),
    dates: &DemoDates,
) -> Result<PlacementId, DomainError> {
    let admin = Actor::bootstrap_admin();
    let starts_at = dates.ahead(class.day)?;
    let mut slots: Vec<(WorkVisitId, SlotId)> = Vec::new();
    for title in class.choices.iter().flat_map(|c| c.iter()) {
        let Some((offer, visit, coach)) = offers.iter().find(|(o, _, _)| o.title == *title) else {
            return Err(invalid(format!(
                "the class chooses an unknown offering: {title}"
            )));
        };
        if slots.iter().any(|(v, _)| v == visit) {
            continue;
        }
        let slot = state
            .work_visits
            .create_slot(
                &admin,
                tenant,
                *visit,
                NewSlot {
                    external_id: None,
                    schedule: Schedule::new(starts_at, starts_at + Duration::hours(3), Vec::new())?,
                    capacity: u32::from(offer.group.1.min(6)),
                    coach_id: coach.map(|(id, _)| id),
                    teacher_present: coach.is_some_and(|(_, screened)| !screened),
                },
            )
            .await?;
        slots.push((*visit, slot.id));
    }
    let seeds: Vec<StudentSeed<'_>> = class
        .pupils
        .iter()
        .map(|(external_ref, name)| StudentSeed {
            external_ref,
            name,
            age: class.age,
            level: class.level,
            grade: class.grade,
            consents: &[(P::Participation, S::Granted, G::Guardian)],
            entries: &[],
        })
        .collect();
    let (_, seeded) = seed_students(state, tenant, school.id, (&seeds, dates)).await?;
    let pupils = seeded
        .into_iter()
        .enumerate()
        .map(|(i, (_, student_id))| PupilChoices {
            student_id,
            choices: class
                .choices
                .get(i % class.choices.len().max(1))
                .into_iter()
                .flat_map(|titles| titles.iter())
                .filter_map(|title| offers.iter().find(|(o, _, _)| o.title == *title))
                .map(|(_, visit, _)| *visit)
                .collect(),
        })
        .collect();
    let placement = state
        .placements
        .propose(
            &admin,
            tenant.id,
            NewPlacement {
                school_id: Some(school.id),
                group_name: name(class.group_name)?,
                contact: BookingContact {
                    name: name("Loopbaancoördinator")?,
                    email: school.contact_email.clone(),
                    phone: None,
                },
                slot_ids: slots.into_iter().map(|(_, slot)| slot).collect(),
                pupils,
            },
        )
        .await?;
    Ok(placement.id)
}

/// Loads the demo tenants that do not exist yet; returns the keys it made.
/// `base` is the address the demo's credentials are issued under.
pub async fn seed_demo(state: &AppState, base: &str) -> Result<Vec<DemoKey>, DomainError> {
    let mut keys = Vec::new();
    for seed in [&ROTTERDAM, &LEUVEN] {
        if state.tenants.find_by_slug(seed.slug).await?.is_some() {
            tracing::info!(tenant = seed.slug, "demo tenant exists; left as it is");
            continue;
        }
        keys.extend(seed_tenant(state, seed, base).await?);
    }
    Ok(keys)
}

async fn seed_tenant(
    state: &AppState,
    seed: &TenantSeed<'_>,
    base: &str,
) -> Result<Vec<DemoKey>, DomainError> {
    let admin = Actor::bootstrap_admin();
    let dates = DemoDates::new(state.clock.now())?;
    let country = CountryCode::parse(seed.country).map_err(invalid)?;
    let tenant = state
        .tenants
        .create(
            &admin,
            NewTenant {
                slug: TenantSlug::parse(seed.slug).map_err(invalid)?,
                name: name(seed.name)?,
                country,
                locale: Locale::parse(seed.locale).map_err(invalid)?,
                timezone: Timezone::parse(seed.timezone).map_err(invalid)?,
                settings: SettingsChanges::default(),
            },
        )
        .await?;
    let t: TenantId = tenant.id;

    let mut schools = Vec::new();
    for s in seed.schools {
        let school = state
            .schools
            .create(
                &admin,
                t,
                NewSchool {
                    name: name(s.name)?,
                    kind: s.kind,
                    registration_code: Some(
                        driehoek_domain::values::RegistrationCode::parse(s.code)
                            .map_err(invalid)?,
                    ),
                    education_levels: s.levels.to_vec(),
                    address: address(s.street, s.postal, seed.city)?,
                    contact_email: Some(
                        Email::parse(&format!("info@{}.example", s.code.to_lowercase()))
                            .map_err(invalid)?,
                    ),
                    website: None,
                },
            )
            .await?;
        schools.push(school);
    }

    let mut businesses = Vec::new();
    let mut offered_slots = Vec::new();
    // Every offering: its seed, id and the coach of its slots.
    let mut offers = Vec::new();
    for b in seed.businesses {
        let business = state
            .businesses
            .create(
                &admin,
                t,
                NewBusiness {
                    name: name(b.name)?,
                    kind: b.kind,
                    registration_code: None,
                    sectors: b.sectors.to_vec(),
                    description: Some(Description::parse(b.description).map_err(invalid)?),
                    address: address(b.street, b.postal, seed.city)?,
                    contact_email: None,
                    website: Some(WebUrl::parse(b.website).map_err(invalid)?),
                    status: None,
                },
            )
            .await?;
        let mut first_coach = None;
        for c in b.coaches {
            let screening = match c.screening {
                Some(kind) => Some(
                    Screening::new(kind, dates.school_year, Some(dates.screening_ends()?))
                        .map_err(invalid)?,
                ),
                None => None,
            };
            let coach = state
                .businesses
                .create_coach(
                    &admin,
                    t,
                    business.id,
                    NewCoach {
                        display_name: name(c.name)?,
                        bio: Some(Description::parse(c.bio).map_err(invalid)?),
                        occupations: c
                            .isco
                            .iter()
                            .map(|o| IscoCode::parse(o).map_err(invalid))
                            .collect::<Result<_, _>>()?,
                        languages: vec![
                            LanguageCode::parse("nl").map_err(invalid)?,
                            LanguageCode::parse("en").map_err(invalid)?,
                        ],
                        screening,
                        status: None,
                    },
                )
                .await?;
            first_coach.get_or_insert((coach.id, coach.screening.is_some()));
        }
        let first = seed_offer(
            state,
            &tenant,
            &b.offer,
            &business,
            (seed, &dates),
            first_coach,
        )
        .await?;
        offered_slots.push(first);
        offers.push((&b.offer, first.0, first_coach));
        for offer in b.more {
            let (visit, _) = seed_offer(
                state,
                &tenant,
                offer,
                &business,
                (seed, &dates),
                first_coach,
            )
            .await?;
            offers.push((offer, visit, first_coach));
        }
        businesses.push(business);
    }

    // The first school's pupils, and a booking naming those who may take part.
    let mut taking_part = Vec::new();
    let mut planned = Vec::new();
    let mut pupils = Vec::new();
    if let Some(school) = schools.first() {
        let (may_take_part, all) =
            seed_students(state, &tenant, school.id, (seed.pupils, &dates)).await?;
        taking_part = may_take_part;
        pupils.clone_from(&all);
        let map = if seed.slug == "leuven" {
            &crate::seed_maps::LEUVEN
        } else {
            &crate::seed_maps::ROTTERDAM
        };
        planned = crate::seed_maps::seed_map(state, t, map, &all).await?;
    }
    if let (Some(school), Some((_, slot))) = (schools.first(), offered_slots.first()) {
        let seats = u32::from(seed.businesses[0].offer.group.1.min(3));
        taking_part.truncate(usize::try_from(seats).unwrap_or(0));
        state
            .bookings
            .book(
                &admin,
                t,
                NewBooking {
                    slot_id: *slot,
                    school_id: Some(school.id),
                    group_name: name("Klas 2A")?,
                    seats,
                    contact: BookingContact {
                        name: name("Loopbaancoördinator")?,
                        email: school.contact_email.clone(),
                        phone: None,
                    },
                    notes: None,
                    student_ids: taking_part,
                    waitlist: false,
                },
            )
            .await?;
    }
    let mut credentials = Vec::new();
    if let (Some(school), Some(offered), Some(b)) = (
        schools.first(),
        offered_slots.get(1),
        seed.businesses.get(1),
    ) {
        let named = seed
            .talent_notes
            .iter()
            .map(|(reference, talents, note)| {
                let id = pupils
                    .iter()
                    .find(|(r, _)| r == reference)
                    .map(|(_, id)| *id)
                    .ok_or_else(|| invalid(format!("no demo pupil {reference}")))?;
                Ok((id, *talents, *note))
            })
            .collect::<Result<Vec<_>, DomainError>>()?;
        if let Some(path) = seed_past_visit(
            (state, base),
            &tenant,
            school,
            *offered,
            (&b.offer, &dates),
            &named,
        )
        .await?
        {
            credentials.push(path);
        }
    }

    let mut proposal = None;
    if let (Some(school), Some(class)) = (schools.first(), &seed.class) {
        proposal = Some((
            class.group_name,
            seed_class(state, &tenant, school, (class, &offers), &dates).await?,
        ));
    }

    for p in seed.programmes {
        let funding = match p.funding {
            Some((source, amount)) => vec![Funding {
                source: ShortText::parse(source).map_err(invalid)?,
                amount_cents: driehoek_domain::programmes::parse_amount_eur(amount)
                    .map_err(invalid)?,
                reference: None,
            }],
            None => Vec::new(),
        };
        let programme = state
            .programmes
            .create(
                &admin,
                t,
                NewProgramme {
                    name: name(p.name)?,
                    description: Some(Description::parse(p.description).map_err(invalid)?),
                    owner: Some(name(p.owner)?),
                    starts_on: dates.school_year,
                    ends_on: Some(dates.school_year_end()?),
                    status: Some(ProgrammeStatus::Active),
                    funding,
                    target_participants_per_year: Some(p.target),
                    competences: p.competences.to_vec(),
                },
            )
            .await?;
        let members = schools
            .iter()
            .map(|s| (MemberOrg::School(s.id), MemberRole::Participant))
            .chain(businesses.iter().map(|b| {
                (
                    MemberOrg::Business(b.id),
                    if b.kind == B::Intermediary {
                        MemberRole::Intermediary
                    } else {
                        MemberRole::Host
                    },
                )
            }));
        for (org, role) in members {
            state
                .programmes
                .add_member(
                    &admin,
                    t,
                    programme.id,
                    NewProgrammeMember {
                        org,
                        role,
                        joined_on: dates.school_year,
                        left_on: None,
                    },
                )
                .await?;
        }
    }

    let bindings = [
        (
            Role::CityAdmin,
            Binding::None,
            "demo city administrator".to_owned(),
        ),
        (
            Role::School,
            schools
                .first()
                .map(|s| Binding::School(s.id))
                .unwrap_or(Binding::None),
            format!("demo school key ({})", seed.schools[0].name),
        ),
        (
            Role::Business,
            businesses
                .first()
                .map(|b| Binding::Business(b.id))
                .unwrap_or(Binding::None),
            format!("demo business key ({})", seed.businesses[0].name),
        ),
        (
            Role::Integrator,
            Binding::None,
            "demo integrator".to_owned(),
        ),
    ];
    let mut keys = Vec::new();
    let mut school_key = None;
    for (role, binding, key_name) in bindings {
        let (key, secret) = state
            .api_keys
            .create(
                &admin,
                t,
                NewApiKey {
                    name: name(&key_name)?,
                    role,
                    binding,
                    expires_at: None,
                },
            )
            .await?;
        if role == Role::School {
            school_key = Some(key.actor());
        }
        keys.push(DemoKey {
            tenant: seed.slug.to_owned(),
            role: role.code(),
            name: key_name,
            secret,
        });
    }
    if let Some(school) = school_key {
        keys.extend(seed_agreements(state, t, &school, &planned, seed.slug).await?);
    }
    for path in credentials {
        keys.push(DemoKey {
            tenant: seed.slug.to_owned(),
            role: "credential",
            name: "a pupil's Open Badges credential for the past visit, to read with the school key (`Accept: application/vc+jwt` for the JWT)".to_owned(),
            secret: path,
        });
    }
    if let Some((class, id)) = proposal {
        keys.push(DemoKey {
            tenant: seed.slug.to_owned(),
            role: "placement",
            name: format!(
                "the placement proposal of {class}, to read and confirm with the school key"
            ),
            secret: format!("/v1/tenants/{}/placements/{id}", seed.slug),
        });
    }
    Ok(keys)
}

/// The mentor (the school's key) agrees to every seeded plan, and the first planned
/// pupil, with a token of their own, agrees to theirs: the token is printed for the
/// demo, so a newcomer can act as that pupil at once.
async fn seed_agreements(
    state: &AppState,
    tenant: TenantId,
    school: &Actor,
    planned: &[StudentId],
    slug: &str,
) -> Result<Vec<DemoKey>, DomainError> {
    for student in planned {
        state
            .students
            .agree_to_plan(school, tenant, *student, None)
            .await?;
    }
    let Some(first) = planned.first() else {
        return Ok(Vec::new());
    };
    let new = NewAccessToken {
        role: Role::Pupil,
        expires_in: *TOKEN_LIFETIME_SECS.end(),
        label: Some(name("demo pupil app")?),
    };
    let (token, secret) = state
        .students
        .issue_token(school, tenant, *first, new)
        .await?;
    state
        .students
        .agree_to_plan(&token.actor(), tenant, *first, None)
        .await?;
    let invite = NewInvitation {
        purposes: vec![
            ConsentPurpose::ShareWithBusiness,
            ConsentPurpose::Media,
            ConsentPurpose::PortfolioTransfer,
        ],
        route_plan: true,
        language: if slug == "leuven" {
            PageLanguage::Nl
        } else {
            PageLanguage::En
        },
        expires_in_days: *INVITATION_DAYS.end(),
    };
    let (_, link) = state
        .students
        .invite(school, tenant, *first, invite)
        .await?;
    Ok(vec![
        DemoKey {
            tenant: slug.to_owned(),
            role: Role::Pupil.code(),
            name: format!("demo pupil token for pupil {first}, 12 h"),
            secret,
        },
        DemoKey {
            tenant: slug.to_owned(),
            role: "parents_page",
            name: "the parents' page of a guardian invitation for that pupil, 30 days".to_owned(),
            secret: format!("/invitations/{link}"),
        },
    ])
}
