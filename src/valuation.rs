//! The platform's take: what the person's attention earned the platform, as
//! an honest estimate — low / typical / high, each with its source.
//!
//! Two views, from the sourced table in `data/valuation.json`:
//! - **take** = viewable ads × CPM ÷ 1000, for the person's region (falling
//!   back to the platform's global figure);
//! - **revenue per hour** = ARPU ÷ hours of use a year, for sites where ads
//!   could not be counted.
//!
//! ```text
//! 40 viewable ads on facebook, us_canada CPM 20.43/22.70/28.35
//!   -> take ≈ $0.82 / $0.91 / $1.13
//! ```

/// The regions platforms report in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    UsCanada,
    Europe,
    AsiaPacific,
    RestOfWorld,
    /// Only in the table: the fallback figure.
    Global,
}

/// A CPM range in USD with its source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cpm {
    pub low: f64,
    pub typical: f64,
    pub high: f64,
    pub source: &'static str,
    pub year: u16,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arpu {
    pub usd_per_year: f64,
    pub source: &'static str,
    pub year: u16,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hours {
    pub per_year: f64,
    pub source: &'static str,
    pub year: u16,
}

/// One platform's rows of the table.
#[derive(Debug)]
pub struct PlatformRates {
    pub site: &'static str,
    pub cpm: &'static [(Region, Cpm)],
    pub arpu: &'static [(Region, Arpu)],
    pub hours: Option<Hours>,
}

// `RATES`, generated and validated by build.rs.
include!(concat!(env!("OUT_DIR"), "/rates.rs"));

/// An estimate in USD: low / typical / high, and where it comes from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Estimate {
    pub low: f64,
    pub typical: f64,
    pub high: f64,
    /// Shown one step away (hover, footnote): the table's source line, or
    /// "your own CPM" for an override.
    pub source: String,
    /// The person set this platform's CPM themselves.
    pub override_used: bool,
}

fn rates(site: &str) -> Option<&'static PlatformRates> {
    RATES.iter().find(|r| r.site == site)
}

/// The row for `region`, else the platform's global row.
fn pick<T: Copy>(rows: &[(Region, T)], region: Region) -> Option<(Region, T)> {
    rows.iter()
        .find(|(r, _)| *r == region)
        .or_else(|| rows.iter().find(|(r, _)| *r == Region::Global))
        .copied()
}

/// The CPM used for `site` in `region`: the person's own, else the table's.
pub fn cpm(site: &str, region: Region, own: Option<f64>) -> Option<Cpm> {
    if let Some(v) = own.filter(|v| v.is_finite() && *v > 0.0) {
        return Some(Cpm {
            low: v,
            typical: v,
            high: v,
            source: "",
            year: 0,
        });
    }
    pick(rates(site)?.cpm, region).map(|(_, c)| c)
}

/// The take from `viewable_ads` on `site`.
///
/// ```text
/// (40 ads, facebook, us_canada)     -> 0.82 / 0.91 / 1.13
/// (40 ads, facebook, own CPM $10)   -> 0.40 / 0.40 / 0.40, override
/// (40 ads, reddit: no CPM in table) -> none
/// ```
pub fn take(
    viewable_ads: u64,
    site: &str,
    region: Region,
    own_cpm: Option<f64>,
) -> Option<Estimate> {
    let c = cpm(site, region, own_cpm)?;
    let k = viewable_ads as f64 / 1000.0;
    let override_used = c.year == 0;
    let source = if override_used {
        "own".to_string()
    } else {
        format!("{} ({})", c.source, c.year)
    };
    Some(Estimate {
        low: c.low * k,
        typical: c.typical * k,
        high: c.high * k,
        source,
        override_used,
    })
}

/// Revenue per hour of attention for `site`: ARPU ÷ hours a year.
///
/// ```text
/// snapchat, us_canada: 37.90 $/yr ÷ 182.5 h -> ≈ $0.21 an hour
/// ```
pub fn per_hour(site: &str, region: Region) -> Option<Estimate> {
    let r = rates(site)?;
    let (_, arpu) = pick(r.arpu, region)?;
    let hours = r.hours?;
    let v = arpu.usd_per_year / hours.per_year;
    let source = format!(
        "{} ({}) ÷ {} ({})",
        arpu.source, arpu.year, hours.source, hours.year
    );
    Some(Estimate {
        low: v,
        typical: v,
        high: v,
        source,
        override_used: false,
    })
}

/// The table's rows behind [`per_hour`]: revenue per user and hours of
/// use, each with its source and year.
///
/// ```text
/// snapchat, us_canada -> (ARPU 2025, hours 2024)    linkedin -> none
/// ```
pub fn revenue_sources(site: &str, region: Region) -> Option<(Arpu, Hours)> {
    let r = rates(site)?;
    Some((pick(r.arpu, region)?.1, r.hours?))
}

/// A region from a BCP 47 locale's country (`en-US` → `us_canada`).
///
/// ```text
/// "en-US", "fr-CA" -> UsCanada     "de-DE", "ar-MA" -> Europe / RestOfWorld
/// "ar-SA"          -> RestOfWorld  "ja-JP"          -> AsiaPacific
/// "ar" (no country) -> RestOfWorld
/// ```
pub fn region_for_locale(locale: &str) -> Region {
    let country = locale
        .split(['-', '_'])
        .nth(1)
        .unwrap_or("")
        .to_ascii_uppercase();
    const EUROPE: &[&str] = &[
        "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR",
        "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE",
        "SI", "SK", "UA", "RS", "BA", "AL", "MK", "ME", "MD",
    ];
    const ASIA_PACIFIC: &[&str] = &[
        "AU", "NZ", "JP", "KR", "CN", "HK", "TW", "SG", "MY", "TH", "VN", "PH", "ID", "IN", "PK",
        "BD", "LK", "NP",
    ];
    match country.as_str() {
        "US" | "CA" => Region::UsCanada,
        c if EUROPE.contains(&c) => Region::Europe,
        c if ASIA_PACIFIC.contains(&c) => Region::AsiaPacific,
        _ => Region::RestOfWorld,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn the_table_covers_every_platform_and_every_number_is_sourced() {
        for site in crate::sites::CATALOG {
            let r = rates(site.id).unwrap_or_else(|| panic!("{} missing", site.id));
            assert!(
                !r.cpm.is_empty() || !r.arpu.is_empty(),
                "{}: nothing to estimate with",
                site.id
            );
            for (_, c) in r.cpm {
                assert!(
                    c.source.len() > 10
                        && c.year >= 2015
                        && c.low <= c.typical
                        && c.typical <= c.high
                );
            }
        }
    }

    #[test]
    fn take_is_ads_times_cpm_over_1000() {
        let c = cpm("facebook", Region::UsCanada, None).unwrap();
        let t = take(40, "facebook", Region::UsCanada, None).unwrap();
        assert!(
            close(t.low, 40.0 * c.low / 1000.0)
                && close(t.typical, 40.0 * c.typical / 1000.0)
                && close(t.high, 40.0 * c.high / 1000.0)
        );
        assert!(t.source.contains(&c.year.to_string()));
        assert!(!t.override_used);
        assert_eq!(
            take(0, "facebook", Region::Europe, None).unwrap().typical,
            0.0
        );
    }

    #[test]
    fn regions_fall_back_to_global_and_missing_cpm_gives_no_take() {
        let global = cpm("x", Region::Global, None).unwrap();
        assert_eq!(cpm("x", Region::Europe, None), Some(global));
        assert_eq!(take(10, "reddit", Region::UsCanada, None), None);
        assert_eq!(take(10, "myspace", Region::UsCanada, None), None);
    }

    #[test]
    fn an_override_is_the_persons_and_says_so() {
        let t = take(40, "reddit", Region::UsCanada, Some(10.0)).unwrap();
        assert!(close(t.typical, 0.4) && t.override_used && t.source == "own");
        assert!(
            take(40, "reddit", Region::UsCanada, Some(-3.0)).is_none(),
            "a bad override is ignored"
        );
    }

    #[test]
    fn revenue_per_hour_needs_arpu_and_hours() {
        let h = per_hour("snapchat", Region::UsCanada).unwrap();
        assert!(h.typical > 0.0 && h.source.contains('÷'));
        assert!(per_hour("linkedin", Region::UsCanada).is_none());
        let (arpu, hours) = revenue_sources("snapchat", Region::UsCanada).unwrap();
        assert!(close(h.typical, arpu.usd_per_year / hours.per_year));
        assert!(h.source.contains(arpu.source) && h.source.contains(hours.source));
        assert!(revenue_sources("linkedin", Region::UsCanada).is_none());
    }

    #[test]
    fn locales_map_to_regions() {
        assert_eq!(region_for_locale("en-US"), Region::UsCanada);
        assert_eq!(region_for_locale("fr_CA"), Region::UsCanada);
        assert_eq!(region_for_locale("de-DE"), Region::Europe);
        assert_eq!(region_for_locale("ja-JP"), Region::AsiaPacific);
        assert_eq!(region_for_locale("ar-SA"), Region::RestOfWorld);
        assert_eq!(region_for_locale("ar"), Region::RestOfWorld);
    }
}
