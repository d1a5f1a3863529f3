use super::*;

#[test]
fn small_counts_of_pupils_are_suppressed_but_zero_is_shown() {
    assert_eq!(Count::of_pupils(0, 5), Count::Shown(0));
    assert_eq!(Count::of_pupils(1, 5), Count::Suppressed);
    assert_eq!(Count::of_pupils(4, 5), Count::Suppressed);
    assert_eq!(Count::of_pupils(5, 5), Count::Shown(5));
    assert_eq!(Count::of_pupils(1, 1), Count::Shown(1));
}

#[test]
fn a_rate_is_suppressed_with_its_counts_and_empty_without_a_divisor() {
    let (one, three) = (Count::Shown(1), Count::Shown(3));
    assert_eq!(one.divided_by(three, 2), Figure::Shown(Some(0.33)));
    assert_eq!(one.divided_by(Count::Shown(0), 2), Figure::Shown(None));
    assert_eq!(Count::Suppressed.divided_by(three, 2), Figure::Suppressed);
    assert_eq!(one.divided_by(Count::Suppressed, 2), Figure::Suppressed);
}

#[test]
fn portfolio_activity_orders_kinds_and_suppresses_small_ones() {
    let entries = EntriesMade {
        by_kind: vec![
            (PortfolioEntryKind::Goal, 1),
            (PortfolioEntryKind::Reflection, 3),
        ],
        pupils: 2,
    };
    let shown = portfolio_activity(entries.clone(), 1);
    assert_eq!(shown.pupils, Count::Shown(2));
    assert_eq!(
        shown.entries,
        vec![
            (PortfolioEntryKind::Reflection, Count::Shown(3)),
            (PortfolioEntryKind::Goal, Count::Shown(1)),
        ]
    );
    let hidden = portfolio_activity(entries, 3);
    assert_eq!(hidden.pupils, Count::Suppressed);
    // Goal (1) is hidden, so Reflection (3), the only other cell, is too.
    assert!(hidden.entries.iter().all(|(_, c)| *c == Count::Suppressed));
}

#[test]
fn coverage_lists_schools_with_pupils_and_hides_small_ones() {
    let schools = [SchoolId::new(), SchoolId::new(), SchoolId::new()];
    let group = |school: SchoolId, pupils| PupilGroup {
        key: (school, Some("2".to_owned())),
        pupils,
    };
    let facts = Facts {
        groups: vec![
            group(schools[0], 30),
            group(schools[1], 3),
            group(schools[2], 25),
            group(SchoolId::new(), 0),
        ],
        ..Facts::default()
    };
    let table = pupil_table(&facts, 0, 5);
    assert_eq!(
        table.coverage.len(),
        3,
        "schools without pupils are left out"
    );
    let by_school = |school: SchoolId| {
        table
            .coverage
            .iter()
            .find(|c| c.school == school)
            .map(|c| (c.pupils, c.with_experience))
    };
    assert_eq!(
        by_school(schools[1]),
        Some((Count::Suppressed, Count::Shown(0)))
    );
    // The 3 can't be worked out from the city's total: another school is hidden.
    let hidden = table
        .coverage
        .iter()
        .filter(|c| c.pupils == Count::Suppressed)
        .count();
    assert!(hidden >= 2 || table.encounters.pupils == Count::Suppressed);
    assert_eq!(table.encounters.groups.len(), 3);
}

#[test]
fn a_postal_area_is_the_first_four_characters() {
    assert_eq!(postal_area("3015 GD").as_deref(), Some("3015"));
    assert_eq!(postal_area("30 15GD").as_deref(), Some("3015"));
    assert_eq!(postal_area("3000").as_deref(), Some("3000"));
    assert_eq!(postal_area("sw1a 1aa").as_deref(), Some("SW1A"));
    assert_eq!(postal_area("  "), None);
}

#[test]
fn a_day_starts_at_local_midnight_or_when_a_clock_change_lets_it() {
    let tenant = |zone: &str| {
        use crate::values::{CountryCode, Locale, Name, TenantSlug, Timezone};
        let country = CountryCode::parse("NL").expect("a country");
        Tenant {
            id: TenantId::new(),
            slug: TenantSlug::parse("city").expect("a slug"),
            name: Name::parse("City").expect("a name"),
            country,
            locale: Locale::parse("nl-NL").expect("a locale"),
            timezone: Timezone::parse(zone).expect("a zone"),
            status: crate::tenants::TenantStatus::Active,
            settings: crate::tenants::TenantSettings::defaults_for(country),
            version: 1,
            created_at: crate::testing::now(),
            updated_at: crate::testing::now(),
        }
    };
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a day");
    let at = |s: &str| s.parse::<DateTime<Utc>>().expect("a time");
    let amsterdam = tenant("Europe/Amsterdam");
    assert_eq!(
        start_of_day(&amsterdam, day(2026, 1, 1)).ok(),
        Some(at("2025-12-31T23:00:00Z"))
    );
    assert_eq!(
        start_of_day(&amsterdam, day(2026, 7, 1)).ok(),
        Some(at("2026-06-30T22:00:00Z"))
    );
    // Santiago skips midnight when summer time starts (6 September 2026).
    let santiago = tenant("America/Santiago");
    assert_eq!(
        start_of_day(&santiago, day(2026, 9, 6)).ok(),
        Some(at("2026-09-06T04:00:00Z"))
    );
}

#[test]
fn one_hidden_cell_hides_the_next_smallest_too() {
    let cells = vec![("a", 40), ("b", 3), ("c", 7), ("d", 0), ("e", 9)];
    let out = suppress_breakdown(cells, 5);
    assert_eq!(
        out,
        vec![
            ("a", Count::Shown(40)),
            ("b", Count::Suppressed),
            ("c", Count::Suppressed),
            ("d", Count::Shown(0)),
            ("e", Count::Shown(9)),
        ]
    );
    // Two hidden already: nothing more to hide.
    let out = suppress_breakdown(vec![("a", 1), ("b", 2), ("c", 8)], 5);
    assert_eq!(out[2], ("c", Count::Shown(8)));
    // Nothing hidden: all shown.
    let out = suppress_breakdown(vec![("a", 6), ("b", 8)], 5);
    assert!(out.iter().all(|(_, c)| c.shown().is_some()));
}
