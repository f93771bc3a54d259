//! Small DOM helpers shared by the extension's pages (words and numbers
//! are formatted in [`super::intl`]).

use wasm_bindgen::JsValue;
use web_sys::{Document, Element};

use super::i18n;

pub fn document() -> Result<Document, JsValue> {
    web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))
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

/// Sets `lang` and `dir` on `<html>` from the chosen (else the
/// browser's) language.
pub fn apply_locale(doc: &Document) -> Result<(), JsValue> {
    let Some(root) = doc.document_element() else {
        return Ok(());
    };
    root.set_attribute("dir", if i18n::rtl() { "rtl" } else { "ltr" })?;
    root.set_attribute("lang", &i18n::locale())?;
    Ok(())
}

/// `<tag class=…>text</tag>` appended to `parent`.
pub fn add(parent: &Element, tag: &str, class: &str, text: &str) -> Result<Element, JsValue> {
    let doc = parent.owner_document().ok_or("detached")?;
    let el = element(&doc, tag, class, text)?;
    parent.append_child(&el)?;
    Ok(el)
}

/// An SVG element with attributes, appended to `parent`.
pub fn svg(parent: &Element, tag: &str, attrs: &[(&str, &str)]) -> Result<Element, JsValue> {
    let doc = parent.owner_document().ok_or("detached")?;
    let el = doc.create_element_ns(Some("http://www.w3.org/2000/svg"), tag)?;
    for (k, v) in attrs {
        el.set_attribute(k, v)?;
    }
    parent.append_child(&el)?;
    Ok(el)
}
