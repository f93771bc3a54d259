//! Looking back: totals over a span of days, per platform and per day, the
//! week against the one before, and when attention was given most. Pure:
//! the popup and the weekly summary page render what these return.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::calendar::{Date, Weekday};
use crate::ledger::{DayRecord, GoalChoices, Ledger};
use crate::prompt::Reasons;
use crate::store::TakeRow;
use crate::valuation::{self, Region};

/// What prices the take: the person's region and own CPMs.
#[derive(Debug, Clone, Copy)]
pub struct Pricing<'a> {
    pub region: Region,
    pub overrides: &'a BTreeMap<String, f64>,
    /// The added sites whose ads the person's own rules count.
    pub ruled: &'a BTreeSet<String>,
}

impl Pricing<'_> {
    fn take(&self, ads: u64, site: &str) -> Option<valuation::Estimate> {
        valuation::take(ads, site, self.region, self.overrides.get(site).copied())
    }

    /// Whether ads are counted on `site` (none shown where they are not).
    fn ads_counted(&self, site: &str) -> bool {
        crate::sites::ads_counted(site) || self.ruled.contains(site)
    }
}

/// The mark beside a take priced at the person's own CPM, wherever it is
/// shown (the pill, the popup, the summary), with a legend saying so.
pub const OWN_CPM_MARK: &str = "*";

/// Sums over some days and sites.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub attention_s: f64,
    pub useful_s: f64,
    /// Attention not marked useful: the time sold.
    pub sold_s: f64,
    pub ads_viewable: u64,
    pub ads_rendered: u64,
    /// The platforms' take in USD; none when no site had a CPM.
    pub take: Option<TakeRow>,
    /// Some of that take is priced at the person's own CPM: the page
    /// marks it as theirs.
    #[serde(default)]
    pub own_cpm: bool,
    pub reasons: Reasons,
}

impl Totals {
    fn add_record(&mut self, rec: &DayRecord) {
        self.attention_s += rec.attention_ms / 1000.0;
        self.useful_s += rec.useful_ms.min(rec.attention_ms) / 1000.0;
        self.sold_s = (self.attention_s - self.useful_s).max(0.0);
        self.ads_viewable = self.ads_viewable.saturating_add(rec.ads_viewable);
        self.ads_rendered = self.ads_rendered.saturating_add(rec.ads_rendered);
        let r = &mut self.reasons;
        r.learned += rec.reasons.learned;
        r.work += rec.reasons.work;
        r.people += rec.reasons.people;
        r.reach += rec.reasons.reach;
    }

    fn add_take(&mut self, take: &TakeRow) {
        let t = self.take.get_or_insert(TakeRow {
            low: 0.0,
            typical: 0.0,
            high: 0.0,
        });
        t.low += take.low;
        t.typical += take.typical;
        t.high += take.high;
    }

    fn add(&mut self, other: &Totals) {
        self.attention_s += other.attention_s;
        self.useful_s += other.useful_s;
        self.sold_s += other.sold_s;
        self.ads_viewable = self.ads_viewable.saturating_add(other.ads_viewable);
        self.ads_rendered = self.ads_rendered.saturating_add(other.ads_rendered);
        if let Some(t) = &other.take {
            self.add_take(t);
        }
        self.own_cpm |= other.own_cpm;
        let (r, o) = (&mut self.reasons, &other.reasons);
        r.learned += o.learned;
        r.work += o.work;
        r.people += o.people;
        r.reach += o.reach;
    }
}

/// What an hour of the person's attention was worth to a platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HourValue {
    /// USD per hour, typical.
    pub usd: f64,
    /// From the ads counted (take ÷ hours); else from revenue per user.
    pub from_ads: bool,
    pub source: String,
}

/// One platform over the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteTotals {
    pub site: String,
    pub totals: Totals,
    /// Ads are counted there (else none is shown, not "0").
    pub ads_counted: bool,
    pub take_source: Option<String>,
    pub hour_value: Option<HourValue>,
}

/// One day of the chart: attention per platform, seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayBar {
    pub date: Date,
    pub weekday: Weekday,
    pub sites: Vec<(String, f64)>,
    pub total_s: f64,
}

/// A span of days, `from` to `to` inclusive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Period {
    pub from: Date,
    pub to: Date,
    pub days: Vec<DayBar>,
    /// Platforms with any attention or ads, most attention first.
    pub sites: Vec<SiteTotals>,
    pub totals: Totals,
    /// Attention per local hour of the day over the period, seconds.
    pub hours: Vec<f64>,
}

impl Period {
    /// Sums `ledger` over `from..=to`.
    ///
    /// ```text
    /// 11-20 x 600 s, 11-22 x 300 s + reddit 60 s; from 11-20 to 11-22
    ///   -> days [11-20: 600, 11-21: 0, 11-22: 360], x 900 s, reddit 60 s
    /// ```
    pub fn of(ledger: &Ledger, from: Date, to: Date, pricing: Pricing<'_>) -> Period {
        let mut days = Vec::new();
        let mut sites: BTreeMap<String, Totals> = BTreeMap::new();
        let mut hours = vec![0.0; 24];
        let mut date = from;
        while date <= to {
            let mut bar = DayBar {
                date,
                weekday: date.weekday(),
                sites: Vec::new(),
                total_s: 0.0,
            };
            for (site, rec) in ledger.day(date).into_iter().flatten() {
                sites.entry(site.clone()).or_default().add_record(rec);
                for (h, ms) in rec.hours.0.iter().enumerate() {
                    hours[h] += f64::from(*ms) / 1000.0;
                }
                if rec.attention_ms > 0.0 {
                    bar.sites.push((site.clone(), rec.attention_ms / 1000.0));
                    bar.total_s += rec.attention_ms / 1000.0;
                }
            }
            days.push(bar);
            date = date.succ();
        }
        let mut totals = Totals::default();
        let mut list: Vec<SiteTotals> = sites
            .into_iter()
            .filter(|(_, t)| t.attention_s > 0.0 || t.ads_rendered > 0)
            .map(|(site, mut t)| {
                let take = pricing.take(t.ads_viewable, &site);
                if let Some(e) = &take {
                    t.add_take(&TakeRow {
                        low: e.low,
                        typical: e.typical,
                        high: e.high,
                    });
                    t.own_cpm = e.override_used;
                }
                let hour_value = hour_value(&site, &t, take.as_ref(), pricing.region);
                totals.add(&t);
                SiteTotals {
                    take_source: take.map(|e| e.source),
                    ads_counted: pricing.ads_counted(&site),
                    site,
                    totals: t,
                    hour_value,
                }
            })
            .collect();
        list.sort_by(|a, b| {
            b.totals
                .attention_s
                .total_cmp(&a.totals.attention_s)
                .then_with(|| a.site.cmp(&b.site))
        });
        Period {
            from,
            to,
            days,
            sites: list,
            totals,
            hours,
        }
    }

    /// The day with the most attention, if any was given.
    pub fn busiest_day(&self) -> Option<&DayBar> {
        self.days.iter().filter(|d| d.total_s > 0.0).max_by(|a, b| {
            a.total_s
                .total_cmp(&b.total_s)
                .then_with(|| b.date.cmp(&a.date))
        })
    }

    /// The local hour (0–23) with the most attention, if any was given.
    pub fn busiest_hour(&self) -> Option<u8> {
        let (hour, secs) = self
            .hours
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1).then_with(|| b.0.cmp(&a.0)))?;
        (*secs > 0.0).then_some(hour as u8)
    }
}

/// "Your hour was worth ≈ $X to them": the take per hour of attention
/// when ads were counted, else the platform's revenue per user-hour.
///
/// ```text
/// 2 h on facebook, take typical $0.91 -> $0.455 / h, from ads
/// 1 h on snapchat, no ads counted     -> ARPU ÷ hours a year, not from ads
/// ```
fn hour_value(
    site: &str,
    t: &Totals,
    take: Option<&valuation::Estimate>,
    region: Region,
) -> Option<HourValue> {
    let hours = t.attention_s / 3600.0;
    if let Some(e) = take.filter(|_| t.ads_viewable > 0 && hours >= 1.0 / 60.0) {
        return Some(HourValue {
            usd: e.typical / hours,
            from_ads: true,
            source: e.source.clone(),
        });
    }
    valuation::per_hour(site, region).map(|e| HourValue {
        usd: e.typical,
        from_ads: false,
        source: e.source,
    })
}

/// The toolbar popup: today, this week by day, and the same days of the
/// week before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Popup {
    pub today: Period,
    pub week: Period,
    /// The same weekdays of last week, up to today's.
    pub last_week_same_days: Totals,
    /// Attention this week against those days: +0.25 is 25 % more.
    pub change: Option<f64>,
    pub goal_minutes: u32,
    pub week_start: Weekday,
    /// What the person must know about their stored data (set-aside
    /// values, a newer schema); filled in by the tracker.
    #[serde(default)]
    pub notices: Vec<Notice>,
    /// The newest useful finds, newest first; filled in by the tracker.
    #[serde(default)]
    pub finds: Vec<crate::finds::Find>,
    /// How many finds are kept in all.
    #[serde(default)]
    pub finds_total: usize,
}

/// Something about the store the popup tells the person.
///
/// The views the pages read are externally tagged (`{"newer_schema":
/// {"found": 2}}`), never `tag = "…"`: serde reads an internally tagged
/// enum through its buffering `Content`, which cost the popup's module
/// 7 KB of its 80 KB (gzip).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notice {
    /// Stored values that could not be read were set aside under
    /// `quarantine:` keys; counting went on without them.
    Quarantined { keys: Vec<String> },
    /// The store is from a newer Thaman: left untouched, nothing counted.
    NewerSchema { found: u32 },
    /// Storage was full: days up to `through` were merged into weekly
    /// totals (their hour-by-hour detail is gone, their totals are kept).
    Compacted { through: Date },
    /// The oldest useful finds were dropped to stay under the cap.
    FindsDropped { count: usize, cap: u32 },
    /// The browser refused to save, again and again: what was counted
    /// since is kept in memory and tried again, but may be lost.
    WriteRefused,
}

impl Popup {
    pub fn of(
        ledger: &Ledger,
        today: Date,
        week_start: Weekday,
        goal_minutes: u32,
        pricing: Pricing<'_>,
    ) -> Popup {
        let from = today.week_start(week_start);
        let week = Period::of(ledger, from, from.add_days(6), pricing);
        let last = Period::of(ledger, from.add_days(-7), today.add_days(-7), pricing).totals;
        let this: f64 = week
            .days
            .iter()
            .filter(|d| d.date <= today)
            .map(|d| d.total_s)
            .sum();
        Popup {
            today: Period::of(ledger, today, today, pricing),
            change: change(this, last.attention_s),
            last_week_same_days: last,
            week,
            goal_minutes,
            week_start,
            notices: Vec::new(),
            finds: Vec::new(),
            finds_total: 0,
        }
    }
}

/// The relative change from `before` to `now`, none from nothing.
///
/// ```text
/// (150, 100) -> +0.5    (50, 100) -> -0.5    (10, 0) -> none
/// ```
pub fn change(now: f64, before: f64) -> Option<f64> {
    (before >= 1.0).then(|| (now - before) / before)
}

/// How a number moved since the week before.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Nothing either week.
    Nothing,
    /// Nothing the week before, something now: it reads "new", never
    /// "+∞ %".
    New,
    /// The relative change: +0.25 is 25 % more, −1 is all gone.
    By { share: f64 },
}

impl Change {
    /// `now` against `before`, where an amount under `least` (what reads
    /// as nothing: a minute, an ad, a tenth of a cent) counts as none.
    ///
    /// ```text
    /// (150, 100, 1) -> By +0.5    (0, 100, 1) -> By -1
    /// (10, 0, 1)    -> New        (0.5, 0, 1) -> Nothing
    /// ```
    pub fn of(now: f64, before: f64, least: f64) -> Change {
        match (now >= least, before >= least) {
            (_, true) => Change::By {
                share: (now - before) / before,
            },
            (true, false) => Change::New,
            (false, false) => Change::Nothing,
        }
    }
}

/// One number this week and the week before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Compared {
    pub now: f64,
    pub before: f64,
    pub change: Change,
}

impl Compared {
    fn of(now: f64, before: f64, least: f64) -> Compared {
        Compared {
            now,
            before,
            change: Change::of(now, before, least),
        }
    }
}

/// Less than a minute of attention, or a tenth of a cent, reads as none.
const LEAST_SECONDS: f64 = 60.0;
const LEAST_USD: f64 = 0.001;

/// Time given, time sold, viewable ads and the take, against the week
/// before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Moves {
    /// Seconds.
    pub attention: Compared,
    /// Seconds.
    pub sold: Compared,
    pub ads: Compared,
    /// USD; none when neither week's take could be estimated.
    pub take: Option<Compared>,
    /// A take here is priced at the person's own CPM.
    pub own_cpm: bool,
}

impl Moves {
    /// ```text
    /// now 600 s / 4 ads, before nothing -> attention New, ads New
    /// now 300 s, before 600 s           -> attention By -0.5
    /// ```
    pub fn of(now: &Totals, before: &Totals) -> Moves {
        // A row: which number of the totals, and what amount reads as none.
        let row =
            |number: fn(&Totals) -> f64, least| Compared::of(number(now), number(before), least);
        Moves {
            attention: row(|t| t.attention_s, LEAST_SECONDS),
            sold: row(|t| t.sold_s, LEAST_SECONDS),
            ads: row(|t| t.ads_viewable as f64, 1.0),
            take: (now.take.is_some() || before.take.is_some())
                .then(|| row(|t| t.take.as_ref().map_or(0.0, |v| v.typical), LEAST_USD)),
            own_cpm: now.own_cpm || before.own_cpm,
        }
    }
}

/// One platform's moves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteMoves {
    pub site: String,
    pub moves: Moves,
    /// Ads are counted there (else their move is not shown).
    pub ads_counted: bool,
}

/// A week against the one before: per platform, then all together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The platforms of this week, most attention first, then those only
    /// the week before had.
    pub sites: Vec<SiteMoves>,
    pub total: Moves,
}

impl Comparison {
    /// ```text
    /// now: x 900 s; before: x 600 s, reddit 60 s
    ///   -> x By +0.5, reddit By -1 (gone), total By +0.364
    /// ```
    pub fn of(now: &Period, before: &Period) -> Comparison {
        let none = Totals::default();
        let find = |p: &'_ Period, site: &str| {
            p.sites
                .iter()
                .find(|s| s.site == site)
                .map(|s| s.totals.clone())
                .unwrap_or_else(|| none.clone())
        };
        let gone = before
            .sites
            .iter()
            .filter(|b| !now.sites.iter().any(|n| n.site == b.site));
        let sites = now
            .sites
            .iter()
            .map(|n| SiteMoves {
                site: n.site.clone(),
                moves: Moves::of(&n.totals, &find(before, &n.site)),
                ads_counted: n.ads_counted,
            })
            .chain(gone.map(|b| SiteMoves {
                site: b.site.clone(),
                moves: Moves::of(&none, &b.totals),
                ads_counted: b.ads_counted,
            }))
            .collect();
        Comparison {
            sites,
            total: Moves::of(&now.totals, &before.totals),
        }
    }
}

/// How a span of days is written: a lone day as itself ("23 November",
/// never "23 November – 23 November"), a longer span as a range whose
/// ends name their years only when those differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateSpan {
    Day { date: Date },
    Range { from: Date, to: Date, years: bool },
}

impl DateSpan {
    /// ```text
    /// 11-23..11-23 -> Day 11-23
    /// 11-28..12-04 -> Range, no years    12-28..01-03 -> Range, years
    /// ```
    pub fn of(from: Date, to: Date) -> DateSpan {
        if from >= to {
            DateSpan::Day { date: from }
        } else {
            DateSpan::Range {
                from,
                to,
                years: from.year != to.year,
            }
        }
    }
}

/// What a number on the summary was estimated from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// Published ad prices per thousand views.
    Cpm,
    /// The platform's reported revenue per user.
    Arpu,
    /// Surveys of hours of use a year.
    Hours,
    /// The price per thousand ads the person set.
    Own,
}

/// One source behind a platform's numbers: what it is, its year, and the
/// citation as published (English, with its links; empty for the
/// person's own price).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub site: String,
    pub kind: SourceKind,
    pub year: u16,
    pub citation: String,
}

/// The sources behind `periods`' takes and hour values, per platform in
/// the order first shown, each once.
///
/// ```text
/// facebook with ads (US)    -> [facebook Cpm 2025]
/// reddit, no CPM in table   -> [reddit Arpu 2025, reddit Hours 2024]
/// facebook at own CPM $10   -> [facebook Own]
/// ```
pub fn sources(periods: &[&Period], pricing: Pricing<'_>) -> Vec<Source> {
    let mut out: Vec<Source> = Vec::new();
    for s in periods.iter().flat_map(|p| &p.sites) {
        let mut add = |kind, year, citation: &str| {
            let source = Source {
                site: s.site.clone(),
                kind,
                year,
                citation: citation.to_string(),
            };
            if !out.contains(&source) {
                out.push(source);
            }
        };
        if s.totals.take.is_some() {
            let own = pricing.overrides.get(&s.site).copied();
            match valuation::cpm(&s.site, pricing.region, own) {
                Some(c) if c.year == 0 => add(SourceKind::Own, 0, ""),
                Some(c) => add(SourceKind::Cpm, c.year, c.source),
                None => {}
            }
        }
        if s.hour_value.as_ref().is_some_and(|h| !h.from_ads) {
            if let Some((arpu, hours)) = valuation::revenue_sources(&s.site, pricing.region) {
                add(SourceKind::Arpu, arpu.year, arpu.source);
                add(SourceKind::Hours, hours.year, hours.source);
            }
        }
    }
    out
}

/// A piece of a citation as published: its words, or a link in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Link(&'a str),
}

/// A citation cut into its works (`a | b` cites two) and each work into
/// words and links, so the page can fold the links away and make them
/// links; the punctuation closing a link stays text.
///
/// ```text
/// "Meta, 10-K, https://x.org/a); Zacks | B, http://y.com"
///   -> [[Text "Meta, 10-K, ", Link "https://x.org/a", Text ");"... ],
///       [Text "B, ", Link "http://y.com"]]
/// ```
pub fn citation_pieces(citation: &str) -> Vec<Vec<Piece<'_>>> {
    citation
        .split(" | ")
        .map(str::trim)
        .filter(|work| !work.is_empty())
        .map(|work| {
            let mut pieces = Vec::new();
            let mut rest = work;
            let next = |r: &str| {
                [r.find("https://"), r.find("http://")]
                    .into_iter()
                    .flatten()
                    .min()
            };
            while let Some(at) = next(rest) {
                if at > 0 {
                    pieces.push(Piece::Text(&rest[..at]));
                }
                let end = rest[at..]
                    .find(char::is_whitespace)
                    .map_or(rest.len(), |e| at + e);
                let link = rest[at..end].trim_end_matches(['.', ',', ';', ':', ')', '\'', '"']);
                pieces.push(Piece::Link(link));
                rest = &rest[at + link.len()..];
            }
            if !rest.is_empty() {
                pieces.push(Piece::Text(rest));
            }
            pieces
        })
        .collect()
}

/// The weekly summary page: the last complete week against the one before,
/// and the current week to date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weekly {
    pub last: Period,
    pub before: Period,
    pub current: Period,
    /// The last week against the one before, per platform.
    pub compared: Comparison,
    /// What the takes and hour values shown were estimated from.
    pub sources: Vec<Source>,
    pub week_start: Weekday,
    /// Every useful find, newest first; filled in by the tracker.
    #[serde(default)]
    pub finds: Vec<crate::finds::Find>,
    /// The choices on the goal card, the last week and this one.
    #[serde(default)]
    pub goal: GoalWeeks,
}

/// The choices made on the price card past the daily goal, per week: does
/// the card help?
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct GoalWeeks {
    pub last: GoalChoices,
    pub current: GoalChoices,
}

/// The goal card's choices on every site from `from` to `to`, together.
///
/// ```text
/// 11-23 x {continued 2}, 11-24 reddit {continued 1, left 1} -> {continued 3, left 1}
/// a day outside from..=to                                   -> not counted
/// ```
pub fn goal_choices(ledger: &Ledger, from: Date, to: Date) -> GoalChoices {
    let mut all = GoalChoices::default();
    for (_, _, rec) in ledger
        .rows()
        .filter(|(date, _, _)| (from..=to).contains(date))
    {
        all.continued = all.continued.saturating_add(rec.goal.continued);
        all.week = all.week.saturating_add(rec.goal.week);
        all.left = all.left.saturating_add(rec.goal.left);
    }
    all
}

impl Weekly {
    pub fn of(ledger: &Ledger, today: Date, week_start: Weekday, pricing: Pricing<'_>) -> Weekly {
        let this = today.week_start(week_start);
        let from = this.add_days(-7);
        let last = Period::of(ledger, from, this.add_days(-1), pricing);
        let before = Period::of(ledger, from.add_days(-7), from.add_days(-1), pricing);
        let current = Period::of(ledger, this, today, pricing);
        Weekly {
            compared: Comparison::of(&last, &before),
            sources: sources(&[&last, &current, &before], pricing),
            last,
            before,
            current,
            week_start,
            finds: Vec::new(),
            goal: GoalWeeks {
                last: goal_choices(ledger, from, this.add_days(-1)),
                current: goal_choices(ledger, this, today),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attention::Span;
    use crate::calendar::{Calendar, FixedZone, Zone};

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn ledger(rows: &[(&str, &str, f64, f64, u64)]) -> Ledger {
        let mut l = Ledger::default();
        for (date, site, attention, useful, ads) in rows {
            let rec = l.record_mut(d(date), site);
            rec.attention_ms = attention * 1000.0;
            rec.useful_ms = useful * 1000.0;
            rec.ads_viewable = *ads;
            rec.ads_rendered = *ads;
        }
        l
    }

    const NONE: &BTreeMap<String, f64> = &BTreeMap::new();
    const US: Pricing<'static> = Pricing {
        region: Region::UsCanada,
        overrides: NONE,
        ruled: NO_SITES,
    };
    const NO_SITES: &BTreeSet<String> = &BTreeSet::new();

    #[test]
    fn a_period_sums_days_and_sites_with_missing_days() {
        let l = ledger(&[
            ("2026-11-20", "x", 600.0, 60.0, 0),
            ("2026-11-22", "x", 300.0, 0.0, 0),
            ("2026-11-22", "reddit", 60.0, 0.0, 0),
        ]);
        let p = Period::of(&l, d("2026-11-20"), d("2026-11-22"), US);
        let totals: Vec<f64> = p.days.iter().map(|b| b.total_s).collect();
        assert_eq!(totals, vec![600.0, 0.0, 360.0]);
        assert_eq!(
            p.sites
                .iter()
                .map(|s| (s.site.as_str(), s.totals.attention_s))
                .collect::<Vec<_>>(),
            vec![("x", 900.0), ("reddit", 60.0)]
        );
        assert_eq!(p.totals.attention_s, 960.0);
        assert_eq!(p.totals.useful_s, 60.0);
        assert_eq!(p.totals.sold_s, 900.0);
        assert_eq!(p.busiest_day().map(|b| b.date), Some(d("2026-11-20")));
        assert_eq!(
            Period::of(&Ledger::default(), d("2026-11-20"), d("2026-11-22"), US).busiest_day(),
            None
        );
    }

    #[test]
    fn take_and_hour_value_use_the_sites_rates() {
        // 2 h on facebook with 40 viewable ads, in the US.
        let l = ledger(&[("2026-11-20", "facebook", 7200.0, 0.0, 40)]);
        let p = Period::of(&l, d("2026-11-20"), d("2026-11-20"), US);
        let fb = &p.sites[0];
        let take = fb.totals.take.clone().unwrap();
        let expected = valuation::take(40, "facebook", Region::UsCanada, None).unwrap();
        assert_eq!(take.typical, expected.typical);
        assert_eq!(p.totals.take, Some(take.clone()));
        let hv = fb.hour_value.clone().unwrap();
        assert!(hv.from_ads);
        assert!((hv.usd - take.typical / 2.0).abs() < 1e-9);
        // An own CPM wins.
        let own = BTreeMap::from([("facebook".to_string(), 10.0)]);
        let p = Period::of(
            &l,
            d("2026-11-20"),
            d("2026-11-20"),
            Pricing {
                region: Region::UsCanada,
                overrides: &own,
                ruled: NO_SITES,
            },
        );
        assert!((p.totals.take.unwrap().typical - 0.4).abs() < 1e-9);
    }

    #[test]
    fn weeks_start_where_asked_and_span_the_year_boundary() {
        // Friday 2027-01-01; Sunday weeks begin 2026-12-27.
        let l = ledger(&[
            ("2026-12-27", "x", 100.0, 0.0, 0),
            ("2027-01-01", "x", 50.0, 0.0, 0),
            ("2026-12-26", "x", 999.0, 0.0, 0),
        ]);
        let popup = Popup::of(&l, d("2027-01-01"), Weekday::Sunday, 0, US);
        assert_eq!(popup.week.from, d("2026-12-27"));
        assert_eq!(popup.week.to, d("2027-01-02"));
        assert_eq!(popup.week.days.len(), 7);
        assert_eq!(popup.week.totals.attention_s, 150.0);
        // Saturday weeks: 2026-12-26 opens the week.
        let popup = Popup::of(&l, d("2027-01-01"), Weekday::Saturday, 0, US);
        assert_eq!(popup.week.from, d("2026-12-26"));
        assert_eq!(popup.week.totals.attention_s, 1149.0);
        assert_eq!(popup.today.totals.attention_s, 50.0);
    }

    #[test]
    fn the_change_compares_the_same_days_of_last_week() {
        // Monday weeks; today Wednesday 2026-11-25.
        let l = ledger(&[
            ("2026-11-16", "x", 100.0, 0.0, 0),
            ("2026-11-18", "x", 100.0, 0.0, 0),
            ("2026-11-19", "x", 5000.0, 0.0, 0), // Thursday last week: not compared yet
            ("2026-11-23", "x", 150.0, 0.0, 0),
            ("2026-11-25", "x", 150.0, 0.0, 0),
        ]);
        let popup = Popup::of(&l, d("2026-11-25"), Weekday::Monday, 0, US);
        assert_eq!(popup.last_week_same_days.attention_s, 200.0);
        assert_eq!(popup.change, Some(0.5));
        assert_eq!(change(10.0, 0.0), None);
        assert_eq!(change(50.0, 100.0), Some(-0.5));
    }

    #[test]
    fn weekly_has_last_complete_week_the_one_before_and_this_week_to_date() {
        let l = ledger(&[
            ("2026-11-10", "x", 10.0, 0.0, 0),
            ("2026-11-17", "x", 20.0, 0.0, 0),
            ("2026-11-23", "x", 30.0, 0.0, 0),
        ]);
        let w = Weekly::of(&l, d("2026-11-23"), Weekday::Monday, US);
        assert_eq!((w.last.from, w.last.to), (d("2026-11-16"), d("2026-11-22")));
        assert_eq!(
            (w.before.from, w.before.to),
            (d("2026-11-09"), d("2026-11-15"))
        );
        assert_eq!(
            (w.current.from, w.current.to),
            (d("2026-11-23"), d("2026-11-23"))
        );
        assert_eq!(
            [
                w.before.totals.attention_s,
                w.last.totals.attention_s,
                w.current.totals.attention_s
            ],
            [10.0, 20.0, 30.0]
        );
    }

    #[test]
    fn a_change_from_nothing_is_new_and_nothing_to_nothing_is_no_change() {
        assert_eq!(Change::of(150.0, 100.0, 1.0), Change::By { share: 0.5 });
        assert_eq!(Change::of(0.0, 100.0, 1.0), Change::By { share: -1.0 });
        assert_eq!(Change::of(10.0, 0.0, 1.0), Change::New);
        assert_eq!(Change::of(0.5, 0.0, 1.0), Change::Nothing);
        // Half a minute the week before reads as nothing, not "+3900 %".
        assert_eq!(Change::of(1200.0, 30.0, LEAST_SECONDS), Change::New);
    }

    #[test]
    fn the_week_against_the_one_before_per_platform() {
        // Monday weeks; today Monday 2026-11-23: last week 11-16..22,
        // the one before 11-09..15.
        let l = ledger(&[
            ("2026-11-10", "facebook", 3600.0, 600.0, 20),
            ("2026-11-11", "reddit", 600.0, 0.0, 0),
            ("2026-11-17", "facebook", 5400.0, 600.0, 30),
            ("2026-11-18", "youtube", 1800.0, 0.0, 6),
        ]);
        let own = BTreeMap::from([("youtube".to_string(), 10.0)]);
        let pricing = Pricing {
            region: Region::UsCanada,
            overrides: &own,
            ruled: NO_SITES,
        };
        let w = Weekly::of(&l, d("2026-11-23"), Weekday::Monday, pricing);
        let c = &w.compared;
        let sites: Vec<&str> = c.sites.iter().map(|s| s.site.as_str()).collect();
        assert_eq!(
            sites,
            ["facebook", "youtube", "reddit"],
            "this week's, then gone"
        );
        let fb = &c.sites[0].moves;
        assert_eq!(fb.attention.change, Change::By { share: 0.5 });
        assert_eq!((fb.sold.now, fb.sold.before), (4800.0, 3000.0));
        assert_eq!(fb.sold.change, Change::By { share: 0.6 });
        assert_eq!(fb.ads.change, Change::By { share: 0.5 });
        let take = fb.take.as_ref().unwrap();
        assert!(matches!(take.change, Change::By { share } if (share - 0.5).abs() < 1e-9));
        assert!(!fb.own_cpm);
        let yt = &c.sites[1].moves;
        assert_eq!(yt.attention.change, Change::New);
        assert_eq!(yt.ads.change, Change::New);
        assert_eq!(yt.take.as_ref().unwrap().change, Change::New);
        assert!(yt.own_cpm, "priced at the person's own CPM");
        let reddit = &c.sites[2].moves;
        assert_eq!(reddit.attention.change, Change::By { share: -1.0 });
        assert_eq!(reddit.ads.change, Change::Nothing);
        assert_eq!(reddit.take, None, "no CPM either week");
        assert_eq!(c.total.attention.now, 7200.0);
        assert_eq!(c.total.attention.before, 4200.0);
        assert!(c.total.own_cpm);
        assert!(w.last.totals.own_cpm && !w.before.totals.own_cpm);
    }

    #[test]
    fn the_sources_behind_the_numbers_once_each_with_their_years() {
        let l = ledger(&[
            ("2026-11-17", "facebook", 5400.0, 0.0, 30),
            ("2026-11-18", "reddit", 1800.0, 0.0, 0),
            ("2026-11-23", "facebook", 600.0, 0.0, 3),
        ]);
        let w = Weekly::of(&l, d("2026-11-23"), Weekday::Monday, US);
        let kinds: Vec<(&str, SourceKind)> = w
            .sources
            .iter()
            .map(|s| (s.site.as_str(), s.kind))
            .collect();
        assert_eq!(
            kinds,
            [
                ("facebook", SourceKind::Cpm),
                ("reddit", SourceKind::Arpu),
                ("reddit", SourceKind::Hours),
            ]
        );
        let cpm = valuation::cpm("facebook", Region::UsCanada, None).unwrap();
        assert_eq!(w.sources[0].year, cpm.year);
        assert_eq!(w.sources[0].citation, cpm.source);
        assert!(w.sources.iter().all(|s| s.year >= 2015));
        let own = BTreeMap::from([("facebook".to_string(), 10.0)]);
        let pricing = Pricing {
            region: Region::UsCanada,
            overrides: &own,
            ruled: NO_SITES,
        };
        let w = Weekly::of(&l, d("2026-11-23"), Weekday::Monday, pricing);
        assert_eq!(w.sources[0].kind, SourceKind::Own);
        assert_eq!(w.sources[0].citation, "");
    }

    #[test]
    fn a_lone_day_is_one_date_and_a_range_names_years_only_across_one() {
        assert_eq!(
            DateSpan::of(d("2026-11-23"), d("2026-11-23")),
            DateSpan::Day {
                date: d("2026-11-23")
            }
        );
        assert_eq!(
            DateSpan::of(d("2026-11-28"), d("2026-12-04")),
            DateSpan::Range {
                from: d("2026-11-28"),
                to: d("2026-12-04"),
                years: false
            }
        );
        assert_eq!(
            DateSpan::of(d("2026-12-28"), d("2027-01-03")),
            DateSpan::Range {
                from: d("2026-12-28"),
                to: d("2027-01-03"),
                years: true
            }
        );
        // This week on its first day is that day alone.
        let w = Weekly::of(&Ledger::default(), d("2026-11-23"), Weekday::Monday, US);
        assert_eq!(
            DateSpan::of(w.current.from, w.current.to),
            DateSpan::Day {
                date: d("2026-11-23")
            }
        );
    }

    #[test]
    fn a_citation_is_cut_into_works_words_and_links() {
        use Piece::{Link, Text};
        assert_eq!(
            citation_pieces("Meta, 10-K (2025), https://x.org/a); see too | B, http://y.com"),
            vec![
                vec![
                    Text("Meta, 10-K (2025), "),
                    Link("https://x.org/a"),
                    Text("); see too")
                ],
                vec![Text("B, "), Link("http://y.com")],
            ]
        );
        assert_eq!(citation_pieces("no link"), vec![vec![Text("no link")]]);
        assert!(citation_pieces("").is_empty());
        // Every source in the table comes apart and back together.
        for (_, c) in valuation::RATES.iter().flat_map(|r| r.cpm) {
            let works = citation_pieces(c.source);
            let joined: Vec<String> = works
                .iter()
                .map(|w| {
                    w.iter()
                        .map(|p| match p {
                            Text(t) | Link(t) => *t,
                        })
                        .collect()
                })
                .collect();
            assert_eq!(joined.join(" | "), c.source.trim());
        }
    }

    /// A zone with DST: UTC+1, UTC+2 from 2026-03-29 01:00Z.
    struct Europe;
    impl Zone for Europe {
        fn offset_minutes(&self, utc_ms: f64) -> i32 {
            if utc_ms >= d("2026-03-29").days() as f64 * 86_400_000.0 + 3_600_000.0 {
                120
            } else {
                60
            }
        }
    }

    #[test]
    fn a_dst_week_counts_wall_time_and_the_busiest_hour() {
        // One hour each evening at 21:00 local across the spring change.
        let mut l = Ledger::default();
        for (day, offset_h) in [
            ("2026-03-28", 1.0),
            ("2026-03-29", 2.0),
            ("2026-03-30", 2.0),
        ] {
            let start = d(day).days() as f64 * 86_400_000.0 + (21.0 - offset_h) * 3_600_000.0;
            l.add_span(
                &Span {
                    site: "x".into(),
                    start,
                    end: start + 3_600_000.0,
                },
                &Calendar::default(),
                &Europe,
            );
        }
        let w = Period::of(&l, d("2026-03-23"), d("2026-03-29"), US);
        assert_eq!(w.totals.attention_s, 7200.0);
        let next = Period::of(&l, d("2026-03-30"), d("2026-04-05"), US);
        assert_eq!(next.totals.attention_s, 3600.0);
        assert_eq!(w.busiest_hour(), Some(21));
        assert_eq!(
            Period::of(&l, d("2026-01-01"), d("2026-01-07"), US).busiest_hour(),
            None
        );
        let _ = FixedZone(0);
    }

    #[test]
    fn the_goal_cards_choices_are_added_up_per_week() {
        let mut l = ledger(&[]);
        l.record_mut(d("2026-11-23"), "x").goal.continued = 2;
        let reddit = &mut l.record_mut(d("2026-11-24"), "reddit").goal;
        reddit.continued = 1;
        reddit.left = 1;
        l.record_mut(d("2026-11-16"), "x").goal.week = 4;
        let got = goal_choices(&l, d("2026-11-23"), d("2026-11-29"));
        assert_eq!((got.continued, got.week, got.left), (3, 0, 1));
        let w = Weekly::of(&l, d("2026-11-25"), Weekday::Monday, US);
        assert_eq!(w.goal.current, got);
        assert_eq!(w.goal.last.week, 4);
    }
}
