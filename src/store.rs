//! What is kept in `storage.local`, and the export/import contract.
//!
//! Storage layout (schema 1), one key per idea so a write touches little:
//! ```text
//! "schema"          -> 1
//! "settings"        -> Settings
//! "day:2026-11-23"  -> { "<site id>": DayRecord, ... }
//! "run"             -> the open run (or null), saved every few seconds
//! ```
//! Export (`{type: "export"}`), a contract other tools rely on:
//! ```text
//! {schema, exported_at, settings, days: [{date, site, attention_seconds,
//!  useful_seconds, ads_rendered, ads_viewable}, ...]}
//! ```

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::calendar::Date;
use crate::ledger::{DayRecord, Ledger};
use crate::prompt::Reasons;
use crate::settings::{Settings, SettingsError};
use crate::sites::CATALOG;

/// The schema this build writes.
pub const SCHEMA: u32 = 1;
pub const SCHEMA_KEY: &str = "schema";
pub const SETTINGS_KEY: &str = "settings";
pub const RUN_KEY: &str = "run";
const DAY_PREFIX: &str = "day:";

/// `day:2026-11-23`.
pub fn day_key(date: Date) -> String {
    format!("{DAY_PREFIX}{date}")
}

/// The date of a `day:` key; `None` for other keys or bad dates.
pub fn parse_day_key(key: &str) -> Option<Date> {
    key.strip_prefix(DAY_PREFIX)?.parse().ok()
}

/// A site id: a catalog id or `custom:<host>`.
pub fn valid_site_id(id: &str) -> bool {
    CATALOG.iter().any(|s| s.id == id)
        || id.strip_prefix("custom:").is_some_and(|host| {
            !host.is_empty()
                && host.len() <= 253
                && host.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Export {
    pub schema: u32,
    pub exported_at: String,
    pub settings: Settings,
    pub days: Vec<DayRow>,
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
    #[error("{date} {site}: {field} must be a number from 0 to 86400 seconds")]
    BadDuration { date: Date, site: String, field: &'static str },
    #[error("{date} {site}: useful time is more than attention time")]
    UsefulOverAttention { date: Date, site: String },
    #[error("{date} {site}: listed twice")]
    Duplicate { date: Date, site: String },
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
        for (field, v) in [("attention_seconds", row.attention_seconds), ("useful_seconds", row.useful_seconds)] {
            if !(v.is_finite() && (0.0..=86_400.0).contains(&v)) {
                return Err(ImportError::BadDuration { date, site, field });
            }
        }
        if row.useful_seconds > row.attention_seconds {
            return Err(ImportError::UsefulOverAttention { date, site });
        }
        if !seen.insert((date, site.clone())) {
            return Err(ImportError::Duplicate { date, site });
        }
    }
    Ok(())
}

/// Applies a validated export: its settings, and its records over the same
/// day × site (other records are kept). Returns the days changed.
pub fn apply(export: &Export, ledger: &mut Ledger, settings: &mut Settings) -> Result<Vec<Date>, ImportError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn export(rows: Vec<DayRow>) -> Export {
        Export { schema: SCHEMA, exported_at: "2026-11-23T00:00:00.000Z".into(), settings: Settings::default(), days: rows }
    }

    fn row(date: &str, site: &str, attention: f64) -> DayRow {
        DayRow { date: date.parse().unwrap(), site: site.into(), attention_seconds: attention, useful_seconds: 0.0, ads_rendered: 0, ads_viewable: 0, take: None, reasons: Reasons::default() }
    }

    #[test]
    fn keys_round_trip() {
        let date: Date = "2026-11-23".parse().unwrap();
        assert_eq!(day_key(date), "day:2026-11-23");
        assert_eq!(parse_day_key("day:2026-11-23"), Some(date));
        assert_eq!(parse_day_key("day:2026-11-31"), None);
        assert_eq!(parse_day_key("settings"), None);
    }

    #[test]
    fn site_ids() {
        assert!(valid_site_id("facebook"));
        assert!(valid_site_id("custom:news.example.org"));
        assert!(!valid_site_id("custom:"));
        assert!(!valid_site_id("custom:Evil Host"));
        assert!(!valid_site_id("myspace"));
    }

    #[test]
    fn import_applies_and_export_shape_round_trips() {
        let mut ledger = Ledger::default();
        let mut settings = Settings::default();
        let mut e = export(vec![row("2026-11-22", "x", 30.5), row("2026-11-23", "reddit", 10.0)]);
        e.settings.idle_threshold_seconds = 15;
        let touched = apply(&e, &mut ledger, &mut settings).unwrap();
        assert_eq!(touched.len(), 2);
        assert_eq!(settings.idle_threshold_seconds, 15);
        let back: Vec<DayRow> = ledger.rows().map(|(d, s, r)| DayRow::new(d, s, r)).collect();
        assert_eq!(back, e.days);
    }

    #[test]
    fn bad_imports_are_refused_and_change_nothing() {
        let mut ledger = Ledger::default();
        let mut settings = Settings::default();
        let cases: Vec<(Export, &str)> = vec![
            (Export { schema: 9, ..export(vec![]) }, "newer"),
            (Export { schema: 0, ..export(vec![]) }, "unknown"),
            (export(vec![row("2026-11-22", "myspace", 1.0)]), "unknown site"),
            (export(vec![row("2026-11-22", "x", -1.0)]), "must be a number"),
            (export(vec![row("2026-11-22", "x", f64::INFINITY)]), "must be a number"),
            (export(vec![row("2026-11-22", "x", 90_000.0)]), "must be a number"),
            (export(vec![row("2026-11-22", "x", 1.0), row("2026-11-22", "x", 2.0)]), "twice"),
            (export(vec![DayRow { useful_seconds: 5.0, ..row("2026-11-22", "x", 1.0) }]), "more than attention"),
            (Export { settings: Settings { idle_threshold_seconds: 5, ..Settings::default() }, ..export(vec![]) }, "15–600"),
        ];
        for (e, reason) in cases {
            let err = apply(&e, &mut ledger, &mut settings).unwrap_err().to_string();
            assert!(err.contains(reason), "{err:?} should say {reason:?}");
        }
        assert_eq!(ledger, Ledger::default());
        assert_eq!(settings, Settings::default());
    }
}
