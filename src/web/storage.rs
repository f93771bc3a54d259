//! `chrome.storage.local` for the tracker: at the start, what the first
//! answer needs; the rest when something asks for the whole history; and
//! what the tracker hands back, written in one `set`.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::chrome;
use super::{to_js, warn};
use crate::attention::Run;
use crate::calendar::Date;
use crate::finds::{self, Find, Finds};
use crate::ledger::{Day, DayRecord, Ledger};
use crate::settings::Settings;
use crate::store::{
    self, day_key, parse_day_key, UndoImport, COMPACTED_KEY, FINDS_KEY, QUARANTINE_PREFIX, RUN_KEY,
    SCHEMA, SCHEMA_KEY, SETTINGS_KEY, TOLD_WEEK_KEY, UNDO_IMPORT_KEY,
};
use crate::tracker::{Prompted, Writes};

/// What storage held when the worker started: what its first answer needs
/// (see [`store::START_KEYS`], [`store::recent_days`]).
pub struct Loaded {
    pub settings: Settings,
    /// The recent days (and a run's left open).
    pub ledger: Ledger,
    pub run: Option<Run>,
    /// A newer schema's data: leave it untouched, write nothing.
    pub read_only: bool,
    /// The first day of the last week the person was told about.
    pub told_week: Option<Date>,
    /// The first day kept day by day at the last merge of old days.
    pub compacted: Option<Date>,
    /// Keys whose values could not be read: set aside under
    /// `quarantine:<key>`.
    pub quarantined: Vec<String>,
    /// The store's schema when it is newer than this version's.
    pub newer_schema: Option<u32>,
    /// The posts marked useful.
    pub finds: Finds,
    /// The prompt's stretches and card, as a stopped worker left them
    /// (`storage.session`: gone with the browser).
    pub prompted: Prompted,
    /// The keys read: [`load_history`] reads the others.
    pub read: BTreeSet<String>,
}

/// The rest of the store, read when something first asks for the whole
/// history.
pub struct History {
    /// The older days.
    pub days: Vec<(Date, Day)>,
    /// The store before the last import, kept to undo it.
    pub undo: Option<UndoImport>,
    /// Keys set aside, now or by an earlier worker.
    pub quarantined: Vec<String>,
}

/// Reads what the first answer needs: the start's keys and the recent
/// days, then the days a run left open is booked into, if others. A value
/// that does not decode is set aside with a warning, never fatal.
pub async fn load(now: f64) -> Result<Loaded, JsValue> {
    let mut read: BTreeSet<String> = store::START_KEYS.iter().map(|k| k.to_string()).collect();
    read.extend(store::day_keys(&store::recent_days(now)));
    let mut found = Found::default();
    found.take_all(get(&read).await?);
    if let Some(days) = found.run.as_ref().and_then(store::run_days) {
        let more: BTreeSet<String> = store::day_keys(&days)
            .into_iter()
            .filter(|k| !read.contains(k))
            .collect();
        if !more.is_empty() {
            found.take_all(get(&more).await?);
            read.extend(more);
        }
    }
    let prompted = load_prompted().await;
    if found.newer_schema.is_some() {
        // A newer Thaman's store: touch nothing, not even to set aside.
        return Ok(Loaded {
            settings: Settings::default(),
            ledger: Ledger::default(),
            run: None,
            read_only: true,
            told_week: None,
            compacted: None,
            quarantined: Vec::new(),
            newer_schema: found.newer_schema,
            finds: Finds::default(),
            prompted: Prompted::default(),
            read,
        });
    }
    let quarantined = found.set_aside().await;
    let mut ledger = Ledger::default();
    for (date, day) in found.days {
        ledger.set_day(date, day);
    }
    Ok(Loaded {
        settings: found.settings.unwrap_or_default(),
        ledger,
        run: found.run,
        read_only: false,
        told_week: found.told_week,
        compacted: found.compacted,
        quarantined,
        newer_schema: None,
        finds: found.finds.unwrap_or_default(),
        prompted,
        read,
    })
}

/// Reads every key [`load`] did not: the older days, the undo, and the
/// keys set aside before.
pub async fn load_history(read: &BTreeSet<String>) -> Result<History, JsValue> {
    let all = JsFuture::from(chrome::storage_get(&JsValue::NULL)?).await?;
    let mut found = Found::default();
    for (key, value) in entries(&all) {
        if !read.contains(&key) {
            found.take(key, value);
        }
    }
    let quarantined = found.set_aside().await;
    Ok(History {
        days: found.days,
        undo: found.undo,
        quarantined,
    })
}

/// `storage.local.get(keys)`, as key and value pairs.
async fn get(keys: &BTreeSet<String>) -> Result<Vec<(String, JsValue)>, JsValue> {
    let keys: js_sys::Array = keys.iter().map(|k| JsValue::from_str(k)).collect();
    let all = JsFuture::from(chrome::storage_get(&keys)?).await?;
    Ok(entries(&all))
}

/// An object's own string-keyed entries.
fn entries(object: &JsValue) -> Vec<(String, JsValue)> {
    js_sys::Object::entries(object.unchecked_ref())
        .iter()
        .filter_map(|entry| {
            let entry: js_sys::Array = entry.unchecked_into();
            Some((entry.get(0).as_string()?, entry.get(1)))
        })
        .collect()
}

/// What the keys read held, decoded, and what could not be.
#[derive(Default)]
struct Found {
    settings: Option<Settings>,
    days: Vec<(Date, Day)>,
    run: Option<Run>,
    told_week: Option<Date>,
    compacted: Option<Date>,
    finds: Option<Finds>,
    undo: Option<UndoImport>,
    newer_schema: Option<u32>,
    /// Keys already set aside (`quarantine:<key>`), by their old key.
    quarantined: Vec<String>,
    bad: Vec<SetAside>,
}

impl Found {
    fn take_all(&mut self, entries: Vec<(String, JsValue)>) {
        for (key, value) in entries {
            self.take(key, value);
        }
    }

    fn take(&mut self, key: String, value: JsValue) {
        if let Some(old) = key.strip_prefix(QUARANTINE_PREFIX) {
            self.quarantined.push(old.to_string());
        } else if key == SCHEMA_KEY {
            match decode::<u32>(&value) {
                Ok(schema) if schema > SCHEMA => {
                    warn(&format!("storage has schema {schema}, newer than {SCHEMA}: reading nothing, writing nothing"));
                    self.newer_schema = Some(schema);
                }
                Ok(_) => {}
                Err(why) => self.bad.push(SetAside::whole(key, value, why)),
            }
        } else if key == SETTINGS_KEY {
            match decode::<Settings>(&value)
                .and_then(|s| s.validate().map(|()| s).map_err(|e| e.to_string()))
            {
                Ok(settings) => self.settings = Some(settings),
                Err(why) => self.bad.push(SetAside::whole(key, value, why)),
            }
        } else if key == RUN_KEY {
            match decode::<Option<Run>>(&value) {
                Ok(run) => self.run = run,
                Err(why) => self.bad.push(SetAside::whole(key, value, why)),
            }
        } else if key == FINDS_KEY {
            match decode::<Vec<Find>>(&value)
                .and_then(|f| finds::validate(&f).map(|()| f).map_err(|e| e.to_string()))
            {
                Ok(list) => self.finds = Some(Finds::new(list)),
                Err(why) => self.bad.push(SetAside::whole(key, value, why)),
            }
        } else if key == UNDO_IMPORT_KEY {
            match decode::<UndoImport>(&value) {
                Ok(undo) => self.undo = Some(undo),
                Err(why) => self.bad.push(SetAside::whole(key, value, why)),
            }
        } else if key == TOLD_WEEK_KEY || key == COMPACTED_KEY {
            match decode::<Date>(&value) {
                Ok(date) if key == TOLD_WEEK_KEY => self.told_week = Some(date),
                Ok(date) => self.compacted = Some(date),
                Err(why) => self.bad.push(SetAside::whole(key, value, why)),
            }
        } else if let Some(date) = parse_day_key(&key) {
            self.take_day(date, key, value);
        }
    }

    fn take_day(&mut self, date: Date, key: String, value: JsValue) {
        let Some(records) = records_of(&value) else {
            self.bad.push(SetAside {
                why: "not a day's records".into(),
                key,
                value,
                keep: None,
            });
            return;
        };
        let sorted = store::sort_day(records, decode::<DayRecord>);
        if !sorted.set_aside.is_empty() {
            let aside = js_sys::Object::new();
            for a in &sorted.set_aside {
                let _ = js_sys::Reflect::set(&aside, &a.site.as_str().into(), &a.value);
            }
            // The day's good records stay under its key.
            let keep = (!sorted.day.is_empty())
                .then(|| to_js(&sorted.day).ok())
                .flatten();
            self.bad.push(SetAside {
                why: sorted.reason(),
                key,
                value: aside.into(),
                keep,
            });
        }
        if !sorted.day.is_empty() {
            self.days.push((date, sorted.day));
        }
    }

    /// Sets the unreadable values aside; every key set aside, now or
    /// before, sorted.
    async fn set_aside(&mut self) -> Vec<String> {
        let bad = std::mem::take(&mut self.bad);
        if !bad.is_empty() {
            quarantine(&bad).await;
        }
        let mut keys = std::mem::take(&mut self.quarantined);
        keys.extend(bad.into_iter().map(|b| b.key));
        keys.sort();
        keys.dedup();
        keys
    }
}

/// A stored value to set aside: its key, the value (for a day, only its
/// unreadable records), why, and what stays under the key (a day's good
/// records), if anything.
struct SetAside {
    key: String,
    value: JsValue,
    why: String,
    keep: Option<JsValue>,
}

impl SetAside {
    fn whole(key: String, value: JsValue, why: String) -> SetAside {
        SetAside {
            key,
            value,
            why,
            keep: None,
        }
    }
}

/// The site -> record entries of a stored day, if it is an object.
fn records_of(value: &JsValue) -> Option<Vec<(String, JsValue)>> {
    if !value.is_object() || js_sys::Array::is_array(value) {
        return None;
    }
    Some(entries(value))
}

/// Copies each unreadable value, with why and when, to `quarantine:<key>`
/// and, in the same write, leaves only what is good under the key; then
/// removes the keys with nothing good left. So the next write of that key
/// starts from the last good state and nothing is lost or read again.
async fn quarantine(bad: &[SetAside]) {
    let items = js_sys::Object::new();
    for b in bad {
        let key = &b.key;
        warn(&format!(
            "storage key {key:?} is unreadable ({}): set aside as {QUARANTINE_PREFIX}{key}",
            b.why
        ));
        let record = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&record, &"value".into(), &b.value);
        let _ = js_sys::Reflect::set(&record, &"reason".into(), &b.why.as_str().into());
        let _ = js_sys::Reflect::set(&record, &"at".into(), &js_sys::Date::now().into());
        let _ = js_sys::Reflect::set(&items, &format!("{QUARANTINE_PREFIX}{key}").into(), &record);
        if let Some(keep) = &b.keep {
            let _ = js_sys::Reflect::set(&items, &key.as_str().into(), keep);
        }
    }
    let saved = match chrome::storage_set(&items) {
        Ok(promise) => JsFuture::from(promise).await.is_ok(),
        Err(_) => false,
    };
    // Removed only once the copy is safe.
    if saved {
        let keys: js_sys::Array = bad
            .iter()
            .filter(|b| b.keep.is_none())
            .map(|b| JsValue::from_str(&b.key))
            .collect();
        if keys.length() > 0 {
            if let Ok(promise) = chrome::storage_remove(&keys) {
                let _ = JsFuture::from(promise).await;
            }
        }
    }
}

fn decode<T: DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    serde_wasm_bindgen::from_value(value.clone()).map_err(|e| e.to_string())
}

/// Writes one batch, then calls `done`: with the batch back if the
/// browser refused it (for the quota, or another reason).
pub fn write(writes: Writes, done: impl FnOnce(Result<(), WriteFailed>) + 'static) {
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
    if let Some(finds) = &writes.finds {
        put(FINDS_KEY, to_js(finds));
    }
    // The store before an import is written with the import itself.
    if let Some(Some(undo)) = &writes.undo {
        put(UNDO_IMPORT_KEY, to_js(undo));
    }
    // Days merged into their week: their own keys go, only once the
    // week's totals (in `items`) are written, so a failed write loses none.
    // So does an undone import's copy, once the store it held is back.
    let removed: js_sys::Array = writes
        .removed_days
        .iter()
        .map(|d| JsValue::from_str(&day_key(*d)))
        .chain(matches!(writes.undo, Some(None)).then(|| JsValue::from_str(UNDO_IMPORT_KEY)))
        .collect();
    // Only the prompt's state changed: storage.local is not touched (a
    // store from a newer Thaman must keep its schema key, for one).
    if writes.days.is_empty()
        && writes.settings.is_none()
        && writes.run.is_none()
        && writes.finds.is_none()
        && writes.removed_days.is_empty()
        && writes.undo.is_none()
    {
        if let Some(prompted) = writes.prompted {
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = write_prompted(&prompted).await {
                    warn(&format!("the prompt's state was not saved: {e:?}"));
                }
                done(Ok(()));
            });
        }
        return;
    }
    let promise = match chrome::storage_set(&items) {
        Ok(promise) => promise,
        Err(e) => {
            warn(&format!("storage write failed: {e:?}"));
            return done(Err(WriteFailed::Refused(writes)));
        }
    };
    wasm_bindgen_futures::spawn_local(async move {
        if let Some(prompted) = &writes.prompted {
            if let Err(e) = write_prompted(prompted).await {
                // No session storage (or it refused): the prompt's state
                // stays in memory only, as before.
                warn(&format!("the prompt's state was not saved: {e:?}"));
            }
        }
        if let Err(e) = JsFuture::from(promise).await {
            let why = js_sys::Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
                .unwrap_or_else(|| format!("{e:?}"));
            warn(&format!("storage write failed: {why}"));
            return done(Err(if why.to_ascii_lowercase().contains("quota") {
                WriteFailed::Full(writes)
            } else {
                WriteFailed::Refused(writes)
            }));
        }
        if removed.length() == 0 {
            return done(Ok(()));
        }
        let removed_ok = match chrome::storage_remove(&removed) {
            Ok(promise) => JsFuture::from(promise).await.map(|_| ()),
            Err(e) => Err(e),
        };
        match removed_ok {
            Ok(()) => done(Ok(())),
            Err(e) => {
                warn(&format!("storage remove failed: {e:?}"));
                // Written; only the merged days' keys are left to remove.
                done(Err(WriteFailed::Refused(Writes {
                    removed_days: writes.removed_days,
                    undo: writes.undo.filter(Option::is_none),
                    ..Writes::default()
                })))
            }
        }
    });
}

/// The key in `storage.session` of the prompt's state.
const PROMPTED_KEY: &str = "prompted";

/// The prompt's state a stopped worker left in `storage.session`, if any
/// (none where the browser has no session storage).
async fn load_prompted() -> Prompted {
    let Ok(promise) = chrome::session_get(&PROMPTED_KEY.into()) else {
        return Prompted::default();
    };
    let Ok(all) = JsFuture::from(promise).await else {
        return Prompted::default();
    };
    let value = js_sys::Reflect::get(&all, &PROMPTED_KEY.into()).unwrap_or(JsValue::UNDEFINED);
    if value.is_undefined() {
        return Prompted::default();
    }
    decode(&value).unwrap_or_else(|e| {
        warn(&format!("the prompt's saved state was not read: {e}"));
        Prompted::default()
    })
}

/// Writes the prompt's state to `storage.session`.
async fn write_prompted(prompted: &Prompted) -> Result<(), JsValue> {
    let items = js_sys::Object::new();
    let value = to_js(prompted).map_err(|e| JsValue::from_str(&e.to_string()))?;
    js_sys::Reflect::set(&items, &PROMPTED_KEY.into(), &value)?;
    JsFuture::from(chrome::session_set(&items)?)
        .await
        .map(|_| ())
}

/// Why storage did not take a batch of [`Writes`], handed back to be
/// written again.
pub enum WriteFailed {
    /// Over the quota: something must be compacted first.
    Full(Writes),
    /// Refused for another reason (tried again later).
    Refused(Writes),
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
    write_date(TOLD_WEEK_KEY, week);
}

/// Notes the first day kept day by day at this merge of old days.
pub fn write_compacted(from: Date) {
    write_date(COMPACTED_KEY, from);
}

fn write_date(key: &str, date: Date) {
    let items = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&items, &key.into(), &date.to_string().into());
    if let Ok(promise) = chrome::storage_set(&items) {
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = JsFuture::from(promise).await {
                warn(&format!("storage write failed: {e:?}"));
            }
        });
    }
}
