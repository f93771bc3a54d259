//! Local days: which day an instant belongs to, and splitting a stretch of
//! time at day boundaries. The day starts at local midnight or at the hour
//! the person sets (0–6, for night owls). Time zones and DST come in through
//! [`Zone`], so this stays pure and testable with any offsets.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const DAY_MS: f64 = 86_400_000.0;
const HOUR_MS: f64 = 3_600_000.0;
const MINUTE_MS: f64 = 60_000.0;

/// The local time zone: minutes east of UTC in force at an instant.
pub trait Zone {
    fn offset_minutes(&self, utc_ms: f64) -> i32;
}

/// A fixed offset, for tests and for UTC.
#[derive(Debug, Clone, Copy)]
pub struct FixedZone(pub i32);

impl Zone for FixedZone {
    fn offset_minutes(&self, _: f64) -> i32 {
        self.0
    }
}

/// A calendar date (proleptic Gregorian), written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// The date `days` days after 1970-01-01 (Hinnant's civil_from_days).
    pub fn from_days(days: i64) -> Date {
        // Years 0000–9999 only: a corrupt instant must not overflow here.
        let z = days.clamp(-719_468, 2_932_896) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Days since 1970-01-01 (Hinnant's days_from_civil).
    pub fn days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    pub fn succ(self) -> Date {
        Date::from_days(self.days() + 1)
    }

    /// `n` days later (earlier when negative).
    pub fn add_days(self, n: i64) -> Date {
        Date::from_days(self.days() + n)
    }

    /// The day of the week (1970-01-01 was a Thursday).
    pub fn weekday(self) -> Weekday {
        Weekday::ALL[(self.days() + 3).rem_euclid(7) as usize]
    }

    /// The first day of the week holding `self`, for weeks starting `start`.
    ///
    /// ```text
    /// 2026-11-23 (Mon), start Sat -> 2026-11-21
    /// 2026-11-23 (Mon), start Mon -> 2026-11-23
    /// 2027-01-01 (Fri), start Sun -> 2026-12-27
    /// ```
    pub fn week_start(self, start: Weekday) -> Date {
        let back = (self.weekday() as i64 - start as i64).rem_euclid(7);
        self.add_days(-back)
    }
}

/// A day of the week, Monday first as ISO 8601 counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Monday = 0,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// The week's first day where `locale` (a BCP 47 tag) lives, after
    /// CLDR's `firstDay`: Saturday in much of the Arab world, Sunday in the
    /// Americas and parts of Asia, Monday elsewhere. A bare language
    /// guesses its largest population (`ar` → Egypt, `en` → US).
    ///
    /// ```text
    /// "ar-EG" -> Saturday   "ar-SA" -> Sunday   "en-US" -> Sunday
    /// "en-GB" -> Monday     "ar" -> Saturday    "fr" -> Monday
    /// ```
    pub fn first_for_locale(locale: &str) -> Weekday {
        const SATURDAY: &[&str] = &[
            "AE", "AF", "BH", "DJ", "DZ", "EG", "IQ", "IR", "JO", "KW", "LY", "OM", "QA", "SD",
            "SY",
        ];
        const SUNDAY: &[&str] = &[
            "AG", "AS", "BD", "BR", "BS", "BT", "BW", "BZ", "CA", "CN", "CO", "DM", "DO", "ET",
            "GT", "GU", "HK", "HN", "ID", "IL", "IN", "JM", "JP", "KE", "KH", "KR", "LA", "MH",
            "MM", "MO", "MT", "MX", "MZ", "NI", "NP", "PA", "PE", "PH", "PK", "PR", "PT", "PY",
            "SA", "SG", "SV", "TH", "TT", "TW", "UM", "US", "VE", "VI", "WS", "YE", "ZA", "ZW",
        ];
        let mut parts = locale.split(['-', '_']);
        let language = parts.next().unwrap_or("").to_ascii_lowercase();
        let region = parts
            .find(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_alphabetic()))
            .map(str::to_ascii_uppercase);
        let region = region.unwrap_or_else(|| match language.as_str() {
            "ar" => "EG".into(),
            "en" => "US".into(),
            _ => String::new(),
        });
        if SATURDAY.contains(&region.as_str()) {
            Weekday::Saturday
        } else if SUNDAY.contains(&region.as_str()) {
            Weekday::Sunday
        } else {
            Weekday::Monday
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Why a date string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a date (YYYY-MM-DD): {0:?}")]
pub struct BadDate(pub String);

impl FromStr for Date {
    type Err = BadDate;
    fn from_str(s: &str) -> Result<Date, BadDate> {
        let bad = || BadDate(s.chars().take(40).collect());
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            s.get(r)
                .filter(|p| p.bytes().all(|c| c.is_ascii_digit()))
                .and_then(|p| p.parse().ok())
        };
        let (Some(year), Some(month), Some(day)) = (num(0..4), num(5..7), num(8..10)) else {
            return Err(bad());
        };
        let date = Date {
            year: year as i32,
            month: month as u8,
            day: day as u8,
        };
        // Round-trips only when the day exists (no 2026-02-30).
        ((1..=12).contains(&month) && day >= 1 && Date::from_days(date.days()) == date)
            .then_some(date)
            .ok_or_else(bad)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Where days begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Calendar {
    /// Local hour (0–6) at which a new day starts.
    pub day_start_hour: u8,
}

impl Calendar {
    /// The day `utc_ms` belongs to.
    ///
    /// ```text
    /// day_start_hour 4, UTC+3: 2026-11-23T00:30Z (03:30 local) -> 2026-11-22
    ///                          2026-11-23T01:30Z (04:30 local) -> 2026-11-23
    /// ```
    pub fn day_of(&self, utc_ms: f64, zone: &impl Zone) -> Date {
        let local = utc_ms + f64::from(zone.offset_minutes(utc_ms)) * MINUTE_MS
            - f64::from(self.day_start_hour) * HOUR_MS;
        Date::from_days((local / DAY_MS).floor() as i64)
    }

    /// The UTC instant at which `date` begins (DST-aware to the offset in
    /// force at that instant).
    pub fn start_of(&self, date: Date, zone: &impl Zone) -> f64 {
        let local = date.days() as f64 * DAY_MS + f64::from(self.day_start_hour) * HOUR_MS;
        let guess = local - f64::from(zone.offset_minutes(local)) * MINUTE_MS;
        local - f64::from(zone.offset_minutes(guess)) * MINUTE_MS
    }

    /// Splits `[start, end)` into its parts per day.
    ///
    /// ```text
    /// UTC, 23:59:00 .. 00:01:00 -> [(day 1, 60 000 ms), (day 2, 60 000 ms)]
    /// end <= start               -> []
    /// ```
    /// The parts always add up to `end - start`.
    pub fn split(&self, start: f64, end: f64, zone: &impl Zone) -> Vec<(Date, f64)> {
        let mut parts = Vec::new();
        if !(start.is_finite() && end.is_finite() && end > start) {
            return parts;
        }
        let mut at = start;
        let mut day = self.day_of(at, zone);
        // A span is at most minutes long in practice; the bound only guards
        // against a zone that never advances.
        for _ in 0..400 {
            let next = self.start_of(day.succ(), zone);
            if next >= end || next <= at {
                parts.push((day, end - at));
                return parts;
            }
            parts.push((day, next - at));
            at = next;
            day = day.succ();
        }
        parts.push((day, end - at));
        parts
    }
}

/// Splits `[start, end)` into its parts per local hour of the day
/// (0–23), for "the hour they gave most".
///
/// ```text
/// UTC+3, 10:50Z .. 11:20Z -> [(13, 600 000 ms), (14, 1 200 000 ms)]
/// ```
pub fn split_hours(start: f64, end: f64, zone: &impl Zone) -> Vec<(u8, f64)> {
    let mut parts = Vec::new();
    if !(start.is_finite() && end.is_finite() && end > start) {
        return parts;
    }
    let mut at = start;
    for _ in 0..200 {
        let offset = f64::from(zone.offset_minutes(at)) * MINUTE_MS;
        let local = at + offset;
        let hour = ((local / HOUR_MS).floor() as i64).rem_euclid(24) as u8;
        let next = ((local / HOUR_MS).floor() + 1.0) * HOUR_MS - offset;
        if next >= end || next <= at {
            parts.push((hour, end - at));
            return parts;
        }
        parts.push((hour, next - at));
        at = next;
    }
    parts
}

/// `2026-11-23T08:04:05.123Z`.
pub fn iso_utc(utc_ms: f64) -> String {
    let ms = if utc_ms.is_finite() {
        utc_ms.floor() as i64
    } else {
        0
    };
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let date = Date::from_days(days);
    let (h, m, s, milli) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    format!("{date}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn utc(s: &str) -> f64 {
        // "2026-11-23T00:30" in UTC
        let (date, time) = s.split_once('T').unwrap();
        let (h, m) = time.split_once(':').unwrap();
        d(date).days() as f64 * DAY_MS
            + h.parse::<f64>().unwrap() * HOUR_MS
            + m.parse::<f64>().unwrap() * MINUTE_MS
    }

    /// A zone with a DST jump: +60 min before `switch`, +120 after.
    struct Dst {
        switch: f64,
    }
    impl Zone for Dst {
        fn offset_minutes(&self, t: f64) -> i32 {
            if t < self.switch {
                60
            } else {
                120
            }
        }
    }

    #[test]
    fn dates_round_trip_and_validate() {
        for days in [-1, 0, 59, 365 * 56 + 326, 20_000, -719_468] {
            assert_eq!(Date::from_days(days).days(), days);
        }
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(d("2024-02-29").succ(), d("2024-03-01"));
        assert!("2026-02-29".parse::<Date>().is_err());
        assert!("2026-13-01".parse::<Date>().is_err());
        assert!("2026-1-01".parse::<Date>().is_err());
        assert!("+026-01-01".parse::<Date>().is_err());
    }

    #[test]
    fn day_start_hour_moves_the_boundary() {
        let cal = Calendar { day_start_hour: 4 };
        let zone = FixedZone(180);
        assert_eq!(cal.day_of(utc("2026-11-23T00:30"), &zone), d("2026-11-22"));
        assert_eq!(cal.day_of(utc("2026-11-23T01:30"), &zone), d("2026-11-23"));
        assert_eq!(
            cal.start_of(d("2026-11-23"), &zone),
            utc("2026-11-23T01:00")
        );
    }

    #[test]
    fn split_at_midnight_adds_up() {
        let cal = Calendar::default();
        let parts = cal.split(
            utc("2026-11-22T23:59"),
            utc("2026-11-23T00:01"),
            &FixedZone(0),
        );
        assert_eq!(
            parts,
            vec![(d("2026-11-22"), 60_000.0), (d("2026-11-23"), 60_000.0)]
        );
        assert!(cal.split(5.0, 5.0, &FixedZone(0)).is_empty());
        assert!(cal.split(5.0, 1.0, &FixedZone(0)).is_empty());
        assert!(cal.split(f64::NAN, 1.0, &FixedZone(0)).is_empty());
    }

    #[test]
    fn split_across_a_dst_change_counts_real_time() {
        // DST starts at 2026-03-29T01:00Z; local midnight of the 30th is then 22:00Z.
        let zone = Dst {
            switch: utc("2026-03-29T01:00"),
        };
        let cal = Calendar::default();
        let (a, b) = (utc("2026-03-29T21:00"), utc("2026-03-29T23:00"));
        let parts = cal.split(a, b, &zone);
        assert_eq!(
            parts,
            vec![(d("2026-03-29"), HOUR_MS), (d("2026-03-30"), HOUR_MS)]
        );
    }

    #[test]
    fn iso_format() {
        assert_eq!(iso_utc(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            iso_utc(utc("2026-11-23T08:04") + 5123.0),
            "2026-11-23T08:04:05.123Z"
        );
    }

    #[test]
    fn weekdays_and_week_starts() {
        assert_eq!(d("1970-01-01").weekday(), Weekday::Thursday);
        assert_eq!(d("2026-11-23").weekday(), Weekday::Monday);
        assert_eq!(
            d("2026-11-23").week_start(Weekday::Saturday),
            d("2026-11-21")
        );
        assert_eq!(d("2026-11-23").week_start(Weekday::Monday), d("2026-11-23"));
        assert_eq!(d("2026-11-23").week_start(Weekday::Sunday), d("2026-11-22"));
        // A week that spans the year boundary.
        assert_eq!(d("2027-01-01").week_start(Weekday::Sunday), d("2026-12-27"));
        assert_eq!(d("2026-12-31").add_days(1), d("2027-01-01"));
    }

    #[test]
    fn week_start_follows_locale() {
        assert_eq!(Weekday::first_for_locale("ar-EG"), Weekday::Saturday);
        assert_eq!(Weekday::first_for_locale("ar-SA"), Weekday::Sunday);
        assert_eq!(Weekday::first_for_locale("ar"), Weekday::Saturday);
        assert_eq!(Weekday::first_for_locale("en-US"), Weekday::Sunday);
        assert_eq!(Weekday::first_for_locale("en_GB"), Weekday::Monday);
        assert_eq!(Weekday::first_for_locale("fr"), Weekday::Monday);
        assert_eq!(Weekday::first_for_locale(""), Weekday::Monday);
    }

    #[test]
    fn hours_split_at_local_hours() {
        let h = 3_600_000.0;
        let at = |hh: f64, mm: f64| hh * h + mm * 60_000.0;
        let parts = split_hours(at(10.0, 50.0), at(11.0, 20.0), &FixedZone(180));
        assert_eq!(parts, vec![(13, 600_000.0), (14, 1_200_000.0)]);
        // Half-hour zones: local hours begin at :30 UTC.
        let parts = split_hours(at(10.0, 0.0), at(11.0, 0.0), &FixedZone(330));
        assert_eq!(parts, vec![(15, 1_800_000.0), (16, 1_800_000.0)]);
        let parts = split_hours(at(23.0, 30.0), at(24.0, 30.0), &FixedZone(0));
        assert_eq!(parts, vec![(23, 1_800_000.0), (0, 1_800_000.0)]);
        assert!(split_hours(5.0, 5.0, &FixedZone(0)).is_empty());
    }
}
