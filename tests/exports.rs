//! Every export schema Thaman ever wrote still imports. One fixture per
//! schema version lives in `tests/fixtures/exports/`; a new schema adds its
//! file and a migration, and this test keeps the old ones working.

use std::fs;

use thaman::ledger::Ledger;
use thaman::settings::{Language, Settings};
use thaman::store::{self, Export, SCHEMA};

fn fixture(version: u32) -> Export {
    let path = format!(
        "{}/tests/fixtures/exports/schema-{version}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_schema_version_has_a_fixture_that_imports() {
    for version in 1..=SCHEMA {
        let export = fixture(version);
        assert_eq!(export.schema, version);
        let (mut ledger, mut settings) = (Ledger::default(), Settings::default());
        let touched = store::apply(&export, &mut ledger, &mut settings)
            .unwrap_or_else(|e| panic!("schema {version}: {e}"));
        assert!(!touched.is_empty());
        assert_eq!(ledger.rows().count(), export.days.len());
    }
}

#[test]
fn schema_1_keeps_every_field_and_defaults_the_later_settings() {
    let export = fixture(1);
    let (mut ledger, mut settings) = (Ledger::default(), Settings::default());
    store::apply(&export, &mut ledger, &mut settings).unwrap();
    assert_eq!(
        (
            settings.idle_threshold_seconds,
            settings.day_start_hour,
            settings.currency.as_str()
        ),
        (45, 4, "EUR")
    );
    assert_eq!(settings.cpm_overrides.get("facebook"), Some(&9.5));
    // Settings added after the file was written take their defaults.
    assert_eq!(settings.language, Language::Auto);
    assert!(settings.weekly_notification);
    let fb = ledger.record("2026-11-21".parse().unwrap(), "facebook");
    assert_eq!(
        (
            fb.attention_ms,
            fb.useful_ms,
            fb.ads_rendered,
            fb.ads_viewable
        ),
        (1_804_250.0, 600_000.0, 31, 22)
    );
    assert_eq!((fb.reasons.learned, fb.reasons.people), (1, 2));
    assert_eq!(
        ledger
            .record("2026-11-22".parse().unwrap(), "custom:news.example.org")
            .attention_ms,
        12_000.0
    );
}
