//! Every user-visible string exists in English and Arabic, and every key the
//! code asks for exists. A message that holds a count is written once per
//! plural category its language uses (`panelMarkUseful_few`), and the code
//! asks for it only through `intl::counted`.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use serde_json::Value;
use thaman::i18n::{categories, Plural};
use thaman::sites::CATALOG;

const LANGS: [&str; 2] = ["en", "ar"];

/// Messages that hold a count of something (minutes, ads, values, finds,
/// days, sites): each must be counted, whatever the code does today.
const COUNTED: &[&str] = &[
    "promptQuestion0",
    "promptQuestion1",
    "promptQuestion2",
    "panelMarkUseful",
    "weekLine",
    "notifyWeekBody",
    "noticeQuarantined",
    "noticeFindsDropped",
    "savedDropped",
    "findsMore",
    "importFinds",
    "importDays",
    "siteTooMany",
    "promptEvery",
];

fn messages(lang: &str) -> serde_json::Map<String, Value> {
    let text = fs::read_to_string(format!("extension/_locales/{lang}/messages.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v.as_object().unwrap().clone()
}

/// Every key, a counted message's keys all under its base name.
fn bases(lang: &str) -> BTreeSet<String> {
    keys(lang)
        .into_iter()
        .map(|k| match Plural::split(&k) {
            Some((base, _)) => base.to_string(),
            None => k,
        })
        .collect()
}

fn keys(lang: &str) -> BTreeSet<String> {
    messages(lang)
        .iter()
        .map(|(k, entry)| {
            let msg = entry["message"].as_str().unwrap_or_default();
            assert!(!msg.trim().is_empty(), "{lang}: {k} is empty");
            k.clone()
        })
        .collect()
}

/// Source files that may name message keys.
fn sources() -> Vec<std::path::PathBuf> {
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
    files
}

/// The bases the code counts with: `intl::counted("k"`, with any line
/// break before the key; `promptQuestion{}` is built at run time.
fn counted_bases() -> BTreeSet<String> {
    let mut used: BTreeSet<String> = (0..3).map(|v| format!("promptQuestion{v}")).collect();
    for file in sources() {
        let text = fs::read_to_string(&file).unwrap();
        for part in text.split("intl::counted(").skip(1) {
            if let Some(rest) = part.trim_start().strip_prefix('"') {
                used.insert(rest.split('"').next().unwrap().to_string());
            }
        }
    }
    used
}

/// Keys named in source: `message("k")`, `getMessage('k')`, `__MSG_k__`.
fn used_keys() -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for file in sources() {
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
    // A counted message has the categories of its own language.
    assert_eq!(bases("en"), bases("ar"));
}

#[test]
fn counted_messages_have_every_category_their_language_needs() {
    let mut counted: BTreeSet<String> = COUNTED.iter().map(|s| s.to_string()).collect();
    counted.extend(counted_bases());
    let mut wrong = Vec::new();
    for lang in LANGS {
        let keys = keys(lang);
        for k in &keys {
            if let Some((base, _)) = Plural::split(k) {
                counted.insert(base.to_string());
            }
        }
        for base in &counted {
            if keys.contains(base) {
                wrong.push(format!(
                    "{lang}: {base} is counted, yet has a key with no category"
                ));
            }
            for p in categories(lang) {
                if !keys.contains(&p.key(base)) {
                    wrong.push(format!("{lang}: {base} lacks {}", p.key(base)));
                }
            }
            for p in Plural::ALL {
                if !categories(lang).contains(&p) && keys.contains(&p.key(base)) {
                    wrong.push(format!(
                        "{lang}: {} is a category {lang} never uses",
                        p.key(base)
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The count is `$COUNT$` (`$1`), only in counted messages, where every
/// other category but `one`, `two` and `zero` (often written in words)
/// shows it; the code never asks for a counted message by one of its keys.
#[test]
fn the_count_is_shown_where_its_category_needs_it() {
    let mut wrong = Vec::new();
    for lang in LANGS {
        for (key, entry) in messages(lang) {
            let message = entry["message"].as_str().unwrap_or_default();
            let has_count = message.contains("$COUNT$");
            match Plural::split(&key) {
                Some((_, p)) => {
                    if entry["placeholders"]["count"]["content"] != "$1" {
                        wrong.push(format!("{lang}: {key}: $COUNT$ must be $1"));
                    }
                    // A numeral written into the text would not follow the
                    // chosen digits: "1 ad" beside "٣ ads".
                    if message
                        .chars()
                        .any(|c| c.is_ascii_digit() || ('٠'..='٩').contains(&c))
                    {
                        wrong.push(format!("{lang}: {key} writes a numeral: use $COUNT$"));
                    }
                    let words = matches!(p, Plural::Zero | Plural::One | Plural::Two);
                    if !words && !has_count {
                        wrong.push(format!("{lang}: {key} does not show the count"));
                    }
                }
                None if has_count => {
                    wrong.push(format!("{lang}: {key} has $COUNT$ but is not counted"))
                }
                None => {}
            }
        }
    }
    for key in used_keys() {
        if Plural::split(&key).is_some() {
            wrong.push(format!(
                "the code asks for {key}: ask intl::counted for its base"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_key_the_code_uses_exists() {
    let en = keys("en");
    let mut missing: Vec<_> = counted_bases()
        .into_iter()
        .filter(|base| !en.contains(&Plural::Other.key(base)))
        .collect();
    missing.extend(used_keys().into_iter().filter(|k| !en.contains(k)));
    assert!(missing.is_empty(), "missing from _locales: {missing:?}");
}

/// Messages that show digits as what they are: the choice of digits.
const SHOWS_DIGITS: &[&str] = &["opt_arabic_digits"];

/// A number typed into a message ("من 15 إلى 600", "١٤٠ حرفًا", "1 hour")
/// ignores the digits the person chose and agrees with no count: numbers
/// come in as placeholders, formatted by `Intl` (counted where a noun
/// follows).
#[test]
fn no_message_types_a_number() {
    let mut wrong = Vec::new();
    for lang in LANGS {
        for (key, entry) in messages(lang) {
            if SHOWS_DIGITS.contains(&key.as_str()) {
                continue;
            }
            let message = entry["message"].as_str().unwrap_or_default();
            // Placeholders (`$COUNT$`, `$V1$`, `$1`) are not typed numbers.
            let mut words = String::new();
            let mut rest = message;
            while let Some(i) = rest.find('$') {
                words.push_str(&rest[..i]);
                let after = &rest[i + 1..];
                let name_end = after.find('$').filter(|e| {
                    *e > 0
                        && after[..*e]
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
                });
                rest = match name_end {
                    Some(e) => &after[e + 1..],
                    None if after.starts_with(|c: char| c.is_ascii_digit()) => &after[1..],
                    None => after,
                };
            }
            words.push_str(rest);
            let digit = |c: char| {
                c.is_ascii_digit() || ('٠'..='٩').contains(&c) || ('۰'..='۹').contains(&c)
            };
            if words.chars().any(digit) {
                wrong.push(format!("{lang}: {key} types a number: {message}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
