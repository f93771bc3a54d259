//! Thaman's words: the language the person chose for Thaman's pages, and
//! its messages with plurals. `chrome.i18n` only speaks the browser's
//! language, so for another one the page reads that locale's
//! `messages.json` itself and [`crate::i18n::fill`]s from it; and it has no
//! plurals, so a counted message is one key per CLDR category, picked with
//! `Intl.PluralRules` ([`super::intl::counted`]).

use std::cell::RefCell;
use std::collections::BTreeMap;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::chrome;
use crate::format::Digits;
use crate::settings::{Language, Settings};

struct Entry {
    message: String,
    placeholders: Vec<(String, String)>,
}

#[derive(Default)]
struct Chosen {
    /// The chosen locale's messages, when it is not the browser's.
    table: Option<BTreeMap<String, Entry>>,
    /// `en` or `ar` when chosen; else the browser's locale.
    locale: Option<String>,
    digits: Digits,
}

thread_local! {
    static CHOSEN: RefCell<Chosen> = RefCell::new(Chosen::default());
}

/// Follows `settings`: loads the chosen language's messages (once), and
/// notes the digits. Failing to load leaves the browser's language.
pub async fn follow(settings: &Settings) {
    let code = match settings.language {
        Language::Auto => None,
        Language::En => Some("en"),
        Language::Ar => Some("ar"),
    };
    let digits = settings.digits();
    CHOSEN.with(|c| c.borrow_mut().digits = digits);
    let current = CHOSEN.with(|c| c.borrow().locale.clone());
    if current.as_deref() == code {
        return;
    }
    let table = match code {
        Some(code) if !browser_locale().starts_with(code) => match load(code).await {
            Ok(table) => Some(table),
            Err(e) => {
                super::warn(&format!("could not read the {code} messages: {e:?}"));
                return;
            }
        },
        _ => None,
    };
    CHOSEN.with(|c| {
        let mut c = c.borrow_mut();
        c.table = table;
        c.locale = code.map(String::from);
    });
}

async fn load(code: &str) -> Result<BTreeMap<String, Entry>, JsValue> {
    let url = chrome::url(&format!("_locales/{code}/messages.json"));
    let fetch: js_sys::Function =
        js_sys::Reflect::get(&js_sys::global(), &"fetch".into())?.dyn_into()?;
    let response = JsFuture::from(js_sys::Promise::from(
        fetch.call1(&js_sys::global(), &url.into())?,
    ))
    .await?;
    let text_fn: js_sys::Function = js_sys::Reflect::get(&response, &"text".into())?.dyn_into()?;
    let text = JsFuture::from(js_sys::Promise::from(text_fn.call0(&response)?)).await?;
    let json = js_sys::JSON::parse(&text.as_string().unwrap_or_default())?;
    let mut table = BTreeMap::new();
    for entry in js_sys::Object::entries(json.unchecked_ref()).iter() {
        let entry: js_sys::Array = entry.unchecked_into();
        let (Some(key), value) = (entry.get(0).as_string(), entry.get(1)) else {
            continue;
        };
        let Some(message) = js_sys::Reflect::get(&value, &"message".into())?.as_string() else {
            continue;
        };
        let mut placeholders = Vec::new();
        let ph = js_sys::Reflect::get(&value, &"placeholders".into())?;
        if ph.is_object() {
            for p in js_sys::Object::entries(ph.unchecked_ref()).iter() {
                let p: js_sys::Array = p.unchecked_into();
                let content = js_sys::Reflect::get(&p.get(1), &"content".into())?
                    .as_string()
                    .unwrap_or_default();
                placeholders.push((p.get(0).as_string().unwrap_or_default(), content));
            }
        }
        table.insert(
            key,
            Entry {
                message,
                placeholders,
            },
        );
    }
    Ok(table)
}

/// The chosen language's text for `key`, if one was chosen.
pub fn lookup(key: &str, values: &[&str]) -> Option<String> {
    CHOSEN.with(|c| {
        let c = c.borrow();
        let entry = c.table.as_ref()?.get(key)?;
        Some(crate::i18n::fill(
            &entry.message,
            &entry.placeholders,
            values,
        ))
    })
}

/// The locale pages format with: the chosen language, else the browser's.
pub fn locale() -> String {
    CHOSEN
        .with(|c| c.borrow().locale.clone())
        .unwrap_or_else(browser_locale)
}

/// Whether the page reads right to left.
pub fn rtl() -> bool {
    locale().starts_with("ar")
}

pub fn digits() -> Digits {
    CHOSEN.with(|c| c.borrow().digits)
}

/// The browser's UI language as a BCP 47 tag (`en-US`), `en` outside an
/// extension.
pub fn browser_locale() -> String {
    let l = chrome::browser_message("@@ui_locale");
    if l.is_empty() || l.starts_with('@') {
        "en".into()
    } else {
        l.replace('_', "-")
    }
}

/// A localized string with `$1`… filled in; `key: a, b` where there are
/// no locales, so tests can still read the values.
pub fn message_with(key: &str, values: &[&str]) -> String {
    if let Some(text) = lookup(key, values) {
        return text;
    }
    match chrome::browser_message_with(key, values) {
        text if !text.is_empty() => text,
        _ => format!("{key}: {}", values.join(", ")),
    }
}

/// A localized string from `_locales`; the key itself where there is none
/// (outside an extension, e.g. in wasm tests), so a gap is visible, not blank.
pub fn message(key: &str) -> String {
    if let Some(text) = lookup(key, &[]) {
        return text;
    }
    match chrome::browser_message(key) {
        text if !text.is_empty() => text,
        _ => key.to_string(),
    }
}

/// A platform's name; a site the person added shows its host.
pub fn site_name(site: &str) -> String {
    match site.strip_prefix("custom:") {
        Some(host) => host.to_string(),
        None => message(&format!("site_{site}")),
    }
}
