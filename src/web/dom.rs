//! Small DOM helpers shared by the extension's pages.

use wasm_bindgen::JsValue;
use web_sys::{Document, Element};

use super::chrome;

pub fn document() -> Result<Document, JsValue> {
    web_sys::window().and_then(|w| w.document()).ok_or_else(|| JsValue::from_str("no document"))
}

/// `<tag class=…>text</tag>`.
pub fn element(doc: &Document, tag: &str, class: &str, text: &str) -> Result<Element, JsValue> {
    let el = doc.create_element(tag)?;
    if !class.is_empty() {
        el.set_class_name(class);
    }
    if !text.is_empty() {
        el.set_text_content(Some(text));
    }
    Ok(el)
}

/// Sets `lang` and `dir` on `<html>` from the browser's UI language.
pub fn apply_locale(doc: &Document) -> Result<(), JsValue> {
    let Some(root) = doc.document_element() else { return Ok(()) };
    let dir = chrome::message("@@bidi_dir");
    root.set_attribute("dir", if dir == "rtl" { "rtl" } else { "ltr" })?;
    let lang = chrome::message("@@ui_locale");
    if !lang.starts_with('@') {
        root.set_attribute("lang", &lang.replace('_', "-"))?;
    }
    Ok(())
}
