//! Value objects: once one exists, it is valid. Each constructor says in one short
//! sentence what was wrong, which the API shows next to the field's JSON Pointer.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

macro_rules! text_value {
    ($(#[$meta:meta])* $name:ident, min = $min:expr, max = $max:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Trims surrounding white space; the rest must be within the length bounds.
            pub fn parse(raw: &str) -> Result<Self, String> {
                let value = raw.trim();
                Self::check(value)?;
                Ok(Self(value.to_owned()))
            }

            /// As [`Self::parse`], keeping `raw`'s buffer when it needs no trimming (as
            /// stored text never does).
            pub fn parse_owned(raw: String) -> Result<Self, String> {
                if raw.trim().len() == raw.len() {
                    Self::check(&raw)?;
                    Ok(Self(raw))
                } else {
                    Self::parse(&raw)
                }
            }

            fn check(value: &str) -> Result<(), String> {
                // Names and labels are nearly always ASCII, where a character is a
                // byte and the control characters are the bytes below 0x20 and 0x7F:
                // one pass over the bytes instead of two decoding ones.
                let (chars, control) = if value.is_ascii() {
                    let control = value
                        .bytes()
                        .any(|b| (b < 0x20 || b == 0x7f) && !matches!(b, b'\n' | b'\r' | b'\t'));
                    (value.len(), control)
                } else {
                    let control = value
                        .chars()
                        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t');
                    (value.chars().count(), control)
                };
                if chars < $min {
                    return Err(if $min == 1 {
                        "must not be empty".to_owned()
                    } else {
                        format!("must be at least {} characters", $min)
                    });
                }
                if chars > $max {
                    return Err(format!("must be at most {} characters", $max));
                }
                if control {
                    return Err("must not contain control characters".to_owned());
                }
                Ok(())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_value!(
    /// A display name of an organisation, programme or person (1–200 characters).
    Name, min = 1, max = 200
);
text_value!(
    /// Free text such as a description or a coach's bio (up to 5 000 characters).
    Description, min = 1, max = 5000
);
text_value!(
    /// A short free-text label: an address line, a city, a funding source (1–200).
    ShortText, min = 1, max = 200
);
text_value!(
    /// A school's own number for a pupil (1–64 characters).
    ExternalRef, min = 1, max = 64
);
text_value!(
    /// The text of a portfolio entry (up to 10 000 characters).
    EntryBody, min = 1, max = 10000
);

/// A tenant's slug: lower-case letters, digits and inner hyphens, 1–40 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantSlug(String);

impl TenantSlug {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let bytes = raw.as_bytes();
        let valid_char = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        let ok = !bytes.is_empty()
            && bytes.len() <= 40
            && bytes.first().is_some_and(valid_char)
            && bytes.last().is_some_and(valid_char)
            && bytes.iter().all(|b| valid_char(b) || *b == b'-');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err("must be 1-40 lower-case letters, digits or inner hyphens".to_owned())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TenantSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address, checked for shape only (no delivery is attempted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim();
        let error = || "must be an e-mail address such as info@example.org".to_owned();
        if value.len() > 254 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(error());
        }
        let (local, domain) = value.split_once('@').ok_or_else(error)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !domain.contains('@');
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(error());
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// An absolute `http` or `https` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(String);

impl WebUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim();
        let error = || "must be an absolute http(s) URL".to_owned();
        if value.len() > 2000 {
            return Err("must be at most 2000 characters".to_owned());
        }
        let url = url::Url::parse(value).map_err(|_| error())?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(error());
        }
        Ok(Self(url.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A web origin a browser app calls from (DESIGN.md §3.11): exactly
/// `https://host[:port]` as a browser sends it in `Origin` — lower case, no path,
/// no default port. `http://localhost[:port]` and `http://127.0.0.1[:port]` parse as
/// [`WebOrigin::is_local`]; whether they may be used is the operator's choice.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WebOrigin(String);

impl WebOrigin {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let error = || {
            "must be an origin such as https://app.example.nl (scheme, host and port only)"
                .to_owned()
        };
        if raw.len() > 253 {
            return Err("must be at most 253 characters".to_owned());
        }
        let url = url::Url::parse(raw).map_err(|_| error())?;
        let local =
            url.scheme() == "http" && matches!(url.host_str(), Some("localhost" | "127.0.0.1"));
        if !(url.scheme() == "https" || local)
            || url.host_str().is_none()
            || !url.username().is_empty()
            || url.password().is_some()
            || url.query().is_some()
            || url.fragment().is_some()
            || url.path() != "/"
        {
            return Err(error());
        }
        // What a browser sends: the serialised origin, without a trailing slash.
        let origin = url.origin().ascii_serialization();
        if origin != raw {
            return Err(format!("must be written as the browser sends it: {origin}"));
        }
        Ok(Self(origin))
    }

    /// `http://localhost` or `http://127.0.0.1`, for development.
    pub fn is_local(&self) -> bool {
        self.0.starts_with("http://")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An ISO 3166-1 alpha-2 country code, upper case (`NL`, `BE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CountryCode([u8; 2]);

/// The officially assigned ISO 3166-1 alpha-2 codes.
const ISO_3166_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

impl CountryCode {
    /// Every code [`CountryCode::parse`] takes.
    pub fn all() -> impl Iterator<Item = &'static str> {
        ISO_3166_ALPHA2.split(' ')
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        let known = raw.len() == 2 && Self::all().any(|code| code == raw);
        match raw.as_bytes() {
            [a, b] if known => Ok(Self([*a, *b])),
            _ => Err("must be an ISO 3166-1 alpha-2 country code such as NL or BE".to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

/// A BCP 47 language tag of the common shape `ll[-Script][-RR]` (`nl`, `nl-BE`, `sr-Latn-RS`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locale(String);

impl Locale {
    /// What [`Locale::parse`] takes, as a regular expression (ECMA-262 and Rust agree).
    pub const PATTERN: &str = "^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$";

    pub fn parse(raw: &str) -> Result<Self, String> {
        let error = || "must be a BCP 47 language tag such as nl-NL or nl-BE".to_owned();
        let mut parts = raw.split('-');
        let language = parts.next().ok_or_else(error)?;
        if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(error());
        }
        let mut seen_region = false;
        for (index, part) in parts.enumerate() {
            let script = index == 0
                && part.len() == 4
                && part.as_bytes()[0].is_ascii_uppercase()
                && part.bytes().skip(1).all(|b| b.is_ascii_lowercase());
            let region = !seen_region
                && ((part.len() == 2 && part.bytes().all(|b| b.is_ascii_uppercase()))
                    || (part.len() == 3 && part.bytes().all(|b| b.is_ascii_digit())));
            if region {
                seen_region = true;
            } else if !script {
                return Err(error());
            }
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language subtag (`nl` of `nl-BE`).
    pub fn language(&self) -> &str {
        self.0.split('-').next().unwrap_or_default()
    }
}

/// An IANA time zone name (`Europe/Amsterdam`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timezone(String);

impl Timezone {
    pub fn parse(raw: &str) -> Result<Self, String> {
        chrono_tz::Tz::from_str(raw)
            .map(|tz| Self(tz.name().to_owned()))
            .map_err(|_| "must be an IANA time zone such as Europe/Amsterdam".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An official registration number: BRIN or instellingsnummer for schools, KvK or KBO
/// for businesses. Letters, digits, dots and hyphens, 2–32 characters, kept as given
/// but for surrounding ASCII white space.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegistrationCode(String);

impl RegistrationCode {
    /// What [`RegistrationCode::parse`] takes, as a regular expression.
    pub const PATTERN: &str = "^[ \\t\\n\\f\\r]*[A-Za-z0-9.-]{2,32}[ \\t\\n\\f\\r]*$";

    pub fn parse(raw: &str) -> Result<Self, String> {
        let value = raw.trim_matches(|c: char| c.is_ascii_whitespace());
        let ok = (2..=32).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err("must be 2-32 letters, digits, dots or hyphens".to_owned())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// An ISCO-08 unit group: four digits (`2141`, `5120`), held inline (a page of work
/// visits reads one or two a row; a heap string each was a measurable cost).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IscoCode([u8; 4]);

impl IscoCode {
    /// What [`IscoCode::parse`] takes, as a regular expression.
    pub const PATTERN: &str = "^[0-9]{4}$";

    pub fn parse(raw: &str) -> Result<Self, String> {
        match <[u8; 4]>::try_from(raw.as_bytes()) {
            Ok(digits) if digits.iter().all(u8::is_ascii_digit) => Ok(Self(digits)),
            _ => Err("must be an ISCO-08 unit group: four digits such as 2141".to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        // ASCII digits (see `parse`), so always UTF-8.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl AsRef<str> for IscoCode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// An ISO 639-1 language code, lower case (`nl`, `fr`, `en`, `ar`), held inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LanguageCode([u8; 2]);

impl LanguageCode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match <[u8; 2]>::try_from(raw.as_bytes()) {
            Ok(letters) if letters.iter().all(u8::is_ascii_lowercase) => Ok(Self(letters)),
            _ => Err("must be an ISO 639-1 language code such as nl or en".to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        // ASCII letters (see `parse`), so always UTF-8.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl AsRef<str> for LanguageCode {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// A postal address of an organisation (never of a pupil).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub street: ShortText,
    pub postal_code: ShortText,
    pub city: ShortText,
}

/// A date range whose end, when present, is not before its start.
pub fn check_date_order(start: NaiveDate, end: Option<NaiveDate>) -> Result<(), String> {
    match end {
        Some(end) if end < start => Err("must not be before the start date".to_owned()),
        _ => Ok(()),
    }
}

/// Removes repeated values while keeping the first occurrence's position.
pub fn dedup_keep_order<T: PartialEq>(values: Vec<T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(values.len());
    for value in values {
        if !out.contains(&value) {
            out.push(value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The patterns the OpenAPI document publishes take exactly what the parsers
        /// take, over strings of the characters that matter to each.
        #[test]
        fn published_patterns_agree_with_the_parsers(
            isco in r"[0-9a ]{0,6}",
            locale in r"[a-zA-Z0-9-]{0,12}|[a-z]{2}-[A-Z][a-z]{3}-[A-Z0-9]{2,3}",
            registration in r"[ \t\x{a0}\x{feff}]{0,2}[A-Za-z0-9._ -]{0,34}[ \n\x{a0}]{0,2}",
        ) {
            let agrees = |pattern: &str, raw: &str, parsed: bool| {
                regex::Regex::new(pattern).map(|r| r.is_match(raw) == parsed)
            };
            proptest::prop_assert!(agrees(IscoCode::PATTERN, &isco, IscoCode::parse(&isco).is_ok()).unwrap());
            proptest::prop_assert!(agrees(Locale::PATTERN, &locale, Locale::parse(&locale).is_ok()).unwrap());
            proptest::prop_assert!(agrees(RegistrationCode::PATTERN, &registration, RegistrationCode::parse(&registration).is_ok()).unwrap());
        }
    }

    /// The byte-wise check of ASCII text agrees with the character-wise one.
    #[test]
    fn text_checks_count_characters_and_refuse_controls_alike() {
        let reference = |value: &str| {
            let chars = value.chars().count();
            (1..=200).contains(&chars)
                && !value
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        };
        for byte in 0..=127u8 {
            let value = format!("a{}b", char::from(byte));
            assert_eq!(
                Name::parse_owned(value.clone()).is_ok(),
                reference(&value),
                "{byte}"
            );
        }
        for value in [
            "é".repeat(200),
            "é".repeat(201),
            "a".repeat(200),
            "a".repeat(201),
            "Zorg\u{85}college".to_owned(),
            "Zorg\u{7f}college".to_owned(),
            "Lyceum\tNoord".to_owned(),
            String::new(),
        ] {
            assert_eq!(
                Name::parse_owned(value.clone()).is_ok(),
                reference(&value),
                "{value:?}"
            );
        }
        assert_eq!(
            Name::parse("x".repeat(201).as_str()).err().as_deref(),
            Some("must be at most 200 characters")
        );
    }

    /// Text read back from storage keeps its buffer; either way the rules are the same.
    #[test]
    fn owned_text_is_checked_as_borrowed_text_is() {
        let stored = String::from("Zorg in de wijk");
        let at = stored.as_ptr();
        let name = Name::parse_owned(stored).expect("a name");
        assert_eq!(name.as_str().as_ptr(), at, "the stored buffer is kept");
        assert_eq!(name.into_string(), "Zorg in de wijk");
        for raw in ["  padded  ", "", "   ", "tab\u{7}bell", &"x".repeat(201)] {
            assert_eq!(
                Name::parse_owned(raw.to_owned()),
                Name::parse(raw),
                "{raw:?}"
            );
        }
        assert_eq!(
            Name::parse_owned(" padded ".to_owned()).map(Name::into_string),
            Ok("padded".to_owned())
        );
    }

    #[test]
    fn slugs_follow_the_contract_pattern() {
        for good in ["rotterdam", "leuven", "den-haag", "a", "x1"] {
            assert!(TenantSlug::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "-leuven",
            "leuven-",
            "Leuven",
            "le uven",
            "lé",
            &"a".repeat(41),
        ] {
            assert!(TenantSlug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn country_codes_are_a_closed_set() {
        assert!(CountryCode::parse("NL").is_ok());
        assert!(CountryCode::parse("BE").is_ok());
        assert!(CountryCode::parse("XX").is_err());
        assert!(CountryCode::parse("nl").is_err());
    }

    #[test]
    fn locales_accept_common_bcp47_shapes() {
        for good in ["nl", "nl-NL", "nl-BE", "sr-Latn-RS", "es-419"] {
            assert!(Locale::parse(good).is_ok(), "{good}");
        }
        for bad in ["", "NL", "nl_NL", "nl-nl", "nl-NL-BE", "n"] {
            assert!(Locale::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timezones_must_be_iana_names() {
        assert!(Timezone::parse("Europe/Brussels").is_ok());
        assert!(Timezone::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn emails_and_urls_are_checked_for_shape() {
        assert!(Email::parse("info@school.nl").is_ok());
        assert!(Email::parse("info@school").is_err());
        assert!(Email::parse("a b@school.nl").is_err());
        assert!(WebUrl::parse("https://www.leuven.be").is_ok());
        assert!(WebUrl::parse("javascript:alert(1)").is_err());
        assert!(WebOrigin::parse("https://app.leuven.be").is_ok());
        assert!(WebOrigin::parse("https://app.leuven.be:8443").is_ok());
        assert!(WebOrigin::parse("http://localhost:5173").is_ok_and(|o| o.is_local()));
        for bad in [
            "https://app.leuven.be/",
            "https://app.leuven.be/path",
            "https://APP.leuven.be",
            "https://app.leuven.be:443",
            "http://app.leuven.be",
            "https://user@app.leuven.be",
            "*",
            "null",
        ] {
            assert!(WebOrigin::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            Name::parse("  Da Vinci College ").map(|n| n.to_string()),
            Ok("Da Vinci College".to_owned())
        );
        assert!(Name::parse("   ").is_err());
        assert!(Name::parse(&"x".repeat(201)).is_err());
    }

    #[test]
    fn isco_codes_are_four_digits() {
        assert_eq!(
            IscoCode::parse("2141").map(|c| c.as_str().to_owned()),
            Ok("2141".into())
        );
        assert!(IscoCode::parse("214").is_err());
        assert!(IscoCode::parse("21411").is_err());
        assert!(IscoCode::parse("21a1").is_err());
        assert!(IscoCode::parse("٢١").is_err()); // four bytes, not four ASCII digits
        assert!(IscoCode::parse("2141") < IscoCode::parse("5120"));
    }

    #[test]
    fn language_codes_are_two_lower_case_letters() {
        assert_eq!(
            LanguageCode::parse("nl").map(|c| c.as_str().to_owned()),
            Ok("nl".into())
        );
        assert!(LanguageCode::parse("NL").is_err());
        assert!(LanguageCode::parse("nld").is_err());
        assert!(LanguageCode::parse("é").is_err()); // two bytes, not two ASCII letters
        assert!(LanguageCode::parse("en") < LanguageCode::parse("nl"));
    }
}
