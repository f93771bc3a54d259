//! The person's settings, validated; defaults are what most people want.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::attention::{Limits, PULSE_MS};
use crate::calendar::Calendar;
use crate::store::valid_site_id;
use crate::valuation::Region;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Presence lasts this long after the last input (15 s – 10 min).
    pub idle_threshold_seconds: u32,
    /// Local hour a new day starts (0–6).
    pub day_start_hour: u8,
    /// Where the person is, for the platforms' regional rates; `None`
    /// follows the browser's locale.
    pub region: Option<Region>,
    /// ISO 4217 code the take is shown in.
    pub currency: String,
    /// Units of `currency` per US dollar, entered by the person (there is no
    /// network to fetch a rate); 1 for USD.
    pub usd_rate: f64,
    /// The person's own CPM (USD) per site id, replacing the table's.
    pub cpm_overrides: BTreeMap<String, f64>,
    /// Ask "were these minutes useful?" after this many minutes of
    /// attention on a site (options offer 5–60; 0 is off).
    pub prompt_minutes: u32,
    /// At most this many prompt cards a day, all sites together.
    pub prompt_daily_cap: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            idle_threshold_seconds: 60,
            day_start_hour: 0,
            region: None,
            currency: "USD".into(),
            usd_rate: 1.0,
            cpm_overrides: BTreeMap::new(),
            prompt_minutes: 10,
            prompt_daily_cap: 6,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum SettingsError {
    #[error("idle_threshold_seconds must be 15–600, got {0}")]
    IdleThreshold(u32),
    #[error("day_start_hour must be 0–6, got {0}")]
    DayStartHour(u8),
    #[error("currency must be a three-letter ISO 4217 code, got {0:?}")]
    Currency(String),
    #[error("usd_rate must be a positive number (1 for USD)")]
    Rate,
    #[error("cpm_overrides: {0:?} must be a known site with a CPM from 0 to 1000")]
    CpmOverride(String),
    #[error("prompt_minutes must be 0 (off) or 1–60, got {0}")]
    PromptMinutes(u32),
    #[error("prompt_daily_cap must be 1–50, got {0}")]
    PromptCap(u32),
}

impl Settings {
    pub fn validate(&self) -> Result<(), SettingsError> {
        if !(15..=600).contains(&self.idle_threshold_seconds) {
            return Err(SettingsError::IdleThreshold(self.idle_threshold_seconds));
        }
        if self.day_start_hour > 6 {
            return Err(SettingsError::DayStartHour(self.day_start_hour));
        }
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(SettingsError::Currency(self.currency.clone()));
        }
        if !(self.usd_rate.is_finite() && self.usd_rate > 0.0) || (self.currency == "USD" && self.usd_rate != 1.0) {
            return Err(SettingsError::Rate);
        }
        if self.prompt_minutes > 60 {
            return Err(SettingsError::PromptMinutes(self.prompt_minutes));
        }
        if !(1..=50).contains(&self.prompt_daily_cap) {
            return Err(SettingsError::PromptCap(self.prompt_daily_cap));
        }
        if let Some((site, _)) = self.cpm_overrides.iter().find(|(site, v)| !valid_site_id(site) || !(v.is_finite() && **v > 0.0 && **v <= 1000.0)) {
            return Err(SettingsError::CpmOverride(site.clone()));
        }
        Ok(())
    }

    pub fn limits(&self) -> Limits {
        Limits { idle_ms: f64::from(self.idle_threshold_seconds) * 1000.0, pulse_ms: PULSE_MS }
    }

    pub fn calendar(&self) -> Calendar {
        Calendar { day_start_hour: self.day_start_hour }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_enforced() {
        assert!(Settings::default().validate().is_ok());
        let s = |idle, hour| Settings { idle_threshold_seconds: idle, day_start_hour: hour, ..Settings::default() }.validate();
        assert_eq!(s(14, 0), Err(SettingsError::IdleThreshold(14)));
        assert_eq!(s(601, 0), Err(SettingsError::IdleThreshold(601)));
        assert_eq!(s(15, 7), Err(SettingsError::DayStartHour(7)));
        assert!(s(600, 6).is_ok());
        let with = |f: fn(&mut Settings)| {
            let mut s = Settings::default();
            f(&mut s);
            s.validate()
        };
        assert!(matches!(with(|s| s.currency = "usd".into()), Err(SettingsError::Currency(_))));
        assert_eq!(with(|s| s.usd_rate = 2.0), Err(SettingsError::Rate), "USD is 1 USD");
        assert!(with(|s| { s.currency = "EUR".into(); s.usd_rate = 0.92; }).is_ok());
        assert_eq!(with(|s| { s.currency = "EUR".into(); s.usd_rate = 0.0; }), Err(SettingsError::Rate));
        assert!(with(|s| { s.cpm_overrides.insert("x".into(), 9.5); }).is_ok());
        assert!(matches!(with(|s| { s.cpm_overrides.insert("myspace".into(), 9.5); }), Err(SettingsError::CpmOverride(_))));
        assert!(matches!(with(|s| { s.cpm_overrides.insert("x".into(), -1.0); }), Err(SettingsError::CpmOverride(_))));
    }
}
