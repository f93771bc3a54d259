//! Browser glue: binds the pure core to `chrome.*` and the DOM. Decides
//! nothing itself; every rule lives in the pure modules.

pub mod background;
pub mod chrome;
pub mod dom;
pub mod overlay;
pub mod popup;
pub mod storage;

use serde::Serialize;
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
