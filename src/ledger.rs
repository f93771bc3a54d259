//! The ledger: per local day × site, what was given and shown.
//!
//! Spans of attention come in from [`crate::attention`]; each is split at
//! day boundaries so a stretch across midnight lands on both days.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::attention::Span;
use crate::calendar::{split_hours, Calendar, Date, Zone};
use crate::prompt::Reasons;

/// Most ads one site can show in one day, rendered or viewable: more is a
/// page multiplying slots, not a person scrolling. The ledger books no more
/// and import refuses more, so every export imports again.
pub const MAX_ADS_PER_DAY: u64 = 100_000;

/// Most ads counted on one page view (a load of a page; an infinite feed
/// read for hours shows a few hundred). The tracker refuses more slots.
pub const MAX_ADS_PER_PAGE: usize = 1_000;

/// Most choices on the goal card one site can count in one day: more is
/// not a person answering a card. Import refuses more.
pub const MAX_GOAL_CHOICES_PER_DAY: u32 = 10_000;

/// What the person chose on the price card past the daily goal, counted.
///
/// ```text
/// add(Continue), add(Continue), add(Leave) -> {continued 2, week 0, left 1}
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GoalChoices {
    pub continued: u32,
    /// "Open my week".
    pub week: u32,
    pub left: u32,
}

impl GoalChoices {
    pub fn add(&mut self, choice: crate::tracker::GoalChoice) {
        use crate::tracker::GoalChoice;
        let n = match choice {
            GoalChoice::Continue => &mut self.continued,
            GoalChoice::Week => &mut self.week,
            GoalChoice::Leave => &mut self.left,
        };
        *n = n.saturating_add(1).min(MAX_GOAL_CHOICES_PER_DAY);
    }

    pub fn is_empty(&self) -> bool {
        *self == GoalChoices::default()
    }

    /// Whether `days` days could hold these counts.
    ///
    /// ```text
    /// {continued 3}, 1 day -> true     {left 10 001}, 1 day -> false
    /// ```
    pub fn plausible(&self, days: u8) -> bool {
        let max = MAX_GOAL_CHOICES_PER_DAY * u32::from(days.max(1));
        [self.continued, self.week, self.left]
            .iter()
            .all(|n| *n <= max)
    }

    fn absorb(&mut self, other: &GoalChoices) {
        self.continued = self.continued.saturating_add(other.continued);
        self.week = self.week.saturating_add(other.week);
        self.left = self.left.saturating_add(other.left);
    }
}

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
    /// The choices made on the goal card, counted on the card's site.
    #[serde(skip_serializing_if = "GoalChoices::is_empty")]
    pub goal: GoalChoices,
    /// Attention by local hour of the day, ms (for "the hour you gave most").
    #[serde(skip_serializing_if = "Hours::is_empty")]
    pub hours: Hours,
    /// 0 for a day's own record; n for the totals of n days merged into
    /// their week's first day once older than the retention (no hours).
    #[serde(skip_serializing_if = "is_zero")]
    pub merged_days: u8,
}

fn is_zero(n: &u8) -> bool {
    *n == 0
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
        let day = 0.0..=86_400_000.0 * f64::from(self.span_days());
        day.contains(&self.attention_ms)
            && day.contains(&self.useful_ms)
            && self.useful_ms <= self.attention_ms + 1.0
            && self.ads_viewable <= self.ads_rendered
            && self.ads_rendered <= MAX_ADS_PER_DAY * u64::from(self.span_days())
            && self.merged_days <= 7
            && self.goal.plausible(self.span_days())
    }

    /// Days the record covers: 1, or up to 7 once merged into its week.
    pub fn span_days(&self) -> u8 {
        self.merged_days.max(1)
    }

    /// Adds `other`'s totals (hours are not kept in merged records).
    fn absorb(&mut self, other: &DayRecord) {
        let days = if *self == DayRecord::default() {
            other.span_days()
        } else {
            self.span_days().saturating_add(other.span_days())
        };
        self.attention_ms += other.attention_ms;
        self.useful_ms += other.useful_ms;
        self.ads_rendered = self.ads_rendered.saturating_add(other.ads_rendered);
        self.ads_viewable = self.ads_viewable.saturating_add(other.ads_viewable);
        self.reasons.learned += other.reasons.learned;
        self.reasons.work += other.reasons.work;
        self.reasons.people += other.reasons.people;
        self.reasons.reach += other.reasons.reach;
        self.prompts = self.prompts.saturating_add(other.prompts);
        self.goal.absorb(&other.goal);
        self.merged_days = days.min(7);
        self.hours = Hours::default();
    }
}

/// What [`Ledger::compact`] changed: days whose keys go, and week starts
/// written anew.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Compaction {
    pub removed: Vec<Date>,
    pub changed: Vec<Date>,
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
            self.record_mut(calendar.day_of(at, zone), &span.site)
                .hours
                .add(hour, ms);
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

    /// Counts ads rendered and ads that became viewable on `date`, each at
    /// most [`MAX_ADS_PER_DAY`]; returns the days it changed.
    ///
    /// An ad is booked on the day it became viewable: if its render was
    /// booked on an earlier day, the render moves here (taken from the
    /// latest earlier day that has a render not yet viewable), so every
    /// day holds viewable <= rendered and no ad is rendered twice.
    ///
    /// ```text
    /// day1.x rendered 1                 + (day2, x, 0, 1) -> day1.x 0/0, day2.x 1/1 -> [day2, day1]
    /// day2.x rendered 1, viewable 0     + (day2, x, 0, 1) -> day2.x 1/1             -> [day2]
    /// day2.x rendered 100 000           + (day2, x, 1, 0) -> day2.x 100 000 (capped)
    /// ```
    pub fn add_ads(&mut self, date: Date, site: &str, rendered: u64, viewable: u64) -> Vec<Date> {
        let rec = self.record_mut(date, site);
        let cap = |n: u64, more: u64| n.saturating_add(more).min(MAX_ADS_PER_DAY);
        rec.ads_rendered = cap(rec.ads_rendered, rendered);
        rec.ads_viewable = cap(rec.ads_viewable, viewable);
        let mut missing = rec.ads_viewable.saturating_sub(rec.ads_rendered);
        rec.ads_rendered += missing;
        let mut changed = vec![date];
        for (earlier, day) in self.days.range_mut(..date).rev() {
            if missing == 0 {
                break;
            }
            let Some(rec) = day.get_mut(site) else {
                continue;
            };
            let moved = rec
                .ads_rendered
                .saturating_sub(rec.ads_viewable)
                .min(missing);
            if moved > 0 {
                rec.ads_rendered -= moved;
                missing -= moved;
                changed.push(*earlier);
            }
        }
        changed
    }

    /// The record of `date` × `site`, created empty if absent.
    pub fn record_mut(&mut self, date: Date, site: &str) -> &mut DayRecord {
        self.days
            .entry(date)
            .or_default()
            .entry(site.to_string())
            .or_default()
    }

    /// One site's record of one day.
    pub fn record(&self, date: Date, site: &str) -> DayRecord {
        self.days
            .get(&date)
            .and_then(|d| d.get(site))
            .copied()
            .unwrap_or_default()
    }

    pub fn day(&self, date: Date) -> Option<&Day> {
        self.days.get(&date)
    }

    /// Replaces one day's records (loading from storage, importing).
    pub fn set_day(&mut self, date: Date, day: Day) {
        self.days.insert(date, day);
    }

    pub fn attention_ms(&self, date: Date, site: &str) -> f64 {
        self.days
            .get(&date)
            .and_then(|d| d.get(site))
            .map_or(0.0, |r| r.attention_ms)
    }

    /// Merges every day before `before` into its week's first day (weeks
    /// starting on `week_start`): totals kept, hours dropped. Weeks merged
    /// before are left as they are.
    ///
    /// ```text
    /// before Mon 11-16: Mon 11-02 x 10 min, Wed 11-04 x 5 min, Mon 11-09 x 1 min
    ///   -> 11-02 x 15 min (2 days), 11-09 x 1 min (1 day); removed [11-04]
    /// ```
    pub fn compact(&mut self, before: Date, week_start: crate::calendar::Weekday) -> Compaction {
        let old: Vec<Date> = self
            .days
            .range(..before)
            .filter(|(_, day)| day.values().any(|r| r.merged_days == 0))
            .map(|(d, _)| *d)
            .collect();
        let mut out = Compaction::default();
        for date in old {
            let week = date.week_start(week_start);
            let Some(day) = self.days.remove(&date) else {
                continue;
            };
            // The week's first day was merged first (it is older), or is
            // this very day: either way it is taken out and merged into.
            let mut target = self.days.remove(&week).unwrap_or_default();
            for (site, rec) in day {
                target.entry(site).or_default().absorb(&rec);
            }
            self.days.insert(week, target);
            if week != date {
                out.removed.push(date);
            }
            if !out.changed.contains(&week) {
                out.changed.push(week);
            }
        }
        out
    }

    /// The first day that still has a day's own record, if any.
    pub fn oldest_detail(&self) -> Option<Date> {
        self.days
            .iter()
            .find(|(_, day)| day.values().any(|r| r.merged_days == 0))
            .map(|(d, _)| *d)
    }

    /// Every record, oldest day first.
    pub fn rows(&self) -> impl Iterator<Item = (Date, &str, &DayRecord)> {
        self.days.iter().flat_map(|(date, day)| {
            day.iter()
                .map(move |(site, rec)| (*date, site.as_str(), rec))
        })
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
        let span = Span {
            site: "x".into(),
            start: midnight - 60_000.0,
            end: midnight + 90_000.0,
        };
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
    fn old_days_merge_into_their_weeks() {
        let d = |s: &str| -> Date { s.parse().unwrap() };
        let rec = |min: f64, ads: u64| DayRecord {
            attention_ms: min * 60_000.0,
            ads_rendered: ads,
            ads_viewable: ads,
            ..DayRecord::default()
        };
        let mut ledger = Ledger::default();
        ledger.record_mut(d("2026-11-02"), "x").attention_ms = 600_000.0; // Monday
        ledger
            .record_mut(d("2026-11-02"), "x")
            .hours
            .add(9, 600_000.0);
        *ledger.record_mut(d("2026-11-04"), "x") = rec(5.0, 2);
        *ledger.record_mut(d("2026-11-04"), "reddit") = rec(3.0, 1);
        *ledger.record_mut(d("2026-11-09"), "x") = rec(1.0, 0);
        *ledger.record_mut(d("2026-11-16"), "x") = rec(7.0, 0);
        let c = ledger.compact(d("2026-11-16"), crate::calendar::Weekday::Monday);
        assert_eq!(
            c,
            Compaction {
                removed: vec![d("2026-11-04")],
                changed: vec![d("2026-11-02"), d("2026-11-09")]
            }
        );
        let week = ledger.record(d("2026-11-02"), "x");
        assert_eq!(
            (week.attention_ms, week.ads_rendered, week.merged_days),
            (900_000.0, 2, 2)
        );
        assert!(week.hours.is_empty() && week.plausible());
        assert_eq!(ledger.record(d("2026-11-02"), "reddit").merged_days, 1);
        assert_eq!(ledger.record(d("2026-11-09"), "x").merged_days, 1);
        assert_eq!(
            ledger.record(d("2026-11-16"), "x").merged_days,
            0,
            "recent days keep their detail"
        );
        assert_eq!(ledger.oldest_detail(), Some(d("2026-11-16")));
        // Compacting again changes nothing; totals are never lost.
        let total = |l: &Ledger| l.rows().map(|(_, _, r)| r.attention_ms).sum::<f64>();
        let before = total(&ledger);
        assert_eq!(
            ledger.compact(d("2026-11-16"), crate::calendar::Weekday::Monday),
            Compaction::default()
        );
        assert_eq!(total(&ledger), before);
        // A week of full days is plausible merged, not as one day.
        let full = DayRecord {
            attention_ms: 7.0 * 86_400_000.0,
            merged_days: 7,
            ..DayRecord::default()
        };
        assert!(
            full.plausible()
                && !DayRecord {
                    merged_days: 0,
                    ..full
                }
                .plausible()
        );
    }

    #[test]
    fn implausible_records_are_told_apart() {
        let ok = DayRecord {
            attention_ms: 3_600_000.0,
            useful_ms: 60_000.0,
            ads_rendered: 2,
            ads_viewable: 1,
            ..DayRecord::default()
        };
        assert!(ok.plausible());
        for bad in [
            DayRecord {
                attention_ms: -5.0,
                ..ok
            },
            DayRecord {
                attention_ms: 90_000_000.0,
                ..ok
            },
            DayRecord {
                attention_ms: f64::NAN,
                ..ok
            },
            DayRecord {
                useful_ms: 4_000_000.0,
                ..ok
            },
            DayRecord {
                ads_viewable: 3,
                ..ok
            },
        ] {
            assert!(!bad.plausible(), "{bad:?}");
        }
    }

    #[test]
    fn an_ad_viewable_the_day_after_its_render_is_booked_on_that_day() {
        let (day1, day2): (Date, Date) =
            ("2026-11-22".parse().unwrap(), "2026-11-23".parse().unwrap());
        let mut ledger = Ledger::default();
        assert_eq!(ledger.add_ads(day1, "x", 2, 1), vec![day1]);
        // The second ad becomes viewable after midnight: its render moves.
        assert_eq!(ledger.add_ads(day2, "x", 0, 1), vec![day2, day1]);
        let counts = |d| {
            (
                ledger.record(d, "x").ads_rendered,
                ledger.record(d, "x").ads_viewable,
            )
        };
        assert_eq!((counts(day1), counts(day2)), ((1, 1), (1, 1)));
        // A render of day2 not yet viewable covers day2's next viewable.
        let mut ledger = Ledger::default();
        ledger.add_ads(day1, "x", 1, 0);
        ledger.add_ads(day2, "x", 1, 0);
        assert_eq!(ledger.add_ads(day2, "x", 0, 1), vec![day2]);
        assert_eq!(ledger.record(day1, "x").ads_rendered, 1);
        // No earlier render to move (it was on a day no longer kept, or
        // the clock went back): booked rendered here all the same.
        let mut ledger = Ledger::default();
        ledger.add_ads(day2, "x", 1, 0);
        assert_eq!(ledger.add_ads(day1, "x", 0, 1), vec![day1]);
        assert_eq!(ledger.record(day1, "x").ads_rendered, 1);
        // Other sites' renders are never taken.
        let mut ledger = Ledger::default();
        ledger.add_ads(day1, "reddit", 1, 0);
        ledger.add_ads(day2, "x", 0, 1);
        assert_eq!(ledger.record(day1, "reddit").ads_rendered, 1);
        for (_, _, rec) in ledger.rows() {
            assert!(rec.plausible(), "{rec:?}");
        }
    }

    #[test]
    fn ads_a_day_stop_at_the_bound_import_accepts() {
        let day: Date = "2026-11-22".parse().unwrap();
        let mut ledger = Ledger::default();
        ledger.add_ads(day, "x", MAX_ADS_PER_DAY - 1, 0);
        ledger.add_ads(day, "x", 5, 0);
        ledger.add_ads(day, "x", u64::MAX, u64::MAX);
        let rec = ledger.record(day, "x");
        assert_eq!(
            (rec.ads_rendered, rec.ads_viewable),
            (MAX_ADS_PER_DAY, MAX_ADS_PER_DAY)
        );
        assert!(rec.plausible());
        assert!(!DayRecord {
            ads_rendered: MAX_ADS_PER_DAY + 1,
            ..rec
        }
        .plausible());
    }

    #[test]
    fn the_goal_cards_choices_are_counted_bounded_and_merged() {
        use crate::tracker::GoalChoice;
        let d = |s: &str| -> Date { s.parse().unwrap() };
        let mut g = GoalChoices::default();
        g.add(GoalChoice::Continue);
        g.add(GoalChoice::Continue);
        g.add(GoalChoice::Leave);
        assert_eq!((g.continued, g.week, g.left), (2, 0, 1));
        let rec = DayRecord {
            goal: GoalChoices {
                left: MAX_GOAL_CHOICES_PER_DAY,
                ..g
            },
            ..DayRecord::default()
        };
        assert!(rec.plausible());
        let mut over = rec;
        over.goal.add(GoalChoice::Leave);
        assert_eq!(
            over.goal.left, MAX_GOAL_CHOICES_PER_DAY,
            "stops at the bound"
        );
        over.goal.left += 1;
        assert!(!over.plausible());
        // A week's days merged keep their choices.
        let mut ledger = Ledger::default();
        for day in ["2026-11-02", "2026-11-03"] {
            ledger.record_mut(d(day), "x").attention_ms = 1000.0;
            ledger.record_mut(d(day), "x").goal.add(GoalChoice::Week);
        }
        ledger.compact(d("2026-11-16"), crate::calendar::Weekday::Monday);
        assert_eq!(ledger.record(d("2026-11-02"), "x").goal.week, 2);
    }
}
