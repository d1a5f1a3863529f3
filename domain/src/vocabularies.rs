//! Closed vocabularies shared by all tenants (DOMAIN.md): each value has a stable
//! snake_case code and English and Dutch labels. Input naming a code outside the set
//! is refused; the API lists every vocabulary at `/v1/vocabularies`.

/// A closed set of coded values.
pub trait Vocabulary: Sized + Copy + PartialEq + 'static {
    /// The vocabulary's name in `/v1/vocabularies/{name}`.
    const NAME: &'static str;
    /// The type's name in the OpenAPI document.
    const TYPE_NAME: &'static str;
    const ALL: &'static [Self];

    fn code(self) -> &'static str;
    fn label_en(self) -> &'static str;
    fn label_nl(self) -> &'static str;

    fn parse(code: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.code() == code)
            .ok_or_else(|| {
                let known: Vec<&str> = Self::ALL.iter().map(|v| v.code()).collect();
                if known.len() <= 12 {
                    format!(
                        "unknown value '{code}'; expected one of: {}",
                        known.join(", ")
                    )
                } else {
                    format!(
                        "unknown value '{code}'; see /v1/vocabularies/{}",
                        Self::NAME
                    )
                }
            })
    }
}

macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident = $vocab:literal {
            $( $variant:ident => $code:literal, $en:literal, $nl:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $crate::vocabularies::Vocabulary for $name {
            const NAME: &'static str = $vocab;
            const TYPE_NAME: &'static str = stringify!($name);
            const ALL: &'static [Self] = &[$(Self::$variant),+];

            fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),+ }
            }
            fn label_en(self) -> &'static str {
                match self { $(Self::$variant => $en),+ }
            }
            fn label_nl(self) -> &'static str {
                match self { $(Self::$variant => $nl),+ }
            }
        }
    };
}

vocabulary! {
    /// Career competences (Kuijpers): the tags of portfolio entries and of what an offering trains.
    pub enum Competence = "competences" {
        Qualities => "qualities", "Qualities: what can I do?", "Kwaliteiten: wat kan ik?";
        Motives => "motives", "Motives: what do I want?", "Motieven: wat wil ik?";
        WorkExploration => "work_exploration", "Work exploration: what work suits me?", "Werkexploratie: welk werk past bij mij?";
        CareerSteering => "career_steering", "Career steering: what do I want to become, how do I get there?", "Loopbaansturing: wat wil ik worden, hoe kom ik er?";
        Networking => "networking", "Networking: who can help me?", "Netwerken: wie kan mij helpen?";
    }
}

vocabulary! {
    /// Education levels in the Netherlands and Flanders.
    pub enum EducationLevel = "education_levels" {
        NlPo => "nl_po", "Primary education (NL)", "Primair onderwijs";
        NlVmboBb => "nl_vmbo_bb", "VMBO basic vocational track", "vmbo basisberoepsgerichte leerweg";
        NlVmboKb => "nl_vmbo_kb", "VMBO advanced vocational track", "vmbo kaderberoepsgerichte leerweg";
        NlVmboGl => "nl_vmbo_gl", "VMBO combined track", "vmbo gemengde leerweg";
        NlVmboTl => "nl_vmbo_tl", "VMBO theoretical track", "vmbo theoretische leerweg";
        NlHavo => "nl_havo", "HAVO (senior general secondary)", "havo";
        NlVwo => "nl_vwo", "VWO (pre-university)", "vwo";
        NlPro => "nl_pro", "Practical education", "Praktijkonderwijs";
        NlVso => "nl_vso", "Special secondary education (NL)", "Voortgezet speciaal onderwijs";
        NlMbo1 => "nl_mbo_1", "MBO level 1 (entry)", "mbo niveau 1 (entree)";
        NlMbo2 => "nl_mbo_2", "MBO level 2", "mbo niveau 2";
        NlMbo3 => "nl_mbo_3", "MBO level 3", "mbo niveau 3";
        NlMbo4 => "nl_mbo_4", "MBO level 4", "mbo niveau 4";
        NlHboAd => "nl_hbo_ad", "Associate degree (HBO)", "Associate degree (hbo)";
        NlHboBachelor => "nl_hbo_bachelor", "Bachelor (HBO)", "Bachelor (hbo)";
        NlWoBachelor => "nl_wo_bachelor", "Bachelor (university)", "Bachelor (wo)";
        NlMaster => "nl_master", "Master (NL)", "Master";
        BeLo => "be_lo", "Primary education (Flanders)", "Lager onderwijs";
        BeSo1a => "be_so_1a", "Secondary, first grade, A stream", "Secundair onderwijs, eerste graad A-stroom";
        BeSo1b => "be_so_1b", "Secondary, first grade, B stream", "Secundair onderwijs, eerste graad B-stroom";
        BeSoDoorstroom => "be_so_doorstroom", "Secondary, transition finality", "Secundair onderwijs, doorstroomfinaliteit";
        BeSoDubbel => "be_so_dubbel", "Secondary, dual finality", "Secundair onderwijs, dubbele finaliteit";
        BeSoArbeidsmarkt => "be_so_arbeidsmarkt", "Secondary, labour-market finality", "Secundair onderwijs, arbeidsmarktfinaliteit";
        BeBuso => "be_buso", "Special secondary education (Flanders)", "Buitengewoon secundair onderwijs";
        BeDuaal => "be_duaal", "Dual learning", "Duaal leren";
        BeHbo5 => "be_hbo5", "Higher vocational education (HBO5)", "Hoger beroepsonderwijs (HBO5)";
        BeBachelor => "be_bachelor", "Bachelor (Flanders)", "Bachelor";
        BeMaster => "be_master", "Master (Flanders)", "Master";
        Other => "other", "Other", "Overig";
    }
}

impl EducationLevel {
    /// The European Qualifications Framework level, where one is defined.
    pub fn eqf(self) -> Option<u8> {
        use EducationLevel::*;
        match self {
            NlVmboBb | NlMbo1 => Some(1),
            NlVmboKb | NlVmboGl | NlVmboTl | NlMbo2 => Some(2),
            NlMbo3 | BeSoArbeidsmarkt => Some(3),
            NlHavo | NlVwo | NlMbo4 | BeSoDoorstroom | BeSoDubbel | BeDuaal => Some(4),
            NlHboAd | BeHbo5 => Some(5),
            NlHboBachelor | NlWoBachelor | BeBachelor => Some(6),
            NlMaster | BeMaster => Some(7),
            NlPo | NlPro | NlVso | BeLo | BeSo1a | BeSo1b | BeBuso | Other => None,
        }
    }

    /// The country whose system defines this level (`NL`, `BE`), if any.
    pub fn country(self) -> Option<&'static str> {
        match self.code().split('_').next() {
            Some("nl") => Some("NL"),
            Some("be") => Some("BE"),
            _ => None,
        }
    }
}

vocabulary! {
    /// Kinds of participating schools and organisations.
    pub enum SchoolKind = "school_kinds" {
        Primary => "primary", "Primary school", "Basisschool";
        Secondary => "secondary", "Secondary school", "Middelbare school";
        Vocational => "vocational", "Vocational college", "Beroepsopleiding (mbo)";
        Higher => "higher", "Higher education", "Hoger onderwijs";
        SpecialNeeds => "special_needs", "Special-needs school", "Speciaal onderwijs";
        AfterSchool => "after_school", "After-school organisation", "Naschoolse organisatie";
    }
}

vocabulary! {
    /// Kinds of partners offering work visits.
    pub enum BusinessKind = "business_kinds" {
        Company => "company", "Company", "Bedrijf";
        PublicService => "public_service", "Public service", "Publieke dienst";
        NonProfit => "non_profit", "Non-profit organisation", "Non-profitorganisatie";
        Individual => "individual", "Individual professional", "Zelfstandige";
        EducationProvider => "education_provider", "Education provider", "Onderwijsinstelling";
        Intermediary => "intermediary", "Intermediary", "Intermediair";
    }
}

vocabulary! {
    /// NACE Rev. 2 sections.
    pub enum NaceSection = "nace_sections" {
        A => "A", "Agriculture, forestry and fishing", "Landbouw, bosbouw en visserij";
        B => "B", "Mining and quarrying", "Delfstoffenwinning";
        C => "C", "Manufacturing", "Industrie";
        D => "D", "Electricity, gas, steam and air conditioning supply", "Energievoorziening";
        E => "E", "Water supply, sewerage and waste management", "Water, afval en sanering";
        F => "F", "Construction", "Bouwnijverheid";
        G => "G", "Wholesale and retail trade", "Groot- en detailhandel";
        H => "H", "Transport and storage", "Vervoer en opslag";
        I => "I", "Accommodation and food service", "Logies- en maaltijdverstrekking";
        J => "J", "Information and communication", "Informatie en communicatie";
        K => "K", "Financial and insurance activities", "Financiële dienstverlening";
        L => "L", "Real estate activities", "Verhuur en handel van onroerend goed";
        M => "M", "Professional, scientific and technical activities", "Specialistische zakelijke diensten";
        N => "N", "Administrative and support service activities", "Verhuur en overige zakelijke diensten";
        O => "O", "Public administration and defence", "Openbaar bestuur en defensie";
        P => "P", "Education", "Onderwijs";
        Q => "Q", "Human health and social work", "Gezondheids- en welzijnszorg";
        R => "R", "Arts, entertainment and recreation", "Cultuur, sport en recreatie";
        S => "S", "Other service activities", "Overige dienstverlening";
        T => "T", "Activities of households as employers", "Huishoudens als werkgever";
        U => "U", "Extraterritorial organisations", "Extraterritoriale organisaties";
    }
}

vocabulary! {
    /// Formats of work visits.
    pub enum WorkVisitFormat = "work_visit_formats" {
        CompanyVisit => "company_visit", "Company visit", "Werkbezoek";
        LightningInternship => "lightning_internship", "Lightning internship", "Bliksemstage";
        JobTryoutTrack => "job_tryout_track", "Job try-out track", "Jobspotterstraject";
        JobShadowing => "job_shadowing", "Job shadowing", "Meeloopdag / snuffelstage";
        MiniInternship => "mini_internship", "Mini-internship", "Ministage";
        WorkPlacement => "work_placement", "Work placement", "Stage";
        GuestLesson => "guest_lesson", "Guest lesson", "Gastles";
        MockInterview => "mock_interview", "Mock interview", "Sollicitatietraining";
        Workshop => "workshop", "Workshop", "Workshop";
        VirtualExperience => "virtual_experience", "Virtual experience", "Virtuele kennismaking";
        HubSession => "hub_session", "Open hub session", "Open hubsessie";
        TasterDay => "taster_day", "Taster day", "Proefstuderen";
    }
}

vocabulary! {
    /// Purposes a pupil's consent is recorded for.
    pub enum ConsentPurpose = "consent_purposes" {
        Participation => "participation", "Take part in activities outside school", "Deelnemen aan activiteiten buiten school";
        ShareWithBusiness => "share_with_business", "Share display name and chosen portfolio entries with the host", "Roepnaam en gekozen portfolio-items delen met het gastbedrijf";
        PortfolioTransfer => "portfolio_transfer", "The portfolio follows the pupil to the next school", "Het portfolio gaat mee naar de volgende school";
        Media => "media", "Photos and films", "Foto's en films";
        RecruitmentContact => "recruitment_contact", "An employer may make contact (from 16)", "Een werkgever mag contact opnemen (vanaf 16)";
    }
}

vocabulary! {
    /// Kinds of screening for adults with repeated, direct contact with minors.
    pub enum ScreeningKind = "screening_kinds" {
        NlVog => "nl_vog", "Certificate of conduct (VOG, NL)", "Verklaring omtrent het gedrag (VOG)";
        Be5962 => "be_596_2", "Criminal-record extract model 596.2 (BE)", "Uittreksel strafregister model 596.2";
        UkDbs => "uk_dbs", "DBS check (UK)", "DBS-check (VK)";
    }
}

vocabulary! {
    /// Labour-market prospect on the SBB scale.
    pub enum Prospect = "labour_market_prospects" {
        Poor => "poor", "Poor", "Gering";
        Moderate => "moderate", "Moderate", "Matig";
        Sufficient => "sufficient", "Sufficient", "Voldoende";
        Good => "good", "Good", "Ruim voldoende";
        VeryGood => "very_good", "Very good", "Goed";
    }
}

vocabulary! {
    /// Kinds of route-map edges.
    pub enum RouteEdgeKind = "route_edge_kinds" {
        Progression => "progression", "Regular next step", "Reguliere vervolgstap";
        CombinedRoute => "combined_route", "Combined route", "Doorlopende leerroute";
        QualifiesFor => "qualifies_for", "Qualifies for", "Leidt op tot";
        Switch => "switch", "Switch", "Overstap";
    }
}

vocabulary! {
    /// Kinds of talent-portfolio entries.
    pub enum PortfolioEntryKind = "portfolio_entry_kinds" {
        Experience => "experience", "Experience", "Ervaring";
        Reflection => "reflection", "Reflection", "Reflectie";
        Evidence => "evidence", "Evidence", "Bewijsstuk";
        Talent => "talent", "Observed talent", "Waargenomen talent";
        Goal => "goal", "Goal", "Doel";
        Conversation => "conversation", "Career conversation", "Loopbaangesprek";
        Contact => "contact", "Contact who can help", "Contactpersoon";
    }
}

/// One entry of a vocabulary as the API lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct VocabularyEntry {
    pub code: &'static str,
    pub label_en: &'static str,
    pub label_nl: &'static str,
    /// EQF level (education levels only).
    pub eqf: Option<u8>,
    /// Country whose system defines the value (education levels only).
    pub country: Option<&'static str>,
}

/// A named vocabulary with all its entries.
#[derive(Debug, Clone, PartialEq)]
pub struct VocabularyListing {
    pub name: &'static str,
    pub description: &'static str,
    pub entries: Vec<VocabularyEntry>,
}

fn listing<V: Vocabulary>(
    description: &'static str,
    extra: impl Fn(V) -> (Option<u8>, Option<&'static str>),
) -> VocabularyListing {
    VocabularyListing {
        name: V::NAME,
        description,
        entries: V::ALL
            .iter()
            .map(|v| {
                let (eqf, country) = extra(*v);
                VocabularyEntry {
                    code: v.code(),
                    label_en: v.label_en(),
                    label_nl: v.label_nl(),
                    eqf,
                    country,
                }
            })
            .collect(),
    }
}

fn no_extra<V>(_: V) -> (Option<u8>, Option<&'static str>) {
    (None, None)
}

/// Every vocabulary the API publishes, in a stable order.
pub fn catalogue() -> Vec<VocabularyListing> {
    vec![
        listing::<Competence>("Career competences (Kuijpers)", no_extra),
        listing::<EducationLevel>(
            "Education levels with their EQF level",
            |l: EducationLevel| (l.eqf(), l.country()),
        ),
        listing::<SchoolKind>("Kinds of participating schools and organisations", no_extra),
        listing::<BusinessKind>("Kinds of partners", no_extra),
        listing::<NaceSection>("NACE Rev. 2 sections", no_extra),
        listing::<WorkVisitFormat>("Work-visit formats", no_extra),
        listing::<ConsentPurpose>("Consent purposes", no_extra),
        listing::<ScreeningKind>("Screening kinds for coaches", no_extra),
        listing::<Prospect>("Labour-market prospects (SBB scale, 1-5)", no_extra),
        listing::<RouteEdgeKind>("Route-map edge kinds", no_extra),
        listing::<PortfolioEntryKind>("Portfolio entry kinds", no_extra),
        listing::<crate::matching::ReasonCode>("Why a visit is recommended to a pupil", no_extra),
        listing::<crate::placements::PlacementStatus>("Where a class placement stands", no_extra),
        listing::<crate::placements::UnplacedReason>(
            "Why a pupil of a class placement got no place",
            no_extra,
        ),
    ]
}

/// One vocabulary by name.
pub fn find(name: &str) -> Option<VocabularyListing> {
    catalogue().into_iter().find(|v| v.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_parse_back() {
        fn check<V: Vocabulary + std::fmt::Debug>() {
            for v in V::ALL {
                assert_eq!(V::parse(v.code()), Ok(*v));
            }
            let mut codes: Vec<_> = V::ALL.iter().map(|v| v.code()).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), V::ALL.len(), "{}", V::NAME);
        }
        check::<Competence>();
        check::<EducationLevel>();
        check::<SchoolKind>();
        check::<BusinessKind>();
        check::<NaceSection>();
        check::<WorkVisitFormat>();
        check::<ConsentPurpose>();
        check::<ScreeningKind>();
    }

    #[test]
    fn unknown_codes_are_refused_with_the_choices() {
        let error = SchoolKind::parse("university").unwrap_err();
        assert!(error.contains("primary"), "{error}");
        assert!(EducationLevel::parse("nl_havo5").is_err());
    }

    #[test]
    fn education_levels_carry_eqf_and_country() {
        assert_eq!(EducationLevel::NlMbo4.eqf(), Some(4));
        assert_eq!(EducationLevel::NlVmboBb.eqf(), Some(1));
        assert_eq!(EducationLevel::BeSo1a.country(), Some("BE"));
        assert_eq!(EducationLevel::Other.country(), None);
    }

    #[test]
    fn catalogue_lists_every_vocabulary_by_name() {
        assert!(find("education_levels").is_some());
        assert!(find("screening_kinds").is_some());
        assert!(find("nope").is_none());
    }
}
