//! Every user-visible string exists in English and Arabic, and every key the
//! code asks for exists.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use serde_json::Value;
use thaman::sites::CATALOG;

fn keys(lang: &str) -> BTreeSet<String> {
    let text = fs::read_to_string(format!("extension/_locales/{lang}/messages.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, entry)| {
            let msg = entry["message"].as_str().unwrap_or_default();
            assert!(!msg.trim().is_empty(), "{lang}: {k} is empty");
            k.clone()
        })
        .collect()
}

/// Keys named in source: `message("k")`, `getMessage('k')`, `__MSG_k__`.
fn used_keys() -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut files = vec![Path::new("manifest.json").to_path_buf()];
    for dir in ["src", "src/web", "extension"] {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path
                .extension()
                .is_some_and(|e| e == "rs" || e == "js" || e == "html")
            {
                files.push(path);
            }
        }
    }
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        for (open, close) in [
            ("message(\"", "\""),
            ("getMessage('", "'"),
            ("__MSG_", "__"),
        ] {
            for part in text.split(open).skip(1) {
                let key = part.split(close).next().unwrap();
                if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    used.insert(key.to_string());
                }
            }
        }
    }
    for site in CATALOG {
        used.insert(format!("site_{}", site.id));
    }
    used
}

#[test]
fn english_and_arabic_have_the_same_keys() {
    assert_eq!(keys("en"), keys("ar"));
}

#[test]
fn every_key_the_code_uses_exists() {
    let en = keys("en");
    let missing: Vec<_> = used_keys()
        .into_iter()
        .filter(|k| !en.contains(k))
        .collect();
    assert!(missing.is_empty(), "missing from _locales: {missing:?}");
}
