//! The person's settings, validated; defaults are what most people want.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::attention::{Limits, PULSE_MS};
use crate::calendar::{Calendar, Weekday};
use crate::format::Digits;
use crate::rules::{parse_own_rules, LineError, Rule};
use crate::sites::{custom_host, site_id_for_host, valid_site_id, MAX_CUSTOM_SITES};
use crate::valuation::Region;

/// The settings format this build reads and writes: 1 (no `version`
/// field) had no `ad_rules`; 2 added them; 3 added `goal_card`.
pub const SETTINGS_VERSION: u32 = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The settings format: older formats are read as this build's (their
    /// missing fields take their defaults), a newer one is refused.
    #[serde(deserialize_with = "read_version")]
    pub version: u32,
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
    /// First day of the week; `None` follows the browser's locale.
    pub week_start: Option<Weekday>,
    /// Attention a day the person is content with, minutes (0: no goal);
    /// the badge changes colour past it.
    pub daily_goal_minutes: u32,
    /// Past the daily goal, opening or returning to a site shows a card
    /// with the day's price (time sold, the platforms' take).
    pub goal_card: bool,
    /// The language of Thaman's pages; `Auto` follows the browser.
    pub language: Language,
    /// Write numbers with Arabic-Indic digits (٠١٢٣).
    pub arabic_digits: bool,
    /// Sites the person added, by host (`example.org`; its `www.` and `m.`
    /// are counted with it), each as `custom:<host>` elsewhere.
    pub custom_sites: BTreeSet<String>,
    /// Sites not tracked at all.
    pub sites_off: BTreeSet<String>,
    /// Sites tracked without the on-page counter.
    pub overlay_hidden: BTreeSet<String>,
    /// Sites where the counter is folded to a dot.
    pub overlay_minimized: BTreeSet<String>,
    /// Sites paused until an instant (ms since the epoch).
    pub paused_until: BTreeMap<String, f64>,
    /// A notification when a week ends, with what it cost.
    pub weekly_notification: bool,
    /// Useful finds kept at most; past it the oldest go (10–5000).
    pub finds_cap: u32,
    /// Where the person dragged the counter, per site.
    pub overlay_positions: BTreeMap<String, Position>,
    /// Days kept in full detail; older ones are merged into weekly totals
    /// (0: keep every day).
    pub retention_days: u32,
    /// The person's own ad rules, as they wrote them (comments kept), in
    /// the syntax of `rules/sites.txt`; applied beside the built-in ones.
    pub ad_rules: String,
}

/// A stored `version`: an older format is read as this build's, a newer
/// one refused (its fields may mean what this build cannot know).
///
/// ```text
/// 1 -> 3     2 -> 3     3 -> 3     4 -> Err("settings format 4 is newer …")
/// ```
fn read_version<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let found = u32::deserialize(d)?;
    if found > SETTINGS_VERSION {
        return Err(serde::de::Error::custom(format!(
            "settings format {found} is newer than this version understands ({SETTINGS_VERSION}); update Thaman first"
        )));
    }
    Ok(SETTINGS_VERSION)
}

/// The counter's place: pixels from the page's inline-end edge (right, or
/// left on a right-to-left page) and from the bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub inline: u32,
    pub bottom: u32,
}

impl Position {
    /// Further than any screen is wide: a stored value past it is refused.
    pub const MAX: u32 = 10_000;

    /// A dragged place, clamped to a screen.
    ///
    /// ```text
    /// (16.4, 300.6) -> {16, 301}    (-5, NaN) -> {0, 0}    (1e9, 2) -> {10000, 2}
    /// ```
    pub fn clamped(inline: f64, bottom: f64) -> Position {
        let px = |v: f64| {
            if v.is_finite() {
                v.round().clamp(0.0, f64::from(Position::MAX)) as u32
            } else {
                0
            }
        };
        Position {
            inline: px(inline),
            bottom: px(bottom),
        }
    }
}

/// The language of Thaman's own pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    Auto,
    En,
    Ar,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            version: SETTINGS_VERSION,
            idle_threshold_seconds: 60,
            day_start_hour: 0,
            region: None,
            currency: "USD".into(),
            usd_rate: 1.0,
            cpm_overrides: BTreeMap::new(),
            prompt_minutes: 10,
            prompt_daily_cap: 6,
            week_start: None,
            daily_goal_minutes: 0,
            goal_card: true,
            language: Language::Auto,
            arabic_digits: false,
            custom_sites: BTreeSet::new(),
            sites_off: BTreeSet::new(),
            overlay_hidden: BTreeSet::new(),
            overlay_minimized: BTreeSet::new(),
            paused_until: BTreeMap::new(),
            weekly_notification: true,
            finds_cap: 500,
            overlay_positions: BTreeMap::new(),
            retention_days: 730,
            ad_rules: String::new(),
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
    #[error("daily_goal_minutes must be 0 (none) to 1440, got {0}")]
    DailyGoal(u32),
    #[error("{0:?} is not a known site")]
    UnknownSite(String),
    #[error(
        "custom_sites: {0:?} is not a site's host in the form Thaman keeps (like example.org)"
    )]
    CustomSite(String),
    #[error("custom_sites: at most {MAX_CUSTOM_SITES} sites may be added")]
    TooManySites,
    #[error("retention_days must be 0 (keep every day) or 365–3650, got {0}")]
    Retention(u32),
    #[error("finds_cap must be 10–5000, got {0}")]
    FindsCap(u32),
    #[error("overlay_positions: {0:?} must be a known site with a place on a screen")]
    Position(String),
    #[error("settings format {0} is not {SETTINGS_VERSION}")]
    Version(u32),
    /// The first bad line of the person's own ad rules.
    #[error("ad_rules: {0}")]
    AdRules(LineError),
}

impl Settings {
    pub fn validate(&self) -> Result<(), SettingsError> {
        if self.version != SETTINGS_VERSION {
            return Err(SettingsError::Version(self.version));
        }
        if !(15..=600).contains(&self.idle_threshold_seconds) {
            return Err(SettingsError::IdleThreshold(self.idle_threshold_seconds));
        }
        if self.day_start_hour > 6 {
            return Err(SettingsError::DayStartHour(self.day_start_hour));
        }
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(SettingsError::Currency(self.currency.clone()));
        }
        if !(self.usd_rate.is_finite() && self.usd_rate > 0.0)
            || (self.currency == "USD" && self.usd_rate != 1.0)
        {
            return Err(SettingsError::Rate);
        }
        if self.prompt_minutes > 60 {
            return Err(SettingsError::PromptMinutes(self.prompt_minutes));
        }
        if !(1..=50).contains(&self.prompt_daily_cap) {
            return Err(SettingsError::PromptCap(self.prompt_daily_cap));
        }
        if let Some((site, _)) = self
            .cpm_overrides
            .iter()
            .find(|(site, v)| !(valid_site_id(site) && v.is_finite() && **v > 0.0 && **v <= 1000.0))
        {
            return Err(SettingsError::CpmOverride(site.clone()));
        }
        if let Some((site, _)) = self.overlay_positions.iter().find(|(s, p)| {
            !valid_site_id(s) || p.inline > Position::MAX || p.bottom > Position::MAX
        }) {
            return Err(SettingsError::Position(site.clone()));
        }
        if self.retention_days != 0 && !(365..=3650).contains(&self.retention_days) {
            return Err(SettingsError::Retention(self.retention_days));
        }
        if !(10..=5000).contains(&self.finds_cap) {
            return Err(SettingsError::FindsCap(self.finds_cap));
        }
        if self.daily_goal_minutes > 1440 {
            return Err(SettingsError::DailyGoal(self.daily_goal_minutes));
        }
        if let Some(host) = self
            .custom_sites
            .iter()
            .find(|h| custom_host(h).as_deref() != Ok(h.as_str()))
        {
            return Err(SettingsError::CustomSite(host.clone()));
        }
        if self.custom_sites.len() > MAX_CUSTOM_SITES {
            return Err(SettingsError::TooManySites);
        }
        let listed = self
            .sites_off
            .iter()
            .chain(&self.overlay_hidden)
            .chain(&self.overlay_minimized)
            .chain(self.paused_until.keys());
        if let Some(site) = listed.clone().find(|s| !valid_site_id(s)) {
            return Err(SettingsError::UnknownSite(site.clone()));
        }
        if let Err(mut errors) = self.own_rules() {
            return Err(SettingsError::AdRules(errors.swap_remove(0)));
        }
        Ok(())
    }

    /// The person's own ad rules, parsed: each must name a site Thaman
    /// counts — the catalog's, or one in `custom_sites`.
    ///
    /// ```text
    /// ad_rules "x.com##div.promo"                        -> Ok([x.com##div.promo])
    /// ad_rules "news.example.org##div", custom {}        -> Err(line 1: UnknownSite)
    /// ad_rules "news.example.org##div", custom {news.example.org} -> Ok
    /// ```
    pub fn own_rules(&self) -> Result<Vec<Rule>, Vec<LineError>> {
        parse_own_rules(&self.ad_rules, |domain| {
            site_id_for_host(domain, &self.custom_sites).is_some()
        })
    }

    /// Takes a site the person added off the list, with everything set
    /// for it (its days in the ledger stay).
    ///
    /// ```text
    /// custom_sites {a.org, b.org}, sites_off {custom:a.org} -- a.org --> {b.org}, {}
    /// ```
    pub fn remove_custom_site(&mut self, host: &str) {
        let id = format!("custom:{host}");
        self.custom_sites.remove(host);
        self.sites_off.remove(&id);
        self.overlay_hidden.remove(&id);
        self.overlay_minimized.remove(&id);
        self.paused_until.remove(&id);
        self.cpm_overrides.remove(&id);
        self.overlay_positions.remove(&id);
    }

    /// Whether `site` is tracked at `now` (not off, not paused; an added
    /// site only while it is in the list).
    ///
    /// ```text
    /// sites_off {x}                     -> x: false, reddit: true
    /// paused_until {reddit: 1000}, 999  -> reddit: false;  at 1000 -> true
    /// custom_sites {a.org}              -> custom:a.org: true, custom:b.org: false
    /// ```
    pub fn tracks(&self, site: &str, now: f64) -> bool {
        site.strip_prefix("custom:")
            .is_none_or(|host| self.custom_sites.contains(host))
            && !self.sites_off.contains(site)
            && self
                .paused_until
                .get(site)
                .is_none_or(|until| now >= *until)
    }

    /// The first day of the week: the person's choice, else the locale's.
    pub fn week_start_for(&self, locale: &str) -> Weekday {
        self.week_start
            .unwrap_or_else(|| Weekday::first_for_locale(locale))
    }

    /// Names of the fields that differ in `other`.
    pub fn changed_fields(&self, other: &Settings) -> Vec<&'static str> {
        let mut out = Vec::new();
        macro_rules! diff {
            ($($f:ident),*) => { $( if self.$f != other.$f { out.push(stringify!($f)); } )* };
        }
        diff!(
            idle_threshold_seconds,
            day_start_hour,
            region,
            currency,
            usd_rate,
            cpm_overrides,
            prompt_minutes,
            prompt_daily_cap,
            week_start,
            daily_goal_minutes,
            goal_card,
            language,
            arabic_digits,
            custom_sites,
            sites_off,
            overlay_hidden,
            overlay_minimized,
            paused_until,
            weekly_notification,
            finds_cap,
            overlay_positions,
            retention_days,
            ad_rules
        );
        out
    }

    pub fn digits(&self) -> Digits {
        if self.arabic_digits {
            Digits::ArabicIndic
        } else {
            Digits::Latin
        }
    }

    pub fn limits(&self) -> Limits {
        Limits {
            idle_ms: f64::from(self.idle_threshold_seconds) * 1000.0,
            pulse_ms: PULSE_MS,
        }
    }

    pub fn calendar(&self) -> Calendar {
        Calendar {
            day_start_hour: self.day_start_hour,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_enforced() {
        assert!(Settings::default().validate().is_ok());
        let s = |idle, hour| {
            Settings {
                idle_threshold_seconds: idle,
                day_start_hour: hour,
                ..Settings::default()
            }
            .validate()
        };
        assert_eq!(s(14, 0), Err(SettingsError::IdleThreshold(14)));
        assert_eq!(s(601, 0), Err(SettingsError::IdleThreshold(601)));
        assert_eq!(s(15, 7), Err(SettingsError::DayStartHour(7)));
        assert!(s(600, 6).is_ok());
        let with = |f: fn(&mut Settings)| {
            let mut s = Settings::default();
            f(&mut s);
            s.validate()
        };
        assert!(matches!(
            with(|s| s.currency = "usd".into()),
            Err(SettingsError::Currency(_))
        ));
        assert_eq!(
            with(|s| s.usd_rate = 2.0),
            Err(SettingsError::Rate),
            "USD is 1 USD"
        );
        assert!(with(|s| {
            s.currency = "EUR".into();
            s.usd_rate = 0.92;
        })
        .is_ok());
        assert_eq!(
            with(|s| {
                s.currency = "EUR".into();
                s.usd_rate = 0.0;
            }),
            Err(SettingsError::Rate)
        );
        assert!(with(|s| {
            s.cpm_overrides.insert("x".into(), 9.5);
        })
        .is_ok());
        assert!(matches!(
            with(|s| {
                s.cpm_overrides.insert("myspace".into(), 9.5);
            }),
            Err(SettingsError::CpmOverride(_))
        ));
        assert!(matches!(
            with(|s| {
                s.cpm_overrides.insert("x".into(), -1.0);
            }),
            Err(SettingsError::CpmOverride(_))
        ));
        assert_eq!(
            with(|s| s.daily_goal_minutes = 1441),
            Err(SettingsError::DailyGoal(1441))
        );
        assert!(matches!(
            with(|s| {
                s.sites_off.insert("myspace".into());
            }),
            Err(SettingsError::UnknownSite(_))
        ));
        assert!(matches!(
            with(|s| {
                s.paused_until.insert("nope".into(), 1.0);
            }),
            Err(SettingsError::UnknownSite(_))
        ));
    }

    #[test]
    fn tracking_follows_off_and_pause() {
        let mut s = Settings::default();
        s.sites_off.insert("x".into());
        s.paused_until.insert("reddit".into(), 1000.0);
        assert!(!s.tracks("x", 0.0));
        assert!(!s.tracks("reddit", 999.0));
        assert!(s.tracks("reddit", 1000.0));
        assert!(s.tracks("facebook", 0.0));
        assert!(
            !s.tracks("custom:example.org", 0.0),
            "an added site counts only while it is in the list"
        );
        s.custom_sites.insert("example.org".into());
        assert!(s.tracks("custom:example.org", 0.0));
        s.sites_off.insert("custom:example.org".into());
        assert!(!s.tracks("custom:example.org", 0.0));
    }

    #[test]
    fn a_removed_site_leaves_no_setting_behind() {
        let mut s = Settings::default();
        s.custom_sites
            .extend(["a.org".to_string(), "b.org".to_string()]);
        let a = "custom:a.org".to_string();
        s.sites_off.insert(a.clone());
        s.overlay_hidden.insert(a.clone());
        s.overlay_minimized.insert(a.clone());
        s.paused_until.insert(a.clone(), 1.0);
        s.cpm_overrides.insert(a.clone(), 2.0);
        s.overlay_positions.insert(
            a.clone(),
            Position {
                inline: 1,
                bottom: 2,
            },
        );
        s.overlay_hidden.insert("custom:b.org".into());
        s.remove_custom_site("a.org");
        let mut want = Settings::default();
        want.custom_sites.insert("b.org".into());
        want.overlay_hidden.insert("custom:b.org".into());
        assert_eq!(s, want);
    }

    #[test]
    fn added_sites_are_hosts_in_their_kept_form() {
        let with = |hosts: &[&str]| {
            Settings {
                custom_sites: hosts.iter().map(|h| h.to_string()).collect(),
                ..Settings::default()
            }
            .validate()
        };
        assert!(with(&["example.org", "news.example.net"]).is_ok());
        for bad in [
            "www.example.org",
            "Example.org",
            "https://example.org",
            "facebook.com",
            "localhost",
            "",
        ] {
            assert_eq!(
                with(&[bad]),
                Err(SettingsError::CustomSite(bad.into())),
                "{bad}"
            );
        }
        let many: Vec<String> = (0..=MAX_CUSTOM_SITES)
            .map(|i| format!("s{i}.example.org"))
            .collect();
        assert_eq!(
            with(&many.iter().map(String::as_str).collect::<Vec<_>>()),
            Err(SettingsError::TooManySites)
        );
    }

    #[test]
    fn older_settings_decode_with_defaults() {
        let s: Settings = serde_json::from_str(r#"{"idle_threshold_seconds": 30}"#).unwrap();
        assert_eq!(s.idle_threshold_seconds, 30);
        assert!(s.weekly_notification);
        assert_eq!(s.language, Language::Auto);
        assert_eq!(s.week_start, None);
    }

    #[test]
    fn own_ad_rules_are_validated_with_the_sites_counted() {
        let with = |rules: &str, custom: &[&str]| Settings {
            ad_rules: rules.into(),
            custom_sites: custom.iter().map(|h| h.to_string()).collect(),
            ..Settings::default()
        };
        assert!(with("! mine\nfacebook.com##div.promo\nm.x.com##aside", &[])
            .validate()
            .is_ok());
        let refused = with("facebook.com##div\nnews.example.org##div.ad", &[]).validate();
        assert_eq!(
            refused,
            Err(SettingsError::AdRules(LineError {
                line: 2,
                error: crate::rules::RuleError::UnknownSite("news.example.org".into())
            }))
        );
        assert_eq!(
            refused.unwrap_err().to_string(),
            "ad_rules: line 2: \"news.example.org\" is not a site Thaman counts (the catalog's, or one you added)"
        );
        let added = with("news.example.org##div.ad", &["news.example.org"]);
        assert!(added.validate().is_ok());
        assert_eq!(added.own_rules().unwrap().len(), 1);
        assert!(matches!(
            with("x.com##div:upward(0)", &[]).validate(),
            Err(SettingsError::AdRules(LineError { line: 1, .. }))
        ));
        let mut taken_off = added.clone();
        taken_off.remove_custom_site("news.example.org");
        assert!(
            taken_off.validate().is_err(),
            "a site cannot go while a rule names it"
        );
    }

    #[test]
    fn settings_keep_their_rules_through_a_round_trip_and_refuse_a_newer_format() {
        let s = Settings {
            ad_rules: "! mine\nx.com##div.promo:label(span)\n".into(),
            ..Settings::default()
        };
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["version"], SETTINGS_VERSION);
        let back: Settings = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, s);
        assert_eq!(Settings::default().changed_fields(&s), vec!["ad_rules"]);
        let old: Settings = serde_json::from_str(r#"{"idle_threshold_seconds": 30}"#).unwrap();
        assert_eq!((old.version, old.ad_rules.as_str()), (SETTINGS_VERSION, ""));
        assert!(old.validate().is_ok(), "format 1 is read as this build's");
        let mut newer = json;
        newer["version"] = serde_json::json!(SETTINGS_VERSION + 1);
        let err = serde_json::from_value::<Settings>(newer).unwrap_err();
        assert!(err.to_string().contains("newer"), "{err}");
    }

    #[test]
    fn format_2_settings_gain_the_goal_card_switched_on() {
        let v2: Settings = serde_json::from_str(
            r#"{"version": 2, "daily_goal_minutes": 90, "ad_rules": "x.com##div.promo"}"#,
        )
        .unwrap();
        assert_eq!(v2.version, SETTINGS_VERSION);
        assert!(v2.goal_card, "on, as for a new person");
        assert_eq!(v2.daily_goal_minutes, 90);
        assert!(v2.validate().is_ok());
        let off = Settings {
            goal_card: false,
            ..Settings::default()
        };
        let json = serde_json::to_value(&off).unwrap();
        assert_eq!(
            (json["version"].as_u64(), &json["goal_card"]),
            (Some(3), &serde_json::json!(false))
        );
        assert_eq!(serde_json::from_value::<Settings>(json).unwrap(), off);
        assert_eq!(Settings::default().changed_fields(&off), vec!["goal_card"]);
    }
}
