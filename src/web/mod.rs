//! Browser glue: binds the pure core to `chrome.*` and the DOM. Decides
//! nothing itself; every rule lives in the pure modules.

// A build for one context leaves some shared helpers unused.
#![cfg_attr(
    not(all(feature = "background", feature = "overlay", feature = "pages")),
    allow(dead_code)
)]

#[cfg(feature = "background")]
mod added_sites;
#[cfg(feature = "background")]
pub mod background;
pub mod chrome;
pub mod dom;
#[cfg(feature = "popup")]
pub mod finds;
pub mod i18n;
pub mod intl;
#[cfg(feature = "pages")]
pub mod options;
#[cfg(feature = "overlay")]
pub mod overlay;
#[cfg(feature = "background")]
mod pill;
#[cfg(feature = "popup")]
pub mod popup;
#[cfg(feature = "background")]
pub mod storage;
#[cfg(feature = "pages")]
pub mod weekly;
#[cfg(feature = "popup")]
pub mod widgets;

use serde::Serialize;

use crate::protocol::PageRequest;
use wasm_bindgen::JsValue;

/// Serializes to plain JS objects (not `Map`s), as `postMessage` expects.
pub(crate) fn to_js<T: Serialize>(value: &T) -> Result<JsValue, serde_wasm_bindgen::Error> {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
}

/// Milliseconds since the epoch, the background core's one clock.
pub(crate) fn now_ms() -> f64 {
    js_sys::Date::now()
}

pub(crate) fn warn(what: &str) {
    web_sys::console::warn_1(&JsValue::from_str(&format!("thaman: {what}")));
}

/// A value a page passes through as it is (an import file as read), for
/// the core to decode with its own errors.
#[derive(Serialize)]
#[serde(transparent)]
pub(crate) struct Js(#[serde(with = "serde_wasm_bindgen::preserve")] pub JsValue);

/// What a request without an import or settings carries: nothing.
#[derive(Serialize)]
pub(crate) enum Nothing {}

/// Requests as an extension page sends them: the same type the core
/// decodes. Each carries only what it needs, so a page that never sends
/// settings does not ship the code to encode them (the popup's size).
pub(crate) type Ask = PageRequest<Nothing, Nothing>;
/// An import, or its preview: the file as the page read it.
pub(crate) type AskImport = PageRequest<Js, Nothing>;
/// New settings, typed.
pub(crate) type AskSettings = PageRequest<Nothing, crate::settings::Settings>;

/// Sends a request to the background core (from an extension page) now;
/// the answer is awaited later, so two requests can travel together.
pub(crate) fn ask_now<D: Serialize, S: Serialize>(
    request: &PageRequest<D, S>,
) -> Result<wasm_bindgen_futures::JsFuture, JsValue> {
    let message = to_js(request).map_err(JsValue::from)?;
    Ok(wasm_bindgen_futures::JsFuture::from(
        chrome::runtime_send_message(&message)?,
    ))
}

/// The core's answer, or its refusal (`{ok: false, error}`) as an error.
pub(crate) fn answer(reply: JsValue) -> Result<JsValue, JsValue> {
    if js_sys::Reflect::get(&reply, &"ok".into())
        .ok()
        .and_then(|v| v.as_bool())
        == Some(false)
    {
        let why = js_sys::Reflect::get(&reply, &"error".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        return Err(JsValue::from_str(&why));
    }
    Ok(reply)
}

/// An answer as a typed view.
pub(crate) fn typed<T: serde::de::DeserializeOwned>(reply: JsValue) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(reply).map_err(|e| JsValue::from_str(&e.to_string()))
}

/// Asks the background core (from an extension page) and waits.
pub(crate) async fn ask<D: Serialize, S: Serialize>(
    request: &PageRequest<D, S>,
) -> Result<JsValue, JsValue> {
    answer(ask_now(request)?.await?)
}

/// Asks the core for a typed view.
pub(crate) async fn ask_for<T: serde::de::DeserializeOwned>(request: &Ask) -> Result<T, JsValue> {
    typed(ask(request).await?)
}

/// Loads the person's language and digits for an extension page, and
/// sets `lang`/`dir`.
pub(crate) async fn page_setup() -> Result<(web_sys::Document, crate::settings::Settings), JsValue>
{
    page_setup_with(ask_now(&Ask::GetSettings)?).await
}

/// As [`page_setup`], with the settings already asked for (`asked`).
pub(crate) async fn page_setup_with(
    asked: wasm_bindgen_futures::JsFuture,
) -> Result<(web_sys::Document, crate::settings::Settings), JsValue> {
    let settings: crate::settings::Settings = typed(answer(asked.await?)?)?;
    i18n::follow(&settings).await;
    let doc = dom::document()?;
    dom::apply_locale(&doc)?;
    doc.set_title(&i18n::message("extShortName"));
    Ok((doc, settings))
}
