//! Wire shapes: the JSON integrators send and receive, documented for the OpenAPI
//! document. They are distinct from domain types; conversions happen here, at the
//! boundary, and collect every invalid field with its JSON Pointer.

pub mod api_keys;
pub mod bookings;
pub mod businesses;
pub mod credentials;
pub mod matching;
pub mod placements;
pub mod portfolios;
pub mod programmes;
pub mod route_maps;
pub mod schools;
pub mod stats;
pub mod students;
pub mod sync;
pub mod talent;
pub mod tenants;
pub mod vocabularies;
pub mod webhooks;
pub mod work_visits;

use driehoek_domain::ValidationErrors;
use driehoek_domain::values::{Address, ShortText};
use driehoek_domain::vocabularies::Vocabulary;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// Declares the wire type of a closed vocabulary: serialised as its code, refused with
/// the list of choices when unknown, and published in the OpenAPI document as an enum.
macro_rules! code_type {
    ($wire:ident => $domain:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $wire(pub $domain);

        impl serde::Serialize for $wire {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(driehoek_domain::vocabularies::Vocabulary::code(self.0))
            }
        }

        impl<'de> serde::Deserialize<'de> for $wire {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(d)?;
                <$domain as driehoek_domain::vocabularies::Vocabulary>::parse(&raw)
                    .map($wire)
                    .map_err(serde::de::Error::custom)
            }
        }

        impl utoipa::PartialSchema for $wire {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::wire::code_schema::<$domain>($doc)
            }
        }

        impl utoipa::ToSchema for $wire {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(
                    <$domain as driehoek_domain::vocabularies::Vocabulary>::TYPE_NAME,
                )
            }
        }

        impl From<$domain> for $wire {
            fn from(value: $domain) -> Self {
                Self(value)
            }
        }
    };
}

pub fn code_schema<V: Vocabulary>(doc: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(doc))
        .enum_values(Some(V::ALL.iter().map(|v| v.code())))
        .into()
}

/// Declares the documented shape of a code the wire carries as a plain string and the
/// domain parses (`IscoCode::parse`, …): the schema is built from the pattern or list
/// the domain keeps beside its parser (and tests against it), so the document says
/// exactly what the parser takes and a client can check a value before sending it.
macro_rules! text_type {
    ($wire:ident = $name:literal, $doc:literal, $example:literal, |$builder:ident| $shape:expr) => {
        #[doc = $doc]
        pub struct $wire;

        impl utoipa::PartialSchema for $wire {
            fn schema() -> RefOr<Schema> {
                let $builder = ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some($doc))
                    .examples([$example]);
                $shape.into()
            }
        }

        impl ToSchema for $wire {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($name)
            }
        }
    };
}

text_type!(
    IscoCodeText = "IscoCode",
    "An ISCO-08 unit group: four digits.",
    "2512",
    |b| b.pattern(Some(driehoek_domain::values::IscoCode::PATTERN))
);
text_type!(
    CountryCodeText = "CountryCode",
    "An ISO 3166-1 alpha-2 country code, upper case.",
    "NL",
    |b| b.enum_values(Some(driehoek_domain::values::CountryCode::all()))
);
text_type!(
    LocaleText = "Locale",
    "A BCP 47 language tag of the shape `ll[-Script][-RR]` (`nl`, `nl-BE`, `sr-Latn-RS`).",
    "nl-NL",
    |b| b.pattern(Some(driehoek_domain::values::Locale::PATTERN))
);
text_type!(
    RegistrationCodeText = "RegistrationCode",
    "An official registration number (BRIN, instellingsnummer, KvK, KBO): 2–32 letters, digits, dots or hyphens; surrounding ASCII white space is dropped.",
    "00GT",
    |b| b.pattern(Some(driehoek_domain::values::RegistrationCode::PATTERN))
);

code_type!(SchoolKindCode => driehoek_domain::vocabularies::SchoolKind, "Kind of school or participating organisation (vocabulary `school_kinds`).");
code_type!(BusinessKindCode => driehoek_domain::vocabularies::BusinessKind, "Kind of partner (vocabulary `business_kinds`).");
code_type!(EducationLevelCode => driehoek_domain::vocabularies::EducationLevel, "Education level (vocabulary `education_levels`).");
code_type!(NaceSectionCode => driehoek_domain::vocabularies::NaceSection, "NACE Rev. 2 section (vocabulary `nace_sections`).");
code_type!(CompetenceCode => driehoek_domain::vocabularies::Competence, "Career competence (vocabulary `competences`).");
code_type!(ScreeningKindCode => driehoek_domain::vocabularies::ScreeningKind, "Screening kind (vocabulary `screening_kinds`).");
code_type!(RoleCode => driehoek_domain::auth::Role, "The role of an API key.");
code_type!(TenantStatusCode => driehoek_domain::tenants::TenantStatus, "Whether the tenant answers requests.");
code_type!(CoachScreeningPolicyCode => driehoek_domain::tenants::CoachScreeningPolicy, "Whether coaches need a valid screening.");
code_type!(ParticipationStatusCode => driehoek_domain::businesses::ParticipationStatus, "Whether a partner or coach takes part.");
code_type!(ProgrammeStatusCode => driehoek_domain::programmes::ProgrammeStatus, "A programme's life cycle.");
code_type!(MemberRoleCode => driehoek_domain::programmes::MemberRole, "The part an organisation plays in a programme.");
code_type!(WorkVisitFormatCode => driehoek_domain::vocabularies::WorkVisitFormat, "Work-visit format (vocabulary `work_visit_formats`).");
code_type!(WorkVisitStatusCode => driehoek_domain::work_visits::WorkVisitStatus, "`draft` → `published` → `withdrawn`; only published ones are visible to schools and integrators.");
code_type!(BookingStatusCode => driehoek_domain::bookings::BookingStatus, "`confirmed`, `waitlisted`, `cancelled` or `completed`.");
code_type!(FeedbackAuthorCode => driehoek_domain::bookings::FeedbackAuthor, "Whose feedback it is: `school`, `business` or `student` (a pupil's, recorded by the school).");
code_type!(SlotStatusCode => driehoek_domain::work_visits::SlotStatus, "Whether a slot takes place.");
code_type!(StudentStatusCode => driehoek_domain::students::StudentStatus, "`active`, or `left` the school.");
code_type!(ConsentPurposeCode => driehoek_domain::vocabularies::ConsentPurpose, "What a consent is for (vocabulary `consent_purposes`).");
code_type!(ConsentStatusCode => driehoek_domain::students::ConsentStatus, "`granted`, `refused` or `withdrawn`.");
code_type!(ConsentGiverCode => driehoek_domain::students::ConsentGiver, "Who decided: a `guardian`, or the `student` (only at or above the city's consent age).");
code_type!(PortfolioEntryKindCode => driehoek_domain::vocabularies::PortfolioEntryKind, "Kind of portfolio entry (vocabulary `portfolio_entry_kinds`).");
code_type!(EntryAuthorCode => driehoek_domain::students::EntryAuthor, "Who wrote a portfolio entry; `system` entries come from completed bookings.");
code_type!(RouteMapAudienceCode => driehoek_domain::route_maps::RouteMapAudience, "Whom a route map is made for.");
code_type!(RouteMapStatusCode => driehoek_domain::route_maps::RouteMapStatus, "`draft` → `published` → `archived`; only published maps are visible beyond the city.");
code_type!(NodeKindCode => driehoek_domain::route_maps::NodeKind, "`education` (a programme) or `occupation`.");
code_type!(RouteEdgeKindCode => driehoek_domain::vocabularies::RouteEdgeKind, "Route-map edge kind (vocabulary `route_edge_kinds`).");
code_type!(AgreedPartyCode => driehoek_domain::students::AgreedParty, "Who agreed to a route plan: `student`, `guardian` or `mentor`.");
code_type!(DecisionChannelCode => driehoek_domain::students::DecisionChannel, "How a decision (a consent, an agreement to the route plan) reached Driehoek: by the school with its `key`, with the pupil's or guardian's own `token`, or on the parents' page of an `invitation`.");
code_type!(PageLanguageCode => driehoek_domain::students::PageLanguage, "The language of the parents' page: `nl` or `en`.");
code_type!(InvitationStatusCode => driehoek_domain::students::InvitationStatus, "`open`, `used` (answered; open to changes until it expires), `expired` or `revoked`.");
code_type!(AuditActionCode => driehoek_domain::audit::AuditAction, "What was done to a pupil's data.");
code_type!(ReasonCodeCode => driehoek_domain::matching::ReasonCode, "Why an offering is recommended: `route_target`, `on_route`, `interest_occupation`, `interest_sector`, `competence_gap`, `new_sector` or `age_and_level` (vocabulary `recommendation_reasons`).");
code_type!(PlacementStatusCode => driehoek_domain::placements::PlacementStatus, "`proposed` (nothing booked yet) or `confirmed` (every group booked).");
code_type!(UnplacedReasonCode => driehoek_domain::placements::UnplacedReason, "Why a pupil got no place: `consent_missing`, `outside_target_group` (no slot of the pupil's choices fits the pupil's age or level) or `no_seat` (vocabulary `placement_unplaced_reasons`).");
code_type!(WebhookStatusCode => driehoek_domain::webhooks::EndpointStatus, "Whether an endpoint receives deliveries; Driehoek disables one that answers `410 Gone`.");
code_type!(DeliveryStatusCode => driehoek_domain::webhooks::DeliveryStatus, "`pending` (to be tried, again), `succeeded` (a 2xx answer), or `failed` (given up after about three days, or on `410 Gone`).");

/// A list in a response: one page of `data` and where to continue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListOf<T: ToSchema> {
    pub data: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A postal address of an organisation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressDto {
    #[schema(example = "Tramstraat 1")]
    pub street: String,
    #[schema(example = "3000")]
    pub postal_code: String,
    #[schema(example = "Leuven")]
    pub city: String,
}

impl AddressDto {
    pub fn parse(&self, pointer: &str, errors: &mut ValidationErrors) -> Option<Address> {
        let street = errors.check(&format!("{pointer}/street"), ShortText::parse(&self.street));
        let postal_code = errors.check(
            &format!("{pointer}/postal_code"),
            ShortText::parse(&self.postal_code),
        );
        let city = errors.check(&format!("{pointer}/city"), ShortText::parse(&self.city));
        Some(Address {
            street: street?,
            postal_code: postal_code?,
            city: city?,
        })
    }
}

/// Codes the domain holds inline (ISCO, languages), written as a JSON array of their
/// text: no `String` made for each.
pub(crate) fn as_strings<C: AsRef<str>, S: serde::Serializer>(
    codes: &[C],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(codes.iter().map(AsRef::as_ref))
}

impl From<Address> for AddressDto {
    fn from(a: Address) -> Self {
        Self {
            street: a.street.into_string(),
            postal_code: a.postal_code.into_string(),
            city: a.city.into_string(),
        }
    }
}

/// A merge-patch field: absent keeps the value, `null` clears it, a value sets it.
pub fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Parses an optional nullable patch field, recording problems under `pointer`.
pub fn patch_field<T, E: std::fmt::Display>(
    errors: &mut ValidationErrors,
    pointer: &str,
    raw: Option<Option<Result<T, E>>>,
) -> Option<Option<T>> {
    match raw {
        None => None,
        Some(None) => Some(None),
        Some(Some(parsed)) => errors.check(pointer, parsed).map(Some),
    }
}
