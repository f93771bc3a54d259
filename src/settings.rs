//! The person's settings, validated; defaults are what most people want.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::attention::{Limits, PULSE_MS};
use crate::calendar::Calendar;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Presence lasts this long after the last input (15 s – 10 min).
    pub idle_threshold_seconds: u32,
    /// Local hour a new day starts (0–6).
    pub day_start_hour: u8,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { idle_threshold_seconds: 60, day_start_hour: 0 }
    }
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum SettingsError {
    #[error("idle_threshold_seconds must be 15–600, got {0}")]
    IdleThreshold(u32),
    #[error("day_start_hour must be 0–6, got {0}")]
    DayStartHour(u8),
}

impl Settings {
    pub fn validate(&self) -> Result<(), SettingsError> {
        if !(15..=600).contains(&self.idle_threshold_seconds) {
            return Err(SettingsError::IdleThreshold(self.idle_threshold_seconds));
        }
        if self.day_start_hour > 6 {
            return Err(SettingsError::DayStartHour(self.day_start_hour));
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
        let s = |idle, hour| Settings { idle_threshold_seconds: idle, day_start_hour: hour }.validate();
        assert_eq!(s(14, 0), Err(SettingsError::IdleThreshold(14)));
        assert_eq!(s(601, 0), Err(SettingsError::IdleThreshold(601)));
        assert_eq!(s(15, 7), Err(SettingsError::DayStartHour(7)));
        assert!(s(600, 6).is_ok());
    }
}
