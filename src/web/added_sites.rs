//! Sites the person added: the sensor's run-time registration, as
//! [`crate::added_sites::plan`] decides, on the hosts whose permission the
//! browser granted. Syncs are queued: two at once would both register the
//! same script id.

use std::cell::RefCell;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};

use super::{chrome, to_js, warn};
use crate::added_sites::plan;
use crate::protocol::SENSOR_SCRIPTS;
use crate::sites::custom_origins;

/// The one registration that holds every added site's origins.
const SCRIPT_ID: &str = "thaman-added-sites";

/// `chrome.scripting.RegisteredContentScript`, as much as is used.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Registered {
    id: String,
    #[serde(default)]
    matches: Vec<String>,
    #[serde(default)]
    js: Vec<String>,
    #[serde(default)]
    run_at: String,
    #[serde(default)]
    all_frames: bool,
}

#[derive(Serialize)]
struct Ids<'a> {
    ids: [&'a str; 1],
}

#[derive(Serialize)]
struct TabsQuery<'a> {
    url: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Target {
    tab_id: f64,
}

#[derive(Serialize)]
struct Injection {
    target: Target,
    files: [&'static str; 2],
}

#[derive(Default)]
struct Queue {
    running: bool,
    /// The latest list asked for while a sync ran.
    next: Option<BTreeSet<String>>,
}

thread_local! {
    static QUEUE: RefCell<Queue> = RefCell::new(Queue::default());
}

/// Brings the registration in line with `hosts` (soon, in order).
pub fn sync(hosts: BTreeSet<String>) {
    let start = QUEUE.with_borrow_mut(|q| {
        q.next = Some(hosts);
        !std::mem::replace(&mut q.running, true)
    });
    if !start {
        return;
    }
    spawn_local(async {
        while let Some(hosts) = QUEUE.with_borrow_mut(|q| q.next.take()) {
            if let Err(err) = sync_now(&hosts).await {
                warn(&format!(
                    "added sites: the sensor could not be registered: {err:?}"
                ));
            }
        }
        QUEUE.with_borrow_mut(|q| q.running = false);
    });
}

/// One pass: the granted hosts' origins are registered; pages already open
/// on origins new to the registration get the sensor now.
async fn sync_now(hosts: &BTreeSet<String>) -> Result<(), JsValue> {
    let mut wanted = Vec::new();
    for host in hosts {
        let origins = custom_origins(host);
        if JsFuture::from(chrome::permissions_contains(&chrome::origins(&origins))?)
            .await?
            .as_bool()
            == Some(true)
        {
            wanted.extend(origins);
        }
    }
    let filter = to_js(&Ids { ids: [SCRIPT_ID] })?;
    let registered: Vec<Registered> = serde_wasm_bindgen::from_value(
        JsFuture::from(chrome::scripting_registered(&filter)?).await?,
    )?;
    let (had, files) = registered
        .into_iter()
        .find(|r| r.id == SCRIPT_ID)
        .map(|r| (r.matches, r.js))
        .unwrap_or_default();
    let Some(plan) = plan(&had, &files, wanted, &SENSOR_SCRIPTS) else {
        return Ok(());
    };
    if plan.unregister {
        JsFuture::from(chrome::scripting_unregister(&filter)?).await?;
    }
    if plan.register.is_empty() {
        return Ok(());
    }
    let script = Registered {
        id: SCRIPT_ID.into(),
        matches: plan.register,
        js: SENSOR_SCRIPTS.map(String::from).to_vec(),
        run_at: "document_start".into(),
        all_frames: false,
    };
    JsFuture::from(chrome::scripting_register(&to_js(&[script])?)?).await?;
    if !plan.inject.is_empty() {
        inject_open_tabs(&plan.inject).await?;
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
struct Tab {
    id: Option<f64>,
}

/// The sensor, into tabs already open on `origins` (a content script
/// registered now runs only on pages loaded from now on).
async fn inject_open_tabs(origins: &[String]) -> Result<(), JsValue> {
    let query = to_js(&TabsQuery { url: origins })?;
    let tabs: Vec<Tab> =
        serde_wasm_bindgen::from_value(JsFuture::from(chrome::tabs_query(&query)?).await?)?;
    for id in tabs.into_iter().filter_map(|t| t.id) {
        let injection = to_js(&Injection {
            target: Target { tab_id: id },
            files: SENSOR_SCRIPTS,
        })?;
        // A tab that cannot take it (an error page, say) is not a failure.
        if let Err(err) = JsFuture::from(chrome::scripting_execute(&injection)?).await {
            warn(&format!(
                "added sites: tab {id} did not get the sensor: {err:?}"
            ));
        }
    }
    Ok(())
}
