//! The few `chrome.*` APIs the core uses, as typed bindings. The words
//! built on `chrome.i18n` are in [`super::i18n`], which uses this module,
//! never the other way round.

use serde::Deserialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `chrome.runtime.Port`.
    #[derive(Clone, Debug)]
    pub type Port;
    #[wasm_bindgen(method, getter)]
    pub fn name(this: &Port) -> String;
    #[wasm_bindgen(method, getter)]
    pub fn sender(this: &Port) -> JsValue;
    #[wasm_bindgen(method, catch, js_name = postMessage)]
    pub fn post_message(this: &Port, message: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, getter, js_name = onMessage)]
    pub fn on_message(this: &Port) -> ChromeEvent;
    #[wasm_bindgen(method, getter, js_name = onDisconnect)]
    pub fn on_disconnect(this: &Port) -> ChromeEvent;

    /// `chrome.events.Event`.
    pub type ChromeEvent;
    #[wasm_bindgen(method, js_name = addListener)]
    pub fn add_listener(this: &ChromeEvent, listener: &js_sys::Function);

    #[wasm_bindgen(catch, js_namespace = ["chrome", "runtime"], js_name = connect)]
    pub fn runtime_connect(info: &JsValue) -> Result<Port, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["chrome", "storage", "local"], js_name = get)]
    pub fn storage_get(keys: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "storage", "local"], js_name = set)]
    pub fn storage_set(items: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "storage", "local"], js_name = remove)]
    pub fn storage_remove(keys: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "storage", "session"], js_name = get)]
    pub fn session_get(keys: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "storage", "session"], js_name = set)]
    pub fn session_set(items: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "storage", "local"], js_name = clear)]
    pub fn storage_clear() -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "alarms"], js_name = create)]
    pub fn alarms_create(name: &str, info: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "notifications"], js_name = create)]
    pub fn notifications_create(id: &str, options: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "tabs"], js_name = create)]
    pub fn tabs_create(properties: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "tabs"], js_name = remove)]
    pub fn tabs_remove(tab: f64) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "runtime"], js_name = sendMessage)]
    pub fn runtime_send_message(message: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "commands"], js_name = getAll)]
    pub fn commands_get_all() -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "runtime"], js_name = openOptionsPage)]
    pub fn open_options_page() -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "action"], js_name = setBadgeText)]
    pub fn action_set_badge_text(details: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "action"], js_name = setBadgeBackgroundColor)]
    pub fn action_set_badge_background_color(details: &JsValue)
        -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["chrome", "permissions"], js_name = request)]
    pub fn permissions_request(permissions: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "permissions"], js_name = remove)]
    pub fn permissions_remove(permissions: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "permissions"], js_name = contains)]
    pub fn permissions_contains(permissions: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "scripting"], js_name = getRegisteredContentScripts)]
    pub fn scripting_registered(filter: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "scripting"], js_name = registerContentScripts)]
    pub fn scripting_register(scripts: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "scripting"], js_name = unregisterContentScripts)]
    pub fn scripting_unregister(filter: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "scripting"], js_name = executeScript)]
    pub fn scripting_execute(injection: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "tabs"], js_name = sendMessage)]
    pub fn tabs_send_message(tab: f64, message: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "tabs"], js_name = query)]
    pub fn tabs_query(query: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["chrome", "runtime"], js_name = getURL)]
    fn runtime_get_url(path: &str) -> Result<String, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["chrome", "i18n"], js_name = getMessage)]
    fn i18n_get_message(name: &str) -> Result<String, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "i18n"], js_name = getMessage)]
    fn i18n_get_message_with(name: &str, substitutions: &js_sys::Array) -> Result<String, JsValue>;
}

/// Who is at the other end of a port or message, as far as we need it.
#[derive(Debug, Deserialize)]
pub struct Sender {
    pub tab: Option<SenderTab>,
    #[serde(rename = "frameId")]
    pub frame_id: Option<i64>,
    pub id: Option<String>,
    pub url: Option<String>,
}

impl Sender {
    /// One of this extension's own pages (not a content script, not
    /// another extension).
    pub fn is_extension_page(&self) -> bool {
        let Ok(origin) = runtime_get_url("") else {
            return false;
        };
        self.url.as_deref().is_some_and(|u| u.starts_with(&origin))
    }
}

#[derive(Debug, Deserialize)]
pub struct SenderTab {
    pub id: i64,
}

impl Port {
    /// The tab this port's other end lives in, if it is a tab.
    pub fn tab_id(&self) -> Option<i64> {
        let sender: Sender = serde_wasm_bindgen::from_value(self.sender()).ok()?;
        sender.tab.map(|t| t.id)
    }

    /// Whether the other end is a tab's top frame.
    pub fn is_top_frame(&self) -> bool {
        serde_wasm_bindgen::from_value::<Sender>(self.sender()).is_ok_and(|s| s.frame_id == Some(0))
    }
}

/// The browser's own `chrome.i18n` text, whatever language was chosen;
/// empty for a key it does not know.
pub fn browser_message(key: &str) -> String {
    i18n_get_message(key).unwrap_or_default()
}

/// As [`browser_message`], with `$1`… filled in from `values`.
pub fn browser_message_with(key: &str, values: &[&str]) -> String {
    let array: js_sys::Array = values.iter().map(|v| JsValue::from_str(v)).collect();
    i18n_get_message_with(key, &array).unwrap_or_default()
}

/// A site id as a CSS class or element-id part: `custom:a.org` is none,
/// `custom-a-org` is.
pub fn site_key(site: &str) -> String {
    site.replace([':', '.'], "-")
}

/// A URL inside the extension.
pub fn url(path: &str) -> String {
    runtime_get_url(path).unwrap_or_else(|_| path.to_string())
}

/// `{origins: [...]}`, the shape `chrome.permissions.*` takes.
pub fn origins(origins: &[String]) -> JsValue {
    let o = js_sys::Object::new();
    let list: js_sys::Array = origins.iter().map(|s| JsValue::from_str(s)).collect();
    let _ = js_sys::Reflect::set(&o, &"origins".into(), &list);
    o.into()
}
