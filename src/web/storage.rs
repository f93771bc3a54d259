//! `chrome.storage.local` for the tracker: load everything at start, write
//! what the tracker hands back in one `set`.

use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::chrome;
use super::{to_js, warn};
use crate::attention::Run;
use crate::ledger::{Day, Ledger};
use crate::settings::Settings;
use crate::calendar::Date;
use crate::store::{day_key, parse_day_key, RUN_KEY, SCHEMA, SCHEMA_KEY, SETTINGS_KEY, TOLD_WEEK_KEY};
use crate::tracker::Writes;

/// What storage held when the worker started.
pub struct Loaded {
    pub settings: Settings,
    pub ledger: Ledger,
    pub run: Option<Run>,
    /// A newer schema's data: leave it untouched, write nothing.
    pub read_only: bool,
    /// The first day of the last week the person was told about.
    pub told_week: Option<Date>,
}

/// Reads and decodes the whole store. A value that does not decode is
/// skipped with a warning, never fatal.
pub async fn load() -> Result<Loaded, JsValue> {
    let all = JsFuture::from(chrome::storage_get(&JsValue::NULL)?).await?;
    let entries = js_sys::Object::entries(all.unchecked_ref());
    let mut loaded = Loaded { settings: Settings::default(), ledger: Ledger::default(), run: None, read_only: false, told_week: None };
    for entry in entries.iter() {
        let entry: js_sys::Array = entry.unchecked_into();
        let (Some(key), value) = (entry.get(0).as_string(), entry.get(1)) else { continue };
        if key == SCHEMA_KEY {
            if let Some(schema) = decode::<u32>(&key, value).filter(|s| *s > SCHEMA) {
                warn(&format!("storage has schema {schema}, newer than {SCHEMA}: reading nothing, writing nothing"));
                loaded.read_only = true;
            }
        } else if key == SETTINGS_KEY {
            if let Some(settings) = decode::<Settings>(&key, value).filter(|s| s.validate().is_ok()) {
                loaded.settings = settings;
            }
        } else if key == TOLD_WEEK_KEY {
            loaded.told_week = decode::<Date>(&key, value);
        } else if key == RUN_KEY {
            loaded.run = decode::<Option<Run>>(&key, value).flatten();
        } else if let Some(date) = parse_day_key(&key) {
            if let Some(day) = decode::<Day>(&key, value) {
                loaded.ledger.set_day(date, day);
            }
        }
    }
    if loaded.read_only {
        return Ok(Loaded { settings: Settings::default(), ledger: Ledger::default(), run: None, read_only: true, told_week: None });
    }
    Ok(loaded)
}

fn decode<T: DeserializeOwned>(key: &str, value: JsValue) -> Option<T> {
    serde_wasm_bindgen::from_value(value).map_err(|e| warn(&format!("storage key {key:?} is unreadable, skipped: {e}"))).ok()
}

/// Writes one batch; errors are reported, the next batch tries again.
pub fn write(writes: Writes) {
    let items = js_sys::Object::new();
    let put = |key: &str, value: Result<JsValue, serde_wasm_bindgen::Error>| match value {
        Ok(v) => {
            let _ = js_sys::Reflect::set(&items, &key.into(), &v);
        }
        Err(e) => warn(&format!("could not encode {key}: {e}")),
    };
    put(SCHEMA_KEY, Ok(SCHEMA.into()));
    for (date, day) in &writes.days {
        put(&day_key(*date), to_js(day));
    }
    if let Some(settings) = &writes.settings {
        put(SETTINGS_KEY, to_js(settings));
    }
    if let Some(run) = &writes.run {
        put(RUN_KEY, to_js(run));
    }
    match chrome::storage_set(&items) {
        Ok(promise) => wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = JsFuture::from(promise).await {
                warn(&format!("storage write failed: {e:?}"));
            }
        }),
        Err(e) => warn(&format!("storage write failed: {e:?}")),
    }
}

/// Empties the store, then calls `then` (which writes the fresh state).
pub fn clear_then(then: impl FnOnce() + 'static) {
    match chrome::storage_clear() {
        Ok(promise) => wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = JsFuture::from(promise).await {
                warn(&format!("storage clear failed: {e:?}"));
            }
            then();
        }),
        Err(e) => warn(&format!("storage clear failed: {e:?}")),
    }
}

/// Notes the week the person was last told about.
pub fn write_told_week(week: Date) {
    let items = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&items, &TOLD_WEEK_KEY.into(), &week.to_string().into());
    if let Ok(promise) = chrome::storage_set(&items) {
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = JsFuture::from(promise).await {
                warn(&format!("storage write failed: {e:?}"));
            }
        });
    }
}
