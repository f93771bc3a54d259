//! What is kept in `storage.local`, and the export/import contract.
//!
//! Storage layout (schema 1), one key per idea so a write touches little:
//! ```text
//! "schema"          -> 1
//! "settings"        -> Settings
//! "day:2026-11-23"  -> { "<site id>": DayRecord, ... }
//! "run"             -> the open run (or null), saved every few seconds
//! "finds"           -> [Find, ...], the posts marked useful, oldest first
//! "undo_import"     -> UndoImport: the store before the last import, once
//! ```
//! A starting worker reads only what its first answer needs (the keys
//! above but `undo_import`, and the [`recent_days`]); the rest, a year of
//! days for a person who has used Thaman a year, is read when something
//! asks for the whole history.
//! Export (`{type: "export"}`), a contract other tools rely on:
//! ```text
//! {schema, exported_at, settings, days: [{date, site, attention_seconds,
//!  useful_seconds, ads_rendered, ads_viewable}, ...],
//!  finds: [{id, saved_at, date, site, url, author, text}, ...]}
//! ```

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::attention::Run;
use crate::calendar::{Calendar, Date, FixedZone};
pub use crate::ledger::MAX_ADS_PER_DAY;
use crate::ledger::{Day, DayRecord, GoalChoices, Hours, Ledger, MAX_GOAL_CHOICES_PER_DAY};
use crate::prompt::Reasons;
use crate::settings::{Settings, SettingsError};
use crate::sites::valid_site_id;

/// The schema this build writes.
pub const SCHEMA: u32 = 1;
pub const SCHEMA_KEY: &str = "schema";
pub const SETTINGS_KEY: &str = "settings";
pub const RUN_KEY: &str = "run";
/// The first day of the last week the weekly notification told.
pub const TOLD_WEEK_KEY: &str = "told_week";
pub const FINDS_KEY: &str = "finds";
/// The first day kept day by day at the last merge of the days past the
/// retention ([`Tracker::kept_from`](crate::tracker::Tracker::kept_from)).
pub const COMPACTED_KEY: &str = "compacted";
/// The store as it was before the last import ([`UndoImport`]).
pub const UNDO_IMPORT_KEY: &str = "undo_import";
const DAY_PREFIX: &str = "day:";
/// Where an unreadable stored value is set aside, under its old key.
pub const QUARANTINE_PREFIX: &str = "quarantine:";

/// `day:2026-11-23`.
pub fn day_key(date: Date) -> String {
    format!("{DAY_PREFIX}{date}")
}

/// The date of a `day:` key; `None` for other keys or bad dates.
pub fn parse_day_key(key: &str) -> Option<Date> {
    key.strip_prefix(DAY_PREFIX)?.parse().ok()
}

/// The keys a starting worker reads besides its [`recent_days`]. Not the
/// copy kept to undo an import: a whole store of its own, which only the
/// options page asks for.
pub const START_KEYS: [&str; 6] = [
    SCHEMA_KEY,
    SETTINGS_KEY,
    RUN_KEY,
    FINDS_KEY,
    TOLD_WEEK_KEY,
    COMPACTED_KEY,
];

/// Days back from today that a starting worker reads before it answers.
pub const RECENT_DAYS: i64 = 16;

/// The days a starting worker reads before it answers anyone, as UTC
/// dates around `now`: this week and the last (the week's note reads the
/// last; every booking lands today, or yesterday across midnight), with a
/// day's margin each side for any time zone and day start.
///
/// ```text
/// now 2026-12-02T10:00Z -> 2026-11-16 ..= 2026-12-03
/// ```
pub fn recent_days(now: f64) -> RangeInclusive<Date> {
    let today = utc_date(now);
    today.add_days(-RECENT_DAYS)..=today.add_days(1)
}

/// The days a run left open is booked into when recovered (from its start
/// to its last tick), with the same margins; none for a run that books
/// nothing (see [`Run::recover`]).
///
/// ```text
/// run 2026-10-01T23:00Z .. 2026-10-02T01:00Z -> 2026-09-30 ..= 2026-10-03
/// ```
pub fn run_days(run: &Run) -> Option<RangeInclusive<Date>> {
    run.plausible()
        .then(|| utc_date(run.start).add_days(-1)..=utc_date(run.last_tick).add_days(1))
}

/// The `day:` key of every date in `days`.
///
/// ```text
/// 2026-11-30 ..= 2026-12-01 -> ["day:2026-11-30", "day:2026-12-01"]
/// ```
pub fn day_keys(days: &RangeInclusive<Date>) -> Vec<String> {
    let mut keys = Vec::new();
    let mut date = *days.start();
    while date <= *days.end() {
        keys.push(day_key(date));
        date = date.succ();
    }
    keys
}

fn utc_date(ms: f64) -> Date {
    Calendar::default().day_of(ms, &FixedZone(0))
}

/// A record set aside from a stored day: its site id, the value as
/// stored, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct SetAside<V> {
    pub site: String,
    pub value: V,
    pub why: String,
}

/// A stored day sorted record by record: what is kept, what is set aside.
#[derive(Debug, Clone, PartialEq)]
pub struct SortedDay<V> {
    pub day: Day,
    /// By site id. Kept together under `quarantine:day:<date>` as
    /// `{value: {site: value, …}, reason}`.
    pub set_aside: Vec<SetAside<V>>,
}

impl<V> SortedDay<V> {
    /// Why the records were set aside, one site after another.
    ///
    /// ```text
    /// [reddit: "a record no real day could hold", myspace: "unknown site id"]
    ///   -> "myspace: unknown site id; reddit: a record no real day could hold"
    /// ```
    pub fn reason(&self) -> String {
        self.set_aside
            .iter()
            .map(|a| format!("{}: {}", a.site, a.why))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Sorts the records of a stored day (site id -> raw value, read with
/// `decode`): each record Thaman could have written is kept; each other
/// one is set aside on its own, so one implausible record never takes its
/// day's other sites with it.
///
/// ```text
/// {x: {attention_ms: 60000}, reddit: {attention_ms: -5},
///  myspace: {attention_ms: 1}, tiktok: "junk"}
///   -> day {x}, set aside [myspace (unknown site id),
///                          reddit (a record no real day could hold),
///                          tiktok (the decoder's reason)]
/// ```
pub fn sort_day<V>(
    records: impl IntoIterator<Item = (String, V)>,
    decode: impl Fn(&V) -> Result<DayRecord, String>,
) -> SortedDay<V> {
    let mut sorted = SortedDay {
        day: Day::new(),
        set_aside: Vec::new(),
    };
    for (site, value) in records {
        let why = if valid_site_id(&site) {
            match decode(&value) {
                Ok(rec) if rec.plausible() => {
                    sorted.day.insert(site, rec);
                    continue;
                }
                Ok(_) => "a record no real day could hold".to_string(),
                Err(why) => why,
            }
        } else {
            "unknown site id".to_string()
        };
        sorted.set_aside.push(SetAside { site, value, why });
    }
    sorted.set_aside.sort_by(|a, b| a.site.cmp(&b.site));
    sorted
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Export {
    pub schema: u32,
    pub exported_at: String,
    pub settings: Settings,
    pub days: Vec<DayRow>,
    /// Posts marked useful (absent from exports made before they existed).
    #[serde(default)]
    pub finds: Vec<crate::finds::Find>,
}

/// The take of one day × site in USD (absent where the table has no CPM
/// for the site and the person set none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TakeRow {
    pub low: f64,
    pub typical: f64,
    pub high: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayRow {
    pub date: Date,
    pub site: String,
    pub attention_seconds: f64,
    #[serde(default)]
    pub useful_seconds: f64,
    #[serde(default)]
    pub ads_rendered: u64,
    #[serde(default)]
    pub ads_viewable: u64,
    /// Derived from `ads_viewable` on export; ignored on import.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub take: Option<TakeRow>,
    /// Why the time was useful, as the person said when asked.
    #[serde(default)]
    pub reasons: Reasons,
    /// Attention per local hour, ms (omitted when none was recorded).
    #[serde(default, skip_serializing_if = "Hours::is_empty")]
    pub hours: Hours,
    /// Set on a week's totals merged into its first day once older than
    /// the retention: how many days they cover (2–7; 1 for a lone day).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub merged_days: u8,
    /// The choices made on the goal card (omitted when none; absent from
    /// exports made before the card).
    #[serde(default, skip_serializing_if = "GoalChoices::is_empty")]
    pub goal: GoalChoices,
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

impl DayRow {
    pub fn new(date: Date, site: &str, rec: &DayRecord) -> DayRow {
        let secs = |ms: f64| (ms / 1000.0 * 1000.0).round() / 1000.0;
        DayRow {
            date,
            site: site.to_string(),
            attention_seconds: secs(rec.attention_ms),
            useful_seconds: secs(rec.useful_ms),
            ads_rendered: rec.ads_rendered,
            ads_viewable: rec.ads_viewable,
            take: None,
            reasons: rec.reasons,
            hours: rec.hours,
            merged_days: rec.merged_days,
            goal: rec.goal,
        }
    }

    fn record(&self) -> DayRecord {
        DayRecord {
            attention_ms: self.attention_seconds * 1000.0,
            useful_ms: self.useful_seconds * 1000.0,
            ads_rendered: self.ads_rendered,
            ads_viewable: self.ads_viewable,
            reasons: self.reasons,
            prompts: 0,
            goal: self.goal,
            hours: self.hours,
            merged_days: self.merged_days,
        }
    }
}

/// Why an import was refused. Nothing is changed when it is.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ImportError {
    #[error("not a Thaman export: {0}")]
    Malformed(String),
    #[error("export schema {found} is newer than this version understands ({SCHEMA}); update Thaman first")]
    NewerSchema { found: u32 },
    #[error("export schema {0} is unknown")]
    UnknownSchema(u32),
    #[error("settings: {0}")]
    Settings(#[from] SettingsError),
    #[error("{date}: unknown site id {site:?}")]
    BadSite { date: Date, site: String },
    #[error("{date} {site}: {field} must be a number from 0 to 86400 seconds a day")]
    BadDuration {
        date: Date,
        site: String,
        field: &'static str,
    },
    #[error(
        "{date} {site}: ads must be 0 to {MAX_ADS_PER_DAY} a day, viewable no more than rendered"
    )]
    BadAds { date: Date, site: String },
    #[error("{date} {site}: useful time is more than attention time")]
    UsefulOverAttention { date: Date, site: String },
    #[error("{date} {site}: goal card choices must be 0 to {MAX_GOAL_CHOICES_PER_DAY} a day")]
    BadGoalChoices { date: Date, site: String },
    #[error("{date} {site}: listed twice")]
    Duplicate { date: Date, site: String },
    #[error("useful finds: {0}")]
    Find(#[from] crate::finds::FindError),
    #[error("the file is {bytes} bytes; an export is at most {MAX_IMPORT_BYTES} bytes")]
    TooLarge { bytes: f64 },
}

/// The largest export file taken, in bytes: refused before it is read.
///
/// The largest legitimate export is a year of every day on every platform
/// of the catalog at the widest row (every hour, the take, the reasons),
/// indented as the options page writes it, plus the finds at their byte
/// bound ([`crate::finds::FINDS_BYTES`]): 4.8 MB (measured in the tests).
/// 8 MB leaves room for sites the person added.
pub const MAX_IMPORT_BYTES: f64 = 8_000_000.0;

/// Whether a file of `bytes` may be read as an import at all.
///
/// ```text
/// 3_000_000 -> Ok
/// 50_000_000 -> Err(TooLarge { bytes: 50_000_000 })
/// ```
pub fn import_size(bytes: f64) -> Result<(), ImportError> {
    if bytes.is_finite() && (0.0..=MAX_IMPORT_BYTES).contains(&bytes) {
        Ok(())
    } else {
        Err(ImportError::TooLarge { bytes })
    }
}

/// The store as it was before an import, kept (in storage, next to it)
/// so the import can be undone, once, while nothing else changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UndoImport {
    /// When the import was made (ms since the epoch).
    pub at: f64,
    pub settings: Settings,
    /// Every stored day, as it was.
    pub days: Vec<(Date, Day)>,
    pub finds: crate::finds::Finds,
    /// The store's [`fingerprint`] right after the import.
    pub after: String,
}

/// Why an import could not be undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UndoError {
    #[error("there is no import to undo (an import is undone once)")]
    NothingToUndo,
    #[error("Thaman has kept more since the import; undoing it now would lose that")]
    ChangedSince,
}

impl UndoImport {
    /// `ledger`'s days, with the other parts of the store, before an import.
    pub fn before(
        at: f64,
        settings: &Settings,
        ledger: &Ledger,
        finds: &crate::finds::Finds,
    ) -> Self {
        let mut days: Vec<(Date, Day)> = Vec::new();
        for (date, site, record) in ledger.rows() {
            match days.last_mut() {
                Some((d, day)) if *d == date => {
                    day.insert(site.to_string(), *record);
                }
                _ => days.push((date, Day::from([(site.to_string(), *record)]))),
            }
        }
        UndoImport {
            at,
            settings: settings.clone(),
            days,
            finds: finds.clone(),
            after: String::new(),
        }
    }

    /// The ledger as it was.
    pub fn ledger(&self) -> Ledger {
        let mut ledger = Ledger::default();
        for (date, day) in &self.days {
            ledger.set_day(*date, day.clone());
        }
        ledger
    }
}

/// A short fingerprint of what a store holds: equal stores, equal prints;
/// any record, setting or find changed, another print (FNV-1a over the
/// values as written out exactly).
///
/// ```text
/// (defaults, {}, [])                 -> "…16 hex digits…"
/// (defaults, {22nd: x 1 ms}, [])     -> another
/// ```
pub fn fingerprint(settings: &Settings, ledger: &Ledger, finds: &crate::finds::Finds) -> String {
    use std::fmt::Write;
    struct Fnv(u64);
    impl Write for Fnv {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            for b in s.bytes() {
                self.0 ^= u64::from(b);
                self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
            }
            Ok(())
        }
    }
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    // `{:?}` writes every f64 exactly (shortest round-trip form).
    let _ = write!(h, "{settings:?}");
    for row in ledger.rows() {
        let _ = write!(h, "{row:?}");
    }
    let _ = write!(h, "{finds:?}");
    format!("{:016x}", h.0)
}

/// Checks an export fully before anything is applied.
pub fn validate(export: &Export) -> Result<(), ImportError> {
    match export.schema {
        SCHEMA => {}
        0 => return Err(ImportError::UnknownSchema(0)),
        found if found > SCHEMA => return Err(ImportError::NewerSchema { found }),
        other => return Err(ImportError::UnknownSchema(other)),
    }
    export.settings.validate()?;
    let mut seen = BTreeSet::new();
    for row in &export.days {
        let (date, site) = (row.date, row.site.clone());
        if !valid_site_id(&row.site) {
            return Err(ImportError::BadSite { date, site });
        }
        let days = f64::from(row.merged_days.max(1));
        if row.merged_days > 7 {
            return Err(ImportError::BadDuration {
                date,
                site,
                field: "merged_days",
            });
        }
        for (field, v) in [
            ("attention_seconds", row.attention_seconds),
            ("useful_seconds", row.useful_seconds),
        ] {
            if !(v.is_finite() && (0.0..=86_400.0 * days).contains(&v)) {
                return Err(ImportError::BadDuration { date, site, field });
            }
        }
        let max_ads = MAX_ADS_PER_DAY * u64::from(row.merged_days.max(1));
        if row.ads_rendered > max_ads || row.ads_viewable > row.ads_rendered {
            return Err(ImportError::BadAds { date, site });
        }
        if row.useful_seconds > row.attention_seconds {
            return Err(ImportError::UsefulOverAttention { date, site });
        }
        if !row.goal.plausible(row.merged_days) {
            return Err(ImportError::BadGoalChoices { date, site });
        }
        if !seen.insert((date, site.clone())) {
            return Err(ImportError::Duplicate { date, site });
        }
    }
    crate::finds::validate(&export.finds)?;
    Ok(())
}

/// Applies a validated export: its settings, and its records over the same
/// day × site (other records are kept). Returns the days changed.
pub fn apply(
    export: &Export,
    ledger: &mut Ledger,
    settings: &mut Settings,
) -> Result<Vec<Date>, ImportError> {
    validate(export)?;
    let mut touched = BTreeSet::new();
    for row in &export.days {
        let mut day = ledger.day(row.date).cloned().unwrap_or_default();
        day.insert(row.site.clone(), row.record());
        ledger.set_day(row.date, day);
        touched.insert(row.date);
    }
    *settings = export.settings.clone();
    Ok(touched.into_iter().collect())
}

/// What an import would change, shown before the person confirms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportPreview {
    /// Days the store does not have yet.
    pub days_added: usize,
    /// Days the store has, whose records the import replaces.
    pub days_replaced: usize,
    /// Records (day × site) in the file.
    pub rows: usize,
    pub first: Option<Date>,
    pub last: Option<Date>,
    /// Names of the settings that would change.
    pub settings_changed: Vec<String>,
    /// Useful finds in the file.
    #[serde(default)]
    pub finds: usize,
}

/// Validates `export` and says what applying it would change.
///
/// ```text
/// store {11-22}, file {11-22, 11-23}, idle 15 s -> added 1, replaced 1,
///                                                  settings [idle_threshold_seconds]
/// ```
pub fn preview(
    export: &Export,
    ledger: &Ledger,
    settings: &Settings,
) -> Result<ImportPreview, ImportError> {
    validate(export)?;
    let dates: BTreeSet<Date> = export.days.iter().map(|r| r.date).collect();
    let replaced = dates
        .iter()
        .filter(|d| ledger.day(**d).is_some_and(|day| !day.is_empty()))
        .count();
    let settings_changed = settings
        .changed_fields(&export.settings)
        .into_iter()
        .map(String::from)
        .collect();
    Ok(ImportPreview {
        days_added: dates.len() - replaced,
        days_replaced: replaced,
        rows: export.days.len(),
        finds: export.finds.len(),
        first: dates.first().copied(),
        last: dates.last().copied(),
        settings_changed,
    })
}

/// The export as CSV, one row per day × site; the header names the units.
///
/// ```text
/// date,site,attention_seconds,useful_seconds,sold_seconds,ads_rendered,ads_viewable,take_low_usd,…,goal_left
/// 2026-11-22,x,30.5,0,30.5,2,1,0.0021,…,0
/// ```
pub fn csv(export: &Export) -> String {
    let mut out = String::from(
        "date,site,attention_seconds,useful_seconds,sold_seconds,ads_rendered,ads_viewable,take_low_usd,take_typical_usd,take_high_usd,useful_learned,useful_work,useful_people,useful_reach,goal_continued,goal_week,goal_left\r\n",
    );
    for r in &export.days {
        let (low, typical, high) = r
            .take
            .as_ref()
            .map_or((String::new(), String::new(), String::new()), |t| {
                (num(t.low), num(t.typical), num(t.high))
            });
        let sold = (r.attention_seconds - r.useful_seconds).max(0.0);
        let reasons = &r.reasons;
        // Site ids are [a-z0-9.:-], so no field needs quoting.
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{low},{typical},{high},{},{},{},{},{},{},{}\r\n",
            r.date,
            r.site,
            num(r.attention_seconds),
            num(r.useful_seconds),
            num(sold),
            r.ads_rendered,
            r.ads_viewable,
            reasons.learned,
            reasons.work,
            reasons.people,
            reasons.reach,
            r.goal.continued,
            r.goal.week,
            r.goal.left
        ));
    }
    out
}

/// A number for CSV: no exponent, at most 6 decimals, no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{:.6}", if v.is_finite() { v } else { 0.0 });
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export(rows: Vec<DayRow>) -> Export {
        Export {
            schema: SCHEMA,
            exported_at: "2026-11-23T00:00:00.000Z".into(),
            settings: Settings::default(),
            days: rows,
            finds: Vec::new(),
        }
    }

    fn row(date: &str, site: &str, attention: f64) -> DayRow {
        DayRow {
            date: date.parse().unwrap(),
            site: site.into(),
            attention_seconds: attention,
            useful_seconds: 0.0,
            ads_rendered: 0,
            ads_viewable: 0,
            take: None,
            reasons: Reasons::default(),
            hours: Hours::default(),
            merged_days: 0,
            goal: GoalChoices::default(),
        }
    }

    #[test]
    fn files_larger_than_the_largest_export_are_refused_before_reading() {
        assert!(import_size(3_000_000.0).is_ok());
        assert!(import_size(MAX_IMPORT_BYTES).is_ok());
        for bad in [MAX_IMPORT_BYTES + 1.0, 1e12, f64::NAN, f64::INFINITY, -1.0] {
            assert!(
                matches!(import_size(bad), Err(ImportError::TooLarge { .. })),
                "{bad}"
            );
        }
        // The largest export there can be: a year of every day for every
        // site of the catalog at the widest row, written as the options
        // page writes it (indented one space a level), and the finds at
        // their byte bound with their indentation.
        let widest = |date: Date, site: &str| DayRow {
            date,
            site: site.into(),
            attention_seconds: 86_399.999,
            useful_seconds: 86_399.999,
            ads_rendered: MAX_ADS_PER_DAY,
            ads_viewable: MAX_ADS_PER_DAY,
            take: Some(TakeRow {
                low: 123_456.123_456_789,
                typical: 123_456.123_456_789,
                high: 123_456.123_456_789,
            }),
            reasons: Reasons {
                learned: 99_999,
                work: 99_999,
                people: 99_999,
                reach: 99_999,
            },
            hours: Hours([3_600_000; 24]),
            merged_days: 0,
            goal: GoalChoices {
                continued: MAX_GOAL_CHOICES_PER_DAY,
                week: MAX_GOAL_CHOICES_PER_DAY,
                left: MAX_GOAL_CHOICES_PER_DAY,
            },
        };
        let first: Date = "2025-01-01".parse().unwrap();
        let mut e = export(Vec::new());
        for d in 0..366 {
            for site in crate::sites::CATALOG {
                e.days.push(widest(first.add_days(d), site.id));
            }
        }
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(
            &mut out,
            serde_json::ser::PrettyFormatter::with_indent(b" "),
        );
        e.serialize(&mut ser).unwrap();
        // Seven fields a find, each on its own line, three levels in.
        let finds = crate::finds::FINDS_BYTES + 5000 * 7 * 5;
        let largest = (out.len() + finds) as f64;
        assert!(
            MAX_IMPORT_BYTES >= largest && MAX_IMPORT_BYTES <= 2.0 * largest,
            "the largest export is {largest} bytes"
        );
    }

    #[test]
    fn the_fingerprint_changes_with_any_record_setting_or_find() {
        let date: Date = "2026-11-22".parse().unwrap();
        let (settings, mut ledger, finds) = (
            Settings::default(),
            Ledger::default(),
            crate::finds::Finds::default(),
        );
        let empty = fingerprint(&settings, &ledger, &finds);
        assert_eq!(empty.len(), 16);
        assert_eq!(empty, fingerprint(&settings, &ledger, &finds));
        ledger.record_mut(date, "x").attention_ms = 1.0;
        let one = fingerprint(&settings, &ledger, &finds);
        assert_ne!(one, empty);
        ledger.record_mut(date, "x").attention_ms = 1.000_000_1;
        assert_ne!(fingerprint(&settings, &ledger, &finds), one, "exact values");
        let mut s = settings.clone();
        s.idle_threshold_seconds = 15;
        assert_ne!(
            fingerprint(&s, &ledger, &finds),
            fingerprint(&settings, &ledger, &finds)
        );
        // The copy before an import holds the ledger as it was.
        let undo = UndoImport::before(1.0, &settings, &ledger, &finds);
        assert_eq!(undo.ledger(), ledger);
    }

    #[test]
    fn keys_round_trip() {
        let date: Date = "2026-11-23".parse().unwrap();
        assert_eq!(day_key(date), "day:2026-11-23");
        assert_eq!(parse_day_key("day:2026-11-23"), Some(date));
        assert_eq!(parse_day_key("day:2026-11-31"), None);
        assert_eq!(parse_day_key("settings"), None);
    }

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    /// `hour` hours into `date`, UTC, in ms.
    fn at(date: &str, hour: f64) -> f64 {
        (d(date).days() as f64 * 24.0 + hour) * 3_600_000.0
    }

    #[test]
    fn a_starting_worker_reads_this_week_and_the_last_with_a_days_margin() {
        let days = recent_days(at("2026-12-02", 10.0));
        assert_eq!(days, d("2026-11-16")..=d("2026-12-03"));
        // Any zone's today and yesterday, and the whole of last week, by any
        // week start, are inside.
        for back in 0..14 {
            assert!(days.contains(&d("2026-12-02").add_days(-back)));
        }
        assert!(days.contains(&d("2026-12-03")), "UTC+14's today");
        assert_eq!(
            recent_days(at("2026-12-02", 0.0)),
            recent_days(at("2026-12-02", 23.99))
        );
        assert_eq!(day_keys(&days).len(), 18);
        assert_eq!(
            day_keys(&(d("2026-11-30")..=d("2026-12-01"))),
            ["day:2026-11-30", "day:2026-12-01"]
        );
    }

    #[test]
    fn a_run_left_open_adds_the_days_it_is_booked_into() {
        let run = |start: f64, last_tick: f64| Run {
            tab: 1,
            site: "x".into(),
            start,
            last_tick,
            last_presence: last_tick,
            media: false,
        };
        let old = run(at("2026-10-01", 23.0), at("2026-10-02", 1.0));
        assert_eq!(run_days(&old), Some(d("2026-09-30")..=d("2026-10-03")));
        // One that books nothing needs no day (not thousands of them).
        assert_eq!(run_days(&run(0.0, 1e12)), None);
        assert_eq!(run_days(&run(f64::NAN, 0.0)), None);
        assert_eq!(run_days(&run(10.0, 5.0)), None);
    }

    #[test]
    fn one_implausible_record_is_set_aside_alone() {
        let stored = serde_json::json!({
            "x": {"attention_ms": 60000, "ads_rendered": 2, "ads_viewable": 1},
            "custom:a.b": {"attention_ms": 1000},
            "reddit": {"attention_ms": -5},
            "youtube": {"ads_rendered": 1, "ads_viewable": 2},
            "myspace": {"attention_ms": 1},
            "tiktok": "junk",
        });
        let records = stored.as_object().unwrap().clone().into_iter();
        let sorted = sort_day(records, |v| {
            serde_json::from_value::<DayRecord>(v.clone()).map_err(|e| e.to_string())
        });
        assert_eq!(
            sorted.day.keys().collect::<Vec<_>>(),
            ["custom:a.b", "x"],
            "the plausible records of other sites are kept"
        );
        assert_eq!(sorted.day["x"].ads_viewable, 1);
        let aside: Vec<(&str, &str)> = sorted
            .set_aside
            .iter()
            .map(|a| (a.site.as_str(), a.why.as_str()))
            .collect();
        assert_eq!(aside.len(), 4);
        assert_eq!(aside[0], ("myspace", "unknown site id"));
        assert_eq!(aside[1], ("reddit", "a record no real day could hold"));
        assert_eq!(aside[2].0, "tiktok");
        assert!(aside[2].1.contains("invalid type"), "{}", aside[2].1);
        assert_eq!(aside[3], ("youtube", "a record no real day could hold"));
        // The value set aside is the one stored, untouched.
        assert_eq!(sorted.set_aside[2].value, serde_json::json!("junk"));
        assert!(sorted
            .reason()
            .starts_with("myspace: unknown site id; reddit: a record"));
        // A day of good records sets nothing aside.
        let good = sort_day([("x".to_string(), 1.0)], |ms| {
            Ok(DayRecord {
                attention_ms: *ms,
                ..DayRecord::default()
            })
        });
        assert!(good.set_aside.is_empty() && good.reason().is_empty());
    }

    #[test]
    fn import_applies_and_export_shape_round_trips() {
        let mut ledger = Ledger::default();
        let mut settings = Settings::default();
        let mut e = export(vec![
            row("2026-11-22", "x", 30.5),
            row("2026-11-23", "reddit", 10.0),
        ]);
        e.settings.idle_threshold_seconds = 15;
        let touched = apply(&e, &mut ledger, &mut settings).unwrap();
        assert_eq!(touched.len(), 2);
        assert_eq!(settings.idle_threshold_seconds, 15);
        let back: Vec<DayRow> = ledger
            .rows()
            .map(|(d, s, r)| DayRow::new(d, s, r))
            .collect();
        assert_eq!(back, e.days);
    }

    #[test]
    fn bad_imports_are_refused_and_change_nothing() {
        let mut ledger = Ledger::default();
        let mut settings = Settings::default();
        let cases: Vec<(Export, &str)> = vec![
            (
                Export {
                    schema: 9,
                    ..export(vec![])
                },
                "newer",
            ),
            (
                Export {
                    schema: 0,
                    ..export(vec![])
                },
                "unknown",
            ),
            (
                export(vec![row("2026-11-22", "myspace", 1.0)]),
                "unknown site",
            ),
            (
                export(vec![row("2026-11-22", "x", -1.0)]),
                "must be a number",
            ),
            (
                export(vec![row("2026-11-22", "x", f64::INFINITY)]),
                "must be a number",
            ),
            (
                export(vec![row("2026-11-22", "x", 90_000.0)]),
                "must be a number",
            ),
            (
                export(vec![
                    row("2026-11-22", "x", 1.0),
                    row("2026-11-22", "x", 2.0),
                ]),
                "twice",
            ),
            (
                export(vec![DayRow {
                    useful_seconds: 5.0,
                    ..row("2026-11-22", "x", 1.0)
                }]),
                "more than attention",
            ),
            (
                Export {
                    settings: Settings {
                        idle_threshold_seconds: 5,
                        ..Settings::default()
                    },
                    ..export(vec![])
                },
                "15–600",
            ),
        ];
        for (e, reason) in cases {
            let err = apply(&e, &mut ledger, &mut settings)
                .unwrap_err()
                .to_string();
            assert!(err.contains(reason), "{err:?} should say {reason:?}");
        }
        assert_eq!(ledger, Ledger::default());
        assert_eq!(settings, Settings::default());
    }

    #[test]
    fn the_goal_cards_choices_travel_and_an_export_without_them_still_imports() {
        let mut ledger = Ledger::default();
        let rec = ledger.record_mut("2026-11-23".parse().unwrap(), "x");
        rec.attention_ms = 90_000.0;
        rec.goal.continued = 3;
        rec.goal.left = 1;
        let rows: Vec<DayRow> = ledger
            .rows()
            .map(|(date, site, rec)| DayRow::new(date, site, rec))
            .collect();
        let json = serde_json::to_value(export(rows)).unwrap();
        assert_eq!(
            json["days"][0]["goal"],
            serde_json::json!({"continued": 3, "week": 0, "left": 1})
        );
        let back: Export = serde_json::from_value(json).unwrap();
        let (mut into, mut settings) = (Ledger::default(), Settings::default());
        apply(&back, &mut into, &mut settings).unwrap();
        assert_eq!(into, ledger);
        // Written before the card: no `goal`, nothing counted.
        let older: Export = serde_json::from_str(
            r#"{"schema": 1, "exported_at": "2026-11-23T00:00:00.000Z", "settings": {},
                "days": [{"date": "2026-11-23", "site": "x", "attention_seconds": 5}]}"#,
        )
        .unwrap();
        apply(&older, &mut into, &mut settings).unwrap();
        assert!(into
            .record("2026-11-23".parse().unwrap(), "x")
            .goal
            .is_empty());
        // More choices than a day could hold: refused whole.
        let mut bad = row("2026-11-23", "x", 5.0);
        bad.goal.left = MAX_GOAL_CHOICES_PER_DAY + 1;
        assert!(matches!(
            apply(&export(vec![bad.clone()]), &mut into, &mut settings),
            Err(ImportError::BadGoalChoices { .. })
        ));
        bad.merged_days = 2;
        assert!(
            validate(&export(vec![bad])).is_ok(),
            "a merged week holds more"
        );
    }

    #[test]
    fn ads_a_day_are_bounded_as_the_ledger_books_them() {
        let ads = |n: u64, merged_days: u8| {
            export(vec![DayRow {
                ads_rendered: n,
                merged_days,
                ..row("2026-11-23", "x", 1.0)
            }])
        };
        assert!(validate(&ads(MAX_ADS_PER_DAY, 0)).is_ok());
        assert!(matches!(
            validate(&ads(MAX_ADS_PER_DAY + 1, 0)),
            Err(ImportError::BadAds { .. })
        ));
        // A merged week holds up to seven days' worth.
        assert!(validate(&ads(7 * MAX_ADS_PER_DAY, 7)).is_ok());
        assert!(validate(&ads(7 * MAX_ADS_PER_DAY + 1, 7)).is_err());
    }

    #[test]
    fn preview_says_what_changes_and_refuses_bad_files() {
        let mut ledger = Ledger::default();
        ledger
            .record_mut("2026-11-22".parse().unwrap(), "x")
            .attention_ms = 1000.0;
        let mut e = export(vec![
            row("2026-11-22", "x", 30.5),
            row("2026-11-23", "x", 1.0),
            row("2026-11-23", "reddit", 1.0),
        ]);
        e.settings.idle_threshold_seconds = 15;
        let p = preview(&e, &ledger, &Settings::default()).unwrap();
        assert_eq!((p.days_added, p.days_replaced, p.rows), (1, 1, 3));
        assert_eq!(p.first, Some("2026-11-22".parse().unwrap()));
        assert_eq!(
            p.settings_changed,
            vec!["idle_threshold_seconds".to_string()]
        );
        e.schema = 2;
        assert!(matches!(
            preview(&e, &ledger, &Settings::default()),
            Err(ImportError::NewerSchema { found: 2 })
        ));
    }

    #[test]
    fn csv_has_one_row_per_day_and_site() {
        let mut r = row("2026-11-22", "custom:news.example.org", 30.5);
        r.useful_seconds = 10.25;
        r.ads_rendered = 3;
        r.ads_viewable = 2;
        r.take = Some(TakeRow {
            low: 0.0012,
            typical: 0.002,
            high: 0.003,
        });
        r.reasons.work = 1;
        r.goal.continued = 2;
        r.goal.left = 1;
        let text = csv(&export(vec![r, row("2026-11-23", "x", 1e-7)]));
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines.len(), 4, "header, two rows, final empty");
        assert!(lines[0].starts_with("date,site,attention_seconds,useful_seconds,sold_seconds"));
        assert_eq!(
            lines[1],
            "2026-11-22,custom:news.example.org,30.5,10.25,20.25,3,2,0.0012,0.002,0.003,0,1,0,0,2,0,1"
        );
        assert_eq!(lines[2], "2026-11-23,x,0,0,0,0,0,,,,0,0,0,0,0,0,0");
        assert!(lines[0].ends_with(",useful_reach,goal_continued,goal_week,goal_left"));
        assert_eq!(lines[0].split(',').count(), lines[1].split(',').count());
    }

    #[test]
    fn hours_survive_export_and_import() {
        let mut ledger = Ledger::default();
        let date: Date = "2026-11-22".parse().unwrap();
        ledger.record_mut(date, "x").attention_ms = 5000.0;
        ledger.record_mut(date, "x").hours.add(21, 5000.0);
        let rows: Vec<DayRow> = ledger
            .rows()
            .map(|(d, s, r)| DayRow::new(d, s, r))
            .collect();
        let json = serde_json::to_string(&export(rows)).unwrap();
        let back: Export = serde_json::from_str(&json).unwrap();
        let (mut l2, mut s2) = (Ledger::default(), Settings::default());
        apply(&back, &mut l2, &mut s2).unwrap();
        assert_eq!(l2.record(date, "x").hours.0[21], 5000);
        // Without hours the field is left out of the file.
        assert!(!serde_json::to_string(&row("2026-11-22", "x", 1.0))
            .unwrap()
            .contains("hours"));
    }
}
