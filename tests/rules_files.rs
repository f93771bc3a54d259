//! The shipped rules and labels: they parse, every catalog site has rules,
//! and the label dictionary covers the languages we promise.
#![cfg(not(target_arch = "wasm32"))]

use thaman::labels::Labels;
use thaman::rules::parse_rules;
use thaman::sites::CATALOG;

#[test]
fn every_catalog_site_has_rules() {
    let rules = parse_rules(include_str!("../rules/sites.txt")).expect("rules parse");
    for site in CATALOG {
        let host = format!("www.{}", site.domains[0]);
        let n = rules.iter().filter(|r| r.applies_to(&host)).count();
        assert!(n >= 1, "{} has no rule", site.id);
    }
    assert!(
        !rules.iter().any(|r| r.css.contains("data-fixture")),
        "rules must not use test markers"
    );
}

#[test]
fn labels_cover_the_promised_languages() {
    let labels = Labels::parse(include_str!("../rules/labels.txt")).expect("labels parse");
    for label in [
        "Sponsored",
        "مُموَّل",
        "ممول",
        "إعلان",
        "Post sponsorisé",
        "Publicidad",
        "Sponsorlu",
        "اشتہار",
        "تبلیغ",
        "Promoted by Acme",
    ] {
        assert!(labels.is_ad_label(label), "{label}");
    }
    for not_ad in [
        "Suivi par Ada et Bob",
        "Suggestions",
        "Follow",
        "A sponsored post? No.",
    ] {
        assert!(!labels.is_ad_label(not_ad), "{not_ad}");
    }
}
