//! The ledger: per local day × site, what was given and shown.
//!
//! Spans of attention come in from [`crate::attention`]; each is split at
//! day boundaries so a stretch across midnight lands on both days.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::attention::Span;
use crate::calendar::{split_hours, Calendar, Date, Zone};
use crate::prompt::Reasons;

/// One site on one day. Fields not yet measured stay 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DayRecord {
    pub attention_ms: f64,
    pub useful_ms: f64,
    pub ads_rendered: u64,
    pub ads_viewable: u64,
    /// Why the person said the time was useful, counted.
    pub reasons: Reasons,
    /// Prompt cards shown.
    pub prompts: u32,
    /// Attention by local hour of the day, ms (for "the hour you gave most").
    #[serde(skip_serializing_if = "Hours::is_empty")]
    pub hours: Hours,
}

impl DayRecord {
    /// Whether a stored record could have been written by Thaman: finite
    /// times within a day, useful within attention, viewable within
    /// rendered. Anything else is corruption, set aside on load.
    ///
    /// ```text
    /// attention 3 600 000, useful 60 000 -> true
    /// attention -5 or 90 000 000 or NaN  -> false
    /// useful 2 000 > attention 1 000      -> false
    /// ```
    pub fn plausible(&self) -> bool {
        let day = 0.0..=86_400_000.0;
        day.contains(&self.attention_ms)
            && day.contains(&self.useful_ms)
            && self.useful_ms <= self.attention_ms + 1.0
            && self.ads_viewable <= self.ads_rendered
    }
}

/// Attention per local hour of one day, ms; 24 slots.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Hours(pub [u32; 24]);

impl Hours {
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|ms| *ms == 0)
    }

    pub fn add(&mut self, hour: u8, ms: f64) {
        if let Some(slot) = self.0.get_mut(usize::from(hour)) {
            *slot = slot.saturating_add(ms.round().clamp(0.0, f64::from(u32::MAX)) as u32);
        }
    }
}

/// Records of one day, by site id.
pub type Day = BTreeMap<String, DayRecord>;

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Ledger {
    days: BTreeMap<Date, Day>,
}

impl Ledger {
    /// Books a span of attention; returns the days it touched.
    ///
    /// ```text
    /// span x 23:59..00:01 -> day1.x += 60 s, day2.x += 60 s -> [day1, day2]
    /// ```
    pub fn add_span(&mut self, span: &Span, calendar: &Calendar, zone: &impl Zone) -> Vec<Date> {
        // Day starts fall on whole local hours, so each hour part lies
        // within one day.
        let mut at = span.start;
        for (hour, ms) in split_hours(span.start, span.end, zone) {
            self.record_mut(calendar.day_of(at, zone), &span.site).hours.add(hour, ms);
            at += ms;
        }
        calendar
            .split(span.start, span.end, zone)
            .into_iter()
            .map(|(date, ms)| {
                self.record_mut(date, &span.site).attention_ms += ms;
                date
            })
            .collect()
    }

    /// Counts ads rendered and ads that became viewable on `date`.
    pub fn add_ads(&mut self, date: Date, site: &str, rendered: u64, viewable: u64) {
        let rec = self.days.entry(date).or_default().entry(site.to_string()).or_default();
        rec.ads_rendered = rec.ads_rendered.saturating_add(rendered);
        rec.ads_viewable = rec.ads_viewable.saturating_add(viewable);
    }

    /// The record of `date` × `site`, created empty if absent.
    pub fn record_mut(&mut self, date: Date, site: &str) -> &mut DayRecord {
        self.days.entry(date).or_default().entry(site.to_string()).or_default()
    }

    /// One site's record of one day.
    pub fn record(&self, date: Date, site: &str) -> DayRecord {
        self.days.get(&date).and_then(|d| d.get(site)).copied().unwrap_or_default()
    }

    pub fn day(&self, date: Date) -> Option<&Day> {
        self.days.get(&date)
    }

    /// Replaces one day's records (loading from storage, importing).
    pub fn set_day(&mut self, date: Date, day: Day) {
        self.days.insert(date, day);
    }

    pub fn attention_ms(&self, date: Date, site: &str) -> f64 {
        self.days.get(&date).and_then(|d| d.get(site)).map_or(0.0, |r| r.attention_ms)
    }

    /// Every record, oldest day first.
    pub fn rows(&self) -> impl Iterator<Item = (Date, &str, &DayRecord)> {
        self.days.iter().flat_map(|(date, day)| day.iter().map(move |(site, rec)| (*date, site.as_str(), rec)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::FixedZone;

    #[test]
    fn spans_across_midnight_land_on_both_days() {
        let mut ledger = Ledger::default();
        let day1: Date = "2026-11-22".parse().unwrap();
        let midnight = day1.succ().days() as f64 * 86_400_000.0;
        let span = Span { site: "x".into(), start: midnight - 60_000.0, end: midnight + 90_000.0 };
        let touched = ledger.add_span(&span, &Calendar::default(), &FixedZone(0));
        assert_eq!(touched, vec![day1, day1.succ()]);
        assert_eq!(ledger.attention_ms(day1, "x"), 60_000.0);
        assert_eq!(ledger.attention_ms(day1.succ(), "x"), 90_000.0);
        assert_eq!(ledger.attention_ms(day1, "reddit"), 0.0);
        assert_eq!(ledger.rows().count(), 2);
        assert_eq!(ledger.record(day1, "x").hours.0[23], 60_000);
        assert_eq!(ledger.record(day1.succ(), "x").hours.0[0], 90_000);
    }

    #[test]
    fn implausible_records_are_told_apart() {
        let ok = DayRecord { attention_ms: 3_600_000.0, useful_ms: 60_000.0, ads_rendered: 2, ads_viewable: 1, ..DayRecord::default() };
        assert!(ok.plausible());
        for bad in [
            DayRecord { attention_ms: -5.0, ..ok },
            DayRecord { attention_ms: 90_000_000.0, ..ok },
            DayRecord { attention_ms: f64::NAN, ..ok },
            DayRecord { useful_ms: 4_000_000.0, ..ok },
            DayRecord { ads_viewable: 3, ..ok },
        ] {
            assert!(!bad.plausible(), "{bad:?}");
        }
    }
}
