//! Timestamps on the wire: RFC 3339 in UTC, exactly as chrono writes them
//! (`2026-11-24T01:28:59.011626Z`: the fraction in 3, 6 or 9 digits as needed, none
//! when the second is whole), written into a small buffer instead of through
//! `core::fmt`. chrono's own way cost about 2 500 instructions a timestamp (callgrind),
//! a third of serialising a page of work visits, which carries a hundred of them.
//! Years outside 0–9999 and leap seconds are left to chrono.

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

/// `#[serde(serialize_with = "rfc3339::serialize")]` on a `DateTime<Utc>` field.
pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut buffer = [0u8; 30];
    match format(at, &mut buffer) {
        Some(text) => serializer.serialize_str(text),
        None => at.serialize(serializer),
    }
}

/// `at` written into `buffer`, or `None` where chrono should write it (a year outside
/// 0–9999, a leap second).
pub fn format<'b>(at: &DateTime<Utc>, buffer: &'b mut [u8; 30]) -> Option<&'b str> {
    let len = write(at, buffer)?;
    std::str::from_utf8(&buffer[..len]).ok()
}

/// The same for an optional timestamp.
pub mod option {
    use chrono::{DateTime, Utc};
    use serde::Serializer;

    pub fn serialize<S: Serializer>(
        at: &Option<DateTime<Utc>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => super::serialize(at, serializer),
            None => serializer.serialize_none(),
        }
    }
}

/// Writes `at` into `buffer` and says how many bytes it took, or `None` where chrono
/// should write it (a year outside 0–9999, a leap second). The date comes from the
/// count of days since 1970 by integer arithmetic (Howard Hinnant's `civil_from_days`),
/// not from chrono's accessors, which each worked the calendar out again (callgrind,
/// with the digits: about 700 instructions a timestamp before, 460 now).
fn write(at: &DateTime<Utc>, buffer: &mut [u8; 30]) -> Option<usize> {
    let nanos = at.timestamp_subsec_nanos();
    if nanos >= 1_000_000_000 {
        return None;
    }
    let seconds = at.timestamp();
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let year = u32::try_from(year).ok().filter(|y| *y <= 9999)?;
    let of_day = u32::try_from(seconds.rem_euclid(86_400)).ok()?;
    let mut out = Out { buffer, len: 0 };
    out.digits(year, 4);
    out.byte(b'-');
    out.digits(month, 2);
    out.byte(b'-');
    out.digits(day, 2);
    out.byte(b'T');
    out.digits(of_day / 3600, 2);
    out.byte(b':');
    out.digits(of_day / 60 % 60, 2);
    out.byte(b':');
    out.digits(of_day % 60, 2);
    let fraction = match nanos {
        0 => None,
        n if n % 1_000_000 == 0 => Some((n / 1_000_000, 3)),
        n if n % 1_000 == 0 => Some((n / 1_000, 6)),
        n => Some((n, 9)),
    };
    if let Some((value, width)) = fraction {
        out.byte(b'.');
        out.digits(value, width);
    }
    out.byte(b'Z');
    Some(out.len)
}

/// Year, month (1–12) and day (1–31) of the proleptic Gregorian calendar for a count
/// of days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097); // 0..=146_096
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // 0 = March
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(0),
        u32::try_from(day).unwrap_or(0),
    )
}

/// A timestamp being written (at most 30 bytes: `9999-12-31T23:59:59.999999999Z`).
struct Out<'b> {
    buffer: &'b mut [u8; 30],
    len: usize,
}

impl Out<'_> {
    fn byte(&mut self, byte: u8) {
        self.buffer[self.len] = byte;
        self.len += 1;
    }

    /// `value` in `width` decimal digits, zero-padded: written from the last digit
    /// back, dividing by the constant 10 (a multiplication once compiled), not by a
    /// power of ten computed per digit (callgrind: a whole timestamp 700 -> 600
    /// instructions for this change alone).
    fn digits(&mut self, mut value: u32, width: usize) {
        let end = self.len + width;
        for at in (self.len..end).rev() {
            self.buffer[at] = b'0' + u8::try_from(value % 10).unwrap_or(0);
            value /= 10;
        }
        self.len = end;
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::*;

    fn ours(at: &DateTime<Utc>) -> String {
        serialize(at, serde_json::value::Serializer)
            .expect("serialised")
            .as_str()
            .expect("a string")
            .to_owned()
    }

    fn chronos(at: &DateTime<Utc>) -> String {
        serde_json::to_value(at)
            .expect("serialised")
            .as_str()
            .expect("a string")
            .to_owned()
    }

    #[test]
    fn timestamps_are_written_exactly_as_chrono_writes_them() {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            // From 0000-01-01 to 9999-12-31.
            let seconds = i64::try_from(next() % 315_569_520_000).expect("fits") - 62_167_219_200;
            let nanos = match next() % 4 {
                0 => 0,
                1 => u32::try_from(next() % 1_000).expect("fits") * 1_000_000,
                2 => u32::try_from(next() % 1_000_000).expect("fits") * 1_000,
                _ => u32::try_from(next() % 1_000_000_000).expect("fits"),
            };
            let at = Utc.timestamp_opt(seconds, nanos).single().expect("a time");
            assert_eq!(ours(&at), chronos(&at), "{seconds} s {nanos} ns");
        }
        let edges = [
            Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).single(),
            Utc.with_ymd_and_hms(1969, 12, 31, 23, 59, 59).single(),
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).single(),
            Utc.with_ymd_and_hms(-1, 12, 31, 23, 59, 59).single(),
            Utc.with_ymd_and_hms(2000, 2, 29, 12, 0, 0).single(),
            Utc.with_ymd_and_hms(2100, 3, 1, 0, 0, 0).single(),
            Utc.with_ymd_and_hms(2026, 11, 24, 1, 28, 59).single(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).single(),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).single(),
            NaiveDate::from_ymd_opt(2016, 12, 31)
                .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
                .map(|t| t.and_utc()),
        ];
        for at in edges.into_iter().map(|at| at.expect("a time")) {
            assert_eq!(ours(&at), chronos(&at));
        }
        assert_eq!(
            ours(
                &Utc.timestamp_opt(1_795_483_739, 11_626_000)
                    .single()
                    .expect("a time")
            ),
            "2026-11-24T01:28:59.011626Z"
        );
    }
}
